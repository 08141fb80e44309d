"""The demo site in a real browser: Debian's Chromium driven by Playwright, as a visitor uses it.

Screenshots land in test-artifacts/ for a human to look at.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from generator.pipeline import build
from tests.browser_helpers import ARTIFACTS, CHROMIUM, MODAL_INPUT, MODAL_RESULTS, serve
from tests.conftest import Built, settings_for, write_vault

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium (dev.py installs it)"
    ),
]


@pytest.fixture(scope="module")
def site_url(demo: Built) -> Iterator[str]:
    with serve(demo.site) as url:
        yield url


def _run(agent: str, outcome: str, body: str) -> str:
    return (
        f'---\ntype: meta\narticle: "[[Brewing coffee]]"\nagent: "[[{agent}]]"\n'
        f"date: 2026-01-0{len(body) % 9 + 1}\noutcome: {outcome}\n---\n{body}\n"
    )


# A small vault indexed 3 pages a bundle (its 8 notes: hubs and tag pages are not indexed),
# runs first, then articles and agents, then notes (publish/search.py): "zanzibar" is in the
# first bundle, "quokka" in the last, "marmalade" in all three.
SHARDED = {
    "agents/Ana.md": "---\ntype: agent\n---\n# Ana\n\nAna roasts zanzibar beans with marmalade.\n",
    "agents/Bo.md": "---\ntype: agent\n---\n# Bo\n\nBo grinds.\n",
    "articles/Brewing coffee.md": (
        "---\ntype: definitive\n---\n# Brewing coffee\n\nHow we brew, and the marmalade.\n"
    ),
    "meta/2026-01-01 Ana brews.md": _run("Ana", "success", "Ana brewed with marmalade."),
    "meta/2026-01-02 Bo brews.md": _run("Bo", "failure", "Bo burned the marmalade pot."),
    "notes/Quokka.md": "# Quokka\n\nThe quokka note mentions marmalade.\n",
    "notes/Tea.md": "# Tea\n\nTea notes.\n",
    "notes/Water.md": "# Water\n\nWater notes, and marmalade.\n",
}


@pytest.fixture(scope="module")
def sharded_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("sharded")
    vault = write_vault(base / "vault", SHARDED)
    config = base / "mkdocs.yml"
    config.write_text(
        "site_name: Sharded\ntheme: {name: material, font: false}\nplugins: [search]\n"
        "extra:\n  definitive:\n    search_shard_pages: 3\n",
        encoding="utf-8",
    )
    settings = settings_for(vault, base / "site", config=config)
    build(settings)
    bundles = json.loads((settings.site_dir / "pagefind-bundles.json").read_text("utf-8"))
    assert len(bundles["bundles"]) == 3
    with serve(settings.site_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@contextmanager
def _page_on(browser, site_url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((site_url, "data:", "blob:")) else outside.append(r.url),
    )
    yield page
    context.close()
    assert outside == [], f"requests left the site: {outside}"


@pytest.fixture
def page(browser, site_url: str):
    with _page_on(browser, site_url) as page:
        yield page


@pytest.fixture
def sharded_page(browser, sharded_url: str):
    with _page_on(browser, sharded_url) as page:
        yield page


def test_home_follow_wikilink_and_backlinks(page, site_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(site_url)
    assert page.locator("h1").first.inner_text().startswith("Definitive demo agency")
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)

    page.locator("article a", has_text="Grading an article").first.click()
    page.wait_for_url("**/articles/grading-an-article/")
    assert page.locator("h1").first.inner_text().startswith("Grading an article")
    page.screenshot(path=str(ARTIFACTS / "article.png"), full_page=True)

    backlinks = page.locator("h2.dfn-backlinks + ul a")
    titles = backlinks.all_inner_texts()
    assert "Jennifer" in titles and "How we grade" in titles
    page.locator("h2.dfn-backlinks + ul a", has_text="How we grade").click()
    page.wait_for_url("**/notes/how-we-grade/")
    assert page.locator(".dfn-embed").count() == 3


def _in_view(locator) -> bool:
    """Whether the element is scrolled into the viewport, below Material's sticky header."""
    return locator.evaluate(
        """e => { const r = e.getBoundingClientRect();
                  const header = document.querySelector('.md-header').getBoundingClientRect();
                  return r.top >= header.bottom - 2 && r.top < innerHeight; }"""
    )


