"""The evidence model's records: a run, a record of runs, a learning's evidence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from generator.proof.stats import median, wilson
from generator.proof.status import DECIDED, Verdict


@dataclass(frozen=True)
class Run:
    """One published meta article, its frontmatter made typed and its links resolved."""

    path: str
    title: str
    date: dt.date
    outcome: str
    """``success``, ``partial``, ``failure``, or ``unknown`` (counted in no rate)."""
    tokens_in: int
    tokens_out: int
    cost: float
    duration: float
    model: str
    price: float | None
    article: str | None
    """Vault path of the definitive article it reports on, when that note is published."""
    agent: str | None
    triggers: str | None
    """Vault path of the agent this run handed off to."""
    skill_version: str | None = None
    """The article revision the agent followed, when the run says so."""
    internal: bool = False
    """A run of an internal agent (the consolidator): kept out of the agency's totals."""

    @property
    def tokens(self) -> int:
        return self.tokens_in + self.tokens_out

    @property
    def margin(self) -> float | None:
        return None if self.price is None else self.price - self.cost


@dataclass
class Record:
    """Aggregates over a list of runs (an article's, an agent's, a revision's or the
    agency's), oldest first, with the status the rules give it."""

    runs: list[Run]
    verdict: Verdict

    @property
    def status(self) -> str:
        return self.verdict.status

    @property
    def reason(self) -> str:
        return self.verdict.reason

    @property
    def count(self) -> int:
        return len(self.runs)

    @property
    def decided(self) -> int:
        """Runs with a judged outcome: the denominator of every rate."""
        return sum(1 for r in self.runs if r.outcome in DECIDED)

    @property
    def successes(self) -> int:
        return sum(1 for r in self.runs if r.outcome == "success")

    @property
    def failures(self) -> int:
        return sum(1 for r in self.runs if r.outcome == "failure")

    @property
    def success_rate(self) -> float | None:
        return self.successes / self.decided if self.decided else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """The 95% Wilson interval of the success rate."""
        return wilson(self.successes, self.decided)

    @property
    def first(self) -> dt.date | None:
        return self.runs[0].date if self.runs else None

    @property
    def last(self) -> dt.date | None:
        return self.runs[-1].date if self.runs else None

    @property
    def streak(self) -> tuple[str, int] | None:
        """The latest judged outcome and how many runs in a row ended that way."""
        decided = [r.outcome for r in self.runs if r.outcome in DECIDED]
        if not decided:
            return None
        last, count = decided[-1], 0
        for outcome in reversed(decided):
            if outcome != last:
                break
            count += 1
        return last, count

    def recent(self, n: int) -> list[Run]:
        return self.runs[-n:]

    @property
    def median_tokens(self) -> float | None:
        return median([r.tokens for r in self.runs])

    @property
    def median_cost(self) -> float | None:
        return median([r.cost for r in self.runs])

    @property
    def median_price(self) -> float | None:
        return median([r.price for r in self.runs if r.price is not None])

    @property
    def median_margin(self) -> float | None:
        return median([m for r in self.runs if (m := r.margin) is not None])

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
    """A bullet of a definitive article's ``## Learnings`` and the runs behind it."""

    text: str
    """The bullet as plain text (links reduced to their labels, citations dropped)."""
    block_id: str | None
    supporting: tuple[str, ...]
    """Published meta articles cited in support, in order of citation."""
    contradicting: tuple[str, ...] = ()
    """Published meta articles cited as contradicting it (``(contradicted by [[...]])``)."""
    last_confirmed: dt.date | None = None
    """The date of the latest supporting run."""


@dataclass(frozen=True)
class Handoff:
    """Runs in which one agent handed the work on to another (``triggers:``)."""

    source: str
    target: str
    runs: tuple[str, ...]


@dataclass(frozen=True)
class Revision:
    """One revision of a definitive article and the runs that followed it."""

    revision: str
    since: dt.date | None
    """The date the consolidation made it (None: the article as first written)."""
    record: Record


@dataclass
class Evidence:
    """Everything the proof says, computed once per build from the published meta articles.
    The site, the catalogue, feeds, ``llms.txt``, ``graph.json``, ``export-skills`` and the
    consolidation's prompt read it; nothing else decides a status or counts a run."""

    runs: list[Run]
    """Every published run, oldest first (internal ones included)."""
    articles: dict[str, Record]
    """Published definitive article path -> its record (every article, runs or not)."""
    agents: dict[str, Record]
    agent_skills: dict[str, dict[str, Record]]
    """Agent path -> published article path -> the agent's own runs of that article (what
    its page shows per skill: the article's record would change every agent's page whenever
    any agent ran it)."""
    learnings: dict[str, list[Learning]]
    """Definitive article path -> its learnings."""
    total: Record
    """The agency's runs: internal agents' runs left out."""
    internal: frozenset[str] = frozenset()
    """Paths of internal agents and of the articles only they perform."""
    handoffs: list[Handoff] = field(default_factory=list)
    revisions: dict[str, list[Revision]] = field(default_factory=dict)
    """Definitive article path -> its revisions that have runs, oldest first."""
    current_revision: dict[str, str] = field(default_factory=dict)
    """Definitive article path -> the revision it is at now (what ``export-skills`` writes)."""

    def proven(self) -> list[str]:
        """The skills to offer (catalogue) and to hand to agents (``export-skills``): proven,
        and not internal. One list, so the two can never disagree."""
        return sorted(
            path
            for path, record in self.articles.items()
            if record.status == "proven" and path not in self.internal
        )
