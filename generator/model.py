"""The vault model shared by every stage: notes, attachments and the links between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

NoteKind = Literal["definitive", "meta", "agent", "rule", "note"]
KINDS: tuple[NoteKind, ...] = ("definitive", "meta", "agent", "rule", "note")

LinkStyle = Literal["wiki", "markdown"]


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
    body_offset: int
    """Number of file lines before the body (the frontmatter block), to report file lines."""
    sha: str
    """SHA-256 of the file bytes."""
    publish: bool = True
    aliases: list[str] = field(default_factory=list)
    tags: list[Tag] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    blocks: dict[str, Block] = field(default_factory=dict)
    callouts: list[tuple[int, int]] = field(default_factory=list)
    """Body line ranges [start, end) of top-level blockquotes that are Obsidian callouts."""
    comments: list[Span] = field(default_factory=list)
    """``%%comments%%``: never published, never sent to an LLM."""
    block_markers: list[Span] = field(default_factory=list)
    """Where each `` ^block-id`` is written, so render can turn it into an anchor."""
    h1: bool = False
    """Whether the body opens with its own ``# Title``."""
    dense: list[tuple[int, int]] = field(default_factory=list)
    """Body line ranges [start, end) too dense to render as markdown, published as plain
    text; their links and tags are not read (load/density.py)."""
    deep_lines: list[int] = field(default_factory=list)
    """Body lines nested deeper than ``max_nesting``, cut back when rendered."""

    @property
    def stem(self) -> str:
        name = self.path.rsplit("/", 1)[-1]
        return name[:-3] if name.lower().endswith(".md") else name

    @property
    def folder(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""


@dataclass(frozen=True)
class Attachment:
    """A non-markdown file of the vault (image, PDF...), copied to the site only when linked."""

    path: str
    sha: str
    size: int
    publish: bool = True
    """False inside a private folder: never copied to the site, even when a note links it."""


@dataclass
class Vault:
    root: str
    notes: dict[str, Note]
    attachments: dict[str, Attachment]

    def public_notes(self) -> list[Note]:
        return [n for n in self.notes.values() if n.publish]
