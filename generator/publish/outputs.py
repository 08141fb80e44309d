"""Agent-readable outputs beside the HTML: each page's markdown (``llms.txt`` and
``graph.json`` are planned by render and copied by MkDocs).

The markdown is the emitted docs-tree page, written at its docs path under ``site/`` (e.g.
``site/notes/rubric-v3.md`` beside ``site/notes/rubric-v3/index.html``), so its relative
``.md`` links lead to the other pages' markdown; for a note, the page with the note's own
markdown in place of its rendered HTML (`SitePlan.markdown`), so agents and the secret scan
read its text as written. It is the published text only: comments are gone and links to
private notes are plain text, as on the HTML page.
"""

from __future__ import annotations

import os
from pathlib import Path

from generator.render.pages import SitePlan


def write_markdown(plan: SitePlan, site_dir: Path, docs_dir: Path | None = None) -> int:
    """Put every page's markdown into the site; returns how many files were placed.

    The docs tree already holds these exact bytes (emit wrote them), so each copy is a hard
    link to it when ``docs_dir`` is given and on the same file system: creating a file and its
    data cost ten times a link here (5,000 pages: 1.5 s against 0.15 s). The docs tree is only
    ever replaced file by file (rename), never edited in place, so a link stays a snapshot.
    """
    written = 0
    folders: set[Path] = set()
    for docs_path, text in plan.pages.items():
        if not docs_path.endswith(".md"):
            continue
        target = site_dir / docs_path
        if target.parent not in folders:  # thousands of pages share a few folders
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        own = plan.markdown.get(docs_path)  # a note's: its markdown, not its page's HTML
        if own is not None:
            target.unlink(missing_ok=True)  # may be a hard link into the docs tree
            target.write_bytes(own.encode("utf-8"))
        elif docs_dir is None or not _link(docs_dir / docs_path, target):
            # site/ is build output that MkDocs itself writes in place: no temp-file dance.
            target.write_bytes(text.encode("utf-8"))
        written += 1
    return written


def _link(source: Path, target: Path) -> bool:
    try:
        target.unlink(missing_ok=True)
        os.link(source, target)
    except OSError:  # another file system, or links not allowed: copy instead
        return False
    return True
