"""Lay out the docs tree: a page per published note, hub pages, tag pages, the home page.

Navigation is what keeps a big site fast: Material renders the whole ``nav`` into every page,
so thousands of entries there make the build grow with the square of the vault. The nav holds
only a handful of hubs; each hub lists its notes in pages of ``hub_size`` entries.
"""

from __future__ import annotations

import html
import itertools
import json
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from generator.config import Options, site_templates_dir
from generator.filter import PublicView
from generator.findings import Findings
from generator.model import Note, NoteKind
from generator.proof import Evidence
from generator.render import changelog
from generator.render.activity import FEED as ACTIVITY_FEED
from generator.render.activity import activity_feed
from generator.render.body_worker import BodyShare
from generator.render.changelog import CHANGELOG, FEED
from generator.render.emit import FreshTree
from generator.render.explorer import explorer_files
from generator.render.files import file_page, has_page
from generator.render.files import read as read_file
from generator.render.graph_json import GRAPH_JSON, GraphMemo, graph_files
from generator.render.graph_view import GRAPH_VIEW, global_view
from generator.render.incremental import (
    Kept,
    PageInputs,
    PageRecord,
    RecordingContext,
    RenderMemo,
    replay,
)
from generator.render.llms import LLMS_TXT, llms_txt
from generator.render.markdown import NoteRenderer, escape_text, html_block
from generator.render.note_page import NoteLayout, NotePage, SiteFacts
from generator.render.page_info import PageInfos
from generator.render.proof import CATALOGUE, ProofPages, add_filters
from generator.render.texts import Texts
from generator.slugs import (
    PathAllocator,
    relative_url,
    site_href,
    slug_path,
    slugify,
)
from generator.wording import plural

# Hub folder and label per kind, in nav order.
HUBS: dict[NoteKind, tuple[str, str]] = {
    "definitive": ("articles", "Articles"),
    "agent": ("agents", "Agents"),
    "meta": ("runs", "Runs"),
    "rule": ("rules", "Rules"),
    "note": ("notes", "Notes"),
}
# What each hub lists, for its description: (one, the sentence after the count).
HUB_WORDS: dict[NoteKind, tuple[str, str]] = {
    "definitive": ("definitive article", "how each task gets done, with its status and runs."),
    "agent": ("agent", "their jobs, skills and track records."),
    "meta": ("documented run", "newest first, with outcome, agent and cost."),
    "rule": ("rule", "what the nightly consolidation must follow."),
    "note": ("note", "everything else the team wrote down."),
}
BROWSE = "browse"
TAGS = "tags"
GRAPH_PAGE = "graph/index.md"
SEARCH_PAGE = "find/index.md"
ASSETS = "assets/definitive"
VENDORED = {"math": "katex", "mermaid": "mermaid"}
"""What a page feature needs from site_templates/assets/vendor/ (dev.py vendor fetches it;
assets/render.js loads it, on the pages that use it)."""


@dataclass
class Page:
    path: str
    """Docs-tree path, e.g. ``runs/page-2.md``."""
    content: str


