"""Render one note's Obsidian markdown to the HTML a reader sees in Obsidian's reading view.

Note bodies are rendered here with markdown-it-py, with the one Obsidian parser of
`generator.load.markdown` (``make_parser(render=True)``): CommonMark, as Obsidian's own
parser reads it (a list right after a line of text, ``1)`` lists, fenced code in list items and
callouts), plus every Obsidian syntax. The HTML goes into the docs tree as one raw HTML block
that any Markdown renderer passes through unchanged (see `html_block` and docs/vault-format.md,
"How notes are rendered"), so no renderer's dialect decides what a note looks like.

- ``[[wikilinks]]`` and ``[x](Note.md)`` -> links with their final URL; broken ones visibly
  broken text, links to private notes plain text
- heading and block targets -> explicit ids (``id="part-1"``, ``id="^block"``)
- ``![[embeds]]`` -> the embedded note, section or block inlined (a note may embed its own
  sections), images with their size, audio and video players, PDF viewers
- ``> [!note]`` callouts -> Material's admonitions (``<details>`` when foldable)
- ``#tags`` -> links to the tag pages; ``$math$`` and mermaid fences -> elements that
  assets/definitive/render.js typesets with the site's own KaTeX and mermaid
- code -> highlighted with Pygments, in the markup Material styles

Links are matched to the ones load recorded (same parser: the n-th link of a line is the n-th
link load found there), so each shows the resolution the graph and `check` report.

What an agent can make huge stays bounded: blocks load found too dense are published as plain
text and over-deep lines are cut back (load/density.py); a page inlines at most
``embed_budget_bytes`` of embedded text, nested embeds included, and embeds nest at most
``embed_depth`` deep.
"""

from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from generator.config import Options
from generator.findings import Findings
from generator.graph.build import LinkGraph
from generator.graph.resolve import Resolution, Resolver
from generator.load.density import flatten_nesting
from generator.load.markdown import LONE_BLOCK_ID_RE, make_parser, split_wikilink
from generator.model import EMBED_SIZE_RE as SIZE_RE
from generator.model import Link, Note
from generator.slugs import heading_slug, relative_url, site_href

DENSE_OPEN = '<pre class="dfn-dense">'
DENSE_CLOSE = "</pre>"
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".bmp"}
AUDIO_EXTENSIONS = {".mp3", ".wav", ".m4a", ".ogg", ".flac", ".3gp"}
VIDEO_EXTENSIONS = {".mp4", ".webm", ".ogv", ".mov", ".mkv"}
MD_LINK_RE = re.compile(r"^(!?\[.*\]\()(\s*)(<[^>]*>|[^\s)]*)(.*)$", re.DOTALL)
_ANCHOR_INSIDE = {"paragraph_open", "list_item_open", "blockquote_open", "callout_open"}
"""Blocks whose anchor goes just inside them (a ``<span>`` cannot stand between ``<li>``)."""
MARKERS = re.compile(r"<!--\s*/?dfn:html\s*-->")
"""The docs tree's own markers (publish/mkdocs_hooks.py): never left in a note's HTML."""

# Obsidian callout types -> Material admonition types.
CALLOUT_TYPES = {
    "note": "note",
    "abstract": "abstract",
    "summary": "abstract",
    "tldr": "abstract",
    "info": "info",
    "todo": "info",
    "tip": "tip",
    "hint": "tip",
    "important": "tip",
    "success": "success",
    "check": "success",
    "done": "success",
    "question": "question",
    "help": "question",
    "faq": "question",
    "warning": "warning",
    "caution": "warning",
    "attention": "warning",
    "failure": "failure",
    "fail": "failure",
    "missing": "failure",
    "danger": "danger",
    "error": "danger",
    "bug": "bug",
    "example": "example",
    "quote": "quote",
    "cite": "quote",
}


