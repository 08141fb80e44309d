#!/usr/bin/env python3
"""Set up and run Definitive from a fresh checkout, with nothing but Python 3.11+.

    python3 dev.py demo    # run the nightly pipeline on a copy of vault/, site into site/
    python3 dev.py test    # ruff, mypy, then the whole test suite (what CI runs)

``demo`` copies vault/ to .demo/vault (git-ignored, replaced on every run, so the repository
stays clean and every demo performs the same real merge of the 4 pending meta articles) and
runs ``definitive nightly --offline`` on it: consolidate, check, build.

Both create ``.venv/`` on first use and install the project from pyproject.toml into it
(again whenever pyproject.toml changes). ``test`` also installs Debian's ``chromium`` with
apt-get when it is missing, for the browser tests, and with no arguments runs ``ruff check``
and ``mypy`` before pytest, spread over every core (pytest-xdist). Extra arguments go to the
tool (to pytest for ``test``, which then skips the linters):
``python3 dev.py test -k links``, ``python3 dev.py demo --strict``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
CHROMIUM = Path("/usr/bin/chromium")


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def run(*args: str | os.PathLike[str], **kwargs: object) -> None:
    subprocess.run([str(a) for a in args], check=True, **kwargs)  # type: ignore[call-overload]


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs before any install
        sys.exit(f"Definitive needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    marker = VENV / ".definitive-installed"
    if PYTHON.exists() and marker.is_file() and marker.read_text() == wanted:
        return
    if not PYTHON.exists():
        say(f"creating {VENV.name}/")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    say("installing Definitive and its dependencies (first run only)")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}{extras}")
    marker.write_text(wanted)


def ensure_chromium() -> None:
    if CHROMIUM.exists():
        return
    apt = shutil.which("apt-get")
    if apt and os.geteuid() == 0:
        say("installing Debian's chromium for the browser tests")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(apt, "update", "-qq", env=env)
        run(apt, "install", "-y", "-qq", "--no-install-recommends", "chromium", env=env)
        return
    say(
        "chromium not found at /usr/bin/chromium and cannot be installed here "
        "(needs root and apt-get): browser tests will be skipped"
    )


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    if command == "demo":
        ensure_venv("")
        scratch = ROOT / ".demo" / "vault"
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(ROOT / "vault", scratch, ignore=shutil.ignore_patterns(".definitive"))
        say(f"consolidating a scratch copy of vault/ in {scratch.relative_to(ROOT)}/")
        nightly = [str(BIN / "definitive"), "nightly", "--offline", "--vault", str(scratch)]
        return subprocess.call([*nightly, "--site-dir", "site", *rest])
    ensure_venv("[test]")
    ensure_chromium()
    if not rest:  # the whole suite (what CI runs) starts with the linters
        say("ruff check, then mypy")
        for lint in (["ruff", "check", "--quiet", "."], ["mypy"]):
            code = subprocess.call([str(PYTHON), "-m", *lint])
            if code:
                return code
        # One worker per core, a test file per worker at a time (its module fixtures built
        # once): most tests wait on MkDocs, Pagefind or Chromium, so this halves the time.
        rest = ["-n", "auto", "--dist", "loadfile"]
    return subprocess.call([str(PYTHON), "-m", "pytest", *rest])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
