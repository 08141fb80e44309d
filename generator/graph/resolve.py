"""Link resolution, following Obsidian's rules (docs/links.md has the table of cases).

Order, for a link written in note ``source``:

1. ``[[#Heading]]`` (empty path) is the source note itself.
2. ``./x`` and ``../x`` resolve against the source's folder; a path that climbs out of the
   vault is broken, whatever is there.
3. An exact vault path wins: ``[[folder/Name]]`` is ``folder/Name.md`` from the vault root.
4. A path with folders, relative to the source's folder (Obsidian's "relative path" format).
5. Otherwise the file name (with any folders written as a path suffix) is looked up vault-wide.
   Several matches make the link *ambiguous*: the one in the source's own folder wins, else the
   shortest path, else the first in alphabetical order. That is the tie-break observed in
   Obsidian 1.13 (an ancestor folder counts for nothing), made total by the last rule.
6. Matching is case-insensitive, as Obsidian's is; a match that differs in case is reported.
7. A frontmatter alias alone resolves the link here, but is reported: Obsidian itself leaves a
   bare ``[[Alias]]`` unresolved (its suggester writes ``[[Name|Alias]]``).
"""

from __future__ import annotations

import posixpath
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Literal

from generator.load.markdown import normalise_heading
from generator.model import Link, Note, Vault

Status = Literal["resolved", "ambiguous", "broken"]


@dataclass(frozen=True)
class Resolution:
    status: Status
    target: str | None = None
    """Vault path of the note or attachment linked to."""
    attachment: bool = False
    heading: int | None = None
    """Index into the target note's headings, for ``#Heading`` links that matched."""
    block: str | None = None
    candidates: tuple[str, ...] = ()
    case_mismatch: bool = False
    alias: str | None = None
    """The alias that matched, when only an alias did."""
    problem: str | None = None
    """``outside-vault``, ``heading-missing`` or ``block-missing``."""

    @property
    def ok(self) -> bool:
        return self.target is not None


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _strip_md(path: str) -> str:
    return path[:-3] if path.lower().endswith(".md") else path


