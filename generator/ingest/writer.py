"""The one writer of meta articles for runs coming in: frontmatter, body, file name, and the
rules for writing into a vault that people and agents edit too.

- **File name**: ``meta/<date> <Agent> <title>.md`` (the vault's ``meta/`` folder, or its
  ``runs/`` folder when it has that one instead), cut to fit any file system. A name that is
  taken gets `` 2``, `` 3``...: an unrelated file is never overwritten, even by a run recorded
  at the same moment (a new file is created exclusively).
- **Atomic**: every file is written to a temporary file and renamed (or linked) into place.
- **Updates**: a run with a ``source:`` (an imported session or trace) is written once; the
  next import of the same source updates that note wherever it was moved, and writes nothing
  when nothing changed. An update rewrites only what the importer owns: the figures in the
  frontmatter, and the body above the marker line. A person's ``outcome:`` (once it is no
  longer ``unknown``), ``article:``, ``agent:`` and other fields, their frontmatter's own
  formatting, and everything written below the marker stay as they are. Without the marker
  the body is left alone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from generator.errors import UsageError
from generator.ingest.names import Target
from generator.ingest.text import fit_name
from generator.load.frontmatter import split_frontmatter
from generator.model import Vault
from generator.proof.status import DECIDED
from generator.render.emit import UMASK, atomic_write

MARKER = (
    "%% definitive: run {source}. Importing or recording it again rewrites the text above "
    "this line; write yours below it. %%"
)
MARKER_RE = re.compile(r"^%% definitive: run [^\n]*%%[ \t]*$", re.MULTILINE)
IMPORT_KEYS = (
    "tokens_in_uncached",
    "tokens_cache_write_5m",
    "tokens_cache_write_1h",
    "tokens_cache_read",
    "models",
    "started",
    "ended",
)
"""Figures an importer adds beside the required ones; it owns them like the figures."""
FIGURES = ("date", "tokens_in", "tokens_out", "cost_usd", "duration_s", "model", "source")
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9._/+-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}
_TOP_KEY = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]|$)")

Status = Literal["created", "updated", "unchanged"]


@dataclass
class RunDraft:
    """A run to write, its links resolved and its figures final."""

    article: Target
    agent: Target
    date: dt.date
    outcome: str
    tokens_in: int
    tokens_out: int
    cost_usd: float
    duration_s: float
    model: str
    title: str
    """The file name's last part (already safe: `generator.ingest.text.file_title`)."""
    body: str
    source: str | None = None
    price_usd: float | None = None
    triggers: Target | None = None
    skill_version: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Importer figures (`IMPORT_KEYS`)."""
    explicit: frozenset[str] = frozenset()
    """Fields given on the command line: an update sets them even over a person's edit."""

    def fields(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "type": "meta",
            "article": f"[[{self.article.link}]]",
            "agent": f"[[{self.agent.link}]]",
            "date": self.date,
            "outcome": self.outcome,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost_usd": self.cost_usd,
            "duration_s": self.duration_s,
            "model": self.model,
        }
        if self.price_usd is not None:
            values["price_usd"] = self.price_usd
        if self.triggers is not None:
            values["triggers"] = f"[[{self.triggers.link}]]"
        if self.skill_version is not None:
            values["skill_version"] = (
                int(self.skill_version) if self.skill_version.isdigit() else self.skill_version
            )
        if self.source is not None:
            values["source"] = self.source
        values.update({k: v for k, v in self.extra.items() if k in IMPORT_KEYS})
        return values


@dataclass(frozen=True)
class Written:
    status: Status
    path: str
    """Vault-relative."""
    dry_run: bool = False

    def describe(self) -> str:
        if self.status == "unchanged":
            return "unchanged"
        return f"would be {self.status}" if self.dry_run else self.status


