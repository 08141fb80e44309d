"""The consolidation commands of the CLI: consolidate, nightly, rollback, history.

`generator.cli` owns the parser and the error handling; this module adds its subcommands and
runs them. Exit codes: 0 done; 1 an article's edits were rejected or the build failed (the rest
is done, and rejected meta articles stay pending for the next run); 2 usage; 75 the vault lock
is held by a live run (try later).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING

from rich.markup import escape

from generator.config import Settings, load_settings
from generator.consolidate.engine import ArticleOutcome, RunReport, article_named, consolidate
from generator.consolidate.offline import OfflineConsolidator
from generator.consolidate.proposal import Consolidator
from generator.consolidate.runmeta import describe_ops
from generator.errors import UsageError
from generator.locks import vault_lock
from generator.wording import plural

if TYPE_CHECKING:
    from generator.cli import Output


def add_parsers(
    commands: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]
) -> None:
    consolidate_p = commands.add_parser(
        "consolidate", help="merge pending meta articles into their definitive articles"
    )
    common(consolidate_p)
    _consolidate_options(consolidate_p)

    nightly = commands.add_parser(
        "nightly", help="consolidate, check and build, under a lock (for cron or CI)"
    )
    common(nightly)
    _consolidate_options(nightly)
    nightly.add_argument("--site-dir", metavar="DIR", help="where to write the site")
    nightly.add_argument("--strict", action="store_true", help="fail on broken/ambiguous links")
    nightly.add_argument(
        "--force",
        action="store_true",
        help="build into a site folder that holds other files (they are deleted)",
    )

    for name, text, argument in SIMPLE_COMMANDS:
        parser = commands.add_parser(name, help=text)
        common(parser)
        if argument is not None:
            dest, metavar, about = argument
            parser.add_argument(dest, metavar=metavar, help=about)


# (command, help, (argument, metavar, help) or None)
SIMPLE_COMMANDS = (
    (
        "rollback",
        "undo a consolidation run: restore its files, re-pend its meta articles",
        ("run_id", "RUN_ID", "as printed by consolidate"),
    ),
    ("review", "list the proposals, flags and held meta articles waiting for a human", None),
    (
        "approve",
        "apply a proposal, release a held meta article, dismiss a flag",
        ("proposal_id", "ID", "as listed by `definitive review`"),
    ),
    (
        "reject",
        "discard a proposal or a held meta article, dismiss a flag",
        ("proposal_id", "ID", "as listed by `definitive review`"),
    ),
    (
        "export-skills",
        "write an Agent Skill folder (SKILL.md) per proven article",
        ("out_dir", "DIR", "where to write the skill folders"),
    ),
    (
        "history",
        "list the runs that changed an article",
        ("article", "ARTICLE", "the definitive article's name"),
    ),
)


def _consolidate_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="show the diff; write nothing")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="merge Learnings bullets without an LLM (the default without ANTHROPIC_API_KEY)",
    )
    parser.add_argument(
        "--only", metavar="ARTICLE", action="append", help="only this article (repeatable)"
    )
    parser.add_argument("--model", metavar="M", help="the Anthropic model to use")
    parser.add_argument(
        "--max-cost-usd", metavar="X", type=float, help="stop before a request would pass X"
    )
    parser.add_argument("--batch", action="store_true", help="use the Message Batches API")
    parser.add_argument(
        "--review",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write proposals for `definitive approve` instead of changing articles "
        "(default: the review config key)",
    )


def run_command(args: argparse.Namespace, output: Output) -> int:
    settings = load_settings(
        vault=args.vault,
        config=args.config,
        site_dir=getattr(args, "site_dir", None),
        strict=getattr(args, "strict", False),
        force=getattr(args, "force", False),
    )
    output.notes(settings)
    writes = args.command in WRITERS and not getattr(args, "dry_run", False)
    with vault_lock(settings.vault, args.command) if writes else nullcontext():
        return _dispatch(args, settings, output)


# Commands that change the vault: they run under the vault lock, one at a time.
WRITERS = ("consolidate", "nightly", "rollback", "approve", "reject")


def _dispatch(args: argparse.Namespace, settings: Settings, output: Output) -> int:
    if args.command == "consolidate":
        report = _consolidate(args, settings, output)
        return 1 if report.rejected else 0
    if args.command == "nightly":
        return cmd_nightly(args, settings, output)
    if args.command == "rollback":
        return cmd_rollback(args, settings, output)
    if args.command in ("review", "approve", "reject"):
        return cmd_review(args, settings, output)
    if args.command == "export-skills":
        return cmd_export(args, settings, output)
    return cmd_history(args, settings, output)


def make_consolidator(
    args: argparse.Namespace, settings: Settings, output: Output | None = None
) -> Consolidator:
    if args.offline or not os.environ.get("ANTHROPIC_API_KEY"):
        if args.batch or args.model:
            raise UsageError("--batch and --model need the Anthropic consolidator (no --offline)")
        return OfflineConsolidator(settings.options.consolidation_url_hosts)
    from generator.consolidate.anthropic_client import AnthropicConsolidator

    return AnthropicConsolidator.from_settings(
        settings,
        model=args.model,
        max_cost_usd=args.max_cost_usd,
        batch=args.batch,
        **({"step": output.step} if output is not None else {}),
    )


def _consolidate(args: argparse.Namespace, settings: Settings, output: Output) -> RunReport:
    consolidator = make_consolidator(args, settings, output)

    def show(outcome: ArticleOutcome) -> None:
        output.info(describe(outcome))
        if args.dry_run and outcome.diff:
            output.out.print(escape(outcome.diff), end="")

    review = settings.options.review if args.review is None else args.review
    report = consolidate(
        settings, consolidator, dry_run=args.dry_run, review=review, only=args.only, progress=show
    )
    for path, why in report.skipped:
        output.err.print(f"{escape(path)}: [yellow]skipped[/yellow]: {escape(why)}")
    cut_short = getattr(consolidator, "cut_short", None)  # the run's time limit stopped it
    if cut_short:
        output.err.print(f"[yellow]stopped early[/yellow]: {escape(cut_short)}")
    output.info(summary(report, consolidator.name))
    return report


def describe(outcome: ArticleOutcome) -> str:
    name = escape(outcome.title)
    usage = outcome.usage
    read, written = usage.cache_read_input_tokens, usage.cache_creation_input_tokens
    cost = f"{usage.input_tokens + read + written} in"
    cost += f" ({read} cache read)" if read else ""
    cost += f" / {usage.output_tokens} out, ${outcome.cost_usd:.4f}"
    if outcome.proposal_id is not None:
        cost += f"; proposal {outcome.proposal_id}: `definitive approve {outcome.proposal_id}`"
    if outcome.rejected is not None:
        return (
            f"[bold]{name}[/bold]: [red]rejected[/red]: {escape(outcome.rejected)} "
            f"({plural(len(outcome.sources), 'meta article')} stay pending; {cost})"
        )
    ops = describe_ops(outcome.op_counts())
    sources = ", ".join(escape(s) for s in outcome.merged) or "none"
    lines = [f"[bold]{name}[/bold]: {ops or 'no change'} from {sources} ({cost})"]
    if outcome.held is not None:
        lines.append(f"  [yellow]held for review[/yellow]: {escape(outcome.held)}")
    for rejected in outcome.rejected_ops:
        lines.append(f"  [red]rejected[/red] {escape(rejected.describe())}")
    for op in outcome.flags:
        lines.append(f"  [yellow]flagged for a human[/yellow]: {escape(op.reason or '')}")
    if outcome.waiting:
        lines.append(f"  still pending: {', '.join(escape(s) for s in outcome.waiting)}")
    return "\n".join(lines)


def summary(report: RunReport, mode: str) -> str:
    usage = report.usage
    done = "would merge" if report.dry_run else "merged"
    if report.review and not report.dry_run:
        done = "proposed merging"
    text = (
        f"{done} {plural(report.merged, 'meta article')} into "
        f"{plural(sum(1 for a in report.articles if a.merged), 'article')}, "
        f"{len(report.rejected)} with rejections; "
        f"{usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens}"
        " tokens in "
        f"({usage.cache_read_input_tokens} cache read, {usage.cache_creation_input_tokens} "
        f"cache write), {usage.output_tokens} out, ${report.cost_usd:.4f} ({mode})"
    )
    if not report.articles:
        text = "nothing pending: every meta article is merged"
    if report.adopted:
        text += f"; {plural(report.adopted, 'already-cited meta article')} recorded as merged"
    if report.run_id:
        text += f"; run {report.run_id}" + (" (resumed)" if report.resumed else "")
    return text


def cmd_nightly(args: argparse.Namespace, settings: Settings, output: Output) -> int:
    from generator.cli import keep_until_exit
    from generator.pipeline import build

    if not args.dry_run:
        settings.require_site_outside_vault()  # refused before consolidating, not after
    report = _consolidate(args, settings, output)
    if args.dry_run:
        return 0
    # The check is the build's own analysis (what `check` would say, and what rendering
    # found): analysing the vault once more for it cost as much as the build's load, links
    # and proof (about 8 s at 20,000 notes). A build that fails shows them with its error.
    built = build(settings, output.step, verbose=args.verbose)
    keep_until_exit(built)
    problems = [f for f in built.findings.sorted() if f.severity != "info"]
    output.findings(problems, None if args.verbose else 20)
    output.info(f"check: {plural(len(problems), 'finding')}")
    output.build_notes(built)
    output.info(f"site {'built' if built.site_built else 'up to date'} in {settings.site_dir}")
    return 1 if report.rejected else 0


def cmd_rollback(args: argparse.Namespace, settings: Settings, output: Output) -> int:
    from generator.consolidate.history import rollback

    result = rollback(settings.vault, args.run_id)
    for rel in result.restored:
        output.info(f"restored {escape(rel)}")
    for rel in result.removed:
        output.info(f"removed {escape(rel)}")
    for rel, why in result.kept:
        output.err.print(f"[yellow]kept[/yellow] {escape(rel)}: {escape(why)}")
    output.info(
        f"rolled back run {args.run_id}: {plural(len(result.restored), 'file')} restored, "
        f"{len(result.removed)} removed, {plural(len(result.pending_again), 'meta article')} "
        "pending again"
    )
    return 0


def cmd_review(args: argparse.Namespace, settings: Settings, output: Output) -> int:
    from generator.consolidate.review import decide, held_metas, open_flags, open_proposals

    vault = settings.vault
    limit = settings.options.max_rejected_attempts
    if args.command in ("approve", "reject"):
        accept = args.command == "approve"
        output.info(escape(decide(vault, args.proposal_id, accept=accept, limit=limit)))
        return 0
    proposals = open_proposals(vault)
    flags = open_flags(vault)
    held = held_metas(vault, limit)
    if not (proposals or flags or held):
        output.info("nothing waiting for review")
        return 0
    for flag in flags:
        target = f" {flag['target']}" if flag.get("target") else ""
        output.out.print(
            f"[bold]{flag['id']}[/bold]  flag on {escape(flag['article'])}{escape(target)}: "
            f"{escape(str(flag.get('reason')))} (run {escape(str(flag.get('run')))})"
        )
    for held_id, path, entry in held:
        reasons = "; ".join(str(r) for r in entry.get("reasons", []))
        output.out.print(
            f"[bold]{held_id}[/bold]  {escape(path)}: held after {entry.get('count')} rejected "
            f"attempts ({escape(reasons)}); approve sends it again, reject records it as reviewed"
        )
    for proposal in proposals:
        record = proposal.record
        output.out.print(
            f"[bold]{proposal.id}[/bold]  {escape(record['title'])}: "
            f"{escape(describe_ops(record['ops']) or 'no change')} from "
            f"{escape(', '.join(record['sources']))} (${record.get('cost_usd', 0):.4f})"
        )
        output.out.print(escape(proposal.diff(vault)), end="")
    output.info(
        f"{plural(len(proposals), 'proposal')}, {plural(len(flags), 'flag')}, "
        f"{plural(len(held), 'held meta article')}: "
        "`definitive approve ID` or `definitive reject ID`"
    )
    return 0


def cmd_export(args: argparse.Namespace, settings: Settings, output: Output) -> int:
    from pathlib import Path

    from generator.consolidate.export import MANIFEST, export_skills
    from generator.pipeline import analyse

    out = Path(args.out_dir).expanduser().resolve()
    if out == settings.vault or settings.vault in out.parents:
        raise UsageError(f"{out}: write skills outside the vault")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: not a folder (export-skills writes one folder per skill in it)")
    analysis = analyse(settings)
    hosts = settings.options.consolidation_url_hosts
    try:
        report = export_skills(analysis.public, analysis.evidence, out, url_hosts=hosts)
    except OSError as exc:
        raise UsageError(f"{out}: cannot write skills there: {exc.strerror or exc}") from None
    for skill in report.exported:
        record = skill.record
        output.info(
            f"{escape(skill.name)}/SKILL.md  (revision {skill.revision}; "
            f"{record.successes} of {record.decided} runs succeeded)"
        )
        for why in skill.left_out:
            output.err.print(f"  [yellow]{escape(skill.name)}[/yellow]: {escape(why)}")
    for name in report.removed:
        output.info(f"{escape(name)}/: removed the files export-skills wrote (no longer proven)")
    for name, why in report.skipped:
        output.err.print(
            f"[yellow]left[/yellow] {escape(name)}/ untouched: {why}; skill not exported "
            "(move it away to export it)"
        )
    if report.others:
        shown = ", ".join(escape(n) for n in report.others[:5])
        more = f" and {len(report.others) - 5} more" if len(report.others) > 5 else ""
        output.info(
            f"left {len(report.others)} other entr{'y' if len(report.others) == 1 else 'ies'} "
            f"of {escape(str(out))} untouched: {shown}{more}"
        )
    output.info(
        f"exported {plural(len(report.exported), 'proven skill')} to {escape(str(out))}; what "
        f"export-skills owns there is listed in {MANIFEST}"
    )
    return 0


def cmd_history(args: argparse.Namespace, settings: Settings, output: Output) -> int:
    from generator.consolidate.history import history
    from generator.pipeline import analyse

    note = article_named(analyse(settings).vault.notes.values(), args.article)
    if note is None:
        raise UsageError(f"no definitive article named {args.article!r}")
    entries = history(settings.vault, note.path)
    if not entries:
        output.info(f"{escape(note.title)}: no consolidation run has changed it")
        return 0
    for entry in entries:
        what = f"rejected: {entry.rejected}" if entry.rejected else describe_ops(entry.ops)
        output.out.print(
            f"{entry.run_id}  {entry.started}  {entry.status:<11} {entry.mode:<9} "
            f"{escape(what or 'no change')}  <- {escape(', '.join(entry.sources))}"
        )
    return 0
