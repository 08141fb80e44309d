"""Structured edit ops: what each kind needs (one spec per kind, from which the answer's JSON
schema is made), reading an answer into ops, and the deterministic apply of one op.

An op never rewrites an article: it adds, confirms, updates, contradicts, deprecates or merges
one learning or pitfall, or adds, amends, retires or merges one skill step, and always cites
the meta articles it comes from. Targets are short aliases of the article as it was before the
run (``L3`` = third learning, ``P1`` = first pitfall, ``S2`` = step 2), so a model cannot
invent block ids. Each op is decided on its own: a malformed op is kept with its problem and
rejected, and the others still count (`generator.consolidate.engine`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from generator.consolidate.article import Article, Bullet, Step

MAX_TEXT = 400
"""Characters in an op's text or reason: one or two sentences. Stated in the schema and the
instructions, enforced by `check_shape`."""
CONTRADICTED_MARK = "Contradicted:"
DEPRECATED_MARK = "Deprecated:"
RETIRED_MARK = "Retired:"


@dataclass(frozen=True)
class Spec:
    """What one kind of op needs."""

    target: str | None
    """The alias prefix its ``target`` must have (``L``, ``P``, ``S``), or None: no target."""
    needs: tuple[str, ...]
    """Fields it must carry besides ``op`` and ``sources``."""
    optional: tuple[str, ...]
    doc: str
    """What the op does, where its name and fields do not say it (the instructions list it)."""
    changes_existing: bool = False
    """Rewrites, retires or removes an item that is already there (the wholesale guard)."""


SPECS: dict[str, Spec] = {
    "add_learning": Spec(None, ("text",), (), ""),
    "confirm_learning": Spec("L", (), (), ""),
    "update_learning": Spec("L", ("text",), (), "", True),
    "contradict_learning": Spec("L", ("reason",), (), "kept, with why"),
    "deprecate_learning": Spec("L", ("reason",), (), "", True),
    "merge_learnings": Spec("L", ("other",), ("text",), "other folds into target", True),
    "add_pitfall": Spec(None, ("text",), (), ""),
    "confirm_pitfall": Spec("P", (), (), ""),
    "update_pitfall": Spec("P", ("text",), (), "", True),
    "add_step": Spec(None, ("text", "after"), (), "after: a step number, 0 for first"),
    "amend_step": Spec("S", ("text",), (), "", True),
    "retire_step": Spec("S", ("reason",), (), "", True),
    "merge_steps": Spec("S", ("other", "text"), (), "", True),
    "flag_for_human": Spec(None, ("reason",), ("target",), "a person must decide"),
    "noop": Spec(None, ("reason",), (), "a meta article adds nothing new"),
}
OP_KINDS = tuple(SPECS)
ALIAS_PATTERNS = {"L": r"^L[1-9][0-9]*$", "P": r"^P[1-9][0-9]*$", "S": r"^S[1-9][0-9]*$"}
_ALIAS_RE = re.compile(r"^([LPS])([1-9][0-9]*)$")


ARTICLE_PATTERN = r"^A[1-9][0-9]*$"
"""An answer names each article of the request by its alias (``A1``, ``A2``...)."""


def _shape(spec: Spec) -> tuple[Any, ...]:
    return (spec.target, spec.needs, spec.optional)


def _variant(kinds: list[str], spec: Spec) -> dict[str, Any]:
    """The JSON schema of the op kinds that share one shape (the same target pattern, the same
    required and optional fields): ``op`` is their ``enum``, so each kind still gets exactly
    its own required fields and target pattern, and the schema accepts exactly what one
    variant per kind would. Only what the Anthropic structured-outputs subset supports:
    ``enum``, ``pattern``, ``required``, ``additionalProperties: false``, local ``$ref``, no
    length limits (the instructions state MAX_TEXT and `check_shape` enforces it). Kept terse:
    the schema goes with every request (and is billed like input, see BENCHMARKS.md)."""
    properties: dict[str, Any] = {
        "op": {"const": kinds[0]} if len(kinds) == 1 else {"enum": kinds},
        "sources": {"$ref": "#/$defs/sources"},
    }
    required = ["op", "sources"]
    if spec.target is not None:
        properties["target"] = {"$ref": f"#/$defs/{spec.target}"}
        required.append("target")
    for name in (*spec.needs, *spec.optional):
        if name in ("text", "reason"):
            properties[name] = {"type": "string"}
        elif name == "after":
            properties[name] = {"type": "integer"}
        elif name == "other":
            assert spec.target is not None
            properties[name] = {"$ref": f"#/$defs/{spec.target}"}
        elif name == "target":
            properties[name] = {"$ref": "#/$defs/item"}
        if name in spec.needs:
            required.append(name)
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": properties,
    }


def _variants() -> list[dict[str, Any]]:
    shapes: dict[tuple[Any, ...], list[str]] = {}
    for kind, spec in SPECS.items():
        shapes.setdefault(_shape(spec), []).append(kind)
    return [_variant(kinds, SPECS[kinds[0]]) for kinds in shapes.values()]


ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["articles"],
    "properties": {
        "articles": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["article", "ops"],
                "properties": {
                    "article": {"type": "string", "pattern": ARTICLE_PATTERN},
                    "ops": {"type": "array", "items": {"anyOf": _variants()}},
                },
            },
        }
    },
    "$defs": {
        "sources": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        **{prefix: {"type": "string", "pattern": p} for prefix, p in ALIAS_PATTERNS.items()},
        "item": {"type": "string", "pattern": r"^[LPS][1-9][0-9]*$"},
    },
}
"""What the model must return: per article of the request (by alias), its ops, each of the
shape its kind needs. The validator's rules, as far as the structured-outputs subset can say
them."""


class OpError(ValueError):
    """An op that cannot be read or applied; the message says why."""


@dataclass
class Op:
    op: str
    sources: list[str]
    target: str | None = None
    text: str | None = None
    reason: str | None = None
    after: int | None = None
    other: str | None = None
    problem: str | None = None
    """Why this op cannot be applied as it came (a shape error): it is rejected on its own."""
    folded: str | None = None
    """Set when the guard turned a near-duplicate ``add_learning`` into a confirmation."""

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class Applied:
    """What one op did, for the report, the audit log and the run's meta article."""

    op: Op
    block_id: str | None = None
    old_text: str | None = None
    new_text: str | None = None


