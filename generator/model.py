"""The vault model shared by every stage: notes, attachments and the links between them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

NoteKind = Literal["definitive", "meta", "agent", "rule", "note"]
KINDS: tuple[NoteKind, ...] = ("definitive", "meta", "agent", "rule", "note")

LinkStyle = Literal["wiki", "markdown"]

EMBED_SIZE_RE = re.compile(r"^(\d+)(?:x(\d+))?$")
"""What follows ``|`` in an image embed is its size, not a label: ``![[panel.png|300]]``
(width) or ``|300x200`` (width and height), as in Obsidian."""
_MARKDOWN_TEXT_RE = re.compile(r"!?\[(.*)\]\(", re.DOTALL)

OUTCOMES = ("success", "partial", "failure", "unknown")
"""A meta article's ``outcome:``. ``unknown`` is a run nobody has judged yet (an imported
one): `check` reports it, and the proof stage counts it in no rate."""


@dataclass(frozen=True)
class Span:
    """Where a piece of syntax sits in a note body: 0-based body line and column range."""

    line: int
    start: int
    end: int


@dataclass
class Link:
    """One outgoing reference as written: ``[[target#subpath|display]]``, an embed or a md link."""

    raw: str
    """The link exactly as written, e.g. ``![[Rubric v3#Scoring bands|300]]``."""
    target: str
    """Path part, decoded; empty for a same-note link like ``[[#Heading]]``."""
    subpath: str
    """What follows the first ``#``: ``Heading``, ``H1#H2`` or ``^block-id``; empty if none."""
    display: str | None
    """Text after ``|`` (for image embeds it carries the size, see `size`)."""
    embed: bool
    style: LinkStyle
    line: int
    """1-based line in the file (frontmatter included), for findings."""
    span: Span | None = None
    """Where to rewrite it in the body; ``None`` for links that are not rewritten (frontmatter)."""

    @property
    def label(self) -> str:
        """The words Obsidian shows for the link: its display text, else the target's name
        (``Note › Heading``; an image size such as ``|300`` is no label)."""
        if self.display and self.size is None:
            return self.display
        if self.style == "markdown":
            match = _MARKDOWN_TEXT_RE.match(self.raw)
            return match.group(1) if match else self.target
        name = self.target[:-3] if self.target.lower().endswith(".md") else self.target
        if self.subpath:
            shown = self.subpath.replace("#", " › ")
            return f"{name} › {shown}" if name else shown.lstrip("^")
        return name

    @property
    def size(self) -> tuple[int, int | None] | None:
        """(width, height or None) when this is an embed whose ``display`` is a size."""
        found = EMBED_SIZE_RE.match(self.display or "") if self.embed else None
        if found is None:
            return None
        return int(found.group(1)), int(found.group(2)) if found.group(2) else None


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int
    """0-based body line."""


@dataclass(frozen=True)
class Block:
    """An Obsidian block: a paragraph or list item ending in `` ^id`` (or the block above a lone
    ``^id`` line, for tables and code)."""

    block_id: str
    start: int
    end: int
    """0-based body line range [start, end) of the block's text."""
    marker_line: int
    """0-based body line holding the ``^id``."""


@dataclass(frozen=True)
class Tag:
    name: str
    """Without the ``#``; nested tags keep their slashes: ``client/harbor-coffee``."""
    span: Span | None


@dataclass(eq=False)  # identity: notes are compared and hashed as objects, never field by field
class Note:
    path: str
    """Vault-relative POSIX path, e.g. ``meta/2026-10-06 Jennifer grades a post.md``."""
    kind: NoteKind
    title: str
    meta: dict[str, Any]
    body: str
    """The text after the frontmatter, its ``%%comments%%`` already removed (line breaks
    kept): no later stage ever sees a comment."""
    body_offset: int
    """Number of file lines before the body (the frontmatter block), to report file lines."""
    sha: str
    """SHA-256 of the file bytes."""
    frontmatter_error: int | None = None
    """File line of the error when the frontmatter could not be read: whether the note is
    private is then unknown, and the filter stage withholds it."""
    meta_lines: dict[str, int] = field(default_factory=dict)
    """File line of each top-level frontmatter key, for findings."""
    aliases: list[str] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    blocks: dict[str, Block] = field(default_factory=dict)
    callouts: list[tuple[int, int]] = field(default_factory=list)
    """Body line ranges [start, end) of top-level blockquotes that are Obsidian callouts."""
    block_markers: list[Span] = field(default_factory=list)
    """Where each `` ^block-id`` is written, so render can turn it into an anchor."""
    h1: bool = False
    """Whether the body opens with its own ``# Title``."""
    dense: list[tuple[int, int]] = field(default_factory=list)
    """Body line ranges [start, end) too dense to render as markdown, published as plain
    text; their links and tags are not read (load/density.py)."""
    deep_lines: list[int] = field(default_factory=list)
    """Body lines nested deeper than ``max_nesting``, cut back when rendered."""
    lead: str = ""
    """The body's first paragraph of prose as plain text (load/markdown.py `lead_text`)."""

    @property
    def stem(self) -> str:
        name = self.path.rsplit("/", 1)[-1]
        return name[:-3] if name.lower().endswith(".md") else name

    @property
    def folder(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""


@dataclass(frozen=True)
class Attachment:
    """A non-markdown file of the vault (image, PDF...). Whether it is published is the
    filter stage's decision (`generator.filter`), never the file's own."""

    path: str
    sha: str
    size: int


@dataclass
class Vault:
    """Every note and attachment, private ones included (links to a private note must resolve
    to it, to be shown as plain text rather than as broken). What is public is decided by the
    filter stage: later stages read its `generator.filter.PublicView`."""

    root: str
    notes: dict[str, Note]
    attachments: dict[str, Attachment]
