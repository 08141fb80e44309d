"""Where the consolidator keeps its machine state, how it writes it, and its test hooks.

Everything lives in ``<vault>/.definitive/``; every write is a temp file plus rename
(`atomic_write`), so a run killed at any instant leaves each file either old or new.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
from pathlib import Path
from typing import Any

from generator.config import STATE_DIR
from generator.render.emit import atomic_write


def state_dir(vault: Path) -> Path:
    return vault / STATE_DIR


def atomic_write_json(path: Path, data: Any, indent: int | None = 1) -> None:
    text = json.dumps(data, indent=indent, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write(path, text.encode("utf-8"))


def now() -> dt.datetime:
    """The run's clock. ``DEFINITIVE_NOW`` (ISO 8601) fixes it, for reproducible runs and tests."""
    fixed = os.environ.get("DEFINITIVE_NOW")
    if fixed:
        return dt.datetime.fromisoformat(fixed).astimezone(dt.UTC).replace(microsecond=0)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def checkpoint(name: str) -> None:
    """A named point in a run. ``DEFINITIVE_KILL_AT=name`` (or ``name:N`` for its N-th pass)
    SIGKILLs the process there: the crash-safety tests use it to kill a run mid-write."""
    wanted = os.environ.get("DEFINITIVE_KILL_AT")
    if not wanted:
        return
    point, _, count = wanted.partition(":")
    if point != name:
        return
    seen = _passes.get(name, 0) + 1
    _passes[name] = seen
    if seen >= int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)


_passes: dict[str, int] = {}
