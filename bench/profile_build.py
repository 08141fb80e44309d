"""Profile a cold ``definitive build`` of a synthetic vault with cProfile, stage by stage.

Runs the same pipeline as ``python -m generator build`` (generator.pipeline.build), in this
process under cProfile, with a step hook that times each stage (load, resolve links, render,
write docs tree, MkDocs). Then splits the MkDocs stage into its parts (markdown conversion,
Jinja page templates, search plugin, file writes, ...) by cumulative time, and lists the hot
spots inside ``generator/``.

    .venv/bin/python bench/profile_build.py --notes 5000 [--top 25] [--keep DIR]

Writes bench/out/profile-<N>.pstats (open with ``python -m pstats``) and profile-<N>.txt.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import synth_vault  # noqa: E402


def _search(file: str) -> bool:
    """MkDocs' search plugin, or Material's (which replaces it under theme: material)."""
    return "mkdocs/contrib/search/" in file or "material/plugins/search/" in file


# MkDocs' parts over cumulative time: (label, predicate on (file, function)), or
# (label, (callee file suffix, callee, caller file suffix, caller)) for one call edge.
MKDOCS_PARTS = [
    (
        "markdown -> HTML, all of Page.render",
        lambda f, n: f.endswith("mkdocs/structure/pages.py") and n == "render",
    ),
    (
        "Jinja page templates (Template.render called by _build_page)",
        ("jinja2/environment.py", "render", "mkdocs/commands/build.py", "_build_page"),
    ),
    (
        "Markdown() instance per page (extensions set up again)",
        ("markdown/core.py", "__init__", "mkdocs/structure/pages.py", "render"),
    ),
    (
        "Markdown.convert (parse + extensions + serialise)",
        ("markdown/core.py", "convert", "mkdocs/structure/pages.py", "render"),
    ),
    (
        "search plugin: on_page_context (index every page)",
        lambda f, n: _search(f) and n == "on_page_context",
    ),
    (
        "search plugin: on_post_build (write search_index.json)",
        lambda f, n: _search(f) and n == "on_post_build",
    ),
    (
        "read sources (Page.read_source)",
        lambda f, n: f.endswith("mkdocs/structure/pages.py") and n == "read_source",
    ),
    (
        "file writes (utils.write_file)",
        lambda f, n: f.endswith("mkdocs/utils/__init__.py") and n == "write_file",
    ),
    (
        "collect files + copy static (get_files / copy_static_files)",
        lambda f, n: f.endswith("mkdocs/structure/files.py") and n == "get_files",
    ),
    (
        "copy theme/static files (File.copy_file)",
        lambda f, n: f.endswith("mkdocs/structure/files.py") and n == "copy_file",
    ),
    (
        "load_config (MkDocs + Material + extensions)",
        lambda f, n: f.endswith("mkdocs/config/base.py") and n == "load_config",
    ),
]


def _cleanup(args: argparse.Namespace, work: Path, source: Path | None) -> None:
    """Remove the scratch vault (unless --keep) and the exported source tree (with --rev)."""
    if not args.keep:
        os.chdir(HERE)
        shutil.rmtree(work, ignore_errors=True)
    if args.rev and source is not None:
        shutil.rmtree(source, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument(
        "--no-profile", action="store_true", help="time the stages only, without cProfile"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="extra.definitive.build_workers (default 1: MkDocs in this process, so the profile "
        "sees it; 0 = one per core)",
    )
    parser.add_argument(
        "--rev", help="profile this git revision (git archive) instead of the working tree"
    )
    args = parser.parse_args()
    if args.rev:
        snapshot = Path(tempfile.mkdtemp(prefix="definitive-rev-"))
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.rev], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(snapshot)], input=archive, check=True)
        sys.path.insert(0, str(snapshot))
        source = snapshot
    else:
        source = ROOT

    work = args.keep or Path(tempfile.mkdtemp(prefix=f"definitive-profile-{args.notes}-"))
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    synth_vault.generate(args.notes, work / "vault", seed=args.seed)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    os.chdir(work)  # no mkdocs.yml here: the built-in default config, as in run_bench.py

    from generator.config import load_settings
    from generator.pipeline import build

    stages: list[tuple[str, float]] = []

    @contextmanager
    def step(name: str, total: int | None = None):
        started = time.perf_counter()
        try:
            yield lambda n: None
        finally:
            stages.append((name, time.perf_counter() - started))

    settings = load_settings(vault="vault", config=None, site_dir="site", strict=False)
    if hasattr(settings.options, "build_workers"):  # older revisions (--rev) have no workers
        settings.options.build_workers = args.workers
    profiler = cProfile.Profile()
    started = time.perf_counter()
    if args.no_profile:
        report = build(settings, step)
        total = time.perf_counter() - started
        print(f"cold build of {args.notes} notes, no profiler: {total:.1f}s")
        for name, seconds in stages:
            print(f"  {name:<28} {seconds:7.2f}s  {100 * seconds / total:5.1f}%")
        stages.clear()
        report = build(settings, step)  # again, nothing changed: what a no-change rebuild does
        print("no-change rebuild, same process:")
        for name, seconds in stages:
            print(f"  {name:<28} {seconds:7.2f}s")
        _cleanup(args, work, source)
        return 0
    profiler.enable()
    report = build(settings, step)
    profiler.disable()
    total = time.perf_counter() - started

    args.out.mkdir(parents=True, exist_ok=True)
    stats_path = args.out / f"profile-{args.notes}.pstats"
    profiler.dump_stats(stats_path)
    stats = pstats.Stats(profiler)
    raw = stats.stats  # type: ignore[attr-defined]

    out = io.StringIO()

    def say(line: str = "") -> None:
        print(line)
        out.write(line + "\n")

    say(f"cold build of {args.notes} notes under cProfile: {total:.1f}s ({report.summary()})")
    say("\n## Stages (wall time under the profiler)")
    for name, seconds in stages:
        say(f"  {name:<28} {seconds:7.2f}s  {100 * seconds / total:5.1f}%")

    def cumulative(pred) -> float:
        total = 0.0
        for (file, _line, func), (_cc, _nc, _tt, ct, callers) in raw.items():
            if callable(pred):
                if pred(file, func):
                    total += ct
            elif file.endswith(pred[0]) and func == pred[1]:
                for (cfile, _cline, cfunc), edge in callers.items():
                    if cfile.endswith(pred[2]) and cfunc == pred[3]:
                        total += edge[3]
        return total

    say("\n## Inside MkDocs (cumulative seconds, summed over matching functions)")
    for label, pred in MKDOCS_PARTS:
        seconds = cumulative(pred)
        if seconds:
            say(f"  {label:<60} {seconds:7.2f}s")

    import generator

    gen = str(Path(generator.__file__).parent)
    say(f"source: {gen}" + (f" (git {args.rev})" if args.rev else ""))

    def ours(file: str) -> bool:
        return file.startswith(gen)

    rows = [(key, value) for key, value in raw.items() if ours(key[0])]
    say(f"\n## generator/ functions by cumulative time (top {args.top})")
    for (file, line, func), (_cc, nc, tt, ct, _) in sorted(rows, key=lambda r: -r[1][3])[
        : args.top
    ]:
        say(
            f"  {ct:7.2f}s cum {tt:6.2f}s own {nc:>9} calls  "
            f"{os.path.relpath(file, source)}:{line} {func}"
        )
    say(f"\n## generator/ functions by own time (top {args.top})")
    for (file, line, func), (_cc, nc, tt, ct, _) in sorted(rows, key=lambda r: -r[1][2])[
        : args.top
    ]:
        say(
            f"  {tt:7.2f}s own {ct:6.2f}s cum {nc:>9} calls  "
            f"{os.path.relpath(file, source)}:{line} {func}"
        )

    say(f"\n## All functions by own time (top {args.top})")
    for (file, line, func), (_cc, nc, tt, ct, _) in sorted(raw.items(), key=lambda r: -r[1][2])[
        : args.top
    ]:
        short = file.split("site-packages/")[-1] if "site-packages/" in file else file
        say(f"  {tt:7.2f}s own {ct:6.2f}s cum {nc:>9} calls  {short}:{line} {func}")

    buf = io.StringIO()
    pstats.Stats(str(stats_path), stream=buf).sort_stats("cumulative").print_stats(60)
    out.write("\n## pstats, sorted by cumulative (top 60)\n" + buf.getvalue())
    buf = io.StringIO()
    pstats.Stats(str(stats_path), stream=buf).sort_stats("tottime").print_stats(60)
    out.write("\n## pstats, sorted by tottime (top 60)\n" + buf.getvalue())
    (args.out / f"profile-{args.notes}.txt").write_text(out.getvalue())
    print(f"\nwrote {stats_path} and {args.out / f'profile-{args.notes}.txt'}")
    _cleanup(args, work, source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
