"""The body parser skips inline tokenization where nothing could be recorded: same results."""

from __future__ import annotations

import random

import pytest

from generator.load import markdown
from generator.load.frontmatter import split_frontmatter
from generator.load.markdown import ParsedBody, make_parser, parse_body
from tests.conftest import DEMO_VAULT

TRICKY = [
    # links, tags and escaped pipes in tables
    "| a | b |\n|---|---|\n| [[A]] | [[B\\|alias]] |\n| [x](y.md) | #tag [[C#h\\|d]] |\n",
    "| plain | cells |\n|---|---|\n| 1 | 2 |\n\n^table-id\n",
    "| [[Same]] | [[Same]] |\n|---|---|\n| ![[Same]] | [[Same\\|x]] |\n",
    # code spans, fences and indented code hide links and tags
    "`[[x]]` and `#tag` but [[real]] and #real\n",
    "only `code` here - and: more * text $5 & <b>\n",
    "```\n[[fenced]] #fenced ^fenced\n```\n\n    [[indented]] #indented\n",
    "``[[a`b]]`` #after ``x``\n",
    # comments, inline and across lines
    "before %%hidden [[X]]%% after #tag\n",
    "para %%starts here\nstill [[hidden]]\nends%% visible [[V]]\n",
    "%%\nblock [[comment]] #c\n%%\n\nafter [[A]]\n",
    "%%\nnever closed [[X]]\n",
    "100% sure, 50 % not a comment, 1%% odd\n",
    # block ids: paragraph ends, list items, lone lines after blocks
    "A paragraph. ^para-id\n\n- item one ^item-1\n- item two\n  - nested ^nested\n",
    "- a\n- b\n\n^list-id\n\n```\ncode\n```\n^code-id\n\n> quote\n\n^quote-id\n",
    "x^2 and y ^ z and ^not-at-end here\n",
    "dup ^same\n\nagain ^same\n",
    # headings (ATX and setext) with links and code
    "# Title [[A#B|c]] and `code`\n\n## Plain heading\n\nSetext [[S]]\n===\n",
    "### Heading #tag ^hid\n",
    # callouts
    "> [!note] Title [[L]]\n> body #tag\n\n> [!warning]- folded\n> text\n\n> plain quote\n",
    "> [!tip]\n> > nested [[N]]\n",
    # footnotes, reference-style links, images
    "text[^1] more\n\n[^1]: note [[F]]\n",
    "[x][ref] and [ref] and [y][] and [y]\n\n[ref]: other.md#h\n[y]: <sp ace.md>\n",
    "![alt](img.png) ![[pic.png|100]] ![x][imgref] [![inner](a.png)](b.md)\n\n[imgref]: i.png\n",
    "[ext](https://a.b/#f) [anchor](#h) [rel](../n.md#sec) [q](n%20x.md)\n",
    # html, autolinks, escapes
    '<a href="#x">[[in html]]</a> <https://a.b/#frag> <note.md> <b>#t</b>\n',
    "<div>\n[[X]] #tag\n</div>\n\nafter\n",
    "\\[[escaped]] \\#nottag \\[x](y.md) [[a\\]]\n",
    # hashtags
    "#start mid #nested/tag #123 a#b http://x.com/#frag #with-dash_ok #é #tag/\n",
    # unicode, tabs, trailing spaces, odd whitespace
    "Café #tåg [[Ünïcode]]\t^tab-id\n",
    "line with trailing  \nnext [[A]]   \n\n\tindented tab [[T]]\n",
    "  - deep\n    - deeper [[D]] ^deep-id\n",
    "",
    "\n\n\n",
]

FRAGMENTS = [
    "[[A]]",
    "![[B#h]]",
    "[[C|d]]",
    "[x](y.md)",
    "![i](p.png)",
    "[r]",
    "[r]: z.md\n",
    "`",
    "``",
    "%%",
    "#t",
    "#1",
    "^id",
    " ^bid",
    "\\",
    "|",
    "\\|",
    "<",
    ">",
    "<b>",
    "- ",
    "1. ",
    "\n",
    "\n\n",
    "> ",
    "> [!note] ",
    "```\n",
    "    ",
    "| a | b |\n|---|---|\n",
    "word",
    "words and more",
    " ",
    "*",
    "!",
    "[",
    "]",
    "(",
    ")",
    "#",
    "^",
    "%",
    "===\n",
    "## ",
    "-",
    ":",
    "$",
]


def _parse(body: str, fast: bool, monkeypatch: pytest.MonkeyPatch) -> ParsedBody:
    monkeypatch.setattr(markdown, "_PARSER", make_parser(skip_plain_inline=fast))
    return parse_body(body, 3)


def _same(body: str, monkeypatch: pytest.MonkeyPatch) -> ParsedBody:
    fast, full = _parse(body, True, monkeypatch), _parse(body, False, monkeypatch)
    assert fast == full, body
    return fast


@pytest.mark.parametrize("body", TRICKY)
def test_tricky_bodies_parse_the_same(body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(body, monkeypatch)


def test_demo_vault_parses_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = 0
    paths = sorted(DEMO_VAULT.rglob("*.md"))
    assert len(paths) > 20
    for path in paths:
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        split = split_frontmatter(text)
        parsed = _same(split.body, monkeypatch)
        recorded += len(parsed.links) + len(parsed.tags) + len(parsed.blocks)
    assert recorded > 50  # the comparison saw real links, tags and blocks


def test_random_bodies_parse_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    fast, full = make_parser(), make_parser(skip_plain_inline=False)
    rng = random.Random(20)
    for _ in range(400):
        body = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 40)))
        monkeypatch.setattr(markdown, "_PARSER", fast)
        got = parse_body(body, 0)
        monkeypatch.setattr(markdown, "_PARSER", full)
        assert got == parse_body(body, 0), body


def test_plain_inline_is_not_tokenized() -> None:
    """Guards the speed-up itself: text with no trigger keeps no children."""
    fast, full = make_parser(), make_parser(skip_plain_inline=False)
    body = "Plain words - with: punctuation * and `code`.\n\nA [[link]] here.\n"
    plain, linked = [t for t in fast.parse(body) if t.type == "inline"]
    assert plain.children == []
    assert [c.type for c in linked.children or ()] == ["text", "wikilink", "text"]
    full_plain = next(t for t in full.parse(body) if t.type == "inline")
    assert full_plain.children
