"""The demo site as a visitor finds it in Chromium (issue 14): every page clean in the console
and the network, link previews, breadcrumbs and run neighbours, the system's dark mode, search
that marks what it found, graph labels, the 404 page. Screenshots of the main pages on a
desktop and a phone land in test-artifacts/visitor/.

One browser and one server for the module, over the session's demo build.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_helpers import (
    ARTIFACTS,
    CHROMIUM,
    MODAL_INPUT,
    MODAL_RESULTS,
    PHONE,
    launch,
    serve,
    visiting,
)
from tests.conftest import Built

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium (dev.py installs it)"
    ),
]
SHOTS = ARTIFACTS / "visitor"
PREVIEW = "#dfn-preview:not([hidden])"
# What a preview card may hold: the elements previews.js builds, nothing of the page's own.
CARD_TAGS = {
    "DIV", "P", "UL", "OL", "LI", "BLOCKQUOTE", "PRE", "DL", "DT", "DD", "EM", "STRONG", "CODE",
    "KBD", "MARK", "SUB", "SUP", "DEL", "BR", "SPAN", "SMALL",
}  # fmt: skip


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch() as browser:
        yield browser


@pytest.fixture(scope="module")
def site(demo: Built) -> Iterator[str]:
    with serve(demo.site) as url:
        yield url


def _pages(root: Path) -> list[str]:
    """Every page of a built site, by URL (its search bundles are no pages)."""
    found = []
    for index in root.rglob("index.html"):
        rel = index.parent.relative_to(root).as_posix()
        if not rel.startswith("pagefind"):
            found.append("" if rel == "." else rel + "/")
    return sorted(found)


def test_every_page_loads_with_no_console_error_and_no_failed_request(
    browser: Any, site: str, demo: Built
) -> None:
    pages = _pages(demo.site)
    assert len(pages) > 80  # notes, hubs, tag pages, the generated pages
    with visiting(browser, site) as visit:
        for url in [*pages, "404.html"]:
            visit.page.goto(site + url, wait_until="load")
        # The local graph and the Graph page fetch their data too.
        visit.page.goto(site + "agents/jennifer/", wait_until="load")
        visit.page.locator(".dfn-local-graph summary").click()
        visit.page.wait_for_function(
            "() => document.querySelector('.dfn-local-graph canvas').dataset.nodes"
        )
        visit.page.goto(site + "graph/", wait_until="load")
        visit.page.wait_for_function("() => document.getElementById('dfn-graph').dataset.nodes")
        # The sidebar's folder explorer: it opens on the page shown, and every folder opened
        # loads its listing.
        visit.page.goto(site + "meta/2026-10-06-jennifer-grades-lumen-dental-faq/")
        current = visit.page.locator("nav.dfn-explorer a.dfn-explorer-current")
        current.wait_for(state="attached")
        assert current.inner_text() == "2026-10-06 Jennifer grades Lumen Dental FAQ"
        visit.page.wait_for_function(
            """() => { const all = [...document.querySelectorAll('nav.dfn-explorer details')];
                all.forEach(d => { d.open = true; });
                return all.length > 3 && all.every(d => d.querySelector(':scope > ul')); }"""
        )
        # Material fetched sitemap.xml beside every link[rel=alternate] (a page's markdown):
        # a 404 on every page. alternates.js hides them while it looks, then puts them back.
        rels = visit.page.evaluate(
            "[...document.querySelectorAll('link[type=\"text/markdown\"]')].map(l => l.rel)"
        )
    assert visit.errors == []
    assert visit.failed == []
    assert visit.outside == []
    assert not [url for url in visit.requests if "sitemap" in url]
    assert rels == ["alternate"]


MAIN_PAGES = {
    "home": "",
    "article": "articles/grading-an-article/",
    "agent": "agents/cam/",
    "catalogue": "catalogue/",
    "search": "find/?q=rubric",
    "graph": "graph/",
}


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_main_pages_fit_the_screen(browser: Any, site: str, device: str) -> None:
    """Home, an article, an agent, the catalogue, search and the graph: nothing pushes the page
    sideways on a desktop or a phone. Their screenshots are saved for a human to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    options = {"viewport": PHONE, "has_touch": True, "is_mobile": True} if device == "phone" else {}
    with visiting(browser, site, **options) as visit:
        page = visit.page
        width = page.viewport_size["width"]
        for name, url in MAIN_PAGES.items():
            page.goto(site + url, wait_until="load")
            if name == "search":
                page.locator("#dfn-search a.dfn-finder__link").first.wait_for(timeout=15_000)
            if name == "graph":
                page.wait_for_function("() => document.getElementById('dfn-graph').dataset.nodes")
            assert page.locator("h1").first.is_visible(), name
            assert page.evaluate("document.documentElement.scrollWidth") <= width, name
            page.screenshot(path=str(SHOTS / f"{name}-{device}.png"))
    assert visit.errors == [] and visit.failed == []


