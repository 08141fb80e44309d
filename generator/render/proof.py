"""The proof pages: track records on articles, agent dashboards, run cards, home, catalogue.

Each piece is markdown from a Jinja2 template in ``site_templates/pages/``, filled with the
numbers `track_record` computed. The work per page is bounded by that note's own runs, so a
big vault costs one pass over its meta articles, never a pass per page.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any

import jinja2

from generator.config import Options
from generator.load.kinds import count_value
from generator.model import Note, Vault
from generator.render.charts import cost_chart
from generator.render.slugs import relative_url
from generator.render.track_record import STATUSES, Run, TrackRecords

CATALOGUE = "catalogue/index.md"
RECENT_RUNS = 10
LATEST_LEARNINGS = 6
# Frontmatter a meta article's run card shows; left out of its plain property list.
CARD_KEYS = {
    "article",
    "agent",
    "date",
    "outcome",
    "tokens_in",
    "tokens_out",
    "cost_usd",
    "duration_s",
    "model",
    "price_usd",
    "triggers",
}


def usd(value: float | None) -> str:
    if value is None:
        return "—"
    return f"${value:,.3f}" if abs(value) < 1 else f"${value:,.2f}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def cell(text: Any) -> str:
    """Text safe inside a markdown table cell or link label."""
    value = str(text).replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return value.replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def oneline(text: Any) -> str:
    """Text for a plain-text list line (llms.txt): one line, no link syntax."""
    return " ".join(str(text).replace("[", "(").replace("]", ")").split())


def add_filters(env: jinja2.Environment) -> None:
    env.filters.update(usd=usd, percent=percent, number=number, cell=cell, oneline=oneline)


@dataclass
class ProofPages:
    vault: Vault
    records: TrackRecords
    note_paths: dict[str, str]
    """Published vault path -> docs path."""
    options: Options
    env: jinja2.Environment

    def __post_init__(self) -> None:
        self._runs = {r.path: r for r in self.records.runs}
        # Hand-offs into each agent, gathered once (not a scan of every run per agent page).
        self._handoffs_in: dict[str, dict[str, list[Run]]] = {}
        for run in self.records.runs:
            if run.triggers and run.agent and run.agent != run.triggers:
                by_agent = self._handoffs_in.setdefault(run.triggers, {})
                by_agent.setdefault(run.agent, []).append(run)

    # -- helpers -----------------------------------------------------------------------------

    def _link(self, page: str, path: str | None, anchor: str = "") -> dict[str, str] | None:
        if path is None or path not in self.note_paths:
            return None
        title = self.vault.notes[path].title
        return {"title": title, "href": relative_url(page, self.note_paths[path], anchor)}

    def _run_row(self, page: str, run: Run) -> dict[str, Any]:
        link = self._link(page, run.path)
        # Run tables have a date column: drop the date that starts a run title.
        if link is not None:
            short = run.title.removeprefix(run.date.isoformat()).strip(" -–·")
            link["label"] = short or run.title
        return {
            "run": run,
            "link": link,
            "agent": self._link(page, run.agent),
            "article": self._link(page, run.article),
            "triggers": self._link(page, run.triggers),
        }

    def _status_note(self, status: str, successes: int, last: dt.date | None) -> str:
        need = self.options.proven_after
        return {
            "proven": f"{successes} successful runs (proven from {need}).",
            "probation": f"{successes} of the {need} successful runs needed to be proven.",
            "stale": f"No run since {last} (stale after {self.options.stale_after_days} days).",
            "failing": f"The last {self.options.failing_after} runs failed.",
        }[status]

    # -- per note ------------------------------------------------------------------------------

    def sections(self, note: Note, page: str) -> tuple[str, str]:
        """(markdown above the body, markdown below it) for a note's own page."""
        if note.kind == "definitive":
            return "", self._article(note, page)
        if note.kind == "agent":
            return "", self._agent(note, page)
        if note.kind == "meta" and note.path in self._runs:
            return self._card(note, page), ""
        return "", ""

    def annotate(self, note: Note, body: str) -> str:
        """Mark each learning in a definitive article's body with the runs that support it."""
        for item in self.records.learnings.get(note.path, []):
            if not item.block_id:
                continue
            anchor = f'<span class="dfn-block" id="^{html.escape(item.block_id)}"></span>'
            count = len(item.runs)
            badge = (
                f'<span class="dfn-support" title="Distinct runs cited by this learning">'
                f"{count} {'run' if count == 1 else 'runs'}</span>"
            )
            body = body.replace(anchor, f"{badge} {anchor}", 1)
        return body

    def _article(self, note: Note, page: str) -> str:
        record = self.records.articles[note.path]
        learnings = [
            {
                "text": item.text,
                "href": relative_url(page, page, f"^{item.block_id}") if item.block_id else None,
                "runs": [self._link(page, p) for p in item.runs],
            }
            for item in self.records.learnings.get(note.path, [])
        ]
        return self.env.get_template("track_record.md.j2").render(
            record=record,
            status_note=self._status_note(record.status, record.successes, record.last),
            chart=cost_chart(record.runs, note.title),
            runs=[self._run_row(page, r) for r in reversed(record.runs)],
            learnings=learnings,
        )

    def _agent(self, note: Note, page: str) -> str:
        record = self.records.agents[note.path]
        ran = {r.article for r in record.runs if r.article}
        listed = _listed_skills(note)
        skills = [
            {"link": self._link(page, path), "record": self.records.articles[path]}
            for path in sorted(self.records.articles)
            if path in ran or self.vault.notes[path].title.casefold() in listed
        ]
        handoffs_out: dict[str, list[Run]] = {}
        for run in record.runs:
            if run.triggers and run.triggers != note.path:
                handoffs_out.setdefault(run.triggers, []).append(run)
        handoffs_in = self._handoffs_in.get(note.path, {})
        return self.env.get_template("agent_record.md.j2").render(
            record=record,
            chart=cost_chart(record.runs, note.title),
            skills=skills,
            handoffs_out=[
                (self._link(page, a), [self._link(page, r.path) for r in rs])
                for a, rs in handoffs_out.items()
            ],
            handoffs_in=[
                (self._link(page, a), [self._link(page, r.path) for r in rs])
                for a, rs in handoffs_in.items()
            ],
            recent=[self._run_row(page, r) for r in list(reversed(record.runs))[:RECENT_RUNS]],
            name=note.title,
        )

    def _card(self, note: Note, page: str) -> str:
        run = self._runs[note.path]
        meta = note.meta
        return self.env.get_template("run_card.md.j2").render(
            row=self._run_row(page, run),
            tokens_in=count_value(meta.get("tokens_in")),  # None (shown as "—") when invalid
            tokens_out=count_value(meta.get("tokens_out")),
        )

    # -- generated pages -----------------------------------------------------------------------

    def dashboard(self, page: str) -> str:
        """The home page's dashboard: totals, agents, articles by status, latest learnings."""
        by_status: dict[str, list[dict[str, Any]]] = {s: [] for s in STATUSES}
        for path, record in sorted(self.records.articles.items()):
            by_status[record.status].append({"link": self._link(page, path), "record": record})
        latest: list[tuple[dt.date, dict[str, Any]]] = []
        for path, items in self.records.learnings.items():
            for item in items:
                dates = [self._runs[p].date for p in item.runs if p in self._runs]
                if dates and item.block_id:
                    entry = {
                        "text": item.text,
                        "link": self._link(page, path, f"^{item.block_id}"),
                        "article": self.vault.notes[path].title,
                        "date": max(dates),
                        "runs": len(item.runs),
                    }
                    latest.append((max(dates), entry))
        latest.sort(key=lambda pair: pair[0], reverse=True)
        return self.env.get_template("dashboard.md.j2").render(
            total=self.records.total,
            agents=[
                {"link": self._link(page, path), "record": record, "job": _job(self.vault, path)}
                for path, record in sorted(self.records.agents.items())
            ],
            by_status=by_status,
            latest=[entry for _, entry in latest[:LATEST_LEARNINGS]],
            catalogue=relative_url(page, CATALOGUE),
        )

    def catalogue(self) -> str:
        offers = [
            {
                "link": self._link(CATALOGUE, path),
                "record": record,
                "description": str(self.vault.notes[path].meta.get("description") or ""),
                "agents": [
                    self._link(CATALOGUE, a) for a in dict.fromkeys(r.agent for r in record.runs)
                ],
            }
            for path, record in sorted(self.records.articles.items())
            if record.status == "proven"
        ]
        waiting = sum(1 for r in self.records.articles.values() if r.status != "proven")
        return self.env.get_template("catalogue.md.j2").render(
            offers=offers, waiting=waiting, proven_after=self.options.proven_after
        )

    def entry(self, note: Note, entry: dict[str, str]) -> dict[str, str]:
        """A hub list entry; a definitive article's says its status and runs first."""
        record = self.records.articles.get(note.path)
        if record is None:
            return entry
        summary = f"{record.status}, {record.count} {'run' if record.count == 1 else 'runs'}"
        detail = entry["detail"]
        return {**entry, "detail": f"{summary} · {detail}" if detail else summary}

    def filters(self, note: Note) -> dict[str, str]:
        """Search filters for a note's page (Pagefind): kind, agent and outcome where known."""
        found: dict[str, str] = {"kind": note.kind}
        run = self._runs.get(note.path)
        if run is not None:
            found["outcome"] = run.outcome
            if run.agent:
                found["agent"] = self.vault.notes[run.agent].title
        elif note.kind == "agent":
            found["agent"] = note.title
        elif note.kind == "definitive":
            agents = {r.agent for r in self.records.articles[note.path].runs if r.agent}
            if len(agents) == 1:
                found["agent"] = self.vault.notes[agents.pop()].title
        return found


def _listed_skills(agent: Note) -> set[str]:
    """Titles named in an agent's ``skills:`` frontmatter, casefolded."""
    skills = agent.meta.get("skills") or []
    skills = skills if isinstance(skills, list) else [skills]
    return {str(s).strip("[] ").split("|")[0].casefold() for s in skills}


def _job(vault: Vault, path: str) -> str:
    return str(vault.notes[path].meta.get("job") or "")
