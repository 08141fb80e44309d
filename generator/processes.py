"""Spreading a stage's work over processes: MkDocs' pages (publish/mkdocs_workers.py) and,
on a cold load, parsing the notes (load/parse_worker.py).

Workers are fresh interpreters started with ``python -c``, not forks and not multiprocessing's
"spawn": a fork next to rich's progress-bar thread can deadlock (and is unsafe on macOS), and
"spawn" re-imports the parent's ``__main__``, which breaks when that is ``python -c``, stdin or
an embedding program.

A first try at parsing notes in several processes sent them back pickled: unpickling 5,000
parsed notes in the parent (1.7 s) ate what the second core saved. The parse worker now parses
only half, beside the parent, and answers in the parsed-note cache's JSON, which decodes about
twice as fast.
"""

from __future__ import annotations

import os
from pathlib import Path


def cpu_count() -> int:
    """Cores this process may run on (a container's CPU set, not the host's)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def worker_env() -> dict[str, str]:
    """The environment for a worker, so it imports this very copy of the package."""
    root = str(Path(__file__).resolve().parents[1])
    existing = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + existing if existing else "")}
