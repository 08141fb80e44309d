"""Pages rendered with one Markdown instance per process come out as MkDocs renders them."""

from __future__ import annotations

import re
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest

from generator.pipeline import build
from generator.publish import mkdocs_site
from generator.publish.markdown_reuse import REUSABLE, reuse_markdown
from tests.conftest import settings_for

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

NOTES: dict[str, str | bytes] = {
    "index.md": """\
        # Home

        Start at [[Grading]], [[Panels#Sources|the panel sources]] or [the notes](notes/Plain.md).

        ## Home

        The same heading twice gets its own anchor.[^1]

        [^1]: Home's footnote.
        """,
    "notes/Grading.md": """\
        ---
        title: How we grade
        tags: [grading]
        ---
        Graded against the rubric: HTML and CSS count.[^a] See also[^b].

        *[HTML]: Hyper Text Markup Language

        > [!note] A callout
        > With **bold** text.

        > [!tip]- Folded
        > Hidden until opened.

        | Score | Meaning |
        |:------|--------:|
        | 1     | poor    |
        | 5     | great   |

        - [x] read the draft
        - [ ] quote the rubric

        [^a]: First note of this page.
        [^b]: Second note of this page.
        """,
    "notes/Panels.md": """\
        # Panels

        HTML is not defined on this page.[^1]

        ## Sources

        Only primary sources. ![[pixel.png]]

        ```python
        def panel(entity: str) -> dict[str, str]:
            return {"@type": entity}
        ```

        ``` { .yaml title="panel.yml" linenums="1" }
        type: panel
        sources: 3
        ```

        Big picture
        { .wide data-kind="picture" }

        <div markdown>
        Markdown **inside** HTML.
        </div>

        [^1]: Panels' own first footnote.
        """,
    "notes/Plain.md": """\
        Intro without a heading.[^x]

        ### Sources

        ```text
        plain
        ```

        ``` { .python linenums="3" }
        print("numbered from 3")
        ```

        [^x]: Plain's note.
        """,
    "notes/pixel.png": PNG,
    # A run (its card above the text) and a note without a title of its own: all HTML.
    "meta/2026-11-12 Cam grades.md": """\
        ---
        type: meta
        article: "[[Grading]]"
        agent: "[[Cam]]"
        date: 2026-11-12
        outcome: success
        tokens_in: 61240
        cost_usd: 0.0912
        model: claude-<haiku>
        ---
        ## What was done
        Graded with $x^2$ and a [[Panels#Sources]] link.

        ```mermaid
        graph TD; A-->B
        ```
        """,
    "agents/Cam.md": "---\ntype: agent\n---\nGrades pages. See [[Grading]].\n",
}


def _config(tmp_path: Path, workers: int) -> Path:
    path = tmp_path / "mkdocs.yml"
    path.write_text(
        "site_name: Reuse\ntheme: {name: material}\nplugins: []\n"
        "markdown_extensions:\n  - abbr\n  - attr_list\n  - md_in_html\n  - admonition\n"
        "  - pymdownx.details\n  - pymdownx.superfences\n"
        "  - pymdownx.highlight: {anchor_linenums: true}\n"
        "  - pymdownx.tasklist: {custom_checkbox: true}\n  - tables\n  - footnotes\n"
        "  - toc: {permalink: true}\n"
        f"extra:\n  definitive:\n    search: false\n    build_workers: {workers}\n",
        encoding="utf-8",
    )
    return path


