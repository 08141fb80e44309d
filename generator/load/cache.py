"""Parsed-note cache: a note whose bytes did not change is not parsed again on the next build.

Stored as JSON, not pickle: the cache sits inside the vault, which may come from someone
else's repository, and reading it must never run code. Any unreadable or foreign cache is
ignored and rebuilt.
"""

from __future__ import annotations

import dataclasses
import json
import time
import zlib
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from generator import __version__
from generator.findings import Finding
from generator.model import Block, Heading, Link, Note, Span, Tag
from generator.secrets import RULES_VERSION

FORMAT = 6  # 2: comments stripped at load, privacy decided later; 3: dense blocks; 4: buckets;
# 5: the first paragraph as plain text (Note.lead); 6: links as rows (`_LINK_FIELDS`)
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


_LINK_FIELDS = tuple(f.name for f in dataclasses.fields(Link))
"""A link is cached as a row of its fields in this order, its span ``[line, start, end]``
last: links were a third of the cache's bytes as objects naming every field, and decoding
them most of a warm load's decoding (46,000 links at 5,000 notes)."""
assert _LINK_FIELDS[-1] == "span" and tuple(f.name for f in dataclasses.fields(Span)) == (
    "line",
    "start",
    "end",
)


_make_link: Callable[..., Link] = Link  # positionally, from a row


def _link_row(link: Link) -> list[Any]:
    row: list[Any] = [getattr(link, name) for name in _LINK_FIELDS[:-1]]
    span = link.span
    row.append(None if span is None else [span.line, span.start, span.end])
    return row


def encode(note: Note | None) -> dict[str, Any] | None:
    if note is None:
        return None
    data = {
        name: _flat(getattr(note, name)) for name in note.__dataclass_fields__ if name != "links"
    }
    data["links"] = [_link_row(link) for link in note.links]
    return data


def decode(data: dict[str, Any] | None) -> Note | None:
    """A cached note; a malformed entry raises KeyError, TypeError or ValueError."""
    if data is None:
        return None
    data = dict(data)
    data["links"] = [
        _make_link(*row[:-1], None if row[-1] is None else Span(*row[-1])) for row in data["links"]
    ]
    data["tags"] = [Tag(tag["name"], _span(tag["span"])) for tag in data["tags"]]
    data["headings"] = [Heading(**h) for h in data["headings"]]
    data["blocks"] = {k: Block(**b) for k, b in data["blocks"].items()}
    data["block_markers"] = [Span(**s) for s in data["block_markers"]]
    data["callouts"] = [tuple(c) for c in data["callouts"]]
    data["dense"] = [tuple(r) for r in data["dense"]]
    return Note(**data)


FileStat = tuple[int, int, int, int]
"""A note file's size, modification and change times (ns) and inode, as the walk found it."""
BUCKETS = 64
"""The cache is split by path into this many files: a rebuild after a few changed notes
writes a few of them, not the whole cache (36 MB at 5,000 notes)."""
RACY_NS = 2_000_000_000
"""A file's stat is trusted only when its change time is this much older than when its bytes
were last hashed: a write in the same timestamp tick as that hash could keep every field."""


class NoteCache:
    """Parsed notes by vault path, each with the SHA-256 of the bytes parsed and the file's
    stat when they were hashed. A note whose file still has that stat (`unchanged`) is not
    even read; one whose bytes hash the same is not parsed again."""

    def __init__(self, path: Path | None, key: str, *, save: bool = True) -> None:
        self.path = path
        self.saving = path is not None and save
        """False: read only (`check`): nothing is encoded for it or written."""
        self.key = f"{FORMAT}:{__version__}:{RULES_VERSION}:{key}"  # findings follow the rules
        self.entries: dict[str, dict[str, Any]] = {}
        self.used: dict[str, dict[str, Any]] = {}
        self.dirty: set[int] = set()
        if path is None:
            return
        for number in range(BUCKETS):
            try:
                stored = json.loads(self._bucket(number).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.dirty.add(number)
                continue
            if isinstance(stored, dict) and stored.get("key") == self.key:
                notes = stored.get("notes")
                self.entries.update(notes if isinstance(notes, dict) else {})
            else:
                self.dirty.add(number)

    def _bucket(self, number: int) -> Path:
        assert self.path is not None
        return self.path.with_suffix("") / f"{number:02}.json"

    @staticmethod
    def bucket_of(rel: str) -> int:
        return zlib.crc32(rel.encode("utf-8", "surrogateescape")) % BUCKETS

    def unchanged(self, rel: str, stat: FileStat) -> Parsed | None:
        """The cached note when its file has the stat it had when last hashed, safely past
        that hash: the file was not written since."""
        entry = self.entries.get(rel)
        if entry is None or entry.get("stat") != list(stat):
            return None
        if stat[2] >= entry.get("checked", 0) - RACY_NS:
            return None
        return self._use(rel, entry)

    def get(self, rel: str, sha: str, stat: FileStat | None = None) -> Parsed | None:
        entry = self.entries.get(rel)
        if entry is None or entry.get("sha") != sha:
            return None
        trusted = entry.get("stat") == list(stat or ()) and (
            stat is not None and stat[2] < entry.get("checked", 0) - RACY_NS
        )
        if stat is not None and not trusted:  # remember the stat these bytes came with
            entry = {**entry, "stat": list(stat), "checked": time.time_ns()}
            self.dirty.add(self.bucket_of(rel))
        return self._use(rel, entry)

    def put_entry(
        self, rel: str, entry: dict[str, Any], stat: FileStat | None = None
    ) -> Parsed | None:
        """An entry made elsewhere (a parse worker): decoded and kept, or None if malformed."""
        if stat is not None:
            entry = {**entry, "stat": list(stat), "checked": time.time_ns()}
        self.dirty.add(self.bucket_of(rel))
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

    def put(
        self,
        rel: str,
        sha: str,
        note: Note | None,
        findings: list[Finding],
        stat: FileStat | None = None,
    ) -> None:
        if not self.saving:
            return  # nothing will be saved (check): skip encoding the note
        self.used[rel] = {
            "sha": sha,
            "note": encode(note),
            "findings": [asdict(f) for f in findings],
        }
        if stat is not None:
            self.used[rel].update(stat=list(stat), checked=time.time_ns())
        self.dirty.add(self.bucket_of(rel))

    def save(self) -> None:
        """Keep exactly the notes seen this time; each bucket written atomically, and only
        when it changed."""
        if self.path is None or not self.saving:
            return
        from generator.render.emit import atomic_write

        for rel in self.entries.keys() - self.used.keys():
            self.dirty.add(self.bucket_of(rel))  # a note gone
        if not self.dirty:
            return
        buckets: dict[int, dict[str, Any]] = {number: {} for number in self.dirty}
        for rel, entry in self.used.items():
            bucket = buckets.get(self.bucket_of(rel))
            if bucket is not None:
                bucket[rel] = entry
        for number, notes in sorted(buckets.items()):
            document = {"key": self.key, "notes": notes}
            data = json.dumps(document, ensure_ascii=False).encode("utf-8")
            atomic_write(self._bucket(number), data)
        self.path.unlink(missing_ok=True)  # the one-file cache of earlier versions
