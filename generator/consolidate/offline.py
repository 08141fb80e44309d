"""The offline consolidator: merges meta articles' ``## Learnings`` bullets with no LLM at all.

For each pending meta article, oldest first, each learning bullet is compared with the
article's current learnings (including ones added earlier in the same run): a near-duplicate
becomes a confirmation citing the new run, anything else a new learning with its citation. A
failed run's lessons go to ``## Pitfalls`` instead. Deterministic, free, runs anywhere.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from difflib import SequenceMatcher

from generator.consolidate.article import Article, Bullet
from generator.consolidate.edits import Op, aliases, apply_ops, is_deprecated, words
from generator.consolidate.proposal import ArticleInput, Proposal, meta_learnings
from generator.consolidate.validate import ValidationError, check_text

DUPLICATE_AT = 0.6
"""Similarity from which a bullet counts as a near-duplicate of an existing one."""


def similarity(a: str, b: str) -> float:
    """How alike two lessons are, 0..1: the best of whole-bullet word overlap (Dice), character
    similarity, and overlap of the lesson clauses alone (the part before the evidence)."""
    wa, wb = _stems(a), _stems(b)
    if not wa or not wb:
        return 0.0
    dice = 2 * len(wa & wb) / (len(wa) + len(wb))
    sequence = SequenceMatcher(None, " ".join(sorted(wa)), " ".join(sorted(wb))).ratio() * 0.9
    la, lb = _stems(_lesson(a)), _stems(_lesson(b))
    shared = len(la & lb)
    lesson = 2 * shared / (len(la) + len(lb)) if shared >= 3 else 0.0
    return max(dice, sequence, lesson)


def _lesson(text: str) -> str:
    return re.split(r"[.;:!?](?:\s|$)", text, maxsplit=1)[0]


def _stems(text: str) -> set[str]:
    """Content words with common English endings folded: checking/checks/checked -> check."""
    out = set()
    for word in words(text):
        for ending in ("ing", "ed", "es", "s"):
            if len(word) > len(ending) + 3 and word.endswith(ending):
                word = word[: -len(ending)]
                break
        out.add(word)
    return out


class OfflineConsolidator:
    name = "offline"
    model = "offline"

    def propose_all(self, inputs: list[ArticleInput]) -> Iterator[tuple[str, Proposal]]:
        for item in inputs:
            yield item.path, Proposal(self.ops_for(item))

    def ops_for(self, item: ArticleInput) -> list[Op]:
        working = copy.deepcopy(item.article)
        ops: list[Op] = []
        for meta in item.metas:
            source = meta.stem
            lessons = meta_learnings(meta)
            if not lessons:
                ops.append(Op("noop", [source], reason="no learnings in this run"))
                continue
            failed = meta.meta.get("outcome") == "failure"
            for lesson in lessons:
                try:  # a lesson that would fail validation is left out, not the whole article
                    check_text(lesson, "lesson", meta.body)
                except ValidationError as exc:
                    reason = str(exc).removeprefix("lesson: ")
                    ops.append(Op("noop", [source], reason=f"lesson left out: {reason}"))
                    continue
                op = self._pitfall(working, lesson, source) if failed else None
                if op is None and not failed:
                    op = self._learning(working, lesson, source)
                if op is None:
                    continue
                ops.append(op)
                apply_ops(working, [op])
        return ops

    def _learning(self, working: Article, lesson: str, source: str) -> Op:
        alias, score = _closest(working, "L", lesson)
        if alias is not None and score >= DUPLICATE_AT:
            return Op("confirm_learning", [source], target=alias)
        return Op("add_learning", [source], text=lesson)

    def _pitfall(self, working: Article, lesson: str, source: str) -> Op | None:
        alias, score = _closest(working, "P", lesson)
        if alias is not None and score >= DUPLICATE_AT:
            return Op("noop", [source], reason=f"already a pitfall ({alias})")
        return Op("add_pitfall", [source], text=lesson)


def _closest(article: Article, prefix: str, text: str) -> tuple[str | None, float]:
    best: tuple[str | None, float] = (None, 0.0)
    for alias, item in aliases(article).items():
        if not alias.startswith(prefix) or not isinstance(item, Bullet) or is_deprecated(item):
            continue
        score = similarity(text, item.text)
        if score > best[1]:
            best = (alias, score)
    return best
