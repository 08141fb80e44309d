"""Validation of an answer before and after it is applied. Any problem rejects the whole answer:
the article stays byte-identical and its meta articles stay pending.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection

from generator.consolidate.article import EDITED_SECTIONS, Article, Bullet, parse_article
from generator.consolidate.edits import Op, aliases, is_deprecated
from generator.secrets import scan

_URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)[^\s)\]>]+")
_HTML_RE = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")
_IMAGE_RE = re.compile(r"!\[")


class ValidationError(ValueError):
    pass


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def recorded_texts(article: Article) -> dict[str, str]:
    """What the ledger remembers after a run: the hash of every learning and pitfall text (by
    block id) and of every step (``step-N``), to tell a later human edit apart."""
    texts = {
        b.block_id: text_hash(b.text) for b in article.learnings + article.pitfalls if b.block_id
    }
    texts.update({f"step-{n}": text_hash(s.text) for n, s in enumerate(article.steps, 1)})
    return texts


def pinned_targets(article: Article, recorded: dict[str, str]) -> dict[str, str]:
    """Learnings and steps a human edited since the consolidator last wrote them: alias ->
    ledger key. The ledger keeps their old hash (see `keep_pins`), so a pin lasts."""
    now = recorded_texts(article)
    pinned = {}
    for alias, item in aliases(article).items():
        key = item.block_id if isinstance(item, Bullet) else f"step-{alias[1:]}"
        if key and key in recorded and key in now and recorded[key] != now[key]:
            pinned[alias] = key
    return pinned


def keep_pins(fresh: dict[str, str], old: dict[str, str], pinned: list[str]) -> dict[str, str]:
    """The texts to record after a run: fresh hashes, except pinned keys keep their old one."""
    return {**fresh, **{key: old[key] for key in pinned if key in old and key in fresh}}


def check_ops(ops: list[Op], inputs: set[str], pinned: Collection[str], source_text: str) -> None:
    """Every op cites only this run's input, leaves pinned text alone, and adds nothing unsafe."""
    for index, op in enumerate(ops, 1):
        label = f"op {index} ({op.op})"
        unknown = [s for s in op.sources if s not in inputs]
        if unknown:
            raise ValidationError(f"{label}: cites {unknown[0]!r}, not a meta article of this run")
        if op.target and op.target.upper() in pinned and op.op != "confirm_learning":
            raise ValidationError(f"{label}: {op.target} was edited by a human and is pinned")
        if op.op == "add_step" and any(p.startswith("S") for p in pinned):
            raise ValidationError(f"{label}: steps were edited by a human; they are pinned")
        for value in (op.text, op.reason):
            if value:
                check_text(value, label, source_text)


def check_text(value: str, label: str, source_text: str) -> None:
    if _HTML_RE.search(value):
        raise ValidationError(f"{label}: raw HTML is not allowed")
    if _IMAGE_RE.search(value):
        raise ValidationError(f"{label}: images are not allowed")
    for url in _URL_RE.findall(value):
        if url.rstrip(".,;") not in source_text:
            raise ValidationError(f"{label}: external link {url} is not in the sources")
    hits = scan(value, personal=True)
    if hits:
        what = "personal data" if hits[0].personal else "a secret"
        raise ValidationError(f"{label}: text holds {what} ({hits[0].kind})")
    if re.search(r"\s\^[A-Za-z0-9-]+\s*$", value):
        raise ValidationError(f"{label}: text must not carry a block id")


def check_result(before: str, after: str) -> None:
    """Human-owned text is byte-identical and every earlier learning and step survives."""
    old, new = parse_article(before), parse_article(after)
    if _outside(old) != _outside(new):
        raise ValidationError("an edit touched text outside Skill, Learnings and Pitfalls")
    new_ids = {b.block_id: b for b in new.learnings + new.pitfalls if b.block_id}
    for bullet in old.learnings + old.pitfalls:
        if bullet.block_id and bullet.block_id not in new_ids:
            raise ValidationError(f"learning ^{bullet.block_id} disappeared")
        if (
            bullet.block_id
            and is_deprecated(bullet)
            and not is_deprecated(new_ids[bullet.block_id])
        ):
            raise ValidationError(f"deprecated learning ^{bullet.block_id} came back")
    if len(new.steps) < len(old.steps):
        raise ValidationError("a skill step disappeared")


def _outside(article: Article) -> list[str]:
    """The article's lines outside the edited sections' item lists."""
    kept: list[str] = []
    cursor = 0
    for section in sorted(article.sections.values(), key=lambda s: s.start):
        kept.extend(article.lines[cursor : section.start + 1])
        kept.extend(section.lead)
        kept.extend(section.trail)
        cursor = section.end
    kept.extend(article.lines[cursor:])
    # A section the run created holds no human text: its heading and blank lines may be new.
    headings = {f"## {n}" for n in EDITED_SECTIONS}
    return [line for line in kept if line.strip() and line not in headings]