def scalar(value: Any) -> str:
    """One YAML value on one line, as a person would write it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return text if text not in ("", "-0") else "0"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _YAML_WORDS and not _number_like(text):
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def _number_like(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def render(draft: RunDraft) -> str:
    lines = ["---", *(f"{k}: {scalar(v)}" for k, v in draft.fields().items()), "---"]
    body = draft.body.strip("\n") + "\n"
    if draft.source is not None:
        body += "\n" + MARKER.format(source=draft.source) + "\n"
    return "\n".join(lines) + "\n" + body


class Writer:
    """Writes runs into one vault (as loaded: its notes tell which sources exist)."""

    def __init__(self, vault: Vault) -> None:
        self.root = Path(vault.root)
        self.taken = {p.casefold() for p in vault.notes} | {p.casefold() for p in vault.attachments}
        self.sources: dict[str, list[str]] = {}
        self.unreadable: list[str] = []
        """Notes whose frontmatter cannot be read: any of them might hold a source."""
        self.kinds = {path: note.kind for path, note in vault.notes.items()}
        for path, note in vault.notes.items():
            source = note.meta.get("source")
            if isinstance(source, str):
                self.sources.setdefault(source.strip(), []).append(path)
            elif note.frontmatter_error is not None:
                self.unreadable.append(path)
        folders = {p.name.casefold(): p.name for p in self.root.iterdir() if p.is_dir()}
        self.folder = folders.get("meta") or folders.get("runs") or "meta"

    def write(self, draft: RunDraft, *, dry_run: bool = False) -> Written:
        if draft.source is not None:
            existing = self._existing(draft.source)
            if existing is not None:
                return self._update(existing, draft, dry_run=dry_run)
        text = render(draft)
        stem = fit_name(f"{draft.date.isoformat()} {draft.agent.name} {draft.title}".strip())
        for rel in self._names(stem):
            if dry_run:
                return Written("created", rel, dry_run=True)
            if _create(self.root / rel, text.encode("utf-8")):
                self.taken.add(rel.casefold())
                if draft.source is not None:
                    self.sources[draft.source] = [rel]
                return Written("created", rel)
        raise UsageError(f"{self.root / self.folder}: no free file name for {stem!r}")

    def _names(self, stem: str) -> Iterable[str]:
        for n in range(1, 1000):
            suffix = "" if n == 1 else f" {n}"
            rel = f"{self.folder}/{fit_name(stem)[: None if n == 1 else 190]}{suffix}.md"
            if rel.casefold() not in self.taken and not (self.root / rel).exists():
                yield rel

    def _existing(self, source: str) -> str | None:
        paths = self.sources.get(source, [])
        if len(paths) > 1:
            raise UsageError(
                f"several notes say `source: {source}` ({', '.join(sorted(paths))}): "
                "keep one, so its run is counted once"
            )
        for path in self.unreadable:
            raw = (self.root / path).read_text(encoding="utf-8", errors="replace")
            if re.search(rf"^source:\s*[\"']?{re.escape(source)}[\"']?\s*$", raw, re.M):
                raise UsageError(
                    f"{path}: holds `source: {source}` but its frontmatter cannot be read; "
                    "fix it (`definitive check` says where) before importing this run again"
                )
        if paths and self.kinds.get(paths[0], "meta") != "meta":
            raise UsageError(
                f"{paths[0]}: says `source: {source}` but is not a meta article; "
                "rename its `source:` so the run can be imported"
            )
        return paths[0] if paths else None

    def _update(self, rel: str, draft: RunDraft, *, dry_run: bool) -> Written:
        path = self.root / rel
        text = path.read_text(encoding="utf-8")
        split = split_frontmatter(text)
        if split.error is not None:
            raise UsageError(f"{rel}: its frontmatter cannot be read; fix it first")
        old = split.meta
        new = draft.fields()
        changes: dict[str, Any | None] = {}
        for key, value in new.items():
            if key in FIGURES or key in IMPORT_KEYS or key in draft.explicit or key not in old:
                wanted = True
            else:  # a person's field: kept, but for an outcome nobody has judged yet
                wanted = key == "outcome" and old.get("outcome") == "unknown"
            if key == "outcome" and value == "unknown" and old.get(key) in DECIDED:
                wanted = False  # "unknown" is no judgment: it never replaces one
            if wanted and not _same(old.get(key), value):
                changes[key] = value
        for key in IMPORT_KEYS:
            if key in old and key not in new:
                changes[key] = None
        head = text[: len(text) - len(split.body)]
        body = split.body
        marker = MARKER_RE.search(body)
        if marker is not None:
            below = body[marker.end() :]
            fresh = draft.body.strip("\n") + "\n\n" + MARKER.format(source=draft.source)
            body = fresh + below
        if not changes and body == split.body:
            return Written("unchanged", rel)
        if dry_run:
            return Written("updated", rel, dry_run=True)
        atomic_write(path, (patch_frontmatter(head, changes) + body).encode("utf-8"))
        return Written("updated", rel)


def _same(old: Any, new: Any) -> bool:
    if isinstance(new, dt.date):
        return str(old)[:10] == new.isoformat()
    if isinstance(new, float) and isinstance(old, int | float) and not isinstance(old, bool):
        return abs(old - new) < 5e-7
    if isinstance(new, list):
        return isinstance(old, list) and [str(v) for v in old] == [str(v) for v in new]
    return old == new


def patch_frontmatter(head: str, changes: dict[str, Any | None]) -> str:
    """``head`` (``---`` ... ``---``) with each changed key's line replaced (or removed, for
    None), new keys added before the closing line; every other line kept byte for byte."""
    lines = head.split("\n")
    close = max(i for i, line in enumerate(lines) if line.rstrip() == "---")
    out: list[str] = [lines[0]]
    done: set[str] = set()
    skipping = False
    for line in lines[1:close]:
        match = _TOP_KEY.match(line)
        if match is not None:
            skipping = False
            key = match.group("key")
            if key in changes:
                done.add(key)
                skipping = True  # its old value, and any continuation lines, go
                if changes[key] is not None:
                    out.append(f"{key}: {scalar(changes[key])}")
                continue
        elif skipping and (line[:1] in (" ", "\t", "-") or not line.strip()):
            continue
        else:
            skipping = False
        out.append(line)
    out += [f"{k}: {scalar(v)}" for k, v in changes.items() if k not in done and v is not None]
    return "\n".join([*out, *lines[close:]])


def _create(path: Path, data: bytes) -> bool:
    """Write a new file atomically, never replacing one: False when the name is taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:40]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o666 & ~UMASK)
        try:
            os.link(tmp, path)  # atomic, and fails if the name exists
        except FileExistsError:
            return False
        except OSError:  # no hard links here (some network or FAT file systems)
            try:
                with open(path, "xb") as handle:
                    handle.write(data)
            except FileExistsError:
                return False
        return True
    finally:
        Path(tmp).unlink(missing_ok=True)
