"""A second process parses part of the notes a cold load has to parse.

Parsing is most of loading a vault the first time (or after a cache wipe), and it is one
note at a time, so the other core idles. ``ParseShare`` starts a fresh interpreter (see
generator/processes.py for why not a fork) that reads and parses the notes the parent hands
it, while the parent parses the rest. It answers with the parsed-note cache's own JSON
entries, which the parent decodes as it does cache hits: decoding a note costs about a third
of parsing it, and less than unpickling it (1.0 s against 1.4 s for 5,000 notes).

The worker starts as soon as the walk of the vault has found `MIN_NOTES` notes to parse, and
gets its notes one by one as the walk finds the others (a line each on its stdin, which a
thread of the worker drains at once, so the walk never waits on it): it used to start after
the walk, which reads and hashes every note (at 20,000 notes 2.8 s of CPU, with the second
core idle). It takes every other note (`takes`): what the parent does besides its share
(the walk, decoding the worker's answer, saving the cache) costs about what the worker does
besides its own (starting an interpreter, reading and hashing its notes again, encoding its
answer); measured at 5,000 notes, a 4-in-7 share made the parent wait longer for the worker.

Anything going wrong in the worker (it cannot start, dies, answers nonsense) only means the
parent parses those notes itself: the result is the same, only slower.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.processes import cpu_count, worker_env

if TYPE_CHECKING:
    from generator.config import Options

MIN_NOTES = 500
"""Below this many notes to parse, starting an interpreter (about 0.1 s) and decoding its
answer cost about what the second core saves."""
SLOTS = 2
WORKER_SLOTS = 1
"""The worker parses the notes whose place among those to parse, modulo `SLOTS`, is below
this (every other note); the parent the others."""
COMMAND = [sys.executable, "-c", "from generator.load.parse_worker import main; main()"]
_PIPE_BYTES = 1 << 20
"""The job's pipe, enlarged (Linux) so that the walk does not wait while the worker starts."""


class ParseShare:
    """A worker, the notes handed to it, and its answer once the parent wants it."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.closed = False
        self.notes: dict[str, str] = {}
        """rel -> sha the parent read, of each note handed to the worker."""

    @classmethod
    def start(cls, root: Path, options: Options) -> ParseShare | None:
        """A worker waiting for notes, or None with only one core or when it cannot start."""
        from generator.load.vault import LOAD_OPTIONS

        if cpu_count() < 2:
            return None
        try:
            process = subprocess.Popen(
                COMMAND,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=worker_env(),
            )
        except OSError:
            return None
        share = cls(process)
        assert process.stdin is not None
        with contextlib.suppress(AttributeError, OSError):  # F_SETPIPE_SZ: Linux only
            import fcntl

            fcntl.fcntl(process.stdin.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        settings = {name: getattr(options, name) for name in LOAD_OPTIONS}
        share._line({"root": str(root), "options": settings})
        return share

    @staticmethod
    def takes(place: int) -> bool:
        """Whether the worker parses the note at ``place`` among those to parse."""
        return place % SLOTS < WORKER_SLOTS

    def give(self, rel: str, sha: str) -> bool:
        """Hand the worker a note (read by the parent with digest ``sha``); False when it is
        gone (the parent parses that note)."""
        if not self._line([rel, sha]):
            return False
        self.notes[rel] = sha
        return True

    def _line(self, item: object) -> bool:
        if self.closed or self.process.stdin is None or self.process.stdin.closed:
            return False
        try:
            self.process.stdin.write(json.dumps(item).encode("utf-8") + b"\n")
        except OSError:  # the worker died: results() falls back
            self.close()
            return False
        return True

    def end(self) -> None:
        """No more notes: the worker answers once it has parsed those it has."""
        if not self.closed and self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()

    def results(self) -> dict[str, dict[str, Any]]:
        """The worker's cache entries (rel -> {"sha", "note", "findings"}) for the notes it
        parsed as the parent read them; a note missing here is for the parent to parse."""
        if self.closed:
            return {}
        self.end()
        try:
            assert self.process.stdout is not None
            answer = json.loads(self.process.stdout.read())
            self.process.wait()
            notes = answer["notes"] if self.process.returncode == 0 else {}
        except (OSError, ValueError, KeyError, TypeError):
            notes = {}
        finally:
            self.close()
        if not isinstance(notes, dict):
            return {}
        return {
            rel: entry
            for rel, entry in notes.items()
            if isinstance(entry, dict) and entry.get("sha") == self.notes.get(rel)
        }

    def close(self) -> None:
        """Stop the worker (whatever it is doing) and release its pipes; idempotent."""
        if self.closed:
            return
        self.closed = True
        process = self.process
        if process.poll() is None:
            process.kill()
            process.wait()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def main() -> None:
    """The worker: parse the notes named on stdin (after a first line with the vault and the
    options), answer cache entries as JSON on stdout."""
    import queue
    import threading

    # A thread reads the job as it comes, before the imports below: the parent's walk
    # never waits for this process to read.
    lines: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def read() -> None:
        for line in sys.stdin.buffer:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()

    from generator.config import Options
    from generator.findings import Findings
    from generator.load.cache import encode
    from generator.load.vault import note_from_bytes, read_regular

    gc.disable()  # as in load_vault: parsing makes no cycles, and this process is short-lived
    head = lines.get()
    if head is None:
        return
    job = json.loads(head)
    root = Path(job["root"])
    options = Options(**job["options"])
    entries: dict[str, dict[str, Any]] = {}
    while (line := lines.get()) is not None:
        rel, sha = json.loads(line)
        try:
            data = read_regular(root / rel, options.max_note_bytes)
        except OSError:
            continue  # the parent reports it
        if hashlib.sha256(data).hexdigest() != sha:
            continue  # changed since the parent read it: the parent parses what it read
        findings = Findings()
        note = note_from_bytes(rel, data, options, findings, sha)
        entries[rel] = {
            "sha": sha,
            "note": encode(note),
            "findings": [asdict(f) for f in findings.items],
        }
    sys.stdout.write(json.dumps({"notes": entries}, ensure_ascii=False))
