"""What the site folder held when the last complete build ended.

A rebuild that re-renders a few pages must not read the whole site again: not for the secret
scan, not for Pagefind's body markers, not for the check that every page was sanitised. The
site stamp (publish/mkdocs_site.py) keeps each file's size, modification time and inode as
the last complete build left it; a file that still has that size and modification time was
checked by that build and is skipped. Whatever wrote a file since (MkDocs, Pagefind,
Definitive, the user), in place or by a rename, left another modification time: every
write in a build happens at least a process start-up after the stamp's, well past the file
system's timestamp granularity.

The inode is recorded but not compared. A site restored from an archive or a copy (a CI
cache, as in docs/nightly.md; ``tar --posix``, ``cp -a`` and ``rsync -a`` keep modification
times to the nanosecond) has the same files under new inodes; compared, every page looked
rewritten by something other than MkDocs, the next build that changed anything removed them
all and failed, and so did every night after it, since a failed night does not save the
cache it restored. An archive that keeps whole seconds only (GNU tar's default format) still
makes every file look written, and the build fails closed. Faking a modification time to the
nanosecond takes write access to the site folder, which only the build has.

No MkDocs internals are involved: the state is read from the folder itself, so it holds
whatever renderer wrote the site.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from stat import S_ISREG

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


def stat_files(site_dir: Path, paths: Iterable[str]) -> dict[str, FileStat]:
    """The `FileStat` of each of ``paths`` (site-relative) that is a file."""
    found: dict[str, FileStat] = {}
    for rel in paths:
        try:
            info = os.stat(os.path.join(site_dir, rel), follow_symlinks=False)
        except OSError:
            continue
        if S_ISREG(info.st_mode):
            found[rel] = (info.st_size, info.st_mtime_ns, info.st_ino)
    return found


def replace_folders(
    files: dict[str, FileStat],
    site_dir: Path,
    *,
    moved: dict[str, str],
    walked: Iterable[str],
    gone: Iterable[str] = (),
) -> dict[str, FileStat]:
    """``files`` (a `snapshot`) after top-level folders changed without another walk of the
    site: those in ``moved`` (old name -> new name) were renamed whole, their files as they
    were; those ``walked`` were written again and are read afresh; ``gone`` ones, and any
    other folder named in ``moved``, were removed (unless renamed or written again)."""
    walked = list(walked)
    touched = set(moved) | set(moved.values()) | set(walked) | set(gone)
    result = {p: s for p, s in files.items() if p.split("/", 1)[0] not in touched}
    for path, info in files.items():
        top, _, rest = path.partition("/")
        if rest and top in moved:
            result[f"{moved[top]}/{rest}"] = info
    for folder in walked:
        result.update(_walk(os.path.join(site_dir, folder), folder + "/"))
    return result


def unchanged(now: dict[str, FileStat], before: dict[str, FileStat]) -> set[str]:
    """Site paths whose file has the size and modification time ``before`` recorded (not
    necessarily its inode: see the module docstring)."""
    same = set()
    for path, stat in now.items():
        old = before.get(path)
        if old is not None and old[:2] == stat[:2]:
            same.add(path)
    return same
