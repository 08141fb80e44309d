"""A page's description is its note's first paragraph of prose, read from the parser's tokens
(load/markdown.py ``lead_text``): the same syntax the page itself is rendered with."""

from __future__ import annotations

import pytest

from generator.load.markdown import parse_body


@pytest.mark.parametrize(
    ("body", "lead"),
    [
        # Links show their words; embeds, HTML, block ids and footnote marks nothing.
        (
            "See [[Rubric#Bands|the bands]], [[Panels#Sources]] and [docs](x.md) ![[pic.png]]"
            ' <b onclick="x()">now</b>.[^1] ^id\n\n[^1]: A source.\n',
            "See the bands, Panels › Sources and docs now.",
        ),
        # Emphasis, highlights, escapes and entities are text; code and math keep their words.
        (
            "**Bold**, *em*, ==mark==, ~~gone~~, \\*stars\\*, &amp; `a*b*` $x^2$\n",
            "Bold, em, mark, gone, *stars*, & a*b* x^2",
        ),
        # A quote, a callout, a heading, a line of tags and an embed alone are not prose.
        (
            "# Title\n\n> a quote\n\n> [!note] A callout\n> body\n\n#tag #other\n\n"
            "![[Other note]]\n\nThe first prose, with a #tag.\n\nSecond.\n",
            "The first prose, with a #tag.",
        ),
        # A list is one paragraph of its items; task markers go.
        ("- [x] Done it\n- [ ] next\n  - nested\n\nAfter.\n", "Done it next nested"),
        # Code, tables, math blocks and HTML blocks are not prose either.
        (
            "```\ncode\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n$$\nx\n$$\n\n<div>x</div>\n\n"
            "Finally words.\n",
            "Finally words.",
        ),
        ("> only a quote\n", ""),
    ],
)
def test_the_lead_is_the_first_paragraph_of_prose_as_plain_words(body: str, lead: str) -> None:
    assert parse_body(body, 0).lead == lead
