"""A definitive article's machine-edited sections, read from and written back to its exact text.

Only ``## Skill`` (numbered steps), ``## Learnings`` and ``## Pitfalls`` (cited bullets) are
ever edited; every other byte of the file (frontmatter, summary, human sections) is carried
through untouched, which `validate.py` checks after every apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from generator.proof.citations import format_citations, split_citations

EDITED_SECTIONS = ("Skill", "Learnings", "Pitfalls")

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")
_BULLET_RE = re.compile(r"^[-*+]\s+(?P<rest>.*)$")
_STEP_RE = re.compile(r"^(?P<num>\d+)[.)]\s+(?P<text>.*)$")
_ID_RE = re.compile(r"\s\^(?P<id>[A-Za-z0-9-]+)\s*$")
LINK_RE = re.compile(r"!?\[\[([^\]|#]+)(?:#[^\]|]*)?(?:\|([^\]]*))?\]\]")
"""A wikilink or embed: group 1 the target note, group 2 the display text."""


@dataclass
class Bullet:
    """One learning or pitfall: ``- text ([[source]], ...) ^id``."""

    text: str
    sources: list[str] = field(default_factory=list)
    """Names of the notes cited in support, in order, without brackets."""
    block_id: str | None = None
    extra: list[str] = field(default_factory=list)
    """Indented continuation lines, kept verbatim."""
    against: list[str] = field(default_factory=list)
    """Names of the runs cited as contradicting it (``(contradicted by [[...]])``)."""

    def render(self) -> list[str]:
        line = f"- {self.text}{format_citations(self.sources, self.against)}"
        if self.block_id:
            line += f" ^{self.block_id}"
        return [line, *self.extra]


@dataclass
class Step:
    text: str
    extra: list[str] = field(default_factory=list)


@dataclass
class Section:
    name: str
    start: int
    """Line index of the ``## Name`` heading."""
    end: int
    """Line index after the section's last line."""
    lead: list[str] = field(default_factory=list)
    """Lines between the heading and the first item (kept verbatim)."""
    items: list[Bullet | Step] = field(default_factory=list)
    trail: list[str] = field(default_factory=list)
    """Lines after the last item (blank lines, a trailing paragraph), kept verbatim."""


@dataclass
class Article:
    """The file's lines, and the three edited sections parsed out of them."""

    lines: list[str]
    newline_at_end: bool
    sections: dict[str, Section]
    newline: str = "\n"
    """The file's line ending (``\r\n`` files stay ``\r\n``, new lines included)."""

    @property
    def learnings(self) -> list[Bullet]:
        return self._bullets("Learnings")

    @property
    def pitfalls(self) -> list[Bullet]:
        return self._bullets("Pitfalls")

    @property
    def steps(self) -> list[Step]:
        section = self.sections.get("Skill")
        return section.items if section else []  # type: ignore[return-value]

    def _bullets(self, name: str) -> list[Bullet]:
        section = self.sections.get(name)
        return section.items if section else []  # type: ignore[return-value]

    def block_ids(self) -> set[str]:
        found = set()
        for line in self.lines:
            match = _ID_RE.search(line)
            if match:
                found.add(match.group("id"))
        return found

    def ensure_section(self, name: str) -> Section:
        """The section, created empty before the next edited section (or at the end) if absent."""
        if name in self.sections:
            return self.sections[name]
        order = EDITED_SECTIONS.index(name)
        later = [self.sections[n] for n in EDITED_SECTIONS[order + 1 :] if n in self.sections]
        earlier = [self.sections[n] for n in EDITED_SECTIONS[:order] if n in self.sections]
        if later:
            at = later[0].start
        elif earlier:
            at = earlier[-1].end
        else:
            at = len(self.lines)
        block = [f"## {name}", ""]
        if at > 0 and self.lines[at - 1].strip():
            block.insert(0, "")
        self.lines[at:at] = block
        for section in self.sections.values():
            if section.start >= at:
                section.start += len(block)
                section.end += len(block)
        heading = at + block.index(f"## {name}")
        section = Section(name, heading, heading + 1, [], [], [""])
        self.sections[name] = section
        return section

    def render(self) -> str:
        """The file text with each edited section re-rendered from its items."""
        out: list[str] = []
        cursor = 0
        for section in sorted(self.sections.values(), key=lambda s: s.start):
            out.extend(self.lines[cursor : section.start + 1])
            out.extend(section.lead)
            for number, item in enumerate(section.items, 1):
                if isinstance(item, Step):
                    out.append(f"{number}. {item.text}")
                    out.extend(item.extra)
                else:
                    out.extend(item.render())
            out.extend(section.trail)
            cursor = section.end
        out.extend(self.lines[cursor:])
        text = self.newline.join(out)
        return text + self.newline if self.newline_at_end else text


