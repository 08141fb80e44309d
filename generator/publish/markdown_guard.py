"""A Python-Markdown extension that keeps MkDocs' rendering of agent-written pages bounded.

The render stage already publishes blocks too dense for markdown as plain text and cuts
nesting back (load/density.py). What remains is Python-Markdown's own worst cases, fixed here
without changing what a page renders to:

- **Link scanning.** For every ``[`` Python-Markdown walks, in Python, to the matching ``]``
  (``getText``) and then to the matching ``)`` (``getLink``); unclosed, that is the rest of the
  paragraph, so a paragraph of them is quadratic. Both now run on a budget of steps
  proportional to the page (`SCAN_STEPS_PER_CHAR`), which ordinary pages never reach; past it,
  a ``[`` is text. ``getText`` also skips from bracket to bracket in C instead of walking
  every character.
- **Unfinished HTML.** The standard library's HTML parser (which ``md_in_html`` feeds the page
  through) rescans to the end of the page for every ``<tag`` or ``<!--`` that is never closed
  (fixed in later Python releases, not in 3.11). Such openers can never start a tag, so when
  there are enough of them to matter they are escaped as ``&lt;``: the page reads the same.
  A start tag is also scanned up to the first ``>`` outside quotes, so ``<a x=">"`` over and
  over makes each opener run to the end of the page: past a budget of scanned characters
  proportional to the page, the remaining openers are escaped too.
- **Plain-text blocks.** The ``<pre class="dfn-dense">`` blocks render emits are stored as
  raw HTML directly instead of going through that parser.
- **Recursion.** A page Python-Markdown cannot convert without passing Python's recursion
  limit (nesting the render stage could not see, such as 400 ``<div markdown>`` in a note's
  HTML) is published as plain text, with a warning naming the page, instead of failing the
  build.
"""

from __future__ import annotations

import logging
import re
import types
from collections.abc import Callable
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from generator.render.markdown import DENSE_CLOSE, DENSE_OPEN, plain_text_block

log = logging.getLogger("mkdocs.plugins.definitive")

SCAN_STEPS_PER_CHAR = 1
"""Bracket and parenthesis steps link parsing may take per character of the page."""
MAX_LINK_DESTINATION = 4096
"""A ``[text](...)`` destination and title longer than this is not a link."""
UNFINISHED_HTML_COST = 5_000_000
"""Characters the HTML parser would rescan for unclosed openers before they are escaped."""
RUNAWAY_TAG_STEPS = 4
"""Characters the HTML parser may scan for start tags, per character of the page."""
_BRACKET = re.compile(r"[\[\]]")
_TAG_OPEN = re.compile(r"<[A-Za-z]")
# The standard library's own start-tag scanner (html.parser in Python 3.11; later versions
# that fixed the rescans may not have it, and then need no budget).
_START_TAG: re.Pattern[str] | None = getattr(
    __import__("html.parser").parser, "locatestarttagend_tolerant", None
)
_LINK_PATTERNS = (
    "link",
    "image_link",
    "reference",
    "image_reference",
    "short_reference",
    "short_image_ref",
)
# Openers of HTML constructs, each with the text that finishes it.
_UNFINISHED = (
    (re.compile(r"<!--"), "-->"),
    (re.compile(r"<!\[CDATA\["), "]]>"),
    (re.compile(r"<(?:[A-Za-z/?]|![A-Za-z])"), ">"),
)


class _Guard(Preprocessor):
    """Runs first on every page: sets the page's link budget, stores plain-text blocks as raw
    HTML and escapes unfinished HTML openers where they would make the parser quadratic."""

    def run(self, lines: list[str]) -> list[str]:
        self.md.dfn_budget = SCAN_STEPS_PER_CHAR * sum(len(x) + 1 for x in lines) + 10_000  # type: ignore[attr-defined]
        out: list[str] = []
        index = 0
        while index < len(lines):
            line = lines[index]
            if line == DENSE_OPEN:
                end = index + 1
                while end < len(lines) and lines[end] != DENSE_CLOSE:
                    end += 1
                if end < len(lines):
                    block = "\n".join(lines[index : end + 1])
                    out += ["", self.md.htmlStash.store(block), ""]
                    index = end + 1
                    continue
            out.append(line)
            index += 1
        return _escape_unfinished("\n".join(out)).split("\n")


