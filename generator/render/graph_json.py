"""``graph.json`` and ``graph-view.json``: the published notes and the links between them.

``graph.json`` is the full record for other tools (every link with its raw text, line and
status: about 50 MB at 20,000 notes); ``graph-view.json`` what the graph views draw
(render/graph_view.py). A night changes a few dozen notes, so the links of every other note
are copied from the last build's ``graph.json`` rather than encoded again: building and
encoding 190,000 link records was about a second of a night at 20,000 notes.

A note's links in ``graph.json`` are a function of its page's inputs: the note (raw text,
line, embed), each link's resolution (target, status) and whether the target is published,
all in its page's fingerprint (render/incremental.py). So when a note's page is kept, its
links are the ones the last build wrote. ``cache/graph-links.json`` records where each note's
links lie in the ``graph.json`` it describes, and that file's SHA-256: a missing, stale or
corrupt record, or a ``graph.json`` that is not the one described, means every link is
encoded again (the cold path), never a wrong file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from json.encoder import encode_basestring  # json.dumps' own, for a string
from pathlib import Path
from typing import Any

from generator.graph.build import LinkGraph, ResolvedLink
from generator.proof import Evidence
from generator.slugs import page_url

GRAPH_JSON = "graph.json"
SPANS = "graph-links.json"
FORMAT = 1
_RECORD = '{"source": '


@dataclass
class GraphFiles:
    text: str
    """``graph.json``."""
    nodes: list[dict[str, Any]]
    """Its nodes: the published notes, then the attachments they link to."""
    pairs: list[tuple[int, int]]
    """Resolved links between two different nodes, as sorted node index pairs."""
    spans: dict[str, tuple[int, int]]
    """Note path -> where its links lie in ``text`` (notes with links only)."""
    copied: int = 0
    """Notes whose links were copied from the last build's file."""

    @property
    def attachments(self) -> int:
        return sum(1 for node in self.nodes if node["kind"] == "attachment")


class GraphMemo:
    """The last build's ``graph.json``, and where each note's links lie in it."""

    def __init__(self, cache_dir: Path, docs_dir: Path, key: str) -> None:
        self.path = cache_dir / SPANS
        self.key = key
        self.text = ""
        self.digest = ""
        self.spans: dict[str, list[int]] = {}
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(stored, dict) or stored.get("format") != FORMAT:
                return
            if stored.get("key") != key or not isinstance(stored.get("spans"), dict):
                return
            data = (docs_dir / GRAPH_JSON).read_bytes()
            if hashlib.sha256(data).hexdigest() != stored.get("digest"):
                return  # not the file the spans describe
            self.text = data.decode("utf-8")
        except (OSError, ValueError):
            return
        self.digest = stored["digest"]
        self.spans = stored["spans"]

    def links(self, source: str, count: int) -> str | None:
        """The text of ``source``'s ``count`` links in the last ``graph.json``, when recorded
        and the recorded place holds exactly that: ``count`` records, each of ``source``."""
        span = self.spans.get(source)
        if not isinstance(span, list) or len(span) != 2 or count == 0:
            return None
        start, end = span
        if not (isinstance(start, int) and isinstance(end, int) and 0 < start < end):
            return None
        text = self.text[start:end]
        # A record's opening can only be a record's: inside a JSON string its quotes are
        # escaped. So a cache edited by hand or by another program cannot slip in another
        # note's links (one withheld since, say) or drop some.
        own = f'{{"source": {encode_basestring(source)}, '
        if not text.startswith(own) or not text.endswith("}"):
            return None
        if text.count(_RECORD) != count or text.count(own) != count:
            return None
        return text

    def save(self, files: GraphFiles, data: bytes) -> None:
        """Record where each note's links lie in ``files.text`` (``data``: its UTF-8)."""
        from generator.render.emit import atomic_write

        digest = hashlib.sha256(data).hexdigest()
        spans = {path: list(span) for path, span in files.spans.items()}
        if digest == self.digest and spans == self.spans:
            return  # the same file as last time: nothing to record again
        document = {"format": FORMAT, "key": self.key, "digest": digest, "spans": spans}
        atomic_write(self.path, json.dumps(document, separators=(",", ":")).encode("utf-8"))


def graph_files(
    graph: LinkGraph,
    note_paths: dict[str, str],
    docs_paths: dict[str, str],
    directory_urls: bool,
    *,
    evidence: Evidence | None = None,
    memo: GraphMemo | None = None,
    kept: Collection[str] = (),
) -> GraphFiles:
    """``graph.json``: the published notes and every link between them, for other tools.
    Links to withheld notes and files are left out: their raw text would name them. With
    ``memo``, the links of the notes in ``kept`` (notes whose page was kept: the same
    inputs) are copied from the last build's file."""
    vault = graph.vault
    records = {**evidence.articles, **evidence.agents} if evidence else {}
    nodes: list[dict[str, Any]] = []
    for path, docs in sorted(note_paths.items()):
        node: dict[str, Any] = {
            "id": path,
            "url": page_url(docs, directory_urls),
            "kind": vault.notes[path].kind,
            "title": vault.notes[path].title,
        }
        record = records.get(path)
        if record is not None:  # the proof stage's, as the page's badge shows it
            node["status"] = record.status
            node["runs"] = record.count
            node["success_rate"] = record.success_rate
        nodes.append(node)
    attachment_nodes: set[str] = set()
    ends: list[tuple[str, str]] = []  # resolved links between nodes: (source, target)
    parts: list[tuple[str, str]] = []  # (source, the text of its links)
    copied = 0
    for source in sorted(note_paths):
        shown = []
        for item in graph.links.get(source, ()):
            res = item.resolution
            target = res.target
            if target is None:  # broken: listed, not drawn
                shown.append(item)
                continue
            if target not in docs_paths:
                continue  # to a withheld note or file: on the page it is plain text, here nothing
            shown.append(item)
            if res.attachment:
                attachment_nodes.add(target)
            if target != source:
                ends.append((source, target))
        old = memo.links(source, len(shown)) if memo is not None and source in kept else None
        if old is not None:
            parts.append((source, old))
            copied += 1
        elif shown:
            links = [_link(item) for item in shown]
            parts.append((source, json.dumps(links, ensure_ascii=False)[1:-1]))
    nodes += [
        {"id": p, "url": docs_paths[p], "kind": "attachment", "title": p.rsplit("/", 1)[-1]}
        for p in sorted(attachment_nodes)
    ]
    # json.dumps of {"version", "nodes", "links"} with its default separators, assembled so
    # that each note's links have a known place.
    head = '{"version": 1, "nodes": ' + json.dumps(nodes, ensure_ascii=False) + ', "links": ['
    chunks = [head]
    spans: dict[str, tuple[int, int]] = {}
    at = len(head)
    for number, (source, text) in enumerate(parts):
        if number:
            chunks.append(", ")
            at += 2
        chunks.append(text)
        spans[source] = (at, at + len(text))
        at += len(text)
    chunks.append("]}\n")
    index = {node["id"]: i for i, node in enumerate(nodes)}
    pairs = sorted({(index[s], index[t]) for s, t in ends})
    return GraphFiles("".join(chunks), nodes, pairs, spans, copied)


def _link(item: ResolvedLink) -> dict[str, Any]:
    res = item.resolution
    target = res.target
    return {
        "source": item.source,
        "target": target,
        "raw": item.link.raw,
        "line": item.link.line,
        "status": res.status if target is not None else "broken",
        "embed": item.link.embed,
    }