@dataclass
class Rejected:
    """An op that did not land, and why (reported, logged, and sent with the next request)."""

    index: int
    op: Op
    reason: str

    def describe(self) -> str:
        target = f" {self.op.target}" if self.op.target else ""
        return f"op {self.index} ({self.op.op}{target}): {self.reason}"


@dataclass
class ApplyResult:
    article: Article
    applied: list[Applied] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def parse_answer(answer: Any) -> dict[str, list[Op]]:
    """Ops by article alias from a decoded answer ``{"articles": [{"article": "A1", "ops":
    [...]}]}``. Only an answer that is not such an object raises OpError; a malformed op comes
    back with its ``problem`` set, and a group whose alias is malformed under the key ``""``
    (the caller rejects what it cannot place). Two groups for one article are read as one."""
    if not isinstance(answer, dict) or not isinstance(answer.get("articles"), list):
        raise OpError('answer is not an object with an "articles" list')
    found: dict[str, list[Op]] = {}
    for group in answer["articles"]:
        if not isinstance(group, dict) or not isinstance(group.get("ops"), list):
            raise OpError('an entry of "articles" is not an object with an "ops" list')
        alias = group.get("article")
        key = alias.strip().upper() if isinstance(alias, str) else ""
        if not re.match(ARTICLE_PATTERN, key):
            key = ""
        ops = found.setdefault(key, [])
        ops += [_read_op(raw, len(ops) + i) for i, raw in enumerate(group["ops"], 1)]
    return found


