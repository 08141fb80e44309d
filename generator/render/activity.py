"""``feed.xml``: an Atom feed of the agency's new runs and new learnings, beside the
changelog's feed of consolidation runs (``changelog.xml``).

A run is dated by its ``date:``; a learning by its first supporting run, the run that taught
it. Only the latest `LATEST` entries are listed, so a new run changes this one file and no
page. Internal agents' runs (the consolidator's) are left out: the changelog's feed has them.
"""

from __future__ import annotations

from urllib.parse import quote

from generator.proof import Evidence, Run
from generator.render import atom
from generator.render.proof import number, usd

FEED = "feed.xml"
LATEST = 50
TITLE = "new runs and learnings"


def activity_feed(
    evidence: Evidence,
    titles: dict[str, str],
    note_paths: dict[str, str],
    site_name: str,
    site_url: str | None,
    directory_urls: bool,
) -> str:
    """The feed's XML. ``titles``: vault path -> title of every published note."""
    # Each run first as what orders it: the feed keeps `LATEST` of tens of thousands of
    # runs, and only those are worded (their summaries and addresses were a second of a
    # night at 20,000 notes).
    entries: list[tuple[str, int, str, Run | atom.Entry]] = []
    dates = {run.path: run.date for run in evidence.runs}
    for run in evidence.runs:
        if run.internal or run.path not in note_paths:
            continue
        entries.append((run.date.isoformat(), 0, f"{run.outcome.capitalize()}: {run.title}", run))
    for article, learnings in evidence.learnings.items():
        if article not in note_paths or article in evidence.internal:
            continue
        for item in learnings:
            taught = [dates[p] for p in item.supporting if p in dates]
            if not item.block_id or not taught:
                continue  # no address to link to, or no run behind it yet
            text = " ".join(item.text.split())
            short = text if len(text) <= 90 else text[:89].rsplit(" ", 1)[0] + "…"
            entry = atom.Entry(
                title=f"Learned in {titles[article]}: {short}",
                id=f"urn:definitive:note:{quote(article)}#^{quote(item.block_id)}",
                date=min(taught).isoformat(),
                docs_path=f"{note_paths[article]}#^{item.block_id}",
                summary=text,
            )
            entries.append((entry.date, 1, entry.title, entry))
    entries.sort(key=lambda e: (e[0], e[1], e[2]), reverse=True)
    items = []
    for date, _, title, what in entries[:LATEST]:
        if isinstance(what, atom.Entry):
            items.append(what)
            continue
        who = titles.get(what.agent or "", "An agent")
        task = f" {titles[what.article]}" if what.article in titles else " a task"
        summary = (
            f"{who} ran{task}: {what.outcome}, {usd(what.cost)}, {number(what.tokens)} tokens."
        )
        items.append(
            atom.Entry(
                title=title,
                id=f"urn:definitive:note:{quote(what.path)}",
                date=date,
                docs_path=note_paths[what.path],
                summary=summary,
            )
        )
    feed = atom.Feed(TITLE, "activity", "index.md", site_name, items)
    return atom.render(feed, site_name, site_url, directory_urls)
