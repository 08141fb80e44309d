"""Throughput of the secret scan over a built site, in MB/s.

Reads every file the site scan reads (Material's own bundles excepted) into
memory first, so that the figure is the scan's and not the disk's, then scans them all with
`generator.secrets.scan_file_bytes` (secrets; with ``--personal`` emails and phone numbers
too). ``--old REV`` also times the scan as it was at a commit before generator/secrets.py
(``generator/publish/secrets.py``'s ``scan_bytes``, taken from ``git show``), on the same
bytes.

Usage::

    python bench/synth_vault.py --notes 5000 --vault /tmp/v
    definitive build --vault /tmp/v --site-dir /tmp/site
    python bench/secret_scan.py /tmp/site [--old bb86644] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from generator import secrets  # noqa: E402


def site_files(site: Path) -> list[tuple[bytes, bool]]:
    """(bytes, whether to inflate compressed parts) for each file the site scan reads."""
    data = []
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if not path.is_file() or secrets._is_theme_file(path, rel):
            continue
        data.append((path.read_bytes(), not secrets.PAGEFIND_FILES.match(rel)))
    return data


def old_scanner(rev: str) -> Callable[[bytes], object]:
    source = subprocess.run(
        ["git", "show", f"{rev}:generator/publish/secrets.py"],
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    folder = Path(tempfile.mkdtemp(prefix="old-secrets-"))
    (folder / "old_secrets.py").write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_secrets", folder / "old_secrets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_secrets"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.scan_bytes  # type: ignore[no-any-return]


def timed(
    label: str, files: list[tuple[bytes, bool]], scan: Callable[[bytes, bool], object], repeat: int
) -> None:
    size = sum(len(data) for data, _ in files) / 1e6
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for data, expand in files:
            scan(data, expand)
        best = min(best, time.perf_counter() - started)
    print(f"{label:40s} {size:7.1f} MB  {best:6.2f} s  {size / best:6.0f} MB/s (best of {repeat})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--old", metavar="REV", help="also time the scan at this commit")
    parser.add_argument("--personal", action="store_true", help="emails and phones too")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = site_files(args.site)
    print(f"{len(files)} files")
    secrets._engine()  # compiled once, as in a build
    if args.old:
        old = old_scanner(args.old)
        timed(f"old scan ({args.old})", files, lambda data, _: old(data), args.repeat)
    timed(
        "generator.secrets (every file)",
        files,
        lambda data, expand: secrets.scan_file_bytes(data, personal=args.personal, expand=expand),
        args.repeat,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
