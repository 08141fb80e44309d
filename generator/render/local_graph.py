"""Each note's local graph: the note and the published notes it links to or is linked from.

Embedded in the page (a few hundred bytes to a few kilobytes) so opening it downloads nothing;
the whole ``graph.json`` is for the Graph page only (13 MB at 5,000 notes). Work per page is
bounded by the note's own degree, capped at `MAX_NEIGHBOURS`.
"""

from __future__ import annotations

import json

from generator.graph.build import LinkGraph
from generator.render.slugs import page_url

MAX_NEIGHBOURS = 150


def local_graph(
    graph: LinkGraph, path: str, note_paths: dict[str, str], directory_urls: bool
) -> str:
    """JSON of ``{"nodes": [...], "links": [...]}`` in graph.json's shape, star-shaped."""
    g = graph.graph
    neighbours = [p for p in g.successors(path) if p in note_paths and p != path]
    neighbours += [p for p in g.predecessors(path) if p in note_paths and p not in neighbours]
    neighbours = neighbours[:MAX_NEIGHBOURS]
    notes = graph.vault.notes

    def node(p: str) -> dict[str, str]:
        note = notes[p]
        return {
            "id": p,
            "url": page_url(note_paths[p], directory_urls),
            "kind": note.kind,
            "title": note.title,
        }

    links = [
        {"source": path, "target": p} if g.has_edge(path, p) else {"source": p, "target": path}
        for p in neighbours
    ]
    document = {"nodes": [node(path)] + [node(p) for p in neighbours], "links": links}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
