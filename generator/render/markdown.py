"""Rewrite one note's Obsidian markdown into plain Material-for-MkDocs markdown.

Everything Obsidian-only is turned into what Python-Markdown and Material already know:

- ``[[wikilinks]]`` and ``[x](Note.md)`` -> relative ``.md`` links (MkDocs checks and maps them)
- heading and block targets -> explicit anchors (``{#id}`` via attr_list, ``<span id="^id">``)
- ``![[embeds]]`` -> the embedded note, section or block inlined, or an image with its size
- ``> [!note]`` callouts -> admonitions (``%%comments%%`` are gone already: load removed them)
- ``#tags`` -> links to the tag pages; broken links -> visibly broken text, never a dead link

Edits are made on the source text at the spans the parser recorded, so everything we do not
touch (tables, lists, math, HTML) reaches MkDocs exactly as written.

What an agent can make huge stays bounded: each line is rebuilt once whatever the number of
edits on it; blocks load found too dense are published as plain text and over-deep lines are
cut back (load/density.py); a page inlines at most ``embed_budget_bytes`` of embedded text,
nested embeds included, and callouts convert at most ``max_nesting`` levels deep.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from generator.config import Options
from generator.findings import Findings
from generator.graph.build import LinkGraph
from generator.graph.resolve import Resolution
from generator.load.density import flatten_nesting
from generator.model import EMBED_SIZE_RE as SIZE_RE
from generator.model import Link, Note, Span
from generator.slugs import heading_slug, relative_url, site_href

DENSE_OPEN = '<pre class="dfn-dense">'
DENSE_CLOSE = "</pre>"
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".bmp"}
ATX_CLOSE_RE = re.compile(r"\s+#+\s*$")
CALLOUT_RE = re.compile(r"^\[!([\w-]+)\]([+-]?)[ \t]*(.*)$")
MD_LINK_RE = re.compile(r"^(!?\[.*\]\()(\s*)(<[^>]*>|[^\s)]*)(.*)$", re.DOTALL)

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
    """Vault path -> docs path for every published note and attachment."""
    tag_pages: dict[str, str]
    """Tag name (casefolded) -> docs path of its tag page."""
    options: Options
    findings: Findings
    directory_urls: bool = True
    _resolutions: dict[int, Resolution] = field(default_factory=dict)
    _heading_ids: dict[str, list[str]] = field(default_factory=dict)
    _lines: dict[str, list[str]] = field(default_factory=dict)
    _reported: set[tuple[str, str, int | None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        for items in self.graph.links.values():
            for item in items:
                self._resolutions[id(item.link)] = item.resolution

    def resolution(self, link: Link) -> Resolution:
        return self._resolutions[id(link)]

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


class NoteRenderer:
    def __init__(self, ctx: RenderContext) -> None:
        self.ctx = ctx
        self.budget = 0
        """Embedded text the current page may still inline (`render` resets it)."""
        self.over_budget = False
        self.page_note = ""

    # -- entry points --------------------------------------------------------------------------

    def render(self, note: Note, page: str) -> tuple[str | None, str]:
        """The note as plain markdown for the page at docs path ``page``: (its own opening
        ``# Title`` line or None, the rest of the body)."""
        self.budget, self.over_budget = self.ctx.options.embed_budget_bytes, False
        self.page_note = note.path
        if not note.h1:
            body = self._render_lines(note, page, 0, None, 0, (note.path,), anchors=True)
            return None, body
        line = note.headings[0].line
        full = self._render_lines(note, page, 0, line + 1, 0, (note.path,), anchors=True)
        rest = self._render_lines(note, page, line + 1, None, 0, (note.path,), anchors=True)
        return full.strip("\n"), rest

    # -- core ----------------------------------------------------------------------------------

    def _render_lines(
        self,
        note: Note,
        page: str,
        start: int,
        end: int | None,
        depth: int,
        stack: tuple[str, ...],
        anchors: bool,
    ) -> str:
        lines = self.ctx.lines(note)
        end = len(lines) if end is None else end
        out: list[str | None] = list(lines)
        edits: dict[int, list[tuple[int, int, str]]] = {}

        def edit(span: Span | None, text: str) -> None:
            if span is not None and start <= span.line < end:
                edits.setdefault(span.line, []).append((span.start, span.end, text))

        for tag in note.tags:
            if tag.span is not None and start <= tag.span.line < end:
                edit(tag.span, self._tag_link(tag.name, page))
        for span in note.block_markers:
            text = lines[span.line][span.start : span.end].strip()
            block_id = text.lstrip("^")
            anchor = f'<span class="dfn-block" id="^{html.escape(block_id)}"></span>'
            edit(span, (" " if span.start else "") + anchor if anchors else "")
        bounds: dict[int, tuple[int, int]] = {}  # line -> (end of its prefix, end of its text)
        for link in note.links:
            if link.span is None or not start <= link.span.line < end:
                continue  # outside the range: never rendered (nor its embeds expanded)
            line = lines[link.span.line]
            lead, tail = bounds.get(link.span.line) or bounds.setdefault(
                link.span.line, (len(line) - len(line.lstrip(" \t>")), len(line.rstrip()))
            )
            alone = link.span.start <= lead and link.span.end >= tail
            prefix = line[: link.span.start] if alone else ""
            edit(link.span, self.render_link(note, link, page, depth, stack, prefix, alone))

        if anchors:  # explicit ids, so links never depend on the site's slugify settings
            ids = self.ctx.heading_ids(note)
            for index, heading in enumerate(note.headings):
                if start <= heading.line < end:
                    text = lines[heading.line]
                    if text.lstrip(" >").startswith("#"):
                        text = ATX_CLOSE_RE.sub("", text)  # "## Title ##" -> "## Title"
                    out[heading.line] = text
                    edits.setdefault(heading.line, []).append(
                        (len(text), len(text), f" {{#{ids[index]}}}")
                    )

        for number, changes in edits.items():
            out[number] = _apply(out[number] or "", changes)
        for number in note.deep_lines:
            if start <= number < end and out[number] is not None:
                flat = flatten_nesting(out[number] or "", self.ctx.options.max_nesting)
                out[number] = out[number] if flat is None else flat
        # Dense blocks (load/density.py), cut to the range when an embed takes part of one.
        dense = [(max(a, start), min(b, end)) for a, b in note.dense if a < end and start < b]
        for dense_start, dense_end in dense:
            text = "\n".join(x for x in out[dense_start:dense_end] if x is not None)
            out[dense_start] = plain_text_block(text)  # comments: gone at load
            for number in range(dense_start + 1, dense_end):
                out[number] = None

        for callout_start, callout_end in note.callouts:
            if any(a < callout_end and callout_start < b for a, b in dense):
                continue  # published as plain text
            if start <= callout_start and callout_end <= end:
                block = "\n".join(x for x in out[callout_start:callout_end] if x is not None)
                out[callout_start] = convert_callouts(block, self.ctx.options.max_nesting)
                for number in range(callout_start + 1, callout_end):
                    out[number] = None
        return "\n".join(x for x in out[start:end] if x is not None)

    # -- links ---------------------------------------------------------------------------------

    def render_link(
        self,
        note: Note,
        link: Link,
        page: str,
        depth: int,
        stack: tuple[str, ...],
        prefix: str,
        alone: bool,
    ) -> str:
        res = self.ctx.resolution(link)
        label = _label(link)
        if res.target is None or not self.ctx.published(res.target):
            if res.target is not None:  # a private note: show the words, link nowhere
                return escape_text(label)
            return (
                f'<span class="dfn-broken" title="Unresolved link: {html.escape(link.target)}">'
                f"{html.escape(label)}</span>"
            )
        target_docs = self.ctx.docs_paths[res.target]
        if res.attachment:
            href = relative_url(page, target_docs)
            if link.embed and _is_image(res.target):
                return _image(link, href, res.target)
            if link.style == "markdown":
                return _replace_destination(link.raw, href)
            return f"[{escape_text(label)}]({href})"
        anchor = self._anchor(res)
        href = relative_url(page, target_docs, anchor)
        if link.embed and link.style == "wiki":
            if alone:
                return self._embed(note, link, res, page, href, depth, stack, prefix)
            return f"[{escape_text(label)}]({href})"
        if link.style == "markdown":
            return _replace_destination(link.raw, href)
        return f"[{escape_text(label)}]({href})"

    def link_html(self, link: Link, page: str) -> str:
        """A frontmatter link as raw HTML (property lists are HTML; see slugs.site_href)."""
        res = self.ctx.resolution(link)
        label = html.escape(_label(link))
        if res.target is None:
            title = html.escape(f"Unresolved link: {link.target}")
            return f'<span class="dfn-broken" title="{title}">{label}</span>'
        if not self.ctx.published(res.target):
            return label
        href = site_href(
            page, self.ctx.docs_paths[res.target], self.ctx.directory_urls, self._anchor(res)
        )
        return f'<a href="{html.escape(href)}">{label}</a>'

    def _anchor(self, res: Resolution) -> str:
        if res.target is None:
            return ""
        if res.block:
            return f"^{res.block}"
        if res.heading is not None:
            return self.ctx.heading_ids(self.ctx.graph.vault.notes[res.target])[res.heading]
        return ""

    def _tag_link(self, name: str, page: str) -> str:
        target = self.ctx.tag_pages.get(name.casefold())
        if target is None:
            return f"#{name}"
        return f"[#{name}]({relative_url(page, target)}){{ .dfn-tag }}"

    # -- embeds --------------------------------------------------------------------------------

    def _embed(
        self,
        note: Note,
        link: Link,
        res: Resolution,
        page: str,
        href: str,
        depth: int,
        stack: tuple[str, ...],
        prefix: str,
    ) -> str:
        assert res.target is not None
        target = self.ctx.graph.vault.notes[res.target]
        title = target.title
        if res.target in stack:
            return self._embed_stub(link, href, "embed cycle")
        if depth + 1 > self.ctx.options.embed_depth:
            self.ctx.report(
                "embed-depth",
                note.path,
                link.line,
                f"{link.raw} is nested deeper than {self.ctx.options.embed_depth} embeds "
                "(extra.definitive.embed_depth); shown as a link",
            )
            return self._embed_stub(link, href, "embed depth limit")
        first, last = 0, None
        if res.block and res.block in target.blocks:
            block = target.blocks[res.block]
            first, last = block.start, block.end
            title = target.title  # a block id is an address, not a title
        elif res.heading is not None:
            heading = target.headings[res.heading]
            first, last = heading.line, _section_end(target, res.heading)
            title = f"{target.title} › {heading.text}"
        elif target.h1:
            first = target.headings[0].line + 1
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
        body = self._render_lines(
            target, page, first, last, depth + 1, (*stack, res.target), anchors=False
        ).strip("\n")
        nested = budget - self.budget  # what the embeds inside it already counted
        lines = [
            '<div class="dfn-embed" markdown>',
            "",
            f"[{escape_text(title)}]({href}){{ .dfn-embed-title }}",
            "",
            body,
            "",
            "</div>",
        ]
        text = "\n".join(lines)
        text = text.replace("\n", "\n" + prefix) if prefix else text
        self.budget -= max(len(text) - nested, 0)  # every emitted character counted once
        return text

    def _embed_stub(self, link: Link, href: str, why: str) -> str:
        return f'[{escape_text(_label(link))}]({href}){{ .dfn-embed-stub title="{why}" }}'


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


def _apply(text: str, changes: list[tuple[int, int, str]]) -> str:
    """``text`` with each (start, end, replacement) made, in one pass however many there are
    (a line of 100,000 tags was rebuilt once per tag)."""
    if len(changes) == 1:
        col_start, col_end, replacement = changes[0]
        return text[:col_start] + replacement + text[col_end:]
    parts: list[str] = []
    done = 0
    for col_start, col_end, replacement in sorted(changes, key=lambda c: (c[0], c[1])):
        parts.append(text[done:col_start])
        parts.append(replacement)
        done = max(done, col_end)
    parts.append(text[done:])
    return "".join(parts)


def _section_end(note: Note, index: int) -> int | None:
    level = note.headings[index].level
    for heading in note.headings[index + 1 :]:
        if heading.level <= level:
            return heading.line
    return None


def _label(link: Link) -> str:
    return link.label


def escape_text(text: str) -> str:
    """Text to show literally inside markdown link text: no nested links, no raw HTML."""
    text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _is_image(path: str) -> bool:
    dot = path.rfind(".")
    return dot >= 0 and path[dot:].lower() in IMAGE_EXTENSIONS


def _image(link: Link, href: str, target: str) -> str:
    alt = target.rsplit("/", 1)[-1]
    attrs = ""
    size = SIZE_RE.match(link.display or "")
    if size:
        attrs = f'{{ width="{size.group(1)}"' + (
            f' height="{size.group(2)}" }}' if size.group(2) else " }"
        )
    elif link.display:
        alt = link.display
    if link.style == "markdown":
        return _replace_destination(link.raw, href)
    return f"![{escape_text(alt)}]({href}){attrs}"


def _replace_destination(raw: str, href: str) -> str:
    match = MD_LINK_RE.match(raw)
    if not match:
        return raw
    return f"{match.group(1)}{match.group(2)}{href}{match.group(4)}"


def convert_callouts(block: str, max_nesting: int = 20) -> str:
    """Turn an Obsidian callout (a blockquote opening with ``[!type]``) into an admonition.

    ``> [!tip]- Title`` becomes ``??? tip "Title"`` (folded), ``+`` becomes ``???+``; nested
    callouts are converted the same way, one level at a time, down to ``max_nesting`` levels
    (deeper ones stay quotes: Python-Markdown recurses once per level).
    """
    return _convert(block, max_nesting)


def _convert(block: str, levels: int) -> str:
    lines = block.split("\n")
    inner = [_unquote(line) for line in lines]
    match = CALLOUT_RE.match(inner[0].strip()) if inner and levels > 0 else None
    if match is None:
        return block
    kind, fold, title = match.groups()
    admonition = CALLOUT_TYPES.get(kind.lower(), "note")
    marker = {"": "!!!", "-": "???", "+": "???+"}[fold]
    title = title.strip() or kind.capitalize()
    head = f'{marker} {admonition} "{title.replace(chr(34), chr(39))}"'
    body = _convert_nested("\n".join(inner[1:]), levels - 1)
    indented = "\n".join(("    " + line) if line.strip() else "" for line in body.split("\n"))
    return f"{head}\n{indented}\n"


def _convert_nested(text: str, levels: int) -> str:
    lines = text.split("\n")
    if levels <= 0:
        return text
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith(">") and CALLOUT_RE.match(_unquote(lines[i]).strip()):
            j = i + 1
            while j < len(lines) and lines[j].lstrip().startswith(">"):
                j += 1
            out.append(_convert("\n".join(lines[i:j]), levels))
            i = j
        else:
            out.append(lines[i])
            i += 1
    return "\n".join(out)


def _unquote(line: str) -> str:
    stripped = line.lstrip()
    if stripped.startswith(">"):
        stripped = stripped[1:]
        return stripped[1:] if stripped.startswith(" ") else stripped
    return line
