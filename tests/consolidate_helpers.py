"""A small vault to consolidate, and helpers shared by the consolidation tests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from generator.consolidate.edits import Op
from generator.consolidate.proposal import ArticleInput, Proposal

ARTICLE = "articles/Baking bread.md"
ARTICLE_TEXT = """\
---
type: definitive
title: "Baking bread"
description: "Bake a sourdough loaf."
---
# Baking bread

Human summary. Keep me.

## Skill
1. Feed the starter.
2. Mix and rest the dough.
3. Bake at 250 C.

## Learnings
- Feed the starter twelve hours before mixing. ([[2026-01-01 Ann bakes]]) ^l-feed-early
- Use a Dutch oven for crust. ([[2026-01-01 Ann bakes]]) ^l-dutch-oven

## Pitfalls
- Cutting the loaf while hot. ([[2026-01-01 Ann bakes]]) ^p-hot-cut

## Notes from the team
Dana owns this section.
"""


def meta(name: str, learnings: list[str], outcome: str = "success", extra: str = "") -> str:
    bullets = "\n".join(f"- {item}" for item in learnings)
    return f"""\
---
type: meta
article: "[[Baking bread]]"
agent: "[[Ann]]"
date: {name[:10]}
outcome: {outcome}
tokens_in: 100
tokens_out: 10
cost_usd: 0.01
duration_s: 5
model: test-model
{extra}---
## What was done
Baked a loaf.

## Learnings
{bullets}
"""


def bread_vault() -> dict[str, str | bytes]:
    return {
        ARTICLE: ARTICLE_TEXT,
        "agents/Ann.md": '---\ntype: agent\njob: "Bakes"\nowner: "Dana"\n---\n# Ann\n',
        "meta/2026-01-01 Ann bakes.md": meta("2026-01-01 Ann bakes", ["Feed early."]),
        "meta/2026-01-02 Ann bakes rye.md": meta(
            "2026-01-02 Ann bakes rye",
            ["Rye needs a wetter dough than wheat, about 80% water.", "Use a Dutch oven for crust"],
        ),
    }


NEW = "2026-01-02 Ann bakes rye"


class Scripted:
    """A consolidator that answers what the test says, and remembers what it was asked."""

    name = "scripted"
    model = "test-model"
    paid = False

    def __init__(self, *answers: list[Op] | str) -> None:
        self.answers = list(answers)
        self.asked: list[ArticleInput] = []

    def propose_all(self, inputs: list[ArticleInput]) -> Iterator[list[tuple[str, Proposal]]]:
        for item in inputs:
            self.asked.append(item)
            answer = self.answers.pop(0)
            if isinstance(answer, str):
                yield [(item.path, Proposal(None, error=answer, model=self.model))]
            else:
                yield [(item.path, Proposal(answer, model=self.model))]


def tree(root: Path, skip_state: bool = False) -> dict[str, str]:
    """Every file under ``root`` with its SHA-256 (optionally without ``.definitive/``)."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not (skip_state and rel.startswith(".definitive")):
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def ledger(vault: Path) -> dict:
    return json.loads((vault / ".definitive" / "ledger.json").read_text(encoding="utf-8"))


def audit_lines(vault: Path) -> list[dict]:
    path = vault / ".definitive" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def as_machine_written(vault: Path, article: str = ARTICLE) -> None:
    """Record every item of ``article`` as the consolidator's own text (as after an earlier
    run), so a test can exercise ops that rewrite items: on a fresh vault every item is a
    human's and pinned (see test_first_run_treats_everything_as_human_text)."""
    from generator.consolidate.article import parse_article
    from generator.consolidate.ledger import Ledger
    from generator.consolidate.validate import item_hashes

    ledger = Ledger.load(vault)
    text = (vault / article).read_text(encoding="utf-8")
    ledger.texts[article] = item_hashes(parse_article(text))
    ledger.save()
