"""``definitive import claude-code``: Claude Code session transcripts as runs.

Claude Code keeps each session as JSON Lines under ``~/.claude/projects/<project>/<session>.jsonl``
(``$CLAUDE_CONFIG_DIR/projects`` when that is set), and its subagents' transcripts under
``<session>/subagents/agent-*.jsonl``. One session file is one run, ``source:
claude-code:<session>``. How its figures are counted:

- **One call, one count.** Claude Code writes one API response as several ``assistant`` lines
  (one per content block, and streaming snapshots whose ``output_tokens`` grow), each
  repeating the call's ``usage``. Lines sharing ``message.id`` (else ``requestId``) are one
  call, counted once, from its final snapshot (the line with the most output tokens; the
  later one on a tie). Summing every line counts a call 1.6-3.7 times over.
- **Each kind of token.** Uncached input (``input_tokens``), cache writes split into 5-minute
  and 1-hour (``usage.cache_creation.ephemeral_5m_input_tokens`` / ``ephemeral_1h_...``; a
  write the split does not cover counts as 5-minute, the API's default), cache reads, output;
  each priced at its own rate for the call's model.
- **Subagents count for their session.** A subagent's calls (``isSidechain: true``, in the
  session's file or in its ``subagents/`` folder) were made, and paid for, by the session's
  work: they are in its figures, and its body says how much was theirs. A subagent file is
  never a run of its own.
- **Copies are not counted twice.** A line that names another session (``sessionId``) whose
  own file sits beside this one, for a call that file holds too, is a copy made when that
  session was resumed: it counts in that session only.
- Lines that are not JSON, and record types this importer does not know, are skipped and
  counted (the command says how many of each); never a crash.

Nothing of the transcript is copied into the vault but the session's summary or first
request (redacted, one line, made inert), the tools used with their counts and the files
changed: no tool output, no model text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from generator.errors import UsageError
from generator.ingest.figures import PriceBook, Tokens
from generator.ingest.runs import Observed, SkillUse
from generator.ingest.text import code, inert, model_name, printable
from generator.wording import plural

KNOWN_TYPES = frozenset(
    {"user", "assistant", "summary", "system", "progress", "file-history-snapshot"}
)
"""Record types read or knowingly passed over; any other is counted as unknown."""
CHANGES = {"Edit": "file_path", "MultiEdit": "file_path", "Write": "file_path",
           "NotebookEdit": "notebook_path"}  # fmt: skip
WRAPPERS = ("<command-", "<local-command", "Caveat:", "This session is being continued",
            "Base directory for this skill:", "[Request interrupted")  # fmt: skip
"""User lines Claude Code writes itself: never the session's request."""
SKILL_PREFIX = "Base directory for this skill:"
REVISION_RES = (
    re.compile(r"definitive-revision:\s*['\"]?(\d{1,6})\b"),
    re.compile(r"--skill-version[ =]+['\"]?(\d{1,6})\b"),
)
ARTICLE_RE = re.compile(r"definitive-article:\s*(.+)")
MAX_FILES_SHOWN = 12


def default_root() -> Path:
    base = os.environ.get("CLAUDE_CONFIG_DIR") or "~/.claude"
    return Path(base).expanduser() / "projects"


@dataclass
class Call:
    model: str | None
    tokens: Tokens
    sidechain: bool


@dataclass
class Session:
    """What one session file (and its subagents' files) says, counted."""

    id: str
    path: Path
    project: str | None = None
    calls: dict[str, Call] = field(default_factory=dict)
    lines: int = 0
    usage_lines: int = 0
    started: dt.datetime | None = None
    ended: dt.datetime | None = None
    summary: str | None = None
    request: str | None = None
    tool_uses: dict[str, str] = field(default_factory=dict)
    """Tool-use id -> tool name (a call's blocks are spread over its snapshot lines)."""
    changed: Counter[str] = field(default_factory=Counter)
    reads: set[str] = field(default_factory=set)
    skills: list[SkillUse] = field(default_factory=list)
    unknown: Counter[str] = field(default_factory=Counter)
    bad_lines: int = 0
    copied: set[str] = field(default_factory=set)
    subagent_files: int = 0
    _skill_reads: dict[str, str] = field(default_factory=dict)

    @property
    def tools(self) -> Counter[str]:
        return Counter(self.tool_uses.values())


