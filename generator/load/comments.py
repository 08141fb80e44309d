"""Obsidian comments (``%%hidden%%``): the one place that finds them.

A comment is private text: Obsidian shows it only in the editor, never in reading view or on
Publish. Definitive removes comments from a note's text as it is loaded, before anything is
parsed, so nothing later (links, tags, the rendered page, the ``.md`` copy, the search index,
feeds, an LLM request) can ever see one, wherever it was written: a paragraph, a table cell,
inline HTML, an HTML block or a heading.

As in Obsidian, ``%%`` inside code (fenced, indented or an inline code span) is literal text,
and a comment runs from one ``%%`` to the next, across lines and blocks. A ``%%`` that is
never closed hides the rest of the note: when in doubt, withhold. A note of more blocks than
the renderer reads (``density.MAX_BLOCKS``, published as plain text past it) is not searched
for code: every ``%%`` pair in it is a comment.

Line breaks inside a comment are kept, so every line after it keeps its number in findings.
"""

from __future__ import annotations

import bisect
import re

from markdown_it import MarkdownIt

from generator.load.density import MAX_BLOCKS

MARK = "%%"
_TICKS_OR_MARK = re.compile(r"%%|`+")
# A line break followed by a blank line (lookahead: overlapping blank lines all count).
_BLANK_LINE_AT = re.compile(r"\n(?=[ \t]*\n)")

_blocks: MarkdownIt | None = None


def _block_parser() -> MarkdownIt:
    """Block structure only (code blocks and HTML blocks): inline parsing is not needed."""
    global _blocks
    if _blocks is None:
        _blocks = MarkdownIt("commonmark").enable("table").disable("inline")
    return _blocks


MAX_PASSES = 8


def strip_comments(text: str) -> str:
    """``text`` without its Obsidian comments (their line breaks kept)."""
    if MARK not in text:
        return text  # nearly every note: no parse at all
    if len(_BLANK_LINE_AT.findall(text)) > MAX_BLOCKS:
        # Finding its code would take a parse of every block (seconds and hundreds of MB for
        # a 2 MB note of tiny paragraphs), and past MAX_BLOCKS the note is published as plain
        # text anyway: every pair is a comment, code or not. Withholding more is the safe way.
        return _strip_once(text, respect_code=False)
    # Code is found on the text as written, and a comment can hide a fence's opening line:
    # then what looked like code was not, so strip again until nothing changes. Should a
    # note keep changing, every remaining pair goes, code or not.
    for _ in range(MAX_PASSES):
        stripped = _strip_once(text)
        if stripped == text:
            return text
        text = stripped
    return _strip_once(text, respect_code=False)


def _strip_once(text: str, *, respect_code: bool = True) -> str:
    if MARK not in text:
        return text
    code_lines, html_lines = _block_lines(text) if respect_code else (set(), set())
    spans = _CodeSpans(text)
    starts = [0]
    starts += [m.end() for m in re.finditer("\n", text)]
    out: list[str] = []
    pos = copied = 0
    while True:
        match = _TICKS_OR_MARK.search(text, pos)
        if match is None:
            break
        line = bisect.bisect_right(starts, match.start()) - 1
        if line in code_lines:  # fenced or indented code: literal, skip the rest of the line
            pos = starts[line + 1] if line + 1 < len(starts) else len(text)
            continue
        if match.group() != MARK:
            in_html = line in html_lines or not respect_code
            pos = spans.after(match, in_html=in_html)
            continue
        close = text.find(MARK, match.end())
        end = len(text) if close < 0 else close + len(MARK)
        out.append(text[copied : match.start()])
        out.append("\n" * text.count("\n", match.start(), end))
        pos = copied = end
    out.append(text[copied:])
    return "".join(out)


class _CodeSpans:
    """Where code spans end, found in time linear in the note: every backtick run and blank
    line is indexed once, so a note of thousands of unclosed runs (or of runs whose closer
    lies paragraphs away) costs a lookup per run, not a scan of the rest of the note."""

    def __init__(self, text: str) -> None:
        self.runs: dict[int, list[tuple[int, int]]] = {}
        for run in re.finditer("`+", text):
            self.runs.setdefault(run.end() - run.start(), []).append((run.start(), run.end()))
        # Each blank line as (where its preceding line break starts, where it ends).
        self.blank_starts: list[int] = []
        self.blank_ends: list[int] = []
        for blank in _BLANK_LINE_AT.finditer(text):
            self.blank_starts.append(blank.start())
            self.blank_ends.append(text.index("\n", blank.start() + 1) + 1)

    def after(self, ticks: re.Match[str], *, in_html: bool) -> int:
        """Where scanning resumes after a run of backticks: past its code span if it opens
        one (CommonMark: the next run of exactly as many backticks, within the paragraph),
        else right after the run. In an HTML block backticks are plain text, so a comment
        between them is still a comment."""
        if in_html:
            return ticks.end()
        same = self.runs.get(len(ticks.group()), [])
        index = bisect.bisect_left(same, (ticks.end(), 0))
        if index == len(same):
            return ticks.end()
        closer_start, closer_end = same[index]
        blank = bisect.bisect_left(self.blank_starts, ticks.end())
        if blank < len(self.blank_starts) and self.blank_ends[blank] <= closer_start:
            return ticks.end()  # a paragraph ends first: no code span
        return closer_end


def _block_lines(text: str) -> tuple[set[int], set[int]]:
    """Lines inside fenced or indented code, and lines inside HTML blocks."""
    code: set[int] = set()
    html: set[int] = set()
    for token in _block_parser().parse(text):
        if token.map is None:
            continue
        if token.type in ("fence", "code_block"):
            code.update(range(*token.map))
        elif token.type == "html_block":
            html.update(range(*token.map))
    return code, html
