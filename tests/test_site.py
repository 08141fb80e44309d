"""The demo vault built by the real MkDocs + Material: what a visitor finds in site/."""

from __future__ import annotations

import gzip
import json
import posixpath
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import Built


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "a" and values.get("name"):  # a fragment's target, as browsers read it
            self.ids.add(values["name"] or "")
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")
        if tag in ("img", "script") and values.get("src"):
            self.srcs.append(values["src"] or "")


def _parse(path: Path) -> _Anchors:
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _target(site: Path, page: Path, href: str) -> tuple[Path, str]:
    parts = urlsplit(href)
    base = page.parent.relative_to(site).as_posix()
    rel = posixpath.normpath(posixpath.join(base, unquote(parts.path))) if parts.path else ""
    path = site / rel if rel not in ("", ".") else site
    if parts.path == "":
        path = page
    elif path.is_dir():
        path = path / "index.html"
    return path, unquote(parts.fragment)


def test_every_published_note_is_a_page(demo: Built) -> None:
    plan = demo.report.plan
    assert len(plan.note_paths) == 43  # 43 demo notes, one private, plus the XSS fixture
    for docs_path in plan.note_paths.values():
        page = docs_path[:-3]
        page = "" if page == "index" else page + "/"
        assert (demo.site / page / "index.html").is_file(), docs_path


def test_every_internal_link_and_anchor_resolves(demo: Built) -> None:
    """Follow every href on every page: the file exists and so does the #anchor."""
    ids: dict[Path, set[str]] = {}
    checked = 0
    for page in demo.site.rglob("*.html"):
        if page.name == "404.html":  # served at any depth, so MkDocs gives it absolute links
            continue
        parsed = _parse(page)
        for href in parsed.hrefs + parsed.srcs:
            if urlsplit(href).scheme or href.startswith(("//", "mailto:")):
                continue
            target, fragment = _target(demo.site, page, href)
            assert target.exists(), f"{page.relative_to(demo.site)}: {href}"
            if fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = _parse(target).ids
                assert fragment in ids[target], f"{page.relative_to(demo.site)}: {href}"
            checked += 1
    assert checked > 1000
    assert demo.report.mkdocs_warnings == []


def test_wikilinks_headings_and_blocks_are_real_links(demo: Built) -> None:
    guide = demo.html("notes/knowledge-panel-field-guide/")
    assert 'href="../../articles/building-a-knowledge-panel/#skill"' in guide
    assert 'href="../../articles/collecting-positive-comments/#^l-first-name-initial"' in guide
    assert 'href="#review-checklist"' in guide  # [[#Review checklist]]
    article = demo.html("articles/collecting-positive-comments/")
    assert 'id="user-content-^l-first-name-initial"><a name="^l-first-name-initial">' in article
    # Besides its anchor, the id only appears in links to it (the track record's learnings).
    rest = article.replace('id="user-content-^l-first-name-initial"', "")
    rest = rest.replace('name="^l-first-name-initial"', "")
    assert "^l-first-name-initial" not in rest.replace('href="#^l-first-name-initial"', "")


def test_embeds_are_inlined(demo: Built) -> None:
    page = demo.html("notes/how-we-grade/")
    assert page.count('class="dfn-embed"') == 3
    # Whole note, a heading section, a block: text from each source shows up here.
    assert "Changes from v2" in page
    assert page.count("One free re-grade") == 2
    assert "wastes about a third of the run" in page
    image = demo.html("notes/knowledge-panel-field-guide/")
    assert 'src="../../attachments/panel-layout.svg"' in image and 'width="300"' in image
    assert (demo.site / "attachments" / "panel-layout.svg").is_file()


def test_backlinks_tags_and_callouts(demo: Built) -> None:
    rubric = demo.html("notes/rubric-v3/")
    backlinks = rubric.split('id="user-content-backlinks"', 1)[1]
    assert "How we grade" in backlinks and "Grading an article" in backlinks
    tag_page = demo.html("tags/process/")
    assert "How we grade" in tag_page
    nested = demo.html("tags/client/")
    assert "#client/northwind-bikes" in demo.html("tags/")
    assert "Wikilink cheat sheet" in nested  # #client/northwind-bikes is listed under #client
    assert 'class="admonition note"' in demo.html("notes/how-we-grade/")
    # The generated lists went around Python-Markdown (publish/mkdocs_hooks.py) and came back
    # whole, as real links, with no placeholder left anywhere.
    assert '<ul class="dfn-backlink-list">' in backlinks and '<a href="../../' in backlinks
    assert "<!-- dfn:html -->" in demo.docs("notes/rubric-v3.md")
    for path in demo.site.rglob("*.html"):
        assert "dfnhtml" not in path.read_text(encoding="utf-8"), path


