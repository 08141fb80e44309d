"""Which notes are private: the rules, each a small filter, and nothing else decides it.

A note is withheld from the site (and from every LLM request) when any rule says so. Each
rule looks at one thing and returns the reason it withholds the note, or None. When a rule
cannot tell (an unreadable frontmatter, an unknown spelling of ``publish:``), it withholds
the note and says why: a note published by mistake cannot be taken back.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from generator.findings import Findings
from generator.model import Note

FALSE_WORDS = frozenset({"false", "no", "off", "0", "n", "private", "draft", "hidden", "never"})
TRUE_WORDS = frozenset({"true", "yes", "on", "1", "y", "public"})
# Frontmatter keys that make a note private, compared without case: ``publish: false``,
# ``draft: true`` (Quartz, Hugo, Jekyll), ``private: true``.
PUBLISH_KEY = "publish"
PRIVATE_KEYS = ("draft", "private")


@dataclass(frozen=True)
class Decision:
    reason: str
    """Why the note is withheld, as a user reads it: ``publish: false``."""
    code: str | None = None
    """A finding to report (the rule could not read the note's wish), or None."""
    line: int | None = None
    severity: str = "warning"


Rule = Callable[[Note, "PrivateFolders"], Decision | None]


class PrivateFolders:
    """``private_folders`` patterns, matched as a user means them: without case, with or
    without ``./``, a leading or trailing ``/``, or a trailing ``/*`` or ``/**``. A pattern
    without a ``/`` inside (``private``) names a folder at any depth, like a ``.gitignore``
    line; one with a ``/`` (``clients/acme``) is anchored at the vault's root. Globs work:
    ``*-private``, ``clients/*/contracts``."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.anchored: list[re.Pattern[str]] = []
        self.anywhere: list[re.Pattern[str]] = []
        for raw in patterns:
            pattern = _normalise(raw)
            if not pattern:
                continue
            compiled = re.compile(fnmatch.translate(pattern), re.IGNORECASE)
            (self.anchored if "/" in pattern else self.anywhere).append(compiled)

    def match(self, path: str) -> str | None:
        """The folder of ``path`` (vault-relative) that makes it private, or None."""
        folders = path.split("/")[:-1]
        for depth in range(1, len(folders) + 1):
            prefix = "/".join(folders[:depth])
            if any(p.match(prefix) for p in self.anchored) or any(
                p.match(folders[depth - 1]) for p in self.anywhere
            ):
                return prefix
        return None


def _normalise(pattern: str) -> str:
    text = str(pattern).strip().replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    text = text.strip("/")
    for tail in ("/**", "/*"):
        if text.endswith(tail):
            text = text[: -len(tail)]
    return "" if text in ("", ".") else text


def unreadable_frontmatter(note: Note, folders: PrivateFolders) -> Decision | None:
    if note.frontmatter_error is None:
        return None
    return Decision(
        "its frontmatter could not be read, so whether it is private is unknown",
        "note-withheld",
        note.frontmatter_error,
        "error",
    )


def private_folder(note: Note, folders: PrivateFolders) -> Decision | None:
    folder = folders.match(note.path)
    return None if folder is None else Decision(f"in private folder {folder}/")


def _flag(note: Note, name: str, *, withhold: bool) -> Decision | None:
    """The first spelling of key ``name`` whose value is ``withhold`` (true-ish or false-ish)
    withholds the note; a value that is neither withholds it too, with a warning."""
    for key, value in _keys(note.meta, name):
        wish = _boolean(value)
        if wish is withhold:
            return Decision(f"{key}: {_shown(value)}")
        if wish is None:
            return Decision(
                f"{key}: {_shown(value)} is neither true nor false",
                "publish-unclear",
                note.meta_lines.get(key),
            )
    return None


def publish_flag(note: Note, folders: PrivateFolders) -> Decision | None:
    """``publish:`` under any spelling of the key; false-ish values withhold the note."""
    return _flag(note, PUBLISH_KEY, withhold=False)


def private_flag(note: Note, folders: PrivateFolders) -> Decision | None:
    """``draft: true`` or ``private: true`` (any spelling)."""
    for name in PRIVATE_KEYS:
        decision = _flag(note, name, withhold=True)
        if decision is not None:
            return decision
    return None


RULES: tuple[Rule, ...] = (unreadable_frontmatter, private_folder, publish_flag, private_flag)


def decide(note: Note, folders: PrivateFolders) -> Decision | None:
    """Why ``note`` is withheld (the first rule that says so), or None: it is public."""
    for rule in RULES:
        decision = rule(note, folders)
        if decision is not None:
            return decision
    return None


def report(note: Note, decision: Decision, findings: Findings) -> None:
    if decision.code is None:
        return
    findings.add(
        decision.code,
        note.path,
        decision.line,
        f"withheld from the site: {decision.reason}"
        + ("" if decision.code == "note-withheld" else " (write true or false)"),
        "error" if decision.severity == "error" else "warning",
    )


def _keys(meta: dict[str, Any], name: str) -> list[tuple[str, Any]]:
    return [(key, value) for key, value in meta.items() if key.strip().casefold() == name]


def _boolean(value: Any) -> bool | None:
    """True, False, or None when the value is neither (fail closed: the caller withholds)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return None if value not in (0, 1) else bool(value)
    if isinstance(value, str):
        word = value.strip().casefold()
        if word in FALSE_WORDS:
            return False
        if word in TRUE_WORDS:
            return True
    return None


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value).lower()
    return text if len(text) <= 40 else text[:37] + "..."
