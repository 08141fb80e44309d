#!/usr/bin/env python3
"""Set up and run Definitive from a fresh checkout, with nothing but Python 3.11+.

    python3 dev.py demo    # run the nightly pipeline on a copy of vault/, site into site/
    python3 dev.py test    # ruff, mypy, then the whole test suite (what CI runs)
    python3 dev.py vendor  # fetch KaTeX and mermaid again into site_templates/assets/vendor/

``demo`` copies vault/ to .demo/vault (git-ignored, replaced on every run, so the repository
stays clean and every demo performs the same real merge of the 4 pending meta articles) and
runs ``definitive nightly --offline`` on it: consolidate, check, build; then says how to open
the site (serve site/ over HTTP).

Both create ``.venv/`` on first use and install the project from pyproject.toml into it
(again whenever pyproject.toml changes). ``test`` also installs Debian's ``chromium`` with
apt-get when it is missing, for the browser tests, and with no arguments runs ``ruff check``
and ``mypy`` before pytest, spread over every core (pytest-xdist). Extra arguments go to the
tool (to pytest for ``test``, which then skips the linters):
``python3 dev.py test -k links``, ``python3 dev.py demo --strict``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
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


# What the site serves for math and diagrams in notes (render.js loads them on the pages that
# have any): npm packages, with their licences. mermaid stays on 11: its 12 bundle is twice
# the size (5.5 MB) for diagram types notes rarely use.
VENDOR = ROOT / "site_templates" / "assets" / "vendor"
VENDORED = {
    "katex": ("0.16.22", ["LICENSE", "dist/katex.min.js", "dist/katex.min.css", "dist/fonts/"]),
    "mermaid": ("11.12.0", ["LICENSE", "dist/mermaid.min.js"]),
}


def vendor() -> int:
    """Fetch each package of `VENDORED` with npm (which checks it against the registry's
    integrity hash) and keep only the files the site serves, fonts as WOFF2 only."""
    npm = shutil.which("npm")
    if npm is None:
        say("npm not found: install Node.js (Debian: apt-get install npm)")
        return 1
    manifest: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (version, wanted) in VENDORED.items():
            out = subprocess.run(
                [npm, "pack", f"{name}@{version}", "--json", "--pack-destination", tmp],
                check=True,
                capture_output=True,
                text=True,
            )
            packed = json.loads(out.stdout)[0]
            target = VENDOR / name
            shutil.rmtree(target, ignore_errors=True)
            with tarfile.open(Path(tmp) / packed["filename"]) as archive:
                for member in archive.getmembers():
                    path = member.name.removeprefix("package/")
                    keep = any(path == w or (w[-1] == "/" and path.startswith(w)) for w in wanted)
                    if not member.isfile() or not keep or path.endswith((".woff", ".ttf")):
                        continue
                    dest = target / path.removeprefix("dist/")
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    source = archive.extractfile(member)
                    assert source is not None
                    dest.write_bytes(source.read())
            manifest[name] = {"version": version, "integrity": packed["integrity"]}
            say(f"{name} {version} -> {target.relative_to(ROOT)}/")
    (VENDOR / "vendored.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "vendor"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    os.chdir(ROOT)
    if command == "vendor":
        return vendor()
    if command == "demo":
        ensure_venv("")
        scratch = ROOT / ".demo" / "vault"
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(ROOT / "vault", scratch, ignore=shutil.ignore_patterns(".definitive"))
        say(f"consolidating a scratch copy of vault/ in {scratch.relative_to(ROOT)}/")
        nightly = [str(BIN / "definitive"), "nightly", "--offline", "--vault", str(scratch)]
        code = subprocess.call([*nightly, "--site-dir", "site", *rest])
        if code == 0:
            say("the demo site is in site/: serve it and open it in a browser:")
            say("  python3 -m http.server -d site 8000    # then open http://127.0.0.1:8000/")
        return code
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
