"""Note bodies rendered in two processes (render/body_worker.py) give the site a serial render
gives, byte for byte, and a second process that dies or hangs only means the first renders
its notes.

The builds run as ``definitive -v build`` in fresh processes: the worker is a fork, which
`generator.processes.may_fork` refuses while another thread is alive (pytest-xdist's own), and
its threshold is lowered (and its batches made one note) by a small driver script.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import PLAIN_ENV, ROOT, write_vault

DRIVER = """
import os, sys
from generator.render import body_worker
mode = sys.argv[1]
body_worker.MIN_NOTES = 10**9 if mode == "serial" else 2
body_worker.BATCH = 1
if mode == "dying":
    real = body_worker._send
    def dying(pipe, batch):
        real(pipe, batch)
        os._exit(3)  # after its first note's answer
    body_worker._send = dying
if mode == "hung":
    import time
    body_worker.SILENCE = 0.5
    real = body_worker._send
    def hung(pipe, batch):
        real(pipe, batch)
        time.sleep(120)  # after its first note's answer
    body_worker._send = hung
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


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """Each mode's work folder and its output, from the same vault."""
    base = tmp_path_factory.mktemp("processes")
    files = {f"notes/Note {n:02d}.md": _note(n) for n in range(12)}
    files["notes/Shared.md"] = "# Shared\n\nEmbedded everywhere[^s], with $y$.\n\n[^s]: Its own.\n"
    files["notes/Long.md"] = "# Long\n\n" + "A long paragraph. " * 80 + "\n\n![[Shared]]\n"
    results: dict[str, tuple[Path, str]] = {}
    for mode in ("serial", "shared", "dying", "hung"):
        work = base / mode
        write_vault(work / "vault", files)
        (work / "mkdocs.yml").write_text(CONFIG, encoding="utf-8")
        command = [sys.executable, "-c", DRIVER, mode, "-v", "build", "--vault", "vault"]
        env = {**PLAIN_ENV, "PYTHONPATH": str(ROOT), "HOME": str(base)}
        done = subprocess.run(
            [*command, "--site-dir", "site"],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        results[mode] = (work, done.stdout + done.stderr)
    return results


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
    for name in ("docs", "copies", "render.json"):
        path = cache / name
        if path.is_file():
            out[f"cache/{name}"] = path.read_bytes()
        elif path.is_dir():
            out.update({f"cache/{name}/{k}": v for k, v in _tree(path).items()})
    return out


def _findings(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": warning " in line or ": info " in line]


def test_two_processes_render_the_site_a_serial_render_does(builds) -> None:
    serial_dir, serial_out = builds["serial"]
    shared_dir, shared_out = builds["shared"]
    assert "Note bodies rendered in 2 processes" in shared_out
    assert "Note bodies rendered in" not in serial_out
    serial, shared = _outputs(serial_dir), _outputs(shared_dir)
    assert any(k.startswith("cache/docs/") for k in serial)
    assert sorted(shared) == sorted(serial)
    assert [k for k in serial if serial[k] != shared[k]] == []
    # The per-page render state was exercised in both halves (the notes in path order go to
    # the two processes in turn): footnote ids numbered inside embeds, block anchors, math,
    # embeds cut by the depth and size limits.
    for n in range(12):
        page = (shared_dir / "site" / "notes" / f"note-{n:02d}" / "index.html").read_text("utf-8")
        assert 'id="user-content-fn:1"' in page and 'id="user-content-fn:e' in page
        assert f'id="user-content-^p{n}"' in page and f'id="user-content-^l{n}"' in page
        assert "dfn-math" in page
        assert "embed size limit" in page and "embed depth limit" in page
    # The findings (a broken link per note, the embed budget) are the same, in the same order.
    assert _findings(shared_out) == _findings(serial_out)
    assert any("link-broken" in line for line in _findings(serial_out))
    assert any("embed-budget" in line for line in _findings(serial_out))


def test_a_second_process_that_dies_leaves_the_same_site_and_says_so(builds) -> None:
    serial_dir, serial_out = builds["serial"]
    dying_dir, dying_out = builds["dying"]
    assert "the second rendering process stopped: it exited with status 3" in dying_out
    assert "Note bodies rendered in 2 processes" not in dying_out
    serial, dying = _outputs(serial_dir), _outputs(dying_dir)
    assert sorted(dying) == sorted(serial)
    assert [k for k in serial if serial[k] != dying[k]] == []
    assert _findings(dying_out) == _findings(serial_out)


def test_a_hung_second_process_is_ended_and_its_notes_rendered_here(builds) -> None:
    serial_dir, serial_out = builds["serial"]
    hung_dir, hung_out = builds["hung"]
    assert "the second rendering process stopped: it answered nothing for 0.5 s" in hung_out
    serial, hung = _outputs(serial_dir), _outputs(hung_dir)
    assert sorted(hung) == sorted(serial)
    assert [k for k in serial if serial[k] != hung[k]] == []
    assert _findings(hung_out) == _findings(serial_out)


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