_REVISION_RE = re.compile(r"^revision:[^\r\n]*$", re.MULTILINE)


def set_revision(text: str, revision: int) -> str:
    """The article's text with ``revision: N`` in its frontmatter (replaced, or added last)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    end = _body_start(lines) - 1
    if end <= 0:  # no frontmatter: start one
        return f"---{newline}revision: {revision}{newline}---{newline}{text}"
    for index in range(1, end):
        if _REVISION_RE.match(lines[index]):
            lines[index] = f"revision: {revision}"
            return newline.join(lines)
    lines.insert(end, f"revision: {revision}")
    return newline.join(lines)


def parse_article(text: str) -> Article:
    newline = "\r\n" if "\r\n" in text else "\n"
    newline_at_end = text.endswith(newline)
    lines = text.split(newline)
    if newline_at_end:
        lines.pop()
    body_start = _body_start(lines)
    headings: list[tuple[int, int, str]] = []
    fenced = False
    for index in range(body_start, len(lines)):
        line = lines[index]
        if _FENCE_RE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING_RE.match(line)
        if match:
            headings.append((index, len(match.group(1)), match.group(2).strip()))
    sections: dict[str, Section] = {}
    for position, (index, level, title) in enumerate(headings):
        if level != 2 or title not in EDITED_SECTIONS or title in sections:
            continue
        end = len(lines)
        for later_index, later_level, _ in headings[position + 1 :]:
            if later_level <= 2:
                end = later_index
                break
        sections[title] = _parse_section(title, index, end, lines)
    return Article(lines, newline_at_end, sections, newline)


def _body_start(lines: list[str]) -> int:
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].strip() in ("---", "..."):
                return index + 1
    return 0


def _parse_section(name: str, start: int, end: int, lines: list[str]) -> Section:
    """Items are the section's list; blank lines between items stay with the item above them,
    so a loose list re-renders byte for byte. The list ends at the first other paragraph."""
    body = lines[start + 1 : end]
    section = Section(name, start, end)
    items: list = []
    first = last = None
    for offset, line in enumerate(body):
        is_item = (_STEP_RE.match(line) if name == "Skill" else _BULLET_RE.match(line)) is not None
        if is_item:
            if items:
                items[-1].extra.extend(body[last + 1 : offset])  # type: ignore[operator]
            elif first is None:
                first = offset
            items.append(_parse_item(name, line))
            last = offset
        elif not items or not line.strip():
            continue
        elif line.startswith((" ", "\t")) or offset == last + 1:  # type: ignore[operator]
            # An indented or lazy continuation line of the item above.
            items[-1].extra.extend(body[last + 1 : offset + 1])  # type: ignore[operator]
            last = offset
        else:
            break
    if first is None or last is None:
        section.lead = body
        return section
    section.lead = body[:first]
    section.items = items
    section.trail = body[last + 1 :]
    return section


def _parse_item(name: str, line: str) -> Bullet | Step:
    if name == "Skill":
        match = _STEP_RE.match(line)
        assert match
        return Step(match.group("text"))
    match = _BULLET_RE.match(line)
    assert match
    rest = match.group("rest")
    block_id = None
    id_match = _ID_RE.search(rest)
    if id_match:
        block_id = id_match.group("id")
        rest = rest[: id_match.start()]
    text, support, against = split_citations(rest)
    return Bullet(text, support, block_id, against=against)


def cited_names(text: str) -> set[str]:
    """Every note name linked from a piece of markdown (lower-cased, for matching)."""
    return {m.group(1).strip().lower() for m in LINK_RE.finditer(text)}
