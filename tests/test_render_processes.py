"""Note pages laid out in two processes (render/body_worker.py) give the site a serial render
gives, byte for byte, and a second process that dies or hangs only means the first lays out
its notes.

The builds run as ``definitive -v build`` in fresh processes: the worker is a fork, which
`generator.processes.may_fork` refuses while another thread is alive (pytest-xdist's own), and
its threshold is lowered (and its batches made one note) by a small driver script.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PLAIN_ENV, ROOT, write_vault

DRIVER = """
import os, sys, time
from generator.render import body_worker, note_page
mode = sys.argv[1]
body_worker.MIN_NOTES = 10**9 if mode == "serial" else 2
body_worker.BATCH = 1
build = os.getpid()
lay_out = note_page.NoteLayout.lay_out
def told(self, note, page):
    if os.getpid() != build:  # the second process says which notes it laid out
        os.write(2, f"second process: {note.path}\\n".encode())
    return lay_out(self, note, page)
note_page.NoteLayout.lay_out = told
claim = body_worker.BodyShare.claim
def later(self):
    # The build process claims notes only once the second one has claimed its first ten (two
    # when it is to fail holding its second), however busy the machine: each then surely
    # lays out some, the second from the front.
    first = 10 if mode == "shared" else 2
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        low, high = body_worker._BOUNDS.unpack_from(self._claims._memory, 0)
        if low >= min(first, high):
            break
        time.sleep(0.005)
    return claim(self)
body_worker.BodyShare.claim = later
calls = []
real = body_worker._send
def failing(pipe, batch):
    calls.append(batch)
    if len(calls) == 2:  # with its second note claimed and laid out, before answering for it
        if mode == "dying":
            os._exit(3)
        if mode == "hung":
            time.sleep(120)
    real(pipe, batch)
body_worker._send = failing
body_worker.SILENCE = 0.5
from importlib import import_module
emit = import_module("generator.render.emit")  # the package's `emit` is the function
write = emit.FreshTree.write
def said(self, page, text, copy):
    os.write(2, f"written as laid out: {page}\\n".encode())
    return write(self, page, text, copy)
emit.FreshTree.write = said
if mode == "emitted":  # every page written by emit after the render, as a rebuild does
    emit.FreshTree.at = classmethod(lambda cls, docs, cache: None)
    body_worker.MIN_NOTES = 10**9
pipeline = import_module("generator.pipeline")
plan_site = pipeline.plan_site
import inspect
def counting(*args, **kwargs):  # the progress bar's steps, as it is moved
    bound = inspect.signature(plan_site).bind(*args, **kwargs)
    advance = bound.arguments.get("advance")
    def moved(steps):
        os.write(2, f"progress: {steps}\\n".encode())
        advance(steps)
    if advance is not None:
        bound.arguments["advance"] = moved
    return plan_site(*bound.args, **bound.kwargs)
pipeline.plan_site = counting
from generator.cli import main
sys.exit(main(sys.argv[2:]))
"""

CONFIG = """\
site_name: Two processes
theme:
  name: material
extra:
  definitive:
    search: false
    embed_budget_bytes: 900