def _read_op(raw: Any, index: int) -> Op:
    if not isinstance(raw, dict):
        return Op("invalid", [], problem="not an object")
    kind = raw.get("op")
    if not isinstance(kind, str) or kind not in SPECS:
        return Op(str(kind)[:40], [], problem=f"unknown op {str(kind)[:40]!r}")
    sources = raw.get("sources")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        return Op(kind, [], problem="sources must be a list of names")
    op = Op(kind, [_strip_link(s) for s in sources])
    for name in ("target", "text", "reason", "other"):
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            op.problem = f"{name} must be a string"
            return op
        setattr(op, name, value.strip() if isinstance(value, str) else None)
    after = raw.get("after")
    if after is not None and (not isinstance(after, int) or isinstance(after, bool)):
        op.problem = "after must be a step number"
        return op
    op.after = after
    unknown = sorted(set(raw) - {"op", "sources", "target", "text", "reason", "after", "other"})
    if unknown:
        op.problem = f"unknown field(s): {', '.join(unknown)}"
        return op
    try:
        check_shape(op)
    except OpError as exc:
        op.problem = str(exc)
    return op


def check_shape(op: Op) -> None:
    """What the schema says, checked again: the model's answer is not trusted to follow it."""
    spec = SPECS[op.op]
    if not op.sources:
        raise OpError("cites no source meta article")
    for name in spec.needs:
        if getattr(op, name) in (None, ""):
            raise OpError(f"needs {name}")
    if spec.target is not None:
        for name in ("target", "other"):
            value = getattr(op, name)
            if value is not None and not re.match(ALIAS_PATTERNS[spec.target], value.upper()):
                raise OpError(f"{name} {value!r} is not a {_section_name(spec.target)} alias")
        if op.target is None:
            raise OpError("needs target")
    if op.other is not None and op.target is not None and op.other.upper() == op.target.upper():
        raise OpError("other is the target itself")
    for name in ("text", "reason"):
        value = getattr(op, name)
        if value is not None and len(value) > MAX_TEXT:
            raise OpError(f"{name} is longer than {MAX_TEXT} characters")


def _section_name(prefix: str) -> str:
    return {"L": "learning", "P": "pitfall", "S": "step"}[prefix]


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


def resolve(table: dict[str, Bullet | Step], alias: str | None) -> Bullet | Step | None:
    return None if alias is None else table.get(alias.upper())


def apply_op(
    article: Article,
    op: Op,
    table: dict[str, Bullet | Step],
    taken: set[str],
    pinned: frozenset[str] = frozenset(),
) -> Applied:
    """Apply one op to ``article`` (mutated); ``table`` resolves aliases against the article as
    it was before the run, ``pinned`` names the items whose text a human owns (validation has
    refused every op that would rewrite them; a contradiction only cites its run there).
    Raises OpError when it cannot; the caller applies each op to a copy."""
    kind = op.op
    target = resolve(table, op.target)
    other = resolve(table, op.other)
    spec = SPECS[kind]
    if spec.target is not None:
        for alias, item in ((op.target, target), (op.other, other)):
            if alias is not None and (item is None or not _present(article, item)):
                raise OpError(f"no {_section_name(spec.target)} {alias} in the article now")
    if kind in ("add_learning", "add_pitfall"):
        prefix, section = ("l", "Learnings") if kind == "add_learning" else ("p", "Pitfalls")
        bullet = Bullet(op.text or "", _unique(op.sources), new_block_id(prefix, op.text, taken))
        article.ensure_section(section).items.append(bullet)  # type: ignore[arg-type, unused-ignore]
        return Applied(op, bullet.block_id, None, op.text)
    if isinstance(target, Bullet):
        human = (op.target or "").upper() in pinned
        return _apply_bullet(article, op, target, other, taken, human)
    if isinstance(target, Step):
        return _apply_step(article, op, target, other)
    if kind == "add_step":
        steps: list[Step] = article.ensure_section("Skill").items  # type: ignore[assignment]
        after = op.after if op.after is not None else len(steps)
        if not 0 <= after <= len(steps):
            raise OpError(f"no step {after} to insert after")
        text = cite(op.text or "", op.sources)
        steps.insert(after, Step(text))
        return Applied(op, None, None, text)
    return Applied(op)  # noop, flag_for_human: nothing in the article changes


