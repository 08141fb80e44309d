"""What an op may do, decided op by op, and who owns an item's text.

- `check_op`: an op cites only this run's meta articles, leaves human-owned text alone, and its
  text is safe by construction (`check_text`).
- `check_text`: the one rule set for text that enters an article or an exported skill, from a
  model or from the offline merger: one line of plain markdown, no control characters, line
  breaks, headings, HTML, images or code fences; wikilinks only to the meta articles the op
  cites; no URL unless it appears in a cited meta article and its host is allow-listed
  (``consolidation_url_hosts``, empty by default); no secrets, emails or phone numbers; nothing
  that reads as an instruction to the agent who will read the skill.
- Ownership: an item's text is the consolidator's only while it is exactly what the
  consolidator last wrote (the ledger keeps those texts' hashes). Everything else is a human's:
  what an article held before its first consolidation, a learning or step a person added (with
  or without a block id), any item a person reworded. A human's text is pinned: ops may cite
  new runs for it, never rewrite, deprecate, merge or retire it.
- `check_result`: after the ops, human text outside the edited sections is byte-identical and
  nothing disappeared except what a merge folded in.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from generator.consolidate.article import EDITED_SECTIONS, Article, Bullet, Step, parse_article
from generator.consolidate.edits import SPECS, Op, OpError, aliases, check_shape, is_deprecated
from generator.secrets import scan

_URL_RE = re.compile(r"(?i)\b(?:https?://|www\.)[^\s)\]>\"'`]+")
_SCHEME_RE = re.compile(r"(?i)\b(?:javascript|vbscript|data|file|blob)\s*:")
_HTML_RE = re.compile(r"<\s*[/!?A-Za-z]")
_IMAGE_RE = re.compile(r"!\[")
_FENCE_RE = re.compile(r"```|~~~")
_BLOCK_START_RE = re.compile(r"^(?:#|>|[-*+]\s|\d+[.)]\s|=+\s*$|\|)")
_BLOCK_ID_RE = re.compile(r"\s\^[A-Za-z0-9-]+\s*$")
_WIKILINK_RE = re.compile(r"!?\[\[([^\]|#]*)(?:#[^\]|]*)?(?:\|[^\]]*)?\]\]")
_MD_LINK_RE = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]*)")
_INSTRUCTION_RE = re.compile(
    r"(?i)\b(?:ignore|disregard|forget|override)\b[^.]{0,40}\b(?:previous|prior|above|earlier|"
    r"all|any|your)\b[^.]{0,20}\b(?:instructions?|rules?|prompts?|guidelines?)\b"
    r"|\bsystem\s+prompt\b|\byou\s+are\s+now\b|\bnew\s+instructions?\s*:"
)
_SHELL_RE = re.compile(
    r"(?i)\|\s*(?:sudo\s+)?(?:sh|bash|zsh|dash|fish|python[0-9.]*|perl|ruby|node|iex|pwsh)\b"
    r"|\brm\s+-[a-z]*r[a-z]*f|\bchmod\s+\+x\b|\beval\s*\(|\bbase64\s+(?:-d|--decode)\b"
)
# Characters that would break the one line or hide what it says: controls (a carriage return
# once forged a heading), format characters (bidi overrides), line and paragraph separators.
_BANNED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}
_ALLOWED_FORMAT = {"\u200d"}  # zero-width joiner: emoji sequences


class ValidationError(ValueError):
    pass


@dataclass
class TextRules:
    """What text may contain for one op: the meta articles it cites (their names and text)."""

    cited: Mapping[str, str] = field(default_factory=dict)
    """Name -> body of each meta article the op cites."""
    url_hosts: Collection[str] = ()
    """Hosts a URL may point to (``consolidation_url_hosts``); empty: no URLs at all."""
    cited_urls_only: bool = True
    """A URL must also appear in a cited meta article (not for exporting an article)."""


def check_text(value: str, rules: TextRules) -> None:
    """Raise ValidationError with the reason when ``value`` may not enter an article."""
    for char in value:
        if unicodedata.category(char) in _BANNED_CATEGORIES and char not in _ALLOWED_FORMAT:
            raise ValidationError(
                f"holds a control or invisible character (U+{ord(char):04X}); one plain line only"
            )
    if value != value.strip() or not value:
        raise ValidationError("is empty or starts or ends with blank space")
    if _BLOCK_START_RE.match(value):
        raise ValidationError("starts like a heading, quote, list or table")
    if _FENCE_RE.search(value):
        raise ValidationError("holds a code fence")
    if _HTML_RE.search(value):
        raise ValidationError("holds HTML")
    if _IMAGE_RE.search(value):
        raise ValidationError("holds an image")
    if _BLOCK_ID_RE.search(value):
        raise ValidationError("ends with a block id")
    if _SCHEME_RE.search(value):
        raise ValidationError("holds a script or data URL")
    for match in _WIKILINK_RE.finditer(value):
        name = match.group(1).strip()
        if name.lower().endswith(".md"):
            name = name[:-3]
        if name not in rules.cited:
            raise ValidationError(f"links [[{name}]], which is not a meta article it cites")
    cited_text = "\n".join(rules.cited.values())
    hosts = {h.lower().strip() for h in rules.url_hosts}
    urls = [m.group(0).rstrip(".,;:!?") for m in _URL_RE.finditer(value)]
    for target in _MD_LINK_RE.findall(value):
        if not _URL_RE.match(target):
            raise ValidationError(f"links to {target!r}: only allow-listed web addresses")
    for url in urls:
        host = (urlsplit(url if "://" in url else f"https://{url}").hostname or "").lower()
        if host not in hosts:
            why = "none is allowed" if not hosts else "not in consolidation_url_hosts"
            raise ValidationError(f"links to {host or url!r} ({why})")
        if rules.cited_urls_only and url not in cited_text:
            raise ValidationError(f"links to {url}, which no cited meta article gives")
    hits = scan(value, personal=True)
    if hits:
        what = "personal data" if hits[0].personal else "a secret"
        raise ValidationError(f"holds {what} ({hits[0].kind})")
    if _INSTRUCTION_RE.search(value):
        raise ValidationError("reads like an instruction to whoever reads the skill")
    if _SHELL_RE.search(value):
        raise ValidationError("holds a risky shell command")


# -- ownership ---------------------------------------------------------------------------------


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _kind(item: Bullet | Step, article: Article) -> str:
    if isinstance(item, Step):
        return "S"
    return "L" if any(item is b for b in article.learnings) else "P"


def item_hashes(article: Article) -> dict[str, str]:
    """Hash of every learning, pitfall and step text -> ``L``, ``P`` or ``S``."""
    return {text_hash(item.text): _kind(item, article) for item in aliases(article).values()}


def machine_hashes(recorded: Mapping[str, str] | None) -> set[str]:
    """The texts the consolidator last wrote, from the ledger (``{hash: kind}``). Ledgers
    written before ownership was by text kept ``{block id or step-N: hash}``: their values."""
    if not recorded:
        return set()
    if all(re.fullmatch(r"[0-9a-f]{16}", v) for v in recorded.values()):
        return set(recorded.values())
    return set(recorded)


def pinned_aliases(article: Article, recorded: Mapping[str, str] | None) -> frozenset[str]:
    """Aliases of the items a human owns: every item whose text is not one the consolidator
    wrote. With no record yet (the first run), that is every item."""
    machine = machine_hashes(recorded)
    return frozenset(
        alias for alias, item in aliases(article).items() if text_hash(item.text) not in machine
    )


def record_after(
    before: Article, after: Article, recorded: Mapping[str, str] | None, written: Collection[str]
) -> dict[str, str]:
    """The ledger's record of machine-written texts after a run: what was the consolidator's
    and is still there unchanged, plus what this run wrote (``written``: the new texts)."""
    machine = machine_hashes(recorded) | {text_hash(t) for t in written}
    return {h: kind for h, kind in item_hashes(after).items() if h in machine}


# -- ops ---------------------------------------------------------------------------------------


REWRITES = {
    "update_learning",
    "deprecate_learning",
    "merge_learnings",
    "update_pitfall",
    "amend_step",
    "retire_step",
    "merge_steps",
}
"""Ops that change an item's own text (or remove it): never on a human's item."""


def check_op(
    op: Op, inputs: Mapping[str, str], pinned: Collection[str], url_hosts: Collection[str]
) -> None:
    """Raise ValidationError when ``op`` may not land. ``inputs``: name -> body of this run's
    meta articles; ``pinned``: the aliases a human owns."""
    if op.problem:
        raise ValidationError(op.problem)
    try:  # ops built in code (the offline merger, tests) are held to the schema too
        check_shape(op)
    except OpError as exc:
        raise ValidationError(str(exc)) from None
    unknown = [s for s in op.sources if s not in inputs]
    if unknown:
        raise ValidationError(f"cites {unknown[0]!r}, not a meta article of this request")
    if op.op in REWRITES:
        for alias in (op.target, op.other):
            if alias and alias.upper() in pinned:
                raise ValidationError(f"{alias.upper()} is a human's text and is pinned")
    rules = TextRules({s: inputs[s] for s in op.sources}, url_hosts)
    for name in ("text", "reason"):
        value = getattr(op, name)
        if value:
            try:
                check_text(value, rules)
            except ValidationError as exc:
                raise ValidationError(f"{name} {exc}") from None


def changes_existing(op: Op) -> bool:
    return SPECS[op.op].changes_existing if op.op in SPECS else False


# -- the result ----------------------------------------------------------------------------


def check_result(
    before: str, after: str, merged_away: Collection[str] = (), merged_steps: int = 0
) -> None:
    """Human-owned text is byte-identical and every earlier learning and step survives, but
    those a merge folded into another (``merged_away``: their block ids; ``merged_steps``:
    how many steps were merged into others)."""
    old, new = parse_article(before), parse_article(after)
    if _outside(old) != _outside(new):
        raise ValidationError("an edit touched text outside Skill, Learnings and Pitfalls")
    new_ids = {b.block_id: b for b in new.learnings + new.pitfalls if b.block_id}
    for bullet in old.learnings + old.pitfalls:
        if not bullet.block_id or bullet.block_id in merged_away:
            continue
        if bullet.block_id not in new_ids:
            raise ValidationError(f"learning ^{bullet.block_id} disappeared")
        if is_deprecated(bullet) and not is_deprecated(new_ids[bullet.block_id]):
            raise ValidationError(f"deprecated learning ^{bullet.block_id} came back")
    if len(new.steps) < len(old.steps) - merged_steps:
        raise ValidationError("a skill step disappeared")


def _outside(article: Article) -> list[str]:
    """The article's lines outside the edited sections' item lists, frontmatter's revision
    line aside (the one line the consolidation owns there)."""
    kept: list[str] = []
    cursor = 0
    for section in sorted(article.sections.values(), key=lambda s: s.start):
        kept.extend(article.lines[cursor : section.start + 1])
        kept.extend(section.lead)
        kept.extend(section.trail)
        cursor = section.end
    kept.extend(article.lines[cursor:])
    # A section the run created holds no human text: its heading and blank lines may be new.
    headings = {f"## {n}" for n in EDITED_SECTIONS}
    return [
        line
        for line in kept
        if line.strip() and line not in headings and not line.startswith("revision:")
    ]
