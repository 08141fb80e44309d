"""Obsidian-flavoured markdown, parsed with markdown-it-py plus small rules of our own.

markdown-it-py gives the block structure (so links inside code are never links); the rules
below add Obsidian's inline syntax. Each rule records where its match sits in the inline
content, and `parse_body` maps that back to a (body line, column) `Span`, which is what lets
the render stage rewrite the source text precisely instead of re-serialising the document.

Rules (each a few lines, in the style of markdown-it's own):

- ``wikilink``: ``[[target#subpath|display]]`` and the embed form ``![[...]]``
- ``hashtag``: ``#tag`` and ``#nested/tag`` (not ``#123``, not inside words or URLs)
- ``block_id``: `` ^block-id`` at the end of a paragraph or list item, or on the line after
  it (then it names the list, quote or callout the line continues); a table's last row that is
  only ``^block-id`` names the table (`_table_block_ids`)
- the built-in ``link`` and ``image`` rules, wrapped to record the span of ``[x](y)``
- footnotes (``[^1]``, ``^[inline]``) and ``$math$``, which are not links however they look:
  ``[^1]: Source`` is a footnote, not a link reference to a note named "Source"

`make_parser(render=True)` is the same parser with what only a reader sees added:
emphasis, ``~~strike~~``, ``==highlight==`` (`_mark`), bare URLs, ``> [!type] Title``
callouts (`_callouts`) and task markers ``- [x]``, ``- [?]`` (`_tasks`). render/markdown.py
renders notes with it, so every Obsidian syntax has its one definition here.

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
import functools
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
from markdown_it.rules_inline.state_inline import Delimiter
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin

from generator.model import Block, Heading, Link, Span, Tag

# Obsidian's own tag pattern (from its app.js): anything but whitespace and punctuation, so
# letters of any script, digits, emoji, "_", "-" and "/" for nesting.
TAG_RE = re.compile(r"[^\u2000-\u206F\u2E00-\u2E7F'!\"#$%&()*+,.:;<=>?@^`{|}~\[\]\\\s]+")
BLOCK_ID_RE = re.compile(r"\^([A-Za-z0-9-]+)[ \t]*$")
LONE_BLOCK_ID_RE = re.compile(r"^\^([A-Za-z0-9-]+)$")
CALLOUT_RE = re.compile(r"^\[!([\w-]+)\]([+-]?)[ \t]*(.*)$")
"""``[!type]``, ``[!type]-`` (folded) or ``[!type]+`` (foldable, open), then the title."""
TASK_RE = re.compile(r"^\[([^\]\n])\](?:[ \t]+|$)")
"""A task item's marker: Obsidian takes any one character, ``[ ]`` unchecked, others done."""
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
    """`` ^id`` ending the inline content; on a line of its own (``own_line``) it is the
    lazy continuation of a list item, quote or callout, and names that whole block."""
    src, pos = state.src, state.pos
    if src[pos] != "^" or (pos > 0 and src[pos - 1] not in " \t\n"):
        return False
    match = BLOCK_ID_RE.match(src, pos)
    if not match or match.end() != state.posMax:
        return False
    if not silent:
        own_line = pos > 0 and src[pos - 1] == "\n"
        # The line break before an own-line id is not shown: drop it from the text.
        if own_line and state.tokens and state.tokens[-1].type in ("softbreak", "hardbreak"):
            state.tokens.pop()
        token = state.push("block_id", "", 0)
        token.content = match.group(1)
        token.meta = {"start": pos, "end": match.end(), "own_line": own_line}
    state.pos = match.end()
    return True


def _mark(state: StateInline, silent: bool) -> bool:
    """``==highlight==``: markdown-it-mark's rule (delimiters paired like ``~~``)."""
    start = state.pos
    if silent or state.src[start] != "=":
        return False
    scanned = state.scanDelims(start, True)
    length = scanned.length
    if length < 2:
        return False
    if length % 2:
        token = state.push("text", "", 0)
        token.content = "="
        length -= 1
    for _ in range(0, length, 2):
        token = state.push("text", "", 0)
        token.content = "=="
        state.delimiters.append(
            Delimiter(
                marker=0x3D,
                length=0,
                token=len(state.tokens) - 1,
                end=-1,
                open=scanned.can_open,
                close=scanned.can_close,
            )
        )
    state.pos += scanned.length
    return True