def test_a_preview_shows_the_linked_page_on_hover_and_on_focus(browser: Any, site: str) -> None:
    with visiting(browser, site) as visit:
        page = visit.page
        page.goto(site + "articles/grading-an-article/")
        link = page.locator("article p a", has_text="Rubric v3").first
        link.hover()
        card = page.locator(PREVIEW)
        card.wait_for(timeout=5_000)
        assert card.locator(".dfn-preview__title").inner_text() == "Rubric v3"
        assert "The rubric Jennifer uses to grade every draft" in card.inner_text()
        box, anchor = card.bounding_box(), link.bounding_box()
        assert box is not None and anchor is not None
        assert box["y"] >= anchor["y"] + anchor["height"]  # under the link, in the window
        assert box["x"] + box["width"] <= page.viewport_size["width"]
        page.screenshot(path=str(ARTIFACTS / "visitor" / "preview.png"))
        page.mouse.move(5, 400)
        page.locator("#dfn-preview").wait_for(state="hidden", timeout=2_000)
        # The keyboard: focusing the link shows it, Escape hides it.
        link.focus()
        card.wait_for(timeout=5_000)
        assert link.get_attribute("aria-describedby") == "dfn-preview"
        assert page.locator("#dfn-preview").get_attribute("role") == "tooltip"
        page.keyboard.press("Escape")
        assert page.locator("#dfn-preview").is_hidden()
    assert visit.errors == [] and visit.failed == []


def test_a_heading_link_previews_its_section_and_a_block_link_its_block(
    browser: Any, site: str
) -> None:
    with visiting(browser, site) as visit:
        page = visit.page
        page.goto(site + "notes/knowledge-panel-field-guide/")
        page.locator("article a", has_text="Building a knowledge panel › Skill").hover()
        card = page.locator(PREVIEW)
        card.wait_for(timeout=5_000)
        text = card.inner_text()
        assert card.locator(".dfn-preview__heading").first.inner_text() == "Skill"
        assert "Identify the entity type" in text  # the section's first step
        assert "Learnings" not in text  # the next section is not in it
        page.mouse.move(5, 400)
        page.locator("#dfn-preview").wait_for(state="hidden", timeout=2_000)
        page.locator("article a", has_text="^l-first-name-initial").hover()
        page.wait_for_function(
            "() => { const c = document.querySelector('#dfn-preview:not([hidden])');"
            " return c && c.textContent.includes('first name'); }",
            timeout=5_000,
        )
        text = card.inner_text()
        assert "Attribute as first name + last initial" in text
        assert "date window" not in text  # the block only, not the learnings around it