def find_sessions(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Session files under ``paths`` (files or folders), and what was passed over, and why."""
    found: dict[Path, None] = {}
    passed: list[tuple[Path, str]] = []
    for given in paths:
        path = given.expanduser()
        if path.is_dir():
            for item in sorted(path.rglob("*.jsonl")):
                if not _subagent(item) and item.is_file():
                    found[item] = None
        elif path.is_file():
            if _subagent(path):
                passed.append(
                    (path, "a subagent's transcript counts with its session: import the session")
                )
            else:
                found[path] = None
        else:
            passed.append((path, "no such file or folder"))
    return list(found), passed


def _subagent(path: Path) -> bool:
    return "subagents" in path.parts or "workflows" in path.parts


def subagent_files(session: Path) -> list[Path]:
    folder = session.with_suffix("") / "subagents"
    return sorted(folder.rglob("agent-*.jsonl")) if folder.is_dir() else []


def last_activity(session: Path) -> float:
    """The newest modification time of the session's files (to pass over old ones unread)."""
    return max(p.stat().st_mtime for p in [session, *subagent_files(session)])


def read_session(path: Path) -> Session:
    session = Session(path.stem, path)
    homes: dict[str, frozenset[str]] = {}
    _read_file(session, path, sidechain_file=False, homes=homes)
    for extra in subagent_files(path):
        session.subagent_files += 1
        _read_file(session, extra, sidechain_file=True, homes=homes)
    return session


def _lines(path: Path) -> Iterator[Any]:
    with path.open("rb") as handle:
        for raw in handle:
            if not raw.strip():
                continue
            try:
                yield json.loads(raw)
            except (ValueError, RecursionError):
                yield None


def _read_file(
    session: Session, path: Path, *, sidechain_file: bool, homes: dict[str, frozenset[str]]
) -> None:
    for record in _lines(path):
        session.lines += 1
        if not isinstance(record, dict):
            session.bad_lines += 1
            continue
        kind = record.get("type")
        if not isinstance(kind, str) or kind not in KNOWN_TYPES:
            session.unknown[printable(str(kind))[:40] or "?"] += 1
            continue
        if not sidechain_file and _copied(session, record, homes):
            continue
        _timestamp(session, record.get("timestamp"))
        if session.project is None and isinstance(record.get("cwd"), str):
            session.project = record["cwd"]
        sidechain = sidechain_file or record.get("isSidechain") is True
        if kind == "summary" and isinstance(record.get("summary"), str):
            session.summary = record["summary"]
        elif kind == "assistant":
            _assistant(session, record, sidechain)
        elif kind == "user":
            _user(session, record, sidechain)


def _copied(session: Session, record: dict[str, Any], homes: dict[str, frozenset[str]]) -> bool:
    """Whether the line is a copy of another session's line (made when that session was
    resumed): it names that session, whose own file beside this one holds the same line."""
    owner = record.get("sessionId")
    if not isinstance(owner, str) or not owner or owner == session.id:
        return False
    home = _home_lines(session.path.parent, owner, homes)
    if not home:
        return False
    keys = _line_keys(record)
    if not keys & home:
        return False
    calls = [k for k in keys if not k.startswith("line:")]
    if record.get("type") == "assistant" and calls:
        session.copied.update(calls)
    return True


def _line_keys(record: dict[str, Any]) -> set[str]:
    keys = {f"line:{record['uuid']}"} if isinstance(record.get("uuid"), str) else set()
    message = record.get("message")
    if record.get("type") == "assistant" and isinstance(message, dict):
        key = _call_key(record, message)
        if key is not None:
            keys.add(key)
    return keys


def _timestamp(session: Session, value: Any) -> None:
    if not isinstance(value, str):
        return
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if session.started is None or moment < session.started:
        session.started = moment
    if session.ended is None or moment > session.ended:
        session.ended = moment


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def tokens_of(usage: dict[str, Any]) -> Tokens:
    """Anthropic's ``usage`` block, each kind apart."""
    written = _count(usage.get("cache_creation_input_tokens"))
    split = usage.get("cache_creation")
    five = one = 0
    if isinstance(split, dict):
        five = _count(split.get("ephemeral_5m_input_tokens"))
        one = _count(split.get("ephemeral_1h_input_tokens"))
    five += max(0, written - five - one)  # what the split does not cover: the 5-minute default
    return Tokens(
        input=_count(usage.get("input_tokens")),
        cache_write_5m=five,
        cache_write_1h=one,
        cache_read=_count(usage.get("cache_read_input_tokens")),
        output=_count(usage.get("output_tokens")),
    )


def _call_key(record: dict[str, Any], message: dict[str, Any]) -> str | None:
    for value, prefix in ((message.get("id"), "msg"), (record.get("requestId"), "req"),
                          (record.get("uuid"), "line")):  # fmt: skip
        if isinstance(value, str) and value:
            return f"{prefix}:{value}"
    return None


def _assistant(session: Session, record: dict[str, Any], sidechain: bool) -> None:
    message = record.get("message")
    if not isinstance(message, dict):
        return
    key = _call_key(record, message)
    if key is None:
        return
    usage = message.get("usage")
    model = message.get("model")
    if isinstance(usage, dict) and model != "<synthetic>":
        session.usage_lines += 1
        tokens = tokens_of(usage)
        known = session.calls.get(key)
        if known is None or tokens.output >= known.tokens.output:  # the final snapshot
            session.calls[key] = Call(model_name(model), tokens, sidechain)
    content = message.get("content")
    for block in content if isinstance(content, list) else ():
        if isinstance(block, dict) and block.get("type") == "tool_use":
            _tool_use(session, block)


def _tool_use(session: Session, block: dict[str, Any]) -> None:
    name = block.get("name")
    ident = block.get("id")
    if not isinstance(name, str) or not name:
        return
    name = re.sub(r"[^A-Za-z0-9_.:-]", "", name)[:64] or "tool"
    session.tool_uses[
        ident if isinstance(ident, str) and ident else f"#{len(session.tool_uses)}"
    ] = name
    given = block.get("input")
    given = given if isinstance(given, dict) else {}
    if name in CHANGES and isinstance(given.get(CHANGES[name]), str):
        session.changed[given[CHANGES[name]]] += 1
    elif name == "Read" and isinstance(given.get("file_path"), str):
        path = given["file_path"]
        session.reads.add(path)
        if PurePosixPath(path.replace("\\", "/")).name == "SKILL.md" and isinstance(ident, str):
            session._skill_reads[ident] = PurePosixPath(path.replace("\\", "/")).parent.name
    elif name == "Skill":
        skill = given.get("skill") or given.get("command")
        if isinstance(skill, str) and skill.strip():
            session.skills.append(SkillUse(_skill_name(skill)))


def _skill_name(value: str) -> str:
    """``plugin:grading-an-article`` or ``/grading-an-article`` -> ``grading-an-article``."""
    return value.strip().lstrip("/").rsplit(":", 1)[-1].strip()


def _user(session: Session, record: dict[str, Any], sidechain: bool) -> None:
    message = record.get("message")
    if not isinstance(message, dict):
        return
    content = message.get("content")
    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
    for block in blocks if isinstance(blocks, list) else ():
        if not isinstance(block, dict):
            continue
        if block.get("type") == "tool_result":
            name = session._skill_reads.pop(str(block.get("tool_use_id")), None)
            if name is not None:
                session.skills.append(_loaded(name, _text(block.get("content"))))
            continue
        text = block.get("text") if block.get("type") == "text" else None
        if not isinstance(text, str):
            continue
        if text.lstrip().startswith(SKILL_PREFIX):
            folder = text.lstrip()[len(SKILL_PREFIX) :].split("\n", 1)[0].strip()
            name = PurePosixPath(folder.replace("\\", "/")).name
            if name:
                session.skills.append(_loaded(name, text))
        elif (
            session.request is None
            and not sidechain
            and record.get("isMeta") is not True
            and text.strip()
            and not text.lstrip().startswith(WRAPPERS)
        ):
            session.request = text


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str)
        )
    return ""


