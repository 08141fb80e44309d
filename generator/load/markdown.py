"""Obsidian-flavoured markdown, parsed with markdown-it-py plus small rules of our own.

markdown-it-py gives the block structure (so links inside code are never links); the rules
below add Obsidian's inline syntax. Each rule records where its match sits in the inline
content, and `parse_body` maps that back to a (body line, column) `Span`, which is what lets
the render stage rewrite the source text precisely instead of re-serialising the document.

Rules (each a few lines, in the style of markdown-it's own):

- ``wikilink``: ``[[target#subpath|display]]`` and the embed form ``![[...]]``
- ``hashtag``: ``#tag`` and ``#nested/tag`` (not ``#123``, not inside words or URLs)
- ``block_id``: `` ^block-id`` at the end of a paragraph or list item
- the built-in ``link`` and ``image`` rules, wrapped to record the span of ``[x](y)``

The core ``inline`` rule is replaced by one that leaves out inline tokens which cannot hold any
of these (about half of a vault's text): see `_may_record`.

Parsing stays linear on dense notes (a paragraph of a million ``[``): every search the rules
make is answered from positions listed once per paragraph (`_next`), and markdown-it's link
label scan, which walks to the end of the paragraph for each unclosed ``[``, runs on a step
budget proportional to the paragraph (`_BudgetedHelpers`). A paragraph that exhausts it is
reported (``ParsedBody.dense_lines``): its remaining markdown links are left as written.
"""

from __future__ import annotations

import bisect
import re
import types
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from markdown_it import MarkdownIt, helpers
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from generator.model import Block, Heading, Link, Span, Tag

# Obsidian's own tag pattern (from its app.js): anything but whitespace and punctuation, so
# letters of any script, digits, emoji, "_", "-" and "/" for nesting.
TAG_RE = re.compile(r"[^\u2000-\u206F\u2E00-\u2E7F'!\"#$%&()*+,.:;<=>?@^`{|}~\[\]\\\s]+")
BLOCK_ID_RE = re.compile(r"\^([A-Za-z0-9-]+)[ \t]*$")
LONE_BLOCK_ID_RE = re.compile(r"^\^([A-Za-z0-9-]+)$")
SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")


# --- linear-time helpers ------------------------------------------------------------------

_SHORT = 4096
"""Below this many characters a plain ``str.find`` is cheapest; above, `_next` lists once."""


def _next(state: StateInline, needle: str, start: int) -> int:
    """``state.src.find(needle, start)``, in O(log n) after one pass over a long paragraph.

    A rule tried at each of a million ``[`` would otherwise search to the end each time."""
    src = state.src
    if len(src) < _SHORT:
        return src.find(needle, start)
    found: dict[str, list[int]] | None = getattr(state, "_dfn_positions", None)
    if found is None:
        found = {}
        state._dfn_positions = found  # type: ignore[attr-defined]
    positions = found.get(needle)
    if positions is None:
        pattern = re.compile("(?=" + re.escape(needle) + ")")  # overlapping, like find
        positions = found[needle] = [m.start() for m in pattern.finditer(src)]
    index = bisect.bisect_left(positions, start)
    return positions[index] if index < len(positions) else -1


LABEL_STEPS_PER_CHAR = 2
"""Link-label scanning steps a paragraph may take, per character of it (plus a constant)."""


def _parse_link_label(state: StateInline, start: int, disable_nested: bool = False) -> int:
    """markdown-it's ``parseLinkLabel`` (helpers/parse_link_label.py), step for step, on a
    budget shared by the whole paragraph: an unclosed ``[`` scans to the paragraph's end, so
    a paragraph of them is quadratic. Once the budget is spent every later label fails, as if
    unclosed; normal text spends a small fraction of it."""
    budget: int | None = getattr(state, "_dfn_budget", None)
    if budget is None:
        budget = LABEL_STEPS_PER_CHAR * len(state.src) + 64
    label_end = -1
    old_pos = state.pos
    found = False
    state.pos = start + 1
    level = 1
    while state.pos < state.posMax:
        budget -= 1
        if budget <= 0:
            state.env["dfn_dense"] = True
            found = False
            break
        marker = state.src[state.pos]
        if marker == "]":
            level -= 1
            if level == 0:
                found = True
                break
        prev_pos = state.pos
        state.md.inline.skipToken(state)
        if marker == "[":
            if prev_pos == state.pos - 1:
                level += 1
            elif disable_nested:
                state.pos = old_pos
                state._dfn_budget = budget  # type: ignore[attr-defined]
                return -1
    if found:
        label_end = state.pos
    state.pos = old_pos
    state._dfn_budget = budget  # type: ignore[attr-defined]
    return label_end


