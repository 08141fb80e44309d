"""Rendering Obsidian syntax into Material pages, checked on the built HTML."""

from __future__ import annotations


def test_callouts_become_admonitions(build_vault) -> None:
    built = build_vault(
        {
            "a.md": (
                "# A\n\n"
                "> [!tip] Read this first\n> Body with [[b]].\n\n"
                "> [!faq]- Folded question\n> Hidden answer.\n\n"
                "> [!warning]+\n> Open by default.\n\n"
                "> [!todo]\n> > [!bug] Nested\n> > Inside.\n\n"
                "> A plain quote stays a quote.\n"
            ),
            "b.md": "b\n",
        }
    )
    page = built.html("a/")
    assert 'class="admonition tip"' in page and "Read this first" in page
    assert 'href="../b/"' in page
    assert '<details class="question">' in page and "Folded question" in page
    assert '<details class="warning" open="open">' in page
    assert 'class="admonition info"' in page and 'class="admonition bug"' in page
    assert "<blockquote>" in page and "A plain quote stays a quote." in page


def test_callout_titles_are_text_not_html(build_vault) -> None:
    built = build_vault({"a.md": '> [!note] Say "hi" <img src=x onerror=alert(1)>\n> body\n'})
    page = built.html("a/")
    assert 'class="admonition-title">Say "hi"' in page and "onerror" not in page
    assert "<p>body</p>" in page


def test_headings_get_stable_unique_ids(build_vault) -> None:
    built = build_vault(
        {
            "a.md": (
                "# A\n\n## Steps ##\n\nx\n\n## Steps\n\ny\n\n"
                "Setext Title\n---\n\nSee [[#Setext Title]].\n"
            ),
        }
    )
    page = built.html("a/")
    assert 'id="user-content-steps"' in page and 'id="user-content-steps-1"' in page
    assert 'id="user-content-setext-title"' in page and '<a name="setext-title">' in page
    assert 'href="#setext-title"' in page
    assert "Steps ##" not in page


def test_block_ids_on_paragraphs_list_items_and_tables(build_vault) -> None:
    built = build_vault(
        {
            "a.md": (
                "A paragraph. ^para\n\n- an item ^item\n- another\n\n"
                "| x | y |\n|---|---|\n| 1 | 2 |\n\n^table\n"
            ),
            "b.md": "[[a#^para]] [[a#^item]] [[a#^table]]\n",
        }
    )
    page = built.html("a/")
    for block in ("para", "item", "table"):
        assert f'id="user-content-^{block}"><a name="^{block}">' in page
        assert f'href="../a/#^{block}"' in built.html("b/")
    page = page.replace('id="user-content-^para"', "").replace('name="^para"', "")
    assert "^para" not in page.replace("#^para", "")


def test_image_sizes_and_markdown_images(build_vault) -> None:
    svg = "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>"
    built = build_vault(
        {
            "img/Diagram One.svg": svg,
            "a.md": "![[Diagram One.svg|300]]\n\n![[Diagram One.svg|640x480]]\n\n"
            "![alt text](img/Diagram%20One.svg)\n",
        }
    )
    page = built.html("a/")
    assert 'width="300"' in page
    assert 'width="640"' in page and 'height="480"' in page
    assert 'alt="alt text"' in page
    assert page.count('src="../img/diagram-one.svg"') == 3
    assert (built.site / "img" / "diagram-one.svg").is_file()


def test_unlinked_attachments_are_not_published(build_vault) -> None:
    built = build_vault({"a.md": "nothing\n", "secret.pdf": b"%PDF-1.4 not linked"})
    assert not (built.site / "secret.pdf").exists()


def test_markdown_links_keep_titles_and_external_links(build_vault) -> None:
    built = build_vault(
        {
            "Other Note.md": "# Other\n\n## Part two\n",
            "a.md": '[x](Other%20Note.md#Part%20two "hover") and [web](https://example.org/a.md)\n',
        }
    )
    page = built.html("a/")
    assert 'href="../other-note/#part-two"' in page and 'title="hover"' in page
    assert 'href="https://example.org/a.md"' in page


def test_embed_cycle_and_depth_stop_with_findings(build_vault) -> None:
    built = build_vault(
        {
            "x.md": "X says hi.\n\n![[y]]\n",
            "y.md": "Y says hi.\n\n![[x]]\n",
            "d1.md": "one\n\n![[d2]]\n",
            "d2.md": "two\n\n![[d3]]\n",
            "d3.md": "three\n\n![[d4]]\n",
            "d4.md": "four\n\n![[d5]]\n",
            "d5.md": "five\n\n![[d6]]\n",
            "d6.md": "six\n",
        }
    )
    codes = sorted(f.code for f in built.report.findings)
    assert codes.count("embed-cycle") == 1
    assert "embed-depth" in codes
    x = built.html("x/").split("<article", 1)[1]  # the page's content, not its description
    assert x.count("Y says hi.") == 1 and x.count("X says hi.") == 1
    assert 'class="dfn-embed-stub"' in x
    d1 = built.html("d1/")
    assert "five" in d1 and "six" not in d1  # depth 4: d2..d5 inlined, d6 linked


def test_embed_inside_a_sentence_is_embedded_between_its_words(build_vault) -> None:
    # Obsidian embeds a note wherever ![[it]] stands; the sentence's words stay around it.
    built = build_vault({"a.md": "Before ![[b]] after.\n", "b.md": "B text.\n"})
    page = built.html("a/").split("<article", 1)[1]  # the content, not its description
    before, embed, after = page.index("Before"), page.index("B text."), page.index("after.")
    assert before < embed < after and 'class="dfn-embed"' in page