def _pages(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*.html")}


@pytest.mark.parametrize("workers", [1, 2])
def test_the_driver_renders_every_page_as_mkdocs_own_build(
    make_vault, tmp_path, monkeypatch, workers: int
) -> None:
    import markdown

    vault = make_vault(NOTES)
    config = _config(tmp_path, workers)
    created = converted = 0
    init = markdown.Markdown.__init__
    convert = markdown.Markdown.convert

    def converting(self: Any, source: str) -> str:
        nonlocal converted
        converted += 1
        return convert(self, source)

    monkeypatch.setattr(markdown.Markdown, "convert", converting)

    def counting(self: markdown.Markdown, *args: Any, **kwargs: Any) -> None:
        nonlocal created
        created += bool(kwargs.get("extensions"))  # not MkDocs' config check, a bare one
        init(self, *args, **kwargs)

    monkeypatch.setattr(markdown.Markdown, "__init__", counting)
    driver = settings_for(vault, tmp_path / "driver", config=config)
    report = build(driver)
    assert report.mkdocs_processes == workers
    assert created == 1  # one instance for every page (this process's share of them)
    # The four pages that are all HTML (three notes and the run) skip Python-Markdown; the
    # home (its dashboard), the agent's track record, hubs and tag pages do not.
    if workers == 1:
        assert converted == report.mkdocs_pages - 4
    # The same emitted docs and config through MkDocs' own build (as with a user's plugin).
    monkeypatch.setattr(mkdocs_site, "parallel_safe", lambda *args: False)
    plain = settings_for(vault, tmp_path / "plain", config=config)
    build(plain)
    assert created > report.mkdocs_pages
    ours, theirs = _pages(driver.site_dir), _pages(plain.site_dir)
    assert sorted(ours) == sorted(theirs) and len(ours) > 5
    assert [path for path in ours if ours[path] != theirs[path]] == []
    grading = ours["notes/grading/index.html"].decode("utf-8")
    # Note bodies are markdown-it's (render/markdown.py); Python-Markdown renders the rest.
    assert "<title>How we grade" in grading and 'id="user-content-fn:2"' in grading
    panels = ours["notes/panels/index.html"].decode("utf-8")
    assert 'id="user-content-fn:1"' in panels  # numbering restarts
    assert 'id="user-content-fn:2"' not in panels
    run = ours["meta/2026-11-12-cam-grades/index.html"].decode("utf-8")
    card = run.split('<div class="dfn-card">', 1)[1].split("</div>", 1)[0]
    assert 'href="../../notes/grading/"' in card and 'href="../../agents/cam/"' in card
    assert "claude-&lt;haiku&gt;" in card and "61,240 in" in card
    assert 'class="dfn-math"' in run and 'class="dfn-mermaid"' in run
    # The title of a note without one of its own, and the backlinks: in the page's contents.
    agent = ours["agents/cam/index.html"].decode("utf-8")
    assert '<h1 id="user-content-cam"><a name="cam"></a>Cam<a class="headerlink"' in agent
    for page in (run, agent, grading):
        assert 'href="#user-content-backlinks"' in page  # Material's table of contents


# Page by page: MkDocs' Page.render against the reused instance, for every extension that
# REUSABLE lets share one. The body repeats on every page what numbers or collects per document
# (footnotes, tab sets, code blocks, captions, abbreviations, critic marks, heading ids).
BODY = """\
HTML and CSS and API, with a note[^1] and another[^n]. Start again at [start](#start).

[^1]: First.
[^n]: Second.

## Start { #custom .heading }

=== "One"
    First tab with ^^ins^^, ~~del~~, ==mark==, H~2~O, x^2^ and __strong__ *em*.

=== "Two"
    Second tab.

/// tab | Block one
A block tab.
///

/// tab | Block two
Another.
///

```python linenums="1" hl_lines="1"
x = 1
```

```mermaid
graph LR
```

    indented code

!!! note "Admonition"
    Body with `#!python print(1)`, ++ctrl+alt+del++, :smile: and :material-home:.

??? tip "Details"
    Folded.

/// admonition | Block admonition
    type: warning
Content.
///

/// details | Block details
Content.
///

/// html | div.box
Inside an **html** block.
///

/// define
Term

- Its definition
///

A figure
/// figure-caption
Its caption
///

{++added++} {--removed--} {~~old~>new~~} {==highlighted==} {>>comment<<}

- [x] done
- [ ] to do

Term
:   Definition

$E = mc^2$ and

$$
a^2 + b^2
$$

https://example.com, @squidfunk/mkdocs-material#1, (tm), -->, 1/2 and "quotes" -- dashes...

[=45% "45%"]

Links to [[Other]], [the other page](other.md#start), [a missing one](gone.md) and
![an image](img.png){ width="10" }.

--8<-- "snip.md"

<div markdown="1" class="raw" onclick="x()">
*Markdown inside* <!-- a comment -->
</div>

| a | b |
|---|---|
| 1 | 2 |

[TOC]

## Start

Line one
line two \\
<span>kept</span> \\* escaped
"""

PAGES = {
    "index.md": "# Start\n\n*[HTML]: Hyper Text Markup Language\n*[CSS]: Sheets\n\n" + BODY,
    "other.md": "# Other\n\n" + BODY,
    "meta.md": "---\ntitle: From meta\n---\n\n" + BODY,
    "plain.md": BODY,
}


def _fence(source: str, language: str, css_class: str, *args: Any, **kwargs: Any) -> str:
    return f'<pre class="{css_class}"><code>{source}</code></pre>'


def _extension_sets(snippets: Path) -> dict[str, list[Any]]:
    from material.extensions.emoji import to_svg, twemoji

    return {
        "material": [
            {"abbr": {"glossary": {"API": "Application Programming Interface"}}},
            "admonition",
            "attr_list",
            "def_list",
            "footnotes",
            "md_in_html",
            "tables",
            {"toc": {"permalink": True}},
            {"pymdownx.arithmatex": {"generic": True}},
            "pymdownx.betterem",
            "pymdownx.caret",
            "pymdownx.mark",
            "pymdownx.tilde",
            "pymdownx.critic",
            "pymdownx.details",
            {"pymdownx.emoji": {"emoji_index": twemoji, "emoji_generator": to_svg}},
            {"pymdownx.highlight": {"anchor_linenums": True, "line_spans": "__span"}},
            "pymdownx.inlinehilite",
            "pymdownx.keys",
            {"pymdownx.magiclink": {"repo_url_shorthand": True, "user": "u", "repo": "r"}},
            "pymdownx.smartsymbols",
            {"pymdownx.snippets": {"base_path": [str(snippets)]}},
            {"pymdownx.superfences": {"custom_fences": [{"name": "mermaid", "class": "m"}]}},
            {"pymdownx.tabbed": {"alternate_style": True}},
            {"pymdownx.tasklist": {"custom_checkbox": True}},
            "pymdownx.progressbar",
            "generator.publish.markdown_guard",
        ],
        "python-markdown": [
            "markdown.extensions.extra",
            {"markdown.extensions.toc": {"anchorlink": True}},
            "markdown.extensions.admonition",
            "markdown.extensions.codehilite",
            "meta",
            "nl2br",
            "sane_lists",
            "smarty",
            "wikilinks",
            "legacy_attrs",
            "legacy_em",
        ],
        "blocks": [
            "pymdownx.blocks.admonition",
            "pymdownx.blocks.details",
            {"pymdownx.blocks.tab": {"alternate_style": True}},
            "pymdownx.blocks.html",
            "pymdownx.blocks.definition",
            "pymdownx.blocks.caption",
            "pymdownx.extra",
            {"pymdownx.highlight": {"linenums": True}},
            "pymdownx.saneheaders",
            "pymdownx.escapeall",
            "pymdownx.striphtml",
        ],
        # Footnote ids that count documents: not reusable, so MkDocs renders these pages.
        "unique footnotes": [{"footnotes": {"UNIQUE_IDS": True}}, "abbr"],
        # A user's own extension that keeps a count across documents: MkDocs renders them.
        "user's own": ["tests_stateful_extension", "footnotes"],
    }


STATEFUL = """\
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor


class Count(Treeprocessor):
    seen = 0

    def run(self, root):
        for p in root.iter("p"):
            self.seen += 1
            p.set("data-n", str(self.seen))


class Stateful(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(Count(md), "count", 1)


def makeExtension(**kwargs):
    return Stateful(**kwargs)
"""


def _render(tmp_path: Path, extensions: list[Any], reuse: bool, order: int) -> dict[str, Any]:
    """Every page's rendering: content, toc, title, anchors, links to anchors."""
    import copy

    from mkdocs.config import load_config
    from mkdocs.structure.files import get_files
    from mkdocs.structure.pages import Page

    config = load_config(
        config_file=str(tmp_path / "mkdocs.yml"),
        docs_dir=str(tmp_path / "docs"),
        site_dir=str(tmp_path / "site"),
        markdown_extensions=copy.deepcopy(extensions),
    )
    files = get_files(config)
    pages = [Page(None, f, config) for f in files.documentation_pages()][::order]
    with reuse_markdown(config) if reuse else nullcontext():
        for page in pages:
            page.read_source(config)
            page.render(config, files)
    return {
        page.file.src_uri: (
            page.content,
            str(page.toc),
            page.title,
            sorted(page.present_anchor_ids or ()),
            {f.src_uri: links for f, links in (page.links_to_anchors or {}).items()},
        )
        for page in pages
    }


@pytest.fixture
def pages_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "mkdocs.yml").write_text("site_name: Pages\n", encoding="utf-8")
    for name, text in PAGES.items():
        (tmp_path / "docs").mkdir(exist_ok=True)
        (tmp_path / "docs" / name).write_text(text, encoding="utf-8")
    (tmp_path / "docs" / "img.png").write_bytes(PNG)
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "snip.md").write_text("A *snippet*.[^s]\n\n[^s]: Its note.\n")
    (tmp_path / "ext").mkdir()
    (tmp_path / "ext" / "tests_stateful_extension.py").write_text(STATEFUL, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "ext"))
    return tmp_path


