"""What each note's page says about itself besides its content: a description (for search
engines, link previews in chat apps and the page's ``<meta>`` tags), breadcrumbs, the date it
last changed and its reading time, and, on a run, the previous and next run of its article.

Everything here is a pure function of the vault: the page's frontmatter carries it, the theme
override (``partials/definitive-*.html``) shows it, and a page changes only when what it says
changes. A new run changes its own page and the one run page before it (its "next run").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.filter import PublicView
from generator.load.dates import last_updated
from generator.load.kinds import FOLDER_KINDS
from generator.model import Note, NoteKind
from generator.proof import Evidence, Run
from generator.secrets import scan
from generator.slugs import site_href

DESCRIPTION_CHARS = 200
"""Longest description: search engines show about 155-160 characters, chat apps a bit more."""
WORDS_PER_MINUTE = 220
MIN_READING_MINUTES = 2
"""A page shorter than this gets no reading time: "1 min read" says nothing."""


@dataclass
class PageInfo:
    description: str = ""
    """Plain text, at most `DESCRIPTION_CHARS` characters; empty: the site's description."""
    crumbs: list[tuple[str, str | None]] = field(default_factory=list)
    """(label, final relative URL or None for a folder without a page), Home first; the
    page itself is not one of them."""
    updated: str | None = None
    """ISO date the note last changed (load/dates.py)."""
    reading_minutes: int | None = None
    pager: dict[str, Any] | None = None
    """On a run: ``{"label", "previous", "next"}``, each neighbour ``{"title", "date",
    "href"}`` or None: the runs of the same article, by date."""