def _mark_pairs(state: StateInline) -> None:
    """Turn paired ``==`` delimiters into ``mark_open``/``mark_close`` (markdown-it-mark)."""
    _pair_marks(state, state.delimiters)
    for meta in state.tokens_meta:
        if meta and "delimiters" in meta:
            _pair_marks(state, meta["delimiters"])


def _pair_marks(state: StateInline, delimiters: list[Delimiter]) -> None:
    lone: list[int] = []
    for start in delimiters:
        if start.marker != 0x3D or start.end == -1:
            continue
        end = delimiters[start.end]
        opening, closing = state.tokens[start.token], state.tokens[end.token]
        opening.type, opening.tag, opening.nesting = "mark_open", "mark", 1
        opening.markup, opening.content = "==", ""
        closing.type, closing.tag, closing.nesting = "mark_close", "mark", -1
        closing.markup, closing.content = "==", ""
        before = state.tokens[end.token - 1]
        if before.type == "text" and before.content == "=":
            lone.append(end.token - 1)
    # A lone "=" left before a closing marker moves after it (as markdown-it-mark does).
    for index in reversed(lone):
        j = index + 1
        while j < len(state.tokens) and state.tokens[j].type == "mark_close":
            j += 1
        j -= 1
        if index != j:
            state.tokens[index], state.tokens[j] = state.tokens[j], state.tokens[index]


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


def _rule(md: MarkdownIt, name: str) -> Callable[[StateInline, bool], bool]:
    return md.inline.ruler.__rules__[md.inline.ruler.__find__(name)].fn


