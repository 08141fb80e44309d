"""A note's page, laid out around its body: the one home of how a note page is made.

`NoteLayout.lay_out` renders the note's body (render/markdown.py), adds its proof sections
and header (render/proof.py), its properties, tags, backlinks and page information
(render/page_info.py), fills ``note.md.j2``, and makes the markdown copy put beside the page
(the same page with the note's own markdown in place of its HTML), and on a first or cold
build writes both into the docs tree (render/emit.py `FreshTree`). The build process lays out
its notes with it (render/pages.py ``plan_site``), and so does the second rendering process
with its share of them (render/body_worker.py), from the same inputs (`SiteFacts`): a page is
the same bytes whichever process made it.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.findings import Findings
from generator.load.kinds import amount_value
from generator.model import Link, Note, NoteKind
from generator.render.incremental import Attempt, RecordingContext
from generator.render.markdown import NoteRenderer, escape_text, html_block, title_heading
from generator.render.page_info import PageInfos
from generator.render.proof import CARD_KEYS, ProofPages
from generator.render.texts import pack
from generator.slugs import site_href

if TYPE_CHECKING:
    import jinja2

    from generator.config import Options
    from generator.filter import PublicView
    from generator.proof import Evidence
    from generator.render.emit import FreshTree

HIDDEN_PROPERTIES = {"title", "aliases", "alias", "tags", "tag", "publish", "type", "cssclasses"}
BACKLINKS_HEADING = (
    '<h2 class="dfn-backlinks" id="backlinks">Backlinks'
    '<a class="headerlink" href="#backlinks" title="Permanent link">&para;</a></h2>'
)
"""The backlinks section's heading on a note's page (HTML, as the rest of the page); its
markdown copy says ``## Backlinks``."""


@dataclass(frozen=True)
class SiteFacts:
    """What a note page's layout reads of the site plan besides the analysis and evidence:
    all plain data, so that the second rendering process gets it in its job."""

    docs_paths: dict[str, str]
    """Vault path -> docs path of every published note and attachment (and file pages)."""
    note_paths: dict[str, str]
    """Published vault note path -> docs path."""
    tag_pages: dict[str, str]
    """Tag name (casefolded) -> docs path of its first page."""
    hub_homes: dict[NoteKind, tuple[str, str]]
    """Kind -> (hub label, docs path of the hub's first page)."""
    updated: dict[str, dt.date]
    """Vault path -> the date each note last changed (`PageInfos.updated`: worked out once,
    with Git, by the build process)."""
    has_proof: bool
    """The home note shows the agency's dashboard."""
    directory_urls: bool


@dataclass(frozen=True)
class NotePage:
    """A note's page as laid out, texts as `Texts` holds them (`pack`ed), or written."""

    text: bytes
    """The docs tree's page (empty when `written`)."""
    copy: bytes
    """The markdown copy put beside it (empty when `written`)."""
    features: frozenset[str]
    """What it needs from the site's vendored assets (math, mermaid...)."""
    attempts: list[Attempt]
    """The findings its layout reported, in order, before de-duplication."""
    written: str | None = None
    """The page's SHA-256 once written, with its copy, into a `FreshTree`."""