@dataclass
class RenderContext:
    graph: LinkGraph
    docs_paths: dict[str, str]
    """Vault path -> docs path for every published note and attachment (and the pages that
    stand for ``.canvas`` and ``.base`` files)."""
    tag_pages: dict[str, str]
    """Tag name (casefolded) -> docs path of its tag page."""
    options: Options
    findings: Findings
    directory_urls: bool = True
    _resolutions: dict[int, Resolution] = field(default_factory=dict)
    _heading_ids: dict[str, list[str]] = field(default_factory=dict)
    _lines: dict[str, list[str]] = field(default_factory=dict)
    _reported: set[tuple[str, str, int | None]] = field(default_factory=set)
    _resolver: Resolver | None = None

    def __post_init__(self) -> None:
        for items in self.graph.links.values():
            for item in items:
                self._resolutions[id(item.link)] = item.resolution

    def resolution(self, link: Link, note: Note | None = None) -> Resolution:
        found = self._resolutions.get(id(link))
        if found is not None:
            return found
        # A link load did not record (a canvas card's, one made from a token): resolved now,
        # and not kept by id(), which a later link takes over once this one is freed (a
        # canvas file card then showed the previous card's target). The resolver keeps its
        # own memo by target and folder.
        assert note is not None
        if self._resolver is None:
            self._resolver = Resolver(self.graph.vault)
        return self._resolver.resolve(link, note)

    def heading_ids(self, note: Note) -> list[str]:
        """Anchor ids of a note's headings, unique within the page (``-1``, ``-2`` on repeats)."""
        ids = self._heading_ids.get(note.path)
        if ids is None:
            seen: dict[str, int] = {"backlinks": 1}
            ids = []
            for heading in note.headings:
                base = heading_slug(heading.text)
                count = seen.get(base, 0)
                seen[base] = count + 1
                ids.append(base if count == 0 else f"{base}-{count}")
            self._heading_ids[note.path] = ids
        return ids

    def published(self, vault_path: str | None) -> bool:
        return vault_path is not None and vault_path in self.docs_paths

    def href(self, page: str, target: str, anchor: str = "") -> str:
        """The final URL from docs page ``page`` to the published ``target`` (a vault path)."""
        return site_href(page, self.docs_paths[target], self.directory_urls, anchor)

    def report(self, code: str, path: str, line: int | None, message: str) -> None:
        """A finding, once per file and line: a note embedded on many pages (or many times
        over on one) must not repeat it thousands of times."""
        key = (code, path, line)
        if key not in self._reported:
            self._reported.add(key)
            self.findings.add(code, path, line, message)

    def lines(self, note: Note) -> list[str]:
        """The note's body lines, split once however often the note is embedded."""
        lines = self._lines.get(note.path)
        if lines is None:
            lines = self._lines[note.path] = note.body.split("\n")
        return lines


@dataclass
class RenderedNote:
    title: str | None
    """The note's own opening ``# Title`` as HTML, or None when it has none."""
    body: str
    """The rest of the note as HTML."""
    features: frozenset[str]
    """What the page needs beyond plain HTML: ``math``, ``mermaid``, ``pdf``."""


@dataclass
class _Frame:
    """One note (or part of one) being rendered: the page it lands on and its place in the
    chain of embeds."""

    note: Note
    page: str
    offset: int
    """Body line of the first line rendered."""
    depth: int
    stack: tuple[tuple[str, int, int | None], ...]
    anchors: bool
    """Ids on headings and blocks: only for the page's own note, never for embedded copies."""
    links: dict[tuple[int, str], deque[Link]]
    """The links load recorded, by (body line, style), in order."""
    heading_at: dict[int, int]
    """Body line -> index into the note's headings."""
    before: dict[int, str]
    """Ids written on a line of their own (after a list, quote or table, or continuing one):
    their anchor goes before the block they name, keyed by the block's first rendered line."""
    footnote_id: str = ""


_PARSERS: dict[tuple[bool, int], MarkdownIt] = {}


def note_parser(strict_line_breaks: bool, max_nesting: int) -> MarkdownIt:
    """The render parser: the load parser's syntax plus what a reader sees."""
    key = (strict_line_breaks, max_nesting)
    md = _PARSERS.get(key)
    if md is None:
        md = make_parser(skip_plain_inline=False, render=True, max_nesting=max_nesting)
        md.options["breaks"] = not strict_line_breaks
        md.core.ruler.after("inline", "dfn_lines", _link_lines)
        plugins = md.renderer.rules  # type: ignore[attr-defined]  # bound to the first renderer
        md.renderer = _NoteHTML(md)
        md.renderer.rules = {**plugins, **md.renderer.rules, **FOOTNOTES}
        _PARSERS[key] = md
    return md


def _link_lines(state: StateCore) -> None:
    """Each recorded link's line within the rendered text, for matching it to load's link."""
    for token in state.tokens:
        if token.type != "inline" or not token.map or not token.children:
            continue
        content = token.content
        for child in token.children:
            meta = child.meta
            if meta and "start" in meta:
                meta["line"] = token.map[0] + content.count("\n", 0, meta["start"])


