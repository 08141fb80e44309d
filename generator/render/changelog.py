"""The changelog: what each consolidation run changed, as a page and an Atom feed.

Every consolidation run writes its own meta article (``consolidation_run:`` in frontmatter,
see generator/consolidate/runmeta.py), so the changelog is built from those published notes
like any other page: nothing is read from the machine state in ``.definitive/``, and a run
whose note is private or deleted simply is not listed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urljoin

from generator.graph.build import LinkGraph
from generator.model import Note
from generator.slugs import page_url, site_href, slugify

CHANGELOG = "changelog/index.md"
FEED = "changelog.xml"
ATOM = "http://www.w3.org/2005/Atom"
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
    """An Atom feed of the runs. Links are absolute when mkdocs.yml sets ``site_url``."""

    def link(docs_path: str) -> str:
        url = page_url(docs_path, directory_urls)
        return (
            urljoin(site_url if site_url.endswith("/") else site_url + "/", url)
            if site_url
            else url
        )

    root = ET.Element("feed", xmlns=ATOM)
    ET.SubElement(root, "title").text = f"{site_name}: consolidation changelog"
    own_id = link(CHANGELOG) if site_url else f"urn:definitive:{slugify(site_name)}:changelog"
    ET.SubElement(root, "id").text = own_id
    ET.SubElement(root, "updated").text = _stamp(entries[0].date if entries else "1970-01-01")
    ET.SubElement(root, "link", rel="alternate", href=link(CHANGELOG))
    author = ET.SubElement(root, "author")
    ET.SubElement(author, "name").text = "Consolidator"
    for run in entries:
        entry = ET.SubElement(root, "entry")
        changed = ", ".join(n.title for n in run.changed) or "no article"
        ET.SubElement(entry, "title").text = f"Run {run.run_id}: {changed}"
        ET.SubElement(entry, "id").text = f"urn:definitive:run:{run.run_id}"
        ET.SubElement(entry, "updated").text = _stamp(run.date)
        ET.SubElement(entry, "link", rel="alternate", href=link(note_paths[run.note.path]))
        ET.SubElement(entry, "summary").text = run.summary
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _stamp(date: str) -> str:
    return f"{date[:10]}T00:00:00Z"


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
