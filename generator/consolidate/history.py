"""`definitive rollback RUN_ID` and `definitive history "Article"`, from the run records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.consolidate import runmeta
from generator.consolidate.ledger import Ledger
from generator.consolidate.runlog import Run, all_runs, audit, file_sha, sha
from generator.errors import DefinitiveError
from generator.render.emit import atomic_write

# The consolidator's own agent and article notes, as `runmeta.ensure_support_notes` creates them
# on a vault's first run. It writes them outside the run record, so rollback recognises them by
# path and bytes (see `_support_notes`).
SUPPORT_NOTES = {
    f"agents/{runmeta.AGENT}.md": runmeta.AGENT_NOTE,
    f"articles/{runmeta.ARTICLE}.md": runmeta.ARTICLE_NOTE,
}


@dataclass
class RollbackResult:
    restored: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    pending_again: list[str] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)
    """(vault path, why): files a human changed since the run, left as they are."""


def rollback(vault: Path, run_id: str) -> RollbackResult:
    """Undo a run: restore every file it changed to its previous bytes, delete the files it
    created, and put back the ledger entries it changed (its meta articles pending again, the
    baselines that pin human edits as they were).

    A file a human changed since the run is kept, and said so: restoring it would lose that
    work. Such an article keeps the run's edits, so its meta articles stay merged. A file a
    later run changed refuses the whole rollback, changing nothing: roll that run back first.
    Every step is idempotent, so a rollback that was killed half-way is completed by running
    it again."""
    run = Run.load(vault, run_id)
    if run.status == "rolled-back":
        raise DefinitiveError(f"run {run_id} is already rolled back")
    runs = all_runs(vault)
    if run.status == "running" or any(r.status == "running" for r in runs):
        raise DefinitiveError(
            "a run was interrupted; run `definitive consolidate` first to finish it"
        )
    later = [r for r in runs if r.id > run.id and r.status == "done"]
    result = RollbackResult()
    plan: list[tuple[str, bytes | None]] = []  # (path, previous bytes or None to delete)
    for rel, record in sorted(run.files.items()):
        now = file_sha(vault / rel)
        if now == record.get("before"):  # already restored (a killed rollback run again)
            _note_done(result, rel, record)
            continue
        if now != record.get("after"):
            touched = [r.id for r in later if rel in r.files]
            if touched:
                raise DefinitiveError(
                    f"{rel} was changed by run {touched[-1]} since; roll back "
                    f"{', '.join(reversed(touched))} first; nothing rolled back"
                )
            result.kept.append((rel, _why_kept(run, rel, record, now)))
            continue
        if record.get("before") is None:
            plan.append((rel, None))
            continue
        data = run.previous_bytes(rel)
        if data is None or sha(data) != record.get("before"):
            raise DefinitiveError(f"{run.folder}: previous bytes of {rel} are missing")
        plan.append((rel, data))
    if not [r for r in runs if r.id != run.id and r.status == "done"]:
        plan += _support_notes(vault, runs, result)

    for rel, data in plan:
        if data is None:
            (vault / rel).unlink(missing_ok=True)
            result.removed.append(rel)
        else:
            atomic_write(vault / rel, data)
            result.restored.append(rel)
    _restore_ledger(vault, run, later, {p for p, _ in result.kept}, result)
    run.status = "rolled-back"
    run.save()
    audit(vault, {"event": "rollback", "run": run.id, **result.__dict__})
    return result


def _note_done(result: RollbackResult, rel: str, record: dict[str, Any]) -> None:
    if record.get("before") is None:
        result.removed.append(rel)
    else:
        result.restored.append(rel)


def _why_kept(run: Run, rel: str, record: dict[str, Any], now: str | None) -> str:
    where = run.folder / "before" / rel
    if now is None:
        return "deleted since the run; left deleted"
    if record.get("before") is None:
        return "created by the run and edited since; kept with the edits"
    return (
        "edited since the run; kept with the run's changes and the edits (its meta articles "
        f"stay merged; the bytes before the run are in {where})"
    )


def _support_notes(vault: Path, runs: list[Run], result: RollbackResult) -> list[tuple[str, None]]:
    """The consolidator's agent and article notes go with the last run still standing, when
    they are exactly as a run creates them; edited, they stay."""
    recorded = {rel for r in runs for rel in r.files}
    plan: list[tuple[str, None]] = []
    for rel, text in SUPPORT_NOTES.items():
        path = vault / rel
        if rel in recorded or not path.is_file():
            continue
        if path.read_bytes() == text.encode("utf-8"):
            plan.append((rel, None))
        else:
            result.kept.append((rel, "differs from the note a first run creates; kept"))
    return plan


def _restore_ledger(
    vault: Path, run: Run, later: list[Run], kept: set[str], result: RollbackResult
) -> None:
    """Put the run's ledger entries back as they were before it, article by article. An
    article kept (edited since) keeps the run's entries: it keeps the run's edits."""
    ledger = Ledger.load(vault)
    restored = set(result.restored)
    for article, record in sorted(run.articles.items()):
        metas = record.get("metas") or {}
        if not metas or article in kept:
            continue
        before = run.ledger_before.get(article)
        for meta in metas:
            if (ledger.merged.get(meta) or {}).get("run") != run.id:
                continue  # merged again by a later run, or already restored
            previous = before["merged"].get(meta) if before is not None else None
            if previous is None:
                del ledger.merged[meta]
            else:
                ledger.merged[meta] = previous
            attempts = (before or {}).get("rejections", {}).get(meta)
            if attempts is not None:  # its rejected attempts count again, as before the run
                ledger.rejections[meta] = attempts
            result.pending_again.append(meta)
        if before is None:
            continue  # recorded before runs kept their ledger entries: baselines stay as they are
        # The baselines pair with the article's bytes: put them back with the bytes, or when no
        # later run has set its own for this article since.
        if article in restored or not any(article in r.articles for r in later):
            if before["texts"] is None:
                ledger.texts.pop(article, None)
            else:
                ledger.texts[article] = before["texts"]
    ledger.save()


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
