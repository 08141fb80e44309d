"""Track records: the numbers the proof site shows, computed from meta articles at build time.

Only published meta articles count, so a private run never shows up in any number, list or
chart. Every figure is derived here and nowhere else (never written by an LLM):

- runs, successes, success rate (successes / runs)
- first and last run date
- median tokens (in + out), median cost, median price and median margin (price - cost, over the
  runs whose ``price_usd`` is known)
- status: ``failing`` when the last ``failing_after`` runs all failed, else ``stale`` when the
  last run is older than ``stale_after_days``, else ``proven`` with at least ``proven_after``
  successful runs, else ``probation``
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from dataclasses import dataclass, field
from typing import Any, Literal

from generator.config import Options
from generator.graph.build import LinkGraph
from generator.load.kinds import amount_value, count_value
from generator.model import Note

Status = Literal["proven", "probation", "stale", "failing"]
STATUSES: tuple[Status, ...] = ("proven", "probation", "stale", "failing")
BULLET_RE = re.compile(r"^\s{0,3}[-*+]\s+")
BLOCK_ID_RE = re.compile(r"\s\^([A-Za-z0-9-]+)\s*$")
WIKILINK_TEXT_RE = re.compile(r"!?\[\[([^\]|#]*)(?:#[^\]|]*)?(?:\|([^\]]*))?\]\]")


@dataclass(frozen=True)
class Run:
    """One published meta article, its frontmatter made typed and its links resolved."""

    path: str
    title: str
    date: dt.date
    outcome: str
    tokens: int
    cost: float
    duration: float
    model: str
    price: float | None
    article: str | None
    """Vault path of the definitive article it reports on, when that note is published."""
    agent: str | None
    triggers: str | None
    """Vault path of the agent this run handed off to."""

    @property
    def margin(self) -> float | None:
        return None if self.price is None else self.price - self.cost


@dataclass
class Record:
    """Aggregates over a list of runs (an article's, an agent's or the whole vault's)."""

    runs: list[Run]
    """Oldest first."""
    status: Status = "probation"

    @property
    def count(self) -> int:
        return len(self.runs)

    @property
    def successes(self) -> int:
        return sum(1 for r in self.runs if r.outcome == "success")

    @property
    def success_rate(self) -> float | None:
        return self.successes / self.count if self.runs else None

    @property
    def first(self) -> dt.date | None:
        return self.runs[0].date if self.runs else None

    @property
    def last(self) -> dt.date | None:
        return self.runs[-1].date if self.runs else None

    @property
    def median_tokens(self) -> float | None:
        return _median([r.tokens for r in self.runs])

    @property
    def median_cost(self) -> float | None:
        return _median([r.cost for r in self.runs])

    @property
    def median_price(self) -> float | None:
        return _median([r.price for r in self.runs if r.price is not None])

    @property
    def median_margin(self) -> float | None:
        return _median([r.margin for r in self.runs if r.margin is not None])

    @property
    def tokens(self) -> int:
        return sum(r.tokens for r in self.runs)

    @property
    def spent(self) -> float:
        return sum(r.cost for r in self.runs)

    @property
    def earned(self) -> float:
        return sum(r.price for r in self.runs if r.price is not None)

    @property
    def priced(self) -> int:
        return sum(1 for r in self.runs if r.price is not None)


@dataclass(frozen=True)
class Learning:
    """A bullet of a definitive article's ``## Learnings`` and the runs it cites."""

    text: str
    """The bullet as plain text (links reduced to their labels), for lists and tables."""
    block_id: str | None
    runs: tuple[str, ...]
    """Distinct published meta articles cited in the bullet, in order of citation."""


@dataclass
class TrackRecords:
    runs: list[Run]
    articles: dict[str, Record]
    """Published definitive article path -> its record (every article, runs or not)."""
    agents: dict[str, Record]
    learnings: dict[str, list[Learning]]
    """Definitive article path -> its learnings."""
    total: Record = field(default_factory=lambda: Record([]))


def status_of(runs: list[Run], options: Options, today: dt.date) -> Status:
    """The badge for a record, oldest run first. Thresholds come from ``extra.definitive``."""
    recent = runs[-options.failing_after :]
    if len(recent) == options.failing_after and all(r.outcome == "failure" for r in recent):
        return "failing"
    if runs and (today - runs[-1].date).days > options.stale_after_days:
        return "stale"
    if sum(1 for r in runs if r.outcome == "success") >= options.proven_after:
        return "proven"
    return "probation"


def compute(graph: LinkGraph, options: Options, today: dt.date | None = None) -> TrackRecords:
    today = today or dt.date.today()
    vault = graph.vault
    public = {n.path for n in vault.public_notes()}
    targets = _field_targets(graph)
    parsed = [
        _run(note, targets.get(note.path, {}), public)
        for note in vault.public_notes()
        if note.kind == "meta"
    ]
    runs = sorted((r for r in parsed if r is not None), key=lambda r: (r.date, r.path))
    by_article: dict[str, list[Run]] = {
        n.path: [] for n in vault.public_notes() if n.kind == "definitive"
    }
    by_agent: dict[str, list[Run]] = {n.path: [] for n in vault.public_notes() if n.kind == "agent"}
    for run in runs:
        if run.article in by_article:
            by_article[run.article].append(run)
        if run.agent in by_agent:
            by_agent[run.agent].append(run)
    meta_paths = {r.path for r in runs}
    return TrackRecords(
        runs=runs,
        articles={p: Record(rs, status_of(rs, options, today)) for p, rs in by_article.items()},
        agents={p: Record(rs, status_of(rs, options, today)) for p, rs in by_agent.items()},
        learnings={p: learnings_of(graph, vault.notes[p], meta_paths) for p in by_article},
        total=Record(runs),
    )


def learnings_of(graph: LinkGraph, note: Note, meta_paths: set[str]) -> list[Learning]:
    """Bullets under the note's ``## Learnings``; each counts the distinct runs it cites."""
    start = next(
        (h.line for h in note.headings if h.level == 2 and h.text.casefold() == "learnings"),
        None,
    )
    if start is None:
        return []
    end = min((h.line for h in note.headings if h.line > start and h.level <= 2), default=None)
    lines = note.body.split("\n")
    end = len(lines) if end is None else end
    cited: dict[int, list[str]] = {}
    for item in graph.links.get(note.path, ()):
        span = item.link.span
        target = item.resolution.target
        if span is not None and target in meta_paths and start < span.line < end:
            cited.setdefault(span.line, []).append(target)
    learnings: list[Learning] = []
    bullet: list[int] = []

    def close() -> None:
        if not bullet:
            return
        text = " ".join(lines[i].strip() for i in bullet)
        match = BLOCK_ID_RE.search(text)
        text = BULLET_RE.sub("", BLOCK_ID_RE.sub("", text))
        text = WIKILINK_TEXT_RE.sub(lambda m: m.group(2) or m.group(1), text)
        runs = dict.fromkeys(p for i in bullet for p in cited.get(i, ()))
        learnings.append(Learning(text.strip(), match.group(1) if match else None, tuple(runs)))
        bullet.clear()

    for i in range(start + 1, end):
        line = lines[i]
        if BULLET_RE.match(line) and not line.startswith((" ", "\t")):
            close()
            bullet.append(i)
        elif bullet and line.strip():
            bullet.append(i)
        elif not line.strip():
            close()
    close()
    return learnings


def _field_targets(graph: LinkGraph) -> dict[str, dict[str, str | None]]:
    """Per note, the resolved target of each frontmatter wikilink, keyed by the link text."""
    result: dict[str, dict[str, str | None]] = {}
    for path, items in graph.links.items():
        for item in items:
            if item.link.span is None:
                result.setdefault(path, {})[item.link.raw] = item.resolution.target
    return result


def _run(note: Note, targets: dict[str, str | None], public: set[str]) -> Run | None:
    meta = note.meta
    date = _date(meta.get("date"))
    if date is None or meta.get("outcome") not in ("success", "partial", "failure"):
        return None  # `check` reports it; a run we cannot place is left out of every number

    def link(key: str) -> str | None:
        value = meta.get(key)
        target = targets.get(value.strip()) if isinstance(value, str) else None
        return target if target in public else None

    return Run(
        path=note.path,
        title=note.title,
        date=date,
        outcome=str(meta["outcome"]),
        tokens=sum(count_value(meta.get(key)) or 0 for key in ("tokens_in", "tokens_out")),
        cost=amount_value(meta.get("cost_usd")) or 0.0,
        duration=amount_value(meta.get("duration_s")) or 0.0,
        model=meta["model"] if isinstance(meta.get("model"), str) else "",
        price=amount_value(meta.get("price_usd")),
        article=link("article"),
        agent=link("agent"),
        triggers=link("triggers"),
    )


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _median(values: list[Any]) -> float | None:
    return float(statistics.median(values)) if values else None
