"""The changelog: what each consolidation run changed, as a page and an Atom feed.

Every consolidation run writes its own meta article (``consolidation_run:`` in frontmatter,
see generator/consolidate/runmeta.py), so the changelog is built from those published notes
like any other page: nothing is read from the machine state in ``.definitive/``, and a run
whose note is private or deleted simply is not listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.graph.build import LinkGraph
from generator.model import Note
from generator.render import atom
from generator.slugs import site_href

CHANGELOG = "changelog/index.md"
FEED = "changelog.xml"
_WIKILINK = re.compile(r"!?\[\[([^\]|#]*)(?:#[^\]|]*)?(?:\|([^\]]*))?\]\]")


@dataclass
class Run:
    run_id: str
    date: str
    note: Note
    summary: str
    changed: list[Note]


def runs(graph: LinkGraph, note_paths: dict[str, str]) -> list[Run]:
    """Published consolidation runs, newest first, with the definitive articles each changed."""
    vault = graph.vault
    found: list[Run] = []
    for path in note_paths:
        note = vault.notes[path]
        run_id = note.meta.get("consolidation_run")
        if note.kind != "meta" or not run_id:
            continue
        changed: dict[str, Note] = {}
        for item in graph.links.get(path, ()):
            target = item.resolution.target
            in_body = item.link.span is not None  # not the frontmatter's `article:`
            if in_body and target in note_paths and vault.notes[target].kind == "definitive":
                changed[target] = vault.notes[target]
        found.append(
            Run(
                str(run_id),
                str(note.meta.get("date", "")),
                note,
                _summary(note),
                [*changed.values()],
            )
        )
    return sorted(found, key=lambda r: (r.date, r.run_id), reverse=True)


def _summary(note: Note) -> str:
    """The first paragraph of the run's "What was done", as plain text."""
    body = note.body.split("## What was done", 1)[-1].strip()
    first = body.split("\n\n", 1)[0].split("\n- ", 1)[0]
    text = _WIKILINK.sub(lambda m: m.group(2) or m.group(1), first)
    return " ".join(text.replace("`", "").split())


def feed(
    entries: list[Run],
    note_paths: dict[str, str],
    site_name: str,
    site_url: str | None,
    directory_urls: bool,
) -> str:
    """An Atom feed of the runs (render/atom.py writes it)."""
    items = [
        atom.Entry(
            title=f"Run {run.run_id}: {', '.join(n.title for n in run.changed) or 'no article'}",
            id=f"urn:definitive:run:{run.run_id}",
            date=run.date,
            docs_path=note_paths[run.note.path],
            summary=run.summary,
        )
        for run in entries
    ]
    document = atom.Feed("consolidation changelog", "changelog", CHANGELOG, "Consolidator", items)
    return atom.render(document, site_name, site_url, directory_urls)


def page_entries(
    entries: list[Run], note_paths: dict[str, str], directory_urls: bool
) -> list[dict[str, object]]:
    """What the changelog template shows, with final URLs (the list is raw HTML)."""
    return [
        {
            "run_id": run.run_id,
            "date": run.date,
            "href": site_href(CHANGELOG, note_paths[run.note.path], directory_urls),
            "summary": run.summary,
            "outcome": str(run.note.meta.get("outcome", "")),
            "changed": [
                (n.title, site_href(CHANGELOG, note_paths[n.path], directory_urls))
                for n in run.changed
            ],
        }
        for run in entries
    ]
