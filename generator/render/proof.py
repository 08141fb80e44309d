"""The proof pages: the proof header and track record on articles, agent dashboards, run cards,
the home dashboard and the catalogue.

Each piece is markdown (or final HTML between ``dfn:html`` markers) from a Jinja2 template in
``site_templates/pages/``, filled with the evidence model (`generator.proof`): this module
lays out what that model computed and decides nothing itself. The work per page is bounded
by that note's own runs, so a big vault costs one pass over its meta articles.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup

from generator.config import Options
from generator.model import Note, Vault
from generator.proof import STATUSES, Evidence, Learning, Record, Run
from generator.proof import regression as revision_regression
from generator.render.charts import cost_chart, revision_chart
from generator.slugs import relative_url, site_href
from generator.wording import plural

CATALOGUE = "catalogue/index.md"
RECENT_RUNS = 10
STRIP_RUNS = 12
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
    "skill_version",
}


def usd(value: float | None) -> str:
    if value is None:
        return "—"
    return f"${value:,.3f}" if abs(value) < 1 else f"${value:,.2f}"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def interval(record: Record) -> str:
    """``25–84%``: the 95% interval of a record's success rate, or an empty string."""
    found = record.interval
    return "" if found is None else f"{found[0] * 100:.0f}–{found[1]:.0%}"


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def cell(text: Any) -> str:
    """Text safe inside a markdown table cell or link label."""
    value = str(text).replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return value.replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def oneline(text: Any) -> str:
    """Text for a plain-text list line (llms.txt): one line, no link syntax."""
    return " ".join(str(text).replace("[", "(").replace("]", ")").split())


def badge(record: Record, why: str | None = None) -> Markup:
    """A status badge that says why on hover and on keyboard focus (title, shown by CSS on
    focus), for markdown or HTML. ``why`` replaces the reason where the page is not the
    record's own (the reason's counts change with every run: the page would too)."""
    status = html.escape(record.status)
    reason = html.escape(record.reason if why is None else why, quote=True)
    return Markup(
        f'<span class="dfn-badge dfn-{status}" tabindex="0" title="{reason}" '
        f'aria-label="{status}: {reason}">{status}</span>'
    )


def support(item: Learning) -> str:
    """``3 runs support · 1 contradicts · last confirmed 2026-11-14``."""
    count = len(item.supporting)
    parts = [f"{plural(count, 'run')} {'supports' if count == 1 else 'support'}"]
    if item.contradicting:
        against = len(item.contradicting)
        parts.append(f"{against} {'contradicts' if against == 1 else 'contradict'}")
    if item.last_confirmed:
        parts.append(f"last confirmed {item.last_confirmed.isoformat()}")
    return " · ".join(parts)


def add_filters(env: jinja2.Environment) -> None:
    env.filters.update(
        usd=usd,
        percent=percent,
        number=number,
        cell=cell,
        oneline=oneline,
        interval=interval,
        badge=badge,
        plural=plural,
        support=support,
    )


