"""The ledger (``.definitive/ledger.json``): which meta article, by content hash, was merged into
which definitive article in which run; the texts the consolidator last wrote in each article
(everything else there is a human's, see `generator.consolidate.validate`); and how often each
pending meta article's ops were rejected, and why (after ``max_rejected_attempts`` it waits for
a human instead of being sent and paid for again every night).

A meta article is **pending** when the ledger has no entry for it, or its file changed since it
was merged. A vault that predates the ledger needs no migration: a meta article its definitive
article already cites is adopted as merged (Citation rules 6: uncited means pending).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.consolidate.state import atomic_write_json, state_dir
from generator.errors import DefinitiveError
from generator.filter import PublicView
from generator.graph import LinkGraph
from generator.model import Note

LEDGER = "ledger.json"
ADOPTED = "adopted"


@dataclass
class Ledger:
    path: Path
    merged: dict[str, dict[str, str]] = field(default_factory=dict)
    """meta path -> {"sha", "article", "run"}."""
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    """article path -> {hash of a text the consolidator wrote: L, P or S}."""
    rejections: dict[str, dict[str, Any]] = field(default_factory=dict)
    """meta path -> {"sha", "article", "count", "reasons"}: attempts whose ops were rejected."""

    @classmethod
    def load(cls, vault: Path) -> Ledger:
        path = state_dir(vault) / LEDGER
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as exc:
            raise DefinitiveError(
                f"{path}: ledger unreadable ({exc}); restore it from git"
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("merged"), dict):
            raise DefinitiveError(f"{path}: not a Definitive ledger; restore it from git")
        return cls(path, data["merged"], data.get("texts") or {}, data.get("rejections") or {})

    def save(self) -> None:
        document = {
            "version": 1,
            "merged": self.merged,
            "texts": self.texts,
            "rejections": self.rejections,
        }
        atomic_write_json(self.path, document, indent=1)

    def rejected(self, note: Note) -> dict[str, Any] | None:
        """This meta article's record of rejected attempts, for its current bytes."""
        entry = self.rejections.get(note.path)
        return entry if entry is not None and entry.get("sha") == note.sha else None

    def reject(self, note: Note, article: str, reasons: list[str]) -> int:
        """Count one more rejected attempt for ``note``; returns how many there were."""
        entry = self.rejected(note) or {"sha": note.sha, "article": article, "count": 0}
        entry["count"] = int(entry.get("count", 0)) + 1
        entry["reasons"] = reasons[:8]
        self.rejections[note.path] = entry
        return entry["count"]

    def merge(self, note_path: str, sha: str, article: str, run: str) -> None:
        self.merged[note_path] = {"sha": sha, "article": article, "run": run}
        self.rejections.pop(note_path, None)

    def is_merged(self, note: Note) -> bool:
        entry = self.merged.get(note.path)
        return entry is not None and entry.get("sha") == note.sha


@dataclass
class Pending:
    by_article: dict[str, list[Note]] = field(default_factory=dict)
    """Definitive article path -> its pending meta articles, oldest first."""
    adopted: dict[str, str] = field(default_factory=dict)
    """Meta path -> article path: already cited, not yet in the ledger."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(meta path, why) for meta articles that can never be merged as they are."""
    held: dict[str, str] = field(default_factory=dict)
    """Meta path -> article path: rejected too often; waiting for a human (`review`)."""


def article_of(meta: Note, graph: LinkGraph) -> str | None:
    """The definitive article a meta article's ``article:`` names, resolved as Obsidian would."""
    value = meta.meta.get("article")
    if not isinstance(value, str):
        return None
    for item in graph.links.get(meta.path, []):
        if item.link.span is None and item.link.raw.strip() == value.strip():
            target = item.resolution.target
            note = graph.vault.notes.get(target) if target else None
            return target if note is not None and note.kind == "definitive" else None
    return None


def find_pending(view: PublicView, ledger: Ledger, max_rejected: int = 3) -> Pending:
    pending = Pending()
    graph, notes = view.graph, view.vault.notes
    for meta in sorted(notes.values(), key=lambda n: (str(n.meta.get("date", "")), n.path)):
        if meta.kind != "meta" or meta.meta.get("consolidation_run") or ledger.is_merged(meta):
            continue
        if not view.is_public(meta.path):
            why = view.withheld.get(meta.path, "private")
            pending.skipped.append((meta.path, f"private ({why}): never merged or sent"))
            continue
        if str(meta.meta.get("outcome", "")).strip().lower() == "unknown":
            # An imported run nobody judged: what it teaches depends on how it went.
            pending.skipped.append((meta.path, "outcome: unknown: set it to merge this run"))
            continue
        article = article_of(meta, graph)
        if article is None:
            pending.skipped.append((meta.path, "its article: is not a definitive article"))
            continue
        if meta.path not in ledger.merged and _cites(graph, article, meta.path):
            pending.adopted[meta.path] = article
            continue
        attempts = ledger.rejected(meta)
        if attempts is not None and int(attempts.get("count", 0)) >= max_rejected:
            pending.held[meta.path] = article
            pending.skipped.append(
                (meta.path, f"held for review after {attempts['count']} rejected attempts")
            )
            continue
        pending.by_article.setdefault(article, []).append(meta)
    return pending


def _cites(graph: LinkGraph, article: str, meta: str) -> bool:
    return any(item.resolution.target == meta for item in graph.links.get(article, []))
