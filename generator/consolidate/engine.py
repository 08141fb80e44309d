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
import datetime as dt
import difflib
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.analysis import Analysis, analyse
from generator.config import Options, Settings
from generator.consolidate.article import Article, parse_article, set_revision
from generator.consolidate.edits import (
    Applied,
    Op,
    OpError,
    Rejected,
    aliases,
    apply_op,
    is_deprecated,
)
from generator.consolidate.ledger import ADOPTED, Ledger, Pending, find_pending
from generator.consolidate.proposal import ArticleInput, Consolidator, Proposal, Usage
from generator.consolidate.review import add_flags, in_review, propose
from generator.consolidate.runlog import Run, audit, file_sha, unfinished_run
from generator.consolidate.runmeta import ensure_support_notes, run_meta_article
from generator.consolidate.similar import DUPLICATE_AT, contradicts, similarity
from generator.consolidate.state import checkpoint, now
from generator.consolidate.validate import (
    ValidationError,
    changes_existing,
    check_op,
    check_result,
    pinned_aliases,
    record_after,
)
from generator.errors import UsageError
from generator.model import Note


@dataclass
class ArticleOutcome:
    path: str
    title: str
    sources: list[str]
    """Names of the meta articles sent for this article."""
    applied: list[Applied] = field(default_factory=list)
    rejected_ops: list[Rejected] = field(default_factory=list)
    """Ops decided against, each with its reason; the others still landed."""
    rejected: str | None = None
    """Why nothing of the answer could be used (no answer, not JSON, no ops at all...)."""
    merged: list[str] = field(default_factory=list)
    """Meta articles an applied op cites or a noop explains: recorded as merged."""
    held: str | None = None
    """Why the answer waits for review instead of landing (a wholesale change)."""
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    diff: str = ""
    new_text: str | None = None
    proposal_id: str | None = None
    """With --review (or a held answer): the proposal waiting for `definitive approve`."""

    @property
    def waiting(self) -> list[str]:
        """Meta articles that stay pending: no applied op cites them."""
        return [s for s in self.sources if s not in self.merged]

    @property
    def flags(self) -> list[Op]:
        return [a.op for a in self.applied if a.op.op == "flag_for_human"]

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
        """Meta articles merged (or, with review, proposed for merging); held answers aside."""
        return sum(len(a.merged) for a in self.articles if a.held is None)

    @property
    def rejected(self) -> list[ArticleOutcome]:
        """Articles with any rejection: the whole answer, or some of its ops."""
        return [a for a in self.articles if a.rejected is not None or a.rejected_ops]

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
    options = settings.options
    ledger = Ledger.load(vault)
    run = None if dry_run else unfinished_run(vault)
    report = RunReport(run.id if run else None, dry_run=dry_run, resumed=run is not None)
    report.review = review
    answered: dict[str, Proposal] = {}
    if run is not None:
        _roll_forward(run, ledger)
        answered = _stored_answers(run)

    analysis = analyse(settings)
    pending = find_pending(analysis.public, ledger, options.max_rejected_attempts)
    in_review(vault, pending)
    report.skipped = pending.skipped
    report.adopted = len(pending.adopted)
    if pending.adopted and not dry_run:
        _adopt(pending, analysis.vault.notes, ledger)
    chosen = sorted(pending.by_article)
    if only:
        wanted = []
        for name in only:
            note = article_named(analysis.vault.notes.values(), name)
            if note is None:
                raise UsageError(f"--only: no definitive article named {name!r}")
            wanted.append(note.path)
        chosen = [p for p in chosen if p in wanted]
    elif getattr(consolidator, "paid", False):
        chosen = [p for p in chosen if _ready(p, pending.by_article[p], options, report)]
        chosen = _worth_a_request(chosen, pending.by_article, options, report)

    inputs = []
    for path in chosen:
        item = _input(analysis, ledger, path, pending.by_article[path])
        if isinstance(item, str):
            report.skipped.append((path, item))
        else:
            inputs.append(item)
    if not inputs:
        if run is not None:
            finish_run(run, ledger)
        return report
    if run is None and not dry_run and not review:
        # Started before any request: an answer is recorded (and its cost counted) the moment
        # it arrives, so a run killed before using it never asks, and pays, for it again.
        run = Run.start(vault, consolidator.name, consolidator.model)
        report.run_id = run.id

    by_path = {item.path: item for item in inputs}
    to_ask = [item for item in inputs if item.path not in answered]
    stored = [[(item.path, answered[item.path])] for item in inputs if item.path in answered]
    for answer in itertools.chain(stored, consolidator.propose_all(to_ask)):
        if run is not None:
            _store_answers(run, [(p, a) for p, a in answer if p not in answered])
        for path, proposal in answer:
            outcome = _decide(vault, run, ledger, by_path[path], proposal, consolidator.name,
                              options, report, dry_run=dry_run, review=review)  # fmt: skip
            if progress is not None:
                progress(outcome)
    report.articles.sort(key=lambda a: a.path)
    if run is not None:
        finish_run(run, ledger)
    return report


