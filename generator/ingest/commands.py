"""The commands that bring runs in: ``definitive record`` and ``definitive import
claude-code | otel``. `generator.cli` owns the parser and the error handling; this module adds
its subcommands and runs them.

Exit codes: 0 done (runs written, updated or unchanged; logs that belong to no article are
passed over); 1 a run could not be written (a model with no price, a name in the project
mapping that matches no note, several notes with one source); 2 usage: an unknown article or
agent given on the command line, a bad value, a missing file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from generator.config import Settings, load_settings
from generator.errors import UsageError
from generator.ingest.figures import PriceBook
from generator.ingest.mapping import parse_projects
from generator.ingest.names import Catalog
from generator.ingest.runs import Choice, Observed, Skipped, assemble
from generator.ingest.writer import RunDraft, Writer, Written
from generator.locks import runs_lock
from generator.model import OUTCOMES
from generator.wording import plural

if TYPE_CHECKING:
    from generator.cli import Output

COMMANDS = ("record", "import")
MAX_STDIN = 2_000_000


def add_parsers(
    commands: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]
) -> None:
    record = commands.add_parser(
        "record",
        help="write one run as a meta article (the body, or --json, on standard input)",
    )
    common(record)
    record.add_argument("--article", metavar="NAME", help="the definitive article (required)")
    record.add_argument("--agent", metavar="NAME", help="the agent that did the task (required)")
    record.add_argument("--outcome", choices=OUTCOMES, help="how it went (required)")
    record.add_argument("--tokens-in", metavar="N", help="input tokens, cached ones included")
    record.add_argument("--tokens-out", metavar="N", help="output tokens")
    record.add_argument("--cost-usd", metavar="X", help="dollars (else priced from the tokens)")
    record.add_argument("--duration-s", metavar="N", help="seconds the task took")
    record.add_argument("--model", metavar="M", help="the model that did the work")
    record.add_argument("--price-usd", metavar="X", help="what the customer paid")
    record.add_argument("--triggers", metavar="AGENT", help="the agent this run handed off to")
    record.add_argument("--date", metavar="D", help="YYYY-MM-DD (default: today)")
    record.add_argument("--title", metavar="T", help="the file name's last part")
    record.add_argument(
        "--skill-version", metavar="N", help="the SKILL.md revision followed (definitive-revision)"
    )
    record.add_argument("--source", metavar="ID", help="an id: recording it again updates the run")
    record.add_argument(
        "--json", action="store_true", help="read every field as one JSON object on stdin"
    )
    record.add_argument(
        "--dry-run", action="store_true", help="print the meta article; write nothing"
    )

    imports = commands.add_parser("import", help="turn agent logs into meta articles")
    kinds = imports.add_subparsers(dest="log", required=True, metavar="LOG")
    claude = kinds.add_parser("claude-code", help="Claude Code session transcripts (JSONL)")
    claude.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="session files or folders of them (default: ~/.claude/projects)",
    )
    otel = kinds.add_parser("otel", help="OpenTelemetry GenAI spans (OTLP JSON files)")
    otel.add_argument("paths", nargs="+", metavar="FILE", help="the collector's file exports")
    for parser in (claude, otel):
        common(parser)
        parser.add_argument("--article", metavar="NAME", help="every run is of this article")
        parser.add_argument("--agent", metavar="NAME", help="every run is by this agent")
        parser.add_argument(
            "--outcome",
            choices=[o for o in OUTCOMES if o != "unknown"],
            help="every run ended so (default: unknown, for a person to set)",
        )
        parser.add_argument(
            "--since", metavar="DATE", help="only runs active since: YYYY-MM-DD, or 7d / 12h ago"
        )
        parser.add_argument("--dry-run", action="store_true", help="say what would be written")


def run_command(args: argparse.Namespace, output: Output) -> int:
    settings = load_settings(vault=args.vault, config=args.config)
    output.notes(settings)
    if args.command == "record":
        return cmd_record(args, settings, output)
    return cmd_import(args, settings, output)


def _catalog(settings: Settings) -> tuple[Catalog, Writer]:
    from generator.analysis import analyse

    vault = analyse(settings).vault
    return Catalog(vault), Writer(vault)


def _stdin() -> str:
    if sys.stdin is None or sys.stdin.isatty():
        return ""  # nothing piped in: never wait on a terminal
    data = sys.stdin.read(MAX_STDIN + 1)
    if len(data) > MAX_STDIN:
        raise UsageError(f"standard input is longer than {MAX_STDIN:,} characters")
    return data


FLAGS = {
    "article": "article", "agent": "agent", "outcome": "outcome", "tokens_in": "tokens_in",
    "tokens_out": "tokens_out", "cost_usd": "cost_usd", "duration_s": "duration_s",
    "model": "model", "price_usd": "price_usd", "triggers": "triggers", "date": "date",
    "title": "title", "skill_version": "skill_version", "source": "source",
}  # fmt: skip


def cmd_record(args: argparse.Namespace, settings: Settings, output: Output) -> int:
    from generator.ingest.record import build
    from generator.ingest.writer import render

    values: dict[str, Any] = {}
    text = _stdin()
    if args.json:
        try:
            loaded = json.loads(text or "null")
        except ValueError as exc:
            raise UsageError(f"--json: standard input is not JSON: {exc}") from None
        if not isinstance(loaded, dict):
            raise UsageError("--json: standard input must be one JSON object of the run's fields")
        values.update(loaded)
    else:
        values["body"] = text
    values.update({k: getattr(args, a) for k, a in FLAGS.items() if getattr(args, a) is not None})
    # A run with a source is looked up, then written: take turns with other writers of runs.
    turn = runs_lock(settings.vault) if values.get("source") and not args.dry_run else nullcontext()
    with turn:
        catalog, writer = _catalog(settings)
        recorded = build(values, catalog, PriceBook(settings.options), today=dt.date.today())
        written = writer.write(recorded.draft, dry_run=args.dry_run)
    if args.dry_run:
        output.out.print(escape(render(recorded.draft)), end="")
    priced = " (cost from the price table)" if recorded.cost_computed else ""
    output.info(f"{escape(written.path)}: {written.describe()}{priced}")
    return 0


def parse_since(value: str | None, now: dt.datetime | None = None) -> dt.datetime | None:
    if value is None:
        return None
    now = now or dt.datetime.now().astimezone()
    match = re.fullmatch(r"\s*(\d+)\s*([dh])\s*", value)
    if match:
        amount = int(match.group(1))
        return now - (
            dt.timedelta(days=amount) if match.group(2) == "d" else dt.timedelta(hours=amount)
        )
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise UsageError(
            f"--since {value!r}: expected YYYY-MM-DD, an ISO time, or 7d / 12h"
        ) from None
    return moment if moment.tzinfo else moment.astimezone()  # a bare date: local midnight


def cmd_import(args: argparse.Namespace, settings: Settings, output: Output) -> int:
    # Every imported run has a source, looked up then written: one writer of runs at a time,
    # or two imports at once could each write the same session.
    with runs_lock(settings.vault) if not args.dry_run else nullcontext():
        return _import(args, settings, output)


def _import(args: argparse.Namespace, settings: Settings, output: Output) -> int:
    catalog, writer = _catalog(settings)
    choice = Choice(
        article=catalog.article(args.article) if args.article else None,
        agent=catalog.agent(args.agent) if args.agent else None,
        outcome=args.outcome,
    )
    since = parse_since(args.since)
    book = PriceBook(settings.options, str(settings.config_file or "mkdocs.yml"))
    rules = parse_projects(settings.options.claude_code_projects, str(settings.config_file))
    report = Report(output, args.dry_run)
    if args.log == "claude-code":
        _claude_code(args, since, book, report)
    else:
        _otel(args, since, report)
    for seen, origin in report.pending:
        try:
            draft = assemble(seen, choice, catalog, rules, book)
            report.written(origin, draft, writer.write(draft, dry_run=args.dry_run))
        except Skipped as skip:
            report.skipped(origin, skip.reason, failed=skip.failed)
        except UsageError as exc:
            report.skipped(origin, str(exc), failed=True)
    report.summary()
    return 1 if report.failed else 0


def _claude_code(
    args: argparse.Namespace, since: dt.datetime | None, book: PriceBook, report: Report
) -> None:
    from generator.ingest.claude_code import (
        default_root,
        find_sessions,
        last_activity,
        observe,
        read_session,
    )

    paths = [Path(p) for p in args.paths] or [default_root()]
    if not args.paths and not paths[0].is_dir():
        raise UsageError(f"{paths[0]}: no Claude Code sessions here (give PATH)")
    sessions, passed = find_sessions(paths)
    for path, why in passed:
        report.skipped(str(path), why, failed=why.startswith("no such"))
    for path in sessions:
        if since is not None and last_activity(path) < since.timestamp():
            report.old += 1
            continue
        session = read_session(path)
        report.unknown.update(session.unknown)
        report.bad_lines += session.bad_lines
        seen = observe(session, book)
        if seen is None:
            report.skipped(str(path), "no model call with token usage in it")
            continue
        if since is not None and seen.ended < since:
            report.old += 1
            continue
        report.detail(
            f"{escape(str(path))}: {plural(session.usage_lines, 'usage line')} -> "
            f"{plural(len(session.calls), 'call')}"
            + (f", {len(session.copied)} copied from another session" if session.copied else "")
        )
        report.pending.append((seen, str(path)))


def _otel(args: argparse.Namespace, since: dt.datetime | None, report: Report) -> None:
    from generator.ingest.otel import read, runs

    paths = [Path(p).expanduser() for p in args.paths]
    for path in paths:
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    reading = read(paths)
    report.bad_lines += reading.bad_lines + reading.bad_spans
    if reading.other_documents:
        report.detail(
            f"{plural(reading.other_documents, 'document')} without spans (logs or metrics) "
            "passed over"
        )
    found, empty = runs(reading)
    if empty:
        report.detail(f"{plural(empty, 'trace')} without token usage passed over")
    for seen in found:
        if since is not None and seen.ended < since:
            report.old += 1
            continue
        report.pending.append((seen, seen.source))


class Report:
    """What an import did, printed as it goes, and its summary."""

    def __init__(self, output: Output, dry_run: bool) -> None:
        self.output, self.dry_run = output, dry_run
        self.pending: list[tuple[Observed, str]] = []
        self.counts: Counter[str] = Counter()
        self.unknown: Counter[str] = Counter()
        self.bad_lines = 0
        self.old = 0
        self.failed = 0

    def detail(self, message: str) -> None:
        if self.output.verbose:
            self.output.info(f"[dim]{message}[/dim]")

    def written(self, origin: str, draft: RunDraft, written: Written) -> None:
        self.counts[written.status] += 1
        tokens = draft.tokens_in + draft.tokens_out
        self.output.info(
            f"{escape(written.path)}: {written.describe()} ({escape(draft.article.name)}, "
            f"{escape(draft.agent.name)}, {draft.outcome}; {tokens:,} tokens, "
            f"${draft.cost_usd:.4f})"
        )
        self.detail(f"  from {escape(origin)}")

    def skipped(self, origin: str, reason: str, *, failed: bool = False) -> None:
        if failed:
            self.failed += 1
            self.output.err.print(f"{escape(origin)}: [red]not imported[/red]: {escape(reason)}")
        else:
            self.counts["skipped"] += 1
            self.detail(f"{escape(origin)}: passed over: {escape(reason)}")

    def summary(self) -> None:
        verb = "would be " if self.dry_run else ""
        parts = [
            f"{self.counts['created']} {verb}created",
            f"{self.counts['updated']} {verb}updated",
            f"{self.counts['unchanged']} unchanged",
            f"{self.counts['skipped']} passed over (no article or no model call; -v says why)",
        ]
        if self.failed:
            parts.append(f"{self.failed} not imported")
        if self.old:
            parts.append(f"{self.old} older than --since")
        text = "runs: " + ", ".join(parts)
        if self.unknown:
            kinds = ", ".join(f"{escape(k)} ({n})" for k, n in sorted(self.unknown.items()))
            skipped = plural(sum(self.unknown.values()), "record")
            text += f"; skipped {skipped} of unknown type: {kinds}"
        if self.bad_lines:
            text += "; skipped " + plural(
                self.bad_lines, "unreadable line or span", "unreadable lines or spans"
            )
        self.output.info(text)
