"""The nightly scenario: what a night of new runs costs against a cold build (issue 13).

For each vault size N (default 5000 and 20000), in a fresh temporary folder:

1. generate a synthetic vault (bench/synth_vault.py) and the same notes as a plain docs tree;
   consolidate one article's runs once (setup, not timed) so that the night starts with
   nothing pending for it, as a vault consolidated every night does;
2. cold ``definitive -v build`` (no cache, no site);
3. the night: 10 new meta articles for that article, then ``definitive consolidate --offline
   --only ARTICLE`` (it changes the article), then ``definitive -v build`` again; the two
   together are what ``definitive nightly`` costs;
4. Material's own floor on the same notes: plain ``mkdocs build`` with Material, a one-entry
   nav and no plugins (no search index, nothing but the pages); ``--no-floor`` skips it.

Every step reports wall and CPU time (the command's own and its children's), peak memory (the
largest process and all its processes together, sampled), and for builds the files written to
the docs tree, the pages MkDocs rendered and the search bundles Pagefind indexed again.
Results are printed and written to ``bench/out/nightly-<N>.json``.

    .venv/bin/python bench/nightly_bench.py --notes 5000 20000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run_bench  # noqa: E402
import synth_vault  # noqa: E402

RENDERED_RE = re.compile(r"MkDocs rendered (\d+) pages? in (\d+) process")
BUNDLES_RE = re.compile(r"Pagefind index: (\d+) bundles?, (\d+) indexed again")
NOW = "2027-02-01T02:00:00+00:00"  # after every run's date

# Consolidation's review thresholds, opened up: the synthetic runs' learnings are word salad,
# and a night of 10 runs must land rather than wait for review.
CONSOLIDATE_CONFIG = """\
site_name: Nightly benchmark
extra:
  definitive:
    max_change_share: 1
    max_new_learnings: 100000
"""

FLOOR_NAV = "nav:\n  - Home: index.md\n"


def new_run(number: int, article: str, agent: str) -> tuple[str, str]:
    """One more meta article for ``article``, shaped like the synthetic ones, dated after
    every synthetic run (2025-2026), as a night's new runs are: a run dated among the old
    ones would move the search layout's full shards of runs, which are cut oldest first."""
    day = number
    name = f"2027-01-{day:02d} {agent} graded nightly benchmark run {number}"
    text = (
        f'---\ntype: meta\narticle: "[[{article}]]"\nagent: "[[{agent}]]"\n'
        f"date: 2027-01-{day:02d}\noutcome: {'failure' if number % 4 == 3 else 'success'}\n"
        f"tokens_in: {8000 + number * 37}\ntokens_out: {1200 + number * 11}\n"
        f"cost_usd: 0.0{40 + number}\nduration_s: {30 + number}\nmodel: claude-sonnet-4-5\n"
        "price_usd: 3.0\ntags: [grading, nightly]\n---\n"
        f"## What was done\nGraded draft {number} of the night against [[{article}]].\n\n"
        f"## Result\nVerdict: pass, {15 + number % 6}/20.\n\n"
        "## Learnings\n"
        f"- Check the brief's word count first on draft {number}; it decides the band.\n"
        f"- Night {number}: a second reader catches the voice problems the rubric misses.\n"
    )
    return name, text


def definitive(args: argparse.Namespace, work: Path, *cmd: str, ok: tuple[int, ...] = (0,)) -> dict:
    result = run_bench.run(
        [*args.definitive_cmd, *cmd], work, timeout=args.timeout, env_extra={"DEFINITIVE_NOW": NOW}
    )
    if result["returncode"] not in ok:
        raise SystemExit(f"definitive {' '.join(cmd)} failed:\n{result['output'][-3000:]}")
    return result


def build_step(args: argparse.Namespace, work: Path) -> dict:
    result = definitive(args, work, "-v", "build", "--vault", "vault", "--site-dir", "site")
    out = result.pop("output")
    emitted = run_bench.EMITTED_RE.search(out)
    rendered = RENDERED_RE.search(out)
    bundles = BUNDLES_RE.search(out)
    result.update(
        files_emitted=int(emitted.group(1)) if emitted else None,
        files_removed=int(emitted.group(2)) if emitted else None,
        pages_rendered=int(rendered.group(1)) if rendered else 0,
        processes=int(rendered.group(2)) if rendered else 0,
        bundles=int(bundles.group(1)) if bundles else None,
        bundles_indexed=int(bundles.group(2)) if bundles else 0,
        html_pages=run_bench.html_pages(work / "site"),
        steps={m.group(1): float(m.group(2)) for m in STEP_RE.finditer(out)},
    )
    return result


STEP_RE = re.compile(r"^([A-Z][^:\n]*): ([\d.]+)s$", re.M)


