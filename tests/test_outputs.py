"""Agent-readable outputs beside the HTML: each page's markdown, llms.txt, the sitemap."""

from __future__ import annotations

import os
import re

import pytest

from tests.conftest import Built
from tests.test_site import PRIVATE_MARKERS


def test_markdown_sits_beside_each_page(demo: Built) -> None:
    for docs_path in demo.report.plan.note_paths.values():
        assert (demo.site / docs_path).is_file(), docs_path
    raw = (demo.site / "notes" / "rubric-v3.md").read_text(encoding="utf-8")
    assert raw.startswith("---\ntitle:") and "blocking-issue cap" in raw
    # Its links are relative .md links that lead to the other pages' markdown.
    guide = (demo.site / "notes" / "knowledge-panel-field-guide.md").read_text(encoding="utf-8")
    for href in re.findall(r"\]\(([^)#\s]+\.md)", guide):
        assert (demo.site / "notes" / href).resolve().is_file(), href
    html = demo.html("notes/rubric-v3/")
    assert '<link rel="alternate" type="text/markdown" href="../../notes/rubric-v3.md">' in html
    # Comments (%%...%%) are not in the published markdown either.
    assert "ask whether" not in (demo.site / "notes" / "wikilink-cheat-sheet.md").read_text(
        encoding="utf-8"
    )


def test_llms_txt_maps_the_site(demo: Built) -> None:
    text = (demo.site / "llms.txt").read_text(encoding="utf-8")
    assert text.startswith("# Definitive demo agency\n")
    assert "## Definitive articles" in text and "## Agents" in text
    assert "- [Grading an article](articles/grading-an-article.md): " in text
    assert "proven (6 of 8 runs succeeded (75%, 95% CI 41–93%)" in text
    assert "- [Cam](agents/cam.md): Collects positive customer comments" in text
    for href in re.findall(r"\]\(([^)]+)\)", text):
        assert (demo.site / href).is_file(), href
    for marker in (*PRIVATE_MARKERS, "Client contacts"):
        assert marker not in text


def test_sitemap_lists_public_pages_only(build_vault, tmp_path) -> None:
    # MkDocs writes URLs into sitemap.xml only when the config has a site_url.
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: S\nsite_url: https://docs.example.org/\ntheme: {name: material}\n",
        encoding="utf-8",
    )
    built = build_vault(
        {
            "index.md": "# Home\n\nSee [[Open]].\n",
            "notes/Open.md": "# Open\n",
            "notes/Secret plans.md": "---\npublish: false\n---\n# Secret plans\n",
            "private/Diary.md": "# Diary\n",
        },
        config=config,
    )
    sitemap = (built.site / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://docs.example.org/notes/open/" in sitemap
    assert "https://docs.example.org/catalogue/" in sitemap
    assert "secret-plans" not in sitemap and "diary" not in sitemap.lower()
    # A Material config without a custom_dir still gets the graph and search pages working.
    assert 'id="dfn-graph"' in built.html("graph/")


def test_graph_view_is_a_compact_copy_of_graph_json(demo: Built) -> None:
    import json

    full = json.loads((demo.site / "graph.json").read_text(encoding="utf-8"))
    view = json.loads((demo.site / "graph-view.json").read_text(encoding="utf-8"))
    assert [n[0] for n in view["nodes"]] == [n["title"] for n in full["nodes"]]
    resolved = {
        (link["source"], link["target"])
        for link in full["links"]
        if link["target"] and link["source"] != link["target"]
    }
    ids = [n["id"] for n in full["nodes"]]
    assert {(ids[a], ids[b]) for a, b in view["links"]} == resolved
    assert (demo.site / "graph-view.json").stat().st_size < (
        demo.site / "graph.json"
    ).stat().st_size / 3


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_published_files_are_readable_by_a_web_server(build_vault) -> None:
    # A web server usually runs as another user: nothing in site/ may be private to us.
    old = os.umask(0o022)
    try:
        built = build_vault({"index.md": "# Home\n\nSee [[Note]].\n", "Note.md": "# Note\n"})
    finally:
        os.umask(old)
    for rel in ("index.html", "note/index.html", "note.md", "index.md", "graph.json"):
        assert (built.site / rel).stat().st_mode & 0o444 == 0o444, rel