def test_a_preview_of_a_hostile_note_holds_only_its_words(browser: Any, site: str) -> None:
    """The demo's untrusted agent note (a title and a first section full of payloads): its
    preview runs nothing, loads nothing and holds only text elements previews.js built."""
    dialogs: list[str] = []
    with visiting(browser, site) as visit:
        page = visit.page
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(site + "notes/rubric-v3/")
        page.evaluate(
            """() => { const a = document.createElement('a');
                a.href = '../untrusted-agent-output/'; a.textContent = 'the agent note';
                a.id = 'probe'; document.querySelector('article p').append(' ', a); }"""
        )
        page.locator("#probe").hover()
        card = page.locator(PREVIEW)
        card.wait_for(timeout=5_000)
        page.wait_for_timeout(300)
        text = card.inner_text()
        assert "An agent pasted this from a web page" in text
        # The payloads' words come through (a scheme link, a paragraph with onclick and a
        # remote background) as words only.
        assert "a scheme link" in text and "Click me." in text
        assert card.locator(".dfn-preview__title").inner_text() == "Untrusted agent output"
        tags = set(card.evaluate("c => [...c.querySelectorAll('*')].map(e => e.tagName)"))
        assert tags <= CARD_TAGS, tags
        attributes = card.evaluate(
            "c => [...c.querySelectorAll('*')].flatMap(e => e.getAttributeNames())"
        )
        assert set(attributes) <= {"class"}, attributes
        assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert visit.outside == [] and visit.errors == []


def test_previews_are_off_on_a_touch_screen(browser: Any, site: str) -> None:
    with visiting(browser, site, viewport=PHONE, has_touch=True, is_mobile=True) as visit:
        page = visit.page
        page.goto(site + "articles/grading-an-article/")
        page.locator("article p a", has_text="Rubric v3").first.hover()
        page.wait_for_timeout(800)
        assert page.locator("#dfn-preview").count() == 0
        assert not [url for url in visit.requests if url.endswith("/notes/rubric-v3/")]


def test_breadcrumbs_lead_up_and_a_run_leads_to_its_neighbours(browser: Any, site: str) -> None:
    with visiting(browser, site) as visit:
        page = visit.page
        page.goto(site + "meta/2026-10-06-jennifer-grades-lumen-dental-faq/")
        crumbs = page.locator("nav.dfn-crumbs li")
        assert crumbs.all_inner_texts() == ["Home", "Articles", "Grading an article"]
        assert "Updated 20" in page.locator(".dfn-facts").inner_text()
        pager = page.locator("nav.dfn-pager")
        assert pager.get_attribute("aria-label") == "Runs of Grading an article"
        previous = pager.locator("a[rel=prev]")
        assert "Jennifer grades Harbor Coffee launch post" in previous.inner_text()
        pager.locator("a[rel=next]").click()
        page.wait_for_url("**/meta/2026-10-14-jennifer-grades-northwind-bikes-buying-guide/")
        page.locator("nav.dfn-crumbs a", has_text="Grading an article").click()
        page.wait_for_url("**/articles/grading-an-article/")
        assert "min read" in page.locator(".dfn-facts").inner_text()
        page.locator("nav.dfn-crumbs a", has_text="Articles").click()
        page.wait_for_url("**/browse/articles/")
        # The newest run has no next one.
        page.goto(site + "meta/2026-11-16-jennifer-grades-fernhill-bakery-about-page/")
        assert page.locator("nav.dfn-pager a[rel=next]").count() == 0
        assert page.locator("nav.dfn-pager a[rel=prev]").count() == 1
    assert visit.errors == [] and visit.failed == []


@pytest.mark.parametrize(("system", "scheme"), [("light", "default"), ("dark", "slate")])
def test_the_palette_follows_the_system_and_the_toggle_still_switches(
    browser: Any, site: str, system: str, scheme: str
) -> None:
    with visiting(browser, site, color_scheme=system) as visit:
        page = visit.page
        page.goto(site + "notes/rubric-v3/")
        body = page.locator("body")
        assert body.get_attribute("data-md-color-scheme") == scheme
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        channels = [int(c) for c in re.findall(r"\d+", background)[:3]]
        assert (max(channels) < 80) == (system == "dark"), background
        # The toggle: system -> light -> dark, and the choice holds on the next page.
        page.locator("form[data-md-component=palette] label:not([hidden])").click()
        assert body.get_attribute("data-md-color-scheme") == "default"
        page.locator("form[data-md-component=palette] label:not([hidden])").click()
        assert body.get_attribute("data-md-color-scheme") == "slate"
        page.goto(site + "agents/cam/")
        assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"