def _math_inline(rule: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    """dollarmath's inline rule with pandoc's digit rule: no ``$`` just after a digit opens
    math, none just before one closes it ("$5 and 6$10" is text). The plugin's own
    ``allow_digits=False`` looks at ``src[-1]`` for a ``$`` opening a paragraph."""

    def math_inline(state: StateInline, silent: bool) -> bool:
        src, pos = state.src, state.pos
        if src[pos] != "$" or (pos > 0 and src[pos - 1].isdigit()):
            return False
        if not rule(state, True):
            return False
        end, state.pos = state.pos, pos
        if end < len(src) and src[end].isdigit():
            return False
        return silent or rule(state, False)

    return math_inline


def _table_block_ids(state: StateCore) -> None:
    """A table's last row holding only ``^id`` (the id written on the line after the table,
    which GFM reads as one more row) is the table's block id, not a row."""
    tokens = state.tokens
    index = 0
    while index < len(tokens):
        if tokens[index].type != "tbody_close":
            index += 1
            continue
        row_end = index - 1  # tr_close
        row_start = row_end
        while row_start >= 0 and tokens[row_start].type != "tr_open":
            row_start -= 1
        cells = [t for t in tokens[row_start:row_end] if t.type == "inline"]
        lone = LONE_BLOCK_ID_RE.match(cells[0].content.strip()) if cells else None
        if lone and row_start >= 0 and not any(c.content.strip() for c in cells[1:]):
            table = _opening(tokens, index, "table_open")
            if table is not None:
                row_map = tokens[row_start].map
                line = row_map[0] if row_map else None
                table.meta = {**(table.meta or {}), "block_id": lone.group(1), "id_line": line}
                del tokens[row_start : row_end + 1]
                index = row_start
                if tokens[index - 1].type == "tbody_open":  # the only body row: no tbody
                    del tokens[index - 1 : index + 1]
                    index -= 1
                continue
        index += 1


def _opening(tokens: list[Token], index: int, kind: str) -> Token | None:
    for back in range(index, -1, -1):
        if tokens[back].type == kind:
            return tokens[back]
    return None


def _callouts(state: StateCore) -> None:
    """``> [!type]± Title`` quotes become ``callout_open``/``callout_close`` tokens whose
    meta holds (kind, fold); the title is an inline token of its own (``callout_title``),
    so ``[[links]]`` in it are read like any other."""
    tokens = state.tokens
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.type != "blockquote_open" or index + 1 >= len(tokens):
            continue
        para, inline = tokens[index], tokens[index + 1]
        if para.type != "paragraph_open" or inline.type != "inline":
            continue
        first, _, rest = inline.content.partition("\n")
        match = CALLOUT_RE.match(first.strip())
        if match is None:
            continue
        kind, fold, title = match.groups()
        close = _closing(tokens, index - 1)
        token.type, token.meta = "callout_open", {"kind": kind.lower(), "fold": fold}
        close.type = "callout_close"
        line = inline.map[0] if inline.map else 0
        title_token = Token("inline", "", 0, content=title.strip(), children=[])
        title_token.map = [line, line + 1]
        title_token.meta = {"callout_title": kind}
        title_token.level = token.level + 2
        opening = Token("callout_title_open", "p", 1, meta={"fold": fold}, block=True)
        closing = Token("callout_title_close", "p", -1, meta={"fold": fold}, block=True)
        opening.level = closing.level = token.level + 1
        tokens[index:index] = [opening, title_token, closing]
        index += 3
        if rest.strip():
            inline.content = rest
            if inline.map:
                inline.map = [inline.map[0] + 1, inline.map[1]]
            if para.map:
                para.map = [para.map[0] + 1, para.map[1]]
        else:  # the title was the whole paragraph
            del tokens[index : index + 3]


def _closing(tokens: list[Token], index: int) -> Token:
    level = tokens[index].level
    for token in tokens[index + 1 :]:
        if token.type == "blockquote_close" and token.level == level:
            return token
    raise AssertionError("unbalanced blockquote tokens")


def _tasks(state: StateCore) -> None:
    """``- [x] done``: the item's meta gets ``task`` (the character between the brackets) and
    the marker leaves its text. Obsidian takes any character: ``[?]``, ``[-]``, ``[/]``..."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "list_item_open" or index + 2 >= len(tokens):
            continue
        inline = tokens[index + 2]
        if tokens[index + 1].type != "paragraph_open" or inline.type != "inline":
            continue
        if inline.map is None or token.map is None or inline.map[0] != token.map[0]:
            continue
        match = TASK_RE.match(inline.content)
        if match is None:
            continue
        token.meta = {**(token.meta or {}), "task": match.group(1)}
        inline.content = inline.content[match.end() :]


def make_parser(
    skip_plain_inline: bool = True, *, render: bool = False, max_nesting: int = 20
) -> MarkdownIt:
    """The body parser. ``skip_plain_inline=False`` tokenizes every inline token (for tests);
    ``render=True`` adds what a reader sees (see the module's doc). ``max_nesting`` is the
    vault's limit (load/density.py flattens deeper lines): markdown-it counts a list and its
    item as two levels, and drops what lies deeper than its own limit."""
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": 6 * max_nesting + 10})
    md.enable("table")
    md.use(footnote_plugin)
    # Obsidian's (pandoc's) dollar rules: "$ 5 $" and "costs $5 and $10" are not math.
    md.use(dollarmath_plugin, allow_space=False, allow_blank_lines=False)
    md.inline.ruler.at("math_inline", _math_inline(_rule(md, "math_inline")))
    md.helpers = _BudgetedHelpers  # type: ignore[assignment]  # this instance only
    md.core.ruler.after("block", "table_block_ids", _table_block_ids)
    if render:
        md.enable("strikethrough")
        md.use(gfm_autolink_plugin)
        md.inline.ruler.before("emphasis", "mark", _mark)
        md.inline.ruler2.before("emphasis", "mark", _mark_pairs)
        md.inline.add_terminator_char("=")
        md.core.ruler.after("table_block_ids", "callouts", _callouts)
        md.core.ruler.after("callouts", "tasks", _tasks)
    else:
        # Only structure matters here (code, math, links, headings, blocks): emphasis and
        # entities never hide a link, and skipping them makes parsing a third faster.
        md.disable(["emphasis", "entity"])
        # The text rule stops only where an enabled rule could start (markdown-it's default
        # set also stops at emphasis, entity and extension characters), so runs of "*", "_",
        # "~"... are one text token instead of one trip through every rule per character.
        # "]" stays: link labels are scanned token by token.
        md.inline.terminator_re = re.compile(r"[\n!#$%<\[\\\]^`]")
        if skip_plain_inline:
            md.core.ruler.at("inline", _inline_where_needed)
    md.inline.ruler.before("link", "wikilink", _wikilink)
    md.inline.ruler.before("newline", "hashtag", _hashtag)
    md.inline.ruler.before("newline", "block_id", _block_id)
    md.inline.ruler.at("link", _with_span(_rule(md, "link"), "link_open", "["))
    md.inline.ruler.at("image", _with_span(_rule(md, "image"), "image", "!"))
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
    lead: str = ""
    """The first paragraph of prose as plain text (`lead_text`)."""


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


_HEADING_LINK = re.compile(r"\[\[([^\]|]*\|)?([^\]]*)\]\]")
_HEADING_MARKS = re.compile(r"[*_`~]|==")


def heading_text(text: str) -> str:
    """Plain text of a heading as Obsidian matches it in ``[[Note#Heading]]``."""
    if "[[" in text:  # most headings hold no link: skip the substitution's set-up
        text = _HEADING_LINK.sub(_shown_part, text)
    text = _HEADING_MARKS.sub("", text)
    return " ".join(text.split())


def _shown_part(match: re.Match[str]) -> str:
    return match.group(2)


_HEADING_PUNCTUATION = re.compile(r"""[!"#$%&()*+,./:;<=>?@\[\\\]^`{|}~]""")
"""What Obsidian drops from a heading when it writes or matches a link to it: its suggester
writes ``[[Note#Part 1 Basics]]`` for ``## Part 1: Basics`` (a link cannot hold ``:``, ``|``,
``#``, ``^`` or brackets), and its matching ignores punctuation, repeated spaces and case."""


@functools.lru_cache(maxsize=1 << 16)
def normalise_heading(text: str) -> str:
    """The form in which a heading and a ``#subpath`` written for it compare equal. Cached:
    the same few headings recur in every run and article (45,826 calls at 20,000 notes)."""
    text = _HEADING_PUNCTUATION.sub(" ", heading_text(text))
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


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
    result.lead = lead_text(tokens, env)
    depth = 0  # blockquote nesting
    previous_block: tuple[int, int] | None = None  # map of the last finished block
    open_items: list[Token] = []
    containers: list[Token] = []  # open lists and quotes, innermost last

    for index, token in enumerate(tokens):
        if token.type == "blockquote_open":
            if depth == 0 and token.map and _is_callout(tokens, index):
                result.callouts.append((token.map[0], token.map[1]))
            depth += 1
            containers.append(token)
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            containers.append(token)
        elif token.type in ("blockquote_close", "bullet_list_close", "ordered_list_close"):
            depth -= token.type == "blockquote_close"
            container = containers.pop()
            if container.map:  # a lone ^id after a list or quote names all of it
                previous_block = (container.map[0], container.map[1])
        elif token.type == "list_item_open":
            open_items.append(token)
        elif token.type == "list_item_close":
            item = open_items.pop()
            if item.map:
                previous_block = (item.map[0], item.map[1])
        elif token.type in ("fence", "code_block", "math_block", "table_close", "html_block", "hr"):
            if token.map:
                previous_block = (token.map[0], token.map[1])
            elif token.type == "table_close":
                table = _opening(tokens, index, "table_open")
                if table is not None and table.map:
                    previous_block = (table.map[0], table.map[1])
                    _table_id(result, table, lines, body_offset)
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
            _walk_inline(result, lines, token, open_items, containers, body_offset)
            if parent is not None and parent.type == "paragraph_open":
                previous_block = (token.map[0], token.map[1])
    return result


_READER: MarkdownIt | None = None


def lead_text(tokens: list[Token], env: dict[str, Any]) -> str:
    """The note's first paragraph of prose as plain text, for its page's description: the
    first paragraph outside quotes and callouts (a list: its items, as one paragraph) that
    holds more than tags, embeds and a block id. Its inline markup is read by the render
    parser (``make_parser(render=True)``), so this decides no syntax of its own: links show
    their words, embeds, HTML, block ids and footnote marks nothing, emphasis its text.
    ``env``: the parse's, which knows the note's footnotes and link references."""
    global _READER
    quotes = 0
    for index, token in enumerate(tokens):
        if token.type == "blockquote_open":
            quotes += 1
        elif token.type == "blockquote_close":
            quotes -= 1
        elif token.type == "paragraph_open" and not quotes:
            parts = [_item_text(tokens, index)]
            if token.level:  # in a list: the rest of the outermost list too
                parts += _list_rest(tokens, index + 1)
            if _READER is None:
                _READER = make_parser(skip_plain_inline=False, render=True)
            inline = _READER.parseInline("\n".join(parts), env)
            words, prose = _plain_words(inline[0].children or [] if inline else [])
            if prose:
                return words
    return ""


def _item_text(tokens: list[Token], index: int) -> str:
    """A paragraph's inline text, without a task item's ``[x]`` marker."""
    content = tokens[index + 1].content
    if tokens[index].level and index and tokens[index - 1].type == "list_item_open":
        match = TASK_RE.match(content)
        return content[match.end() :] if match else content
    return content


def _list_rest(tokens: list[Token], start: int) -> list[str]:
    parts: list[str] = []
    quotes = 0
    for index in range(start, len(tokens)):
        token = tokens[index]
        if token.level == 0 and token.type.endswith("_list_close"):
            break
        if token.type == "blockquote_open":
            quotes += 1
        elif token.type == "blockquote_close":
            quotes -= 1
        elif token.type == "paragraph_open" and not quotes:
            parts.append(_item_text(tokens, index))
    return parts


def _plain_words(children: list[Token]) -> tuple[str, bool]:
    """Inline tokens as plain words, and whether they hold any besides tags (a line of tags or
    an embed alone is no prose)."""
    out: list[str] = []
    prose = False
    for child in children:
        kind = child.type
        text = ""
        if kind in ("text", "code_inline", "math_inline", "math_inline_double"):
            text = child.content
        elif kind in ("softbreak", "hardbreak"):
            out.append(" ")
        elif kind == "wikilink" and not (child.meta or {}).get("embed"):
            target, subpath, display = split_wikilink(child.content)
            text = Link("", target, subpath, display, False, "wiki", 0).label
        elif kind == "image":
            text = "".join(c.content for c in child.children or () if c.type == "text")
        elif kind == "hashtag":
            out.append(f"#{child.content}")
        if text.strip():
            prose = True
        out.append(text)
    return " ".join("".join(out).split()), prose


def _table_id(result: ParsedBody, table: Token, lines: list[str], offset: int) -> None:
    """The block id `_table_block_ids` found on the row after a table."""
    meta = table.meta or {}
    line = meta.get("id_line")
    if "block_id" in meta and table.map and isinstance(line, int):
        _add_block(result, meta["block_id"], (table.map[0], table.map[1]), line, offset)
        result.block_markers.append(Span(line, 0, len(lines[line])))


def _is_callout(tokens: list[Token], index: int) -> bool:
    for token in tokens[index + 1 : index + 4]:
        if token.type == "inline":
            return CALLOUT_RE.match(token.content.partition("\n")[0].strip()) is not None
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
    containers: list[Token],
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
            if meta.get("own_line") and containers and containers[-1].map:
                # "- item\n^id" or "> quote\n^id": the id line continues the list or quote
                where = (containers[-1].map[0], token.map[1])
            elif open_items and open_items[-1].map:
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
