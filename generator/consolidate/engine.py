"""One consolidation run: find pending meta articles, ask a consolidator for ops, validate and
apply them, and record everything (ledger, run record, audit log, the run's own meta article).

Crash safety: a run's record is written before each file it changes, and the ledger only after.
A run killed at any point is found ``running`` by the next one, which keeps what was written
(file at its planned bytes), forgets what was not (file still at its old bytes: its meta articles
are still pending), and carries on under the same run id, so the end state is the one an
uninterrupted run reaches.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from generator.config import Settings
from generator.consolidate.article import parse_article, set_revision
from generator.consolidate.edits import Applied, Op, OpError, apply_ops
from generator.consolidate.ledger import ADOPTED, Ledger, Pending, find_pending
from generator.consolidate.proposal import ArticleInput, Consolidator, Proposal, Usage
from generator.consolidate.review import in_review, propose
from generator.consolidate.runlog import Run, audit, file_sha, unfinished_run
from generator.consolidate.runmeta import ensure_support_notes, run_meta_article
from generator.consolidate.state import checkpoint
from generator.consolidate.validate import (
    ValidationError,
    check_ops,
    check_result,
    keep_pins,
    pinned_targets,
    recorded_texts,
)
from generator.errors import UsageError
from generator.model import Note
from generator.pipeline import analyse


@dataclass
class ArticleOutcome:
    path: str
    title: str
    sources: list[str]
    applied: list[Applied] = field(default_factory=list)
    rejected: str | None = None
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    diff: str = ""
    new_text: str | None = None
    proposal_id: str | None = None
    """With --review: the proposal waiting for `definitive approve`."""

    def op_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for applied in self.applied:
            counts[applied.op.op] = counts.get(applied.op.op, 0) + 1
        return counts


@dataclass
class RunReport:
    run_id: str | None
    articles: list[ArticleOutcome] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    adopted: int = 0
    resumed: bool = False
    dry_run: bool = False

    review: bool = False

    @property
    def merged(self) -> int:
        return sum(len(a.sources) for a in self.articles if a.rejected is None)

    @property
    def rejected(self) -> list[ArticleOutcome]:
        return [a for a in self.articles if a.rejected is not None]

    @property
    def usage(self) -> Usage:
        total = Usage()
        for item in self.articles:
            total += item.usage
        return total

    @property
    def cost_usd(self) -> float:
        return round(sum(a.cost_usd for a in self.articles), 6)


def consolidate(
    settings: Settings,
    consolidator: Consolidator,
    *,
    dry_run: bool = False,
    review: bool = False,
    only: list[str] | None = None,
    progress: Callable[[ArticleOutcome], None] | None = None,
) -> RunReport:
    vault = settings.vault
    ledger = Ledger.load(vault)
    run = None if dry_run else unfinished_run(vault)
    report = RunReport(run.id if run else None, dry_run=dry_run, resumed=run is not None)
    report.review = review
    if run is not None:
        _roll_forward(run, ledger)

    analysis = analyse(settings)
    pending = find_pending(analysis.public, ledger)
    in_review(vault, pending)
    report.skipped = pending.skipped
    report.adopted = len(pending.adopted)
    if pending.adopted and not dry_run:
        _adopt(pending, analysis.vault.notes, ledger)
    notes = analysis.vault.notes
    chosen = sorted(pending.by_article)
    if only:
        wanted = []
        for name in only:
            note = article_named(notes.values(), name)
            if note is None:
                raise UsageError(f"--only: no definitive article named {name!r}")
            wanted.append(note.path)
        chosen = [p for p in chosen if p in wanted]

    rules = list(analysis.public.public_of_kind("rule"))
    inputs = []
    for path in chosen:
        try:
            text = (vault / path).read_bytes().decode("utf-8")  # keep \r\n as is
        except (OSError, UnicodeDecodeError) as exc:
            report.skipped.append((path, f"article unreadable ({exc}); its meta articles wait"))
            continue
        article = parse_article(text)
        pinned = pinned_targets(article, ledger.texts.get(path, {}))
        metas = pending.by_article[path]
        inputs.append(
            ArticleInput(
                path,
                notes[path].title,
                text,
                article,
                metas,
                pinned,
                rules,
                analysis.public.is_public(path),
                int(analysis.evidence.current_revision.get(path, "1")),
                {
                    item.block_id: item
                    for item in analysis.evidence.learnings.get(path, [])
                    if item.block_id
                },
            )
        )
    if not inputs:
        if run is not None:
            finish_run(run, ledger)
        return report

    for path, proposal in consolidator.propose_all(inputs):
        item = next(i for i in inputs if i.path == path)
        outcome = _settle(item, proposal)
        report.articles.append(outcome)
        if review and not dry_run:
            entry = audit_entry(None, consolidator.name, item, outcome, proposal)
            record = article_record(outcome, item, merged=outcome.rejected is None)
            outcome.proposal_id = propose(vault, item.text, outcome.new_text, record, entry)
        elif not dry_run:
            if run is None:
                run = Run.start(vault, consolidator.name, consolidator.model)
                report.run_id = run.id
            _record(run, ledger, item, outcome, proposal)
        if progress is not None:
            progress(outcome)
    report.articles.sort(key=lambda a: a.path)
    if run is not None:
        finish_run(run, ledger)
    return report


def article_named(notes: Iterable[Note], name: str) -> Note | None:
    """The definitive article whose title or file name is ``name`` (any case)."""
    wanted = name.casefold()
    for note in notes:
        if note.kind == "definitive" and wanted in (note.title.casefold(), note.stem.casefold()):
            return note
    return None


def _settle(item: ArticleInput, proposal: Proposal) -> ArticleOutcome:
    """Validate and apply one proposal; any problem rejects it whole."""
    outcome = ArticleOutcome(
        item.path, item.title, [m.stem for m in item.metas], usage=proposal.usage,
        cost_usd=proposal.cost_usd,
    )  # fmt: skip
    if proposal.ops is None:
        outcome.rejected = proposal.error or "no answer"
        return outcome
    source_text = "\n".join(m.body for m in item.metas)
    canonical = {name.casefold(): name for name in outcome.sources}
    for op in proposal.ops:  # cite each source by its exact name, whatever case came back
        op.sources = [canonical.get(s.casefold(), s) for s in op.sources]
    try:
        check_ops(proposal.ops, set(outcome.sources), item.pinned, source_text)
        result = apply_ops(copy.deepcopy(item.article), proposal.ops)
        new_text = result.article.render()
        check_result(item.text, new_text)
        if new_text != item.text:  # a change makes a new revision, which runs can name
            new_text = set_revision(new_text, item.revision + 1)
    except (OpError, ValidationError) as exc:
        outcome.rejected = str(exc)
        return outcome
    outcome.applied = result.applied
    cited = {s for op in proposal.ops for s in op.sources}
    for name in outcome.sources:  # Citation rules 6: say why a meta article added nothing
        if name not in cited:
            outcome.applied.append(Applied(Op("noop", [name], reason="no op cited it")))
    if new_text != item.text:
        outcome.diff = "".join(
            difflib.unified_diff(
                item.text.splitlines(keepends=True),
                new_text.splitlines(keepends=True),
                f"a/{item.path}",
                f"b/{item.path}",
            )
        )
    outcome.new_text = new_text
    return outcome


def audit_entry(
    run_id: str | None, mode: str, item: ArticleInput, outcome: ArticleOutcome, proposal: Proposal
) -> dict[str, Any]:
    """The audit log line for one article's request and decision."""
    ops = [
        {**a.op.to_json(), "block_id": a.block_id, "old_text": a.old_text, "new_text": a.new_text}
        for a in outcome.applied
    ]
    return {
        "event": "article",
        "run": run_id,
        "article": item.path,
        "sources": [m.path for m in item.metas],
        "consolidator": mode,
        "model": proposal.model,
        "request_id": proposal.request_id,
        "usage": proposal.usage.to_json(),
        "cost_usd": proposal.cost_usd,
        "ops": ops if outcome.rejected is None else [o.to_json() for o in proposal.ops or []],
        "decision": _decision(outcome),
        "reason": outcome.rejected,
    }