class PageInfos:
    """Page information for every published note of a site plan."""

    def __init__(
        self,
        view: PublicView,
        evidence: Evidence,
        note_paths: dict[str, str],
        hubs: dict[NoteKind, tuple[str, str]],
        directory_urls: bool = True,
        *,
        personal: bool = False,
        updated: dict[str, dt.date] | None = None,
    ) -> None:
        """``hubs``: kind -> (label, docs path of its hub's first page). ``personal``: the
        site's secret scan counts emails and phone numbers too (``scan_personal_data``).
        ``updated``: the notes' dates as another `PageInfos` of the same build worked them
        out (the second rendering process's: asking Git again would cost time, and a commit
        in between could change them); None: worked out now."""
        self.view, self.evidence, self.note_paths = view, evidence, note_paths
        self.hubs, self.directory_urls, self.personal = hubs, directory_urls, personal
        if updated is None:
            updated = last_updated(Path(view.vault.root), view.notes.values())
        self.updated = updated
        self.runs = {run.path: run for run in evidence.runs}
        self._runs_of: dict[str, tuple[list[Run], dict[str, int]]] = {}

    def _href(self, page: str, path: str) -> str:
        return site_href(page, self.note_paths[path], self.directory_urls)

    def info(self, note: Note, page: str) -> PageInfo:
        run = self.runs.get(note.path)
        updated = self.updated.get(note.path)
        return PageInfo(
            description=self.description(note, run),
            crumbs=self.crumbs(note, page, run),
            updated=updated.isoformat() if updated else None,
            reading_minutes=reading_minutes(note),
            pager=self.pager(page, run),
        )

    def about(self, note: Note, page: str) -> str:
        """What `info` says that a page's fingerprint (render/incremental.py) holds nowhere
        else, as text: the inputs of its breadcrumbs, date and pager, not the links made of
        them (a link is a function of the page, which the fingerprint holds, and of the
        target's docs path). Its description and reading time are functions of the note's
        text, its run and the titles of that run's article and agent, which the fingerprint
        holds already. Kept pages, most of a nightly rebuild, need nothing more."""
        run = self.runs.get(note.path)
        hubs = (self.hubs.get("definitive"), self.hubs.get(note.kind))
        neighbours: list[tuple[str, str, str, str]] | None = None
        if run is not None and run.article in self.evidence.articles:
            runs, position = self._published_runs(run.article)
            at = position.get(run.path)
            if at is not None and len(runs) >= 2:
                near = runs[max(0, at - 1) : at + 2]
                neighbours = [(r.path, self.note_paths[r.path], r.title, str(r.date)) for r in near]
        return repr((self.updated.get(note.path), hubs, neighbours))

    def description(self, note: Note, run: Run | None) -> str:
        """The note's ``description:``; an agent's ``job:``; a run's outcome, article, agent
        and date before its first paragraph; otherwise its first paragraph.

        None at all (the site's) when it reads as a secret: lines joined and markup dropped
        can turn harmless text into one (``password:`` then ``********`` on the next line
        becomes ``password: password:``), which would fail the site's secret scan over a
        note that holds none; and a real secret is better in one place than copied into
        three more tags (the note's own text still fails the build)."""
        text = self._description(note, run)
        return "" if text and scan(text, personal=self.personal) else text

    def _description(self, note: Note, run: Run | None) -> str:
        for key in ("description", "job") if note.kind == "agent" else ("description",):
            value = note.meta.get(key)
            if isinstance(value, str) and value.strip():
                return shorten(" ".join(value.split()))
        text = note.lead  # its first paragraph of prose, as load read it
        if run is not None:
            notes = self.view.vault.notes
            what = f"{run.outcome.capitalize()} run"
            if run.article in self.note_paths:
                what += f" of {notes[run.article].title}"
            if run.agent in self.note_paths:
                what += f" by {notes[run.agent].title}"
            text = f"{what} on {run.date.isoformat()}. {text}".strip()
        return shorten(text)

    def crumbs(self, note: Note, page: str, run: Run | None) -> list[tuple[str, str | None]]:
        """Home, the note's hub, then the folders of a note; a run sits under its article
        (Home › Articles › the article), as its evidence."""
        if page == "index.md":
            return []
        home = ("Home", site_href(page, "index.md", self.directory_urls))
        if run is not None and run.article in self.note_paths and "definitive" in self.hubs:
            label, hub = self.hubs["definitive"]
            article = self.view.vault.notes[run.article].title
            return [
                home,
                (label, site_href(page, hub, self.directory_urls)),
                (article, self._href(page, run.article)),
            ]
        label, hub = self.hubs[note.kind]
        crumbs: list[tuple[str, str | None]] = [
            home,
            (label, site_href(page, hub, self.directory_urls)),
        ]
        if run is not None:
            return crumbs
        folders = note.folder.split("/") if note.folder else []
        if folders and (
            FOLDER_KINDS.get(folders[0].lower()) == note.kind
            or folders[0].casefold() == label.casefold()
        ):
            folders = folders[1:]  # articles/, agents/, notes/: the hub already says it
        return crumbs + [(folder, None) for folder in folders]

    def _published_runs(self, article: str) -> tuple[list[Run], dict[str, int]]:
        """An article's published runs in order, and each one's place: listed once per
        article, not once per run (quadratic in a busy article's runs)."""
        if article not in self._runs_of:
            runs = [r for r in self.evidence.articles[article].runs if r.path in self.note_paths]
            self._runs_of[article] = (runs, {r.path: i for i, r in enumerate(runs)})
        return self._runs_of[article]

    def pager(self, page: str, run: Run | None) -> dict[str, Any] | None:
        if run is None or run.article not in self.evidence.articles:
            return None
        runs, position = self._published_runs(run.article)
        at = position.get(run.path)
        if at is None or len(runs) < 2:
            return None

        def neighbour(other: Run) -> dict[str, str]:
            return {
                "title": run_label(other),
                "date": other.date.isoformat(),
                "href": self._href(page, other.path),
            }

        return {
            "label": f"Runs of {self.view.vault.notes[run.article].title}",
            "previous": neighbour(runs[at - 1]) if at > 0 else None,
            "next": neighbour(runs[at + 1]) if at + 1 < len(runs) else None,
        }


def run_label(run: Run) -> str:
    """A run's title without the date most run titles start with."""
    return run.title.removeprefix(run.date.isoformat()).strip(" -–·") or run.title


def reading_minutes(note: Note) -> int | None:
    """Minutes to read the note at `WORDS_PER_MINUTE`, or None under `MIN_READING_MINUTES`."""
    minutes = round(len(note.body.split()) / WORDS_PER_MINUTE)
    return minutes if minutes >= MIN_READING_MINUTES else None


def shorten(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, "…" marking a cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-–") + "…"
