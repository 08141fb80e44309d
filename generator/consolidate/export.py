"""`definitive export-skills DIR`: an Anthropic Agent Skill folder per proven definitive article,
so agents read the improved skill on their next task and the loop closes.

``DIR/<name>/SKILL.md``: frontmatter ``name`` (1-64 of a-z, 0-9 and single hyphens, equal to
the folder name, without the reserved words "anthropic" and "claude") and ``description``
(under 1,024 characters, the article's trigger-verb description first, no XML tags); the body
holds the skill steps and the strongest learnings and pitfalls, under 500 lines.
``DIR/<name>/references/<name>.md`` is the full article.

DIR may hold other things (the user's own skills, notes): export-skills writes only skill
folders it creates, and lists what it wrote in ``DIR/.definitive-skills.json``. On the next run
it updates those, removes its own files from a skill no longer proven, and leaves everything
else as it is, saying what it left: a folder it did not write is never changed or deleted,
even when a proven skill would take its name.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from generator.consolidate.article import LINK_RE, Bullet, parse_article
from generator.consolidate.edits import is_deprecated
from generator.consolidate.prompt import clean
from generator.consolidate.validate import TextRules, ValidationError, check_text
from generator.filter import PublicView
from generator.model import EMBED_SIZE_RE, Note
from generator.proof import Evidence, Record
from generator.proof.citations import ANY_GROUP_RE, LINK_NAME_RE
from generator.render.emit import atomic_write

MAX_LEARNINGS = 12
MAX_PITFALLS = 8
MAX_LINES = 500
MAX_DESCRIPTION = 1023
RESERVED = ("anthropic", "claude")
_TAG_RE = re.compile(r"<[^>]*>")


MANIFEST = ".definitive-skills.json"
"""The skill folders export-skills wrote in DIR, and their files (DIR-relative paths)."""
FOOTER = "The full article, with every learning and its sources: references/"


@dataclass
class ExportedSkill:
    name: str
    article: str
    record: Record
    revision: str
    left_out: list[str] = field(default_factory=list)
    """Items not exported, each with why (they fail the consolidation's text rules)."""


@dataclass
class ExportReport:
    exported: list[ExportedSkill] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    """Skill folders export-skills wrote before whose article is no longer proven."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(skill name, why): proven skills not written because DIR/<name> is not ours."""
    others: list[str] = field(default_factory=list)
    """Entries of DIR export-skills does not own, left untouched."""


def reference_md(note: Note) -> str:
    """``references/<name>.md``: the full article as plain markdown, its title once."""
    body = plain(note.body).strip()
    return f"{body}\n" if note.h1 else f"# {note.title}\n\n{body}\n"


def skill_name(title: str) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", title.lower()) if w not in RESERVED]
    name = "-".join(words)[:64].strip("-")
    return name or "skill"


def plain(text: str) -> str:
    """Markdown for an agent outside the vault: citations dropped, wikilinks made plain text
    (an embedded image, which is not exported, is named: ``(image: panel.svg)``)."""
    text = ANY_GROUP_RE.sub("", text)
    text = LINK_RE.sub(_link_text, text)
    return re.sub(r"\s\^[A-Za-z0-9-]+\s*$", "", clean(text), flags=re.MULTILINE)


def _link_text(match: re.Match[str]) -> str:
    target, display = match.group(1).strip(), (match.group(2) or "").strip()
    if match.group(0).startswith("!") and EMBED_SIZE_RE.match(display):
        return f"(image: {target.rsplit('/', 1)[-1]})"  # |300 is the image's size, no label
    return display or target


def export_skills(
    view: PublicView, evidence: Evidence, out: Path, *, url_hosts: Collection[str] = ()
) -> ExportReport:
    """Write a skill folder into ``out`` for every article the evidence calls proven (the
    Catalogue's list, so what agents are handed is exactly what the site offers), updating
    the ones written before and touching nothing else (see the module's docstring). Raises
    OSError when ``out`` cannot be written at all."""
    out.mkdir(parents=True, exist_ok=True)
    owned = _read_manifest(out)
    report = ExportReport()
    taken: set[str] = set()
    written: dict[str, list[str]] = {}
    for path in evidence.proven():
        note = view.notes[path]
        record = evidence.articles[path]
        revision = evidence.current_revision.get(path, "1")
        name = skill_name(note.title)
        if name in taken:
            name = f"{name[:60].rstrip('-')}-{len(taken)}"
        taken.add(name)
        folder = out / name
        if not _ours(folder, name, owned):
            report.skipped.append((name, _why_not_ours(folder)))
            continue
        text = (Path(view.vault.root) / path).read_text(encoding="utf-8")
        left_out: list[str] = []
        skill = skill_md(note, text, name, record, revision, url_hosts=url_hosts, left_out=left_out)
        contents = {
            f"{name}/SKILL.md": skill,
            f"{name}/references/{name}.md": reference_md(note),
        }
        for rel, content in contents.items():
            atomic_write(out / rel, content.encode("utf-8"))
        for rel in owned.get(name, []):  # files an earlier export wrote and this one did not
            if rel not in contents:
                _remove_file(out, rel)
        written[name] = sorted(contents)
        report.exported.append(ExportedSkill(name, path, record, revision, left_out))
    for name, files in sorted(owned.items()):
        if name in written or not _ours(out / name, name, owned):
            continue
        for rel in files:
            _remove_file(out, rel)
        _remove_empty(out / name)
        if (out / name).exists():
            written[name] = []  # our files are gone; the user's own are left with the folder
        report.removed.append(name)
    manifest = {"version": 1, "skills": {n: f for n, f in sorted(written.items()) if f}}
    atomic_write(out / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode("utf-8"))
    report.others = sorted(
        entry.name
        for entry in out.iterdir()
        if entry.name != MANIFEST and entry.name not in written
    )
    return report


def _read_manifest(out: Path) -> dict[str, list[str]]:
    """Skill name -> the DIR-relative files export-skills wrote for it (empty when none or
    unreadable: then nothing counts as ours but what looks exactly like an earlier export)."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        skills = data["skills"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    if not isinstance(skills, dict):
        return {}
    return {
        str(name): [f for f in files if isinstance(f, str) and f.startswith(f"{name}/")]
        for name, files in skills.items()
        if isinstance(files, list) and skill_name(str(name)) == name
    }


def _ours(folder: Path, name: str, owned: dict[str, list[str]]) -> bool:
    """Whether export-skills may write in ``folder``: it does not exist, or it is a real folder
    (not a symlink) that an earlier export wrote, by the manifest or, for an export made before
    there was one, by its exact contents."""
    try:
        info = folder.lstat()
    except FileNotFoundError:
        return True
    if not stat.S_ISDIR(info.st_mode):
        return False
    if name in owned:
        return True
    try:
        entries = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
        skill = (folder / "SKILL.md").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    earlier = ["SKILL.md", "references", f"references/{name}.md"]
    return entries == earlier and f"\nname: {name}\n" in skill and FOOTER in skill


def _why_not_ours(folder: Path) -> str:
    if folder.is_symlink():
        return "a symlink export-skills did not make"
    if not folder.is_dir():
        return "a file of the same name"
    return "a folder export-skills did not write"


def _remove_file(out: Path, rel: str) -> None:
    path = out / rel
    if path.is_file() and not path.is_symlink():
        path.unlink()
        _remove_empty(path.parent, stop=out)


def _remove_empty(folder: Path, stop: Path | None = None) -> None:
    """Remove ``folder`` and its empty parents (up to ``stop``) if nothing is left in them."""
    while folder != stop:
        try:
            os.rmdir(folder)  # only ever succeeds on an empty folder
        except OSError:
            return
        folder = folder.parent
        if stop is None:
            return


def _description(note: Note, record: Record) -> str:
    first = _TAG_RE.sub("", str(note.meta.get("description") or "").strip())
    if not first:
        first = f"How to do this task: {note.title}."
    rate = record.success_rate or 0.0
    text = (
        f"{first} Use it for {note.title.lower()} tasks. Proven: {record.successes} of "
        f"{record.decided} runs succeeded ({rate:.0%})."
    )
    return text[:MAX_DESCRIPTION]


def _strongest(bullets: list[Bullet], limit: int) -> list[Bullet]:
    """Live bullets, most-cited first (ties keep article order)."""
    live = [b for b in bullets if not is_deprecated(b)]
    return sorted(live, key=lambda b: -len(b.sources))[:limit]


def _runs(count: int) -> str:
    return f"{count} run" if count == 1 else f"{count} runs"


def skill_md(
    note: Note,
    text: str,
    name: str,
    record: Record,
    revision: str,
    *,
    url_hosts: Collection[str] = (),
    left_out: list[str] | None = None,
) -> str:
    """The SKILL.md: Agent Skills frontmatter (``metadata`` says which article revision it
    is, so a run that followed it can say so with ``skill_version:``), then the steps.

    Every step, learning and pitfall is held to the consolidation's text rules
    (`generator.consolidate.validate.check_text`) before an agent is handed it: one that
    fails (a command to run, an instruction to the reader, a link to a host not on
    ``consolidation_url_hosts``...) is left out, and said so in ``left_out``."""
    article = parse_article(text)
    rules = TextRules(url_hosts=url_hosts, cited_urls_only=False)
    dropped = left_out if left_out is not None else []

    def safe(label: str, value: str) -> str | None:
        shown = plain(value)
        try:
            check_text(shown, rules)
        except ValidationError as exc:
            dropped.append(f"{label} left out: it {exc}")
            return None
        return shown

    metadata = {"definitive-article": note.title, "definitive-revision": revision}
    front = yaml.safe_dump(
        {"name": name, "description": _description(note, record), "metadata": metadata},
        sort_keys=False,
        allow_unicode=True,
        width=10_000,
    )
    lines = ["---", front.rstrip("\n"), "---", f"# {note.title}", ""]
    lines += ["## Steps", ""]
    steps = [safe(f"step {n}", step.text) for n, step in enumerate(article.steps, 1)]
    lines += [f"{n}. {text}" for n, text in enumerate((s for s in steps if s), 1)]
    learnings = [
        (shown, b)
        for b in _strongest(article.learnings, MAX_LEARNINGS)
        if (shown := safe(f"learning {b.block_id or b.text[:40]}", b.text))
    ]
    if learnings:
        lines += ["", "## What we learned (strongest first)", ""]
        lines += [f"- {shown} ({_runs(len(b.sources))})" for shown, b in learnings]
    pitfalls = [
        shown
        for b in _strongest(article.pitfalls, MAX_PITFALLS)
        if (shown := safe(f"pitfall {b.block_id or b.text[:40]}", b.text))
    ]
    if pitfalls:
        lines += ["", "## Pitfalls", ""]
        lines += [f"- {shown}" for shown in pitfalls]
    lines += ["", f"{FOOTER}{name}.md"]
    return "\n".join([*lines[: MAX_LINES - 20], *_record_this_run(note, name, revision)]) + "\n"


def _record_this_run(note: Note, name: str, revision: str) -> list[str]:
    """How the agent that follows the skill feeds its proof: `definitive record` with the
    revision (docs/recording-runs.md). Names are shell-quoted: a title is a person's text."""
    article = name if name == skill_name(note.title) else shlex.quote(note.title)
    agent = LINK_NAME_RE.fullmatch(str(note.meta.get("agent") or "").strip())
    who = shlex.quote(agent.group(1).strip()) if agent else "AGENT"
    if any(c in article + who for c in "`\r\n"):
        article, who = name, "AGENT"
    return [
        "",
        "## Record this run",
        "",
        f"When you are done, record how it went (partial or failure when it did not fully "
        f"succeed), so the run counts for revision {revision} of this skill:",
        "",
        "```bash",
        f"definitive record --article {article} --agent {who} --outcome success "
        f"--skill-version {revision} <<'EOF'",
        "## What was done",
        "## Result",
        "## Learnings",
        "EOF",
        "```",
        "",
        "Add --tokens-in, --tokens-out and --model when you know them. A team that imports its "
        "agents' logs (`definitive import claude-code` or `definitive import otel`) records "
        "the run, and this revision, from the session instead.",
    ]
