"""Note kinds (definitive, meta, agent, rule, note) and what each kind's frontmatter must hold."""

from __future__ import annotations

import datetime as dt
import math
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
MAX_COUNT = 10**15
"""Largest token count taken as a number (a quadrillion tokens); anything above is a typo."""
MAX_AMOUNT = 1e12
"""Largest dollar amount or duration in seconds taken as a number."""


def count_value(value: Any) -> int | None:
    """A frontmatter count (``tokens_in``) as an int, or None when it is not a whole number
    from 0 to `MAX_COUNT`. The one definition of a valid count: `validate` reports the rest,
    and the proof pages leave them out of every figure."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= MAX_COUNT else None


def amount_value(value: Any) -> float | None:
    """A frontmatter amount (``cost_usd``, ``duration_s``, ``price_usd``) as a float, or None
    when it is not a finite number from 0 to `MAX_AMOUNT` (NaN, infinities, text, lists...)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int) and value > MAX_AMOUNT:
        return None  # before float(): a 400-digit int does not fit in one
    number = float(value)
    return number if math.isfinite(number) and 0 <= number <= MAX_AMOUNT else None


def date_value(value: Any) -> dt.date | None:
    """A frontmatter date (``date``, ``updated``) as a date, or None: YAML's own dates and
    datetimes, and text starting with an ISO date (``"2026-11-14"``, ``2026-11-14T09:30``).
    The one definition of a valid date: `validate` reports the rest."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def detect_kind(path: str, meta: dict[str, Any]) -> tuple[NoteKind, str | None]:
    """Kind from ``type:`` first, the top folder second. Returns (kind, problem or None)."""
    declared = meta.get("type")
    if isinstance(declared, str) and declared.strip():
        value = declared.strip().lower()
        if value in KINDS:
            return value, None  # type: ignore[return-value, unused-ignore]
        problem = f"unknown type {_shown(declared)} (expected one of: {', '.join(KINDS)})"
    else:
        problem = None
    top = path.split("/", 1)[0].lower() if "/" in path else ""
    return FOLDER_KINDS.get(top, "note"), problem


def validate(note: Note, frontmatter_text: str, findings: Findings) -> None:
    """Frontmatter and structure a kind needs; each problem becomes a finding at its key's line."""
    meta = note.meta

    def report(key: str, message: str) -> None:
        findings.add("frontmatter-invalid", note.path, key_line(frontmatter_text, key), message)

    title = meta.get("title")
    if title is not None and not isinstance(title, str | int | float):
        report("title", f"`title:` must be text, got {_shown(title)}; the file name is used")
    for key in ("aliases", "alias", "tags", "tag"):
        value = meta.get(key)
        if value is not None and not isinstance(value, str | list):
            report(key, f"`{key}:` must be text or a list, got {_shown(value)}; ignored")
    if note.kind == "meta":
        for key in ("article", "agent"):
            value = meta.get(key)
            if value is None:
                report(key, f'meta article needs `{key}:` (a wikilink, e.g. "[[Name]]")')
            elif not isinstance(value, str) or not WIKILINK_RE.match(value):
                report(key, f'`{key}:` must be a wikilink like "[[Name]]", got {_shown(value)}')
        if "date" not in meta:
            report("date", "meta article needs `date:` (YYYY-MM-DD)")
        elif date_value(meta["date"]) is None:
            report(
                "date",
                f"`date:` must be a real date like 2026-10-06, got {_shown(meta['date'])}",
            )
        outcome = meta.get("outcome")
        if outcome not in OUTCOMES:
            report(
                "outcome", f"`outcome:` must be one of {', '.join(OUTCOMES)}, got {_shown(outcome)}"
            )
        elif outcome == "unknown":
            findings.add(
                "outcome-unknown",
                note.path,
                key_line(frontmatter_text, "outcome"),
                "the run is not judged yet: set `outcome:` to success, partial or failure "
                "(until then it counts in no rate)",
            )
        for key in ("tokens_in", "tokens_out"):
            if count_value(meta.get(key)) is None:
                report(
                    key,
                    f"`{key}:` must be a whole number of tokens (0 to {MAX_COUNT:.0e}), "
                    f"got {_shown(meta.get(key))}",
                )
        for key in ("cost_usd", "duration_s"):
            if amount_value(meta.get(key)) is None:
                report(key, f"`{key}:` must be a number from 0 up, got {_shown(meta.get(key))}")
        model = meta.get("model")
        if model is None:
            report("model", "meta article needs `model:` (the model that did the work)")
        elif not isinstance(model, str):
            report("model", f"`model:` must be the model's name, got {_shown(model)}")
        if "price_usd" in meta and amount_value(meta["price_usd"]) is None:
            report(
                "price_usd",
                f"`price_usd:` must be a number from 0 up, got {_shown(meta['price_usd'])}",
            )
        triggers = meta.get("triggers")
        if triggers is not None and not (isinstance(triggers, str) and WIKILINK_RE.match(triggers)):
            report(
                "triggers",
                f'`triggers:` must be a wikilink like "[[Agent]]", got {_shown(triggers)}',
            )
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


def _shown(value: Any) -> str:
    """A value as the finding shows it: its repr, cut short (a value can be 400 digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_COUNT:
        return f"a {len(str(abs(value)))}-digit number"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
