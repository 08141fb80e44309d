"""Structured edit ops: their schema, parsing an answer into them, and the deterministic apply.

An op never rewrites an article: it adds, updates, deprecates or confirms one learning, adds a
pitfall, or adds or amends one skill step, and always cites the meta articles it comes from.
Targets are short aliases (``L3`` = third learning, ``P1`` = first pitfall, ``S2`` = step 2) of
the article as it was before the run, so a model cannot invent block ids.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from generator.consolidate.article import Article, Bullet, Step

OP_KINDS = (
    "add_learning",
    "update_learning",
    "deprecate_learning",
    "contradict_learning",
    "confirm_learning",
    "add_pitfall",
    "add_step",
    "amend_step",
    "noop",
)
NEEDS_TARGET = {
    "update_learning", "deprecate_learning", "contradict_learning", "confirm_learning", "amend_step"
}  # fmt: skip
NEEDS_TEXT = {"add_learning", "update_learning", "add_pitfall", "add_step", "amend_step"}
NEEDS_REASON = {"deprecate_learning", "contradict_learning", "noop"}
CONTRADICTED_MARK = "Contradicted:"
DEPRECATED_MARK = "Deprecated:"
MAX_TEXT = 600

# JSON schema of one answer: what the model must return (also used for structured outputs).
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["ops"],
    "properties": {
        "ops": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["op", "sources"],
                "properties": {
                    "op": {"type": "string", "enum": list(OP_KINDS)},
                    "target": {
                        "type": "string",
                        "description": "Alias of the learning (L1..), pitfall or step (S1..)",
                    },
                    "after": {
                        "type": "integer",
                        "description": "add_step: insert after this step number (0 = first)",
                    },
                    "text": {"type": "string"},
                    "reason": {"type": "string"},
                    "sources": {
                        "type": "array",
                        "items": {"type": "string"},
                        "description": "Names of the meta articles (from the input) it comes from",
                    },
                },
            },
        }
    },
}


class OpError(ValueError):
    """An op that cannot be parsed or applied; the message says why."""


@dataclass
class Op:
    op: str
    sources: list[str]
    target: str | None = None
    text: str | None = None
    reason: str | None = None
    after: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Applied:
    """What one op did, for the report and the audit log."""

    op: Op
    block_id: str | None = None
    old_text: str | None = None
    new_text: str | None = None


@dataclass
class ApplyResult:
    article: Article
    applied: list[Applied] = field(default_factory=list)


def parse_ops(answer: Any) -> list[Op]:
    """Ops from a decoded answer ``{"ops": [...]}``; raises OpError on any shape problem."""
    if not isinstance(answer, dict) or not isinstance(answer.get("ops"), list):
        raise OpError('answer is not an object with an "ops" list')
    ops = []
    for index, raw in enumerate(answer["ops"], 1):
        if not isinstance(raw, dict):
            raise OpError(f"op {index} is not an object")
        kind = raw.get("op")
        if kind not in OP_KINDS:
            raise OpError(f"op {index}: unknown op {kind!r}")
        sources = raw.get("sources")
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            raise OpError(f"op {index} ({kind}): sources must be a list of names")
        op = Op(kind, [_strip_link(s) for s in sources])
        for name in ("target", "text", "reason"):
            value = raw.get(name)
            if value is not None and not isinstance(value, str):
                raise OpError(f"op {index} ({kind}): {name} must be a string")
            setattr(op, name, value.strip() if isinstance(value, str) else None)
        after = raw.get("after")
        if after is not None and (not isinstance(after, int) or isinstance(after, bool)):
            raise OpError(f"op {index} ({kind}): after must be a step number")
        op.after = after
        check_shape(op, index)
        ops.append(op)
    return ops


def check_shape(op: Op, index: int) -> None:
    label = f"op {index} ({op.op})"
    if not op.sources:
        raise OpError(f"{label}: cites no source meta article")
    if op.op in NEEDS_TARGET and not op.target:
        raise OpError(f"{label}: needs a target")
    if op.op in NEEDS_TEXT and not op.text:
        raise OpError(f"{label}: needs text")
    if op.op in NEEDS_REASON and not op.reason:
        raise OpError(f"{label}: needs a reason")
    for value in (op.text, op.reason):
        if value and ("\n" in value or len(value) > MAX_TEXT):
            raise OpError(f"{label}: text must be one line of at most {MAX_TEXT} characters")


def _strip_link(name: str) -> str:
    name = name.strip()
    if name.startswith("[[") and name.endswith("]]"):
        name = name[2:-2].split("|", 1)[0]
    name = name.strip()
    return name[:-3] if name.lower().endswith(".md") else name


def aliases(article: Article) -> dict[str, Bullet | Step]:
    """``L1``.. for learnings, ``P1``.. for pitfalls, ``S1``.. for steps, by position."""
    table: dict[str, Bullet | Step] = {}
    sections: tuple[tuple[str, Sequence[Bullet | Step]], ...] = (
        ("L", article.learnings),
        ("P", article.pitfalls),
        ("S", article.steps),
    )
    for prefix, items in sections:
        for number, item in enumerate(items, 1):
            table[f"{prefix}{number}"] = item
    return table


def apply_ops(article: Article, ops: list[Op]) -> ApplyResult:
    """Apply ``ops`` in order to ``article`` (mutated). Targets are resolved up front, against
    the article as given, so an inserted step does not shift later ops' aliases."""
    table = aliases(article)
    targets = []
    for index, op in enumerate(ops, 1):
        target = None
        if op.target is not None and op.op in NEEDS_TARGET:
            target = table.get(op.target.upper())
            wanted = Step if op.op == "amend_step" else Bullet
            if target is None or not isinstance(target, wanted):
                raise OpError(f"op {index} ({op.op}): no such target {op.target!r}")
            if op.op != "amend_step" and target not in article.learnings:
                raise OpError(f"op {index} ({op.op}): {op.target} is not a learning")
        targets.append(target)
    result = ApplyResult(article)
    taken = article.block_ids()
    for index, (op, target) in enumerate(zip(ops, targets, strict=True), 1):
        result.applied.append(_apply_one(article, op, target, taken, index))
    return result


