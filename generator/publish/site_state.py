"""What the site folder held when the last complete build ended.

A rebuild that re-renders a few pages must not read the whole site again: not for the secret
scan, not for Pagefind's body markers, not for the check that every page was sanitised. The
site stamp (publish/mkdocs_site.py) keeps each file's size, modification time and inode as
the last complete build left it; a file that still matches all three was checked by that build
and is skipped. Whatever wrote a file since (MkDocs, Pagefind, Definitive, the user) changed
its modification time or its inode: every write in a build happens at least a process start-up
after the stamp's, well past the file system's timestamp granularity.

No MkDocs internals are involved: the state is read from the folder itself, so it holds
whatever renderer wrote the site.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

FileStat = tuple[int, int, int]
"""Size, modification time (ns) and inode of a site file."""


STAGING = ".pagefind-"
"""Folders of search bundles being set aside or written (publish/search.py): not the site's."""


def snapshot(site_dir: Path) -> dict[str, FileStat]:
    """Every file under ``site_dir`` (site-relative path -> `FileStat`), symlinks and
    Pagefind's staging folders left out."""
    return dict(_walk(str(site_dir), ""))


def _walk(folder: str, prefix: str) -> Iterator[tuple[str, FileStat]]:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(STAGING):
            continue
        rel = prefix + entry.name
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry.path, rel + "/")
        elif entry.is_file(follow_symlinks=False):
            info = entry.stat(follow_symlinks=False)
            yield rel, (info.st_size, info.st_mtime_ns, info.st_ino)


def unchanged(now: dict[str, FileStat], before: dict[str, FileStat]) -> set[str]:
    """Site paths whose file is as ``before`` recorded it."""
    return {path for path, stat in now.items() if before.get(path) == stat}