"""


def _note(n: int) -> str:
    """A note whose body uses what per-page render state numbers or counts: embeds (ids
    inside them, the page's embed budget), footnotes, math, block ids, headings that repeat,
    a broken link (a finding) and a note embedded on many pages."""
    other = f"Note {(n + 1) % 12:02d}"
    return f"""\
    # Note {n:02d}

    Text with a footnote[^a] and another[^b], $x^{n}$ inline and a [[Missing {n % 3}]] link.

    ## Part

    A paragraph with a block id. ^p{n}

    $$
    \\sum_{{i=0}}^{{{n}}} i
    $$

    ![[{other}#Part]]

    ![[{other}#^p{(n + 1) % 12}]]

    ![[Shared]]

    ## Part

    - a list item
    - another ^l{n}

    [^a]: The first footnote of note {n}.
    [^b]: The second, with [[{other}]].
    """


def _run(day: int, outcome: str) -> str:
    return f"""\
    ---
    type: meta
    article: "[[Grading]]"
    agent: "[[Grader]]"
    date: 2026-11-{day:02d}
    outcome: {outcome}
    tokens_in: 9000
    tokens_out: 1500
    cost_usd: 0.05
    duration_s: 40
    model: claude-sonnet-4-5
    tags: [grading]
    ---
    ## What was done
    Graded a draft against [[A props]].

    ## Learnings
    - Read the brief first.
    """


PROOF = {
    "articles/Grading.md": """\
    ---
    type: definitive
    agent: "[[Grader]]"
    description: "Grade a draft against the rubric."
    tags: [grading]
    ---
    # Grading

    Grade every draft against [[A props]].

    ## Learnings
    - Read the brief. ([[2026-11-01 Grader grades a]], [[2026-11-03 Grader grades c]]) ^l-brief
    - Score one criterion at a time. ([[2026-11-02 Grader grades b]]) ^l-one-at-a-time
    """,
    "agents/Grader.md": """\
    ---
    type: agent
    job: "Grades drafts."
    skills: ["[[Grading]]"]
    ---
    # Grader

    Grades drafts for [[Grading]].
    """,
    "notes/A props.md": """\
    ---
    owner: "[[Grader]]"
    reviewed: true
    archived: false
    budget_usd: 0.0884
    aliases: [Properties]
    tags: [rubric, team/editorial]
    steps: [read, "[[Note 03]]", score]
    ---
    Frontmatter shown as properties, and no heading of its own: its title is made.
    """,
    **{
        f"meta/2026-11-{day:02d} Grader grades {name}.md": _run(day, outcome)
        for day, name, outcome in ((1, "a", "success"), (2, "b", "failure"), (3, "c", "success"))
    },
}
"""A definitive article with its runs (run cards, proof sections, learnings annotated with
their runs), its agent, and a note with properties, tags and backlinks."""


EXTRA = {
    f"notes/Later {n}.md": f"# Later {n}\n\nSee [[Note {n:02d}]]: ![[Shared]][^x]\n\n[^x]: Hi.\n"
    for n in range(12)
}
"""Notes added after a first build: the next build keeps most pages and renders a few (those
and the pages whose backlinks change), so the second process gets its notes only once the
pages' fingerprints are worked out. As many as the pages the first build recorded beyond its
notes (hubs and tags), which the render step counts as kept when it decides to fork."""


@dataclass
class Build:
    outputs: dict[str, bytes]
    log: str


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Build]:
    """Each mode's outputs from the same vault; "serial+" and "shared+" after EXTRA."""
    base = tmp_path_factory.mktemp("processes")
    files = {f"notes/Note {n:02d}.md": _note(n) for n in range(12)}
    files["notes/Shared.md"] = "# Shared\n\nEmbedded everywhere[^s], with $y$.\n\n[^s]: Its own.\n"
    files["notes/Long.md"] = "# Long\n\n" + "A long paragraph. " * 80 + "\n\n![[Shared]]\n"
    files.update(PROOF)
    results: dict[str, Build] = {}
    for mode in ("serial", "shared", "dying", "hung", "emitted"):
        work = base / mode
        write_vault(work / "vault", files)
        (work / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
        results[mode] = _build(work, mode, base)
        if mode in ("serial", "shared"):
            write_vault(work / "vault", dict(EXTRA))
            results[f"{mode}+"] = _build(work, mode, base)
    return results


def _build(work: Path, mode: str, home: Path) -> Build:
    command = [sys.executable, "-c", DRIVER, mode, "-v", "build", "--vault", "vault"]
    done = subprocess.run(
        [*command, "--site-dir", "site"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        env={**PLAIN_ENV, "PYTHONPATH": str(ROOT), "HOME": str(home)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return Build(_outputs(work), done.stdout + done.stderr)


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _outputs(work: Path) -> dict[str, bytes]:
    """The site, and the docs tree and markdown copies it was built from."""
    cache = work / "vault" / ".definitive" / "cache"
    out = {f"site/{k}": v for k, v in _tree(work / "site").items()}
    for name in ("docs", "markdown", "render.json", "manifest.json"):
        path = cache / name
        if path.is_file():
            out[f"cache/{name}"] = path.read_bytes()
        elif path.is_dir():
            out.update({f"cache/{name}/{k}": v for k, v in _tree(path).items()})
    return out


def _findings(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": warning " in line or ": info " in line]


def _same(mine: Build, theirs: Build) -> None:
    assert sorted(mine.outputs) == sorted(theirs.outputs)
    assert [k for k in theirs.outputs if theirs.outputs[k] != mine.outputs[k]] == []
    # The findings (a broken link per note, the embed budget) are the same, in the same order.
    assert _findings(mine.log) == _findings(theirs.log)


def test_two_processes_render_the_site_a_serial_render_does(builds) -> None:
    serial, shared = builds["serial"], builds["shared"]
    assert "Note pages laid out in 2 processes" in shared.log
    assert "Note pages laid out in" not in serial.log
    assert any(k.startswith("cache/docs/") for k in serial.outputs)
    _same(shared, serial)
    assert any("link-broken" in line for line in _findings(serial.log))
    assert any("embed-budget" in line for line in _findings(serial.log))
    # The per-page render state was exercised in both halves (the notes in path order go to
    # the two processes in turn): footnote ids numbered inside embeds, block anchors, math,
    # embeds cut by the depth and size limits.
    for n in range(12):
        page = shared.outputs[f"site/notes/note-{n:02d}/index.html"].decode("utf-8")
        assert 'id="user-content-fn:1"' in page and 'id="user-content-fn:e' in page
        assert f'id="user-content-^p{n}"' in page and f'id="user-content-^l{n}"' in page
        assert "dfn-math" in page
        assert "embed size limit" in page and "embed depth limit" in page


def test_the_second_process_lays_out_whole_pages(builds) -> None:
    """Pages of every kind laid out by the second process are the serial render's (the
    comparison above), and show what their layout adds around the body."""
    shared, serial = builds["shared"], builds["serial"]
    second = {
        line.split(": ", 1)[1] for line in shared.log.splitlines() if "second process: " in line
    }
    wanted = {
        "articles/Grading.md",
        "meta/2026-11-02 Grader grades b.md",
        "notes/A props.md",
        "notes/Note 01.md",
    }
    assert wanted <= second, second  # it lays out from the first note (in path order) on
    assert "notes/Shared.md" not in second  # the build process from the last one back

    def page(path: str) -> str:
        text = shared.outputs[f"site/{path}/index.html"].decode("utf-8")
        assert text == serial.outputs[f"site/{path}/index.html"].decode("utf-8")
        return text

    article = page("articles/grading")
    assert "dfn-proof" in article and "dfn-listing" in article  # status header, track record
    assert 'class="dfn-support"' in article and "2 runs support" in article  # annotated
    run = page("meta/2026-11-02-grader-grades-b")
    assert 'class="dfn-card' in run
    props = page("notes/a-props")
    assert 'class="dfn-properties' in props and "$0.0884" in props and "dfn-checkbox" in props
    assert 'href="../note-03/"' in props  # a wikilink in a property
    assert 'class="dfn-tags' in props and "team/editorial" in props
    assert props.count('class="dfn-backlink-list') == 1 and "grader-grades-c" in props
    assert '<a name="a-props"></a>A props<a class="headerlink"' in props  # made from its name
    note = page("notes/note-01")
    assert '<a name="note-01"></a>Note 01<a class="headerlink"' in note  # its own heading
    copy = shared.outputs["cache/markdown/notes/a-props.md"].decode("utf-8")
    assert "\n# A props\n" in copy and "\n## Backlinks\n" in copy and "grader-grades-c" in copy
    copy = shared.outputs["cache/markdown/notes/note-01.md"].decode("utf-8")
    assert "\n# Note 01\n" in copy and "[^a]: The first footnote of note 1." in copy


def test_pages_written_as_they_are_laid_out_are_the_ones_emit_writes(builds) -> None:
    """A first build writes note pages and their copies as each process lays them out (no
    docs tree yet): the docs tree, the copies, the manifest and the memo are the ones emit
    writes after the render step, as every other build does."""
    emitted = builds["emitted"]
    assert "Note pages laid out in" not in emitted.log
    assert "written as laid out" not in emitted.log
    for mode in ("serial", "shared"):
        assert "written as laid out: notes/note-00.md" in builds[mode].log
        assert "written as laid out" not in builds[f"{mode}+"].log  # a rebuild: emit writes
    assert "cache/manifest.json" in emitted.outputs and "cache/render.json" in emitted.outputs
    _same(builds["serial"], emitted)
    _same(builds["shared"], emitted)


def _progress(log: str) -> list[int]:
    return [int(line.split(": ")[1]) for line in log.splitlines() if line.startswith("progress: ")]


def test_the_progress_bar_counts_each_note_once_as_either_process_lays_it_out(builds) -> None:
    notes = len(PROOF) + 14  # the vault's notes: PROOF's, twelve numbered, Shared and Long
    for mode in ("serial", "shared", "dying", "hung", "emitted"):
        assert sum(_progress(builds[mode].log)) == notes, mode
    # The second process's pages move the bar as they come, not all at once at the end: the
    # build process, which starts claiming once the second one has claimed ten, counts the
    # pages it finds answered with its own.
    steps = _progress(builds["shared"].log)
    assert max(steps) > 1, steps  # one step a page (all 1) when they were counted at the end


def test_a_build_that_keeps_pages_shares_the_rest_the_same_way(builds) -> None:
    serial, shared = builds["serial+"], builds["shared+"]
    assert "Note pages laid out in 2 processes" in shared.log
    assert "site/notes/later-3/index.html" in shared.outputs
    _same(shared, serial)


def test_a_second_process_that_dies_leaves_the_same_site_and_says_so(builds) -> None:
    dying = builds["dying"]
    assert "the second rendering process stopped: it exited with status 3" in dying.log
    assert "Note pages laid out in 2 processes" not in dying.log
    _same(dying, builds["serial"])


def test_a_hung_second_process_is_ended_and_its_notes_rendered_here(builds) -> None:
    hung = builds["hung"]
    assert "the second rendering process stopped: it answered nothing for 0.5 s" in hung.log
    _same(hung, builds["serial"])


def test_no_fork_beside_another_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """A thread alive at the fork (rich's progress refresh, say) could hold a lock the child
    then waits on for ever: the render stays serial."""
    from generator import processes

    monkeypatch.setattr(processes, "cpu_count", lambda: 2)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not processes.may_fork()
    finally:
        stop.set()
        thread.join()
