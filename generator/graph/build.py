"""The link graph: every note and linked attachment as a node, every resolved link as an edge.

networkx holds the structure; `LinkGraph` keeps the per-link resolutions that render and
``graph.json`` need (line, raw text, status), which an edge alone would lose.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx

from generator.graph.resolve import Resolution, Resolver
from generator.model import Link, Note, Vault


@dataclass
class ResolvedLink:
    source: str
    link: Link
    resolution: Resolution


@dataclass
class LinkGraph:
    vault: Vault
    graph: nx.DiGraph
    links: dict[str, list[ResolvedLink]]
    """Outgoing links per source note path, in document order."""
    backlinks: dict[str, list[str]] = field(default_factory=dict)
    """Notes linking to each note or attachment, sorted by title. Private ones included: the
    filter stage's `PublicView.backlinks` is what pages show."""
    embed_cycles: list[list[str]] = field(default_factory=list)


def build_graph(vault: Vault) -> LinkGraph:
    resolver = Resolver(vault)
    graph: nx.DiGraph[str] = nx.DiGraph()
    for note in vault.notes.values():
        graph.add_node(note.path, kind=note.kind, title=note.title)
    links: dict[str, list[ResolvedLink]] = {}
    embeds: nx.DiGraph[str] = nx.DiGraph()
    incoming: dict[str, set[str]] = defaultdict(set)
    # A link resolves the same from every note of a folder (Obsidian's rules read the source
    # only for its folder, or its own path when the link names no note): a vault's many links
    # to its few hubs are resolved once per folder.
    known: dict[tuple[str, str, str], Resolution] = {}
    for note in vault.notes.values():
        resolved = []
        for link in note.links:
            key = (link.target, link.subpath, note.folder if link.target else note.path)
            resolution = known.get(key)
            if resolution is None:
                resolution = known[key] = resolver.resolve(link, note)
            resolved.append(ResolvedLink(note.path, link, resolution))
        links[note.path] = resolved
        for item in resolved:
            target = item.resolution.target
            if target is None:
                continue
            if target not in graph:
                graph.add_node(target, kind="attachment", title=target.rsplit("/", 1)[-1])
            if target != note.path:
                data = graph.get_edge_data(note.path, target)
                if data is None:
                    graph.add_edge(note.path, target, count=1, embed=item.link.embed)
                else:
                    data["count"] += 1
                    data["embed"] = data["embed"] or item.link.embed
                incoming[target].add(note.path)
            if item.link.embed and target in vault.notes and not _part_elsewhere(note, item):
                embeds.add_edge(note.path, target)
    backlinks = {
        path: sorted(sources, key=lambda p: (vault.notes[p].title.casefold(), p))
        for path, sources in incoming.items()
    }
    return LinkGraph(vault, graph, links, backlinks, _embed_cycles(embeds))


def _part_elsewhere(note: Note, item: ResolvedLink) -> bool:
    """Whether an embed of the note's own section or block (``![[#Part]]``) leaves out the
    line the embed is on: then it shows that part once, as Obsidian does, and is no cycle."""
    res, span = item.resolution, item.link.span
    if res.target != note.path or span is None:
        return False
    if res.block and res.block in note.blocks:
        block = note.blocks[res.block]
        return not block.start <= span.line < block.end
    if res.heading is not None:
        start = note.headings[res.heading].line
        level = note.headings[res.heading].level
        end = next((h.line for h in note.headings[res.heading + 1 :] if h.level <= level), None)
        return not (start <= span.line and (end is None or span.line < end))
    return False


def _embed_cycles(embeds: nx.DiGraph[str]) -> list[list[str]]:
    """One cycle per group of notes that embed one another (a strongly connected component),
    in linear time: listing every simple cycle is exponential (six notes embedding each other
    have 409; twenty, billions)."""
    cycles: list[list[str]] = []
    for component in nx.strongly_connected_components(embeds):
        if len(component) == 1:
            node = next(iter(component))
            if embeds.has_edge(node, node):
                cycles.append([node])
            continue
        start = min(component)
        edges = nx.find_cycle(embeds.subgraph(component), source=start)
        cycle = [u for u, _ in edges]
        turn = cycle.index(min(cycle))
        cycles.append(cycle[turn:] + cycle[:turn])
    return sorted(cycles)