class NoteRenderer:
    def __init__(self, ctx: RenderContext) -> None:
        self.ctx = ctx
        self.md = note_parser(ctx.options.strict_line_breaks, ctx.options.max_nesting)
        self.budget = 0
        """Embedded text the current page may still inline (`render` resets it)."""
        self.over_budget = False
        self.page_note = ""
        self.features: set[str] = set()
        self.embeds = 0

    # -- entry points --------------------------------------------------------------------------

    def render(self, note: Note, page: str) -> RenderedNote:
        """The note as HTML for the page at docs path ``page``."""
        self.budget, self.over_budget = self.ctx.options.embed_budget_bytes, False
        self.page_note, self.features, self.embeds = note.path, set(), 0
        whole = (note.path, -1, None)
        if not note.h1:
            body = self._render_lines(note, page, 0, None, 0, (whole,), anchors=True)
            return RenderedNote(None, body, frozenset(self.features))
        line = note.headings[0].line
        title = self._render_lines(note, page, 0, line + 1, 0, (whole,), anchors=True)
        rest = self._render_lines(note, page, line + 1, None, 0, (whole,), anchors=True)
        return RenderedNote(title.strip(), rest, frozenset(self.features))

    def begin(self, source: str) -> None:
        """Start a page made of pieces (a Canvas): they share one embed budget."""
        self.budget, self.over_budget = self.ctx.options.embed_budget_bytes, False
        # The embed count numbers the ids inside embeds: carried over from the page rendered
        # before, a canvas's ids would depend on which notes this build rendered again.
        self.page_note, self.features, self.embeds = source, set(), 0

    def render_text(self, text: str, source: str, page: str) -> str:
        """Markdown that is no note of its own (a Canvas card) as HTML, its links resolved as
        if written in a note at vault path ``source`` (after `begin`)."""
        note = Note(source, "note", source, {}, text, 0, "")
        self.ctx._lines.pop(source, None)
        return self._render_lines(note, page, 0, None, 0, ((source, -1, None),), anchors=False)

    def file_link(self, target: str, source: str, page: str) -> str:
        """A link to vault path ``target`` written in the file at ``source``, as HTML."""
        note = Note(source, "note", source, {}, "", 0, "")
        return self.link_html(Link(f"[[{target}]]", target, "", None, False, "wiki", 0), page, note)

    def link_html(self, link: Link, page: str, note: Note | None = None) -> str:
        """A link as HTML (also for frontmatter links, shown in the property list)."""
        res = self.ctx.resolution(link, note)
        label = html.escape(_label(link))
        if res.target is None:
            title = html.escape(f"Unresolved link: {link.target}")
            return f'<span class="dfn-broken" title="{title}">{label}</span>'
        if not self.ctx.published(res.target):
            return label
        href = self.ctx.href(page, res.target, self._anchor(res))
        return f'<a href="{html.escape(href)}">{label}</a>'

    def markdown(self, note: Note, page: str) -> str:
        """The note's body as published markdown, for the copy beside its page (agents read
        it; the secret scan reads the text exactly as written): links made relative ``.md``
        links to the other pages' copies, links to private notes and broken links their bare
        words, embeds links; everything else as in the vault."""
        lines = list(self.ctx.lines(note))
        edits: dict[int, list[tuple[int, int, str]]] = {}
        for link in note.links:
            if link.span is not None and link.span.line < len(lines):
                text = self._markdown_link(note, link, page)
                edits.setdefault(link.span.line, []).append((link.span.start, link.span.end, text))
        for number, changes in edits.items():
            lines[number] = _apply(lines[number], changes)
        return "\n".join(lines)

    def _markdown_link(self, note: Note, link: Link, page: str) -> str:
        res = self.ctx.resolution(link, note)
        label = escape_text(_label(link))
        if res.target is None or not self.ctx.published(res.target):
            return label
        docs = self.ctx.docs_paths[res.target]
        href = relative_url(page, docs, "" if res.attachment else self._anchor(res))
        if link.style == "markdown":
            return _replace_destination(link.raw, href)
        if link.embed and res.attachment and _extension(res.target) in IMAGE_EXTENSIONS:
            alt, _, _ = _size(link.display, res.target.rsplit("/", 1)[-1])
            return f"![{escape_text(alt)}]({href})"
        return f"[{label}]({href})"

    # -- core ----------------------------------------------------------------------------------

    def _render_lines(
        self,
        note: Note,
        page: str,
        start: int,
        end: int | None,
        depth: int,
        stack: tuple[tuple[str, int, int | None], ...],
        anchors: bool,
    ) -> str:
        lines = self.ctx.lines(note)
        end = len(lines) if end is None else min(end, len(lines))
        out = lines[start:end]
        deep = [n for n in note.deep_lines if start <= n < end]
        for number in deep:
            flat = flatten_nesting(out[number - start], self.ctx.options.max_nesting)
            if flat is not None:
                out[number - start] = flat
        for dense_start, dense_end in note.dense:
            first, last = max(dense_start, start), min(dense_end, end)
            if first < last:
                out[first - start : last - start] = _plain_lines(out[first - start : last - start])
        if depth:  # an embedded part: its indentation is the container's, not its own
            out = _dedent(out)
        links: dict[tuple[int, str], deque[Link]] = {}
        for link in note.links:
            if link.span is not None and start <= link.span.line < end:
                links.setdefault((link.span.line, link.style), deque()).append(link)
        before: dict[int, str] = {}
        if anchors:
            for block in note.blocks.values():
                marker = lines[block.marker_line] if block.marker_line < len(lines) else ""
                if start <= block.start < end and LONE_BLOCK_ID_RE.match(marker.strip()):
                    before.setdefault(block.start - start, block.block_id)
        frame = _Frame(
            note,
            page,
            start,
            depth,
            stack,
            anchors,
            links,
            {h.line: i for i, h in enumerate(note.headings) if start <= h.line < end},
            before,
            "" if depth == 0 else f"e{self.embeds}-",
        )
        env: dict[str, Any] = {"dfn": frame, "dfn_renderer": self}
        if frame.footnote_id:
            env["docId"] = frame.footnote_id
        return self.md.render("\n".join(out), env)

    # -- links ---------------------------------------------------------------------------------

    def link_for(self, frame: _Frame, token: Token, style: str) -> Link | None:
        """The link load recorded for this token, or one made from it (then resolved now)."""
        meta = token.meta or {}
        line = frame.offset + meta.get("line", 0)
        queue = frame.links.get((line, style))
        if queue:
            return queue.popleft()
        if style == "wiki":
            target, subpath, display = split_wikilink(token.content)
            if not target and not subpath:
                return None
            raw = ("![[" if meta.get("embed") else "[[") + token.content + "]]"
            return Link(raw, target, subpath, display, bool(meta.get("embed")), "wiki", line + 1)
        return None

    def wikilink(self, frame: _Frame, link: Link, block: bool) -> str:
        """A ``[[link]]`` or ``![[embed]]`` as HTML; ``block``: it may become a block (a note
        embed), standing alone in a paragraph or list item."""
        res = self.ctx.resolution(link, frame.note)
        label = _label(link)
        if res.target is None or not self.ctx.published(res.target):
            if res.target is not None:  # a private note: show the words, link nowhere
                return html.escape(label)
            title = html.escape(f"Unresolved link: {link.target}")
            return f'<span class="dfn-broken" title="{title}">{html.escape(label)}</span>'
        if res.attachment:
            href = self.ctx.href(frame.page, res.target)
            if link.embed:
                return self.attachment_embed(link, href, res.target, label)
            return _a(href, label)
        href = self.ctx.href(frame.page, res.target, self._anchor(res))
        if link.embed and block:
            return self._embed(frame, link, res, href)
        return _a(href, label)

    def attachment_embed(self, link: Link, href: str, target: str, label: str) -> str:
        extension = _extension(target)
        name = target.rsplit("/", 1)[-1]
        if extension in IMAGE_EXTENSIONS:
            alt, width, height = _size(link.display, name)
            return _img(href, alt, width, height)
        if extension in AUDIO_EXTENSIONS:
            return (
                f'<audio class="dfn-audio" controls preload="metadata" src="{html.escape(href)}">'
                f"{_a(href, name)}</audio>"
            )
        if extension in VIDEO_EXTENSIONS:
            _, width, height = _size(link.display, name)
            size = (f' width="{width}"' if width else "") + (
                f' height="{height}"' if height else ""
            )
            return (
                f'<video class="dfn-video" controls preload="metadata"{size} '
                f'src="{html.escape(href)}">{_a(href, name)}</video>'
            )
        if extension == ".pdf":
            self.features.add("pdf")
            number = re.search(r"page=(\d+)", link.subpath or "")
            tall = re.search(r"height=(\d+)", link.subpath or "")
            src = href + (f"#page={number.group(1)}" if number else "")
            style = f' height="{tall.group(1)}"' if tall else ""
            return (
                f'<iframe class="dfn-pdf" src="{html.escape(src)}" title="{html.escape(name)}"'
                f' loading="lazy"{style}></iframe><br>{_a(href, name)}'
            )
        return _a(href, label)

    def _anchor(self, res: Resolution) -> str:
        if res.target is None:
            return ""
        if res.block:
            return f"^{res.block}"
        if res.heading is not None:
            return self.ctx.heading_ids(self.ctx.graph.vault.notes[res.target])[res.heading]
        return ""

    def tag(self, frame: _Frame, name: str) -> str:
        target = self.ctx.tag_pages.get(name.casefold())
        if target is None:
            return html.escape(f"#{name}")
        href = site_href(frame.page, target, self.ctx.directory_urls)
        return f'<a class="dfn-tag" href="{html.escape(href)}">#{html.escape(name)}</a>'

    # -- embeds --------------------------------------------------------------------------------

    def _embed(self, frame: _Frame, link: Link, res: Resolution, href: str) -> str:
        assert res.target is not None
        note = frame.note
        target = self.ctx.graph.vault.notes.get(res.target)
        if target is None:  # a page that stands for a file (canvas, base): a link to it
            return _a(href, _label(link), "dfn-embed-stub")
        title = target.title
        first, last = 0, None
        if res.block and res.block in target.blocks:
            block = target.blocks[res.block]
            first, last = block.start, block.end  # titled by its note, as in Obsidian
        elif res.heading is not None:
            heading = target.headings[res.heading]
            first, last = heading.line, _section_end(target, res.heading)
            title = f"{target.title} › {heading.text}"
        elif target.h1:
            first = target.headings[0].line + 1
        whole = res.block is None and res.heading is None
        key = (target.path, -1, None) if whole else (target.path, first, last)
        if key in frame.stack:
            return self._embed_stub(link, href, "embed cycle")
        if frame.depth + 1 > self.ctx.options.embed_depth:
            self.ctx.report(
                "embed-depth",
                note.path,
                link.line,
                f"{link.raw} is nested deeper than {self.ctx.options.embed_depth} embeds "
                "(extra.definitive.embed_depth); shown as a link",
            )
            return self._embed_stub(link, href, "embed depth limit")
        size = sum(len(line) + 1 for line in self.ctx.lines(target)[first:last])
        if size > self.budget:
            if not self.over_budget:
                self.over_budget = True
                self.ctx.report(
                    "embed-budget",
                    note.path,
                    link.line,
                    f"{link.raw} and the embeds after it on the page of {self.page_note} "
                    f"would pass {self.ctx.options.embed_budget_bytes:,} bytes of embedded "
                    "text (extra.definitive.embed_budget_bytes); shown as links",
                )
            return self._embed_stub(link, href, "embed size limit")
        budget = self.budget
        self.embeds += 1
        body = self._render_lines(
            target, frame.page, first, last, frame.depth + 1, (*frame.stack, key), anchors=False
        )
        nested = budget - self.budget  # what the embeds inside it already counted
        text = (
            f'<div class="dfn-embed">\n<p>{_a(href, title, "dfn-embed-title")}</p>\n{body}</div>\n'
        )
        self.budget -= max(len(text) - nested, 0)  # every emitted character counted once
        return text

    def _embed_stub(self, link: Link, href: str, why: str) -> str:
        return (
            f'<a class="dfn-embed-stub" href="{html.escape(href)}" title="{why}">'
            f"{html.escape(_label(link))}</a>"
        )