def test_broken_link_is_visible_text_not_a_link(demo: Built) -> None:
    page = demo.html("notes/planning-for-december/")
    assert '<span class="dfn-broken" title="Unresolved link: Quarterly client review">' in page
    assert "Quarterly client review</a>" not in page


def test_comments_are_never_published(demo: Built) -> None:
    page = demo.html("notes/wikilink-cheat-sheet/")
    assert "ask whether" not in page
    assert "Hidden is not the same as private." in page
    assert "[[Some future article#Skill]]" in page  # code block kept as written


# From the private note's body, and the slug its page would have had.
PRIVATE_MARKERS = ("harbor-coffee.example.com", "Nadia Brooks", "(555) 014-2231", "client-contacts")


def test_private_note_is_nowhere_on_the_site(demo: Built) -> None:
    assert not (demo.site / "notes" / "client-contacts").exists()
    scanned = 0
    for path in demo.site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".xml", ".txt", ".md"):
            text = path.read_text(encoding="utf-8", errors="replace")
            for marker in PRIVATE_MARKERS:
                assert marker not in text, (path, marker)
            scanned += 1
    assert scanned > 50
    # The public note that mentions it shows the words, with no link.
    cafe = demo.html("notes/café-lumen-onboarding/")
    assert "Client contacts" in cafe and "Client contacts</a>" not in cafe
    assert "Client contacts" not in demo.html("browse/notes/")


def test_search_index_finds_a_word_from_a_body(demo: Built) -> None:
    """Pagefind's index holds the words of note bodies (its fragments are gzip-compressed
    JSON, one per page); the browser tests search it through the header box."""
    pages = {}
    for path in demo.site.glob("pagefind*/fragment/*.pf_fragment"):
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        fragment = json.loads(text[text.index("{") :])
        pages[fragment["url"]] = fragment["content"]
    assert "blocking-issue cap" in pages["/notes/rubric-v3/"]
    assert not [url for url, content in pages.items() if "nadia@" in content]
    # Material's whole-site index is gone: the header box is Pagefind's.
    assert not (demo.site / "search" / "search_index.json").exists()
    assert "data-dfn-search" in demo.html("notes/rubric-v3/")


def test_graph_json(demo: Built) -> None:
    graph = json.loads((demo.site / "graph.json").read_text(encoding="utf-8"))
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert nodes["notes/Rubric v3.md"] == {
        "id": "notes/Rubric v3.md",
        "url": "notes/rubric-v3/",
        "kind": "note",
        "title": "Rubric v3",
    }
    assert nodes["articles/Grading an article.md"]["kind"] == "definitive"
    assert "notes/Client contacts.md" not in nodes
    statuses = {link["status"] for link in graph["links"]}
    assert statuses == {"resolved", "broken"}
    (broken,) = [link for link in graph["links"] if link["raw"] == "[[Quarterly client review]]"]
    assert broken["target"] is None and broken["line"] == 19 and broken["embed"] is False
    embeds = [link for link in graph["links"] if link["embed"]]
    assert {"source", "target", "raw", "line", "status", "embed"} == set(embeds[0])
    for link in graph["links"]:
        assert link["target"] is None or link["target"] in nodes


def test_navigation_stays_small(demo: Built) -> None:
    """Hubs in the nav, not every note: the page size must not grow with the vault."""
    nav = [next(iter(entry)) for entry in demo.report.plan.nav]
    assert nav == [
        "Home",
        "Catalogue",
        "Articles",
        "Agents",
        "Runs",
        "Rules",
        "Notes",
        "Tags",
        "Changelog",
        "Graph",
        "Search",
    ]
    runs = demo.html("browse/runs/")
    assert runs.index("2026-11-16") < runs.index("2026-09-29")  # newest first


def test_site_loads_nothing_from_other_hosts(demo: Built) -> None:
    for page in (demo.site / "index.html", demo.site / "notes" / "how-we-grade" / "index.html"):
        text = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in text and "fonts.gstatic.com" not in text
        for src in _parse(page).srcs:
            assert not urlsplit(src).scheme, src


@pytest.mark.parametrize(
    "url",
    [
        "",
        "articles/grading-an-article/",
        "meta/2026-11-03-cam-collects-northwind-bikes-cargo-reviews/",
    ],
)
def test_pages_carry_their_kind(demo: Built, url: str) -> None:
    kinds = {"": "note", "articles/grading-an-article/": "definitive"}
    expected = kinds.get(url, "meta")
    assert f'<meta name="definitive-kind" content="{expected}">' in demo.html(url)
