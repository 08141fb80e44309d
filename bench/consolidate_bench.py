#!/usr/bin/env python3
"""Consolidation benchmark: tokens sent per merged meta article, structured ops against a
whole-article-rewrite baseline, and the share of input read from the prompt cache.

    .venv/bin/python bench/consolidate_bench.py            # demo vault + 50 articles / 500 metas
    .venv/bin/python bench/consolidate_bench.py --quick    # demo vault only

No request leaves the machine: the real `AnthropicConsolidator` and SDK run against a local
mock of the Messages API that counts tokens (4 characters a token, stated in the results) and
reports usage the way prompt caching does (the system block written once, read afterwards).
The answer to each request is what the offline consolidator would do for that article, so the
output side is realistic too. The baseline sends the same instructions, the whole article and
the same meta articles, and gets the whole article back (a full rewrite). Results go to
bench/out/consolidate.json and are summarised in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import anthropic
import httpx2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.config import load_settings  # noqa: E402
from generator.consolidate.anthropic_client import AnthropicConsolidator, Limits  # noqa: E402
from generator.consolidate.engine import consolidate  # noqa: E402
from generator.consolidate.offline import OfflineConsolidator  # noqa: E402
from generator.consolidate.prices import cost_usd  # noqa: E402
from generator.consolidate.proposal import Usage  # noqa: E402

CHARS_PER_TOKEN = 4
MODEL = "claude-sonnet-5-5"


def tokens(text: str) -> int:
    return max(1, len(text) // CHARS_PER_TOKEN)


class CachingMockAPI:
    """Answers Messages API requests with offline ops and cache-aware usage."""

    def __init__(self, answers: dict[str, list[dict]]) -> None:
        self.answers = answers
        self.cached: set[str] = set()
        self.baseline = Usage()
        self.requests = 0

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.requests += 1
        system = "".join(block["text"] for block in body["system"])
        user = body["messages"][0]["content"]
        title = user.split("\n", 1)[0].removeprefix("Article: ")
        ops = {"ops": self.answers.get(title, [])}
        answer = json.dumps(ops)
        usage = {"input_tokens": tokens(user), "output_tokens": tokens(answer)}
        if system in self.cached:
            usage |= {"cache_read_input_tokens": tokens(system), "cache_creation_input_tokens": 0}
        else:
            self.cached.add(system)
            usage |= {"cache_read_input_tokens": 0, "cache_creation_input_tokens": tokens(system)}
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


def baseline_usage(settings, system_tokens: int) -> tuple[Usage, int]:
    """Whole-article rewrite: instructions + article + meta articles in, the article out. No
    cache (each prompt differs from its first byte on)."""
    from generator.consolidate.ledger import Ledger, find_pending
    from generator.pipeline import analyse

    pending = find_pending(analyse(settings).public, Ledger.load(settings.vault))
    usage, metas = Usage(), 0
    for path, items in pending.by_article.items():
        article = (settings.vault / path).read_text(encoding="utf-8")
        sent = article + "".join(m.body for m in items)
        usage += Usage(system_tokens + tokens(sent), tokens(article) + 50, 0, 0)
        metas += len(items)
    return usage, metas


def measure(vault: Path, label: str) -> dict:
    work = Path(tempfile.mkdtemp(prefix="consolidate-bench-"))
    try:
        copy = work / "vault"
        shutil.copytree(vault, copy, ignore=shutil.ignore_patterns(".definitive"))
        settings = load_settings(vault=copy, config=ROOT / "mkdocs.yml", site_dir=work / "site")
        started = time.perf_counter()
        offline = consolidate(settings, OfflineConsolidator(), dry_run=True)
        offline_s = time.perf_counter() - started
        answers = {
            a.title: [x.op.to_json() for x in a.applied] for a in offline.articles if not a.rejected
        }
        api = CachingMockAPI(answers)
        client = anthropic.Anthropic(
            api_key="bench",
            http_client=anthropic.DefaultHttpxClient(transport=httpx2.MockTransport(api.handler)),
        )
        consolidator = AnthropicConsolidator(client, MODEL, Limits())
        report = consolidate(settings, consolidator, dry_run=True)
        usage = report.usage
        merged = report.merged
        sent_in = (
            usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens
        )
        system_tokens = max(
            usage.cache_creation_input_tokens,
            usage.cache_read_input_tokens // max(1, api.requests - 1),
        )
        base, base_metas = baseline_usage(settings, system_tokens)
        base_total = base.input_tokens + base.output_tokens
        ours_total = sent_in + usage.output_tokens
        return {
            "scenario": label,
            "articles": len(report.articles),
            "pending_meta_articles": base_metas,
            "merged_meta_articles": merged,
            "requests": api.requests,
            "input_tokens": usage.input_tokens,
            "cache_write_tokens": usage.cache_creation_input_tokens,
            "cache_read_tokens": usage.cache_read_input_tokens,
            "output_tokens": usage.output_tokens,
            "tokens_per_merged_meta": round(ours_total / max(1, merged), 1),
            "baseline_tokens_per_meta": round(base_total / max(1, base_metas), 1),
            "baseline_output_tokens": base.output_tokens,
            "cache_read_share": round(usage.cache_read_input_tokens / max(1, sent_in), 3),
            "dollars": round(cost_usd(MODEL, usage), 4),
            "baseline_dollars": round(cost_usd(MODEL, base), 4),
            "offline_seconds": round(offline_s, 2),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


WORDS = [
    "check",
    "verify",
    "source",
    "draft",
    "client",
    "panel",
    "review",
    "schema",
    "price",
    "quote",
    "brief",
    "rubric",
    "score",
    "summary",
    "reviewer",
    "platform",
    "export",
    "window",
    "date",
    "theme",
    "account",
    "consent",
    "record",
    "budget",
    "token",
]


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def synthetic_vault(root: Path, articles: int = 50, metas_per_article: int = 10) -> Path:
    """``articles`` definitive articles, each with 8 steps, 10 cited learnings and 4 pitfalls,
    two merged (cited) meta articles and ``metas_per_article`` pending ones."""
    rng = random.Random(7)
    (root / "articles").mkdir(parents=True)
    (root / "meta").mkdir()
    shutil.copytree(ROOT / "vault" / "rules", root / "rules")
    for a in range(articles):
        title = f"Task {a:02d}"
        old = [f"2026-01-0{i + 1} Agent does task {a:02d}" for i in range(2)]
        cite = ", ".join(f"[[{o}]]" for o in old)
        steps = "\n".join(f"{i}. {sentence(rng, 12)}" for i in range(1, 9))
        learnings = "\n".join(
            f"- {sentence(rng, 14)} {sentence(rng, 10)} ({cite}) ^l-t{a}-{i}" for i in range(10)
        )
        pitfalls = "\n".join(f"- {sentence(rng, 12)} ({cite}) ^p-t{a}-{i}" for i in range(4))
        (root / "articles" / f"{title}.md").write_text(
            f'---\ntype: definitive\ntitle: "{title}"\ndescription: "Do task {a}."\n---\n'
            f"# {title}\n\n{sentence(rng, 30)}\n\n## Skill\n{steps}\n\n## Learnings\n{learnings}"
            f"\n\n## Pitfalls\n{pitfalls}\n\n## Notes from the team\n{sentence(rng, 20)}\n"
        )
        for m in range(len(old) + metas_per_article):
            name = old[m] if m < len(old) else f"2026-02-{m:02d} Agent does task {a:02d}"
            outcome = "failure" if m % 7 == 6 else "success"
            lessons = "\n".join(f"- {sentence(rng, 14)} {sentence(rng, 8)}" for _ in range(3))
            (root / "meta" / f"{name}.md").write_text(
                f'---\ntype: meta\narticle: "[[{title}]]"\nagent: "[[Agent]]"\n'
                f"date: {name[:10]}\noutcome: {outcome}\ntokens_in: 1000\ntokens_out: 100\n"
                f"cost_usd: 0.01\nduration_s: 10\nmodel: {MODEL}\n---\n"
                f"## What was done\n{sentence(rng, 40)}\n\n## Result\n{sentence(rng, 30)}\n\n"
                f"## Learnings\n{lessons}\n"
            )
    return root


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="demo vault only")
    args = parser.parse_args()
    results = [measure(ROOT / "vault", "demo vault")]
    if not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            vault = synthetic_vault(Path(tmp) / "vault")
            results.append(measure(vault, "synthetic: 50 articles, 500 pending"))
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "consolidate.json").write_text(json.dumps(results, indent=2) + "\n")
    keys = list(results[0])
    print(" | ".join(keys))
    for row in results:
        print(" | ".join(str(row[k]) for k in keys))
    return 0


if __name__ == "__main__":
    sys.exit(main())
