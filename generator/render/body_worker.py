"""A second process lays out part of the note pages of a build that renders many notes.

Laying out a note's page (render/note_page.py: its body rendered by markdown-it, its proof
sections, properties, backlinks and page information, the page template, the markdown copy)
is most of the render step of a cold build, one note at a time while the other core idles.
`BodyShare` forks the build process once the analysis is done, before the render step's
progress bar starts its refresh thread (`generator.processes.may_fork`); the child waits for
the notes to lay out, which `plan_site` hands over once it knows which notes it will render
and where each page goes (with the rest of what a layout reads: `SiteFacts`). Both processes
then lay out pages with the same `NoteLayout`, the child from the first note on and the
parent from the last one back, each claiming its next note under a lock they share
(`_Claims`), until they meet: neither idles while the other still has notes, whatever else
the machine is running, and no share has to be tuned. The parent lays out the site's other
pages (hubs, tags, feeds, the graph) before its first note, while the child lays out notes
alone, so the two meet at the end of the step. The child answers in batches with each page
and markdown copy already compressed as the site plan holds them (`render.texts.pack`), or,
into a docs tree no build recorded yet (render/emit.py `FreshTree`: a first or cold build),
writes them itself and answers with the page's digest; with its features and the findings it
reported. It never waits on a full pipe (`_Outbox`). `plan_site` then takes every note's page
in order and reports the findings in that order, so the site and the findings are the ones a
serial render makes, byte for byte.

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
the parent lays out those notes itself (and writes them again over any the child wrote: the
child is killed and reaped first); `message` says why, for the build's report.
"""

from __future__ import annotations

import contextlib
import gc
import mmap
import multiprocessing
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
    from generator.render.emit import FreshTree
    from generator.render.note_page import NotePage, SiteFacts

MIN_NOTES = 400
"""Below this many notes to render (a nightly rebuild renders about 40), the fork, the job
and the answers cost about what the second core saves."""
BATCH = 16
"""Notes per answer: a pipe write and an unpickling per batch, not per note."""
SILENCE = 300.0
"""Seconds without an answer after which the child counts as hung (a batch takes well under
a second; a note's embeds are bounded by ``embed_budget_bytes``)."""
CLAIM_WAIT = 30.0
"""Seconds a process waits for the claims' lock (held for microseconds) before it gives up
on the other: the other was killed while holding it."""
_HEADER = struct.Struct("!Q")
_BOUNDS = struct.Struct("qq")


