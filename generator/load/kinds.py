"""Note kinds (definitive, meta, agent, rule, note) and what each kind's frontmatter must hold."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from generator.findings import Findings
from generator.load.frontmatter import key_line
from generator.model import KINDS, OUTCOMES, Note, NoteKind

# Folder names that imply a kind when frontmatter says nothing (first path component).
FOLDER_KINDS: dict[str, NoteKind] = {
    "articles": "definitive",
    "definitive": "definitive",
    "meta": "meta",
    "runs": "meta",
    "agents": "agent",
    "rules": "rule",
}
WIKILINK_RE = re.compile(r"^\s*\[\[[^\]]+\]\]\s*$")


def detect_kind(path: str, meta: dict[str, Any]) -> tuple[NoteKind, str | None]:
    """Kind from ``type:`` first, the top folder second. Returns (kind, problem or None)."""
    declared = meta.get("type")
    if isinstance(declared, str) and declared.strip():
        value = declared.strip().lower()
        if value in KINDS:
            return value, None  # type: ignore[return-value, unused-ignore]
        problem = f"unknown type {declared!r} (expected one of: {', '.join(KINDS)})"
    else:
        problem = None
    top = path.split("/", 1)[0].lower() if "/" in path else ""
    return FOLDER_KINDS.get(top, "note"), problem


def validate(note: Note, frontmatter_text: str, findings: Findings) -> None:
    """Frontmatter and structure a kind needs; each problem becomes a finding at its key's line."""
    meta = note.meta

    def report(key: str, message: str) -> None:
        findings.add("frontmatter-invalid", note.path, key_line(frontmatter_text, key), message)

    if note.kind == "meta":
        for key in ("article", "agent"):
            value = meta.get(key)
            if value is None:
                report(key, f'meta article needs `{key}:` (a wikilink, e.g. "[[Name]]")')
            elif not isinstance(value, str) or not WIKILINK_RE.match(value):
                report(key, f'`{key}:` must be a wikilink like "[[Name]]", got {value!r}')
        if "date" not in meta:
            report("date", "meta article needs `date:` (YYYY-MM-DD)")
        elif not _is_date(meta["date"]):
            report("date", f"`date:` must be a date like 2026-10-06, got {meta['date']!r}")
        outcome = meta.get("outcome")
        if outcome not in OUTCOMES:
            report("outcome", f"`outcome:` must be one of {', '.join(OUTCOMES)}, got {outcome!r}")
        elif outcome == "unknown":
            findings.add(
                "outcome-unknown",
                note.path,
                key_line(frontmatter_text, "outcome"),
                "the run is not judged yet: set `outcome:` to success, partial or failure "
                "(until then it counts in no rate)",
            )
        for key in ("tokens_in", "tokens_out"):
            if not _is_number(meta.get(key), integer=True):
                report(key, f"`{key}:` must be a whole number of tokens, got {meta.get(key)!r}")
        for key in ("cost_usd", "duration_s"):
            if not _is_number(meta.get(key)):
                report(key, f"`{key}:` must be a number, got {meta.get(key)!r}")
        if not isinstance(meta.get("model"), str):
            report("model", "meta article needs `model:` (the model that did the work)")
        if "price_usd" in meta and not _is_number(meta["price_usd"]):
            report("price_usd", f"`price_usd:` must be a number, got {meta['price_usd']!r}")
        triggers = meta.get("triggers")
        if triggers is not None and not (isinstance(triggers, str) and WIKILINK_RE.match(triggers)):
            report("triggers", f'`triggers:` must be a wikilink like "[[Agent]]", got {triggers!r}')
    elif note.kind == "definitive":
        description = meta.get("description")
        if not isinstance(description, str) or not description.strip():
            report("description", "definitive article needs a one-line `description:`")
        elif "\n" in description.strip():
            report("description", "`description:` must be one line")
        titles = {h.text.casefold() for h in note.headings if h.level == 2}
        for section in ("Skill", "Learnings"):
            if section.casefold() not in titles:
                findings.add(
                    "structure-missing",
                    note.path,
                    None,
                    f"definitive article has no `## {section}` section",
                )
    elif note.kind == "agent":
        for key in ("job", "owner"):
            if not isinstance(meta.get(key), str):
                report(key, f"agent note should say its `{key}:`")


def _is_date(value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    if isinstance(value, str):
        try:
            dt.date.fromisoformat(value[:10])
        except ValueError:
            return False
        return True
    return False


def _is_number(value: Any, integer: bool = False) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if integer:
        return isinstance(value, int) and value >= 0
    return isinstance(value, int | float) and value >= 0