def _escape_unfinished(text: str) -> str:
    """``text`` with HTML openers that are never finished escaped, when there are enough of
    them to make the HTML parser's rescans costly."""
    for opener, closer in _UNFINISHED:
        last = text.rfind(closer)
        starts = [m.start() for m in opener.finditer(text, last + 1 if last >= 0 else 0)]
        if sum(len(text) - start for start in starts) > UNFINISHED_HTML_COST:
            tail = last + 1 if last >= 0 else 0
            text = text[:tail] + opener.sub(lambda m: "&lt;" + m.group(0)[1:], text[tail:])
    return _escape_runaway_tags(text)


def _escape_runaway_tags(text: str) -> str:
    """``text`` with every ``<tag`` escaped once the page's start tags have cost the HTML
    parser `RUNAWAY_TAG_STEPS` characters per page character. A start tag runs until a
    ``>`` outside quotes, so ``<a x=">"`` repeated makes every opener run to the end of the
    page; a real page's tags are short and never come near the budget."""
    if _START_TAG is None:
        return text  # a standard library without the quadratic scan
    budget = RUNAWAY_TAG_STEPS * len(text) + 100_000
    parts: list[str] = []
    done = 0
    for match in _TAG_OPEN.finditer(text):
        at = match.start()
        if budget > 0:
            tag = _START_TAG.match(text, at)
            budget -= tag.end() - at if tag else 1
            continue
        parts += [text[done:at], "&lt;"]
        done = at + 1
    return "".join([*parts, text[done:]]) if parts else text


def _get_text(self: Any, data: str, index: int) -> tuple[str, int, bool]:
    """``LinkInlineProcessor.getText``: the text up to the ``]`` matching the ``[`` before
    ``index``. Steps from bracket to bracket (the characters between are skipped in C), each
    step taken from the page's budget."""
    md = self.md
    budget: int = getattr(md, "dfn_budget", 0)
    count = 1
    steps = 0
    for match in _BRACKET.finditer(data, index):
        steps += 1
        if steps >= budget:
            md.dfn_budget = 0
            return "", index, False  # spent: this "[" is text
        if match.group() == "]":
            count -= 1
            if count == 0:
                md.dfn_budget = budget - steps
                return data[index : match.start()], match.end(), True
        else:
            count += 1
    md.dfn_budget = budget - steps
    return data[index:], len(data), False


def _guard_get_link(
    get_link: Callable[[str, int], tuple[str, str | None, int, bool]], md: Any
) -> Callable[[str, int], tuple[str, str | None, int, bool]]:
    def get_link_bounded(data: str, index: int) -> tuple[str, str | None, int, bool]:
        """``getLink`` on the next `MAX_LINK_DESTINATION` characters only, on the page's
        budget: a link is charged what it spans, a failure the whole window it scanned."""
        budget: int = getattr(md, "dfn_budget", 0)
        if budget <= 0:
            return "", None, index, False
        window = data[index : index + MAX_LINK_DESTINATION]
        href, title, end, handled = get_link(window, 0)
        md.dfn_budget = budget - (end if handled else len(window))
        return href, title, index + end, handled

    return get_link_bounded


class GuardExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.registerExtension(self)
        # After fenced code is stored away (25), before the HTML block parser (20).
        md.preprocessors.register(_Guard(md), "definitive_guard", 24)
        for name in _LINK_PATTERNS:
            if name in md.inlinePatterns:
                processor = md.inlinePatterns[name]
                if hasattr(processor, "getText"):
                    processor.getText = types.MethodType(_get_text, processor)
                if hasattr(processor, "getLink"):
                    processor.getLink = _guard_get_link(processor.getLink, md)
        convert = md.convert

        def guarded(source: str) -> str:
            try:
                return convert(source)
            except RecursionError:
                md.reset()
                log.warning(
                    "a page nests too deeply for Python-Markdown; published as plain text (%s)",
                    _first_line(source),
                )
                return convert(plain_text_block(source))

        md.convert = guarded  # type: ignore[method-assign]

    def reset(self) -> None:
        pass  # the budget is set again by every page's first preprocessor


def _first_line(source: str) -> str:
    for line in source.split("\n", 20):
        if line.strip():
            return line.strip()[:80]
    return "empty page"


def makeExtension(**kwargs: Any) -> GuardExtension:
    return GuardExtension(**kwargs)
