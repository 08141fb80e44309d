"""Limits that keep a note's rendering linear and its nesting shallow, decided once, in load.

Agents write notes no person would: a paragraph of a million ``[``, lists nested 500 deep.
Python-Markdown (MkDocs) is quadratic on the first (every inline match rebuilds the whole
paragraph: matches x length) and recurses once per level on the second, so such a note stopped
or hung the build. Two rules, both pure functions of the note's lines:

- **Dense blocks** (`check_lines`): a block's cost is its length times the characters in it
  that can start inline markup (an upper bound of Python-Markdown's quadratic work on it).
  When a note's blocks cost more than `DENSE_BUDGET` together, hold more than
  `MARKUP_BUDGET` markup characters in all, or number more than `MAX_BLOCKS`, the blocks
  weighing most are published as plain text (``<pre>``) until the rest fits: their links, tags
  and block ids are not read, and a ``note-dense`` finding names the first one. Ordinary
  notes, however long, are far below every budget (a 2 MB note of prose uses a few percent).
- **Nesting** (`flatten_nesting`): a line indented deeper than ``4 x max_nesting`` columns or
  opening with more than ``max_nesting`` list or quote markers is cut back to that depth, so
  deeper items become siblings at the deepest level (``nesting-too-deep`` finding).

A *block* is a run of non-blank lines (a fenced code block, blank lines included, is one block
and costs nothing: neither parser reads inline markup in it). A list or a table is costed item
by item and row by row, as Python-Markdown parses them, so a long list of links stays cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DENSE_BUDGET = 400_000_000
"""Sum over a note's blocks of length x markup characters. Python-Markdown spends about
1.3 ns per unit at worst (every character a match), so the budget bounds it to ~0.5 s."""
MARKUP_BUDGET = 100_000
"""Markup characters a note may hold in all: Python-Markdown spends 10-40 µs on each inline
match, so a note of a million links would take minutes however it is laid out."""
MAX_BLOCKS = 10_000
"""Blocks a note may have: Python-Markdown takes each off the front of a list (quadratic in
their number); the note's blocks past this one are published as one plain-text block."""

# Characters that can start an inline match in Python-Markdown or its usual extensions
# (code, escapes, links, images, HTML, entities, emphasis, attr_list, tilde/caret/mark,
# math), and "#", which starts a tag render turns into a link. A superset is safe: it only
# overestimates the cost. A newline is counted too.
_MARKUP = "`\\[!<&*_{~^=$#"
_DROP_MARKUP = str.maketrans("", "", _MARKUP)
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_FENCE_FIRST = frozenset(" \t`~")
_NESTING_FIRST = frozenset(" \t-*+>0123456789")
"""First characters of a line that may be indented or start with a list or quote marker."""
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_MARKER = re.compile(r"(?:[-*+]|\d{1,9}[.)]|>)(?:[ \t]+|$)|>")


@dataclass
class Limits:
    """What `check_lines` found in a note body (0-based body lines)."""

    dense: list[tuple[int, int]] = field(default_factory=list)
    """Line ranges [start, end) published as plain text."""
    deep: list[int] = field(default_factory=list)
    """Lines nested deeper than ``max_nesting``, cut back by `flatten_nesting` when rendered."""


def check_lines(lines: list[str], max_nesting: int, budget: int = DENSE_BUDGET) -> Limits:
    """The dense blocks and over-deep lines of a note body, in one linear pass."""
    limits = Limits()
    blocks: list[tuple[int, int, int, int]] = []  # (start, end, cost, markup)
    count = len(lines)
    index = 0
    while index < count:
        line = lines[index]
        if not line or line.isspace():
            index += 1
            continue
        fence = _FENCE.match(line) if line[0] in _FENCE_FIRST else None
        if fence:
            start = index
            index = _fence_end(lines, index, fence.group(1))
            blocks.append((start, index, 0, 0))  # code: no markup read, never cut
            continue
        start = index
        while index < count:
            line = lines[index]
            if not line or line.isspace():
                break
            if line[0] in _FENCE_FIRST and _FENCE.match(line):
                break
            if line[0] in _NESTING_FIRST and flatten_nesting(line, max_nesting) is not None:
                limits.deep.append(index)
            index += 1
        if index - start == 1:  # most blocks of a long note: one line, no list or table
            first = lines[start]
            markup = len(first) - len(first.translate(_DROP_MARKUP)) + 1
            blocks.append((start, index, (len(first) + 1) * markup, markup))
        else:
            blocks.append((start, index, *_block_cost(lines, start, index)))
    if len(blocks) > MAX_BLOCKS:
        limits.dense.append((blocks[MAX_BLOCKS][0], count))
        blocks = blocks[:MAX_BLOCKS]
    cost = sum(block[2] for block in blocks)
    markup = sum(block[3] for block in blocks)
    if cost > budget or markup > MARKUP_BUDGET:
        # The blocks weighing most against both budgets go first.
        for start, end, own_cost, own_markup in sorted(
            blocks, key=lambda b: -(b[2] / budget + b[3] / MARKUP_BUDGET)
        ):
            if cost <= budget and markup <= MARKUP_BUDGET:
                break
            limits.dense.append((start, end))
            cost, markup = cost - own_cost, markup - own_markup
    if limits.dense:
        limits.dense.sort()
        dense_lines = {n for start, end in limits.dense for n in range(start, end)}
        limits.deep = [n for n in limits.deep if n not in dense_lines]
    return limits


def _fence_end(lines: list[str], start: int, marker: str) -> int:
    """The line after the fenced block opened at ``start`` (the end of the note if unclosed)."""
    for index in range(start + 1, len(lines)):
        stripped = lines[index].strip()
        if stripped.startswith(marker[0] * len(marker)) and not stripped.strip(marker[0]):
            return index + 1
    return len(lines)


def _block_cost(lines: list[str], start: int, end: int) -> tuple[int, int]:
    """(length x markup characters summed over the parts Python-Markdown parses separately,
    markup characters)."""
    if _LIST_ITEM.match(lines[start]):
        bounds = [i for i in range(start, end) if _LIST_ITEM.match(lines[i])]
    elif end - start > 1 and "|" in lines[start] and _TABLE_RULE.match(lines[start + 1]):
        bounds = list(range(start, end))
    else:
        bounds = [start]
    cost = total = 0
    for first, last in zip(bounds, [*bounds[1:], end], strict=True):
        length = markup = 0
        for line in lines[first:last]:
            length += len(line) + 1
            markup += len(line) - len(line.translate(_DROP_MARKUP)) + 1  # a newline can break
        cost += length * markup
        total += markup
    return cost, total


def flatten_nesting(line: str, max_nesting: int) -> str | None:
    """The line cut back to ``max_nesting`` levels, or None when it is within them.

    Indentation beyond ``4 x max_nesting`` columns is cut to that; list and quote markers at
    the start of the line beyond ``max_nesting`` of them are dropped."""
    width = 4 * max_nesting
    stripped = line.lstrip(" \t")
    lead = line[: len(line) - len(stripped)]
    columns = len(lead.expandtabs(4))
    if columns <= width and not _MARKER.match(stripped):
        return None  # the common case: decided without scanning the markers
    markers: list[str] = []
    rest = stripped
    while (match := _MARKER.match(rest)) is not None:
        markers.append(match.group(0))
        rest = rest[match.end() :]
    if columns <= width and len(markers) <= max_nesting:
        return None
    return " " * min(columns, width) + "".join(markers[:max_nesting]) + rest
