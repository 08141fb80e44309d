"""One cold ``definitive -v build`` of a synthetic vault: wall and CPU time, peak memory of the
largest process and of all processes together, and the build's own step times.

The nightly scenario (bench/nightly_bench.py) runs a cold build too, then a night and
Material's floor; this runs the cold build alone, so two revisions can be compared back to
back (alternately, on a shared machine) in a fraction of the time:

    .venv/bin/python bench/cold_build.py --rev 2daeb32 --notes 20000 --work /tmp/cold-20k
    .venv/bin/python bench/cold_build.py --rev HEAD --notes 20000 --work /tmp/cold-20k

The vault is generated once in ``--work`` (seed 42) and reused; the cache and the site are
deleted before each build. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run_bench  # noqa: E402

STEP_RE = re.compile(r"^([A-Z][\w ]+): ([\d.]+)s$", re.M)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, required=True, help="folder of the vault and site")
    parser.add_argument("--rev", default=None, help="git revision to build with (git archive)")
    parser.add_argument("--python", default=str(run_bench.VENV_BIN / "python"))
    args = parser.parse_args()
    snapshot = run_bench.extract_revision(args.rev) if args.rev else None
    vault = args.work / "vault"
    if not vault.is_dir():
        synth = [sys.executable, str(HERE / "synth_vault.py"), "--notes", str(args.notes)]
        synth += ["--seed", str(args.seed), "--vault", str(vault)]
        subprocess.run(synth, check=True, stdout=subprocess.DEVNULL)
    for leftover in (args.work / "site", vault / ".definitive"):
        shutil.rmtree(leftover, ignore_errors=True)
    env = {"PYTHONPATH": str(snapshot)} if snapshot else None
    command = [args.python, "-m", "generator", "-v", "build", "--vault", "vault"]
    result = run_bench.run([*command, "--site-dir", "site"], args.work, env_extra=env)
    output = result.pop("output")
    result["steps"] = {name: float(value) for name, value in STEP_RE.findall(output)}
    result["summary"] = output.strip().splitlines()[-1] if output.strip() else ""
    result["rev"] = args.rev or "working tree"
    result["notes"] = args.notes
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