def _record(
    run: Run, ledger: Ledger, item: ArticleInput, outcome: ArticleOutcome, proposal: Proposal
) -> None:
    entry = audit_entry(run.id, run.mode, item, outcome, proposal)
    if outcome.rejected is not None:
        run.rejected[item.path] = outcome.rejected
        run.articles[item.path] = article_record(outcome, item, merged=False)
        run.save()
        audit(run.vault, entry)
        return
    record = article_record(outcome, item, merged=True)
    commit_article(run, ledger, item.path, outcome.new_text if outcome.diff else None, record)
    audit(run.vault, entry)


def commit_article(
    run: Run, ledger: Ledger, path: str, new_text: str | None, record: dict[str, Any]
) -> None:
    """Write one article's new text (if any) and mark its meta articles merged, in that order."""
    run.articles[path] = record
    if new_text is not None:
        run.write_file(path, new_text.encode("utf-8"))
    else:
        run.save()
    mark_merged(ledger, run.id, path, record["metas"], record.get("pinned", []))
    ledger.save()
    checkpoint("after-ledger")


def _decision(outcome: ArticleOutcome) -> str:
    if outcome.rejected is not None:
        return "rejected"
    return "applied" if outcome.diff else "unchanged"


def article_record(outcome: ArticleOutcome, item: ArticleInput, merged: bool) -> dict[str, Any]:
    return {
        "title": item.title,
        "metas": {m.path: m.sha for m in item.metas} if merged else {},
        "sources": outcome.sources,
        "ops": outcome.op_counts(),
        "usage": outcome.usage.to_json(),
        "cost_usd": outcome.cost_usd,
        "rejected": outcome.rejected,
        "pinned": sorted(item.pinned.values()),
    }


