"""The link graph: each note's resolved links (line, raw text, status, target), the backlinks of
every note and linked attachment, and the cycles of notes that embed one another.

Links and backlinks are plain dicts: nothing downstream walks a graph object. The one graph
algorithm needed, cycles among embeds, is networkx's, imported only when the embeds can hold a
cycle at all (most vaults' cannot: its import is a tenth of a nightly rebuild's start-up).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

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
    links: dict[str, list[ResolvedLink]]
    """Outgoing links per source note path, in document order."""
    backlinks: dict[str, list[str]] = field(default_factory=dict)
    """Notes linking to each note or attachment, sorted by title. Private ones included: the
    filter stage's `PublicView.backlinks` is what pages show."""
    embed_cycles: list[list[str]] = field(default_factory=list)


def build_graph(vault: Vault) -> LinkGraph:
    resolver = Resolver(vault)
    links: dict[str, list[ResolvedLink]] = {}
    embeds: dict[str, dict[str, None]] = {}
    """Note -> the notes it embeds, in document order (a dict as an ordered set)."""
    incoming: dict[str, set[str]] = defaultdict(set)
    # A link resolves the same from every note of a folder (Obsidian's rules read the source
    # only for its folder, or its own path when the link names no note): a vault's many links
    # to its few hubs are resolved once per folder.
    known: dict[tuple[str, str, str], Resolution] = {}
    notes = vault.notes
    for note in notes.values():
        path = note.path
        folder = note.folder  # a property: worked out once a note, not once a link
        resolved = []
        for link in note.links:  # 190,000 at 20,000 notes: one pass, no more lookups than needed
            written = link.target
            key = (written, link.subpath, folder if written else path)
            resolution = known.get(key)
            if resolution is None:
                resolution = known[key] = resolver.resolve(link, note)
            item = ResolvedLink(path, link, resolution)
            resolved.append(item)
            target = resolution.target
            if target is None:
                continue
            if target != path:
                incoming[target].add(path)
            if link.embed and target in notes and not _part_elsewhere(note, item):
                embeds.setdefault(path, {})[target] = None
        links[path] = resolved
    # Each source's sort key once, not once per note it links to (200,000 at 20,000 notes).
    order = {p: (vault.notes[p].title.casefold(), p) for p in links}
    backlinks = {path: sorted(sources, key=order.__getitem__) for path, sources in incoming.items()}
    return LinkGraph(vault, links, backlinks, _embed_cycles(embeds))


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


def _embed_cycles(embeds: dict[str, dict[str, None]]) -> list[list[str]]:
    """One cycle per group of notes that embed one another (a strongly connected component),
    in linear time: listing every simple cycle is exponential (six notes embedding each other
    have 409; twenty, billions). Each cycle is the first one a depth-first walk from the
    group's smallest path finds, turned to start at its smallest path."""
    looping = _on_cycles(embeds)
    if not looping:
        return []
    import networkx as nx

    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_edges_from((a, b) for a in looping for b in embeds[a] if b in looping)
    cycles: list[list[str]] = []
    for component in nx.strongly_connected_components(graph):
        start = min(component)
        if len(component) == 1 and not graph.has_edge(start, start):
            continue
        edges = nx.find_cycle(graph.subgraph(component), source=start)
        cycle = [edge[0] for edge in edges]
        turn = cycle.index(min(cycle))
        cycles.append(cycle[turn:] + cycle[:turn])
    return sorted(cycles)


def _on_cycles(embeds: dict[str, dict[str, None]]) -> set[str]:
    """The notes that may lie on a cycle: what is left once notes that embed nothing, or that
    nothing embeds, are taken away again and again (a topological sort's leftovers; linear)."""
    out = {a: {b for b in targets if b in embeds} for a, targets in embeds.items()}
    into: dict[str, set[str]] = defaultdict(set)
    for a, targets in out.items():
        for b in targets:
            into[b].add(a)
    queue = [a for a in out if not out[a] or not into[a]]
    left = set(out)
    while queue:
        node = queue.pop()
        if node not in left:
            continue
        left.discard(node)
        for b in out[node]:
            into[b].discard(node)
            if not into[b] and b in left:
                queue.append(b)
        for a in into[node]:
            out[a].discard(node)
            if not out[a] and a in left:
                queue.append(a)
    return left