def _decide(
    vault: Path,
    run: Run | None,
    ledger: Ledger,
    item: ArticleInput,
    proposal: Proposal,
    mode: str,
    options: Options,
    report: RunReport,
    *,
    dry_run: bool,
    review: bool,
) -> ArticleOutcome:
    """Settle one article's share of an answer and record it (or propose it, with review):
    each article lands, waits or is rejected on its own, whatever the others of the answer."""
    path = item.path
    outcome = settle(item, proposal, options)
    report.articles.append(outcome)
    if dry_run:
        pass
    elif review or (outcome.held and outcome.new_text is not None):
        # Nothing lands: a proposal waits for `definitive approve` (or only the audit line,
        # when nothing of the answer is usable), and rejections are counted as usual.
        entry = audit_entry(None, mode, item, outcome, proposal)
        if outcome.held:
            entry["held"] = outcome.held
        record = article_record(outcome, item)
        text = outcome.new_text if outcome.merged else None
        outcome.proposal_id = propose(vault, item.text, text, record, entry)
        _count_rejections(ledger, item, outcome, proposal, options)
        ledger.save()
        if run is not None:
            run.articles.pop(path, None)
            run.save()
    else:
        assert run is not None
        _record(run, ledger, item, outcome, proposal, options)
    return outcome


def _ready(path: str, metas: list[Note], options: Options, report: RunReport) -> bool:
    """Whether a paid consolidator should be asked about ``path`` now: enough meta articles
    wait for it, or the oldest has waited long enough. ``--only`` asks regardless."""
    if len(metas) >= options.batch_min_meta_articles:
        return True
    dates = [d for m in metas if (d := _day(m.meta.get("date"))) is not None]
    oldest = min(dates) if dates else None
    today = now().date()
    if oldest is None or (today - oldest).days >= options.batch_max_wait_days:
        return True
    due = oldest + dt.timedelta(days=options.batch_max_wait_days)
    for meta in metas:
        report.skipped.append(
            (
                meta.path,
                f"waiting for a batch: {len(metas)} of {options.batch_min_meta_articles} meta "
                f"articles for its article, or until {due.isoformat()}",
            )
        )
    return False


def _worth_a_request(
    chosen: list[str], by_article: dict[str, list[Note]], options: Options, report: RunReport
) -> list[str]:
    """The ready articles, if together they are worth a request: the request's fixed part
    (instructions, rules, schema: about as much as a dozen meta articles) is paid once a run,
    so a run asks when its ready articles carry ``batch_min_request_meta_articles`` meta
    articles in all, or one of them has waited ``batch_max_wait_days``; else all wait."""
    metas = [m for p in chosen for m in by_article[p]]
    if not metas or len(metas) >= options.batch_min_request_meta_articles:
        return chosen
    today = now().date()
    dates = [d for m in metas if (d := _day(m.meta.get("date"))) is not None]
    if len(dates) < len(metas) or (today - min(dates)).days >= options.batch_max_wait_days:
        return chosen
    due = min(dates) + dt.timedelta(days=options.batch_max_wait_days)
    for meta in metas:
        report.skipped.append(
            (
                meta.path,
                f"waiting for a fuller request: {len(metas)} of "
                f"{options.batch_min_request_meta_articles} meta articles ready, or until "
                f"{due.isoformat()}",
            )
        )
    return []


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _input(analysis: Analysis, ledger: Ledger, path: str, metas: list[Note]) -> ArticleInput | str:
    """What the consolidator is given for one article, or why it is not asked."""
    vault = Path(analysis.vault.root)
    try:
        text = (vault / path).read_bytes().decode("utf-8")  # keep \r\n as is
    except (OSError, UnicodeDecodeError) as exc:
        return f"article unreadable ({exc}); its meta articles wait"
    article = parse_article(text)
    pinned = pinned_aliases(article, ledger.texts.get(path))
    previous: list[str] = []
    for meta in metas:
        attempts = ledger.rejected(meta)
        if attempts:
            previous += [r for r in attempts.get("reasons", []) if r not in previous]
    evidence = analysis.evidence
    return ArticleInput(
        path,
        analysis.vault.notes[path].title,
        text,
        article,
        metas,
        {alias: alias for alias in sorted(pinned)},
        list(analysis.public.public_of_kind("rule")),
        analysis.public.is_public(path),
        int(evidence.current_revision.get(path, "1")),
        {i.block_id: i for i in evidence.learnings.get(path, []) if i.block_id},
        description=str(analysis.vault.notes[path].meta.get("description") or ""),
        previous=previous,
    )