class _NoteHTML(RendererHTML):
    """markdown-it's HTML renderer with Obsidian's tokens and Definitive's links."""

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        frame: _Frame = env["dfn"]
        pending = dict(frame.before)
        parts: list[str] = []
        for index, token in enumerate(tokens):
            anchor = ""
            if pending and token.nesting >= 0 and token.block and token.map:
                block_id = pending.pop(token.map[0], None)
                anchor = _block_anchor(block_id) if block_id is not None else ""
            html_text = self._token(token, tokens, index, options, env)
            if anchor and token.type in _ANCHOR_INSIDE:
                parts.append(html_text + anchor)
            else:
                parts.append(anchor + html_text)
        return "".join(parts).replace("<p></p>\n", "").replace("<p></p>", "")

    def _token(
        self, token: Token, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
    ) -> str:
        frame: _Frame = env["dfn"]
        renderer: NoteRenderer = env["dfn_renderer"]
        kind = token.type
        if kind == "inline":
            return self.note_inline(token, options, env)
        if kind == "paragraph_open":
            env["dfn_in_p"] = not token.hidden
            return "" if token.hidden else "<p>"
        if kind == "paragraph_close":
            env["dfn_in_p"] = False
            return "" if token.hidden else "</p>\n"
        if kind == "heading_open":
            return self._heading_open(token, frame, env)
        if kind == "heading_close":
            anchor = env.pop("dfn_heading", None)
            env["dfn_inline_only"] = False
            return f"{permalink(anchor) if anchor else ''}</{token.tag}>\n"
        if kind == "callout_open":
            return _callout_open(token)
        if kind == "callout_close":
            return "</details>\n" if _folds(tokens, index) else "</div>\n"
        if kind == "callout_title_open":
            return "<summary>" if token.meta.get("fold") else '<p class="admonition-title">'
        if kind == "callout_title_close":
            return "</summary>\n" if token.meta.get("fold") else "</p>\n"
        if kind == "list_item_open" and token.meta and "task" in token.meta:
            mark = token.meta["task"]
            checked = " checked" if mark != " " else ""
            return (
                f'<li class="task-list-item" data-task="{html.escape(mark)}">'
                f'<input class="task-list-control" type="checkbox" disabled{checked}> '
            )
        if kind in ("th_open", "td_open", "th_close", "td_close"):
            env["dfn_inline_only"] = kind.endswith("_open")
            return self.renderToken(tokens, index, options, env)
        if kind == "fence":
            return self._fence(token, renderer)
        if kind in ("math_block", "math_block_label"):
            renderer.features.add("math")
            return f'<div class="dfn-math dfn-math-display">{_escape(token.content)}</div>\n'
        if kind in self.rules:
            return str(self.rules[kind](tokens, index, options, env))
        return self.renderToken(tokens, index, options, env)

    def _heading_open(self, token: Token, frame: _Frame, env: EnvType) -> str:
        env["dfn_inline_only"] = True
        if not frame.anchors or not token.map:
            return f"<{token.tag}>"
        index = frame.heading_at.get(token.map[0] + frame.offset)
        if index is None:
            return f"<{token.tag}>"
        renderer: NoteRenderer = env["dfn_renderer"]
        anchor = renderer.ctx.heading_ids(frame.note)[index]
        env["dfn_heading"] = anchor
        return f'<{token.tag} id="{html.escape(anchor)}">'

    def _fence(self, token: Token, renderer: NoteRenderer) -> str:
        info = token.info.strip().split(maxsplit=1)
        language = info[0].lower() if info else ""
        if language == "mermaid":
            renderer.features.add("mermaid")
            return f'<pre class="dfn-mermaid">{_escape(token.content)}</pre>\n'
        return highlight(token.content, language)

    def note_inline(self, token: Token, options: OptionsDict, env: EnvType) -> str:
        """An inline token's children, with links matched (in order) to load's and note
        embeds standing alone in a paragraph made blocks of their own."""
        children = token.children or []
        if token.meta and "callout_title" in token.meta and not token.content.strip():
            return html.escape(str(token.meta["callout_title"]).capitalize())
        frame: _Frame = env["dfn"]
        renderer: NoteRenderer = env["dfn_renderer"]
        inline_only = bool(env.get("dfn_inline_only"))
        out: list[str] = []
        links: list[str] = []  # what each open link_open closes with
        skip_break = False
        for position, child in enumerate(children):
            kind = child.type
            if skip_break and kind in ("softbreak", "hardbreak"):
                skip_break = False
                continue
            skip_break = False
            if kind == "wikilink":
                link = renderer.link_for(frame, child, "wiki")
                if link is None:
                    bang = "!" if child.meta.get("embed") else ""
                    out.append(_escape(f"{bang}[[{child.content}]]"))
                    continue
                text = renderer.wikilink(frame, link, block=not inline_only)
                if text.startswith('<div class="dfn-embed">'):
                    if out and out[-1] in ("<br />\n", "\n"):
                        out.pop()  # the line break before the embed is the embed's
                    closes = env.get("dfn_in_p")
                    text = ("</p>\n" if closes else "") + text + ("<p>" if closes else "")
                    skip_break = True
                out.append(text)
            elif kind == "hashtag":
                out.append(renderer.tag(frame, child.content))
            elif kind == "block_id":
                if frame.anchors and child.content not in frame.before.values():
                    out.append(_block_anchor(child.content))
            elif kind == "link_open":
                out.append(self._link_open(child, frame, renderer, links))
            elif kind == "link_close":
                out.append(links.pop() if links else "</a>")
            elif kind == "image":
                out.append(self._image(child, frame, renderer, options, env))
            elif kind in ("math_inline", "math_inline_double"):
                renderer.features.add("math")
                cls = "dfn-math" + (" dfn-math-display" if kind == "math_inline_double" else "")
                out.append(f'<span class="{cls}">{_escape(child.content)}</span>')
            elif kind in self.rules:
                out.append(self.rules[kind](children, position, options, env))
            else:
                out.append(self.renderToken(children, position, options, env))
        return "".join(out)

    def _link_open(
        self, token: Token, frame: _Frame, renderer: NoteRenderer, links: list[str]
    ) -> str:
        href = str(token.attrs.get("href", ""))
        title = token.attrs.get("title")
        title_attr = f' title="{html.escape(str(title))}"' if title else ""
        recorded = bool(token.meta and "start" in token.meta)
        link = renderer.link_for(frame, token, "markdown") if recorded and _internal(href) else None
        if link is None:
            if href.startswith("#"):  # keep "#^block" as written (markdown-it encodes the ^)
                href = "#" + quote(unquote(href[1:]), safe="^-_.~!$&'()*+,;=:@/?%")
            links.append("</a>")
            return f'<a href="{html.escape(href)}"{title_attr}>'
        res = renderer.ctx.resolution(link, frame.note)
        if res.target is None:
            links.append("</span>")
            why = html.escape(f"Unresolved link: {link.target}")
            return f'<span class="dfn-broken" title="{why}">'
        if not renderer.ctx.published(res.target):
            links.append("")
            return ""
        anchor = renderer._anchor(res) if not res.attachment else ""
        if res.attachment and link.subpath:
            anchor = link.subpath
        links.append("</a>")
        target = renderer.ctx.href(frame.page, res.target, anchor)
        return f'<a href="{html.escape(target)}"{title_attr}>'

    def _image(
        self,
        token: Token,
        frame: _Frame,
        renderer: NoteRenderer,
        options: OptionsDict,
        env: EnvType,
    ) -> str:
        src = str(token.attrs.get("src", ""))
        alt_text = self.renderInlineAsText(token.children or [], options, env)
        alt, width, height = _size(alt_text, src.rsplit("/", 1)[-1])
        if not _internal(src):
            if src.startswith(("http://", "https://", "//")):
                # The site loads nothing from another host: a remote image is a link to it.
                label = alt or src
                return _a(src, f"🖼 {label}", "dfn-remote-image")
            return _img(src, alt, width, height) if src.startswith("data:") else html.escape(alt)
        link = renderer.link_for(frame, token, "markdown") if token.meta else None
        if link is None:
            return html.escape(alt)
        res = renderer.ctx.resolution(link, frame.note)
        if res.target is None:
            why = html.escape(f"Unresolved link: {link.target}")
            shown = html.escape(alt or link.target)
            return f'<span class="dfn-broken" title="{why}">{shown}</span>'
        if not renderer.ctx.published(res.target):
            return html.escape(alt)
        href = renderer.ctx.href(frame.page, res.target)
        if res.attachment:
            if _extension(res.target) in IMAGE_EXTENSIONS:
                return _img(href, alt, width, height)
            return renderer.attachment_embed(link, href, res.target, alt or res.target)
        return _a(renderer.ctx.href(frame.page, res.target, renderer._anchor(res)), alt)