@dataclass
class SitePlan:
    """Everything render decided: each output file and the nav that points at the hubs."""

    pages: MutableMapping[str, str] = field(default_factory=Texts)
    """Docs path -> markdown text."""
    files: dict[str, Path | bytes] = field(default_factory=dict)
    """Docs path -> source file to copy (attachments, our CSS), or the bytes to write (an
    attachment made safe on the way)."""
    nav: list[dict[str, str]] = field(default_factory=list)
    note_paths: dict[str, str] = field(default_factory=dict)
    """Published vault note path -> docs path."""
    markdown: MutableMapping[str, str] = field(default_factory=Texts)
    """Docs path -> the markdown copy put beside the page, where it differs from the docs
    tree's page: a note's, whose text is its published markdown rather than its HTML."""
    kept: dict[str, str] = field(default_factory=dict)
    """Docs path -> SHA-256 of pages not rendered again: the docs tree holds them as the
    last build wrote them (render/incremental.py). Not in `pages`."""
    kept_copies: set[str] = field(default_factory=set)
    """Pages whose markdown copy is on disk already: kept pages whose copy is kept too
    (render/incremental.py ``COPIES``), and the `written` pages."""
    written: dict[str, str] = field(default_factory=dict)
    """Docs path -> SHA-256 of note pages the render step wrote itself, each with its
    markdown copy, into a docs tree no build recorded yet (render/emit.py `FreshTree`). Not
    in `pages` or `markdown`."""
    inputs: dict[str, PageRecord] = field(default_factory=dict)
    """Docs path -> the fingerprint of its inputs and what it reported and needs, for the
    next build's `RenderMemo`."""

    graph_links_copied: int = 0
    """Notes whose links graph.json took from the last build's (render/graph_json.py)."""
    body_processes: int = 1
    """Processes that laid out note pages: 2 when a second one took part (body_worker.py)."""
    notices: list[str] = field(default_factory=list)
    """What the user should know about how the pages were rendered (a worker that failed)."""

    released: bool = False
    """`release` ran: `pages` and `markdown` keep their keys, their texts are on disk."""

    def docs_pages(self) -> list[str]:
        """Every page of the docs tree, rendered (held or written) or kept."""
        return [*self.pages, *self.written, *self.kept]

    def release(self) -> None:
        """Drop the pages' texts once emit wrote them (the docs tree and the copies folder
        hold them): at 20,000 notes several hundred MB this process held while MkDocs ran."""
        self.pages = dict.fromkeys(self.pages, "")
        self.markdown = dict.fromkeys(self.markdown, "")
        self.released = True


