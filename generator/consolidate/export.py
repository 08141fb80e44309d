"""`definitive export-skills DIR`: an Anthropic Agent Skill folder per proven definitive article,
so agents read the improved skill on their next task and the loop closes.

``DIR/<name>/SKILL.md``: frontmatter ``name`` (1-64 of a-z, 0-9 and single hyphens, equal to
the folder name, without the reserved words "anthropic" and "claude") and ``description``
(under 1,024 characters, the article's trigger-verb description first, no XML tags); the body
holds the skill steps and the strongest learnings and pitfalls, under 500 lines.
``DIR/<name>/references/<name>.md`` is the full article.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from generator.consolidate.article import LINK_RE, Bullet, parse_article
from generator.consolidate.edits import is_deprecated
from generator.consolidate.prompt import clean
from generator.consolidate.validate import TextRules, ValidationError, check_text
from generator.filter import PublicView
from generator.model import Note
from generator.proof import Evidence, Record
from generator.proof.citations import ANY_GROUP_RE, LINK_NAME_RE
from generator.render.emit import atomic_write

MAX_LEARNINGS = 12
MAX_PITFALLS = 8
MAX_LINES = 500
MAX_DESCRIPTION = 1023
RESERVED = ("anthropic", "claude")
_TAG_RE = re.compile(r"<[^>]*>")


@dataclass
class ExportedSkill:
    name: str
    article: str
    record: Record
    revision: str
    left_out: list[str] = field(default_factory=list)
    """Items not exported, each with why (they fail the consolidation's text rules)."""


def skill_name(title: str) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", title.lower()) if w not in RESERVED]
    name = "-".join(words)[:64].strip("-")
    return name or "skill"


def plain(text: str) -> str:
    """Markdown for an agent outside the vault: citations dropped, wikilinks made plain text."""
    text = ANY_GROUP_RE.sub("", text)
    text = LINK_RE.sub(lambda m: (m.group(2) or m.group(1)).strip(), text)
    return re.sub(r"\s\^[A-Za-z0-9-]+\s*$", "", clean(text), flags=re.MULTILINE)


def export_skills(
    view: PublicView, evidence: Evidence, out: Path, *, url_hosts: Collection[str] = ()
) -> list[ExportedSkill]:
    """A skill folder for every article the evidence calls proven: the Catalogue's list, so
    what agents are handed is exactly what the site offers."""
    out.mkdir(parents=True, exist_ok=True)
    exported = []
    taken: set[str] = set()
    for path in evidence.proven():
        note = view.notes[path]
        record = evidence.articles[path]
        revision = evidence.current_revision.get(path, "1")
        name = skill_name(note.title)
        if name in taken:
            name = f"{name[:60].rstrip('-')}-{len(taken)}"
        taken.add(name)
        text = (Path(view.vault.root) / path).read_text(encoding="utf-8")
        left_out: list[str] = []
        skill = skill_md(note, text, name, record, revision, url_hosts=url_hosts, left_out=left_out)
        atomic_write(out / name / "SKILL.md", skill.encode("utf-8"))
        reference = f"# {note.title}\n\n{plain(note.body).strip()}\n"
        atomic_write(out / name / "references" / f"{name}.md", reference.encode("utf-8"))
        exported.append(ExportedSkill(name, path, record, revision, left_out))
    return exported


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
    lines += [
        "",
        f"The full article, with every learning and its sources: references/{name}.md",
    ]
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