class Resolver:
    """Indexes a vault once, then resolves any number of links against it."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.by_path: dict[str, list[str]] = defaultdict(list)
        self.by_name: dict[str, list[str]] = defaultdict(list)
        self.by_alias: dict[str, list[str]] = defaultdict(list)
        for path in vault.notes:
            self.by_path[_fold(path)].append(path)
            self.by_name[_fold(_strip_md(path.rsplit("/", 1)[-1]))].append(path)
        for path in vault.attachments:
            self.by_path[_fold(path)].append(path)
            self.by_name[_fold(path.rsplit("/", 1)[-1])].append(path)
        for note in vault.notes.values():
            for alias in note.aliases:
                self.by_alias[_fold(alias)].append(note.path)
        # Memos: a vault's links repeat the same few targets, and its notes sit in few
        # folders. The path part reads the source only for its folder; the subpath part only
        # the target's headings and blocks.
        self._found: dict[tuple[str, str], Resolution] = {}
        self._parts: dict[tuple[Resolution, str], Resolution] = {}
        self._headings: dict[str, list[str]] = {}

    def resolve(self, link: Link, source: Note) -> Resolution:
        if not link.target:
            return self._with_subpath(Resolution("resolved", source.path), link)
        folder = source.folder
        key = (link.target, folder)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = self._find(link.target, folder)
        if found.target is None or found.attachment:
            return found
        return self._with_subpath(found, link)

    # -- path part -------------------------------------------------------------------------

    def _find(self, written: str, folder: str) -> Resolution:
        """The path part of a link written in a note of ``folder``."""
        target = unicodedata.normalize("NFC", written.strip().replace("\\", "/"))
        if target.startswith(("./", "../")) or "/../" in f"/{target}":
            joined = posixpath.normpath(posixpath.join(folder, target.lstrip("/")))
            if joined == ".." or joined.startswith("../"):
                return Resolution("broken", problem="outside-vault")
            return self._exact(joined, written) or Resolution("broken")
        target = target.lstrip("/")
        exact = self._exact(target, written)
        if exact:
            return exact
        if folder and "/" in target:  # bare names go by name: same folder wins there
            relative = self._exact(posixpath.join(folder, target), written)
            if relative:
                return relative
        return self._by_name(target, written, folder) or self._by_alias(target)

    def _exact(self, path: str, written: str) -> Resolution | None:
        for key in (path, f"{path}.md"):
            hits = self.by_path.get(_fold(key))
            if hits:
                chosen = key if key in hits else sorted(hits)[0]
                return self._hit(chosen, written, (), exact_case=chosen in (path, f"{path}.md"))
        return None

    def _by_name(self, target: str, written: str, folder: str) -> Resolution | None:
        name = target.rsplit("/", 1)[-1]
        names = [name] if not name.lower().endswith(".md") else [_strip_md(name), name]
        candidates: list[str] = []
        for key in names:
            candidates.extend(self.by_name.get(_fold(key), ()))
        if "/" in target:  # a partial path: the candidate's path must end with it
            suffix = "/" + _fold(_strip_md(target))
            candidates = [c for c in candidates if ("/" + _fold(_strip_md(c))).endswith(suffix)]
        candidates = sorted(set(candidates))
        if not candidates:
            return None
        same_folder = [c for c in candidates if c.rsplit("/", 1)[0] == folder and "/" in c]
        if not folder:
            same_folder = [c for c in candidates if "/" not in c]
        pool = same_folder or candidates
        chosen = min(pool, key=lambda c: (len(c), c))
        exact_case = ("/" + _strip_md(chosen)).endswith("/" + _strip_md(target))
        others = tuple(candidates) if len(candidates) > 1 else ()
        return self._hit(chosen, written, others, exact_case)

    def _by_alias(self, target: str) -> Resolution:
        hits = sorted(set(self.by_alias.get(_fold(target), ())))
        if not hits:
            return Resolution("broken")
        chosen = min(hits, key=lambda c: (len(c), c))
        status: Status = "ambiguous" if len(hits) > 1 else "resolved"
        return Resolution(
            status, chosen, alias=target, candidates=tuple(hits) if len(hits) > 1 else ()
        )

    def _hit(
        self, path: str, written: str, candidates: tuple[str, ...], exact_case: bool
    ) -> Resolution:
        status: Status = "ambiguous" if candidates else "resolved"
        return Resolution(
            status,
            path,
            attachment=path in self.vault.attachments,
            candidates=candidates,
            case_mismatch=not exact_case,
        )

    # -- subpath part ----------------------------------------------------------------------

    def _with_subpath(self, found: Resolution, link: Link) -> Resolution:
        if not link.subpath or found.target is None:
            return found
        key = (found, link.subpath)
        done = self._parts.get(key)
        if done is None:
            done = self._parts[key] = self._subpath(found, link.subpath)
        return done

    def _subpath(self, found: Resolution, subpath: str) -> Resolution:
        assert found.target is not None
        note = self.vault.notes[found.target]
        if subpath.startswith("^"):
            block = subpath[1:]
            if block in note.blocks:
                return replace(found, block=block)
            return replace(found, problem="block-missing")
        headings = self._headings.get(note.path)
        if headings is None:
            headings = [normalise_heading(h.text) for h in note.headings]
            self._headings[note.path] = headings
        index = find_heading(note, subpath, headings)
        if index is None:
            return replace(found, problem="heading-missing")
        return replace(found, heading=index)


def find_heading(note: Note, subpath: str, normalised: list[str] | None = None) -> int | None:
    """``H1#H2`` finds H2 under H1; a single name finds the first heading with that text.
    ``normalised``: the note's headings already through `normalise_heading`."""
    parts = [normalise_heading(p) for p in subpath.split("#") if p.strip()]
    if not parts:
        return None
    if normalised is None:
        normalised = [normalise_heading(h.text) for h in note.headings]
    want = 0
    found: int | None = None
    for index, text in enumerate(normalised):
        if text == parts[want]:
            if want == len(parts) - 1:
                found = index
                break
            want += 1
    return found
