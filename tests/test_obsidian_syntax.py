"""Every syntax of Obsidian's own help, built once and read in Chromium as a reader sees it.

One note per section of the help pages ("Basic formatting syntax", "Advanced formatting
syntax", "Obsidian Flavored Markdown", "Callouts", "Embed files", "Internal links",
"Properties"), plus a vault made the way a real user's is (no agents, a home note, a top-level
templates/ folder, a canvas and a base). The assertions read the DOM, not the markdown.
"""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from generator.config import load_settings
from generator.pipeline import Analysis, BuildReport, analyse, build
from tests.browser_helpers import CHROMIUM, serve
from tests.conftest import Built, write_vault

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
# Smallest files a browser accepts as media: the test reads the DOM, not the playback.
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 413
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
PDF = (
    b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

BASIC = """\
# Basic formatting

A paragraph right before a list
- first item
- second item

Line one
line two of the same paragraph

1) first ordered
2) second ordered

- [ ] to do
- [x] done
- [?] a question
- [-] cancelled
- [/] half done

**bold**, *italic*, ***both***, ~~struck~~, ==highlighted==, `inline code`.

> A quote
> on two lines

---

- outer
    - nested four spaces
  - nested two spaces

```python
def hello():
    return "[[not a link]] #not-a-tag"
```

- A list item with code:

  ```
  fenced inside the item
  ```

\\*not italic\\* and a [link to the web](https://example.org).

Text with a footnote.[^1] And an inline one.^[Inline footnote text.] Cited.[^src]

[^1]: The footnote text.
[^src]: Wikipedia

%% a comment nobody sees %%
"""

ADVANCED = """\
# Advanced formatting

| Name | Link |
|:-----|-----:|
| one | [[Internal links\\|the links note]] |
| two | ![[pic.png\\|30]] |

Inline math $e^{i\\pi} + 1 = 0$ and a price of $5 and $10, not math.

$$
\\begin{vmatrix}a & b\\\\ c & d\\end{vmatrix} = ad - bc
$$

```mermaid
graph TD
  A[Start] --> B{Works?}
  B -->|yes| C[Ship]
```
"""

FLAVORED = """\
# Flavored

A paragraph that ends with its id. ^para-id

- an item
- another item
^list-id

| a | b |
|---|---|
| 1 | 2 |

^table-id

> A quote worth linking to.

^quote-id

#tag and #nested/tag are tags; #123 is not.
"""

CALLOUTS = """\
# Callouts

> [!tip] A custom title with [[Internal links]]
> Body of the tip.

> [!faq]- Folded by default
> Hidden answer.

> [!warning]+ Open but foldable
> Visible.

> [!note]
> > [!bug] Nested
> > Inside.

> [!example] Code inside
>  ```python
>  print("one extra space")
>  ```

```markdown
> [!note] A code sample of callout syntax
> stays code
```
"""

EMBEDS = """\
# Embeds

![[Flavored#^para-id]]

![[Flavored#^list-id]]

![[Flavored#^table-id]]

![[pic.png|100]]

![[pic.png|120x80]]

![60](pic.png)

![alt text|70](pic.png)

![[talk.mp3]]

![[clip.mp4]]

![[paper.pdf#page=2]]

![[Board.canvas]]

![[Tasks.base]]

![[#Own section]]

## Own section

This section is shown twice: here, and above through the embed.
"""

LINKS = """\
# Internal links

## Part 1: Basics

Basic text.

## What? Why!

See [[Internal links#Part 1 Basics]], [[#What Why]], [[Flavored#^list-id|the list]],
[[Advanced formatting syntax]] and [a markdown link](Basic%20formatting.md).

A real miss stays one: [[Flavored#No such heading]].
"""

PROPERTIES = """\
---
tags:
  - project
  -
  - client/acme
aliases: [Props]
reviewed: true
archived: false
related: "[[Internal links]]"
people:
  - "[[Basic formatting]]"
  -
  - Someone else
count: 3
empty:
---
# Properties

The properties above show as Obsidian shows them.
"""

HOSTILE = """\
# Hostile

<!-- /dfn:html -->
<script>alert(1)</script>

> [!note] <img src=x onerror=alert(2)>
> body

$\\href{javascript:alert(3)}{click}$

```mermaid
graph TD
  A["<img src=x onerror=alert(4)>"] --> B
  click A call alert(5)
```

<iframe class="dfn-pdf" src="https://evil.example/x.pdf"></iframe>
<iframe class="dfn-pdf" src="../index.html"></iframe>

- [<] an odd task mark
"""

USER_VAULT: dict[str, str | bytes] = {
    "Hostile.md": HOSTILE,
    "Home.md": "# My notes\n\nStart at [[Basic formatting]] or [[Templates/Meeting]].\n",
    "Basic formatting.md": BASIC,
    "Advanced formatting syntax.md": ADVANCED,
    "Flavored.md": FLAVORED,
    "Callouts.md": CALLOUTS,
    "Embeds.md": EMBEDS,
    "Internal links.md": LINKS,
    "Properties.md": PROPERTIES,
    "Templates/Meeting.md": "# Meeting\n\nA note in a top-level templates folder.\n",
    "Projects/Deep/Plan.md": "# Plan\n\nDeep in folders.\n",
    "pic.png": PNG,
    "talk.mp3": MP3,
    "clip.mp4": MP4,
    "paper.pdf": PDF,
    "Board.canvas": (
        '{"nodes":['
        '{"id":"a","type":"text","text":"# Idea\\nSee [[Internal links]]","x":0,"y":0,'
        '"width":200,"height":100},'
        '{"id":"b","type":"file","file":"Flavored.md","x":300,"y":0,"width":200,"height":100},'
        '{"id":"c","type":"link","url":"https://example.org","x":0,"y":200,"width":200,'
        '"height":100}],'
        '"edges":[{"id":"e","fromNode":"a","toNode":"b","label":"leads to"}]}'
    ),
    "Tasks.base": (
        'filters:\n  and:\n    - file.inFolder("Projects")\nviews:\n'
        "  - type: table\n    name: Project notes\n    order: [file.name]\n"
    ),
}


@dataclass
class Site:
    root: Path
    url: str
    report: BuildReport
    check: Analysis


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    base = tmp_path_factory.mktemp("obsidian")
    vault = write_vault(base / "vault", USER_VAULT)
    (base / "work").mkdir()  # no mkdocs.yml around: the built-in config, as for a new user
    settings = load_settings(vault=vault, site_dir=base / "site")
    report = build(settings)
    with serve(settings.site_dir) as url:
        yield Site(settings.site_dir, url, report, analyse(settings))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


class Reader:
    """One browser tab on the site, remembering every request that left it and every
    error the page reported (a 404, a Content-Security-Policy violation)."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.url = url
        self.outside: list[str] = []
        self.errors: list[str] = []
        # chrome:// and chrome-extension:// are the browser's own PDF viewer, not the network
        own = (url, "data:", "blob:", "chrome://", "chrome-extension://", "about:")
        self.page.on(
            "request", lambda r: None if r.url.startswith(own) else self.outside.append(r.url)
        )
        self.page.on(
            "response",
            lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        # A failed load is reported with its URL by the response handler above.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def open(self, path: str) -> Any:
        self.page.goto(self.url + path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def text(self, selector: str = "article") -> str:
        """What a reader reads there, code left out."""
        return str(
            self.page.locator(selector).first.evaluate(
                "e => { const c = e.cloneNode(true);"
                " c.querySelectorAll('pre, code, .katex-mathml').forEach(x => x.remove());"
                " return c.innerText; }"
            )
        )


@pytest.fixture(scope="module")
def reader(browser: Any, site: Site) -> Iterator[Reader]:
    reading = Reader(browser, site.url)
    yield reading
    reading.context.close()


RAW = re.compile(r"\[\[|\]\]|==\S|\[![\w-]+\]|(?:^|\s)\^[\w-]+\s*$|%%|\$\$", re.M)
"""Obsidian syntax a reader should never see as text."""


def test_basic_formatting(reader: Reader) -> None:
    page = reader.open("basic-formatting/")
    article = page.locator("article")
    first_list = article.locator("p:has-text('A paragraph right before a list') + ul > li")
    assert first_list.count() == 2
    assert article.locator("p:has-text('Line one') br").count() == 1  # the line break kept
    assert article.locator("ol > li", has_text="first ordered").count() == 1  # "1)" lists
    boxes = article.locator("li.task-list-item input[type=checkbox]")
    assert [boxes.nth(i).is_checked() for i in range(boxes.count())] == [
        False,
        True,
        True,
        True,
        True,
    ]
    marks = article.locator("li.task-list-item")
    assert [marks.nth(i).get_attribute("data-task") for i in range(5)] == [" ", "x", "?", "-", "/"]
    for tag, text in (
        ("strong", "bold"),
        ("em", "italic"),
        ("s", "struck"),
        ("mark", "highlighted"),
    ):
        assert article.locator(tag, has_text=text).count() >= 1, tag
    assert article.locator("blockquote", has_text="on two lines").count() == 1
    assert article.locator("li li", has_text="nested four spaces").count() == 1
    assert article.locator("pre", has_text="[[not a link]] #not-a-tag").count() == 1
    assert article.locator("li pre", has_text="fenced inside the item").count() == 1
    assert "*not italic*" in reader.text()
    assert "a comment nobody sees" not in page.content()
    # Footnotes end the note, before the backlinks.
    footnotes = article.locator(".footnote li")
    assert footnotes.count() == 3 and "Inline footnote text." in footnotes.nth(1).inner_text()
    order = page.evaluate(
        "() => [...document.querySelectorAll('article .footnote, article h2')]"
        ".map(e => e.matches('.footnote') ? 'footnote' : e.textContent)"
    )
    assert order.index("footnote") < next(i for i, x in enumerate(order) if "Backlinks" in x)


def test_advanced_formatting(reader: Reader) -> None:
    page = reader.open("advanced-formatting-syntax/")
    article = page.locator("article")
    assert article.locator("td a", has_text="the links note").count() == 1
    assert article.locator("td img").first.get_attribute("width") == "30"
    page.wait_for_selector(".dfn-math .katex", timeout=10_000)  # typeset by the site's KaTeX
    assert article.locator(".dfn-math-display .katex-display").count() == 1
    assert "a price of $5 and $10, not math" in reader.text()
    page.wait_for_selector("pre.dfn-mermaid svg", timeout=20_000)  # drawn by its mermaid
    assert "Ship" in (article.locator("pre.dfn-mermaid svg").text_content() or "")


def test_block_ids_and_tags(reader: Reader, site: Site) -> None:
    page = reader.open("flavored/")
    for block in ("para-id", "list-id", "table-id", "quote-id"):
        assert page.locator(f'[id="user-content-^{block}"]').count() == 1, block
    assert RAW.search(reader.text()) is None
    tags = page.locator("article p", has_text="are tags").locator("a.dfn-tag")
    assert tags.all_inner_texts() == ["#tag", "#nested/tag"]
    assert "#123" in reader.text()
    notes = site.check.vault.notes["Flavored.md"]
    assert {b: (notes.blocks[b].start, notes.blocks[b].end) for b in notes.blocks} == {
        "para-id": (2, 3),
        "list-id": (4, 7),
        "table-id": (8, 11),
        "quote-id": (14, 15),
    }


def test_callouts(reader: Reader) -> None:
    page = reader.open("callouts/")
    article = page.locator("article")
    tip = article.locator(".admonition.tip")
    assert tip.locator(".admonition-title a", has_text="Internal links").count() == 1
    assert article.locator("details.question:not([open]) summary", has_text="Folded").count() == 1
    assert article.locator("details.warning[open]").count() == 1
    assert article.locator(".admonition.note .admonition.bug", has_text="Inside.").count() == 1
    assert article.locator(".admonition.example pre", has_text="one extra space").count() == 1
    sample = article.locator("pre", has_text="[!note] A code sample")
    assert (
        sample.count() == 1 and article.locator(".admonition", has_text="code sample").count() == 0
    )


def test_embeds(reader: Reader) -> None:
    page = reader.open("embeds/")
    embeds = page.locator("article .dfn-embed")
    para, items, table = embeds.nth(0), embeds.nth(1), embeds.nth(2)
    assert "A paragraph that ends with its id." in para.inner_text()
    assert "an item" not in para.inner_text()  # that block only, not the whole note
    assert items.locator("li").count() == 2 and "A paragraph" not in items.inner_text()
    assert table.locator("table td", has_text="2").count() == 1
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('article > .md-content__inner img, article img')]"
        ".map(i => [i.getAttribute('width'), i.getAttribute('height')])"
    )
    assert ["100", None] in sizes and ["120", "80"] in sizes and ["60", None] in sizes
    assert ["70", None] in sizes
    assert page.locator('article audio[src$="talk.mp3"][controls]').count() == 1
    assert page.locator('article video[src$="clip.mp4"][controls]').count() == 1
    assert page.locator('article iframe.dfn-pdf[src$="paper.pdf#page=2"]').count() == 1
    own = embeds.filter(has_text="This section is shown twice")
    assert own.count() == 1 and own.locator("h2").count() == 1
    for name in ("Board.canvas", "Tasks.base"):
        page.locator("article a", has_text=name).first.click()
        page.wait_for_load_state("networkidle")
        assert page.locator("article h1").first.inner_text().startswith(name.split(".")[0])
        page.go_back()
    assert RAW.search(reader.text()) is None


def test_canvas_and_base_pages(reader: Reader) -> None:
    page = reader.open("board-canvas/")
    cards = page.locator("article .dfn-canvas-card")
    assert cards.count() == 3
    assert cards.nth(0).locator("a", has_text="Internal links").count() == 1
    # The file card links to its own note, not to the note the card before it linked to.
    assert cards.nth(1).locator("a").first.get_attribute("href") == "../flavored/"
    assert "Idea → Flavored.md (leads to)" in reader.text()
    # The page links to the file itself, published beside it (not to a folder of its name).
    raw = page.locator("article .dfn-file-kind a").first
    response = page.request.get(raw.evaluate("a => a.href"))
    assert response.ok and '"nodes"' in response.text()
    page = reader.open("tasks-base/")
    assert page.locator("article table td a", has_text="Plan").count() == 1
    assert page.locator("article table td", has_text="Embeds").count() == 0


def test_heading_links_match_as_obsidian(reader: Reader, site: Site) -> None:
    page = reader.open("internal-links/")
    hrefs = page.evaluate(
        "() => [...document.querySelectorAll('article a')].map(a => a.getAttribute('href'))"
    )
    assert "#part-1-basics" in hrefs and "#what-why" in hrefs
    assert "../flavored/#^list-id" in hrefs and "../basic-formatting/" in hrefs
    problems = [(f.code, f.path, f.message) for f in site.check.findings if f.severity != "info"]
    assert [p[:2] for p in problems] == [("link-heading-missing", "Internal links.md")]
    assert "No such heading" in problems[0][2]


def test_properties(reader: Reader) -> None:
    page = reader.open("properties/")
    props = page.locator("article .dfn-properties")
    assert "None" not in props.inner_text() and "empty" not in props.inner_text()
    assert props.locator("li", has_text="reviewed").locator("input").is_checked()
    assert not props.locator("li", has_text="archived").locator("input").is_checked()
    assert props.locator("li", has_text="related").locator("a").inner_text() == "Internal links"
    people = props.locator("li", has_text="people")
    assert people.locator("a").inner_text() == "Basic formatting"
    assert "Someone else" in people.inner_text()
    tags = page.locator("article .dfn-tags a").all_inner_texts()
    assert sorted(tags) == ["#client/acme", "#project"]


def test_home_note_and_folder_explorer(reader: Reader, site: Site) -> None:
    page = reader.open("")
    assert page.locator("article h1").inner_text().startswith("My notes")
    assert "Tasks done" not in page.content()  # no agents: no dashboard
    explorer = page.locator("nav.dfn-explorer")
    explorer.locator("summary", has_text="Projects").click()
    explorer.locator("summary", has_text="Deep").click()
    explorer.locator("a", has_text="Plan").click()
    page.wait_for_url("**/projects/deep/plan/")
    page.wait_for_load_state("networkidle")
    current = page.locator("nav.dfn-explorer a.dfn-explorer-current")
    assert current.inner_text() == "Plan"  # the folders leading to the page opened by themselves
    # A top-level templates/ folder of notes is published, not dropped by MkDocs.
    assert (site.root / "templates" / "meeting" / "index.html").is_file()
    # Every page carries the same small explorer element, whatever the vault's size.
    html = (site.root / "flavored" / "index.html").read_text("utf-8")
    assert html.count("data-dfn-explorer=") == 1


def _big_folder(count: int) -> tuple[list[Any], dict[str, bytes]]:
    from generator.model import Note
    from generator.render.explorer import explorer_files

    # Titles in the reverse of file-name order: the listing follows file names, as Obsidian.
    notes = [
        Note(f"meta/n{i:04d}.md", "note", f"Run {count - i}", {}, "", 0, "") for i in range(count)
    ]
    notes.append(Note("top.md", "note", "Top", {}, "", 0, ""))
    urls = {n.path: n.path.removesuffix(".md") + "/index.md" for n in notes}
    return notes, explorer_files(notes, urls, directory_urls=True)


def test_a_big_folder_is_listed_a_page_at_a_time() -> None:
    """Agents file thousands of notes in one folder: opening it fetches one page of them."""
    import json

    from generator.render.explorer import EXPLORER, PAGE_NOTES

    count = PAGE_NOTES * 2 + 50
    _, files = _big_folder(count)
    top = json.loads(files[f"{EXPLORER}/0.json"])
    assert top["folders"][0][:3] == ["meta", 1, count] and top["notes"] == [["Top", "top/"]]
    seen: list[str] = []
    first = listing = json.loads(files[f"{EXPLORER}/1.json"])
    starts = []
    while True:
        assert len(listing["notes"]) <= PAGE_NOTES
        starts.append(listing["notes"][0][1])
        seen += [url for _, url in listing["notes"]]
        if "more" not in listing:
            break
        listing = json.loads(files[f"{EXPLORER}/{listing['more']}.json"])
    assert seen == [f"meta/n{i:04d}/" for i in range(count)]
    # The first part says where the others start, so a page can fetch its own part directly.
    assert [url for url, _ in first["parts"]] == starts[1:] == ["meta/n0200/", "meta/n0400/"]


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (dev.py installs it)")
def test_a_page_deep_in_a_big_folder_is_highlighted(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Note 420 of 450 is in the folder's third listing: the explorer fetches that one (not the
    second), highlights the page, and paging up with "More notes" lists every note once."""
    from generator.render.explorer import EXPLORER

    _, files = _big_folder(450)
    root = tmp_path_factory.mktemp("explorer")
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    script = Path(__file__).parent.parent / "site_templates" / "assets" / "explorer.js"
    (root / "explorer.js").write_bytes(script.read_bytes())
    page_html = (
        '<!doctype html><meta charset="utf-8"><title>Run 30</title>'
        f'<nav class="dfn-explorer" data-dfn-explorer="/{EXPLORER}/" data-dfn-base="/" hidden>'
        '</nav><script src="/explorer.js"></script>'
    )
    (root / "meta" / "n0420").mkdir(parents=True)
    (root / "meta" / "n0420" / "index.html").write_text(page_html, "utf-8")
    with serve(root) as url:
        page = browser.new_page()
        fetched: list[str] = []
        page.on("request", lambda r: fetched.append(urlsplit(r.url).path))
        page.goto(url + "meta/n0420/")
        current = page.locator("nav.dfn-explorer a.dfn-explorer-current")
        current.wait_for(state="attached", timeout=10_000)
        assert current.inner_text() == "Run 30"
        assert current.get_attribute("aria-current") == "page"
        listings = [p.rsplit("/", 1)[1] for p in fetched if "/explorer/" in p]
        assert listings == ["0.json", "1.json", "3.json"]  # top, meta's first part, the third
        links = page.locator("nav.dfn-explorer li a")
        assert links.count() == 1 + 200 + 50  # top.md, the first part, the page's part
        page.locator("button.dfn-explorer-more").click()
        page.wait_for_function(
            "() => document.querySelectorAll('nav.dfn-explorer li a').length === 451"
        )
        assert page.locator("button.dfn-explorer-more").count() == 0
        titles = links.all_inner_texts()
        # In order, none twice; the folder comes before the top-level note.
        assert titles == [*(f"Run {450 - i}" for i in range(450)), "Top"]
        page.close()


def test_a_hostile_note_runs_nothing(browser: Any, site: Site) -> None:
    reader = Reader(browser, site.url)  # its own tab: the errors it provokes stay here
    dialogs: list[str] = []
    reader.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page = reader.open("hostile/")
    page.wait_for_selector("pre.dfn-mermaid svg", timeout=20_000)
    page.wait_for_selector(".dfn-math .katex", timeout=10_000)
    for link in page.locator("article svg a, article .katex a").all():
        link.click(force=True)
    assert dialogs == []
    assert page.locator("article iframe").count() == 0  # frames of elsewhere: gone whole
    assert page.locator("article li.task-list-item[data-task='<']").count() == 1
    assert "<script>alert" not in page.content()
    assert reader.outside == []
    reader.context.close()


def test_the_markdown_copy_is_the_notes_markdown(site: Site) -> None:
    copy = (site.root / "internal-links.md").read_text("utf-8")
    assert "## Part 1: Basics" in copy and "<h2" not in copy
    assert "[the list](flavored.md#^list-id)" in copy


def test_no_raw_syntax_no_404_no_other_host(reader: Reader, site: Site) -> None:
    pages = sorted(site.root.rglob("index.html"))
    assert len(pages) > 15
    for html_file in pages:
        rel = html_file.relative_to(site.root).as_posix()[: -len("index.html")]
        if rel.startswith(("graph/", "find/")):
            continue
        if rel == "hostile/":
            # Its <img src=x> is the agent's own dead link, and the policy reports blocking
            # what mermaid's sanitiser parses: test_a_hostile_note_runs_nothing reads it.
            continue
        reader.open(rel)
        assert RAW.search(reader.text()) is None, (rel, RAW.search(reader.text()))
        links = reader.page.evaluate(
            "() => [...document.querySelectorAll('article a[href], article [src]')]"
            ".map(e => e.href || e.src)"
        )
        for link in links:
            if link.startswith(site.url):
                target = link[len(site.url) :].split("#")[0].split("?")[0]
                path = site.root / target
                assert (
                    path / "index.html" if target.endswith("/") or not target else path
                ).exists(), (rel, link)
    assert reader.outside == []
    # Material fetches sitemap.xml beside every <link rel=alternate> (it takes them for
    # language versions), the page's markdown copy included: not a link a reader follows.
    errors = [e for e in reader.errors if "sitemap.xml" not in e]
    assert errors == [], errors


_CODE = re.compile(r"<(pre|code|script|style)\b.*?</\1>", re.S)
_TAGS = re.compile(r"<[^>]+>")
_LINKS = re.compile(r'\s(?:href|src)="([^"]*)"')


def test_the_demo_shows_no_raw_syntax_and_no_dead_link(demo: Built) -> None:
    """Built as a new user builds it: every page's text and every link of its content."""
    pages = sorted(demo.site.rglob("*.html"))
    assert len(pages) > 40
    for page in pages:
        text = page.read_text("utf-8")
        if "<article" not in text:
            continue
        article = text.split("<article", 1)[1].split("</article>", 1)[0]
        words = html_module.unescape(_TAGS.sub(" ", _CODE.sub(" ", article)))
        assert RAW.search(words) is None, (page, RAW.search(words))
        for link in _LINKS.findall(article):
            target = urlsplit(link)
            if target.scheme or target.netloc or not target.path:
                continue
            # The 404 page is served at any address: its links start at the site's root.
            folder = demo.site if target.path.startswith("/") else page.parent
            path = (folder / unquote(target.path).lstrip("/")).resolve()
            assert path.exists() and (path.is_file() or (path / "index.html").is_file()), (
                page,
                link,
            )
