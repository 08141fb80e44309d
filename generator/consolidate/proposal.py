"""What a consolidator is given for one article and what it answers, whatever its backend."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from generator.consolidate.article import Article
from generator.consolidate.edits import Op
from generator.model import Note
from generator.proof import Learning


@dataclass
class ArticleInput:
    path: str
    title: str
    text: str
    article: Article
    metas: list[Note]
    pinned: dict[str, str] = field(default_factory=dict)
    """Aliases of the items a human owns (never rewritten; see consolidate/validate.py)."""
    rules: list[Note] = field(default_factory=list)
    """The vault's public rule notes (``type: rule``): they go into the instructions."""
    public: bool = True
    """False for an article with ``publish: false``: it is never sent to an LLM."""
    revision: int = 1
    """The revision the article is at (the proof stage's); a change makes it one more."""
    evidence: dict[str, Learning] = field(default_factory=dict)
    """The proof stage's evidence for each learning, by block id (support, contradiction)."""
    description: str = ""
    """The article's one-line ``description:``."""
    previous: list[str] = field(default_factory=list)
    """Why earlier answers for these meta articles were rejected: sent with the request."""


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0

    def __iadd__(self, other: Usage) -> Usage:
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_creation_input_tokens += other.cache_creation_input_tokens
        self.cache_read_input_tokens += other.cache_read_input_tokens
        return self

    def to_json(self) -> dict[str, int]:
        return dict(self.__dict__)

    def split(self, weights: list[int]) -> list[Usage]:
        """This request's usage shared among the articles it covered, in proportion to
        ``weights`` (their parts' sizes); the shares add up to it exactly."""
        total = max(1, sum(weights))
        shares = [Usage() for _ in weights]
        for name, value in self.__dict__.items():
            given = 0
            for index, weight in enumerate(weights):
                part = value - given if index == len(weights) - 1 else value * weight // total
                setattr(shares[index], name, part)
                given += part
        return shares


@dataclass
class Proposal:
    """A consolidator's answer for one article (its share of an answer that may cover
    several): ops, or the reason there are none."""

    ops: list[Op] | None
    error: str | None = None
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    model: str = "offline"
    request_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ops": None if self.ops is None else [op.to_json() for op in self.ops],
            "error": self.error,
            "usage": self.usage.to_json(),
            "cost_usd": self.cost_usd,
            "model": self.model,
            "request_id": self.request_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Proposal:
        ops = data.get("ops")
        return cls(
            None if ops is None else [Op(**op) for op in ops],
            data.get("error"),
            Usage(**data.get("usage") or {}),
            float(data.get("cost_usd") or 0.0),
            str(data.get("model") or "offline"),
            data.get("request_id"),
        )


class Consolidator(Protocol):
    name: str
    model: str
    paid: bool
    """Whether each request costs money: then articles are asked about in batches of
    pending meta articles (``batch_min_meta_articles``, ``batch_max_wait_days``)."""

    def propose_all(self, inputs: list[ArticleInput]) -> Iterator[list[tuple[str, Proposal]]]:
        """One proposal per input (by article path), in any order, grouped by the answer that
        brought them: the engine stores a whole answer before it applies any of it."""
        ...


_SECTION_RE = re.compile(r"^#{1,6}\s+(.*?)\s*$")
_ITEM_RE = re.compile(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+(.*\S)\s*$")


def meta_learnings(meta: Note) -> list[str]:
    """The bullets of a meta article's ``## Learnings`` section, one string each."""
    found: list[str] = []
    inside = False
    for line in meta.body.splitlines():
        heading = _SECTION_RE.match(line)
        if heading:
            inside = heading.group(1).strip().lower() in ("learnings", "lessons", "lessons learned")
            continue
        item = _ITEM_RE.match(line) if inside else None
        if item:
            found.append(item.group(1))
        elif inside and found and line.startswith("  ") and line.strip():
            found[-1] += " " + line.strip()
    return found
