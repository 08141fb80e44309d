"""Safe to publish: untrusted HTML is sanitised, private notes stay out of every output (pages,
search indexes, graph.json, generated lists). Secrets: tests/test_secrets.py."""

from __future__ import annotations

import gzip
import json
from html.parser import HTMLParser

from generator.publish.sanitize import sanitize
from tests.conftest import Built
from tests.test_site import PRIVATE_MARKERS


def test_sanitize_drops_scripts_handlers_and_bad_urls() -> None:
    dirty = (
        '<script>alert(1)</script><img src="a.png" onerror="alert(1)">'
        '<a href="javascript:alert(1)">x</a><a href="vbscript:x">y</a>'
        '<svg onload="alert(1)"><circle cx="1" cy="1" r="1"></circle></svg>'
        '<iframe src="https://evil.example/"></iframe>'
        '<td style="text-align: right; background: url(https://evil.example/)">1</td>'
    )
    clean = sanitize(dirty)
    for bad in ("script", "onerror", "javascript:", "vbscript:", "onload", "iframe", "evil"):
        assert bad not in clean, bad
    assert '<img src="a.png">' in clean and "<circle" in clean


def test_sanitize_keeps_what_markdown_and_material_produce() -> None:
    html = (
        '<h2 id="skill">Skill<a class="headerlink" href="#skill" title="Permanent link">¶</a>'
        '</h2><div class="admonition note"><p class="admonition-title">Note</p></div>'
        "<details><summary>More</summary><p>x</p></details>"
        '<div class="highlight"><pre><span></span><code><span class="k">def</span></code></pre>'
        '</div><span class="dfn-block" id="^l-x"></span><a href="../a/#^l-x">a</a>'
        '<table><tr><th style="text-align: right">n</th></tr></table>'
    )
    # Ids move to the user-content- namespace; each keeps its clean anchor (<a name>), so
    # the permalink (#skill) and links from other pages (#^l-x) still land on it.
    assert sanitize(html) == (
        '<h2 id="user-content-skill"><a name="skill"></a>Skill<a class="headerlink" '
        'href="#skill" title="Permanent link">¶</a></h2><div class="admonition note"><p '
        'class="admonition-title">Note</p></div><details><summary>More</summary><p>x</p>'
        '</details><div class="highlight"><pre><span></span><code><span class="k">def</span>'
        '</code></pre></div><span class="dfn-block" id="user-content-^l-x"><a name="^l-x"></a>'
        '</span><a href="../a/#^l-x">a</a><table><tbody><tr><th style="text-align:right">n'
        "</th></tr></tbody></table>"
    )


def test_chart_keeps_its_accessible_name_after_sanitising(demo: Built) -> None:
    """The SVG chart keeps role, aria-label and viewBox through the allow-list."""
    page = demo.html("articles/grading-an-article/")
    chart = page.split('<svg class="dfn-chart"', 1)[1].split(">", 1)[0]
    assert 'role="img"' in chart and "aria-label=" in chart and "viewBox=" in chart


def test_iframes_survive_only_for_allow_listed_hosts() -> None:
    html = '<iframe src="https://video.example/embed/1"></iframe>'
    assert "video.example" not in sanitize(html)
    assert 'src="https://video.example/embed/1"' in sanitize(html, ["video.example"])
    assert "evil" not in sanitize(
        '<iframe src="https://evil.example/"></iframe>', ["video.example"]
    )


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, attrs))


def test_xss_note_is_inert_in_the_built_page(demo: Built) -> None:
    page = demo.html("notes/untrusted-agent-output/")
    article = page.split('<article class="md-content__inner md-typeset">', 1)[1]
    article = article.split("</article>", 1)[0]
    assert "XSS-SAFE-MARKER" in article
    tags = _Tags()
    tags.feed(article)
    assert not {"script", "iframe"} & {tag for tag, _ in tags.seen}
    for tag, attrs in tags.seen:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name)
            assert "evil.example" not in (value or ""), (tag, name)
    # The title (frontmatter) reaches Material's header and <title> as text, not markup.
    assert "<img src=x onerror" not in page
    assert "Untrusted agent output &lt;img src=x onerror=window.__xss=1&gt;" in page


def test_private_note_is_in_no_index_list_or_graph(demo: Built) -> None:
    # Pagefind's chunks are gzip-compressed: read them as a search would.
    fragments = list((demo.site / "pagefind" / "fragment").glob("*.pf_fragment"))
    assert len(fragments) > 40
    for path in fragments:
        text = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        for marker in PRIVATE_MARKERS:
            assert marker not in text, (path.name, marker)
    graph = json.loads((demo.site / "graph.json").read_text(encoding="utf-8"))
    assert not [n for n in graph["nodes"] if "Client contacts" in n["title"]]
    for url in ("", "catalogue/", "graph/", "agents/cam/"):
        assert "Client contacts" not in demo.html(url), url


def test_private_run_counts_nowhere(build_vault) -> None:
    run = """\
        ---
        article: "[[Task]]"
        agent: "[[Bot]]"
        date: 2026-11-01
        outcome: failure
        tokens_in: 1
        tokens_out: 1
        cost_usd: 9.99
        duration_s: 1
        model: m
        {extra}
        ---
        Secret client work.
        """
    built = build_vault(
        {
            "articles/Task.md": '---\ndescription: "x"\n---\n## Skill\n1. x\n## Learnings\n',
            "agents/Bot.md": '---\njob: "x"\nowner: "y"\n---\n',
            "meta/public.md": run.replace("{extra}", "").replace("9.99", "0.25"),
            "meta/zz-private-run.md": run.replace("{extra}", "publish: false"),
        }
    )
    for url in ("", "articles/task/", "agents/bot/"):
        page = built.html(url)
        assert "9.99" not in page and "zz-private-run" not in page, url
    assert "$0.250" in built.html("articles/task/")
