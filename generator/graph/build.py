"""The link graph: each note's resolved links (line, raw text, status, target), the backlinks of
every note and linked attachment, and the cycles of notes that embed one another.

Plain dicts, no graph library: nothing downstream walks the graph, and importing networkx for
a DiGraph nobody read cost every command 0.5 s or more of start-up (a third of a nightly
rebuild's fixed cost). The one algorithm needed, strongly connected components of the embeds,
is Tarjan's, below.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
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
    for note in vault.notes.values():
        resolved = []
        folder = note.folder  # a property: worked out once a note, not once a link
        for link in note.links:
            key = (link.target, link.subpath, folder if link.target else note.path)
            resolution = known.get(key)
            if resolution is None:
                resolution = known[key] = resolver.resolve(link, note)
            resolved.append(ResolvedLink(note.path, link, resolution))
        links[note.path] = resolved
        for item in resolved:
            target = item.resolution.target
            if target is None:
                continue
            if target != note.path:
                incoming[target].add(note.path)
            if item.link.embed and target in vault.notes and not _part_elsewhere(note, item):
                embeds.setdefault(note.path, {})[target] = None
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
    cycles: list[list[str]] = []
    for component in _components(embeds):
        if len(component) == 1:
            node = next(iter(component))
            if node in embeds.get(node, ()):
                cycles.append([node])
            continue
        cycle = _first_cycle(embeds, component, min(component))
        turn = cycle.index(min(cycle))
        cycles.append(cycle[turn:] + cycle[:turn])
    return sorted(cycles)


def _components(edges: dict[str, dict[str, None]]) -> Iterator[set[str]]:
    """Tarjan's strongly connected components, iterative (a long chain of embeds must not hit
    Python's recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for root in list(edges):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(edges.get(root, ())))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(edges.get(successor, ()))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: set[str] = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    yield component


def _first_cycle(edges: dict[str, dict[str, None]], within: set[str], start: str) -> list[str]:
    """The first cycle a depth-first walk from ``start`` meets, staying ``within`` a strongly
    connected component (which always holds one)."""
    path = [start]
    on_path = {start}
    done: set[str] = set()
    work = [iter([t for t in edges.get(start, ()) if t in within])]
    while work:
        for successor in work[-1]:
            if successor in on_path:
                return path[path.index(successor) :]
            if successor not in done:
                path.append(successor)
                on_path.add(successor)
                work.append(iter([t for t in edges.get(successor, ()) if t in within]))
                break
        else:
            work.pop()
            node = path.pop()
            on_path.discard(node)
            done.add(node)
    raise AssertionError("a strongly connected component of several notes has a cycle")
