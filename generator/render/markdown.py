"""Rewrite one note's Obsidian markdown into plain Material-for-MkDocs markdown.

Everything Obsidian-only is turned into what Python-Markdown and Material already know:

- ``[[wikilinks]]`` and ``[x](Note.md)`` -> relative ``.md`` links (MkDocs checks and maps them)
- heading and block targets -> explicit anchors (``{#id}`` via attr_list, ``<span id="^id">``)
- ``![[embeds]]`` -> the embedded note, section or block inlined, or an image with its size
- ``> [!note]`` callouts -> admonitions (``%%comments%%`` are gone already: load removed them)
- ``#tags`` -> links to the tag pages; broken links -> visibly broken text, never a dead link

Edits are made on the source text at the spans the parser recorded, so everything we do not
touch (tables, lists, math, HTML) reaches MkDocs exactly as written.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from generator.config import Options
from generator.findings import Findings
from generator.graph.build import LinkGraph
from generator.graph.resolve import Resolution
from generator.model import Link, Note, Span
from generator.slugs import heading_slug, relative_url, site_href

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".bmp"}
SIZE_RE = re.compile(r"^(\d+)(?:x(\d+))?$")
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


class NoteRenderer:
    def __init__(self, ctx: RenderContext) -> None:
        self.ctx = ctx

    # -- entry points --------------------------------------------------------------------------

    def render(self, note: Note, page: str) -> tuple[str | None, str]:
        """The note as plain markdown for the page at docs path ``page``: (its own opening
        ``# Title`` line or None, the rest of the body)."""
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
        lines = note.body.split("\n")
        end = len(lines) if end is None else end
        out: list[str | None] = list(lines)
        edits: dict[int, list[tuple[int, int, str]]] = {}

        def edit(span: Span | None, text: str) -> None:
            if span is not None and start <= span.line < end:
                edits.setdefault(span.line, []).append((span.start, span.end, text))

        for tag in note.tags:
            if tag.span is not None:
                edit(tag.span, self._tag_link(tag.name, page))
        for span in note.block_markers:
            text = lines[span.line][span.start : span.end].strip()
            block_id = text.lstrip("^")
            anchor = f'<span class="dfn-block" id="^{html.escape(block_id)}"></span>'
            edit(span, (" " if span.start else "") + anchor if anchors else "")
        for link in note.links:
            if link.span is None:
                continue
            line = lines[link.span.line]
            alone = not line[: link.span.start].strip(" \t>") and not line[link.span.end :].strip()
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
            text = out[number] or ""
            for col_start, col_end, replacement in sorted(changes, key=lambda c: -c[0]):
                text = text[:col_start] + replacement + text[col_end:]
            out[number] = text

        for callout_start, callout_end in note.callouts:
            if start <= callout_start and callout_end <= end:
                block = "\n".join(x for x in out[callout_start:callout_end] if x is not None)
                out[callout_start] = convert_callouts(block)
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
            self.ctx.findings.add(
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
            title = f"{target.title} › ^{res.block}"
        elif res.heading is not None:
            heading = target.headings[res.heading]
            first, last = heading.line, _section_end(target, res.heading)
            title = f"{target.title} › {heading.text}"
        elif target.h1:
            first = target.headings[0].line + 1
        body = self._render_lines(
            target, page, first, last, depth + 1, (*stack, res.target), anchors=False
        ).strip("\n")
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
        return text.replace("\n", "\n" + prefix) if prefix else text

    def _embed_stub(self, link: Link, href: str, why: str) -> str:
        return f'[{escape_text(_label(link))}]({href}){{ .dfn-embed-stub title="{why}" }}'


def _section_end(note: Note, index: int) -> int | None:
    level = note.headings[index].level
    for heading in note.headings[index + 1 :]:
        if heading.level <= level:
            return heading.line
    return None


def _label(link: Link) -> str:
    if link.display and not (link.embed and SIZE_RE.match(link.display)):
        return link.display
    if link.style == "markdown":
        match = re.match(r"!?\[(.*)\]\(", link.raw, re.DOTALL)
        return match.group(1) if match else link.target
    name = link.target[:-3] if link.target.lower().endswith(".md") else link.target
    if link.subpath:
        shown = link.subpath.replace("#", " › ")
        return f"{name} › {shown}" if name else shown.lstrip("^")
    return name


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


def convert_callouts(block: str) -> str:
    """Turn an Obsidian callout (a blockquote opening with ``[!type]``) into an admonition.

    ``> [!tip]- Title`` becomes ``??? tip "Title"`` (folded), ``+`` becomes ``???+``; nested
    callouts are converted the same way, one level at a time.
    """
    lines = block.split("\n")
    inner = [_unquote(line) for line in lines]
    match = CALLOUT_RE.match(inner[0].strip()) if inner else None
    if match is None:
        return block
    kind, fold, title = match.groups()
    admonition = CALLOUT_TYPES.get(kind.lower(), "note")
    marker = {"": "!!!", "-": "???", "+": "???+"}[fold]
    title = title.strip() or kind.capitalize()
    head = f'{marker} {admonition} "{title.replace(chr(34), chr(39))}"'
    body = _convert_nested("\n".join(inner[1:]))
    indented = "\n".join(("    " + line) if line.strip() else "" for line in body.split("\n"))
    return f"{head}\n{indented}\n"


def _convert_nested(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith(">") and CALLOUT_RE.match(_unquote(lines[i]).strip()):
            j = i + 1
            while j < len(lines) and lines[j].lstrip().startswith(">"):
                j += 1
            out.append(convert_callouts("\n".join(lines[i:j])))
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