def test_search_by_keyboard_opens_a_result_with_the_words_marked(browser: Any, site: str) -> None:
    with visiting(browser, site) as visit:
        page = visit.page
        page.goto(site + "notes/rubric-v3/")
        page.keyboard.press("/")
        page.locator(MODAL_INPUT).press_sequentially("espresso", delay=20)
        page.locator(MODAL_RESULTS).first.wait_for(timeout=15_000)
        results = page.locator("dialog.dfn-search-modal li.dfn-finder__result")
        assert results.count() == results.locator(".dfn-finder__excerpt").count()  # one each
        page.keyboard.press("ArrowDown")  # from the field to the first result
        focused = page.evaluate("document.activeElement.getAttribute('href')")
        assert "highlight=espresso" in focused
        page.keyboard.press("Enter")
        page.wait_for_url("**/meta/2026-10-01-cam-collects-harbor-coffee-testimonials/**")
        mark = page.locator("article mark.dfn-highlight").first
        mark.wait_for(timeout=5_000)
        assert mark.inner_text().lower() == "espresso"
        assert mark.evaluate("m => { const r = m.getBoundingClientRect();"
                             " return r.top >= 0 && r.bottom <= innerHeight; }")  # fmt: skip
    assert visit.errors == [] and visit.failed == []


def test_the_search_page_loads_its_filters_when_opened_and_one_excerpt_a_result(
    browser: Any, site: str
) -> None:
    """The filters are not fetched for a query (they were a fifth of a first query's bytes,
    BENCHMARKS.md): they load, every value shown, when the visitor opens them."""
    with visiting(browser, site) as visit:
        page = visit.page
        page.goto(site + "find/")
        checkboxes = page.locator("#dfn-search input[type=checkbox]")
        page.locator("#dfn-search input.dfn-finder__input").fill("rubric")
        results = page.locator("#dfn-search a.dfn-finder__link")
        results.first.wait_for(timeout=15_000)
        assert checkboxes.count() == 0
        items = page.locator("#dfn-search li.dfn-finder__result")
        assert items.count() == items.locator(".dfn-finder__excerpt:visible").count() >= 1
        page.locator("#dfn-search summary.dfn-finder__filters-toggle").click()
        checkboxes.first.wait_for(timeout=15_000)
        names = page.locator("#dfn-search .dfn-finder__group legend").all_inner_texts()
        assert names == ["Kind", "Agent", "Outcome"]
        assert all(checkboxes.nth(i).is_visible() for i in range(checkboxes.count()))
        page.locator('#dfn-search input[name="kind"][value="agent"]').click()
        page.wait_for_function(
            "() => { const a = [...document.querySelectorAll('#dfn-search a.dfn-finder__link')];"
            " return a.length && a.every(l => l.getAttribute('href').startsWith('/agents/')); }"
        )
    assert visit.errors == [] and visit.failed == []


def test_the_phone_search_dialog_has_one_close_button(browser: Any, site: str) -> None:
    with visiting(browser, site, viewport=PHONE, has_touch=True, is_mobile=True) as visit:
        page = visit.page
        page.goto(site + "notes/rubric-v3/")
        page.locator("[data-dfn-search]").click()
        page.locator(MODAL_INPUT).press_sequentially("rubric", delay=20)
        page.locator(MODAL_RESULTS).first.wait_for(timeout=15_000)
        assert page.locator("dialog.dfn-search-modal .dfn-finder__close").count() == 1
        assert page.locator("dialog.dfn-search-modal .dfn-finder__close").is_visible()
        assert page.locator("dialog.dfn-search-modal summary.dfn-finder__filters-toggle").count()
        page.screenshot(path=str(SHOTS / "search-dialog-phone.png"))
        page.locator("dialog.dfn-search-modal .dfn-finder__close").click()
        assert not page.locator("dialog.dfn-search-modal").is_visible()