class NoteLayout:
    """Lays out note pages, one after another, in any order. It reports nothing itself: each
    page's findings come back with it (`NotePage.attempts`), for `plan_site` to report in
    the order of the notes, whichever process laid a page out and when."""

    def __init__(
        self,
        view: PublicView,
        options: Options,
        proof: ProofPages,
        infos: PageInfos,
        template: jinja2.Template,
        facts: SiteFacts,
        tree: FreshTree | None = None,
    ) -> None:
        self.view, self.proof, self.infos, self.template = view, proof, infos, template
        self.facts = facts
        self.tree = tree
        """Where each page goes as soon as it is laid out (a docs tree no build recorded)."""
        self.ctx = RecordingContext(
            view.graph,
            facts.docs_paths,
            facts.tag_pages,
            options,
            Findings(),  # the findings go back as attempts
            facts.directory_urls,
        )
        self.renderer = NoteRenderer(self.ctx)

    @classmethod
    def build(
        cls,
        view: PublicView,
        evidence: Evidence,
        options: Options,
        env: jinja2.Environment,
        facts: SiteFacts,
        tree: FreshTree | None = None,
    ) -> NoteLayout:
        """A layout made from the analysis and ``facts`` alone (the second process's)."""
        proof = ProofPages(
            view.vault, evidence, facts.note_paths, options, env, facts.directory_urls
        )
        infos = PageInfos(
            view,
            evidence,
            facts.note_paths,
            facts.hub_homes,
            facts.directory_urls,
            personal=options.scan_personal_data,
            updated=facts.updated,
        )
        return cls(view, options, proof, infos, env.get_template("note.md.j2"), facts, tree)

    def lay_out(self, note: Note, page: str) -> NotePage:
        """The page of ``note`` at docs path ``page``, and its markdown copy."""
        ctx, renderer, proof, facts = self.ctx, self.renderer, self.proof, self.facts
        attempts: list[Attempt] = []
        ctx.attempts = attempts
        info = self.infos.info(note, page)
        rendered = renderer.render(note, page)
        body = rendered.body
        before, after = proof.sections(note, page)
        if note.kind == "definitive":
            body = proof.annotate(note, body)
        if page == "index.md" and facts.has_proof:  # the home note, and the agency's dashboard
            after += proof.dashboard(page)
        properties = _properties(note, page, renderer)
        if before and note.kind == "meta":  # the run card shows these
            properties = [(k, v) for k, v in properties if k not in CARD_KEYS]
        title = rendered.title or title_heading(note.title, ctx.heading_ids(note))
        heading = html_block(title)
        body_block = html_block(body) if body.strip() else ""
        notes = self.view.vault.notes
        text = self.template.render(
            note=note,
            heading=heading,
            header=proof.header(note, page),
            body=body_block,
            before=before,
            after=after,
            filters=proof.filters(note),
            info=info,
            properties=properties,
            tags=[
                (t, self._href(page, facts.tag_pages[t.casefold()]))
                for t in sorted({t.name for t in note.tags}, key=str.casefold)
            ],
            backlinks_heading=BACKLINKS_HEADING,
            backlinks=[
                (src.title, self._href(page, facts.note_paths[src.path]))
                for src in (notes[p] for p in self.view.backlinks.get(note.path, ()))
            ],
        )
        # The copy beside the page holds the note's own markdown instead of its HTML.
        own = renderer.markdown(note, page)
        copy = text
        if rendered.title:
            lines = own.split("\n")
            line = note.headings[0].line
            copy = copy.replace(heading, lines[line], 1)
            own = "\n".join(lines[line + 1 :])
        else:
            copy = copy.replace(heading, f"# {escape_text(note.title)}", 1)
        copy = copy.replace(BACKLINKS_HEADING, "## Backlinks\n", 1)
        if body_block:
            copy = copy.replace(body_block, own.strip("\n"), 1)
        if self.tree is not None:
            digest = self.tree.write(page, text, copy)
            return NotePage(b"", b"", rendered.features, attempts, digest)
        return NotePage(pack(text), pack(copy), rendered.features, attempts)

    def _href(self, source: str, target: str) -> str:
        return site_href(source, target, self.facts.directory_urls)


def _properties(note: Note, page: str, renderer: NoteRenderer) -> list[tuple[str, str]]:
    """Frontmatter as Obsidian's properties show it: empty values and list items left out,
    booleans as checkboxes, ``[[wikilinks]]`` in values as links."""
    links: dict[str, Link] = {link.raw: link for link in note.links if link.span is None}
    rows: list[tuple[str, str]] = []
    for key, value in note.meta.items():
        if key in HIDDEN_PROPERTIES:
            continue
        values = value if isinstance(value, list) else [value]
        shown = [
            _property_value(key, item, page, links, renderer, note)
            for item in values
            if item is not None and item != "" and item != []
        ]
        if shown:
            rows.append((key, ", ".join(shown)))
    return rows


_WIKILINK = re.compile(r"\[\[[^\]\n]+\]\]")


def _property_value(
    key: str, item: Any, page: str, links: dict[str, Link], renderer: NoteRenderer, note: Note
) -> str:
    if isinstance(item, bool):
        checked = " checked" if item else ""
        state = "yes" if item else "no"
        return (
            f'<input class="dfn-checkbox" type="checkbox" disabled{checked} '
            f'aria-label="{state}" title="{state}">'
        )
    if key.endswith("_usd") and (amount := amount_value(item)) is not None:
        return format_usd(amount)  # a 400-digit number stays text
    text = str(item)
    parts: list[str] = []
    done = 0
    for match in _WIKILINK.finditer(text):
        link = links.get(match.group(0))
        if link is None:
            continue
        parts.append(html.escape(text[done : match.start()]))
        parts.append(renderer.link_html(link, page, note))
        done = match.end()
    parts.append(html.escape(text[done:]))
    return "".join(parts).replace("\n", " ")


def format_usd(value: float) -> str:
    """Dollars as people read them: $4.00, $0.0884 (cents alone hide what a run costs)."""
    return f"${value:,.2f}" if abs(value) >= 1 or value == 0 else f"${value:.4f}"
