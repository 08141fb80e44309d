"""Benchmark ``definitive build`` on notes agents write and people do not: 2 MB of dense markup.

For each shape, a fresh vault of one ordinary note and one dense note of about ``--mb`` MB (the
default limit of ``max_note_bytes`` is 2 MB), built cold in a subprocess; wall time, CPU time
and peak RSS (bench/run_bench.py's ``run``), and the findings the build reported. Each shape
was quadratic (or worse) somewhere before issue 9's fixes: in markdown-it's link labels, in
our own parse and render, or in Python-Markdown and the HTML parser behind it.

    .venv/bin/python bench/dense_notes.py            # every shape, 2 MB
    .venv/bin/python bench/dense_notes.py --mb 1 --only brackets lt-quoted
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run_bench import run  # noqa: E402


def shapes(size: int) -> dict[str, Callable[[], str]]:
    def rep(unit: str, sep: str = " ") -> str:
        return (unit + sep) * (size // (len(unit) + len(sep)))

    return {
        "brackets": lambda: "[" * size,
        "bracket-text": lambda: rep("[x", ""),
        "link-open": lambda: rep("[x](", ""),
        "link-line": lambda: rep("[[Fine]]"),
        "link-paragraph": lambda: rep("[[Fine]] #tag", "\n"),
        "link-quote": lambda: rep("> [[Fine]] #t", "\n"),
        "link-table": lambda: (
            "| a | b |\n|---|---|\n" + rep("| [[Fine\\|x]] [[Fine\\|x]] | [[Fine]] |", "\n")
        ),
        "link-list": lambda: rep("- [[Fine]] #t ^b", "\n"),
        "tag-line": lambda: rep("#t"),
        "comment-line": lambda: rep("%%c%%"),
        # A comment makes the loader look for code spans: unclosed runs of every length...
        "backtick-runs": lambda: "%%c%% " + _runs(size),
        # ...and runs whose closers lie past a blank line.
        "backtick-paragraphs": lambda: "%%c%% " + rep("`a", "\n\n"),
        "block-ids": lambda: rep("text ^id", "\n\n"),
        "emphasis": lambda: rep("*a", ""),
        "entities": lambda: rep("&amp;", ""),
        "backslashes": lambda: "\\" * size,
        "lt": lambda: rep("<a", " "),
        "lt-quoted": lambda: rep('<a x=">"', "\n\n"),
        "html-comments": lambda: rep("<!-- x", "\n\n"),
        "small-paragraphs": lambda: rep("[ " * 50, "\n\n"),
        "prose": lambda: rep("Prose with a [[Fine]] link, *emphasis*, `code` and #tags.", "\n\n"),
    }


def _runs(size: int) -> str:
    """Backtick runs of lengths 1, 2, 3... none of them closed, ``size`` characters in all."""
    out, total, length = [], 0, 1
    while total + length + 2 <= size - 6:  # the "%%c%% " prefix
        out.append("`" * length + "x ")
        total += length + 2
        length += 1
    return "".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=2.0, help="size of the dense note")
    parser.add_argument("--only", nargs="*", help="shapes to run (default: all)")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    size = int(args.mb * 1_000_000) - 100  # under max_note_bytes
    table = shapes(size)
    rows = []
    print(f"{'shape':18} {'MB':>5} {'wall s':>7} {'cpu s':>7} {'peak MB':>8}  findings")
    for name in args.only or table:
        with tempfile.TemporaryDirectory(prefix="dense-") as scratch:
            root = Path(scratch)
            vault = root / "vault"
            vault.mkdir()
            (vault / "Fine.md").write_text("An ordinary note.\n", encoding="utf-8")
            text = table[name]()
            (vault / "dense.md").write_text(text, encoding="utf-8")
            cmd = [sys.executable, "-m", "generator", "build", "-v", "--vault", "vault"]
            result = run([*cmd, "--site-dir", "site"], root, args.timeout)
            codes = sorted(set(re.findall(r" (?:warning|error|info) ([a-z-]+):", result["output"])))
            row = {
                "shape": name,
                "mb": round(len(text.encode()) / 1e6, 2),
                **{k: result[k] for k in ("seconds", "cpu_seconds", "peak_rss_mb", "returncode")},
                "timed_out": result["timed_out"],
                "findings": codes,
            }
            rows.append(row)
            status = "TIMEOUT" if row["timed_out"] else ("" if row["returncode"] == 0 else "FAIL")
            print(
                f"{name:18} {row['mb']:5.2f} {row['seconds']:7.1f} {row['cpu_seconds']:7.1f} "
                f"{row['peak_rss_mb']:8.0f}  {', '.join(codes)} {status}",
                flush=True,
            )
    out = HERE / "out" / "dense-notes.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