class _Claims:
    """The notes not claimed yet, ``todo[low:high]``, in memory both processes share, under
    a lock: the child claims from the front, the parent from the back. Made before the fork
    (an anonymous shared mapping and a semaphore; no thread, no helper process)."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, _BOUNDS.size)
        self._lock = multiprocessing.get_context("fork").Lock()

    def reset(self, count: int) -> None:
        _BOUNDS.pack_into(self._memory, 0, 0, count)

    def claim(self, *, front: bool) -> int | None:
        """The index claimed; None when none is left, or the lock could not be had."""
        if not self._lock.acquire(timeout=CLAIM_WAIT):
            raise TimeoutError
        try:
            low, high = _BOUNDS.unpack_from(self._memory, 0)
            if low >= high:
                return None
            if front:
                _BOUNDS.pack_into(self._memory, 0, low + 1, high)
                return int(low)
            _BOUNDS.pack_into(self._memory, 0, low, high - 1)
            return int(high - 1)
        finally:
            self._lock.release()

    def front(self) -> int:
        """How many notes the child has claimed (once the parent stopped claiming)."""
        return int(_BOUNDS.unpack_from(self._memory, 0)[0])


class BodyShare:
    """The forked child, and the pages it laid out as the parent takes them."""

    def __init__(self, pid: int, jobs: int, answers: int, claims: _Claims) -> None:
        self.pid = pid
        self._jobs: int | None = jobs
        self._answers: int | None = answers
        self._claims = claims
        self._buffer = bytearray()
        self._done: dict[int, NotePage] = {}
        self._shared = False
        self._claimed: int | None = None
        """How many notes the child claimed, once the parent stopped claiming."""
        self.taken = 0
        """Pages the parent took from the child."""
        self.answered: list[int] = []
        """The notes (indexes in ``todo``) the child's pages read so far are of, in order:
        the progress bar counts them as they come."""
        self.status: int | None = None
        """The child's exit status, once reaped."""
        self.waited = 0.0
        """Seconds the parent waited for the child's answers (bench/)."""
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
        claims = _Claims()
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
                _serve(view, evidence, options, claims, jobs_read, answers_write)
                status = 0
            finally:
                # No atexit handlers, no flushing of the parent's buffered output, no
                # `finally` of the parent's (a lock released, a cache written) run twice.
                os._exit(status)
        os.close(jobs_read)
        os.close(answers_write)
        return cls(pid, jobs_write, answers_read, claims)

    def start(
        self, facts: SiteFacts, todo: list[tuple[Note, str]], tree: FreshTree | None = None
    ) -> None:
        """Hand the child ``todo`` ((note, docs page) in render order) and what their layout
        reads of the site plan, or nothing when there is too little to share: then it
        exits. From now on both processes claim notes of ``todo`` by index. With ``tree``,
        each process writes the pages it lays out there (and the child answers with their
        digests)."""
        if self._jobs is None:
            return
        shared = len(todo) >= max(MIN_NOTES, 2)
        self._claims.reset(len(todo) if shared else 0)
        job = (facts, [(note.path, page) for note, page in todo], tree)
        try:
            with os.fdopen(self._jobs, "wb") as pipe:
                self._jobs = None
                if shared:
                    pipe.write(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
        except OSError as error:  # the child is gone: the parent lays out everything
            self._stop(f"it could not be given its notes ({error.strerror or error})")
            return
        self._shared = shared

    def claim(self) -> int | None:
        """The next note (its index in ``todo``) the parent lays out, from the back; None
        once the two processes met (or the child failed: the parent then lays out what is
        left in order)."""
        if not self._shared or self.message is not None:
            return None
        try:
            index = self._claims.claim(front=False)
        except TimeoutError:
            self._stop(f"the notes' lock was held for {CLAIM_WAIT:g} s")
            return None
        if index is None:
            self._claimed = self._claims.front()
        return index

    def poll(self) -> None:
        """Read what the child has answered so far, without waiting: its pipe must not fill
        up (the child would wait instead of working)."""
        while self._answers is not None and self.message is None:
            ready, _, _ = select.select([self._answers], [], [], 0)
            if not ready or not self._read():
                return
            self._frames()

    def take(self, index: int) -> NotePage | None:
        """The child's page of ``todo[index]``, or None when the parent must lay it out
        (the child did not claim it, or failed)."""
        if self._claimed is None or index >= self._claimed:
            return None
        while index not in self._done and self.message is None:
            if self._answers is None:  # it ended, done, but this note is not answered
                self._stop("it ended without answering for all its notes")
                break
            started = time.perf_counter()
            ready, _, _ = select.select([self._answers], [], [], SILENCE)
            self.waited += time.perf_counter() - started
            if not ready:
                self._stop(f"it answered nothing for {SILENCE:g} s")
            elif self._read():
                self._frames()
        page = self._done.pop(index, None)
        self.taken += page is not None
        return page

    def _read(self) -> bool:
        """Read what the pipe holds; False at its end: the child ended, either done (it
        stops once no note is left to claim, after its last answer) or failing (then it
        is stopped, and `message` says why)."""
        assert self._answers is not None
        data = os.read(self._answers, 1 << 20)
        if data:
            self._buffer += data
            return True
        status = self._reap()
        if status == 0:
            os.close(self._answers)
            self._answers = None
        else:
            self._stop(_exit_reason(status))
        return False

    def _frames(self) -> None:
        """Take every whole batch of answers read so far."""
        while len(self._buffer) >= _HEADER.size and self.message is None:
            size = _HEADER.unpack_from(self._buffer)[0]
            if len(self._buffer) < _HEADER.size + size:
                return
            frame = bytes(self._buffer[_HEADER.size : _HEADER.size + size])
            del self._buffer[: _HEADER.size + size]
            try:
                for index, text, copy, features, attempts, written in pickle.loads(frame):
                    if not isinstance(index, int):
                        raise TypeError("an index is a number")
                    if index not in self._done:
                        self.answered.append(index)
                    self._done[index] = _page(text, copy, features, attempts, written)
            except Exception as error:  # any malformed answer: the parent lays out the rest
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


def _page(text: Any, copy: Any, features: Any, attempts: Any, written: Any) -> NotePage:
    """A page from the child's answer, its parts checked: anything else raises."""
    from generator.render.note_page import NotePage

    if not isinstance(text, bytes) or not isinstance(copy, bytes):
        raise TypeError("a page is packed text")
    if written is not None and not (isinstance(written, str) and len(written) == 64):
        raise TypeError("a written page's digest is SHA-256")
    if not all(isinstance(feature, str) for feature in features):
        raise TypeError("features are names")
    found = []
    for code, where, line, message in attempts:
        if not (isinstance(code, str) and isinstance(where, str) and isinstance(message, str)):
            raise TypeError("a finding is text")
        if line is not None and not isinstance(line, int):
            raise TypeError("a finding's line is a number")
        found.append((code, where, line, message))
    return NotePage(text, copy, frozenset(features), found, written)


def _serve(
    view: PublicView,
    evidence: Evidence,
    options: Options,
    claims: _Claims,
    jobs: int,
    answers: int,
) -> None:
    """The child: read the job, lay out notes from the front while any are left, answer in
    batches."""
    from generator.render.note_page import NoteLayout
    from generator.render.pages import page_environment

    with os.fdopen(jobs, "rb") as pipe:
        data = pipe.read()
    if not data:
        return  # nothing to share this time
    facts, notes, tree = pickle.loads(data)
    layout = NoteLayout.build(view, evidence, options, page_environment(), facts, tree)
    batch: list[tuple[int, bytes, bytes, list[str], list[Any], str | None]] = []
    outbox = _Outbox(answers)
    while (index := claims.claim(front=True)) is not None:
        path, page = notes[index]
        laid = layout.lay_out(view.notes[path], page)
        answer = (laid.text, laid.copy, sorted(laid.features), laid.attempts, laid.written)
        batch.append((index, *answer))
        if len(batch) >= BATCH:
            _send(outbox, batch)
            batch = []
    if batch:
        _send(outbox, batch)
    outbox.close()


class _Outbox:
    """The child's end of the answers pipe, written without waiting: while the parent lays
    out the site's other pages (hubs, tags, the graph) it reads no answer, and a full pipe
    must not stop the child. What the pipe cannot take yet waits here (with pages written
    into a `FreshTree`, an answer is its digest: about 150 bytes a note)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pending = bytearray()
        os.set_blocking(fd, False)

    def put(self, data: bytes) -> None:
        self.pending += data
        try:
            while self.pending:
                del self.pending[: os.write(self.fd, self.pending)]
        except BlockingIOError:
            pass  # the rest goes with the next answer, or at `close`

    def close(self) -> None:
        os.set_blocking(self.fd, True)
        while self.pending:
            del self.pending[: os.write(self.fd, self.pending)]
        os.close(self.fd)


def _send(pipe: _Outbox, batch: list[Any]) -> None:
    frame = pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)
    pipe.put(_HEADER.pack(len(frame)) + frame)