def test_heading_and_block_links_land_on_their_target(page, site_url: str) -> None:
    """Links keep their clean fragments (#skill), which reach the prefixed ids' anchors."""
    page.goto(site_url + "notes/knowledge-panel-field-guide/")
    page.locator("article a", has_text="Building a knowledge panel › Skill").click()
    page.wait_for_url("**/articles/building-a-knowledge-panel/#skill")
    assert page.locator("h2#user-content-skill").is_visible()
    assert _in_view(page.locator("h2#user-content-skill"))
    page.go_back()
    page.locator("article a", has_text="^l-first-name-initial").click()
    page.wait_for_url("**/collecting-positive-comments/#^l-first-name-initial")
    anchor = page.locator('a[name="^l-first-name-initial"]')
    assert anchor.count() == 1
    assert anchor.evaluate("e => e.closest('li').textContent").strip() != ""
    assert _in_view(anchor)


def test_search_finds_a_word_from_a_note_body(page, site_url: str) -> None:
    """The header box is Pagefind's: nothing of it loads before it is used."""
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(site_url)
    page.wait_for_load_state("networkidle")
    assert not [url for url in fetched if "pagefind" in url]
    page.locator("[data-dfn-search]").click()
    page.locator(MODAL_INPUT).press_sequentially("espresso", delay=20)
    hit = page.locator(MODAL_RESULTS).first
    hit.wait_for(timeout=15_000)
    hit.click()
    page.wait_for_load_state()
    assert "espresso" in page.locator("article").inner_text().lower()


