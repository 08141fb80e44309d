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
from collections.abc import Collection
from pathlib import Path

from generator.render.pages import SitePlan


def write_markdown(
    plan: SitePlan,
    site_dir: Path,
    docs_dir: Path | None = None,
    copies_dir: Path | None = None,
    *,
    settled: Collection[str] = (),
) -> list[str]:
    """Put every page's markdown into the site; returns the site paths placed.

    emit already wrote these exact bytes: the docs tree's page, or for a note its markdown
    copy (``copies_dir``, render/incremental.py ``COPIES``). So each is a hard link to that
    file when the folders are given and on the same file system: creating a file and its data
    cost ten times a link here (5,000 pages: 1.5 s against 0.15 s). Both folders are only ever
    replaced file by file (rename), never edited in place, so a link stays a snapshot.

    ``settled``: docs paths whose markdown in the site is already this build's without a
    look (a rebuild: the page is the last complete build's, and so is the file beside it,
    by the site stamp; publish/site.py). A note whose copy was written again is looked at
    all the same: its page may be the same while its markdown is not.
    """
    written: list[str] = []
    folders: set[Path] = set()
    for docs_path in plan.docs_pages():
        if not docs_path.endswith(".md"):
            continue
        own = plan.markdown.get(docs_path)  # a note's: its markdown, not its page's HTML
        if own is None and docs_path in settled:
            continue
        copied = own is not None or docs_path in plan.kept_copies
        root = copies_dir if copied else docs_dir
        source = root / docs_path if root is not None else None
        target = site_dir / docs_path
        if source is not None and _same(source, target):
            continue  # already the link to this very version (a rebuild that kept the page)
        if target.parent not in folders:  # thousands of pages share a few folders
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        if source is None or not _link(source, target):
            # site/ is build output that MkDocs itself writes in place: no temp-file dance.
            text = None if plan.released else own if own is not None else plan.pages.get(docs_path)
            target.unlink(missing_ok=True)  # may be a hard link into the cache
            data = text.encode("utf-8") if text is not None else source.read_bytes()  # type: ignore[union-attr]
            target.write_bytes(data)
        written.append(docs_path)
    return written


def _same(source: Path, target: Path) -> bool:
    """Whether ``target`` is a hard link to ``source`` (the docs tree replaces a changed page
    with a new file, so an old link points to the old version)."""
    try:
        a, b = source.stat(), target.stat()
    except OSError:
        return False
    return (a.st_ino, a.st_dev) == (b.st_ino, b.st_dev)


def _link(source: Path, target: Path) -> bool:
    try:
        target.unlink(missing_ok=True)
        os.link(source, target)
    except OSError:  # another file system, or links not allowed: copy instead
        return False
    return True
