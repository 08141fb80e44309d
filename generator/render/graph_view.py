"""What the graph views draw: ``graph-view.json``, for the Graph page and each local graph.

``graph.json`` is the full record for tools (13 MB at 5,000 notes: every link with its raw text,
line and status). The graph views load ``graph-view.json`` instead: titles, URLs and kinds, and
links as index pairs (about a tenth of the size). A note's "Local graph" (the published notes it
links to or is linked from) is cut out of the same file in the browser when it is opened, so
pages carry no graph data of their own: embedding it cost 43% of the docs tree at 5,000 notes.
"""

from __future__ import annotations

import json
from typing import Any

GRAPH_VIEW = "graph-view.json"


def global_view(nodes: list[dict[str, Any]], pairs: list[tuple[int, int]]) -> str:
    """``graph-view.json`` from graph.json's nodes and its resolved links between two
    different nodes as sorted index pairs (render/graph_json.py `GraphFiles`):
    ``{"nodes": [[title, url, kind], ...], "links": [[source index, target index], ...]}``."""
    compact = {
        "nodes": [[n["title"], n["url"], n["kind"]] for n in nodes],
        "links": pairs,
    }
    return json.dumps(compact, ensure_ascii=False, separators=(",", ":"))
