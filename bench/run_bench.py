"""Benchmark ``definitive build`` against plain MkDocs Material on the same synthetic notes.

For each vault size N (default 1000 and 5000), in a fresh temporary folder:

1. generate a synthetic vault (bench/synth_vault.py) and the same notes as a plain docs tree;
2. cold ``definitive build`` (fresh cache): wall time, peak RSS, HTML pages built;
3. no-change rebuild: wall time and files emitted (must be 0);
4. one-change rebuild (a sentence appended to a note a few others link to): time, files emitted;
5. plain ``mkdocs build`` with Material on the plain tree, (a) with a small hub nav like
   Definitive's and (b) with MkDocs' default nav (every page in it), which grows with the
   square of the page count and is skipped when its predicted time exceeds a time box.

Each command runs as a subprocess; its peak RSS comes from ``os.wait4`` (the largest of its
processes), and the peak of all its processes together from sampling /proc every 50 ms.
Results are printed as a table and written to ``bench/out/results-<N>.json``.

    .venv/bin/python bench/run_bench.py --notes 1000 5000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import synth_vault  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
EMITTED_RE = re.compile(r"emitted (\d+) files?, removed (\d+)")
SECONDS_RE = re.compile(r"\(([\d.]+)s\)\s*$", re.M)

# The same theme, features and markdown extensions as Definitive's built-in default config
# (site_templates/mkdocs.default.yml), minus its one-block template override.
BASELINE_CONFIG = """\
site_name: Plain baseline
docs_dir: docs
site_dir: {site_dir}
theme:
  name: material
  font: false
  features:
    - navigation.tabs
    - navigation.top
    - search.highlight
    - content.code.copy
  palette:
    - scheme: default
      primary: indigo
      toggle: {{ icon: material/brightness-7, name: Dark mode }}
    - scheme: slate
      primary: indigo
      toggle: {{ icon: material/brightness-4, name: Light mode }}
plugins:
  - search
markdown_extensions:
  - attr_list
  - md_in_html
  - admonition
  - pymdownx.details
  - pymdownx.superfences
  - pymdownx.highlight
  - pymdownx.tasklist
  - tables
  - footnotes
  - toc:
      permalink: true
validation:
  nav:
    omitted_files: ignore
  links:
    anchors: warn
"""


# --- running and measuring ------------------------------------------------------------------


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def session_rss(session: int, *, proportional: bool = False) -> int:
    """Bytes resident in every process of a session, now (Linux /proc; 0 elsewhere). With
    ``proportional``, each process's PSS (/proc/PID/smaps_rollup): a page shared by N
    processes counts 1/N in each, so a fork's inherited pages are not counted twice."""
    total = 0
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else []:
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            if int(fields[3]) != session:  # field 6, the session id
                continue
            if proportional:
                with open(f"/proc/{entry.name}/smaps_rollup", "rb") as handle:
                    rollup = handle.read()
                total += int(rollup.split(b"\nPss:", 1)[1].split()[0]) * 1024
                continue
            with open(f"/proc/{entry.name}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            continue
    return total


class TreeMemory(threading.Thread):
    """Samples the summed RSS of a command and all its children every 50 ms: with MkDocs
    workers and Pagefind running beside the main process, the largest single process
    (``ru_maxrss``) is not the whole story."""

    def __init__(self, session: int) -> None:
        super().__init__(daemon=True)
        self.session, self.peak, self.done = session, 0, threading.Event()
        self.peak_pss = 0
        """The same of PSS: a forked worker shares most of its pages with its parent."""

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, session_rss(self.session))
            self.peak_pss = max(self.peak_pss, session_rss(self.session, proportional=True))


