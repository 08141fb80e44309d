"""Agent-readable outputs beside the HTML: each page's markdown (``llms.txt`` and
``graph.json`` are planned by render and copied by MkDocs).

The markdown is the emitted docs-tree page, written at its docs path under ``site/`` (e.g.
``site/notes/rubric-v3.md`` beside ``site/notes/rubric-v3/index.html``), so its relative
``.md`` links lead to the other pages' markdown. It is the published text only: comments are
gone and links to private notes are plain text, as on the HTML page.
"""

from __future__ import annotations

from pathlib import Path

from generator.render.pages import SitePlan


def write_markdown(plan: SitePlan, site_dir: Path) -> int:
    """Write every page's markdown into the site; returns how many files were (re)written."""
    written = 0
    folders: set[Path] = set()
    for docs_path, text in plan.pages.items():
        if not docs_path.endswith(".md"):
            continue
        # site/ is build output that MkDocs itself writes in place: no temp-file dance here.
        target = site_dir / docs_path
        if target.parent not in folders:  # thousands of pages share a few folders
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        target.write_bytes(text.encode("utf-8"))
        written += 1
    return written