def page_environment() -> jinja2.Environment:
    """The Jinja environment of the page templates (site_templates/pages/)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(site_templates_dir() / "pages")),
        # Compiled templates kept between builds, in Jinja's own private folder of the user's
        # (never in the vault: loading one runs its code).
        bytecode_cache=jinja2.FileSystemBytecodeCache(),
        autoescape=False,  # we write markdown; text is escaped with the mdtext filter
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["mdtext"] = escape_text
    env.filters["yaml_str"] = lambda s: json.dumps(str(s), ensure_ascii=False)
    # MkDocs templates print page titles unescaped (header, nav): a title is text, never HTML.
    env.filters["title_str"] = lambda s: json.dumps(html.escape(str(s)), ensure_ascii=False)
    add_filters(env)
    return env


def plan_site(
    view: PublicView,
    evidence: Evidence,
    options: Options,
    findings: Findings,
    directory_urls: bool = True,
    advance: Callable[[int], None] | None = None,
    site_name: str = "",
    site_url: str | None = None,
    memo: RenderMemo | None = None,
    *,
    bodies: BodyShare | None = None,
    tree: FreshTree | None = None,
) -> SitePlan:
    """Lay out every page; with ``memo``, note pages whose inputs did not change since the
    last build are kept as they are (`SitePlan.kept`) instead of being rendered again; with
    ``bodies``, a second process lays out part of the note pages (`BodyShare`); with
    ``tree``, note pages are written there as they are laid out (`SitePlan.written`)."""
    graph, vault = view.graph, view.vault
    notes = sorted(view.notes.values(), key=lambda n: n.path)
    plan = SitePlan()
    env = page_environment()

    # Tags first: their pages are generated paths that notes must not take.
    tagged: dict[str, dict[str, Note]] = {}  # tag -> notes by path (dicts keep order, dedupe)
    names: dict[str, str] = {}
    for note in notes:
        for name in {t.name.casefold(): t.name for t in note.tags}.values():
            parts = name.split("/")
            for depth in range(1, len(parts) + 1):  # #a/b is listed under #a too
                key = "/".join(parts[:depth]).casefold()
                names.setdefault(key, "/".join(parts[:depth]))
                tagged.setdefault(key, {})[note.path] = note
    tag_paths = PathAllocator({f"{TAGS}/index.md"})  # "#🚀" and "#🎉" both slugify to nothing
    tag_pages = {
        key: tag_paths.allocate(f"{TAGS}/{'/'.join(slugify(p) for p in key.split('/'))}.md")
        for key in sorted(tagged)
    }
    tag_lists: dict[str, list[ListPage]] = {}
    for key in sorted(tagged):  # after every tag's first page: a tag may be named "x/page-2"
        chunks = _chunks(sorted(tagged[key].values(), key=_tag_order), options.hub_size)
        folder = tag_pages[key].removesuffix(".md")
        paths = [tag_pages[key]]
        paths += [tag_paths.allocate(f"{folder}/page-{n}.md") for n in range(2, len(chunks) + 1)]
        tag_lists[key] = _list_pages(paths, chunks)

    by_kind: dict[NoteKind, list[Note]] = {}
    for note in notes:
        by_kind.setdefault(note.kind, []).append(note)
    hub_lists = {
        kind: _hub_pages(kind, members, options.hub_size) for kind, members in by_kind.items()
    }
    hub_pages = {kind: [page.path for page in lists] for kind, lists in hub_lists.items()}
    generated = {p for pages in hub_pages.values() for p in pages}
    generated |= {page.path for lists in tag_lists.values() for page in lists}
    generated |= {f"{TAGS}/index.md", f"{BROWSE}/index.md", GRAPH_JSON}
    generated |= {CATALOGUE, GRAPH_PAGE, SEARCH_PAGE, LLMS_TXT, GRAPH_VIEW, CHANGELOG, FEED}
    generated.add(ACTIVITY_FEED)
    home = home_note(view, options)
    if options.home and home is None:  # a typo, or a private note: never silently ignored
        findings.add(
            "home-missing",
            options.home,
            None,
            f"extra.definitive.home names {options.home!r}, which is no published note: "
            "the site opens on the generated home page",
        )
    generated.add("index.md")  # the home note's, or the generated home page's

    allocator = PathAllocator(generated)
    for note in notes:
        wanted = "index.md" if note is home else slug_path(note.path, note=True)
        plan.note_paths[note.path] = "index.md" if note is home else allocator.allocate(wanted)
    docs_paths = dict(plan.note_paths)
    file_pages: dict[str, str] = {}  # a .canvas or .base -> the page that shows it
    for path, attachment in view.attachments.items():
        docs_paths[path] = allocator.allocate(attachment.docs_path)
        if has_page(path):
            # board.canvas -> board-canvas/: a page at board.canvas/ would be a folder of the
            # file's own name, and the file could not be published beside it.
            stem, _, suffix = attachment.docs_path.rpartition(".")
            file_pages[path] = allocator.allocate(f"{stem}-{suffix}.md")
    raw_paths = dict(docs_paths)  # where each attachment's file lands
    docs_paths.update(file_pages)  # a link to a canvas or a base opens its page

    ctx = RecordingContext(graph, docs_paths, tag_pages, options, findings, directory_urls)
    inputs = None if memo is None else PageInputs(view, evidence, docs_paths, tag_pages, memo.key)
    # The dashboard only where it has something to show: agents or definitive articles.
    has_proof = bool(evidence.agents or evidence.articles)

    def href(source: str, target: str) -> str:
        return site_href(source, target, directory_urls)

    proof = ProofPages(vault, evidence, plan.note_paths, options, env, directory_urls)
    hub_homes = {kind: (HUBS[kind][1], pages[0]) for kind, pages in hub_pages.items()}
    infos = PageInfos(
        view,
        evidence,
        plan.note_paths,
        hub_homes,
        directory_urls,
        personal=options.scan_personal_data,
    )
    renderer = NoteRenderer(ctx)
    site_facts = SiteFacts(
        docs_paths,
        plan.note_paths,
        tag_pages,
        hub_homes,
        infos.updated,
        has_proof,
        directory_urls,
    )
    note_template = env.get_template("note.md.j2")
    layout = NoteLayout(view, options, proof, infos, note_template, site_facts, tree)
    texts, copies = plan.pages, plan.markdown
    assert isinstance(texts, Texts) and isinstance(copies, Texts)
    features: set[str] = set()
    # A second process lays out note pages too (body_worker.py). With nothing to keep (a cold
    # build) it starts at once, from the first note, while this one works out the pages'
    # fingerprints.
    keeps_nothing = memo is None or not memo.entries
    if bodies is not None and keeps_nothing:
        bodies.start(site_facts, [(note, plan.note_paths[note.path]) for note in notes], tree)
    decided: list[tuple[Note, str, str | None, Kept | None]] = []
    for note in notes:
        page = plan.note_paths[note.path]
        about = infos.about(note, page) if inputs is not None else ""
        fingerprint = inputs.fingerprint(note, page, about) if inputs is not None else None
        kept = memo.reusable(page, fingerprint) if memo is not None and not keeps_nothing else None
        decided.append((note, page, fingerprint, kept))
    todo = [(note, page) for note, page, _, kept in decided if kept is None]
    if bodies is not None and not keeps_nothing:
        bodies.start(site_facts, todo, tree)
    ctx.attempts = []
    for path, attachment in sorted(view.attachments.items()):
        source = attachment.data if attachment.data is not None else Path(vault.root) / path
        plan.files[raw_paths[path]] = source
    file_template = env.get_template("file.md.j2")
    for path, page in sorted(file_pages.items()):
        attachment = view.attachments[path]
        try:
            data = read_file(vault.root, path, attachment.data)
        except OSError:
            data = b""
        shown = file_page(path, data, page, renderer, view.notes, plan.note_paths)
        features |= renderer.features
        plan.pages[page] = file_template.render(
            title=shown.title,
            kind=shown.kind,
            path=path,
            body=html_block(shown.body),
            raw=site_href(page, raw_paths[path], directory_urls),
        )

    hub_template = env.get_template("hub.md.j2")
    tag_template = env.get_template("tag.md.j2")
    # Hub and tag pages are kept, as note pages are, when what they show is what the last
    # build showed: their own arguments, and each entry's inputs (`PageInputs.listing`).
    facts: dict[tuple[bool, str], str] = {}

    def entry(note: Note, href: str, hub: bool) -> dict[str, str]:
        shown = _entry(note, href)
        return proof.entry(note, shown) if hub else shown  # hubs say an article's status

    def fact(note: Note, hub: bool) -> str:
        """What an entry shows of its note, but for its link (a function of the page's and
        the note's docs paths, both in the fingerprint)."""
        found = facts.get((hub, note.path))
        if found is None:
            shown = (plan.note_paths[note.path], entry(note, "", hub))
            found = facts[(hub, note.path)] = repr(shown)
        return found

    def listing(
        page: str, template: jinja2.Template, args: dict[str, Any], listed: list[Note], hub: bool
    ) -> None:
        fingerprint = None
        if inputs is not None and memo is not None:
            head = repr(sorted(args.items()))
            fingerprint = inputs.listing(page, head, (fact(n, hub) for n in listed))
            kept = memo.reusable(page, fingerprint)
            if kept is not None:
                plan.kept[page] = kept.digest
                plan.inputs[page] = PageRecord(fingerprint, [], frozenset(), False)
                return
        entries = [entry(n, href(page, plan.note_paths[n.path]), hub) for n in listed]
        plan.pages[page] = template.render(**args, entries=entries)
        if fingerprint is not None:
            plan.inputs[page] = PageRecord(fingerprint, [], frozenset(), False)

    for kind, lists in hub_lists.items():
        label = HUBS[kind][1]
        for item in lists:
            page = item.path
            archive = [
                {
                    "label": f"Page {other.number}",
                    "href": href(page, other.path),
                    "first": str(other.notes[0].meta.get("date", "")),
                    "last": str(other.notes[-1].meta.get("date", "")),
                    "count": len(other.notes),
                }
                for other in reversed(lists[1:])
                if kind == "meta" and item.number == 0
            ]
            listed = item.notes[::-1] if kind == "meta" else item.notes  # newest runs first
            hub_args: dict[str, Any] = dict(
                title=label if item.number <= 1 else f"{label}, page {item.number}",
                crumbs=(
                    _crumbs(page, lists[0].path, label, directory_urls)
                    if page != lists[0].path
                    else []
                ),
                # The count only where the page shows it: one new run must not change them all.
                description=(
                    f"{plural(len(by_kind[kind]), HUB_WORDS[kind][0])}: {HUB_WORDS[kind][1]}"
                    if item.number <= 1
                    else f"{label}, page {item.number}: {HUB_WORDS[kind][1]}"
                ),
                kind=kind,
                count=len(by_kind[kind]) if item.number <= 1 else None,
                archive=archive,
                previous=href(page, item.previous) if item.previous else None,
                next=href(page, item.next) if item.next else None,
                runs=kind == "meta" and item.number > 0,
                kind_label=label.lower(),
                front=href(page, lists[0].path) if page != lists[0].path else None,
            )
            listing(page, hub_template, hub_args, listed, True)

    browse_page = f"{BROWSE}/index.md"
    hubs = [
        (HUBS[k][1], relative_url(browse_page, hub_pages[k][0]), len(by_kind[k]))
        for k in HUBS
        if k in by_kind
    ]
    plan.pages[browse_page] = env.get_template("browse.md.j2").render(
        hubs=hubs, tags=relative_url(browse_page, f"{TAGS}/index.md"), tag_count=len(tagged)
    )

    tags_index = f"{TAGS}/index.md"
    plan.pages[tags_index] = env.get_template("tags.md.j2").render(
        tags=[
            (names[key], href(tags_index, tag_pages[key]), len(tagged[key]))
            for key in sorted(tagged)
        ]
    )
    for key, lists in tag_lists.items():
        for item in lists:
            page = item.path
            tag_args: dict[str, Any] = dict(
                name=names[key],
                number=item.number,
                count=len(tagged[key]) if item.number == 1 else None,
                crumbs=_crumbs(page, tags_index, "Tags", directory_urls),
                all_tags=relative_url(page, tags_index),
                previous=href(page, item.previous) if item.previous else None,
                next=href(page, item.next) if item.next else None,
            )
            listing(page, tag_template, tag_args, item.notes, False)

    if home is None:
        plan.pages["index.md"] = env.get_template("home.md.j2").render(
            title=Path(vault.root).name,
            hubs=[
                (label, relative_url("index.md", hub_pages[k][0]), len(by_kind[k]))
                for k, (_, label) in HUBS.items()
                if k in by_kind
            ],
            tags=relative_url("index.md", tags_index),
            note_count=len(notes),
            dashboard=proof.dashboard("index.md") if has_proof else "",
        )
    plan.pages[CATALOGUE] = proof.catalogue()
    plan.pages[SEARCH_PAGE] = env.get_template("find.md.j2").render()
    consolidations = changelog.runs(graph, plan.note_paths)
    plan.pages[CHANGELOG] = env.get_template("changelog.md.j2").render(
        entries=changelog.page_entries(consolidations, plan.note_paths, directory_urls),
        feed=site_href(CHANGELOG, FEED, directory_urls),
        activity=site_href(CHANGELOG, ACTIVITY_FEED, directory_urls),
    )
    plan.pages[FEED] = changelog.feed(
        consolidations, plan.note_paths, site_name, site_url, directory_urls
    )
    titles = {path: vault.notes[path].title for path in plan.note_paths}
    plan.pages[ACTIVITY_FEED] = activity_feed(
        evidence, titles, plan.note_paths, site_name, site_url, directory_urls
    )

    css = site_templates_dir() / "assets" / "definitive.css"
    plan.files[f"{ASSETS}/definitive.css"] = css
    plan.files[f"{ASSETS}/graph.js"] = site_templates_dir() / "assets" / "graph.js"
    plan.files[f"{ASSETS}/search.js"] = site_templates_dir() / "assets" / "search.js"
    plan.files[f"{ASSETS}/render.js"] = site_templates_dir() / "assets" / "render.js"
    plan.files[f"{ASSETS}/explorer.js"] = site_templates_dir() / "assets" / "explorer.js"
    plan.files.update(explorer_files(notes, plan.note_paths, directory_urls))
    for script in ("alternates.js", "previews.js"):
        plan.files[f"{ASSETS}/{script}"] = site_templates_dir() / "assets" / script
    plan.nav = [{"Home": "index.md"}, {"Catalogue": CATALOGUE}]
    plan.nav += [{HUBS[k][1]: hub_pages[k][0]} for k in HUBS if k in by_kind]
    plan.nav += [{"Tags": tags_index}, {"Changelog": CHANGELOG}, {"Graph": GRAPH_PAGE}]
    plan.nav += [{"Search": SEARCH_PAGE}]
    plan.pages[LLMS_TXT] = llms_txt(
        env,
        vault,
        evidence,
        plan.note_paths,
        home.title if home else Path(vault.root).name,
        [(label, path) for entry in plan.nav for label, path in entry.items()],
    )
    # A kept page's links are those the last graph.json holds (render/graph_json.py).
    graph_memo = None if memo is None else GraphMemo(memo.path.parent, memo.docs_dir, memo.key)
    # From the decisions, not `plan.kept`: note pages are laid out last, after this.
    kept_notes = {note.path for note, _, _, kept in decided if kept is not None}
    drawn = graph_files(
        graph,
        plan.note_paths,
        docs_paths,
        directory_urls,
        evidence=evidence,
        memo=graph_memo,
        kept=kept_notes,
    )
    # As bytes, not page texts: held compressed, 50 MB at 20,000 notes took a second to
    # compress and expand again on their way to the docs tree.
    data = drawn.text.encode("utf-8")
    plan.files[GRAPH_JSON] = data
    plan.graph_links_copied = drawn.copied
    plan.files[GRAPH_VIEW] = global_view(drawn.nodes, drawn.pairs).encode("utf-8")
    if graph_memo is not None:
        graph_memo.save(drawn, data)
    # The Graph page counts what it draws: the notes, and the attachments they link to.
    files = drawn.attachments
    plan.pages[GRAPH_PAGE] = env.get_template("graph.md.j2").render(
        notes=len(drawn.nodes) - files, attachments=files
    )
    # The note pages last: the second process lays out notes from the first one on while
    # this one lays out the pages above (hubs, tags, feeds, the graph), so that neither
    # idles at the end. This one then lays out notes from the last one back until the two
    # meet; then every page is stored, and its findings reported, in the notes' order.
    mine: dict[int, NotePage] = {}
    counted = 0  # the second process's pages the progress bar counted as they came
    while bodies is not None and (index := bodies.claim()) is not None:
        mine[index] = layout.lay_out(*todo[index])
        bodies.poll()
        if advance is not None:
            advance(1 + len(bodies.answered) - counted)
        counted = len(bodies.answered)
    early = set(bodies.answered[:counted]) if bodies is not None else set()
    index = 0
    for note, page, fingerprint, kept in decided:
        if kept is not None:  # its page and markdown copy stay as the last build wrote them
            if advance is not None:
                advance(1)
            replay(ctx, kept.attempts)
            plan.kept[page] = kept.digest
            features |= kept.features
            if kept.copy:
                plan.kept_copies.add(page)
            record = PageRecord(kept.fingerprint, kept.attempts, kept.features, kept.copy)
            plan.inputs[page] = record
            continue
        laid = mine.pop(index, None)
        if laid is None:
            if advance is not None and index not in early:
                advance(1)
            laid = bodies.take(index) if bodies is not None else None
            if laid is None:  # serial, or the second process did not lay it out
                laid = layout.lay_out(note, page)
        index += 1
        replay(ctx, laid.attempts)
        features |= laid.features
        if laid.written is not None:
            plan.written[page] = laid.written
            plan.kept_copies.add(page)
        else:
            texts.put_packed(page, laid.text)
            copies.put_packed(page, laid.copy)
        if fingerprint is not None:
            plan.inputs[page] = PageRecord(fingerprint, laid.attempts, laid.features, True)
    ctx.attempts = []
    for feature in sorted(features & set(VENDORED)):  # KaTeX, mermaid: only when used
        vendor = site_templates_dir() / "assets" / "vendor"
        for vendored in sorted((vendor / VENDORED[feature]).rglob("*")):
            if vendored.is_file():
                plan.files[f"{ASSETS}/vendor/{vendored.relative_to(vendor).as_posix()}"] = vendored
    return plan


@dataclass
class ListPage:
    """One page of a paged list (a hub or a tag): its notes, in the order shown."""

    path: str
    notes: list[Note]
    number: int
    """1, 2...; 0 for the Runs hub's front page (the newest runs, above its numbered pages)."""
    previous: str | None = None
    next: str | None = None


def _chunks(items: list[Note], size: int) -> list[list[Note]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def _list_pages(paths: list[str], chunks: list[list[Note]]) -> list[ListPage]:
    numbered = enumerate(zip(paths, chunks, strict=True), 1)
    pages = [ListPage(path, chunk, n) for n, (path, chunk) in numbered]
    for before, after in itertools.pairwise(pages):
        before.next, after.previous = after.path, before.path
    return pages


def _run_order(note: Note) -> tuple[str, str, str]:
    """Oldest run first."""
    return (str(note.meta.get("date", "")), note.title, note.path)


def _hub_pages(kind: NoteKind, members: list[Note], size: int) -> list[ListPage]:
    """A hub's pages. So that a night's new runs change few pages, the Runs hub is cut from
    the oldest run on: ``page-1`` holds the first ``size`` runs ever, and only the last
    numbered page takes new ones; its front page shows the newest ``size`` runs and lists
    the numbered pages. Other hubs go by title: ``index``, ``page-2``..."""
    folder = f"{BROWSE}/{HUBS[kind][0]}"
    if kind == "meta":
        chunks = _chunks(sorted(members, key=_run_order), size)
        front = ListPage(f"{folder}/index.md", chunks[-1] if len(chunks) == 1 else [], 0)
        if len(chunks) == 1:
            return [front]
        front.notes = sorted(members, key=_run_order)[-size:]
        paths = [f"{folder}/page-{n}.md" for n in range(1, len(chunks) + 1)]
        return [front, *_list_pages(paths, chunks)]
    chunks = _chunks(sorted(members, key=lambda n: (n.title.casefold(), n.path)), size)
    paths = [f"{folder}/index.md"] + [f"{folder}/page-{n}.md" for n in range(2, len(chunks) + 1)]
    return _list_pages(paths, chunks)


def _tag_order(note: Note) -> tuple[bool, str, str, str]:
    """Notes by title, then runs oldest first: a new run goes to a tag's last page."""
    if note.kind == "meta":
        return (True, *_run_order(note))
    return (False, note.title.casefold(), note.title, note.path)


def _crumbs(page: str, parent: str, label: str, directory_urls: bool) -> list[list[str]]:
    """Breadcrumbs of a generated page: Home, then the page it belongs under."""
    return [
        ["Home", site_href(page, "index.md", directory_urls)],
        [label, site_href(page, parent, directory_urls)],
    ]


HOME_NAMES = ("index.md", "home.md", "readme.md")


def home_note(view: PublicView, options: Options) -> Note | None:
    """The note the site opens on: ``extra.definitive.home``, else the first of `HOME_NAMES`
    at the vault's top (any case), if published."""
    if options.home:
        wanted = options.home.strip("/")
        wanted = wanted if wanted.lower().endswith(".md") else f"{wanted}.md"
        return next((n for n in view.notes.values() if n.path.lower() == wanted.lower()), None)
    top = {n.path.lower(): n for n in view.notes.values() if "/" not in n.path}
    return next((top[name] for name in HOME_NAMES if name in top), None)


def _entry(note: Note, href: str) -> dict[str, str]:
    meta = note.meta
    if note.kind == "meta":
        date = str(meta.get("date", ""))
        date = "" if note.title.startswith(date) else date  # most run titles start with it
        parts = [date, _plain(meta.get("agent")), str(meta.get("outcome", ""))]
        detail = " · ".join(p for p in parts if p and p != "None")
    elif note.kind == "definitive":
        detail = str(meta.get("description") or "")
    elif note.kind == "agent":
        detail = str(meta.get("job") or "")
    else:
        detail = note.folder
    return {"title": note.title, "href": href, "detail": detail}


def _plain(value: Any) -> str:
    text = str(value or "")
    if text.startswith("[[") and text.endswith("]]"):
        text = text[2:-2].split("|")[-1]
    return text
