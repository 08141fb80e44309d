"""Text from a log made safe to write into the vault: one home for how imported text is
treated, so a transcript can never put a secret, a link, a tag or a comment into a note.

Whatever comes from a log (a session's summary or first request, a span's name, a file path)
is redacted first (`generator.secrets.redact`: secrets, emails and phone numbers), reduced to
one line of printable text, cut to a length, and made inert as Markdown: no wikilink, embed,
HTML, tag, block id or ``%%`` comment can start in it.
"""

from __future__ import annotations

import re
import unicodedata

from generator.secrets import redact

# Backslash-escaped: each could start a link, an embed, HTML, a tag or a block id.
_ACTIVE = re.compile(r"([\\`\[\]<>#^|])")
# Not allowed in a file name here or in Obsidian (which refuses # ^ [ ] | in note names).
_FILE_UNSAFE = re.compile(r'[\\/:*?"<>|#^\[\]%{}$`!]')
_REDACTED = re.compile(r"\[REDACTED:[a-z0-9-]+\]")
MAX_NAME_BYTES = 200
"""A file name's bytes at most (file systems allow 255; room for a numbered suffix)."""


def printable(text: str) -> str:
    """One line: control, format (bidi, zero-width) and separator characters become spaces."""
    chars = [" " if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in text]
    return " ".join("".join(chars).split())


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word where one is near, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" .,;:-") + "…"


def inert(text: str, limit: int) -> str:
    """Untrusted text as one line of plain Markdown: redacted, printable, short, and with
    every character that could start markup escaped."""
    line = shorten(printable(redact(text)), limit)
    return _ACTIVE.sub(r"\\\1", line).replace("%%", "%\\%")


def file_title(text: str, limit: int = 60) -> str:
    """Untrusted text as the title part of a file name: redacted, printable, without the
    characters file systems or Obsidian's links refuse, no leading dot."""
    line = printable(_FILE_UNSAFE.sub(" ", _REDACTED.sub(" ", redact(text))))
    line = re.sub(r"\(\s*\)", " ", re.sub(r"\s+\)", ")", line))
    line = " ".join(line.split()).lstrip(".- ")
    return shorten(line, limit).rstrip(". ")


def fit_name(stem: str) -> str:
    """``stem`` cut to `MAX_NAME_BYTES` of UTF-8, never inside a character."""
    data = stem.encode("utf-8")
    if len(data) <= MAX_NAME_BYTES:
        return stem
    return data[:MAX_NAME_BYTES].decode("utf-8", errors="ignore").rstrip(". ")


_MODEL_UNSAFE = re.compile(r"[^A-Za-z0-9._:/@+-]")


def model_name(value: object) -> str | None:
    """A model id from a log, kept only when it looks like one (``claude-sonnet-4-5``,
    ``anthropic/claude-3-opus@2024``): it is written into frontmatter and tables."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 100 or _MODEL_UNSAFE.search(text):
        return None
    return text


def code(text: str, limit: int = 80) -> str:
    """Untrusted text (a file path, a session id) as an inline code span: redacted, one line,
    no backtick. Inside code nothing is a link, tag or comment (and no ``%%`` is left, for
    editors less careful than Obsidian)."""
    line = shorten(printable(redact(text)).replace("`", "'").replace("%%", "% %"), limit)
    return f"`{line}`" if line else ""
