"""What the graph views draw: the Graph page's compact data and each note's local graph.

``graph.json`` is the full record for tools (13 MB at 5,000 notes: every link with its raw text,
line and status). The Graph page loads ``graph-view.json`` instead: titles, URLs and kinds, and
links as index pairs (about a tenth of the size). A note's local graph (the published notes it
links to or is linked from) is embedded in its page, so opening it downloads nothing; work per
page is bounded by the note's own degree, capped at `MAX_NEIGHBOURS`.
"""

from __future__ import annotations

import json
from typing import Any

from generator.graph.build import LinkGraph
from generator.render.slugs import page_url

MAX_NEIGHBOURS = 150
GRAPH_VIEW = "graph-view.json"


def global_view(document: dict[str, Any]) -> str:
    """``graph-view.json`` from the graph.json document: ``{"nodes": [[title, url, kind], ...],
    "links": [[source index, target index], ...]}``, resolved links between notes only."""
    index = {node["id"]: i for i, node in enumerate(document["nodes"])}
    pairs = {
        (index[link["source"]], index[link["target"]])
        for link in document["links"]
        if link["target"] is not None and link["source"] != link["target"]
    }
    compact = {
        "nodes": [[n["title"], n["url"], n["kind"]] for n in document["nodes"]],
        "links": sorted(pairs),
    }
    return json.dumps(compact, ensure_ascii=False, separators=(",", ":"))


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