# --- footnotes, in Python-Markdown's markup (which Material styles) -------------------------


def _footnote_number(token: Token, env: EnvType) -> str:
    return f"{env.get('docId') or ''}{token.meta['id'] + 1}"


def _footnote_ids(token: Token, env: EnvType) -> tuple[str, str, int]:
    """(its id, the id of this reference to it, the number shown)."""
    number = _footnote_number(token, env)
    sub = token.meta.get("subId", 0)
    return number, f"fnref{sub + 1 if sub else ''}:{number}", token.meta["id"] + 1


def _footnote_ref(tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    number, ref, shown = _footnote_ids(tokens[idx], env)
    return f'<sup id="{ref}"><a class="footnote-ref" href="#fn:{number}">{shown}</a></sup>'


def _footnote_anchor(tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
    _, ref, shown = _footnote_ids(tokens[idx], env)
    return (
        f'&nbsp;<a class="footnote-backref" href="#{ref}" '
        f'title="Jump back to footnote {shown} in the text">&#8617;&#xFE0E;</a>'
    )


FOOTNOTES: dict[str, Any] = {
    "footnote_ref": _footnote_ref,
    "footnote_anchor": _footnote_anchor,
    "footnote_block_open": lambda *_: '<div class="footnote">\n<hr>\n<ol>\n',
    "footnote_block_close": lambda *_: "</ol>\n</div>\n",
    "footnote_open": lambda t, i, o, env: f'<li id="fn:{_footnote_number(t[i], env)}">',
    "footnote_close": lambda *_: "</li>\n",
}


# --- small pieces ---------------------------------------------------------------------------


def _internal(href: str) -> bool:
    return (
        bool(href)
        and not href.startswith(("#", "//"))
        and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:", href)
    )


def _a(href: str, label: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f'<a{attr} href="{html.escape(href)}">{html.escape(label)}</a>'


def _img(src: str, alt: str, width: str | None, height: str | None) -> str:
    size = (f' width="{width}"' if width else "") + (f' height="{height}"' if height else "")
    return f'<img src="{html.escape(src)}" alt="{html.escape(alt)}"{size} loading="lazy">'


def _size(text: str | None, default: str) -> tuple[str, str | None, str | None]:
    """(alt, width, height) from an embed's ``|250``, ``|250x100`` or ``|alt|250`` (wiki) or
    a markdown image's ``![250](x)`` / ``![alt|250x100](x)``."""
    if not text:
        return default, None, None
    alt, bar, size = text.rpartition("|")
    match = SIZE_RE.match(size.strip())
    if match:
        return (alt.strip() if bar else default), match.group(1), match.group(2)
    return text, None, None


def permalink(anchor: str) -> str:
    """The ¶ link a heading ends with, in the markup of Python-Markdown's ``toc`` extension
    (``permalink: true``), which Material styles."""
    return f'<a class="headerlink" href="#{html.escape(anchor)}" title="Permanent link">&para;</a>'


def title_heading(title: str, taken: list[str]) -> str:
    """The ``<h1>`` of a note without a ``# Title`` of its own: its title, with an id unique
    among the page's heading ids (``taken``) and a permalink."""
    anchor = base = heading_slug(title)
    count = 0
    while anchor in taken or anchor == "backlinks":
        count += 1
        anchor = f"{base}-{count}"
    return f'<h1 id="{html.escape(anchor)}">{_escape(title)}{permalink(anchor)}</h1>'


def _block_anchor(block_id: str) -> str:
    return f'<span class="dfn-block" id="^{html.escape(block_id)}"></span>'


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _extension(path: str) -> str:
    dot = path.rfind(".")
    return path[dot:].lower() if dot >= 0 else ""


def _callout_open(token: Token) -> str:
    meta = token.meta or {}
    kind = CALLOUT_TYPES.get(str(meta.get("kind", "note")), "note")
    fold = meta.get("fold", "")
    if fold:
        return f'<details class="{kind}"' + (' open="open">\n' if fold == "+" else ">\n")
    return f'<div class="admonition {kind}">\n'


def _folds(tokens: Sequence[Token], index: int) -> bool:
    level = tokens[index].level
    for back in range(index - 1, -1, -1):
        token = tokens[back]
        if token.type == "callout_open" and token.level == level:
            return bool((token.meta or {}).get("fold"))
    return False


def _dedent(lines: list[str]) -> list[str]:
    """Lines of an embedded block without the indentation common to all of them."""
    widths = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
    cut = min(widths, default=0)
    if not cut:
        return lines
    return [line[cut:] if line[:cut].strip() == "" else line.lstrip(" \t") for line in lines]


def _plain_lines(lines: list[str]) -> list[str]:
    """A block too dense for markdown as an HTML block of plain text, line for line (so
    every later line keeps its number): escaped, in spans of at most 2,000 characters."""
    text = "\n".join(lines)
    pieces = "".join(
        f"<span>{html.escape(text[i : i + 2000], quote=False)}</span>"
        for i in range(0, len(text), 2000)
    ).split("\n")
    pieces[0] = DENSE_OPEN + pieces[0]
    pieces[-1] += DENSE_CLOSE
    return pieces


def plain_text_block(text: str) -> str:
    """``text`` as a raw HTML block of plain text (a block too dense for markdown): escaped,
    in spans of at most 2,000 characters, since one text node of 200,000 character references
    is quadratic for the sanitiser's HTML parser. publish/markdown_guard.py stores these
    blocks as they are; any other CommonMark renderer reads them as an HTML block."""
    pieces = [
        f"<span>{html.escape(text[i : i + 2000], quote=False)}</span>"
        for i in range(0, len(text), 2000)
    ]
    return "\n".join([DENSE_OPEN, *"".join(pieces).split("\n"), DENSE_CLOSE])


def html_block(text: str) -> str:
    """Rendered HTML as one raw HTML block of the docs tree, the same for every Markdown
    renderer: no blank line in it (CommonMark ends an HTML block at one; inside ``<pre>`` an
    empty comment keeps the line, and the sanitiser drops it), none of the tree's own
    ``dfn:html`` markers, between those markers (publish/mkdocs_hooks.py sets such blocks
    aside from Python-Markdown)."""
    text = MARKERS.sub("<!-- -->", text.strip("\n"))
    if "\n\n" in text or "\n \n" in text or "\n\t" in text:
        text = "\n".join(line if line.strip() else "<!---->" for line in text.split("\n"))
    return f"<!-- dfn:html -->\n{text}\n<!-- /dfn:html -->"


def highlight(code: str, language: str) -> str:
    """A code block in pymdownx.highlight's markup, which Material styles: Pygments'
    classes when the language is known."""
    from pygments import highlight as pygmentize  # type: ignore[import-untyped]
    from pygments.formatters import HtmlFormatter  # type: ignore[import-untyped]
    from pygments.lexers import get_lexer_by_name  # type: ignore[import-untyped]
    from pygments.util import ClassNotFound  # type: ignore[import-untyped]

    lexer = None
    if language:
        try:
            lexer = get_lexer_by_name(language)
        except ClassNotFound:
            lexer = None
    body = _escape(code) if lexer is None else pygmentize(code, lexer, _formatter(HtmlFormatter))
    return f'<div class="highlight"><pre><span></span><code>{body}</code></pre></div>\n'


_FORMATTER: Any = None


def _formatter(factory: Any) -> Any:
    global _FORMATTER
    if _FORMATTER is None:
        _FORMATTER = factory(nowrap=True)
    return _FORMATTER


def _section_end(note: Note, index: int) -> int | None:
    level = note.headings[index].level
    for heading in note.headings[index + 1 :]:
        if heading.level <= level:
            return heading.line
    return None


def _label(link: Link) -> str:
    return link.label


def _apply(text: str, changes: list[tuple[int, int, str]]) -> str:
    """``text`` with each (start, end, replacement) made, in one pass however many there are
    (a line of 100,000 links is rebuilt once)."""
    parts: list[str] = []
    done = 0
    for col_start, col_end, replacement in sorted(changes, key=lambda c: (c[0], c[1])):
        parts.append(text[done:col_start])
        parts.append(replacement)
        done = max(done, col_end)
    parts.append(text[done:])
    return "".join(parts)


def _replace_destination(raw: str, href: str) -> str:
    match = MD_LINK_RE.match(raw)
    if not match:
        return raw
    return f"{match.group(1)}{match.group(2)}{href}{match.group(4)}"


def escape_text(text: str) -> str:
    """Text to show literally inside markdown link text: no nested links, no raw HTML."""
    text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
