#!/usr/bin/env python3
"""Consolidation benchmark: input tokens per merged meta article, uncached and cached, against
the size of the meta articles merged (issue 11's target: uncached input at most 3x that size).

    .venv/bin/python bench/consolidate_bench.py            # demo vault + a 200-meta-article month
    .venv/bin/python bench/consolidate_bench.py --quick    # demo vault only
    .venv/bin/python bench/consolidate_bench.py --metas 500 --seed 3 --rev main

Every request is built by the real request builder (generator/consolidate/prompt.py) and sent
by the real `AnthropicConsolidator` through the real `anthropic` SDK to a mock transport, so no
request leaves the machine. A run sends one request for all its ready articles (several only
past the request budget). The mock answers like the Messages API with prompt caching: a system
block marked ``cache_control`` (only when a run needs several requests) is written to the cache
by the first request and read by every later one, if it is long enough to be cached at all
(1,024 tokens); everything else is uncached input. The JSON schema in ``output_config`` is
counted, as the SDK sends it (compact JSON), as uncached input on every request (the
documentation says structured outputs add a system prompt billed like any other, not how long
it is; this is the pessimistic reading), and, as ``..._if_schema_cached``, as part of the
cached prefix when there is one (the other reading).
Each answer gives, per article of the request, what the offline consolidator does for it, so
output is realistic too. The demo and the month in one run are dry runs; the month night by
night applies each night's answers to a copy, so the articles grow as they would.

Tokens are counted at 4 characters a token: Claude's tokenizer is not available offline (the
token-counting endpoint needs the network). The target is a ratio of two counts made the same
way, so the approximation mostly cancels out of it.

``--rev REV`` measures another commit's request builder (``git archive`` into a temporary
folder, then this script runs there), so a change to prompt.py can be compared with main in one
command. Results go to bench/out/consolidate.json (with ``--rev``, consolidate-REV.json);
BENCHMARKS.md records them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import anthropic
import httpx2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.month_vault import generate  # noqa: E402
from generator.config import load_settings  # noqa: E402
from generator.consolidate.anthropic_client import AnthropicConsolidator, Limits  # noqa: E402
from generator.consolidate.engine import consolidate  # noqa: E402
from generator.consolidate.offline import OfflineConsolidator  # noqa: E402
from generator.consolidate.proposal import ArticleInput, Proposal  # noqa: E402

CHARS_PER_TOKEN = 4
MIN_CACHEABLE = 1024
"""The smallest prompt prefix the API caches, in tokens (Sonnet-class models)."""
MODEL = "claude-sonnet-5-5"
TARGET = 3.0
MONTH = "2026-11-01"
"""The generated month's first day: its meta articles arrive night by night from then."""


def tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass
class Parts:
    """Where one request's tokens go."""

    system: int = 0
    schema: int = 0
    article: int = 0
    """The user message but the meta articles: title, steps, learnings, pitfalls..."""
    citations: int = 0
    """... of which the learnings' and pitfalls' ``(sources: ...)`` lists."""
    metas: int = 0
    """The meta articles as sent: tags, quoting, redaction."""


class RecordingOffline(OfflineConsolidator):
    """The offline consolidator, keeping each article's ops as proposed (before validation)."""

    def __init__(self) -> None:
        super().__init__()
        self.ops: dict[str, list[dict]] = {}

    def propose_all(self, inputs: list[ArticleInput]) -> Iterator[list[tuple[str, Proposal]]]:
        titles = {item.path: item.title for item in inputs}
        for answer in super().propose_all(inputs):
            for path, proposal in answer:
                self.ops[titles[path]] = [op.to_json() for op in proposal.ops or []]
            yield answer


