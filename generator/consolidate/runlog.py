"""Runs, their history and the audit log.

Each run has a folder ``.definitive/runs/<RUN_ID>/`` with ``run.json`` (what it planned and did:
every file it wrote with its SHA-256 before and after, the meta articles merged per article,
and the ledger entries of each article as they were before the run changed them) and
``before/``, the previous bytes of every file it changed, for `rollback`. The manifest is
written *before* each file and before the ledger, so a killed run can be told apart file by
file: a file whose bytes equal the planned ``after`` was written, one still at ``before`` was
not.

``.definitive/audit.jsonl`` is append-only, one JSON object per line: every request and every
op with its decision. See docs/consolidation.md for the fields.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.consolidate.ledger import Ledger
from generator.consolidate.state import atomic_write_json, checkpoint, now, state_dir
from generator.errors import DefinitiveError
from generator.render.emit import atomic_write

RUNS = "runs"
AUDIT = "audit.jsonl"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha(path: Path) -> str | None:
    try:
        return sha(path.read_bytes())
    except FileNotFoundError:
        return None


@dataclass
class Run:
    vault: Path
    id: str
    started: str
    status: str = "running"
    mode: str = "offline"
    model: str = "offline"
    files: dict[str, dict[str, str | None]] = field(default_factory=dict)
    articles: dict[str, dict[str, Any]] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)
    ledger_before: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Article path -> ``{"texts": ..., "merged": {meta: entry}}``: its ledger entries before
    this run changed them (None where there was none), so a rollback restores them exactly,
    the baselines that pin human edits included. Taken from the ledger on disk when the run
    records the article, which is before it changes the ledger (see `engine.commit_article`)."""
    _ledger: Ledger | None = field(default=None, repr=False, compare=False)

    @property
    def folder(self) -> Path:
        return state_dir(self.vault) / RUNS / self.id

    @classmethod
    def start(cls, vault: Path, mode: str, model: str) -> Run:
        moment = now()
        run_id = moment.strftime("%Y%m%dT%H%M%SZ")
        while (state_dir(vault) / RUNS / run_id).exists():  # two runs in one second
            run_id += "x"
        run = cls(vault, run_id, moment.isoformat(), mode=mode, model=model)
        run.save()
        return run

    @classmethod
    def load(cls, vault: Path, run_id: str) -> Run:
        path = state_dir(vault) / RUNS / run_id / "run.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DefinitiveError(f"no run {run_id!r} in {state_dir(vault) / RUNS}") from None
        except (OSError, ValueError) as exc:
            raise DefinitiveError(f"{path}: unreadable run record ({exc})") from None
        return cls(vault, **{k: v for k, v in data.items() if k != "vault"})

    def save(self) -> None:
        self._keep_ledger_before()
        data = {
            "id": self.id,
            "started": self.started,
            "status": self.status,
            "mode": self.mode,
            "model": self.model,
            "files": self.files,
            "articles": self.articles,
            "rejected": self.rejected,
            "ledger_before": self.ledger_before,
        }
        atomic_write_json(self.folder / "run.json", data)

    def _keep_ledger_before(self) -> None:
        """Note the ledger entries of each article merged since the last save. The ledger on
        disk does not hold this run's changes for them yet, and each meta article belongs to
        one article, so one read serves the whole run."""
        for path, record in self.articles.items():
            if path in self.ledger_before or not record.get("metas"):
                continue
            if self._ledger is None:
                self._ledger = Ledger.load(self.vault)
            self.ledger_before[path] = {
                "texts": self._ledger.texts.get(path),
                "merged": {meta: self._ledger.merged.get(meta) for meta in record["metas"]},
                "rejections": {
                    meta: self._ledger.rejections[meta]
                    for meta in record["metas"]
                    if meta in self._ledger.rejections
                },
            }

    def write_file(self, rel: str, data: bytes) -> None:
        """Write one vault file, keeping its previous bytes and recording the plan first."""
        target = self.vault / rel
        if rel not in self.files:
            before = target.read_bytes() if target.exists() else None
            if before is not None:
                atomic_write(self.folder / "before" / rel, before)
            self.files[rel] = {"before": sha(before) if before is not None else None}
        self.files[rel]["after"] = sha(data)
        self.save()
        checkpoint("before-write")
        atomic_write(target, data)
        checkpoint("after-write")

    def previous_bytes(self, rel: str) -> bytes | None:
        path = self.folder / "before" / rel
        return path.read_bytes() if path.exists() else None


def all_runs(vault: Path) -> list[Run]:
    folder = state_dir(vault) / RUNS
    if not folder.is_dir():
        return []
    return [Run.load(vault, p.name) for p in sorted(folder.iterdir()) if (p / "run.json").is_file()]


def unfinished_run(vault: Path) -> Run | None:
    running = [r for r in all_runs(vault) if r.status == "running"]
    return running[-1] if running else None


def audit(vault: Path, record: dict[str, Any]) -> None:
    """Append one line to the audit log (a single write on an O_APPEND file)."""
    path = state_dir(vault) / AUDIT
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps({"ts": now().isoformat(), **record}, ensure_ascii=False, sort_keys=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
