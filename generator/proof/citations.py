"""How a learning cites its runs in the vault: the one definition of the format.

    - Read the text, not the stars. ([[run 1]], [[run 2]]) (contradicted by [[run 3]]) ^l-id

The first group lists the runs that support the learning (the form articles have always
used); an optional second group, ``(contradicted by ...)``, lists the runs that went against
it. Both are ordinary wikilinks, so Obsidian shows them, counts them as backlinks and lets a
person move a run from one group to the other by hand. The proof stage reads both groups,
and the consolidation writes them.
"""

from __future__ import annotations

import re

LINK_NAME_RE = re.compile(r"\[\[([^\]|#]+)(?:#[^\]|]*)?(?:\|[^\]]*)?\]\]")
_LIST = r"\[\[[^\]]+\]\](?:\s*,\s*\[\[[^\]]+\]\])*"
AGAINST_RE = re.compile(rf"\(\s*contradicted by\s+(?P<cites>{_LIST})\s*\)", re.IGNORECASE)
"""``(contradicted by [[run]], ...)``, anywhere in a learning's text."""
SUPPORT_END_RE = re.compile(rf"\s*\((?P<cites>{_LIST})\)\s*$")
AGAINST_END_RE = re.compile(rf"\s*{AGAINST_RE.pattern}\s*$", re.IGNORECASE)
ANY_GROUP_RE = re.compile(rf"\s*\((?:\s*contradicted by\s+)?{_LIST}\s*\)", re.IGNORECASE)
"""Either group: to drop citations from a learning shown as plain text."""


def split_citations(text: str) -> tuple[str, list[str], list[str]]:
    """A learning's text (block id already removed) -> (text, supporting, contradicting)."""
    against: list[str] = []
    found = AGAINST_END_RE.search(text)
    if found:
        against = _names(found.group("cites"))
        text = text[: found.start()]
    support: list[str] = []
    found = SUPPORT_END_RE.search(text)
    if found:
        support = _names(found.group("cites"))
        text = text[: found.start()]
    return text.rstrip(), support, against


def format_citations(support: list[str], against: list[str]) -> str:
    """The groups as written after a learning's text (with a leading space), or ``""``."""
    text = ""
    if support:
        text += " (" + ", ".join(f"[[{s}]]" for s in support) + ")"
    if against:
        text += " (contradicted by " + ", ".join(f"[[{s}]]" for s in against) + ")"
    return text


def _names(cites: str) -> list[str]:
    return [m.group(1).strip() for m in LINK_NAME_RE.finditer(cites)]
