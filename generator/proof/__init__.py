"""Proof stage: one evidence model, computed once per build from the published meta articles.

    load -> graph -> filter -> **proof** -> consolidate -> render -> publish

Per definitive article and per agent: the runs, outcomes, success rate with its 95% interval,
medians of tokens, cost, price and margin, first and last run, the current streak, and the
status with its reason (`generator.proof.status`). Per learning: the runs that support it, the
runs that contradict it, and when it was last confirmed. Hand-offs between agents, and each
article's revisions with the runs that followed them. Numbers come from meta articles only,
never from a model, and only published ones count.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from generator.config import Options
from generator.filter import PublicView
from generator.graph.build import LinkGraph
from generator.load.kinds import amount_value, count_value, date_value
from generator.model import OUTCOMES, Note
from generator.proof.citations import AGAINST_RE, ANY_GROUP_RE
from generator.proof.model import (
    Evidence,
    Handoff,
    Learning,
    Record,
    Revision,
    Run,
)
from generator.proof.status import STATUSES, Status, Verdict, verdict

__all__ = [
    "STATUSES",
    "Evidence",
    "Handoff",
    "Learning",
    "Record",
    "Revision",
    "Run",
    "Status",
    "Verdict",
    "compute_evidence",
]

BULLET_RE = re.compile(r"^\s{0,3}[-*+]\s+")
BLOCK_ID_RE = re.compile(r"\s\^([A-Za-z0-9-]+)\s*$")
WIKILINK_TEXT_RE = re.compile(r"!?\[\[([^\]|#]*)(?:#[^\]|]*)?(?:\|([^\]]*))?\]\]")
REVISION_MIN_RUNS = 3
"""Runs a revision needs before its success rate is compared with the one before."""


def compute_evidence(view: PublicView, options: Options, today: dt.date | None = None) -> Evidence:
    today = today or dt.date.today()
    graph = view.graph
    targets = _field_targets(graph)
    internal_agents = {
        n.path for n in view.public_of_kind("agent") if _truthy(_meta(n, "internal"))
    }
    metas = list(view.public_of_kind("meta"))
    parsed = [_run(note, targets.get(note.path, {}), view.notes) for note in metas]
    # The consolidator's runs say so (`consolidation_run:`), and so does its agent.
    for note, run in zip(metas, parsed, strict=True):
        if run is not None and run.agent and note.meta.get("consolidation_run"):
            internal_agents.add(run.agent)
    runs = sorted(
        (_mark_internal(r, internal_agents) for r in parsed if r is not None),
        key=lambda r: (r.date, r.path),
    )

    def record(items: list[Run]) -> Record:
        return Record(items, verdict(items, options, today))

    by_article: dict[str, list[Run]] = {n.path: [] for n in view.public_of_kind("definitive")}
    by_agent: dict[str, list[Run]] = {n.path: [] for n in view.public_of_kind("agent")}
    by_agent_article: dict[str, dict[str, list[Run]]] = {agent: {} for agent in by_agent}
    for run in runs:
        if run.article in by_article:
            by_article[run.article].append(run)
        if run.agent in by_agent:
            by_agent[run.agent].append(run)
            if run.article in by_article:  # one pass: an agent's runs of each article
                by_agent_article[run.agent].setdefault(run.article, []).append(run)
    internal_articles = {
        path
        for path, items in by_article.items()
        if _truthy(_meta(view.notes[path], "internal"))
        or (items and all(r.internal for r in items))
        or (not items and _article_agent(view, path, targets) in internal_agents)
    }
    meta_dates = {r.path: r.date for r in runs}
    consolidations = _consolidations(view, runs)
    current = {
        path: _current_revision(view.notes[path], len(consolidations.get(path, [])))
        for path in by_article
    }
    return Evidence(
        runs=runs,
        articles={p: record(rs) for p, rs in by_article.items()},
        agents={p: record(rs) for p, rs in by_agent.items()},
        agent_skills={
            agent: {article: record(items) for article, items in skills.items()}
            for agent, skills in by_agent_article.items()
        },
        learnings={p: learnings_of(graph, view.notes[p], meta_dates) for p in by_article},
        total=record([r for r in runs if not r.internal]),
        internal=frozenset(internal_agents | internal_articles),
        handoffs=_handoffs(runs),
        revisions={
            p: _revisions(rs, consolidations.get(p, []), current[p], options, today)
            for p, rs in by_article.items()
        },
        current_revision={p: str(n) for p, n in current.items()},
    )


# -- runs ------------------------------------------------------------------------------------


def _run(note: Note, targets: dict[str, str | None], public: dict[str, Note]) -> Run | None:
    meta = note.meta
    date = date_value(meta.get("date"))
    outcome = meta.get("outcome")
    outcome = outcome.strip().lower() if isinstance(outcome, str) else None
    if date is None or outcome not in OUTCOMES:
        return None  # `check` reports it; a run we cannot place is left out of every number

    def link(key: str) -> str | None:
        value = meta.get(key)
        target = targets.get(value.strip()) if isinstance(value, str) else None
        return target if target in public else None

    version = meta.get("skill_version")
    return Run(
        path=note.path,
        title=note.title,
        date=date,
        outcome=outcome,
        # A figure that is not a valid number (`check` says which) counts as nothing.
        tokens_in=count_value(meta.get("tokens_in")) or 0,
        tokens_out=count_value(meta.get("tokens_out")) or 0,
        cost=amount_value(meta.get("cost_usd")) or 0.0,
        duration=amount_value(meta.get("duration_s")) or 0.0,
        model=str(meta.get("model") or ""),
        price=amount_value(meta.get("price_usd")),
        article=link("article"),
        agent=link("agent"),
        triggers=link("triggers"),
        skill_version=str(version).strip() if isinstance(version, str | int) else None,
    )


def _mark_internal(run: Run, internal_agents: set[str]) -> Run:
    if run.agent in internal_agents:
        return Run(**{**run.__dict__, "internal": True})
    return run


def _field_targets(graph: LinkGraph) -> dict[str, dict[str, str | None]]:
    """Per note, the resolved target of each frontmatter wikilink, keyed by the link text."""
    result: dict[str, dict[str, str | None]] = {}
    for path, items in graph.links.items():
        for item in items:
            if item.link.span is None:
                result.setdefault(path, {})[item.link.raw] = item.resolution.target
    return result


def _article_agent(
    view: PublicView, path: str, targets: dict[str, dict[str, str | None]]
) -> str | None:
    value = view.notes[path].meta.get("agent")
    return targets.get(path, {}).get(value.strip()) if isinstance(value, str) else None


def _meta(note: Note, key: str) -> Any:
    return note.meta.get(key)


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1")


# -- learnings -------------------------------------------------------------------------------


def learnings_of(graph: LinkGraph, note: Note, meta_dates: dict[str, dt.date]) -> list[Learning]:
    """Bullets under the note's ``## Learnings``, each with the distinct runs it cites in
    support and, apart, those cited in a ``(contradicted by ...)`` group."""
    start = next(
        (h.line for h in note.headings if h.level == 2 and h.text.casefold() == "learnings"),
        None,
    )
    if start is None:
        return []
    end = min((h.line for h in note.headings if h.line > start and h.level <= 2), default=None)
    lines = note.body.split("\n")
    end = len(lines) if end is None else end
    cited: dict[int, list[tuple[int, str]]] = {}
    for item in graph.links.get(note.path, ()):
        span = item.link.span
        target = item.resolution.target
        if span is not None and target in meta_dates and start < span.line < end:
            cited.setdefault(span.line, []).append((span.start, target))
    learnings: list[Learning] = []
    bullet: list[int] = []

    def close() -> None:
        if not bullet:
            return
        support: dict[str, None] = {}
        against: dict[str, None] = {}
        for number in bullet:
            groups = [m.span() for m in AGAINST_RE.finditer(lines[number])]
            for column, target in cited.get(number, ()):
                inside = any(a <= column < b for a, b in groups)
                (against if inside else support)[target] = None
        for target in against:
            support.pop(target, None)  # a run cited both ways contradicts it
        text = " ".join(lines[i].strip() for i in bullet)
        match = BLOCK_ID_RE.search(text)
        text = BULLET_RE.sub("", BLOCK_ID_RE.sub("", text))
        text = ANY_GROUP_RE.sub("", text)
        text = WIKILINK_TEXT_RE.sub(lambda m: m.group(2) or m.group(1), text)
        dates = [meta_dates[p] for p in support]
        learnings.append(
            Learning(
                text.strip(),
                match.group(1) if match else None,
                tuple(support),
                tuple(against),
                max(dates) if dates else None,
            )
        )
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


# -- hand-offs and revisions -----------------------------------------------------------------


def _handoffs(runs: Iterable[Run]) -> list[Handoff]:
    pairs: dict[tuple[str, str], list[str]] = {}
    for run in runs:
        if run.agent and run.triggers and run.agent != run.triggers:
            pairs.setdefault((run.agent, run.triggers), []).append(run.path)
    return [Handoff(a, b, tuple(paths)) for (a, b), paths in sorted(pairs.items())]


def _consolidations(view: PublicView, runs: list[Run]) -> dict[str, list[dt.date]]:
    """Per definitive article, the dates the consolidation changed it (its run notes link
    the articles they changed from their body), oldest first."""
    dates = {r.path: r.date for r in runs}
    changed: dict[str, set[dt.date]] = {}
    for note in view.public_of_kind("meta"):
        if not note.meta.get("consolidation_run") or note.path not in dates:
            continue
        for item in view.graph.links.get(note.path, ()):
            target = item.resolution.target
            in_body = item.link.span is not None  # not the frontmatter's `article:`
            if in_body and target in view.notes and view.notes[target].kind == "definitive":
                changed.setdefault(target, set()).add(dates[note.path])
    return {path: sorted(found) for path, found in changed.items()}


def _current_revision(article: Note, changes: int) -> int:
    """The revision an article is at: its ``revision:`` (the consolidation counts it up on
    every change), or one more than the consolidations known to have changed it."""
    declared = article.meta.get("revision")
    if isinstance(declared, int) and not isinstance(declared, bool) and declared >= 1:
        return max(declared, changes + 1)
    return changes + 1


def _revisions(
    runs: list[Run], changes: list[dt.date], current: int, options: Options, today: dt.date
) -> list[Revision]:
    """Revision ``current - len(changes)`` is the article before the first consolidation
    known to have changed it (``1`` for a vault that keeps every run note); each change starts
    the next, up to ``current``. A run belongs to the revision it names (``skill_version:``),
    else to the latest revision made before the day it ran. Only revisions with runs count."""
    first = current - len(changes)
    starts: dict[int, dt.date | None] = {first: None}
    starts.update({first + 1 + i: day for i, day in enumerate(changes)})
    grouped: dict[int, list[Run]] = {}
    for run in runs:
        if run.internal:
            continue
        named = run.skill_version.lstrip("rRvV") if run.skill_version else ""
        label = int(named) if named.isdigit() and int(named) in starts else None
        if label is None:
            label = first + sum(1 for day in changes if day < run.date)
        grouped.setdefault(label, []).append(run)
    return [
        Revision(str(label), starts[label], Record(items, verdict(items, options, today)))
        for label, items in sorted(grouped.items())
    ]


def regression(revisions: list[Revision]) -> str | None:
    """Why a human should look at an article whose newest revision does worse, or None."""
    judged = [r for r in revisions if r.record.decided >= REVISION_MIN_RUNS]
    if len(judged) < 2:
        return None
    before, after = judged[-2], judged[-1]
    old, new = before.record.success_rate, after.record.success_rate
    if old is None or new is None or new >= old:
        return None
    return (
        f"revision {after.revision} succeeds in {new:.0%} of {after.record.decided} runs, "
        f"revision {before.revision} in {old:.0%} of {before.record.decided}"
    )