def _apply_one(
    article: Article, op: Op, target: Bullet | Step | None, taken: set[str], index: int
) -> Applied:
    kind = op.op
    if kind in ("add_learning", "add_pitfall"):
        prefix, section = ("l", "Learnings") if kind == "add_learning" else ("p", "Pitfalls")
        bullet = Bullet(
            op.text or "",
            list(dict.fromkeys(op.sources)),
            new_block_id(prefix, op.text or "", taken),
        )
        article.ensure_section(section).items.append(bullet)
        return Applied(op, bullet.block_id, None, op.text)
    if kind in ("update_learning", "deprecate_learning", "contradict_learning", "confirm_learning"):
        assert isinstance(target, Bullet)
        if is_deprecated(target) and kind != "confirm_learning":
            raise OpError(f"op {index} ({kind}): {op.target} is already deprecated")
        old = target.text
        if kind == "update_learning":
            target.text = op.text or old
        elif kind == "deprecate_learning":
            target.text = f"~~{old}~~ {DEPRECATED_MARK} {op.reason}"
        elif kind == "contradict_learning":  # counter-evidence, kept beside the claim
            target.text = f"{old} {CONTRADICTED_MARK} {op.reason}"
        for source in op.sources:
            if source not in target.sources:
                target.sources.append(source)
        if target.block_id is None:
            target.block_id = new_block_id("l", old, taken)
        return Applied(op, target.block_id, old, target.text)
    if kind == "add_step":
        steps: list[Step] = article.ensure_section("Skill").items  # type: ignore[assignment]
        after = len(steps) if op.after is None else op.after
        if not 0 <= after <= len(steps):
            raise OpError(f"op {index} (add_step): no step {after} to insert after")
        text = _cite(op.text or "", op.sources)
        steps.insert(after, Step(text))
        return Applied(op, None, None, text)
    if kind == "amend_step":
        assert isinstance(target, Step)
        old = target.text
        target.text = _cite(op.text or "", op.sources)
        return Applied(op, None, old, target.text)
    return Applied(op)  # noop: the sources are merged with nothing new to say


def _cite(text: str, sources: list[str]) -> str:
    return text + " (" + ", ".join(f"[[{s}]]" for s in dict.fromkeys(sources)) + ")"


def is_deprecated(bullet: Bullet) -> bool:
    return bullet.text.startswith("~~") and DEPRECATED_MARK in bullet.text


_STOP = {
    "a", "an", "and", "are", "as", "at", "be", "before", "by", "for", "from", "in", "into", "is",
    "it", "its", "not", "of", "on", "or", "than", "that", "the", "their", "them", "this", "to",
    "when", "with", "even", "only", "just", "each", "per", "every", "they", "we", "our",
}  # fmt: skip


def words(text: str) -> list[str]:
    """Lower-case content words of ``text`` (links and markup dropped), for ids and matching."""
    text = re.sub(r"\[\[([^\]|]*\|)?([^\]]*)\]\]", r"\2", text)
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP]


def new_block_id(prefix: str, text: str, taken: set[str]) -> str:
    """``l-`` plus the first few content words, unique within the note (Citation rules 2)."""
    stem = "-".join(words(text)[:4]) or "item"
    candidate, number = f"{prefix}-{stem}", 2
    while candidate in taken:
        candidate, number = f"{prefix}-{stem}-{number}", number + 1
    taken.add(candidate)
    return candidate
