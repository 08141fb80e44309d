"""Which definitive article and which agent a run belongs to, by name.

A name matches a note's title, file name, any alias, its vault path, or (for an article) the
name `export-skills` gives its skill (``grading-an-article``), ignoring case. A name that
matches nothing is refused with the closest names (difflib) and the vault it looked in; a name
that matches two notes is refused with both, so a run is never filed under a guess.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from generator.consolidate.export import skill_name
from generator.errors import UsageError
from generator.model import Note, Vault
from generator.proof.citations import LINK_NAME_RE


@dataclass(frozen=True)
class Target:
    """A note a run links to."""

    note: Note
    link: str
    """What goes inside ``[[...]]``: the file name, or the path when the name is not unique."""

    @property
    def name(self) -> str:
        return self.note.stem


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().casefold()


def _bare(name: str) -> str:
    """``"[[Jennifer|J]]"`` -> ``Jennifer``: a wikilink is accepted wherever a name is."""
    match = LINK_NAME_RE.fullmatch(name.strip())
    return match.group(1).strip() if match else name.strip()


class Catalog:
    """The vault's definitive articles and agents, private ones included (a run of a private
    article stays private with it: the filter stage decides, later)."""

    def __init__(self, vault: Vault) -> None:
        self.root = Path(vault.root)
        stems: dict[str, int] = {}
        for note in vault.notes.values():
            stems[_key(note.stem)] = stems.get(_key(note.stem), 0) + 1
        self._links = {
            path: (note.stem if stems[_key(note.stem)] == 1 else path.removesuffix(".md"))
            for path, note in vault.notes.items()
        }
        self.articles = self._index([n for n in vault.notes.values() if n.kind == "definitive"])
        self.agents = self._index([n for n in vault.notes.values() if n.kind == "agent"])
        self._article_notes = [n for n in vault.notes.values() if n.kind == "definitive"]
        self._agent_notes = [n for n in vault.notes.values() if n.kind == "agent"]

    def _index(self, notes: list[Note]) -> dict[str, list[Note]]:
        index: dict[str, list[Note]] = {}
        for note in notes:
            names = {note.stem, note.title, note.path, note.path.removesuffix(".md"), *note.aliases}
            if note.kind == "definitive":
                names.add(skill_name(note.title))
            for name in names:
                bucket = index.setdefault(_key(name), [])
                if note not in bucket:
                    bucket.append(note)
        return index

    def target(self, note: Note) -> Target:
        return Target(note, self._links[note.path])

    def article(self, name: str) -> Target:
        return self._find(name, self.articles, self._article_notes, "definitive article")

    def agent(self, name: str) -> Target:
        return self._find(name, self.agents, self._agent_notes, "agent")

    def find_article(self, name: str) -> Target | None:
        """The article ``name`` names, or None (no error: for names found in logs)."""
        found = self.articles.get(_key(_bare(name)), [])
        return self.target(found[0]) if len(found) == 1 else None

    def find_agent(self, name: str) -> Target | None:
        found = self.agents.get(_key(_bare(name)), [])
        return self.target(found[0]) if len(found) == 1 else None

    def _find(
        self, name: str, index: dict[str, list[Note]], notes: list[Note], kind: str
    ) -> Target:
        wanted = _bare(name)
        found = index.get(_key(wanted), [])
        if len(found) == 1:
            return self.target(found[0])
        if found:
            paths = ", ".join(sorted(n.path for n in found))
            raise UsageError(
                f"{wanted!r} names several {kind}s in the vault {self.root}: {paths}; "
                "give the path to choose"
            )
        names = sorted({n.stem for n in notes} | {n.title for n in notes})
        close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
        if not close:
            lowered = {_key(n): n for n in names}
            close = [lowered[k] for k in difflib.get_close_matches(_key(wanted), lowered, 3, 0.5)]
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        if not notes:
            hint = f"; the vault has no {kind} note yet"
        raise UsageError(f"no {kind} named {wanted!r} in the vault {self.root}{hint}")

    def agent_of(self, article: Target) -> Target | None:
        """The agent an article names in its ``agent:`` (the one who does the task)."""
        value = article.note.meta.get("agent")
        return self.find_agent(value) if isinstance(value, str) else None

    def only_article_of(self, agent: Target) -> Target | None:
        """The agent's article when it has exactly one: its ``skills:`` list, else the
        articles that name it in ``agent:``."""
        skills = agent.note.meta.get("skills")
        if isinstance(skills, str):
            skills = [skills]
        listed = {
            t.note.path
            for s in (skills if isinstance(skills, list) else [])
            if isinstance(s, str) and (t := self.find_article(s)) is not None
        }
        if not listed:
            listed = {
                n.path
                for n in self._article_notes
                if (t := self.agent_of(self.target(n))) is not None and t.note is agent.note
            }
        if len(listed) != 1:
            return None
        path = next(iter(listed))
        return self.target(next(n for n in self._article_notes if n.path == path))