@pytest.mark.parametrize("name", list(_extension_sets(Path())))
def test_each_page_renders_as_mkdocs_renders_it(pages_dir: Path, name: str) -> None:
    extensions = _extension_sets(pages_dir / "snippets")[name]
    theirs = _render(pages_dir, extensions, reuse=False, order=1)
    assert _render(pages_dir, extensions, reuse=True, order=1) == theirs
    assert _render(pages_dir, extensions, reuse=True, order=-1) == theirs
    other = theirs["other.md"][0]
    assert "<abbr" not in other.replace('<abbr title="Application', "")  # index.md's own
    assert re.search(r'class="footnote-ref" href="#fn:[^"]+">1</a>', other)  # from 1 again
    if name == "user's own":
        assert 'data-n="1"' in other  # counted from 1 on every page


def test_every_reusable_extension_is_tested() -> None:
    def short(name: str) -> str:
        return name.removeprefix("markdown.extensions.")

    tested = {
        short(e if isinstance(e, str) else next(iter(e)))
        for extensions in _extension_sets(Path()).values()
        for e in extensions
    }
    assert {short(name) for name in REUSABLE} <= tested | {"fenced_code", "tables", "toc"}


def test_mkdocs_own_render_is_back_after_the_block(pages_dir: Path) -> None:
    from mkdocs.config import load_config
    from mkdocs.structure.pages import Page

    original = Page.render
    config = load_config(config_file=str(pages_dir / "mkdocs.yml"))
    with reuse_markdown(config):
        assert Page.render is not original
    assert Page.render is original
    with pytest.raises(ValueError), reuse_markdown(config):
        raise ValueError("a page failed")
    assert Page.render is original