def article_named(notes: Iterable[Note], name: str) -> Note | None:
    """The definitive article whose title or file name is ``name`` (any case)."""
    wanted = name.casefold()
    for note in notes:
        if note.kind == "definitive" and wanted in (note.title.casefold(), note.stem.casefold()):
            return note
    return None


def settle(item: ArticleInput, proposal: Proposal, options: Options) -> ArticleOutcome:
    """Decide each op of an answer on its own: valid ops land, rejected ones are kept with
    their reason, and the guards fold near-duplicates and hold wholesale changes for review."""
    outcome = ArticleOutcome(
        item.path, item.title, [m.stem for m in item.metas], usage=proposal.usage,
        cost_usd=proposal.cost_usd,
    )  # fmt: skip
    if proposal.ops is None:
        outcome.rejected = proposal.error or "no answer"
        return outcome
    if not proposal.ops:
        outcome.rejected = "the answer held no ops: its meta articles stay pending"
        return outcome
    inputs = {m.stem: m.body for m in item.metas}
    canonical = {name.casefold(): name for name in inputs}
    for op in proposal.ops:  # cite each source by its exact name, whatever case came back
        op.sources = [canonical.get(s.casefold(), s) for s in op.sources]
    ops = fold_duplicates(item.article, proposal.ops)
    working = copy.deepcopy(item.article)
    table = aliases(working)  # aliases of the article as it was, on the copy being edited
    taken = working.block_ids()
    pinned = frozenset(item.pinned)
    merged_away: list[str] = []
    merged_steps = 0
    for index, op in enumerate(ops, 1):
        try:
            check_op(op, inputs, pinned, options.consolidation_url_hosts)
            trial = copy.deepcopy((working, table, taken))
            applied = apply_op(trial[0], op, trial[1], trial[2], pinned)
        except (ValidationError, OpError) as exc:
            outcome.rejected_ops.append(Rejected(index, op, str(exc)))
            continue
        gone = _removed(table, trial[1], op)
        if op.op == "merge_learnings" and gone:
            merged_away.append(gone)
        merged_steps += op.op == "merge_steps"
        working, table, taken = trial
        outcome.applied.append(applied)
    outcome.merged = sorted({s for a in outcome.applied for s in a.op.sources})
    new_text = working.render()
    try:
        check_result(item.text, new_text, merged_away, merged_steps)
    except ValidationError as exc:  # defensive: each op passed, their sum must too
        outcome.applied, outcome.merged = [], []
        outcome.rejected = f"the edits together failed a check: {exc}"
        return outcome
    if new_text != item.text:  # a change makes a new revision, which runs can name
        new_text = set_revision(new_text, item.revision + 1)
        outcome.diff = "".join(
            difflib.unified_diff(
                item.text.splitlines(keepends=True),
                new_text.splitlines(keepends=True),
                f"a/{item.path}",
                f"b/{item.path}",
            )
        )
    outcome.new_text = new_text
    outcome.held = wholesale(item.article, outcome.applied, options)
    return outcome


def _removed(before: dict[str, Any], after: dict[str, Any], op: Op) -> str | None:
    """The block id of the learning a merge folded away, if any."""
    for alias in (op.target, op.other):
        item = before.get((alias or "").upper())
        if item is not None and getattr(item, "block_id", None):
            still = [b for b in after.values() if getattr(b, "block_id", None) == item.block_id]
            if not still:
                return str(item.block_id)
    return None


def fold_duplicates(article: Article, ops: list[Op]) -> list[Op]:
    """An ``add_learning`` that says what a learning already says becomes a confirmation of
    it (or a contradiction, when it says the opposite); a second add saying what an earlier
    add of the same answer says is folded into that one."""
    live = {
        alias: item.text
        for alias, item in aliases(article).items()
        if alias.startswith("L") and not is_deprecated(item)  # type: ignore[arg-type]
    }
    added: list[Op] = []
    result: list[Op] = []
    for op in ops:
        if op.op != "add_learning" or op.problem or not op.text:
            result.append(op)
            continue
        best, score = None, 0.0
        for alias, text in live.items():
            value = similarity(op.text, text)
            if value > score:
                best, score = alias, value
        if best is not None and score >= DUPLICATE_AT:
            if contradicts(op.text, live[best]):
                folded = Op("contradict_learning", op.sources, target=best, reason=op.text)
            else:
                folded = Op("confirm_learning", op.sources, target=best)
            folded.folded = f"near-duplicate of {best}: {op.text[:80]}"
            result.append(folded)
            continue
        twin = next(
            (a for a in added if a.text and similarity(op.text, a.text) >= DUPLICATE_AT), None
        )
        if twin is not None:
            twin.sources = list(dict.fromkeys([*twin.sources, *op.sources]))
            folded = Op("noop", op.sources, reason="the same lesson as another new learning")
            folded.folded = f"near-duplicate of a new learning: {op.text[:80]}"
            result.append(folded)
            continue
        added.append(op)
        result.append(op)
    return result


