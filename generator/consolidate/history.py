"""`definitive rollback RUN_ID` and `definitive history "Article"`, from the run records."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.consolidate.ledger import Ledger
from generator.consolidate.runlog import Run, all_runs, audit, file_sha
from generator.errors import DefinitiveError
from generator.render.emit import atomic_write


@dataclass
class RollbackResult:
    restored: list[str]
    removed: list[str]
    pending_again: list[str]


def rollback(vault: Path, run_id: str) -> RollbackResult:
    """Restore every file the run wrote to its previous bytes, delete files it created, and
    mark its meta articles pending again. Refuses when a file changed since (a later run or a
    human): restoring would lose that work. Every step is idempotent, so a rollback that was
    killed half-way is completed by running it again."""
    run = Run.load(vault, run_id)
    if run.status == "rolled-back":
        raise DefinitiveError(f"run {run_id} is already rolled back")
    if run.status == "running":
        raise DefinitiveError(f"run {run_id} did not finish; run `definitive consolidate` first")
    # A file already back at its previous bytes is fine: a killed rollback is simply re-run.
    changed = [
        p
        for p, f in sorted(run.files.items())
        if file_sha(vault / p) not in (f.get("after"), f.get("before"))
    ]
    if changed:
        later = [
            r.id
            for r in all_runs(vault)
            if r.id > run.id and r.status == "done" and set(r.files) & set(changed)
        ]
        hint = f"; roll back {', '.join(later)} first" if later else " since the run"
        raise DefinitiveError(f"{changed[0]} was changed{hint}; nothing rolled back")
    result = RollbackResult([], [], [])
    for rel, record in sorted(run.files.items()):
        if record.get("before") is None:
            (vault / rel).unlink(missing_ok=True)
            result.removed.append(rel)
            continue
        data = run.previous_bytes(rel)
        if data is None:
            raise DefinitiveError(f"{run.folder}: previous bytes of {rel} are missing")
        atomic_write(vault / rel, data)
        result.restored.append(rel)
    ledger = Ledger.load(vault)
    for meta, entry in list(ledger.merged.items()):
        if entry.get("run") == run.id:
            del ledger.merged[meta]
            result.pending_again.append(meta)
    for rel in result.restored:
        ledger.texts.pop(rel, None)
    ledger.save()
    run.status = "rolled-back"
    run.save()
    audit(vault, {"event": "rollback", "run": run.id, **result.__dict__})
    return result


@dataclass
class HistoryEntry:
    run_id: str
    started: str
    status: str
    mode: str
    sources: list[str]
    ops: dict[str, int]
    rejected: str | None


def history(vault: Path, article: str) -> list[HistoryEntry]:
    """The runs that touched ``article`` (a vault path), oldest first."""
    entries = []
    for run in all_runs(vault):
        record = run.articles.get(article)
        if record is None:
            continue
        entries.append(
            HistoryEntry(
                run.id,
                run.started,
                run.status,
                run.mode,
                record.get("sources", []),
                record.get("ops", {}),
                record.get("rejected"),
            )
        )
    return entries