def mark_merged(
    ledger: Ledger, run_id: str, article: str, metas: dict[str, str], pinned: list[str]
) -> None:
    for meta, digest in metas.items():
        ledger.merged[meta] = {"sha": digest, "article": article, "run": run_id}
    text = (ledger.path.parent.parent / article).read_bytes().decode("utf-8")
    parsed = parse_article(text)
    ledger.texts[article] = keep_pins(recorded_texts(parsed), ledger.texts.get(article, {}), pinned)


def _adopt(pending: Pending, notes: dict, ledger: Ledger) -> None:
    for meta, article in pending.adopted.items():
        ledger.merged[meta] = {"sha": notes[meta].sha, "article": article, "run": ADOPTED}
    ledger.save()


def _roll_forward(run: Run, ledger: Ledger) -> None:
    """Keep what a killed run wrote, forget what it only planned."""
    for path, record in list(run.articles.items()):
        planned = run.files.get(path)
        if record.get("rejected") or not record.get("metas"):
            continue
        current = file_sha(run.vault / path)
        if planned is None or current == planned.get("after"):
            mark_merged(ledger, run.id, path, record["metas"], record.get("pinned", []))
        else:
            del run.articles[path]
            if planned is not None and current == planned.get("before"):
                del run.files[path]
    ledger.save()
    run.save()


def finish_run(run: Run, ledger: Ledger) -> None:
    ensure_support_notes(run.vault)
    path, text = run_meta_article(run)
    run.write_file(path, text.encode("utf-8"))
    ledger.save()
    run.status = "done"
    run.save()
    checkpoint("run-done")
    audit(run.vault, {"event": "run", "run": run.id, "status": "done", "meta_article": path})