def _labels(canvas: Any) -> list[dict[str, Any]]:
    return canvas.evaluate("c => c.dfnLabels || []")


def _apart_and_inside(labels: list[dict[str, Any]], width: int, height: int) -> bool:
    boxes = [label["box"] for label in labels]
    inside = all(b[0] >= 0 and b[1] >= 0 and b[2] <= width and b[3] <= height for b in boxes)
    apart = all(
        not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
    )
    return inside and apart


def test_the_graph_names_its_hubs_without_overlap_and_more_as_it_zooms(
    browser: Any, site: str
) -> None:
    with visiting(browser, site) as visit:
        page = visit.page
        page.goto(site + "graph/")
        canvas = page.locator("canvas#dfn-graph")
        page.wait_for_function("() => document.getElementById('dfn-graph').dataset.nodes")
        size = canvas.evaluate("c => [c.width, c.height]")
        labels = _labels(canvas)
        names = {label["text"] for label in labels}
        assert {"Grading an article", "Cam"} <= names, names  # hubs are named
        assert _apart_and_inside(labels, *size)
        # The canvas fits the window, and the page counts what it draws.
        box = canvas.bounding_box()
        assert box is not None and box["y"] + box["height"] <= page.viewport_size["height"]
        notes = int(canvas.get_attribute("data-notes") or 0)
        assert f"{notes} published notes" in page.locator("article").inner_text()
        assert f"{notes} notes" in page.locator("#dfn-graph-status").inner_text()
        # Zooming in names more notes, still apart.
        canvas.hover()
        for _ in range(6):
            page.mouse.wheel(0, -120)
        page.wait_for_timeout(200)
        zoomed = _labels(canvas)
        assert len(zoomed) > len(labels)
        assert _apart_and_inside(zoomed, *size)


def test_the_local_graph_is_readable_on_a_phone(browser: Any, site: str) -> None:
    with visiting(browser, site, viewport=PHONE, has_touch=True, is_mobile=True) as visit:
        page = visit.page
        page.goto(site + "agents/jennifer/")
        page.locator(".dfn-local-graph summary").click()
        canvas = page.locator(".dfn-local-graph canvas")
        page.wait_for_function(
            "() => document.querySelector('.dfn-local-graph canvas').dataset.nodes"
        )
        labels = _labels(canvas)
        assert "Jennifer" in {label["text"] for label in labels}  # its own note, always
        assert len(labels) >= 3
        assert _apart_and_inside(labels, *canvas.evaluate("c => [c.width, c.height]"))
        ratio = page.evaluate("devicePixelRatio")
        heights = [(b[3] - b[1]) / ratio for b in (label["box"] for label in labels)]
        assert min(heights) >= 12  # 12 px text and its padding, in CSS pixels
        page.screenshot(path=str(SHOTS / "local-graph-phone.png"))


def test_a_missing_address_gets_a_page_that_helps(browser: Any, site: str) -> None:
    with visiting(browser, site) as visit:
        missing = site + "notes/a-note-renamed-long-ago/"
        visit.expected.add(missing)
        response = visit.page.goto(missing)
        assert response is not None and response.status == 404
        page = visit.page
        assert page.locator("h1").inner_text() == "Page not found"
        hubs = page.locator(".dfn-404__hubs a").all_inner_texts()
        assert {"Catalogue", "Articles", "Agents", "Runs"} <= set(hubs)
        home = page.locator(".dfn-404__hubs a", has_text="Home").get_attribute("href")
        assert home is not None and home.endswith("/") and not home.endswith("/./")
        page.locator(".dfn-404__hubs a", has_text="Catalogue").click()
        page.wait_for_url("**/catalogue/")
        visit.page.goto(missing)
        page.locator("#dfn-404-query").fill("espresso")
        page.locator("#dfn-404-query").press("Enter")
        page.wait_for_url("**/find/?q=espresso")
        page.locator("#dfn-search a.dfn-finder__link").first.wait_for(timeout=15_000)
    assert visit.errors == [] and visit.failed == [] and visit.outside == []