def _loaded(name: str, text: str) -> SkillUse:
    """A skill as loaded: its revision and article read from its own text, when it says."""
    revision = next((m.group(1) for r in REVISION_RES if (m := r.search(text))), None)
    article = ARTICLE_RE.search(text)
    title = article.group(1).strip().strip("'\"") if article else None
    return SkillUse(name, title, revision)


def _home_lines(folder: Path, owner: str, homes: dict[str, frozenset[str]]) -> frozenset[str]:
    """The lines and calls the session ``owner``'s own file (beside this one) holds."""
    if owner not in homes:
        home = folder / f"{owner}.jsonl"
        keys: set[str] = set()
        if re.fullmatch(r"[A-Za-z0-9_-]{1,100}", owner) and home.is_file():
            for record in _lines(home):
                if isinstance(record, dict):
                    keys |= _line_keys(record)
        homes[owner] = frozenset(keys)
    return homes[owner]


def safe_id(stem: str) -> str:
    """A session id fit for frontmatter and the marker line: Claude Code's are UUIDs; any
    other file name keeps its safe characters and a hash of the rest, so it stays unique."""
    kept = re.sub(r"[^A-Za-z0-9._-]", "", stem)[:100]
    if kept == stem and kept:
        return kept
    return f"{kept[:80]}-{hashlib.sha256(stem.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"


