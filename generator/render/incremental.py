"""Render again only the note pages whose inputs changed since the last build.

A page's markdown is a function of a few inputs: the note itself, what its links resolve to
(each target's docs path, title and the anchor linked), the notes it embeds (whole, with their
own links, recursively), its tag pages, its backlinks (their titles and paths) and, for runs
and definitive articles, their part of the evidence model; plus what every page shares: the
code, the page templates and the options. `PageInputs` folds these into one fingerprint per
page. When a page's fingerprint is the one the last build recorded and the docs tree still
holds that build's bytes for it, the page is not rendered again (`RenderMemo`): its text stays
on disk, and the findings its rendering reported are reported again.

The inputs are the link graph and the evidence, not how the page is written: any renderer
fed the same inputs writes the same page. A fingerprint may say more changed than did (the
page is rendered again, and the content hash of the emitted tree then finds it unchanged);
it must never say less. Pages that read the whole evidence model (agents, a vault's own home
page with the dashboard) and the generated pages other than hubs and tags (the catalogue,
the feeds...) are always rendered. Anything new that a note page shows about another note
must be added here; tests/test_incremental_equals_cold.py compares every page with a cold
build. `graph.json` relies on the same promise (render/graph_json.py): a kept page's note has
the links, resolutions and published targets the last build wrote there.

Hub and tag pages are kept the same way (`PageInputs.listing`): their fingerprint holds the
page's own template arguments and, for each entry, what it shows of its note but for the link,
which follows from the two pages' docs paths. A night's new runs then render the pages that
list them (a hub's front and last page, a tag's) rather than every page of every list.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import operator
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import __version__
from generator.config import Options, site_templates_dir
from generator.filter import PublicView
from generator.graph.resolve import Resolution
from generator.model import Note
from generator.proof import Evidence
from generator.render.markdown import RenderContext

MEMO = "render.json"
COPIES = "markdown"
"""The markdown copies put beside note pages (`SitePlan.markdown`), kept with the docs tree so
that a page not rendered again keeps its copy too."""
Attempt = tuple[str, str, int | None, str]
"""A finding a page's rendering reported: (code, path, line, message)."""