class CachingMockAPI:
    """Answers Messages API requests with the offline ops and cache-aware usage.

    The offline merger may confirm a learning it added earlier in the same run, by an alias
    the article did not have before the run: the engine rejects that whole answer. Such an op
    is answered as a noop instead, so the measured run merges everything, as a good answer
    would, and output stays the size of the ops."""

    def __init__(self, answers: dict[str, list[dict]]) -> None:
        self.answers = answers
        self.cached: set[str] = set()
        self.parts = Parts()
        self.requests = 0
        self.warnings: set[str] = set()
        self.cached_prefixes: set[str] = set()
        self.schema_cached_uncached = 0
        """Uncached input (input and cache writes) if the schema were cached with the system."""

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.requests += 1
        system = "".join(block["text"] for block in body["system"])
        marked = any("cache_control" in block for block in body["system"])
        user = body["messages"][0]["content"]
        # As the SDK sends it (compact JSON); the earlier rows counted it with spaces.
        schema = json.dumps(body.get("output_config", {}), separators=(",", ":"))
        # The split follows the request's layout today (prompt.py): if it changes, the totals
        # stay right and a warning says the breakdown no longer is.
        metas = sum(tokens(m) for m in re.findall(r"(?s)<meta_article .*?</meta_article>", user))
        self.parts.system += tokens(system)
        self.parts.schema += tokens(schema)
        self.parts.article += tokens(user) - metas
        self.parts.metas += metas
        sections = re.findall(
            r'(?s)<article id="(A\d+)" title=("(?:[^"\\]|\\.)*")>(.*?)</article>', user
        )
        if not metas or not sections:
            self.warnings.add("the request's layout changed: update CachingMockAPI.handler")
        groups = []
        for alias, title, part in sections:
            title = json.loads(title)
            if title not in self.answers:
                self.warnings.add("the request's layout changed: update CachingMockAPI.handler")
            head = part.partition("<meta_article ")[0]
            self.parts.citations += sum(tokens(c) for c in re.findall(r" \(sources: [^)]*\)", head))
            known = set(re.findall(r"(?m)^([SLP]\d+): ", head))
            ops = [
                op
                if op.get("target") in (None, *known)
                else {"op": "noop", "sources": op["sources"], "reason": "added in this run"}
                for op in self.answers.get(title, [])
            ]
            groups.append({"article": alias, "ops": ops})
        answer = json.dumps({"articles": groups})
        usage = {"input_tokens": tokens(user) + tokens(schema), "output_tokens": tokens(answer)}
        write = read = 0
        if not marked or tokens(system) < MIN_CACHEABLE:
            usage["input_tokens"] += tokens(system)
        elif system in self.cached:
            read = tokens(system)
        else:
            self.cached.add(system)
            write = tokens(system)
        usage |= {"cache_creation_input_tokens": write, "cache_read_input_tokens": read}
        # The other reading: the schema is part of the cached prefix (it is in the cache key).
        prefix = tokens(system) + tokens(schema)
        if not marked or prefix < MIN_CACHEABLE:
            self.schema_cached_uncached += prefix + tokens(user)
        elif system + schema in self.cached_prefixes:
            self.schema_cached_uncached += tokens(user)
        else:
            self.cached_prefixes.add(system + schema)
            self.schema_cached_uncached += prefix + tokens(user)
        return httpx2.Response(
            200,
            json={
                "id": f"msg_{self.requests:06d}",
                "type": "message",
                "role": "assistant",
                "model": MODEL,
                "content": [{"type": "text", "text": answer}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": usage,
            },
        )


@dataclass
class Totals:
    runs: int = 0
    requests: int = 0
    rejected: int = 0
    merged: int = 0
    meta_tokens: int = 0
    input: int = 0
    cache_write: int = 0
    cache_read: int = 0
    output: int = 0
    dollars: float = 0.0
    uncached_if_schema_cached: int = 0


def consolidate_once(settings, vault: Path, totals: Totals, parts: Parts, *, dry_run: bool) -> None:
    """One consolidation run through the SDK, answered with the offline consolidator's ops."""
    offline = RecordingOffline()
    consolidate(settings, offline, dry_run=True)
    api = CachingMockAPI(offline.ops)  # a fresh cache: runs are a night apart
    client = anthropic.Anthropic(
        api_key="bench",
        http_client=anthropic.DefaultHttpxClient(transport=httpx2.MockTransport(api.handler)),
    )
    report = consolidate(settings, AnthropicConsolidator(client, MODEL, Limits()), dry_run=dry_run)
    files = [vault / "meta" / f"{name}.md" for a in report.articles for name in a.merged]
    totals.runs += 1
    totals.requests += api.requests
    totals.rejected += len(report.rejected)
    totals.merged += len(files)
    totals.meta_tokens += sum(tokens(p.read_text(encoding="utf-8")) for p in files)
    usage = report.usage
    totals.input += usage.input_tokens
    totals.cache_write += usage.cache_creation_input_tokens
    totals.cache_read += usage.cache_read_input_tokens
    totals.output += usage.output_tokens
    totals.dollars += report.cost_usd
    totals.uncached_if_schema_cached += api.schema_cached_uncached
    for key, value in asdict(api.parts).items():
        setattr(parts, key, getattr(parts, key) + value)
    for warning in api.warnings:
        print(f"warning: {warning}", file=sys.stderr)


def measure(vault: Path, label: str, nightly_from: str | None = None, every: int = 1) -> dict:
    """Consolidate a copy of ``vault`` in one run (a dry run), or, with ``nightly_from`` (a
    date), night by night: each night's meta articles from that date on arrive and are merged
    (every ``every`` nights), and the articles grow as they would."""
    work = Path(tempfile.mkdtemp(prefix="consolidate-bench-"))
    try:
        copy = work / "vault"
        shutil.copytree(vault, copy, ignore=shutil.ignore_patterns(".definitive"))
        settings = load_settings(vault=copy, config=ROOT / "mkdocs.yml", site_dir=work / "site")
        totals, parts = Totals(), Parts()
        started = time.perf_counter()
        if nightly_from is None:
            consolidate_once(settings, copy, totals, parts, dry_run=True)
        else:
            staged = work / "staged"
            staged.mkdir()
            for path in (copy / "meta").glob("*.md"):
                if path.name[:10] >= nightly_from:
                    path.rename(staged / path.name)
            days = sorted({p.name[:10] for p in staged.iterdir()})
            for night, day in enumerate(days, 1):
                # The run's clock is that night's (batches wait by the meta articles' dates).
                os.environ["DEFINITIVE_NOW"] = f"{day}T23:30:00+00:00"
                for path in staged.glob(f"{day} *.md"):
                    path.rename(copy / "meta" / path.name)
                if night % every == 0 or night == len(days):
                    consolidate_once(settings, copy, totals, parts, dry_run=False)
        seconds = time.perf_counter() - started
    finally:
        os.environ.pop("DEFINITIVE_NOW", None)
        shutil.rmtree(work, ignore_errors=True)
    count = max(1, totals.merged)
    uncached = totals.input + totals.cache_write
    return {
        "scenario": label,
        "runs": totals.runs,
        "requests": totals.requests,
        "rejected_answers": totals.rejected,
        "merged_meta_articles": totals.merged,
        "meta_article_tokens": totals.meta_tokens,
        "meta_tokens_per_meta": round(totals.meta_tokens / count),
        "uncached_input_tokens": uncached,
        "of_which_cache_writes": totals.cache_write,
        "cached_input_tokens": totals.cache_read,
        "output_tokens": totals.output,
        "uncached_per_meta": round(uncached / count),
        "cached_per_meta": round(totals.cache_read / count),
        "output_per_meta": round(totals.output / count),
        "uncached_over_meta_size": round(uncached / max(1, totals.meta_tokens), 2),
        "target_met": uncached <= TARGET * totals.meta_tokens,
        "uncached_over_meta_size_if_schema_cached": round(
            totals.uncached_if_schema_cached / max(1, totals.meta_tokens), 2
        ),
        "request_parts_per_meta": {k: round(v / count) for k, v in asdict(parts).items()},
        "dollars": round(totals.dollars, 4),
        "dollars_per_meta": round(totals.dollars / count, 5),
        "seconds": round(seconds, 1),
    }


def at_revision(rev: str, argv: list[str]) -> int:
    """Run this script (as it is now) against another commit's code."""
    with tempfile.TemporaryDirectory(prefix="consolidate-bench-rev-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        for name in ("consolidate_bench.py", "month_vault.py"):  # the same measurement
            shutil.copy(ROOT / "bench" / name, Path(tmp) / "bench" / name)
        out = ROOT / "bench" / "out" / f"consolidate-{rev.replace('/', '_')}.json"
        script = Path(tmp) / "bench" / "consolidate_bench.py"
        return subprocess.call([sys.executable, str(script), *argv, "--out", str(out)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="demo vault only")
    parser.add_argument("--metas", type=int, default=200, help="meta articles in the month")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--rev", help="measure this commit's code instead (git archive)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "consolidate.json")
    args = parser.parse_args()
    if args.rev:
        rest = [a for a in sys.argv[1:] if a not in ("--rev", args.rev)]
        return at_revision(args.rev, rest)
    results = [measure(ROOT / "vault", "demo vault, one run")]
    if not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            vault = generate(Path(tmp) / "vault", args.metas, args.seed)
            month = f"{args.metas} meta articles into 8 articles"
            results.append(measure(vault, f"a month, nightly: {month}", nightly_from=MONTH))
            results.append(measure(vault, f"a month, weekly: {month}", nightly_from=MONTH, every=7))
            results.append(measure(vault, f"a month in one run: {month}"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    for row in results:
        verdict = "met" if row["target_met"] else "MISSED"
        print(
            f"{row['scenario']}: {row['merged_meta_articles']} merged, uncached input "
            f"{row['uncached_per_meta']} tokens per meta article, cached {row['cached_per_meta']}; "
            f"{row['uncached_over_meta_size']}x the meta articles' size (target {TARGET:g}x: "
            f"{verdict}; {row['uncached_over_meta_size_if_schema_cached']}x if the schema is "
            "cached with the system prompt)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