def test_header_search_opens_from_the_keyboard_in_the_dark_palette(page, site_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.emulate_media(color_scheme="dark")  # the visitor's system is dark: so is the site
    page.goto(site_url + "notes/rubric-v3/")
    assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
    page.keyboard.press("/")
    field = page.locator(MODAL_INPUT)
    field.press_sequentially("rubric", delay=20)
    page.locator(MODAL_RESULTS).first.wait_for(timeout=15_000)
    # The modal takes Material's colours: dark background, light text.
    background = page.locator("dialog.dfn-search-modal").evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    channels = [int(c) for c in background[background.index("(") + 1 : -1].split(",")[:3]]
    assert max(channels) < 80, background
    page.screenshot(path=str(ARTIFACTS / "search-modal-dark.png"))
    page.keyboard.press("Escape")
    assert not page.locator("dialog.dfn-search-modal").is_visible()


def test_broken_link_is_not_clickable(page, site_url: str) -> None:
    page.goto(site_url + "notes/planning-for-december/")
    broken = page.locator(".dfn-broken")
    assert broken.inner_text() == "Quarterly client review"
    assert broken.evaluate("e => e.closest('a')") is None


def test_agent_page_shows_its_chart(page, site_url: str) -> None:
    page.goto(site_url + "agents/cam/")
    chart = page.locator("svg.dfn-chart")
    assert chart.is_visible()
    assert chart.locator("circle.dfn-dot").count() == 10  # Cam's ten published runs
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300
    assert page.locator("h2.dfn-track-record").is_visible()


def test_graph_page_draws_every_node(page, site_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(site_url + "graph/")
    canvas = page.locator("canvas#dfn-graph")
    page.wait_for_function(
        "() => document.getElementById('dfn-graph').dataset.nodes !== undefined", timeout=30_000
    )
    assert int(canvas.get_attribute("data-nodes") or 0) >= 42
    assert int(canvas.get_attribute("data-links") or 0) > 100
    # Pixels really drawn: some of the canvas is not blank.
    painted = canvas.evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""
    )
    assert painted > 1000
    page.screenshot(path=str(ARTIFACTS / "graph.png"))


def test_local_graph_loads_when_opened(page, site_url: str) -> None:
    page.goto(site_url + "agents/jennifer/")
    page.locator(".dfn-local-graph summary").click()
    canvas = page.locator(".dfn-local-graph canvas")
    canvas.evaluate(
        "c => new Promise(r => { const t = setInterval(() => "
        "{ if (c.dataset.nodes) { clearInterval(t); r(); } }, 100); })"
    )
    assert 2 < int(canvas.get_attribute("data-nodes") or 0) < 42


SEARCH_INPUT = "#dfn-search input.dfn-finder__input"
SEARCH_RESULTS = "#dfn-search a.dfn-finder__link"
FILTERS_TOGGLE = "#dfn-search summary.dfn-finder__filters-toggle"


def test_pagefind_search_finds_and_filters(page, site_url: str) -> None:
    """A query fetches no filter; opening the filters loads them, and one narrows the results."""
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(site_url + "find/")
    page.locator(SEARCH_INPUT).fill("espresso")
    hit = page.locator(SEARCH_RESULTS).first
    hit.wait_for(timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert [u for u in fetched if u.endswith(".pf_index")]
    assert not [u for u in fetched if u.endswith(".pf_filter") or "component-ui" in u]
    page.locator(FILTERS_TOGGLE).click()
    legends = page.locator("#dfn-search .dfn-finder__group legend")
    legends.nth(2).wait_for(timeout=15_000)  # the filters load when opened
    names = legends.all_inner_texts()
    assert [n.lower() for n in names] == ["kind", "agent", "outcome"]
    assert [u for u in fetched if u.endswith(".pf_filter")]
    # Counts follow the query: espresso is in one run, by Cam.
    agent = page.locator('#dfn-search label.dfn-finder__option:has(input[value="Cam"])')
    from playwright.sync_api import expect

    # The query's counts, once its search is done again with the filters.
    expect(agent.locator(".dfn-finder__count")).to_have_text("1", timeout=15_000)
    page.locator('#dfn-search input[name="kind"][value="agent"]').click()
    page.locator("#dfn-search .dfn-finder__status", has_text="No results").wait_for()
    page.locator('#dfn-search input[name="kind"][value="agent"]').click()
    page.locator('#dfn-search input[name="kind"][value="meta"]').click()
    hit.wait_for(timeout=15_000)
    hit.click()
    page.wait_for_load_state()
    assert "espresso" in page.locator("article").inner_text().lower()


def test_search_page_takes_a_query_in_its_url(page, site_url: str) -> None:
    page.goto(site_url + "find/?q=espresso")
    page.locator(SEARCH_RESULTS).first.wait_for(timeout=15_000)
    assert page.locator(SEARCH_INPUT).input_value() == "espresso"


def _wait_for_pages(page, links: str, expected: set[str], exact: bool = False) -> set[str]:
    """Wait until the result links (``links``, a selector) lead to the ``expected`` pages
    (and only those with ``exact``); return the pages they lead to, anchors and the words to
    highlight (?highlight=) dropped. Results come five at a time: while waiting, "More
    results" is pressed whenever it shows, as a visitor would to see them all."""
    script = """([links, expected, exact]) => {
        for (const more of document.querySelectorAll('button.dfn-finder__more'))
            if (more.offsetParent !== null) more.click();
        const found = new Set([...document.querySelectorAll(links)]
            .map(a => a.getAttribute('href').split('#')[0].split('?')[0]));
        return expected.every(e => found.has(e)) && (!exact || found.size === expected.length);
    }"""
    page.wait_for_function(script, arg=[links, sorted(expected), exact], timeout=15_000)
    hrefs = page.locator(links).evaluate_all("ls => ls.map(l => l.getAttribute('href'))")
    return {href.split("#")[0].split("?")[0] for href in hrefs}


def test_search_page_searches_every_bundle_and_filters_across_them(sharded_page, sharded_url):
    page, links = sharded_page, SEARCH_RESULTS
    for word, url in (("zanzibar", "/agents/ana/"), ("quokka", "/notes/quokka/")):
        page.goto(f"{sharded_url}find/?q={word}")
        _wait_for_pages(page, links, {url})
    page.goto(sharded_url + "find/?q=marmalade")
    # Pages from the first bundle, the middle one and the last one.
    _wait_for_pages(page, links, {"/agents/ana/", "/articles/brewing-coffee/", "/notes/water/"})
    # The filters hold the values of every bundle; picking one narrows across all of them.
    page.locator(FILTERS_TOGGLE).click()
    agents = page.locator('#dfn-search input[name="agent"]')
    agents.first.wait_for(timeout=15_000)
    values = agents.evaluate_all("es => es.map(e => e.value)")
    assert {"Ana", "Bo"} <= set(values)
    page.locator('#dfn-search input[name="agent"][value="Bo"]').click()
    _wait_for_pages(page, links, {"/meta/2026-01-02-bo-brews/"}, exact=True)


def test_header_modal_searches_every_bundle_with_filters(sharded_page, sharded_url) -> None:
    page, links = sharded_page, MODAL_RESULTS
    page.goto(sharded_url + "notes/tea/")
    page.locator("[data-dfn-search]").click()
    field = page.locator(MODAL_INPUT)
    for word, url in (("zanzibar", "/agents/ana/"), ("quokka", "/notes/quokka/")):
        field.fill("")
        field.press_sequentially(word, delay=20)
        _wait_for_pages(page, links, {url})
    field.fill("")
    field.press_sequentially("marmalade", delay=20)
    _wait_for_pages(page, links, {"/agents/ana/", "/articles/brewing-coffee/", "/notes/water/"})
    page.locator("dialog.dfn-search-modal summary.dfn-finder__filters-toggle").click()
    page.locator('dialog.dfn-search-modal input[name="outcome"][value="failure"]').click()
    _wait_for_pages(page, links, {"/meta/2026-01-02-bo-brews/"}, exact=True)


def test_xss_page_runs_nothing(page, site_url: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(site_url + "notes/untrusted-agent-output/")
    page.wait_for_load_state("load")
    assert "XSS-SAFE-MARKER" in page.locator("article").inner_text()
    page.locator("article p", has_text="Click me.").click()
    page.locator("article a", has_text="a scheme link").click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert page.locator("article iframe, article script").count() == 0


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_proof_header_is_visible_without_scrolling(browser, site_url: str, width, height) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        for url in ("articles/collecting-positive-comments/", "agents/cam/"):
            page.goto(site_url + url)
            proof = page.locator(".dfn-proof")
            box = proof.bounding_box()
            assert box is not None and box["y"] + box["height"] <= height, (url, box)
            badge = proof.locator(".dfn-badge").first
            assert badge.is_visible()
            figures = proof.locator(".dfn-proof-figures").inner_text()
            assert "Runs" in figures and "Success" in figures and "Last run" in figures
            assert proof.locator(".dfn-strip a").count() >= 5  # the latest outcomes
            # Nothing pushes the page sideways: wide tables scroll in their own box.
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            name = url.strip("/").replace("/", "-")
            page.screenshot(path=str(ARTIFACTS / f"proof-{name}-{width}.png"))
        # Chart labels stay readable: 11 px or more as rendered.
        page.goto(site_url + "articles/grading-an-article/")
        label = page.locator("svg.dfn-chart text.dfn-label").first
        size = label.evaluate(
            "t => t.getBoundingClientRect().height / t.getBBox().height"
            " * parseFloat(getComputedStyle(t).fontSize)"
        )
        assert size >= 11, size
    finally:
        context.close()


def test_badge_says_why_on_keyboard_focus(page, site_url: str) -> None:
    page.goto(site_url + "articles/collecting-positive-comments/")
    badge = page.locator(".dfn-proof .dfn-badge")
    assert badge.inner_text().strip().lower() == "unreliable"
    reason = badge.get_attribute("title") or ""
    assert reason.startswith("Was proven, fell below the bar: the latest run failed.")
    badge.focus()
    shown = badge.evaluate("b => getComputedStyle(b, '::after').content")
    assert "fell below the bar" in shown  # the reason, drawn under the focused badge
    assert badge.evaluate("b => document.activeElement === b")


def test_catalogue_fits_its_column_and_becomes_cards_on_a_phone(browser, site_url: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in ((1280, 800), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(site_url + "catalogue/")
        table = page.locator("table.dfn-catalogue")
        column = page.locator("article.md-content__inner").bounding_box()
        box = table.bounding_box()
        assert column is not None and box is not None
        assert box["x"] + box["width"] <= column["x"] + column["width"] + 1, (width, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if width < 600:
            assert table.locator("thead").is_hidden()
            label = table.locator("td[data-label='Runs']").first
            assert label.evaluate("td => getComputedStyle(td, '::before').content") == '"Runs: "'
        page.screenshot(path=str(ARTIFACTS / f"catalogue-{width}.png"), full_page=True)
        context.close()