def observe(session: Session, book: PriceBook) -> Observed | None:
    """The run a session is (None: it made no model call), its figures counted."""
    if session.started is None or session.ended is None:
        return None
    by_model: dict[str, Tokens] = {}
    side = Tokens()
    side_by_model: dict[str, Tokens] = {}
    side_calls = 0
    for call in session.calls.values():
        model = call.model or "unknown"
        by_model.setdefault(model, Tokens())
        by_model[model] += call.tokens
        if call.sidechain:
            side += call.tokens
            side_by_model.setdefault(model, Tokens())
            side_by_model[model] += call.tokens
            side_calls += 1
    if not by_model:
        return None
    try:
        side_cost = sum(book.cost(m, t) for m, t in side_by_model.items())
    except UsageError:  # an unknown model: the whole run is refused when it is priced
        side_cost = 0.0
    return Observed(
        source=f"claude-code:{safe_id(session.id)}",
        title=session.summary or session.request or "",
        started=session.started,
        ended=session.ended,
        by_model=by_model,
        body=describe(session, len(session.calls), side_calls),
        skills=session.skills,
        project=session.project,
        sidechain=side,
        sidechain_cost=side_cost,
        calls=len(session.calls),
        sidechain_calls=side_calls,
    )


def describe(session: Session, calls: int, side_calls: int) -> list[str]:
    """The "What was done" lines: the request, the session, tools and files. Inert text."""
    lines = []
    if session.summary:
        lines.append(f"Summary: {inert(session.summary, 300)}")
    elif session.request:
        lines.append(f"Request: {inert(session.request, 300)}")
    where = ""
    if session.project:
        folder = PurePosixPath(session.project.replace("\\", "/")).name
        where = f" in the project folder {code(folder)}"
    subagents = f" ({side_calls} by subagents)" if side_calls else ""
    assert session.started is not None and session.ended is not None
    start, end = session.started.astimezone(dt.UTC), session.ended.astimezone(dt.UTC)
    span = f"{start:%Y-%m-%d %H:%M} to {end:%H:%M} UTC"
    if end.date() != start.date():
        span = f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
    lines += [
        "",
        f"Claude Code session {code(safe_id(session.id))}{where}: {plural(calls, 'model call')}"
        f"{subagents}, {span}.",
    ]
    tools = session.tools
    if tools:
        used = ", ".join(
            f"{name} × {n}" for name, n in sorted(tools.items(), key=lambda i: (-i[1], i[0]))
        )
        lines += ["", f"Tools used: {used}."]
    if session.changed:
        shown = [
            f"{code(_relative(p, session.project))}" + (f" ({n} edits)" if n > 1 else "")
            for p, n in sorted(session.changed.items())[:MAX_FILES_SHOWN]
        ]
        more = len(session.changed) - len(shown)
        lines += [
            "",
            "Files changed: " + ", ".join(shown) + (f", and {more} more" if more else "") + ".",
        ]
    if session.reads:
        lines += ["", f"Files read: {len(session.reads)}."]
    return lines


def _relative(path: str, project: str | None) -> str:
    """A path inside the project folder relative to it; elsewhere only its last two parts
    (never a home folder's full path)."""
    posix = PurePosixPath(path.replace("\\", "/"))
    if project:
        try:
            return str(posix.relative_to(PurePosixPath(project.replace("\\", "/"))))
        except ValueError:
            pass
    parts = posix.parts[-2:]
    return "…/" + "/".join(parts) if len(posix.parts) > 2 else str(posix)
