"""The ``definitive`` command line: build, serve, check, and the consolidation commands
(consolidate, nightly, rollback, history: see `generator.consolidate.commands`).

Exit codes: 0 success; 1 findings (check), a failed build or rejected edits; 2 usage or
configuration errors; 75 the vault lock is held; 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from generator import __version__
from generator.config import Settings, load_settings
from generator.errors import DefinitiveError, UsageError
from generator.findings import Finding, Findings
from generator.pipeline import Advance, BuildReport
from generator.secrets import redact
from generator.wording import plural


def _ignore(n: int) -> None:
    pass


SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "dim"}


class _Console(Console):
    """Prints no secret, whatever a message quotes (an error, MkDocs' warnings): each is
    redacted first, its ``[REDACTED:kind]`` escaped as text rather than markup."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        clean = [
            redact(o, personal=False).replace("[REDACTED:", "\\[REDACTED:")
            if isinstance(o, str)
            else o
            for o in objects
        ]
        super().print(*clean, **kwargs)


class Output:
    """Where messages go: quiet prints only errors, verbose adds every step and finding."""

    def __init__(self, verbose: bool, quiet: bool) -> None:
        self.verbose, self.quiet = verbose, quiet
        # No emoji codes: "notes/x.md:100: ..." printed ":100:" as an emoji.
        self.out = _Console(highlight=False, soft_wrap=True, emoji=False)
        self.err = _Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)

    def info(self, message: str) -> None:
        if not self.quiet:
            self.out.print(message)

    def build_notes(self, report: BuildReport) -> None:
        """What a build has to say besides its findings: MkDocs' warnings, and notes on how it
        rendered (a second rendering process that stopped), for `build` and `nightly` alike."""
        for message in report.mkdocs_warnings:
            self.err.print(f"[yellow]mkdocs:[/yellow] {escape(message)}")
        for message in report.plan.notices:
            self.err.print(f"[yellow]note:[/yellow] {escape(message)}")

    def notes(self, settings: Settings) -> None:
        """How the settings were chosen, when the user should know (stderr, not with -q)."""
        if not self.quiet:
            for note in settings.notes:
                self.err.print(f"[yellow]note:[/yellow] {escape(note)}")

    def step(self, name: str, total: int | None = None) -> AbstractContextManager[Advance]:
        return self._step(name, total)

    @contextmanager
    def _step(self, name: str, total: int | None) -> Iterator[Advance]:
        """A progress bar on a terminal (a spinner when the size is unknown); timings with -v."""
        started = time.perf_counter()
        if self.quiet or not self.out.is_terminal:
            yield _ignore
        else:
            columns = [SpinnerColumn(), TextColumn("{task.description}")]
            if total:
                columns += [BarColumn(), MofNCompleteColumn()]
            columns.append(TimeElapsedColumn())
            with Progress(*columns, console=self.out, transient=True) as progress:
                task = progress.add_task(name, total=total)
                yield lambda n: progress.advance(task, n)
        if self.verbose:
            self.out.print(f"[dim]{name}: {time.perf_counter() - started:.2f}s[/dim]")

    def findings(self, items: Sequence[Finding], limit: int | None) -> None:
        if self.quiet:
            items = [f for f in items if f.severity == "error"]
        shown = list(items) if limit is None else list(items)[:limit]
        for f in shown:
            style = SEVERITY_STYLE[f.severity]
            self.err.print(
                f"{escape(f.location())}: [{style}]{f.severity}[/{style}] "
                f"[bold]{f.code}[/bold]: {escape(f.message)}"
            )
        if len(shown) < len(items):
            self.err.print(f"… and {len(items) - len(shown)} more (use --verbose to see all)")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vault", metavar="DIR", help="the Obsidian vault (default: vault/)")
    parser.add_argument(
        "--config", metavar="FILE", help="the site's mkdocs.yml (default: ./mkdocs.yml if any)"
    )
    _noise(parser, argparse.SUPPRESS)


def _noise(parser: argparse.ArgumentParser, default: object) -> None:
    """-v/-q work before or after the command (the subcommand's copy must not reset them)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="show every step and finding"
    )
    group.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="print errors only"
    )


CORE_COMMANDS = ("build", "serve", "check")
"""Commands whose parsing needs no other command's options (see `make_parser`)."""