def wholesale(article: Article, applied: list[Applied], options: Options) -> str | None:
    """Why an answer must wait for a human before it lands, or None: it rewrites, deprecates,
    merges or retires too much of the article, or adds too much at once."""
    items = len(aliases(article))
    touched = {
        (alias or "").upper()
        for a in applied
        if changes_existing(a.op)
        for alias in (a.op.target, a.op.other)
        if alias
    }
    limit = max(2.0, options.max_change_share * items)
    if len(touched) > limit:
        return (
            f"it would change {len(touched)} of the article's {items} items (more than "
            f"{options.max_change_share:.0%}, extra.definitive.max_change_share)"
        )
    added = sum(1 for a in applied if a.op.op in ("add_learning", "add_pitfall"))
    if added > options.max_new_learnings:
        return (
            f"it would add {added} learnings and pitfalls at once (more than "
            f"{options.max_new_learnings}, extra.definitive.max_new_learnings)"
        )
    return None


def audit_entry(
    run_id: str | None, mode: str, item: ArticleInput, outcome: ArticleOutcome, proposal: Proposal
) -> dict[str, Any]:
    """The audit log line for one article's request and decision, op by op."""
    ops = [
        {
            **a.op.to_json(),
            "decision": "applied",
            "block_id": a.block_id,
            "old_text": a.old_text,
            "new_text": a.new_text,
        }
        for a in outcome.applied
    ]
    ops += [
        {**r.op.to_json(), "decision": "rejected", "reason": r.reason} for r in outcome.rejected_ops
    ]
    return {
        "event": "article",
        "run": run_id,
        "article": item.path,
        "sources": [m.path for m in item.metas],
        "merged": [m.path for m in item.metas if m.stem in outcome.merged],
        "consolidator": mode,
        "model": proposal.model,
        "request_id": proposal.request_id,
        "usage": proposal.usage.to_json(),
        "cost_usd": proposal.cost_usd,
        "ops": ops,
        "decision": _decision(outcome),
        "reason": outcome.rejected or outcome.held,
    }


def _record(
    run: Run,
    ledger: Ledger,
    item: ArticleInput,
    outcome: ArticleOutcome,
    proposal: Proposal,
    options: Options,
) -> None:
    entry = audit_entry(run.id, run.mode, item, outcome, proposal)
    record = article_record(outcome, item)
    held = _count_rejections(ledger, item, outcome, proposal, options)
    if held:
        record["held_metas"] = held
    if outcome.rejected is not None:
        run.rejected[item.path] = outcome.rejected
    if outcome.flags:
        add_flags(run.vault, run.id, item.path, outcome.flags)
    commit_article(run, ledger, item.path, outcome.new_text if outcome.diff else None, record)
    audit(run.vault, entry)


def _count_rejections(
    ledger: Ledger,
    item: ArticleInput,
    outcome: ArticleOutcome,
    proposal: Proposal,
    options: Options,
) -> list[str]:
    """One more rejected attempt for each meta article that stays pending, with the reasons
    (they go with the next request); returns those now held for a human. A request that was
    never answered (an outage, the time limit, the cost cap) is no attempt: nights of outage
    must not hold meta articles for review, nor tell the model it was wrong."""
    if proposal.ops is None and proposal.request_id is None:
        return []
    reasons = [outcome.rejected] if outcome.rejected else []
    reasons += [r.describe() for r in outcome.rejected_ops]
    held = []
    for meta in item.metas:
        if meta.stem in outcome.waiting:
            why = reasons or ["no applied op cites it"]
            if ledger.reject(meta, item.path, why) >= options.max_rejected_attempts:
                held.append(meta.stem)
    return held


