"""When each note last changed, for its page's "Updated" date.

In order: the note's own frontmatter (``updated:``, ``modified:``...), which a person or a tool
can set; else, when the vault is in a Git work tree, the date of the last commit that touched
the file, provided the file is committed as it is now; else the file's modification time (its
date in UTC).

Git comes before the file's time because a clone or checkout gives every file the time it was
written to disk: a site built nightly in CI from a fresh clone would otherwise say every page
changed today, and every page's HTML would change with it. (A shallow clone has only its last
commit: CI should fetch the history, see docs/nightly.md.) A date is a pure function of the
vault, so a rebuild of an unchanged vault writes the same pages.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from generator.load.kinds import date_value
from generator.model import Note

UPDATED_KEYS = ("updated", "modified", "last_modified", "date_modified", "lastmod")
"""Frontmatter keys that say when a note last changed, the first valid one winning."""
GIT_TIMEOUT_S = 60


def last_updated(root: Path, notes: Iterable[Note]) -> dict[str, dt.date]:
    """Vault path -> the date each note last changed (see the module's docstring). A note
    whose date cannot be told (its file vanished) is left out."""
    dates: dict[str, dt.date] = {}
    rest: list[str] = []
    for note in notes:
        found = next(
            (d for key in UPDATED_KEYS if (d := date_value(note.meta.get(key))) is not None),
            None,
        )
        if found is not None:
            dates[note.path] = found
        else:
            rest.append(note.path)
    dates.update(_git_dates(root, rest))
    folder = str(root)  # joined as text: a Path per note was half of this at 20,000 notes
    for path in rest:
        if path not in dates:
            try:
                seconds = os.stat(os.path.join(folder, path)).st_mtime
            except OSError:
                continue
            dates[path] = dt.datetime.fromtimestamp(seconds, dt.UTC).date()
    return dates


def _git_dates(root: Path, paths: list[str]) -> dict[str, dt.date]:
    """The last commit date of each of ``paths`` committed unchanged, when ``root`` is in a
    Git work tree; nothing otherwise (no git, not a repository, an error or a timeout)."""
    git = shutil.which("git")
    if git is None or not paths:
        return {}
    base = [git, "-c", "core.quotepath=off", "-C", str(root)]
    try:
        changed = subprocess.run(
            [*base, "diff", "--name-only", "-z", "--relative", "HEAD", "--", "."],
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}  # not a repository (or no commit yet): file times then
    dirty = set(changed.decode("utf-8", "replace").split("\0"))
    wanted = {p for p in paths if p not in dirty}
    return _log_dates(base, wanted)


def _log_dates(base: list[str], wanted: set[str]) -> dict[str, dt.date]:
    """Walk ``git log`` newest first, taking each wanted path's first (latest) commit date,
    and stop reading as soon as every one is dated."""
    dates: dict[str, dt.date] = {}
    command = [*base, "log", "--format=format:%x01%cs", "--name-only", "-z", "--relative"]
    try:
        process = subprocess.Popen(
            [*command, "--no-renames", "--", "."],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return {}
    assert process.stdout is not None
    pending = b""
    date: dt.date | None = None
    try:
        while len(dates) < len(wanted):
            chunk = process.stdout.read(65536)
            if not chunk:
                break
            pending += chunk
            *complete, pending = pending.split(b"\0")
            for item in complete:
                text = item.decode("utf-8", "replace")
                if text.startswith("\n"):  # the newline between a commit's files and the next
                    text = text[1:]
                if text.startswith("\x01"):  # "\x01DATE\nfirst/file.md"
                    header, _, text = text.partition("\n")
                    date = date_value(header[1:])
                if text and date is not None and text in wanted and text not in dates:
                    dates[text] = date
    finally:
        process.kill()
        process.wait(timeout=GIT_TIMEOUT_S)
        process.stdout.close()
    return dates
