"""One cold ``definitive -v build`` of a synthetic vault: wall and CPU time, peak memory of the
largest process and of all processes together, and each step's wall and CPU time.

The nightly scenario (bench/nightly_bench.py) runs a cold build too, then a night and
Material's floor; this runs the cold build alone, so two revisions can be compared back to
back (alternately, on a shared machine) in a fraction of the time:

    .venv/bin/python bench/cold_build.py --rev 2daeb32 --notes 20000 --work /tmp/cold-20k
    .venv/bin/python bench/cold_build.py --rev HEAD --notes 20000 --work /tmp/cold-20k

The vault is generated once in ``--work`` (seed 42) and reused; the cache and the site are
deleted before each build. Prints one JSON object, then (on stderr) each step's wall time,
the CPU time all the build's processes spent during it (sampled from /proc every 50 ms: the
build process, its workers, Pagefind), and so how many of the cores the step kept busy.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run_bench  # noqa: E402

STEP_RE = re.compile(r"^([A-Z][\w ()]+): ([\d.]+)s$")
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def session_cpu(session: int) -> tuple[float, float]:
    """CPU seconds of every process of a session so far (each one's own and that of the
    children it reaped: a worker that ended counts in its parent's), and of its leader alone
    (the build process: what the other processes add is what a step spreads)."""
    total = leader = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:  # utime stime cutime cstime: fields 14-17
            total += sum(int(value) for value in fields[11:15])
            if entry.name == str(session):
                leader = int(fields[11]) + int(fields[12])
    return total / TICK, leader / TICK


class Timeline:
    """The command's output lines and its session's CPU, each with the time it was seen."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.lines: list[tuple[float, str]] = []
        self.cpu: list[tuple[float, tuple[float, float]]] = []
        self.done = threading.Event()
        self.threads = [
            threading.Thread(target=self._read, daemon=True),
            threading.Thread(target=self._sample, daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            self.lines.append((time.perf_counter(), raw.decode("utf-8", "replace").rstrip()))

    def _sample(self) -> None:
        while True:
            total, leader = session_cpu(self.proc.pid)
            if self.cpu and leader < self.cpu[-1][1][1]:  # it exited: /proc has it no more
                leader = self.cpu[-1][1][1]
            self.cpu.append((time.perf_counter(), (total, leader)))
            if self.done.wait(0.05):
                return

    def stop(self, final_cpu: float) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join()
        self.cpu.append((time.perf_counter(), (final_cpu, self.cpu[-1][1][1])))

    def cpu_at(self, when: float, which: int = 0) -> float:
        """The session's CPU seconds at ``when`` (``which``: 0 all processes, 1 the build
        process alone), interpolated between samples."""
        before = (self.cpu[0][0], 0.0)
        for seen, values in self.cpu:
            if seen >= when:
                span = seen - before[0]
                share = (when - before[0]) / span if span > 0 else 1.0
                return before[1] + share * (values[which] - before[1])
            before = (seen, values[which])
        return self.cpu[-1][1][which]

    def steps(self, started: float) -> list[dict[str, float | str]]:
        """Each step the build printed (``Name: 1.23s`` with -v), and the spans between them
        (start-up, the end), with wall and CPU seconds."""
        found: list[dict[str, float | str]] = []
        last = started
        for seen, line in self.lines:
            match = STEP_RE.match(line)
            if match is None:
                continue
            begin = max(last, seen - float(match.group(2)))
            if begin - last > 0.05:
                found.append(self._span("(between steps)", last, begin))
            found.append(self._span(match.group(1), begin, seen))
            last = seen
        found.append(self._span("(to exit)", last, self.cpu[-1][0]))
        return found

    def _span(self, name: str, begin: float, end: float) -> dict[str, float | str]:
        wall = end - begin
        cpu = self.cpu_at(end) - self.cpu_at(begin)
        leader = self.cpu_at(end, 1) - self.cpu_at(begin, 1)
        return {
            "step": name,
            "wall": round(wall, 2),
            "cpu": round(cpu, 2),
            "build_process_cpu": round(leader, 2),
            "other_cpu": round(cpu - leader, 2),
            "cores": round(cpu / wall, 2) if wall > 0 else 0.0,
        }


def run(cmd: list[str], cwd: Path, env_extra: dict[str, str] | None) -> dict:
    """Like run_bench.run, and each step's wall and CPU time (`Timeline`)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONUNBUFFERED": "1", **(env_extra or {})}
    load_before = round(os.getloadavg()[0], 2)
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
        start_new_session=True,
    )  # fmt: skip
    memory = run_bench.TreeMemory(proc.pid)  # start_new_session: it leads its own session
    memory.start()
    timeline = Timeline(proc)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    cpu = usage.ru_utime + usage.ru_stime
    timeline.stop(cpu)
    memory.done.set()
    memory.join()
    return {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "load_before": load_before,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "peak_tree_rss_mb": round(memory.peak / 2**20, 1),
        "peak_tree_pss_mb": round(memory.peak_pss / 2**20, 1),
        "returncode": os.waitstatus_to_exitcode(status),
        "timeline": timeline.steps(started),
        "output": "\n".join(line for _, line in timeline.lines),
    }


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
    result = run([*command, "--site-dir", "site"], args.work, env)
    output = result.pop("output")
    spans = result["timeline"]
    result["steps"] = {
        str(s["step"]): s["wall"] for s in spans if not str(s["step"]).startswith("(")
    }
    result["summary"] = output.strip().splitlines()[-1] if output.strip() else ""
    result["rev"] = args.rev or "working tree"
    result["notes"] = args.notes
    if result["returncode"] != 0:
        print(output[-3000:], file=sys.stderr)
    print(json.dumps(result, indent=1))
    head = f"{'step':<30} {'wall s':>7} {'CPU s':>7} {'build s':>7} {'others s':>8} {'cores':>5}"
    print(head, file=sys.stderr)
    for span in result["timeline"]:
        print(
            f"{span['step']:<30} {span['wall']:>7.2f} {span['cpu']:>7.2f} "
            f"{span['build_process_cpu']:>7.2f} {span['other_cpu']:>8.2f} {span['cores']:>5.2f}",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
