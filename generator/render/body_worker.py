"""A second process lays out part of the note pages of a build that renders many notes.

Laying out a note's page (render/note_page.py: its body rendered by markdown-it, its proof
sections, properties, backlinks and page information, the page template, the markdown copy)
is most of the render step of a cold build, one note at a time while the other core idles.
`BodyShare` forks the build process once the analysis is done, before the render step's
progress bar starts its refresh thread (`generator.processes.may_fork`); the child waits for
its share of the notes, which `plan_site` hands over once it knows which notes it will render
and where each page goes (with the rest of what a layout reads: `SiteFacts`), lays them out
in order with the same `NoteLayout` as the parent, and answers in batches with each page and
markdown copy already compressed as the site plan holds them (`render.texts.pack`), its
features and the findings it reported. The parent lays out the rest and takes the child's
answers in the same order, so the site and the findings are the ones a serial render makes,
byte for byte.

Why a fork and not a fresh interpreter (generator/processes.py): the child needs the vault,
its link graph, the public view and the evidence, the same objects the parent renders from (a
link's resolution is looked up by the link object). Building them again from the parsed-note
cache costs about what load, links and filter cost the parent (several seconds at 5,000
notes), most of what the second core would save; a fork costs milliseconds, and
``gc.freeze`` in the child keeps its collector from writing to (copying) every inherited
object's pages. What the parent builds after the fork (the proof pages' and page
information's indexes, the Jinja environment) the child builds again from the job: tens of
milliseconds at 5,000 notes, while the parent works out the pages' fingerprints.

Anything going wrong with the child (it cannot fork, dies, hangs, answers nonsense) only means
the parent lays out those notes itself; `message` says why, for the build's report.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import select
import signal
import struct
import time
from typing import TYPE_CHECKING, Any

from generator.processes import may_fork

if TYPE_CHECKING:
    from generator.config import Options
    from generator.filter import PublicView
    from generator.model import Note
    from generator.proof import Evidence
    from generator.render.note_page import NotePage, SiteFacts

MIN_NOTES = 400
"""Below this many notes to render (a nightly rebuild renders about 40), the fork, the job
and the answers cost about what the second core saves."""
SHARE = 0.65
"""The child's part of the notes to render. The parent also works out the pages'
fingerprints and, after the note pages, lays out the hubs, tags, file pages, feeds and the
graph; see BENCHMARKS.md."""
BATCH = 16
"""Notes per answer: a pipe write and an unpickling per batch, not per note."""
SILENCE = 300.0
"""Seconds without an answer after which the child counts as hung (a batch takes well under
a second; a note's embeds are bounded by ``embed_budget_bytes``)."""
_HEADER = struct.Struct("!Q")


class BodyShare:
    """The forked child, and the pages it laid out as the parent takes them."""

    def __init__(self, pid: int, jobs: int, answers: int) -> None:
        self.pid = pid
        self._jobs: int | None = jobs
        self._answers: int | None = answers
        self._buffer = bytearray()
        self._done: dict[str, NotePage] = {}
        self.assigned: set[str] = set()
        """Vault paths of the notes the child lays out (empty until `start`)."""
        self.status: int | None = None
        """The child's exit status, once reaped."""
        self.waited = 0.0
        """Seconds the parent waited for the child's answers (bench/: is `SHARE` right?)."""
        self.message: str | None = None
        """Why the child stopped before answering for all its notes, if it did."""

    @classmethod
    def fork(
        cls, view: PublicView, evidence: Evidence, options: Options, *, expected: int
    ) -> BodyShare | None:
        """A child forked now, when about ``expected`` notes will be rendered (at least
        `MIN_NOTES`) and forking is safe here; else None (the render is serial)."""
        if expected < max(MIN_NOTES, 2) or not may_fork(grace=0.1):
            return None
        jobs_read, jobs_write = os.pipe()
        answers_read, answers_write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (jobs_read, jobs_write, answers_read, answers_write):
                os.close(fd)
            return None
        if pid == 0:  # the child: never returns into the parent's stack
            status = 1
            try:
                os.close(jobs_write)
                os.close(answers_read)
                gc.freeze()  # inherited objects stay out of the collector's (copying) walks
                _serve(view, evidence, options, jobs_read, answers_write)
                status = 0
            finally:
                # No atexit handlers, no flushing of the parent's buffered output, no
                # `finally` of the parent's (a lock released, a cache written) run twice.
                os._exit(status)
        os.close(jobs_read)
        os.close(answers_write)
        return cls(pid, jobs_write, answers_read)

    def start(self, facts: SiteFacts, todo: list[tuple[Note, str]]) -> None:
        """Hand the child its share of ``todo`` ((note, docs page) in render order) and what
        their layout reads of the site plan, or nothing when there is too little to share:
        then it exits."""
        if self._jobs is None:
            return
        share = _share(todo) if len(todo) >= max(MIN_NOTES, 2) else []
        job = (facts, [(note.path, page) for note, page in share])
        try:
            with os.fdopen(self._jobs, "wb") as pipe:
                self._jobs = None
                if share:
                    pipe.write(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
        except OSError as error:  # the child is gone: the parent renders everything
            self._stop(f"it could not be given its notes ({error.strerror or error})")
            return
        self.assigned = {note.path for note, _ in share}

    def take(self, path: str) -> NotePage | None:
        """The child's layout of the note at ``path``, or None when the parent must lay it
        out (not the child's, or the child failed)."""
        if path not in self.assigned:
            return None
        while path not in self._done and self.message is None:
            self._receive()
        return self._done.pop(path, None)

    def _receive(self) -> None:
        """Read one batch of answers (or learn that the child failed)."""
        assert self._answers is not None
        while len(self._buffer) < _HEADER.size or len(self._buffer) < _HEADER.size + int(
            _HEADER.unpack_from(self._buffer)[0]
        ):
            started = time.perf_counter()
            ready, _, _ = select.select([self._answers], [], [], SILENCE)
            self.waited += time.perf_counter() - started
            if not ready:
                self._stop(f"it answered nothing for {SILENCE:g} s")
                return
            data = os.read(self._answers, 1 << 20)
            if not data:
                self._stop(_exit_reason(self._reap()))
                return
            self._buffer += data
        size = _HEADER.unpack_from(self._buffer)[0]
        frame = bytes(self._buffer[_HEADER.size : _HEADER.size + size])
        del self._buffer[: _HEADER.size + size]
        try:
            for path, text, copy, features, attempts in pickle.loads(frame):
                self._done[path] = _page(text, copy, features, attempts)
        except Exception as error:  # any malformed answer: the parent renders the rest
            self._stop(f"its answer could not be read ({type(error).__name__})")

    def _stop(self, why: str) -> None:
        self.message = (
            f"the second rendering process stopped: {why}; this process rendered its notes "
            "instead (the site is complete)"
        )
        self.close()

    def close(self) -> None:
        """End the child (whatever it was doing) and release its pipes; idempotent."""
        for name in ("_jobs", "_answers"):
            fd = getattr(self, name)
            if fd is not None:
                setattr(self, name, None)
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._reap(kill=True)

    def _reap(self, kill: bool = False) -> int | None:
        """The child's exit status (a negative signal number) once it has exited; with
        ``kill``, end it first."""
        if self.pid > 0:
            if kill:
                with contextlib.suppress(OSError):
                    os.kill(self.pid, signal.SIGKILL)
            try:
                _, status = os.waitpid(self.pid, 0)
                self.status = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                pass
            self.pid = 0
        return self.status


def _exit_reason(status: int | None) -> str:
    if status is not None and status < 0:
        try:
            return f"it was killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"it was killed by signal {-status}"
    return f"it exited with status {status} before answering for all its notes"


def _share(todo: list[tuple[Note, str]]) -> list[tuple[Note, str]]:
    """The child's notes: spread evenly over ``todo`` (`SHARE` of them), so that both
    processes meet notes of every kind and size and reach the end together."""
    if SHARE >= 1:
        return list(todo)
    taken, credit = [], 0.0
    for item in todo:
        credit += SHARE
        if credit >= 1:
            credit -= 1
            taken.append(item)
    return taken


def _page(text: Any, copy: Any, features: Any, attempts: Any) -> NotePage:
    """A page from the child's answer, its parts checked: anything else raises."""
    from generator.render.note_page import NotePage

    if not isinstance(text, bytes) or not isinstance(copy, bytes):
        raise TypeError("a page is packed text")
    if not all(isinstance(feature, str) for feature in features):
        raise TypeError("features are names")
    found = []
    for code, where, line, message in attempts:
        if not (isinstance(code, str) and isinstance(where, str) and isinstance(message, str)):
            raise TypeError("a finding is text")
        if line is not None and not isinstance(line, int):
            raise TypeError("a finding's line is a number")
        found.append((code, where, line, message))
    return NotePage(text, copy, frozenset(features), found)


def _serve(view: PublicView, evidence: Evidence, options: Options, jobs: int, answers: int) -> None:
    """The child: read the job, lay out its notes in order, answer in batches."""
    from generator.findings import Findings
    from generator.render.note_page import NoteLayout
    from generator.render.pages import page_environment

    with os.fdopen(jobs, "rb") as pipe:
        data = pipe.read()
    if not data:
        return  # nothing to share this time
    facts, notes = pickle.loads(data)
    # Findings are reported again by the parent, in the serial order.
    layout = NoteLayout.build(view, evidence, options, page_environment(), facts, Findings())
    batch: list[tuple[str, bytes, bytes, list[str], list[Any]]] = []
    with os.fdopen(answers, "wb") as pipe:
        for path, page in notes:
            laid = layout.lay_out(view.notes[path], page)
            batch.append((path, laid.text, laid.copy, sorted(laid.features), laid.attempts))
            if len(batch) >= BATCH:
                _send(pipe, batch)
                batch = []  # the texts sent are dropped: the child holds one batch at most
        if batch:
            _send(pipe, batch)


def _send(pipe: Any, batch: list[Any]) -> None:
    frame = pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)
    pipe.write(_HEADER.pack(len(frame)) + frame)
    pipe.flush()