@functools.cache
def code_digest() -> str:
    """The package's code and page templates: a change to either renders every page again
    (a development checkout changes without a new version number)."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parents[1]
    pages = site_templates_dir() / "pages"
    # Each file named relative to its folder: the same code installed or checked out
    # elsewhere must keep every page (an absolute path re-rendered a whole site).
    sources = [(package, p) for p in sorted(package.rglob("*.py"))]
    sources += [(pages, p) for p in sorted(pages.glob("*"))]
    for base, path in sources:
        name = path.relative_to(base).as_posix()
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def global_key(options: Options, directory_urls: bool, site_name: str, site_url: str | None) -> str:
    """What every page depends on besides its own inputs."""
    parts = [code_digest(), repr(options), directory_urls, site_name, site_url]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


class RecordingContext(RenderContext):
    """The render context, noting every finding a page's rendering reports (before
    de-duplication), so that a page not rendered again can report them again."""

    attempts: list[Attempt]

    def report(self, code: str, path: str, line: int | None, message: str) -> None:
        if getattr(self, "attempts", None) is not None:
            self.attempts.append((code, path, line, message))
        super().report(code, path, line, message)


_GETTERS: dict[type, Callable[[Any], Any]] = {}


def _fields(value: Any) -> str:
    """Every field of a dataclass (whatever fields it has), as text: its repr but the names.
    A dataclass's own repr goes through a recursion guard, and was a second of the
    fingerprints of a night at 20,000 notes."""
    kind = type(value)
    getter = _GETTERS.get(kind)
    if getter is None:
        names = [f.name for f in dataclasses.fields(kind)]
        getter = _GETTERS[kind] = operator.attrgetter(*names)
    return repr(getter(value))


@dataclass
class PageInputs:
    """Fingerprints of note pages (see the module docstring)."""

    view: PublicView
    evidence: Evidence
    docs_paths: dict[str, str]
    """Vault path -> docs path of every published note and attachment."""
    tag_pages: dict[str, str]
    key: str
    _facts: dict[str, str] = field(default_factory=dict)
    _runs: dict[str, Any] = field(default_factory=dict)
    _resolved: dict[int, str] = field(default_factory=dict)
    """id() of a resolution -> `_resolution`: links share resolutions (graph/build.py)."""

    def __post_init__(self) -> None:
        self._runs = {run.path: run for run in self.evidence.runs}

    def fingerprint(self, note: Note, page: str, about: str = "") -> str | None:
        """The page's fingerprint, or None when the page is always rendered. ``about``: what
        the page says about itself that no other input here determines
        (`generator.render.page_info.PageInfos.about`: its date, breadcrumbs, neighbouring
        runs), as text. Its description and reading time follow from the note's text, its
        run and the facts of that run's article and agent, all below."""
        if note.kind == "agent" or page == "index.md":
            return None  # they read the whole evidence model: agents' skills, the dashboard
        parts: list[str] = [self.key, page, about]
        self._content(note, parts, set())
        for source in self.view.backlinks.get(note.path, ()):
            parts.append(self._fact(source))
        if note.kind == "definitive":
            self._article(note, parts)
        run = self._runs.get(note.path)
        if run is not None:
            parts.append(_fields(run))
            parts += [self._fact(p) for p in (run.article, run.agent, run.triggers) if p]
        return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()

    def listing(self, page: str, head: str, entries: Iterable[str]) -> str:
        """The fingerprint of a hub's or a tag's page: ``head``, its template arguments but
        the entries, as text; ``entries``, what each entry shows but its link."""
        digest = hashlib.sha256(f"{self.key}\0{page}\0{head}".encode("utf-8", "surrogatepass"))
        for entry in entries:
            digest.update(b"\0" + entry.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def _fact(self, path: str) -> str:
        """What a page may show about another note or file: its docs path (whether it is
        published) and its title."""
        fact = self._facts.get(path)
        if fact is None:
            note = self.view.vault.notes.get(path)
            title = note.title if note is not None else ""
            fact = self._facts[path] = f"{path}\1{self.docs_paths.get(path, '')}\1{title}"
        return fact

    def _content(self, note: Note, parts: list[str], seen: set[str]) -> None:
        """The note's own text and what its links and tags lead to; embedded notes whole."""
        parts += [note.path, note.sha]
        notes = self.view.vault.notes
        for item in self.view.graph.links.get(note.path, ()):
            resolution = item.resolution
            text = self._resolved.get(id(resolution))
            if text is None:  # links share resolutions: worked out once each
                text = self._resolved[id(resolution)] = self._resolution(resolution)
            parts.append(text)
            target = resolution.target
            if not item.link.embed or target is None or target in seen:
                continue
            linked = notes.get(target)
            if linked is not None and target in self.docs_paths:
                seen.add(target)
                self._content(linked, parts, seen)
        for tag in note.tags:
            parts.append(f"#{tag.name}\1{self.tag_pages.get(tag.name.casefold(), '')}")

    def _resolution(self, resolution: Resolution) -> str:
        """What a link shows of what it leads to: every field of its resolution (whatever
        fields a resolution has), the target's docs path and title, and for an anchor every
        heading up to that one."""
        parts = [_fields(resolution)]
        target = resolution.target
        if target is not None:
            parts.append(self._fact(target))
            linked = self.view.vault.notes.get(target)
            if linked is not None and resolution.heading is not None:
                parts += [h.text for h in linked.headings[: resolution.heading + 1]]
        return "\0".join(parts)

    def _article(self, note: Note, parts: list[str]) -> None:
        evidence, path = self.evidence, note.path
        record = evidence.articles.get(path)
        if record is not None:
            parts += [_fields(run) for run in record.runs]
            parts.append(repr(record.verdict))
            for run in record.runs:
                parts += [self._fact(p) for p in (run.path, run.agent) if p]
        parts.append(repr(evidence.learnings.get(path)))
        parts.append(repr(evidence.revisions.get(path)))
        parts.append(repr(evidence.current_revision.get(path)))
        parts.append(repr(path in evidence.internal))


@dataclass
class PageRecord:
    """What the next build needs to keep a note page without rendering it."""

    fingerprint: str
    attempts: list[Attempt]
    """The findings its rendering reported."""
    features: frozenset[str] | set[str]
    """What it needs from the site's vendored assets (math, mermaid...)."""
    copy: bool
    """Whether a markdown copy of its own (`SitePlan.markdown`) goes beside it."""


@dataclass
class Kept:
    """A page the last build wrote with the same inputs: not rendered again."""

    fingerprint: str
    digest: str
    attempts: list[Attempt]
    features: frozenset[str]
    copy: bool


class RenderMemo:
    """The last build's fingerprints (``cache/render.json``): which docs pages can stay."""

    def __init__(self, cache_dir: Path, docs_dir: Path, key: str) -> None:
        self.path = cache_dir / MEMO
        self.docs_dir = docs_dir
        self.copies_dir = cache_dir / COPIES
        self.key = key
        self.entries: dict[str, list[Any]] = {}
        self.manifest: dict[str, str] = {}
        self._listed: dict[Path, set[str]] = {}
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            manifest = json.loads((cache_dir / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(stored, dict) and stored.get("key") == key and isinstance(manifest, dict):
            self.entries = stored.get("pages") or {}
            self.manifest = manifest

    def reusable(self, page: str, fingerprint: str | None) -> Kept | None:
        """The kept page, when ``fingerprint`` is the last build's and the docs tree still
        holds that build's bytes for the page."""
        entry = self.entries.get(page)
        if fingerprint is None or not entry or len(entry) != 5 or entry[0] != fingerprint:
            return None
        if self.manifest.get(page) != entry[1] or page not in self._files(self.docs_dir):
            return None
        copy = bool(entry[4])
        if copy and page not in self._files(self.copies_dir):
            return None
        attempts = [(a[0], a[1], a[2], a[3]) for a in entry[2]]
        return Kept(entry[0], entry[1], attempts, frozenset(entry[3]), copy)

    def _files(self, folder: Path) -> set[str]:
        """The files under ``folder`` (relative paths), listed once a build: one directory
        walk instead of a stat per page (two per page at 5,000 notes)."""
        listed = self._listed.get(folder)
        if listed is None:
            listed = self._listed[folder] = set(_walk_files(str(folder), ""))
        return listed

    def save(self, pages: dict[str, PageRecord], manifest: dict[str, str]) -> None:
        """Record this build's fingerprints (``pages``: docs path -> its record) with the
        digests emit wrote (``manifest``)."""
        from generator.render.emit import atomic_write

        entries = {
            page: [r.fingerprint, manifest[page], r.attempts, sorted(r.features), r.copy]
            for page, r in pages.items()
            if page in manifest
        }
        document = {"key": self.key, "pages": entries}
        atomic_write(self.path, json.dumps(document, separators=(",", ":")).encode("utf-8"))

    def forget(self) -> None:
        """Before the docs tree changes: a build killed halfway leaves no stale promise."""
        self.path.unlink(missing_ok=True)


def _walk_files(folder: str, prefix: str) -> Iterator[str]:
    """Regular files under ``folder``. A symlinked folder is not followed (a loop must not
    hang the build): pages under one are rendered again, never wrongly kept."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _walk_files(entry.path, f"{prefix}{entry.name}/")
        elif entry.is_file():
            yield prefix + entry.name


def replay(ctx: RenderContext, attempts: list[Attempt]) -> None:
    for code, path, line, message in attempts:
        ctx.report(code, path, line, message)
