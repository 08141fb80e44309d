"""What a visitor reads on the built demo site, checked in its HTML: wording, per-page
metadata, navigation data, feeds and the 404 page (the browser checks are in
test_visitor_browser.py). One build, the session's demo site."""

from __future__ import annotations

import re

from tests.conftest import Built


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_tag_pages_and_the_runs_hub_give_a_run_date_once(demo: Built) -> None:
    for url in ("tags/grading/", "browse/runs/"):
        text = _text(demo.html(url))
        line = text.split("2026-10-06 Jennifer grades Lumen Dental FAQ", 1)[1][:60]
        assert line.startswith(" — Jennifer · partial"), (url, line)


def test_a_block_embed_is_titled_by_its_note_not_its_block_id(demo: Built) -> None:
    page = demo.html("notes/how-we-grade/")
    titles = re.findall(r'class="dfn-embed-title"[^>]*>([^<]*)<', page)
    assert "Grading an article" in titles
    assert not [t for t in titles if "^" in t], titles