@dataclass
class ProofPages:
    vault: Vault
    evidence: Evidence
    note_paths: dict[str, str]
    """Published vault path -> docs path."""
    options: Options
    env: jinja2.Environment
    directory_urls: bool = True

    def __post_init__(self) -> None:
        self._runs = {r.path: r for r in self.evidence.runs}
        self._handoffs_in: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self._handoffs_out: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for handoff in self.evidence.handoffs:
            self._handoffs_out.setdefault(handoff.source, []).append((handoff.target, handoff.runs))
            self._handoffs_in.setdefault(handoff.target, []).append((handoff.source, handoff.runs))

    # -- helpers -----------------------------------------------------------------------------

    def _link(
        self, page: str, path: str | None, anchor: str = "", *, final: bool = False
    ) -> dict[str, str] | None:
        """Title and link of a published note: a ``.md`` link for markdown (MkDocs rewrites
        it), or with ``final`` the final URL, for HTML."""
        if path is None or path not in self.note_paths:
            return None
        title = self.vault.notes[path].title
        if final:
            return {"title": title, "href": self._href(page, path)}
        return {"title": title, "href": relative_url(page, self.note_paths[path], anchor)}

    def _href(self, page: str, path: str) -> str:
        """The final URL, for HTML that MkDocs does not rewrite."""
        return site_href(page, self.note_paths[path], self.directory_urls)

    def _run_row(self, page: str, run: Run, *, final: bool = False) -> dict[str, Any]:
        link = self._link(page, run.path, final=final)
        # Run tables have a date column: drop the date that starts a run title.
        if link is not None:
            short = run.title.removeprefix(run.date.isoformat()).strip(" -–·")
            link["label"] = short or run.title
        return {
            "run": run,
            "link": link,
            "agent": self._link(page, run.agent, final=final),
            "article": self._link(page, run.article, final=final),
            "triggers": self._link(page, run.triggers, final=final),
        }

    def _strip(self, page: str, record: Record) -> list[dict[str, str]]:
        """The latest runs as small coloured marks, oldest first, each a link to its run."""
        return [
            {
                "outcome": run.outcome,
                "href": self._href(page, run.path),
                "label": f"{run.date.isoformat()}: {run.outcome} ({run.title})",
            }
            for run in record.recent(STRIP_RUNS)
            if run.path in self.note_paths
        ]

    # -- per note ------------------------------------------------------------------------------

    def header(self, note: Note, page: str) -> str:
        """The proof header a definitive article or an agent page opens with, above its body:
        the badge and its reason, the figures, and the latest outcomes."""
        if note.kind == "definitive":
            record = self.evidence.articles[note.path]
        elif note.kind == "agent":
            record = self.evidence.agents[note.path]
        else:
            return ""
        return self.env.get_template("proof_header.md.j2").render(
            record=record,
            kind=note.kind,
            internal=note.path in self.evidence.internal,
            strip=self._strip(page, record),
            strip_size=STRIP_RUNS,
        )

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
        """Mark each learning in a definitive article's body with the runs behind it."""
        for item in self.evidence.learnings.get(note.path, []):
            if not item.block_id:
                continue
            anchor = f'<span class="dfn-block" id="^{html.escape(item.block_id)}"></span>'
            text = html.escape(support(item))
            kind = " dfn-contradicted" if item.contradicting else ""
            why = "Runs cited by this learning"
            label = f'<span class="dfn-support{kind}" title="{why}">{text}</span>'
            body = body.replace(anchor, f"{label} {anchor}", 1)
        return body

    def _article(self, note: Note, page: str) -> str:
        # Each learning's runs are shown on its own bullet (`annotate`), not listed again here.
        record = self.evidence.articles[note.path]
        revisions = self.evidence.revisions.get(note.path, [])
        return self.env.get_template("track_record.md.j2").render(
            record=record,
            chart=cost_chart(record.runs, note.title),
            runs=[self._run_row(page, r, final=True) for r in reversed(record.runs)],
            revisions=revisions if len(revisions) > 1 or any(r.since for r in revisions) else [],
            revision_chart=revision_chart(revisions, note.title) if len(revisions) > 1 else "",
            regression=revision_regression(revisions),
        )

    def _agent(self, note: Note, page: str) -> str:
        record = self.evidence.agents[note.path]
        ran = {r.article for r in record.runs if r.article}
        listed = _listed_skills(note)
        own = self.evidence.agent_skills.get(note.path, {})
        skills = [
            {
                "link": self._link(page, path, final=True),
                "skill": self.evidence.articles[path],
                "own": own.get(path),
            }
            for path in sorted(self.evidence.articles)
            if path in ran or self.vault.notes[path].title.casefold() in listed
        ]

        def handoffs(pairs: list[tuple[str, tuple[str, ...]]]) -> list[Any]:
            return [(self._link(page, a), [self._link(page, r) for r in rs]) for a, rs in pairs]

        return self.env.get_template("agent_record.md.j2").render(
            record=record,
            chart=cost_chart(record.runs, note.title),
            skills=skills,
            handoffs_out=handoffs(self._handoffs_out.get(note.path, [])),
            handoffs_in=handoffs(self._handoffs_in.get(note.path, [])),
            recent=[
                self._run_row(page, r, final=True)
                for r in list(reversed(record.runs))[:RECENT_RUNS]
            ],
            name=note.title,
            internal=note.path in self.evidence.internal,
        )

    def _card(self, note: Note, page: str) -> str:
        run = self._runs[note.path]
        row = self._run_row(page, run, final=True)
        return self.env.get_template("run_card.html.j2").render(row=row)

    # -- generated pages -----------------------------------------------------------------------

    def dashboard(self, page: str) -> str:
        """The home page's dashboard: the agency's totals (internal agents apart), agents,
        articles by status, latest learnings."""
        internal = self.evidence.internal
        by_status: dict[str, list[dict[str, Any]]] = {s: [] for s in STATUSES}
        for path, record in sorted(self.evidence.articles.items()):
            if path not in internal:
                by_status[record.status].append({"link": self._link(page, path), "record": record})
        latest: list[tuple[dt.date, dict[str, Any]]] = []
        for path, items in self.evidence.learnings.items():
            if path in internal:
                continue
            for item in items:
                if item.last_confirmed and item.block_id:
                    entry = {
                        "item": item,
                        "link": self._link(page, path, f"^{item.block_id}"),
                        "article": self.vault.notes[path].title,
                    }
                    latest.append((item.last_confirmed, entry))
        latest.sort(key=lambda pair: pair[0], reverse=True)

        def agent(path: str, record: Record) -> dict[str, Any]:
            return {"link": self._link(page, path), "record": record, "job": _job(self.vault, path)}

        agents = sorted(self.evidence.agents.items())
        return self.env.get_template("dashboard.md.j2").render(
            total=self.evidence.total,
            agents=[agent(p, r) for p, r in agents if p not in internal],
            internal=[agent(p, r) for p, r in agents if p in internal],
            by_status=by_status,
            latest=[entry for _, entry in latest[:LATEST_LEARNINGS]],
            catalogue=relative_url(page, CATALOGUE),
        )

    def catalogue(self) -> str:
        proven = self.evidence.proven()
        offers = [
            {
                "href": self._href(CATALOGUE, path),
                "title": self.vault.notes[path].title,
                "record": self.evidence.articles[path],
                "description": str(self.vault.notes[path].meta.get("description") or ""),
                "agents": [
                    {"title": self.vault.notes[a].title, "href": self._href(CATALOGUE, a)}
                    for a in dict.fromkeys(r.agent for r in self.evidence.articles[path].runs)
                    if a is not None and a in self.note_paths
                ],
            }
            for path in proven
        ]
        waiting = sum(
            1 for p in self.evidence.articles if p not in proven and p not in self.evidence.internal
        )
        return self.env.get_template("catalogue.md.j2").render(
            offers=offers, waiting=waiting, options=self.options
        )

    def entry(self, note: Note, entry: dict[str, str]) -> dict[str, str]:
        """A hub list entry; a definitive article's says its status and runs first."""
        record = self.evidence.articles.get(note.path)
        if record is None:
            return entry
        summary = f"{record.status}, {plural(record.count, 'run')}"
        detail = entry["detail"]
        return {**entry, "detail": f"{summary} · {detail}" if detail else summary}

    def filters(self, note: Note) -> dict[str, str]:
        """Search filters for a note's page (Pagefind): kind, agent and outcome where known,
        each one line of plain text. Titles come from notes: the theme escapes them into the
        page and the search UIs write them as text (site_templates/assets/search.js)."""
        found: dict[str, str] = {"kind": note.kind}
        run = self._runs.get(note.path)
        if run is not None:
            found["outcome"] = run.outcome
            if run.agent:
                found["agent"] = self.vault.notes[run.agent].title
        elif note.kind == "agent":
            found["agent"] = note.title
        elif note.kind == "definitive":
            agents = {r.agent for r in self.evidence.articles[note.path].runs if r.agent}
            if len(agents) == 1:
                found["agent"] = self.vault.notes[agents.pop()].title
        return {name: _plain(value) for name, value in found.items()}


def _plain(text: str) -> str:
    """One line of printable text: no line breaks or control characters in a filter label."""
    return " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())


def _listed_skills(agent: Note) -> set[str]:
    """Titles named in an agent's ``skills:`` frontmatter, casefolded."""
    skills = agent.meta.get("skills") or []
    skills = skills if isinstance(skills, list) else [skills]
    return {str(s).strip("[] ").split("|")[0].casefold() for s in skills}


def _job(vault: Vault, path: str) -> str:
    return str(vault.notes[path].meta.get("job") or "")