def commit_article(
    run: Run, ledger: Ledger, path: str, new_text: str | None, record: dict[str, Any]
) -> None:
    """Write one article's new text (if any) and mark its meta articles merged, in that order;
    the ledger learns which texts are now the consolidator's (the rest stay a human's)."""
    run.articles[path] = record
    if record.get("metas"):
        try:
            old = (run.vault / path).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            old = new_text or ""
        written = record.get("machine_written") or []
        ledger.texts[path] = record_after(
            parse_article(old), parse_article(new_text or old), ledger.texts.get(path), written
        )
    if new_text is not None:
        run.write_file(path, new_text.encode("utf-8"))
    else:
        run.save()
    mark_merged(ledger, run.id, path, record["metas"])
    ledger.save()
    checkpoint("after-ledger")


def _decision(outcome: ArticleOutcome) -> str:
    if outcome.rejected is not None:
        return "rejected"
    if outcome.held is not None:
        return "held"
    if outcome.rejected_ops:
        return "partly applied" if outcome.merged else "rejected"
    return "applied" if outcome.diff else "unchanged"


def article_record(outcome: ArticleOutcome, item: ArticleInput) -> dict[str, Any]:
    merged = set(outcome.merged)
    return {
        "title": item.title,
        "metas": {m.path: m.sha for m in item.metas if m.stem in merged},
        "sources": outcome.sources,
        "merged": outcome.merged,
        "ops": outcome.op_counts(),
        "usage": outcome.usage.to_json(),
        "cost_usd": outcome.cost_usd,
        "rejected": outcome.rejected,
        "rejected_ops": [r.describe() for r in outcome.rejected_ops],
        "flags": [op.reason for op in outcome.flags],
        "held": outcome.held,
        "pinned": sorted(item.pinned),
        # Texts this run wrote (not those it only cited a run for): the consolidator's now.
        "machine_written": [
            a.new_text for a in outcome.applied if a.new_text and a.new_text != a.old_text
        ],
    }


def mark_merged(ledger: Ledger, run_id: str, article: str, metas: dict[str, str]) -> None:
    for meta, digest in metas.items():
        ledger.merge(meta, digest, article, run_id)


def _store_answers(run: Run, answer: list[tuple[str, Proposal]]) -> None:
    """Keep an answer, every article's share of it (and what it cost), in the run record
    before any of it is decided: a run killed half-way through applying it uses the rest
    next time instead of asking, and paying, again."""
    if not answer:
        return
    for path, proposal in answer:
        run.articles[path] = {"answer": proposal.to_json(), "status": "answered"}
    run.save()
    checkpoint("after-answer")


def _stored_answers(run: Run) -> dict[str, Proposal]:
    """Answers a killed run received but did not act on: used instead of asking again."""
    found = {}
    for path, record in run.articles.items():
        if record.get("status") == "answered" and isinstance(record.get("answer"), dict):
            found[path] = Proposal.from_json(record["answer"])
    return found


def _adopt(pending: Pending, notes: dict, ledger: Ledger) -> None:
    for meta, article in pending.adopted.items():
        ledger.merge(meta, notes[meta].sha, article, ADOPTED)
    ledger.save()


def _roll_forward(run: Run, ledger: Ledger) -> None:
    """Keep what a killed run wrote, forget what it only planned."""
    for path, record in list(run.articles.items()):
        planned = run.files.get(path)
        if record.get("status") == "answered" or not record.get("metas"):
            continue
        current = file_sha(run.vault / path)
        if planned is None or current == planned.get("after"):
            mark_merged(ledger, run.id, path, record["metas"])
            _record_texts(ledger, run, path, record)
        else:
            del run.articles[path]
            if planned is not None and current == planned.get("before"):
                del run.files[path]
    ledger.save()
    run.save()


def _record_texts(ledger: Ledger, run: Run, path: str, record: dict[str, Any]) -> None:
    """The machine-written texts of an article a resumed run kept (see `record_after`)."""
    try:
        now = parse_article((run.vault / path).read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError):
        return
    before = run.previous_bytes(path)
    old = parse_article(before.decode("utf-8")) if before is not None else now
    written = record.get("machine_written") or []
    ledger.texts[path] = record_after(old, now, ledger.texts.get(path), written)


def finish_run(run: Run, ledger: Ledger) -> None:
    if not run.articles and not run.files:
        # Every answer went to review or was unusable: nothing changed, nothing to record
        # as the consolidator's run (the audit log has each decision).
        run.status = "done"
        run.save()
        ledger.save()
        return
    ensure_support_notes(run.vault)
    path, text = run_meta_article(run)
    run.write_file(path, text.encode("utf-8"))
    ledger.save()
    run.status = "done"
    run.save()
    checkpoint("run-done")
    audit(run.vault, {"event": "run", "run": run.id, "status": "done", "meta_article": path})
