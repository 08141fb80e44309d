"""Spreading a stage's work over processes: MkDocs' pages (publish/mkdocs_workers.py), on a
cold load parsing the notes (load/parse_worker.py), and on a cold render laying out the note
pages (render/body_worker.py).

Workers are fresh interpreters started with ``python -c``, not multiprocessing's "spawn":
"spawn" re-imports the parent's ``__main__``, which breaks when that is ``python -c``, stdin or
an embedding program. A fork is safe only with no other thread alive (a thread holding a lock
at the fork, rich's progress-bar refresh for one, leaves that lock held for ever in the child)
and is unsafe on macOS; `may_fork` is the one test of that. Only the note pages' worker forks:
it needs the whole analysis (the vault, its link graph, the public view), which a fresh
interpreter would have to build again (see render/body_worker.py for the figures).

A first try at parsing notes in several processes sent them back pickled: unpickling 5,000
parsed notes in the parent (1.7 s) ate what the second core saved. The parse worker now parses
only half, beside the parent, and answers in the parsed-note cache's JSON, which decodes about
twice as fast.
"""

from __future__ import annotations

import os
import sys
import threading
import time
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


def may_fork(*, grace: float = 0.0) -> bool:
    """Whether this process may fork a worker: Linux, two cores or more, and no thread but
    this one (Python's own, or any a C library started, as /proc lists them). ``grace``:
    seconds to let threads that are ending finish (rich stops a progress bar's refresh
    thread without waiting for it to exit)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork") or cpu_count() < 2:
        return False
    deadline = time.monotonic() + grace
    while True:
        try:
            threads = len(os.listdir("/proc/self/task"))
        except OSError:
            return False
        if threads == 1 and threading.active_count() == 1:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.005)