def bench_size(n: int, args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"definitive-nightly-{n}-", dir=args.workdir))
    print(f"\n== N={n}: working in {work}", flush=True)
    try:
        plain = work / "plain"
        synth = synth_vault.generate(n, work / "vault", plain / "docs", seed=args.seed)
        synth_vault.write_plain_hubs(synth, plain / "docs")
        articles = [x for x in synth.notes if x.kind == "definitive"]
        article = articles[len(articles) // 2].name
        agent = next(x.name for x in synth.notes if x.kind == "agent")
        config = work / "consolidate.yml"
        config.write_text(CONSOLIDATE_CONFIG, encoding="utf-8")
        consolidate = ("consolidate", "--vault", "vault", "--config", str(config), "--offline")
        # Exit status 1: some of the word-salad learnings were rejected; the rest landed.
        setup = definitive(args, work, *consolidate, "--only", article, ok=(0, 1))
        print(f"setup: consolidated '{article}' once in {setup['seconds']:.1f}s", flush=True)
        result: dict = {"notes": n, "seed": args.seed, "article": article}

        cold = build_step(args, work)
        cold["ms_per_page"] = run_bench.per_page(cold["seconds"], cold["html_pages"])
        cold["cpu_ms_per_page"] = run_bench.per_page(cold["cpu_seconds"], cold["html_pages"])
        result["cold"] = cold
        print(f"cold build: {describe(cold)}", flush=True)

        for number in range(1, 11):
            name, text = new_run(number, article, agent)
            (work / "vault" / "meta" / f"{name}.md").write_text(text, encoding="utf-8")
        merged = definitive(args, work, *consolidate, "--only", article, ok=(0, 1))
        summary = next((ln for ln in merged.pop("output").splitlines() if "merged" in ln), "")
        merged["summary"] = summary
        result["consolidate"] = merged
        print(f"consolidation: {merged['seconds']:.1f}s: {summary}", flush=True)

        nightly = build_step(args, work)
        result["nightly"] = nightly
        print(f"nightly rebuild: {describe(nightly)}; {shares(nightly, cold)}", flush=True)
        # What `definitive nightly` costs: the consolidation and the rebuild together.
        whole = {key: round(merged[key] + nightly[key], 2) for key in ("seconds", "cpu_seconds")}
        result["night"] = whole
        print(f"the whole night (consolidation + rebuild): {shares(whole, cold)}", flush=True)

        if args.no_floor:
            return result
        floor_cfg = (
            run_bench.BASELINE_CONFIG.format(site_dir="site-floor").replace(
                "plugins:\n  - search\n", "plugins: []\n"
            )
            + FLOOR_NAV
        )
        (plain / "mkdocs-floor.yml").write_text(floor_cfg, encoding="utf-8")
        floor = run_bench.mkdocs_step(args, plain, "mkdocs-floor.yml", "site-floor", args.timeout)
        floor["ms_per_page"] = run_bench.per_page(floor["seconds"], floor["html_pages"])
        floor["cpu_ms_per_page"] = run_bench.per_page(floor["cpu_seconds"], floor["html_pages"])
        result["material_floor"] = floor
        result["cold_over_floor_per_page"] = (
            round(cold["ms_per_page"] / floor["ms_per_page"], 2) if floor["ms_per_page"] else None
        )
        print(
            f"Material floor (one-entry nav, no plugins): {floor['seconds']:.1f}s, "
            f"{floor['html_pages']} pages, {floor['ms_per_page']} ms/page, CPU "
            f"{floor['cpu_ms_per_page']} ms/page, peak {floor['peak_tree_rss_mb']} MB; "
            f"cold build / floor per page: {result['cold_over_floor_per_page']}",
            flush=True,
        )
        return result
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def shares(step: dict, cold: dict) -> str:
    """Records ``step``'s wall and CPU time as shares of the cold build's; says them."""
    step["share_of_cold"] = round(step["seconds"] / cold["seconds"], 3)
    step["cpu_share_of_cold"] = round(step["cpu_seconds"] / cold["cpu_seconds"], 3)
    return (
        f"{step['seconds']:.1f}s wall, {step['cpu_seconds']:.1f}s CPU: "
        f"{step['share_of_cold']:.0%} of cold (CPU {step['cpu_share_of_cold']:.0%})"
    )


def describe(step: dict) -> str:
    return (
        f"{step['seconds']:.1f}s wall, {step['cpu_seconds']:.1f}s CPU, "
        f"{step['html_pages']} html pages, {step['files_emitted']} docs files written, "
        f"{step['pages_rendered']} pages rendered in {step['processes']} process(es), "
        f"{step['bundles_indexed']} of {step['bundles']} search bundles indexed, "
        f"peak RSS {step['peak_rss_mb']} MB (all processes {step['peak_tree_rss_mb']} MB); "
        f"steps {step['steps']}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--python", default=str(run_bench.VENV_BIN / "python"))
    parser.add_argument("--timeout", type=float, default=3600, help="per-command limit (s)")
    parser.add_argument("--workdir", default=None, help="parent of the temporary folders")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument(
        "--no-floor",
        action="store_true",
        help="skip Material's floor (the nightly share needs only the cold build and the night)",
    )
    parser.add_argument(
        "--rev",
        default=None,
        help="benchmark this git revision (e.g. HEAD; extracted with git archive) instead of "
        "the working tree, which can then change while the benchmark runs",
    )
    args = parser.parse_args()
    args.definitive_cmd = [args.python, "-m", "generator"]
    snapshot = run_bench.extract_revision(args.rev) if args.rev else None
    if snapshot is not None:
        os.environ["PYTHONPATH"] = f"{snapshot}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    env = run_bench.environment(args)
    env["source"] = run_bench.source_description(args.rev, snapshot)
    print(f"machine: {env['nproc']} CPU(s), {env['cpu']}, {env['memory_gb']} GB", flush=True)
    print(f"versions: {env['versions']}; source {env['source']}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    for n in sorted(args.notes):
        result = bench_size(n, args)
        result["environment"] = env
        result["load_average"] = os.getloadavg()
        result["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        (args.out / f"nightly-{n}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nresults written to {args.out}/nightly-<N>.json")
    if snapshot is not None:
        shutil.rmtree(snapshot, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
