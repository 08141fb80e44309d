"""The offline consolidator: merges meta articles' ``## Learnings`` bullets with no LLM at all.

For each pending meta article, oldest first, each learning bullet is compared with the
article's learnings (`generator.consolidate.similar`, the same rule the guards apply to a
model's answer): one that says what a learning says confirms it, one that says the opposite
contradicts it, anything else becomes a new learning citing the run (two runs teaching the
same new lesson in one night are folded into one learning by the engine). A failed run's
lessons go to ``## Pitfalls`` instead. A lesson whose text is not safe to publish
(`generator.consolidate.validate.check_text`: a link, HTML, a secret, an instruction to the
reader...) is left out with a noop saying why. Deterministic, free, runs anywhere.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from generator.consolidate.article import Article, Bullet
from generator.consolidate.edits import Op, aliases, is_deprecated
from generator.consolidate.proposal import ArticleInput, Proposal, meta_learnings
from generator.consolidate.similar import DUPLICATE_AT, contradicts, similarity
from generator.consolidate.validate import TextRules, ValidationError, check_text


class OfflineConsolidator:
    name = "offline"
    model = "offline"
    paid = False

    def __init__(self, url_hosts: Collection[str] = ()) -> None:
        self.url_hosts = tuple(url_hosts)

    def propose_all(self, inputs: list[ArticleInput]) -> Iterator[list[tuple[str, Proposal]]]:
        for item in inputs:
            yield [(item.path, Proposal(self.ops_for(item)))]

    def ops_for(self, item: ArticleInput) -> list[Op]:
        ops: list[Op] = []
        for meta in item.metas:
            source = meta.stem
            lessons = meta_learnings(meta)
            if not lessons:
                ops.append(Op("noop", [source], reason="no learnings in this run"))
                continue
            failed = meta.meta.get("outcome") == "failure"
            rules = TextRules({source: meta.body}, self.url_hosts)
            for lesson in lessons:
                try:  # a lesson that is not safe is left out, not the whole article
                    check_text(lesson, rules)
                except ValidationError as exc:
                    ops.append(Op("noop", [source], reason=f"lesson left out: it {exc}"))
                    continue
                if failed:
                    ops.append(_pitfall(item.article, lesson, source))
                else:
                    ops.append(_learning(item.article, lesson, source))
        return ops


def _learning(article: Article, lesson: str, source: str) -> Op:
    alias, score = _closest(article, "L", lesson)
    if alias is not None and score >= DUPLICATE_AT:
        target = article.learnings[int(alias[1:]) - 1]
        if contradicts(lesson, target.text):
            return Op("contradict_learning", [source], target=alias, reason=lesson)
        return Op("confirm_learning", [source], target=alias)
    return Op("add_learning", [source], text=lesson)


def _pitfall(article: Article, lesson: str, source: str) -> Op:
    alias, score = _closest(article, "P", lesson)
    if alias is not None and score >= DUPLICATE_AT:
        return Op("confirm_pitfall", [source], target=alias)
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
