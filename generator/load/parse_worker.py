"""A second process parses half of the notes a cold load has to parse.

Parsing is most of loading a vault the first time (or after a cache wipe), and it is one
note at a time, so the other core idles. ``ParseShare`` starts a fresh interpreter (see
generator/processes.py for why not a fork) that reads and parses every other note the parent
has to parse, while the parent parses the rest. It answers with the parsed-note cache's own
JSON entries, which the parent decodes as it does cache hits: decoding a note costs about a
third of parsing it, and less than unpickling it (1.0 s against 1.4 s for 5,000 notes).

Anything going wrong in the worker (it cannot start, dies, answers nonsense) only means the
parent parses those notes itself: the result is the same, only slower.
"""

from __future__ import annotations

import gc
import hashlib
import json
import subprocess
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.processes import cpu_count, worker_env

if TYPE_CHECKING:
    from generator.config import Options

MIN_NOTES = 500
"""Below this many notes to parse, starting an interpreter (about 0.1 s) and decoding its
answer cost about what the second core saves."""
COMMAND = [sys.executable, "-c", "from generator.load.parse_worker import main; main()"]


class ParseShare:
    """The notes handed to a worker, and its answer once the parent wants it."""

    def __init__(self, root: Path, options: Options, notes: list[tuple[str, str]]) -> None:
        from generator.load.vault import LOAD_OPTIONS

        self.notes = dict(notes)  # rel -> sha the parent read
        self.process: subprocess.Popen[bytes] | None = None
        self.sender: threading.Thread | None = None
        settings = {name: getattr(options, name) for name in LOAD_OPTIONS}
        job = {"root": str(root), "options": settings, "notes": notes}
        try:
            self.process = subprocess.Popen(
                COMMAND,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=worker_env(),
            )
        except OSError:
            self.close()
            return
        # The job (a few hundred KB) is more than a pipe holds: written from a thread, so this
        # process starts parsing while the worker is still importing.
        data = json.dumps(job).encode("utf-8")
        self.sender = threading.Thread(target=self._send, args=(data,), daemon=True)
        self.sender.start()

    def _send(self, data: bytes) -> None:
        assert self.process is not None and self.process.stdin is not None
        try:
            self.process.stdin.write(data)
            self.process.stdin.close()
        except OSError:  # the worker died: results() falls back
            pass

    @classmethod
    def start(
        cls, root: Path, options: Options, pending: list[tuple[str, str]]
    ) -> ParseShare | None:
        """A worker for every other note of ``pending`` ((rel, sha), in walk order), or None
        when there are too few to pay for a process or only one core."""
        if len(pending) < max(MIN_NOTES, 2) or cpu_count() < 2:
            return None
        return cls(root, options, pending[1::2])

    def results(self) -> dict[str, dict[str, Any]]:
        """The worker's cache entries (rel -> {"sha", "note", "findings"}) for the notes it
        parsed as the parent read them; a note missing here is for the parent to parse."""
        if self.process is None:
            return {}
        if self.sender is not None:
            self.sender.join()
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
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()


def main() -> None:
    """The worker: parse the notes named on stdin, answer cache entries as JSON on stdout."""
    from generator.config import Options
    from generator.findings import Findings
    from generator.load.cache import encode
    from generator.load.vault import note_from_bytes, read_regular

    gc.disable()  # as in load_vault: parsing makes no cycles, and this process is short-lived
    job = json.loads(sys.stdin.read())
    root = Path(job["root"])
    options = Options(**job["options"])
    entries: dict[str, dict[str, Any]] = {}
    for rel, sha in job["notes"]:
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