def test_link_to_private_note_is_plain_text(build_vault) -> None:
    built = build_vault(
        {"a.md": "Ask [[secret|the owner]].\n", "secret.md": "---\npublish: false\n---\nhidden\n"}
    )
    page = built.html("a/")
    assert "the owner" in page and "the owner</a>" not in page and "secret" not in page


def test_properties_show_frontmatter_with_links(build_vault) -> None:
    built = build_vault(
        {
            "agents/Ann.md": "---\ntype: agent\njob: grades\nowner: Dana\n---\n",
            "meta/run.md": '---\ntype: meta\nagent: "[[Ann]]"\noutcome: success\n---\nDone.\n',
        }
    )
    page = built.html("meta/run/")
    props = page.split('class="dfn-properties"', 1)[1].split("</div>", 1)[0]
    assert "outcome:" in props and "success" in props
    assert 'href="../../agents/ann/"' in props


def test_titles_are_not_duplicated(build_vault) -> None:
    built = build_vault(
        {"own.md": "# Own Title\n\ntext\n", "plain.md": "---\ntitle: From Frontmatter\n---\ntext\n"}
    )
    assert built.html("own/").count("<h1") == 1
    plain = built.html("plain/")
    assert plain.count("<h1") == 1
    assert "From Frontmatter" in plain.split("<h1", 1)[1].split("</h1>", 1)[0]


def test_html_in_titles_and_links_is_escaped(build_vault) -> None:
    built = build_vault({"a.md": "[[<b>Missing</b>]]\n"})
    page = built.html("a/")
    assert "&lt;b&gt;Missing&lt;/b&gt;" in page and "<b>Missing</b>" not in page


def test_attachments_in_private_folders_stay_private(build_vault) -> None:
    svg = "<svg xmlns='http://www.w3.org/2000/svg'/>"
    built = build_vault(
        {"private/plan.svg": svg, "a.md": "![[plan.svg]] and [[plan.svg|the plan]]\n"}
    )
    assert not (built.site / "private").exists()
    page = built.html("a/")
    assert "the plan" in page and "plan.svg</a>" not in page and "<img" not in page


def test_dollar_properties_read_as_money(build_vault) -> None:
    built = build_vault(
        {"meta/run.md": "---\ntype: meta\ncost_usd: 0.0884\nprice_usd: 4.00\n---\nx\n"}
    )
    props = built.html("meta/run/").split('class="dfn-properties"', 1)[1].split("</div>", 1)[0]
    assert "$0.0884" in props and "$4.00" in props


def test_link_text_cannot_inject_html(build_vault) -> None:
    built = build_vault({"a.md": "[[b|<img src=x onerror=alert(1)> & co]]\n", "b.md": "b\n"})
    page = built.html("a/")
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt; &amp; co</a>" in page


def test_tags_that_slugify_alike_get_their_own_pages(build_vault) -> None:
    built = build_vault({"a.md": "#🚀 first\n", "b.md": "#🎉 second\n", "c.md": "#Index here\n"})
    pages = {p for p in built.report.plan.pages if p.startswith("tags/")}
    assert len(pages) == 4  # the index and one page per tag
    lists = [
        built.html(u).split('class="dfn-list"', 1)[1]
        for u in ("tags/untitled/", "tags/untitled-2/")
    ]
    assert sorted(">a</a>" in x for x in lists) == [False, True]
    assert sorted(">b</a>" in x for x in lists) == [False, True]
    assert "#Index" in built.html("tags/")


def test_the_built_in_config_keeps_its_own_extensions(build_vault) -> None:
    """Without a mkdocs.yml, the built-in config's extensions (task lists, highlighting) stay:
    Definitive adds the ones it needs to them rather than replacing them."""
    note = "# T\n\n- [x] done\n\n```python\nx = 1\n```\n"
    page = build_vault({"notes/T.md": note}).html("notes/t/")
    assert "task-list-item" in page and 'class="highlight"' in page


def test_strict_line_breaks_and_a_configured_home_note(make_vault, tmp_path) -> None:
    """Obsidian's "Strict line breaks" joins a paragraph's lines (a hard break still breaks);
    ``home`` names the note the site opens on, over a README.md at the top."""
    from dataclasses import replace

    from generator.pipeline import build
    from tests.conftest import settings_for

    vault = make_vault(
        {
            "README.md": "# Readme\n\nNot the home page.\n",
            "Start/Welcome.md": "# Welcome\n\nLine one\nline two\n\nHard  \nbreak\n",
        }
    )
    settings = settings_for(vault, tmp_path / "site")
    options = replace(settings.options, strict_line_breaks=True, home="start/welcome")
    report = build(replace(settings, options=options))
    assert not [f for f in report.findings if f.code == "home-missing"]
    home = (tmp_path / "site" / "index.html").read_text("utf-8")
    assert "<p>Line one\nline two</p>" in home
    assert "<p>Hard<br>\nbreak</p>" in home or "<p>Hard<br />\nbreak</p>" in home
    assert "Not the home page" not in home
    assert (tmp_path / "site" / "readme" / "index.html").is_file()
    # A home that names no published note is said, not silently replaced.
    typo = replace(settings.options, home="Start/Welcom")
    report = build(replace(settings, options=typo))
    assert [f.path for f in report.findings if f.code == "home-missing"] == ["Start/Welcom"]