def make_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser. ``command``: the one named on the command line, when it
    is one of `CORE_COMMANDS`: the consolidation's and the importers' parsers are left out,
    and their modules unimported (about 0.2 s of a nightly build's start-up). Any other
    command, a typo or ``--help`` gets every parser."""
    parser = argparse.ArgumentParser(
        prog="definitive",
        description="Build the proof site of an Obsidian vault of agent work logs.",
    )
    parser.add_argument("--version", action="version", version=f"definitive {__version__}")
    _noise(parser, False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="build the static site into site/")
    _common(build)
    build.add_argument("--site-dir", metavar="DIR", help="where to write the site (default: site/)")
    build.add_argument("--strict", action="store_true", help="fail on any broken or ambiguous link")
    build.add_argument(
        "--force",
        action="store_true",
        help="build into a site folder that holds other files (they are deleted)",
    )
    build.add_argument(
        "--cold",
        action="store_true",
        help="forget the build cache first: read every note, render and index every page",
    )

    serve = commands.add_parser("serve", help="preview the site, rebuilding when the vault changes")
    _common(serve)
    serve.add_argument("--dev-addr", metavar="HOST:PORT", help="default: 127.0.0.1:8000")
    serve.add_argument("--port", metavar="N", type=int, help="the port to serve on (default 8000)")

    check = commands.add_parser(
        "check", help="lint the vault: links, frontmatter, block ids, secrets"
    )
    _common(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument(
        "--cold",
        action="store_true",
        help="read every note again, trusting nothing in the build cache (a vault's cache you "
        "did not make)",
    )
    if command in CORE_COMMANDS:
        return parser

    from generator.consolidate.commands import add_parsers

    add_parsers(commands, _common)
    from generator.ingest.commands import add_parsers as add_ingest_parsers

    add_ingest_parsers(commands, _common)
    return parser


_LEFT_FOR_EXIT: list[object] = []
"""What a build made, kept alive until the process ends (`main`)."""


def keep_until_exit(report: object) -> None:
    """Keep a build's report alive until the program ends: `main` then leaves without
    freeing it object by object."""
    _LEFT_FOR_EXIT.append(report)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``definitive`` program (``argv`` None) or a command run in-process (tests)."""
    code = _main(argv)
    # Not under a profiler or a tracer (cProfile, coverage): they write their results at exit.
    watched = sys.getprofile() is not None or sys.gettrace() is not None
    if argv is None and _LEFT_FOR_EXIT and not watched:
        # The program ends here: a build's notes, graph and site plan are millions of objects,
        # and freeing them one by one on the way out took 0.4 s of a night at 20,000 notes.
        # Everything is written, every helper process joined: flush the output and go.
        for stream in (sys.stdout, sys.stderr):
            with suppress(OSError, ValueError):  # a closed pipe: nothing more to say anyway
                stream.flush()
        os._exit(code)
    return code


def _main(argv: Sequence[str] | None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    # Options before the command are -v, -q, --version and --help, none taking a value.
    parser = make_parser(next((w for w in words if not w.startswith("-")), None))
    args = parser.parse_args(argv)
    if args.verbose and args.quiet:
        parser.error("-v/--verbose and -q/--quiet cannot be used together")
    output = Output(args.verbose, args.quiet)
    try:
        if args.command == "build":
            return cmd_build(args, output)
        if args.command == "serve":
            return cmd_serve(args, output)
        if args.command in ("record", "import"):
            from generator.ingest.commands import run_command as run_ingest

            return run_ingest(args, output)
        if args.command != "check":
            from generator.consolidate.commands import run_command

            return run_command(args, output)
        return cmd_check(args, output)
    except DefinitiveError as exc:
        if exc.findings:
            output.findings(exc.findings, None if args.verbose else 20)
        output.err.print(f"[bold red]error:[/bold red] {escape(str(exc))}")
        return exc.exit_code
    except KeyboardInterrupt:
        output.err.print("interrupted")
        return 130


def _settings(args: argparse.Namespace, output: Output, **extra: object) -> Settings:
    settings = load_settings(vault=args.vault, config=args.config, **extra)  # type: ignore[arg-type]
    output.notes(settings)
    return settings


def cmd_build(args: argparse.Namespace, output: Output) -> int:
    from generator.pipeline import build

    settings = _settings(args, output, site_dir=args.site_dir, strict=args.strict, force=args.force)
    report = build(settings, output.step, verbose=args.verbose, cold=args.cold)
    keep_until_exit(report)
    problems = [f for f in report.findings.sorted() if f.severity != "info" or args.verbose]
    output.findings(problems, None if args.verbose else 20)
    output.build_notes(report)
    if args.verbose and report.plan.body_processes > 1:
        output.info(f"[dim]Note pages laid out in {report.plan.body_processes} processes[/dim]")
    if args.verbose and report.mkdocs_processes:
        pages, processes = report.mkdocs_pages, report.mkdocs_processes
        processes_text = plural(processes, "process", "processes")
        output.info(f"[dim]MkDocs rendered {plural(pages, 'page')} in {processes_text}[/dim]")
    if args.verbose and report.search is not None:
        bundles, early = len(report.search.bundles), report.search.streamed_pages
        indexed = report.search.indexed
        output.info(
            f"[dim]Pagefind index: {plural(bundles, 'bundle')}, {indexed} indexed again; "
            f"{plural(early, 'page')} indexed during the MkDocs step[/dim]"
        )
    s = report.summary()
    site = "built" if report.site_built else "up to date"
    output.info(
        f"{s['notes']} notes ({s['published']} published), {s['pages']} pages, {s['links']} links, "
        f"{s['broken']} broken, {s['ambiguous']} ambiguous; emitted "
        f"{plural(int(s['written']), 'file')}, removed {s['deleted']}; site {site} in "
        f"{escape(str(settings.site_dir))} ({s['seconds']}s)"
    )
    return 0


def cmd_check(args: argparse.Namespace, output: Output) -> int:
    from generator.pipeline import analyse

    settings = _settings(args, output)
    analysis = analyse(settings, cache=not args.cold)
    findings: Findings = analysis.findings
    items = findings.sorted()
    failing = [f for f in items if f.severity != "info"]
    if args.format == "json":
        document = {
            "vault": str(settings.vault),
            "notes": len(analysis.vault.notes),
            "findings": [f.to_json() for f in items],
        }
        print(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        shown = items if args.verbose else failing
        output.findings(shown, None)
        if not output.quiet:
            counts = ", ".join(f"{n} {code}" for code, n in sorted(findings.by_code().items()))
            verdict = "clean" if not failing else plural(len(failing), "finding")
            output.info(
                f"{len(analysis.vault.notes)} notes checked: {verdict}"
                + (f" ({counts})" if counts else "")
            )
    return 1 if failing else 0


def cmd_serve(args: argparse.Namespace, output: Output) -> int:
    from generator.pipeline import analyse, render
    from generator.publish.mkdocs_site import check_port, serve_site

    settings = _settings(args, output)
    reported: set[Finding] = set()

    def emit_docs() -> tuple[list[dict[str, str]], bool]:
        analysis = analyse(settings, save_cache=True)
        plan, emitted = render(settings, analysis)
        fresh = [f for f in analysis.findings.sorted() if f.severity != "info"]
        output.findings([f for f in fresh if f not in reported], None)
        reported.clear()
        reported.update(fresh)
        if emitted.changed:
            written = plural(len(emitted.written), "page or file", "pages and files")
            output.info(f"re-emitted {written}")
        return plan.nav, emitted.changed

    address = args.dev_addr or "127.0.0.1:8000"
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise UsageError(f"--dev-addr {address!r}: expected HOST:PORT, e.g. 127.0.0.1:8000")
    number = args.port if args.port is not None else int(port)
    if not 0 < number < 65536:
        raise UsageError(f"port {number}: expected a number from 1 to 65535")
    check_port(host.strip("[]"), number)  # a busy port says so before any work
    shown = f"[{host}]" if ":" in host else host
    output.info(
        f"serving {escape(str(settings.vault))} on http://{shown}:{number}/ (Ctrl+C to stop)"
    )
    serve_site(settings, emit_docs, host.strip("[]"), number, verbose=args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