def run(
    cmd: list[str],
    cwd: Path,
    timeout: float | None = None,
    env_extra: dict[str, str] | None = None,
) -> dict:
    """Run cmd; wall seconds, peak RSS (MB) of the largest process and of all its processes
    together (sampled), exit code, output."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONUNBUFFERED": "1", **(env_extra or {})}
    load_before = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        timed_out = threading.Event()
        memory = TreeMemory(proc.pid)  # start_new_session: the child leads its own session
        memory.start()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        memory.done.set()
        memory.join()
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return {
        "seconds": round(seconds, 3),
        # CPU time of that child: less sensitive than wall time to other work on the machine.
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
        "load_before": load_before,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
        "peak_tree_rss_mb": round(memory.peak / 2**20, 1),
        "peak_tree_pss_mb": round(memory.peak_pss / 2**20, 1),
        "returncode": proc.returncode,
        "timed_out": timed_out.is_set(),
        "output": text,
    }


def html_pages(site: Path) -> int:
    return sum(1 for _ in site.rglob("*.html")) if site.is_dir() else 0


def definitive_step(args: argparse.Namespace, work: Path, label: str) -> dict:
    cmd = [*args.definitive_cmd, "build", "--vault", "vault", "--site-dir", "site"]
    result = run(cmd, work, timeout=args.timeout)
    if result["returncode"] != 0:
        raise SystemExit(f"{label}: definitive build failed:\n{result['output'][-3000:]}")
    match = EMITTED_RE.search(result["output"])
    internal = SECONDS_RE.search(result["output"])
    result.update(
        files_emitted=int(match.group(1)) if match else None,
        files_removed=int(match.group(2)) if match else None,
        reported_seconds=float(internal.group(1)) if internal else None,
        site_built="site built" in result["output"],
        html_pages=html_pages(work / "site"),
        summary=next((ln for ln in result["output"].splitlines() if "emitted" in ln), ""),
    )
    warnings = [ln for ln in result["output"].splitlines() if ": warning " in ln]
    result["warnings"] = len(warnings)
    del result["output"]
    return result


def mkdocs_step(
    args: argparse.Namespace, plain: Path, config: str, site: str, timeout: float | None
) -> dict:
    cmd = [args.python, "-m", "mkdocs", "build", "-q", "-f", config]
    result = run(cmd, plain, timeout=timeout)
    if result["returncode"] != 0 and not result["timed_out"]:
        raise SystemExit(f"mkdocs build ({config}) failed:\n{result['output'][-3000:]}")
    result["html_pages"] = html_pages(plain / site)
    result["warnings"] = sum(1 for ln in result["output"].splitlines() if "WARNING" in ln)
    del result["output"]
    return result


def per_page(seconds: float, pages: int) -> float | None:
    return round(seconds * 1000 / pages, 2) if pages else None


# --- one size -------------------------------------------------------------------------------


def bench_size(n: int, args: argparse.Namespace, earlier: list[dict]) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"definitive-bench-{n}-", dir=args.workdir))
    print(f"\n== N={n}: working in {work}", flush=True)
    try:
        started = time.perf_counter()
        plain = work / "plain"
        synth = synth_vault.generate(n, work / "vault", plain / "docs", seed=args.seed)
        nav = synth_vault.write_plain_hubs(synth, plain / "docs")
        generate_s = time.perf_counter() - started
        counts = synth.backlink_counts()
        body_links = sum(isinstance(p, synth_vault.LinkRef) for x in synth.notes for p in x.body)
        kinds: dict[str, int] = {}
        for note in synth.notes:
            kinds[note.kind] = kinds.get(note.kind, 0) + 1
        print(
            f"generated {n} notes {kinds}, {body_links} body links, "
            f"top backlinks {sorted(counts, reverse=True)[:5]} in {generate_s:.1f}s",
            flush=True,
        )

        result: dict = {
            "notes": n,
            "seed": args.seed,
            "kinds": kinds,
            "body_links": body_links,
            "top_backlinks": sorted(counts, reverse=True)[:10],
        }

        cold = definitive_step(args, work, "cold")
        cold["ms_per_page"] = per_page(cold["seconds"], cold["html_pages"])
        cold["cpu_ms_per_page"] = per_page(cold["cpu_seconds"], cold["html_pages"])
        cold["ms_per_note"] = per_page(cold["seconds"], n)
        result["cold"] = cold
        print(
            f"cold build: {cold['seconds']:.1f}s, {cold['html_pages']} html pages, "
            f"{cold['ms_per_page']} ms/page, peak RSS {cold['peak_rss_mb']} MB "
            f"(all processes {cold['peak_tree_rss_mb']} MB); "
            f"{cold['summary']}",
            flush=True,
        )

        nochange = definitive_step(args, work, "no-change")
        result["no_change"] = nochange
        print(
            f"no-change rebuild: {nochange['seconds']:.1f}s, emitted "
            f"{nochange['files_emitted']}, site rebuilt: {nochange['site_built']}",
            flush=True,
        )

        # A note that a few others link to (3-6 backlinks); append a sentence at its end.
        candidates = [x for x in synth.notes if x.kind == "note" and 3 <= counts[x.index] <= 6]
        target = (candidates or sorted(synth.notes, key=lambda x: -counts[x.index]))[0]
        path = work / "vault" / target.vault_path
        with path.open("a", encoding="utf-8") as handle:
            handle.write("\nOne more sentence, appended by the benchmark.\n")
        onechange = definitive_step(args, work, "one-change")
        onechange["changed_note"] = target.vault_path
        onechange["changed_note_backlinks"] = counts[target.index]
        onechange["ms_per_page"] = per_page(onechange["seconds"], onechange["html_pages"])
        result["one_change"] = onechange
        print(
            f"one-change rebuild ({target.vault_path}, {counts[target.index]} backlinks): "
            f"{onechange['seconds']:.1f}s, emitted {onechange['files_emitted']}, "
            f"site rebuilt: {onechange['site_built']}",
            flush=True,
        )

        # Plain MkDocs Material baselines on the same notes.
        hub_cfg = (
            BASELINE_CONFIG.format(site_dir="site-hubs")
            + "nav:\n"
            + "".join(f"  - {json.dumps(k)}: {v}\n" for item in nav for k, v in item.items())
        )
        (plain / "mkdocs-hubs.yml").write_text(hub_cfg, encoding="utf-8")
        (plain / "mkdocs-default-nav.yml").write_text(
            BASELINE_CONFIG.format(site_dir="site-default"), encoding="utf-8"
        )
        hubs = mkdocs_step(args, plain, "mkdocs-hubs.yml", "site-hubs", args.timeout)
        hubs["ms_per_page"] = per_page(hubs["seconds"], hubs["html_pages"])
        hubs["cpu_ms_per_page"] = per_page(hubs["cpu_seconds"], hubs["html_pages"])
        result["mkdocs_hub_nav"] = hubs
        print(
            f"plain mkdocs, hub nav: {hubs['seconds']:.1f}s, {hubs['html_pages']} html pages, "
            f"{hubs['ms_per_page']} ms/page, peak RSS {hubs['peak_rss_mb']} MB",
            flush=True,
        )

        predicted = predict_default_nav(n, hubs["seconds"], earlier)
        result["mkdocs_default_nav_predicted_s"] = predicted
        if predicted is not None and predicted > args.default_nav_budget:
            result["mkdocs_default_nav"] = {
                "skipped": f"predicted {predicted:.0f}s > time box {args.default_nav_budget:.0f}s"
            }
            print(
                f"plain mkdocs, default nav: skipped (predicted {predicted:.0f}s, "
                f"time box {args.default_nav_budget:.0f}s)",
                flush=True,
            )
        else:
            full = mkdocs_step(
                args, plain, "mkdocs-default-nav.yml", "site-default", args.default_nav_budget
            )
            full["ms_per_page"] = (
                None if full["timed_out"] else per_page(full["seconds"], full["html_pages"])
            )
            full["cpu_ms_per_page"] = (
                None if full["timed_out"] else per_page(full["cpu_seconds"], full["html_pages"])
            )
            result["mkdocs_default_nav"] = full
            print(
                f"plain mkdocs, default nav: {full['seconds']:.1f}s"
                + (
                    " (timed out)"
                    if full["timed_out"]
                    else f", {full['html_pages']} html pages, {full['ms_per_page']} ms/page, "
                    f"peak RSS {full['peak_rss_mb']} MB"
                ),
                flush=True,
            )
        return result
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def predict_default_nav(n: int, hub_seconds: float, earlier: list[dict]) -> float | None:
    """Default-nav time at size n: the hub-nav time plus the nav overhead seen at a smaller
    size, scaled with the square of the page count (every page renders every nav entry)."""
    for prev in sorted(earlier, key=lambda r: -r["notes"]):
        full = prev.get("mkdocs_default_nav", {})
        if prev["notes"] < n and "seconds" in full and not full.get("timed_out"):
            extra = max(0.0, full["seconds"] - prev["mkdocs_hub_nav"]["seconds"])
            return round(hub_seconds + extra * (n / prev["notes"]) ** 2, 1)
    return None


# --- environment and report -----------------------------------------------------------------


def environment(args: argparse.Namespace) -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        mem_gb = round(kb / 1024 / 1024, 1)
    except (OSError, IndexError, ValueError):
        pass
    probe = (
        "import json, sys, importlib.metadata as m\n"
        "v = {'python': sys.version.split()[0]}\n"
        "for p in ('definitive', 'mkdocs', 'mkdocs-material', 'markdown-it-py', 'Markdown',"
        " 'pymdown-extensions', 'Jinja2'):\n"
        "    try: v[p] = m.version(p)\n"
        "    except Exception: v[p] = None\n"
        "print(json.dumps(v))"
    )
    try:
        versions = json.loads(subprocess.check_output([args.python, "-c", probe], text=True))
    except (OSError, subprocess.CalledProcessError, ValueError):
        versions = {}
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": mem_gb,
        "platform": platform.platform(),
        "versions": versions,
        "definitive_cmd": args.definitive_cmd,
    }


def table(results: list[dict]) -> str:
    rows = [("", *(f"N={r['notes']}" for r in results))]

    def row(label: str, fn) -> None:
        cells = []
        for r in results:
            try:
                cells.append(fn(r))
            except (KeyError, TypeError):
                cells.append("-")
        rows.append((label, *cells))

    row("html pages built", lambda r: str(r["cold"]["html_pages"]))
    row("cold build (s)", lambda r: f"{r['cold']['seconds']:.1f}")
    row("cold build (ms/page)", lambda r: f"{r['cold']['ms_per_page']:.1f}")
    row("cold build CPU (ms/page)", lambda r: f"{r['cold']['cpu_ms_per_page']:.1f}")
    row("cold peak RSS, largest process (MB)", lambda r: f"{r['cold']['peak_rss_mb']:.0f}")
    row("cold peak RSS, all processes (MB)", lambda r: f"{r['cold']['peak_tree_rss_mb']:.0f}")
    row("no-change rebuild (s)", lambda r: f"{r['no_change']['seconds']:.1f}")
    row("no-change files emitted", lambda r: str(r["no_change"]["files_emitted"]))
    row("no-change rebuild CPU (s)", lambda r: f"{r['no_change']['cpu_seconds']:.1f}")
    row("one-change rebuild (s)", lambda r: f"{r['one_change']['seconds']:.1f}")
    row("one-change rebuild CPU (s)", lambda r: f"{r['one_change']['cpu_seconds']:.1f}")
    row("one-change files emitted", lambda r: str(r["one_change"]["files_emitted"]))
    row("mkdocs hub nav (s)", lambda r: f"{r['mkdocs_hub_nav']['seconds']:.1f}")
    row("mkdocs hub nav (ms/page)", lambda r: f"{r['mkdocs_hub_nav']['ms_per_page']:.1f}")
    row("mkdocs hub nav CPU (ms/page)", lambda r: f"{r['mkdocs_hub_nav']['cpu_ms_per_page']:.1f}")
    row("mkdocs hub nav RSS (MB)", lambda r: f"{r['mkdocs_hub_nav']['peak_rss_mb']:.0f}")

    def default(r: dict, key: str, fmt: str) -> str:
        d = r["mkdocs_default_nav"]
        if "skipped" in d:
            return "skipped"
        if d.get("timed_out"):
            return f">{d['seconds']:.0f}s"
        return fmt.format(d[key])

    row("mkdocs default nav (s)", lambda r: default(r, "seconds", "{:.1f}"))
    row("mkdocs default nav (ms/page)", lambda r: default(r, "ms_per_page", "{:.1f}"))
    widths = [max(len(str(c)) for c in col) for col in zip(*rows, strict=True)]
    lines = []
    for i, cells in enumerate(rows):
        lines.append(
            " | ".join(
                str(c).ljust(w) if j == 0 else str(c).rjust(w)
                for j, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
        )
        if i == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Benchmark definitive build vs plain MkDocs.")
    parser.add_argument("--notes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--python",
        default=str(VENV_BIN / "python"),
        help="Python that runs MkDocs for the baseline (default: .venv)",
    )
    parser.add_argument(
        "--definitive",
        default=None,
        help="definitive command, split like a shell would (default: "
        ".venv/bin/definitive, else '--python -m generator')",
    )
    parser.add_argument(
        "--rev",
        default=None,
        help="benchmark this git revision (e.g. HEAD) instead of the working "
        "tree: it is extracted with git archive and run with --python",
    )
    parser.add_argument(
        "--default-nav-budget",
        type=float,
        default=600,
        help="time box (s) for the default-nav baseline (default 600)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="per-command limit (s)")
    parser.add_argument("--workdir", default=None, help="parent of the temporary folders")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args()
    snapshot = None
    if args.rev:
        snapshot = extract_revision(args.rev)
        args.definitive_cmd = [args.python, "-m", "generator"]
        os.environ["PYTHONPATH"] = str(snapshot) + os.pathsep + os.environ.get("PYTHONPATH", "")
    elif args.definitive:
        args.definitive_cmd = shlex.split(args.definitive)
    elif (VENV_BIN / "definitive").exists() and args.python == str(VENV_BIN / "python"):
        args.definitive_cmd = [str(VENV_BIN / "definitive")]
    else:
        args.definitive_cmd = [args.python, "-m", "generator"]

    env = environment(args)
    env["source"] = source_description(args.rev, snapshot)
    print(f"benchmarking {env['source']}", flush=True)
    print(
        f"machine: {env['nproc']} CPU(s), {env['cpu']}, {env['memory_gb']} GB; "
        f"versions: {env['versions']}",
        flush=True,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    results: list[dict] = []
    for n in sorted(args.notes):
        result = bench_size(n, args, results)
        result["environment"] = env
        result["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        (args.out / f"results-{n}.json").write_text(json.dumps(result, indent=2) + "\n")
        results.append(result)
    print("\n" + table(results))
    print(f"\nresults written to {args.out}/results-<N>.json")
    if snapshot is not None:
        shutil.rmtree(snapshot, ignore_errors=True)
    return 0


def extract_revision(rev: str) -> Path:
    """``git archive rev`` into a temporary folder (the repository itself is not touched)."""
    folder = Path(tempfile.mkdtemp(prefix="definitive-rev-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def source_description(rev: str | None, snapshot: Path | None) -> dict:
    def git(*cmd: str) -> str:
        try:
            return subprocess.check_output(
                ["git", "-C", str(ROOT), *cmd], text=True, stderr=subprocess.DEVNULL
            ).strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    if rev:
        return {
            "kind": "git revision",
            "rev": rev,
            "commit": git("rev-parse", rev),
            "path": str(snapshot),
        }
    dirty = bool(git("status", "--porcelain", "--", "generator", "site_templates"))
    return {"kind": "working tree", "commit": git("rev-parse", "HEAD"), "generator_modified": dirty}


if __name__ == "__main__":
    sys.exit(main())