def _apply_bullet(
    article: Article,
    op: Op,
    target: Bullet,
    other: Bullet | Step | None,
    taken: set[str],
    human: bool,
) -> Applied:
    kind = op.op
    if is_deprecated(target) and kind not in ("confirm_learning", "confirm_pitfall"):
        raise OpError(f"{op.target} is deprecated")
    old = target.text
    if kind in ("update_learning", "update_pitfall"):
        target.text = op.text or old
    elif kind == "deprecate_learning":
        target.text = f"~~{old}~~ {DEPRECATED_MARK} {op.reason}"
    elif kind == "merge_learnings":
        assert isinstance(other, Bullet)
        if is_deprecated(other):
            raise OpError(f"{op.other} is deprecated")
        if article.learnings.index(other) < article.learnings.index(target):
            target, other = other, target  # the older learning (listed first) keeps its id
            old = target.text
        target.text = op.text or old
        target.sources = _unique([*target.sources, *other.sources])
        target.against = _unique([*target.against, *other.against])
        article.learnings.remove(other)
    if kind == "contradict_learning":  # counter-evidence, cited apart from the support
        if not human:  # a human's wording stays as written; the run is cited all the same
            target.text = f"{old} {CONTRADICTED_MARK} {op.reason}"
        target.sources = [s for s in target.sources if s not in op.sources]
        target.against = _unique([*target.against, *op.sources])
    else:
        target.sources = _unique([*target.sources, *op.sources])
        target.sources = [s for s in target.sources if s not in target.against]
    if target.block_id is None:
        prefix = "p" if kind.endswith("pitfall") else "l"
        target.block_id = new_block_id(prefix, old, taken)
    return Applied(op, target.block_id, old, target.text)


def _apply_step(article: Article, op: Op, target: Step, other: Bullet | Step | None) -> Applied:
    old = target.text
    if is_retired(target):
        raise OpError(f"{op.target} is retired")
    if op.op == "amend_step":
        target.text = cite(op.text or "", op.sources)
    elif op.op == "retire_step":
        target.text = f"~~{old}~~ {RETIRED_MARK} {op.reason} {_citation(op.sources)}"
    elif op.op == "merge_steps":
        assert isinstance(other, Step)
        target.text = cite(op.text or "", op.sources)
        article.steps.remove(other)
    return Applied(op, None, old, target.text)


def _present(article: Article, item: Bullet | Step) -> bool:
    pool: Sequence[Bullet | Step] = (
        article.steps if isinstance(item, Step) else [*article.learnings, *article.pitfalls]
    )
    return any(entry is item for entry in pool)


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def _citation(sources: list[str]) -> str:
    return "(" + ", ".join(f"[[{s}]]" for s in _unique(sources)) + ")"


def cite(text: str, sources: list[str]) -> str:
    """A step's text with the runs it comes from (steps carry their citation inline)."""
    return f"{text} {_citation(sources)}"


def is_deprecated(bullet: Bullet) -> bool:
    return bullet.text.startswith("~~") and DEPRECATED_MARK in bullet.text


def is_retired(step: Step) -> bool:
    return step.text.startswith("~~") and RETIRED_MARK in step.text


_STOP = {
    "a", "an", "and", "are", "as", "at", "be", "before", "by", "for", "from", "in", "into", "is",
    "it", "its", "not", "of", "on", "or", "than", "that", "the", "their", "them", "this", "to",
    "when", "with", "even", "only", "just", "each", "per", "every", "they", "we", "our",
}  # fmt: skip


def words(text: str) -> list[str]:
    """Lower-case content words of ``text`` (links and markup dropped), for ids and matching."""
    text = re.sub(r"\[\[([^\]|]*\|)?([^\]]*)\]\]", r"\2", text)
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP]


def new_block_id(prefix: str, text: str | None, taken: set[str]) -> str:
    """``l-`` plus the first few content words, unique within the note (Citation rules 2)."""
    stem = "-".join(words(text or "")[:4]) or "item"
    candidate, number = f"{prefix}-{stem}", 2
    while candidate in taken:
        candidate, number = f"{prefix}-{stem}-{number}", number + 1
    taken.add(candidate)
    return candidate
