"""Parsed-note cache: a note whose bytes did not change is not parsed again on the next build.

Stored as JSON, not pickle: the cache sits inside the vault, which may come from someone
else's repository, and reading it must never run code. Any unreadable or foreign cache is
ignored and rebuilt.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from generator import __version__
from generator.findings import Finding
from generator.model import Block, Heading, Link, Note, Span, Tag
from generator.secrets import RULES_VERSION

FORMAT = 3  # 2: comments stripped at load, privacy decided later; 3: dense blocks
Parsed = tuple[Note | None, list[Finding]]
"""A note (None: not a note after all, e.g. binary) and the findings its parse raised."""


def _span(data: dict[str, int] | None) -> Span | None:
    return Span(**data) if data is not None else None


_PLAIN = {str, int, float, bool, type(None)}


def _flat(value: Any) -> Any:
    """A model dataclass as JSON-ready data. `dataclasses.asdict` deep-copies every value on the
    way (frontmatter included) and was a fifth of a cold load; the model is shallow enough for
    a direct walk."""
    if type(value) in _PLAIN:  # most values: skip the failing hasattr lookup
        return value
    if hasattr(value, "__dataclass_fields__"):
        return {name: _flat(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, list | tuple):
        return [_flat(v) for v in value]
    if isinstance(value, dict):
        return {k: _flat(v) for k, v in value.items()}
    return value


def encode(note: Note | None) -> dict[str, Any] | None:
    return _flat(note) if note is not None else None


def decode(data: dict[str, Any] | None) -> Note | None:
    if data is None:
        return None
    data = dict(data)
    data["links"] = [Link(**{**link, "span": _span(link["span"])}) for link in data["links"]]
    data["tags"] = [Tag(tag["name"], _span(tag["span"])) for tag in data["tags"]]
    data["headings"] = [Heading(**h) for h in data["headings"]]
    data["blocks"] = {k: Block(**b) for k, b in data["blocks"].items()}
    data["block_markers"] = [Span(**s) for s in data["block_markers"]]
    data["callouts"] = [tuple(c) for c in data["callouts"]]
    data["dense"] = [tuple(r) for r in data["dense"]]
    return Note(**data)


class NoteCache:
    def __init__(self, path: Path | None, key: str) -> None:
        self.path = path
        self.key = f"{FORMAT}:{__version__}:{RULES_VERSION}:{key}"  # findings follow the rules
        self.entries: dict[str, dict[str, Any]] = {}
        self.used: dict[str, dict[str, Any]] = {}
        if path is None:
            return
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(stored, dict) and stored.get("key") == self.key:
            self.entries = stored.get("notes", {})

    def get(self, rel: str, sha: str) -> Parsed | None:
        entry = self.entries.get(rel)
        if entry is None or entry.get("sha") != sha:
            return None
        return self._use(rel, entry)

    def put_entry(self, rel: str, entry: dict[str, Any]) -> Parsed | None:
        """An entry made elsewhere (a parse worker): decoded and kept, or None if malformed."""
        return self._use(rel, entry)

    def _use(self, rel: str, entry: dict[str, Any]) -> Parsed | None:
        try:
            note = decode(entry["note"])
            findings = [
                Finding(**{**f, "candidates": tuple(f["candidates"])}) for f in entry["findings"]
            ]
        except (KeyError, TypeError, ValueError):
            return None
        self.used[rel] = entry
        return note, findings

    def put(self, rel: str, sha: str, note: Note | None, findings: list[Finding]) -> None:
        if self.path is None:
            return  # nothing will be saved (check): skip encoding the note
        self.used[rel] = {
            "sha": sha,
            "note": encode(note),
            "findings": [asdict(f) for f in findings],
        }

    def save(self) -> None:
        """Keep exactly the notes seen this time; written atomically, only when it changed."""
        if self.path is None or self.used == self.entries:
            return
        from generator.render.emit import atomic_write

        document = {"key": self.key, "notes": self.used}
        atomic_write(self.path, json.dumps(document, ensure_ascii=False).encode("utf-8"))