_BudgetedHelpers = types.SimpleNamespace(
    parseLinkLabel=_parse_link_label,
    parseLinkDestination=helpers.parseLinkDestination,
    parseLinkTitle=helpers.parseLinkTitle,
)


# --- inline rules -------------------------------------------------------------------------


def _wikilink(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    embed = src.startswith("![[", pos)
    if not embed and not src.startswith("[[", pos):
        return False
    start = pos + (3 if embed else 2)
    # Obsidian ends a wikilink at the first "]]" on the same line; a single "]" is text.
    end = _next(state, "]]", start)
    newline = _next(state, "\n", start)
    if end < 0 or (0 <= newline < end) or end == start:
        return False
    if not silent:
        token = state.push("wikilink", "", 0)
        token.content = src[start:end]
        token.meta = {"start": pos, "end": end + 2, "embed": embed}
    state.pos = end + 2
    return True


def _hashtag(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "#" or (pos > 0 and not src[pos - 1].isspace()):
        return False
    match = TAG_RE.match(src, pos + 1)
    if not match:
        return False
    name = match.group(0).rstrip("/")
    # Obsidian: a tag needs at least one character that is not a digit.
    if not name or name.replace("/", "").replace("-", "").replace("_", "").isdigit():
        return False
    if not silent:
        token = state.push("hashtag", "", 0)
        token.content = name
        token.meta = {"start": pos, "end": pos + 1 + len(name)}
    state.pos = pos + 1 + len(name)
    return True


def _block_id(state: StateInline, silent: bool) -> bool:
    src, pos = state.src, state.pos
    if src[pos] != "^" or (pos > 0 and src[pos - 1] not in " \t"):
        return False
    match = BLOCK_ID_RE.match(src, pos)
    if not match or match.end() != state.posMax:
        return False
    if not silent:
        token = state.push("block_id", "", 0)
        token.content = match.group(1)
        token.meta = {"start": pos, "end": match.end()}
    state.pos = match.end()
    return True


def _with_span(rule: Callable[[StateInline, bool], bool], opener: str, marker: str):
    """Wrap a built-in rule so the opening token it pushes remembers its source span."""

    def wrapped(state: StateInline, silent: bool) -> bool:
        # Every rule is tried at every unmatched terminator character; the built-in rule would
        # give up on any other first character too, so skip its setup there; and once the
        # paragraph's label budget is spent, every label would fail.
        if state.src[state.pos] != marker or getattr(state, "_dfn_budget", 1) <= 0:
            return False
        start, count = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if not silent:
            for token in state.tokens[count:]:
                if token.type == opener:
                    token.meta = {**(token.meta or {}), "start": start, "end": state.pos}
                    break
        return True

    return wrapped


# --- core rule -------------------------------------------------------------------------


def _may_record(content: str) -> bool:
    """Whether inline tokenization of `content` could yield a child `parse_body` records.

    Each recorded child starts at one of these: ``[`` (wikilinks, embeds, markdown links and
    images, reference-style ones included), ``#`` (tags), ``^`` (block ids). (``%%comments%%``
    are gone before parsing: `generator.load.comments`.)
    Autolinks, inline html and code spans are never recorded; they only matter by hiding one
    of these, and without one there is nothing to hide.
    """
    return "[" in content or "#" in content or "^" in content


def _inline_where_needed(state: StateCore) -> None:
    """markdown-it's core ``inline`` rule, leaving children empty where `_may_record` says no:
    the children would be plain text, which nothing reads. A paragraph whose link labels ran
    out of budget is listed in ``env["dfn_dense_lines"]``."""
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            if _may_record(token.content):
                state.env["dfn_dense"] = False
                state.md.inline.parse(token.content, state.md, state.env, token.children)
                if state.env["dfn_dense"] and token.map:
                    state.env.setdefault("dfn_dense_lines", []).append(token.map[0])


def make_parser(skip_plain_inline: bool = True) -> MarkdownIt:
    """The body parser. ``skip_plain_inline=False`` tokenizes every inline token (for tests)."""
    # Only structure matters here (code, links, headings, blocks): emphasis, strikethrough and
    # entities never hide a link, and skipping them makes parsing a third faster.
    md = MarkdownIt("commonmark", {"html": True}).enable("table").disable(["emphasis", "entity"])
    md.helpers = _BudgetedHelpers  # type: ignore[assignment]  # this instance only
    # The text rule stops only where an enabled rule could start (markdown-it's default set
    # also stops at emphasis, entity and extension characters), so runs of "*", "_", "~"...
    # are one text token instead of one trip through every rule per character. "]" stays:
    # link labels are scanned token by token.
    md.inline.terminator_re = re.compile(r"[\n!#%<\[\\\]^`]")
    if skip_plain_inline:
        md.core.ruler.at("inline", _inline_where_needed)
    md.inline.ruler.before("link", "wikilink", _wikilink)
    md.inline.ruler.before("newline", "hashtag", _hashtag)
    md.inline.ruler.before("newline", "block_id", _block_id)
    md.inline.ruler.at(
        "link",
        _with_span(
            md.inline.ruler.__rules__[md.inline.ruler.__find__("link")].fn, "link_open", "["
        ),
    )
    md.inline.ruler.at(
        "image",
        _with_span(md.inline.ruler.__rules__[md.inline.ruler.__find__("image")].fn, "image", "!"),
    )
    return md


_PARSER: MarkdownIt | None = None


def parser() -> MarkdownIt:
    global _PARSER
    if _PARSER is None:
        _PARSER = make_parser()
    return _PARSER


# --- from tokens to the note's structure ---------------------------------------------------


@dataclass
class ParsedBody:
    links: list[Link] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    blocks: dict[str, Block] = field(default_factory=dict)
    duplicate_blocks: list[tuple[str, int]] = field(default_factory=list)
    callouts: list[tuple[int, int]] = field(default_factory=list)
    block_markers: list[Span] = field(default_factory=list)
    """Where each `` ^id`` sits, so render can replace it with an anchor."""
    dense_lines: list[int] = field(default_factory=list)
    """First body line of each paragraph too dense to read every markdown link of."""


class _Locator:
    """Maps offsets in an inline token's content back to (body line, column)."""

    def __init__(self, lines: list[str], token: Token) -> None:
        assert token.map is not None
        self.first = token.map[0]
        self.content_lines = token.content.split("\n")
        self.starts: list[int] = []  # content offset where each content line begins
        self.shifts: list[int | None] = []  # column of that content line within the body line
        offset = 0
        for i, text in enumerate(self.content_lines):
            self.starts.append(offset)
            offset += len(text) + 1
            body_line = self.first + i
            source = lines[body_line] if body_line < len(lines) else ""
            stripped, want = source.rstrip(), text.rstrip()
            self.shifts.append(len(stripped) - len(want) if stripped.endswith(want) else None)

    def span(self, start: int, end: int) -> Span | None:
        index = bisect.bisect_right(self.starts, start) - 1
        shift = self.shifts[index]
        if shift is None:
            return None
        col = start - self.starts[index]
        length = end - start
        if col + length > len(self.content_lines[index]):
            return None  # spans a line break; left as written
        return Span(self.first + index, shift + col, shift + col + length)

    def line(self, start: int) -> int:
        return self.first + bisect.bisect_right(self.starts, start) - 1


def split_wikilink(content: str) -> tuple[str, str, str | None]:
    """``target#sub|display`` -> (target, subpath, display). ``\\|`` (inside tables) is a pipe."""
    content = content.replace("\\|", "|")
    target, _, display = content.partition("|")
    path, _, subpath = target.partition("#")
    return path.strip(), subpath.strip(), (display.strip() if "|" in content else None)


def heading_text(text: str) -> str:
    """Plain text of a heading as Obsidian matches it in ``[[Note#Heading]]``."""
    text = re.sub(r"\[\[([^\]|]*\|)?([^\]]*)\]\]", r"\2", text)
    text = re.sub(r"[*_`~]|==", "", text)
    return " ".join(text.split())


def normalise_heading(text: str) -> str:
    return unicodedata.normalize("NFC", heading_text(text)).casefold()


def _markdown_target(href: str) -> tuple[str, str] | None:
    """An internal markdown link's (path, subpath), or None for external and pure-anchor links."""
    if not href or href.startswith(("#", "//")) or SCHEME_RE.match(href):
        return None
    path, _, fragment = href.partition("#")
    return unquote(path), unquote(fragment)


def parse_body(
    body: str, body_offset: int, dense: list[tuple[int, int]] | None = None
) -> ParsedBody:
    """Parse a note body (frontmatter and ``%%comments%%`` already removed) into links, tags,
    headings and blocks. The ``dense`` line ranges (published as plain text) are not read."""
    lines = body.split("\n")
    result = ParsedBody()
    env: dict[str, Any] = {}
    if dense:
        # Dense blocks are left out of the parse; blank lines in their place keep every line
        # number.
        lines = list(lines)
        for start, end in dense:
            for line in range(start, end):
                lines[line] = ""
        body = "\n".join(lines)
    tokens = parser().parse(body, env)
    result.dense_lines = env.get("dfn_dense_lines", [])
    depth = 0  # blockquote nesting
    previous_block: tuple[int, int] | None = None  # map of the last finished block
    open_items: list[Token] = []

    for index, token in enumerate(tokens):
        if token.type == "blockquote_open":
            if depth == 0 and token.map and _is_callout(tokens, index):
                result.callouts.append((token.map[0], token.map[1]))
            depth += 1
        elif token.type == "blockquote_close":
            depth -= 1
        elif token.type == "list_item_open":
            open_items.append(token)
        elif token.type == "list_item_close":
            item = open_items.pop()
            if item.map:
                previous_block = (item.map[0], item.map[1])
        elif token.type in ("fence", "code_block", "table_close", "html_block", "hr"):
            if token.map:
                previous_block = (token.map[0], token.map[1])
            elif token.type == "table_close":
                previous_block = _last_table_map(tokens, index) or previous_block
        elif token.type == "inline" and token.map:
            parent = tokens[index - 1] if index else None
            if parent is not None and parent.type == "heading_open":
                level = int(parent.tag[1])
                result.headings.append(Heading(level, heading_text(token.content), token.map[0]))
            lone = LONE_BLOCK_ID_RE.match(token.content.strip())
            if (
                lone
                and previous_block is not None
                and parent is not None
                and (parent.type == "paragraph_open")
            ):
                _add_block(result, lone.group(1), previous_block, token.map[0], body_offset)
                line = token.map[0]
                result.block_markers.append(Span(line, 0, len(lines[line])))
                continue
            _walk_inline(result, lines, token, open_items, body_offset)
            if parent is not None and parent.type == "paragraph_open":
                previous_block = (token.map[0], token.map[1])
    return result


def _last_table_map(tokens: list[Token], index: int) -> tuple[int, int] | None:
    for back in range(index, -1, -1):
        found = tokens[back].map
        if tokens[back].type == "table_open" and found:
            return (found[0], found[1])
    return None


def _is_callout(tokens: list[Token], index: int) -> bool:
    for token in tokens[index + 1 : index + 4]:
        if token.type == "inline":
            return bool(re.match(r"\[![\w-]+\][+-]?", token.content))
    return False


def _add_block(
    result: ParsedBody, block_id: str, where: tuple[int, int], marker: int, offset: int
) -> None:
    if block_id in result.blocks:
        result.duplicate_blocks.append((block_id, offset + marker + 1))
        return
    result.blocks[block_id] = Block(block_id, where[0], where[1], marker)


def _walk_inline(
    result: ParsedBody,
    lines: list[str],
    token: Token,
    open_items: list[Token],
    offset: int,
) -> None:
    recorded = [child for child in token.children or () if child.meta and "start" in child.meta]
    if not recorded:
        return  # most tokens: skip building the locator
    locate = _Locator(lines, token)
    claimed: dict[tuple[int, str], int] = {}
    for child in recorded:
        meta = child.meta
        span = locate.span(meta["start"], meta["end"])
        body_line = locate.line(meta["start"])
        line = offset + body_line + 1
        if child.type == "wikilink":
            target, subpath, display = split_wikilink(child.content)
            if not target and not subpath:
                continue
            raw = ("![[" if meta["embed"] else "[[") + child.content + "]]"
            if span is None:  # table cells: content is unescaped and not a suffix of the line
                span = _find_unclaimed(lines, body_line, raw, claimed)
            result.links.append(
                Link(raw, target, subpath, display, meta["embed"], "wiki", line, span)
            )
        elif child.type in ("link_open", "image"):
            href = str(child.attrs.get("href" if child.type == "link_open" else "src", ""))
            parsed = _markdown_target(href)
            if parsed is None:
                continue
            path, fragment = parsed
            raw = lines[span.line][span.start : span.end] if span else href
            result.links.append(
                Link(raw, path, fragment, None, child.type == "image", "markdown", line, span)
            )
        elif child.type == "hashtag":
            result.tags.append(Tag(child.content, span))
        elif child.type == "block_id":
            assert token.map is not None
            where = (token.map[0], token.map[1])
            if open_items and open_items[-1].map:
                where = (open_items[-1].map[0], token.map[1])
            _add_block(result, child.content, where, token.map[1] - 1, offset)
            if span is not None:
                result.block_markers.append(span)


def _find_unclaimed(
    lines: list[str], line: int, raw: str, claimed: dict[tuple[int, str], int]
) -> Span | None:
    """Find `raw` (or its table-escaped form) in a body line after the occurrences already
    used (links come in order, so each search resumes where the last one of it stopped)."""
    text = lines[line] if line < len(lines) else ""
    for needle in (raw, raw.replace("|", "\\|")):
        start = text.find(needle, claimed.get((line, needle), 0))
        if start >= 0:
            claimed[(line, needle)] = start + 1
            return Span(line, start, start + len(needle))
    return None
