"""Search at scale: Pagefind indexes the built site into ``site/pagefind/``.

Pagefind splits its index into small chunks, so a query downloads a few kilobytes however
large the vault; Material's built-in search downloads one index of the whole site. The pages
mark what to index (``data-pagefind-body``) and the filters (kind, agent, outcome) in the theme
override, ``site_templates/overrides/main.html``.

Pagefind keeps every page it indexes in memory until it writes the bundle (about 235 KB of
RSS a page: 0.47 GB at 2,000 pages, 0.90-0.97 GB at 4,000), and it cannot update a bundle: a
changed page means indexing its whole bundle again. So a site's pages are cut into shards of
at most ``search_shard_pages`` pages, each indexed by its own Pagefind run into its own bundle
(``pagefind/``, ``pagefind-2/``...). ``pagefind-bundles.json`` at the site root lists them; the
Search page and the header box (``site_templates/assets/search.js``) load the first and merge
the others (Pagefind's ``mergeIndex``), so a query searches every page. Each bundle costs a
query about 25-30 KB whatever its size (the chunk of its word index holding the word: Pagefind
cuts chunks at 20,000 word locations), so shards are as big as memory allows: 4,000 pages (4
bundles at 10,000 notes, a first query about 290 KB; BENCHMARKS.md).

**The layout** (`layout`) is a function of the indexed pages alone, so an incremental build
cuts the same shards as a cold one, and it is made so that a night's new runs touch few:

- runs (meta articles) come first, oldest first (by date, then path); full shards of
  ``search_shard_pages`` counted from the oldest never change when newer runs arrive, and
  what is left after them is cut into sealed quarter shards and a small tail;
- the tail goes into the *hot* shard with the pages every new run changes: definitive
  articles and agents (their track records) and a vault's own home page (the dashboard);
- every other page (notes, rules, the 404 page) follows, by path;
- a site with at most an eighth of ``search_shard_pages`` pages gets one bundle.

A shard whose pages and their indexed content are what the last complete build indexed keeps
its bundle (renamed if its position moved); only the others are indexed again. What a page
contributes is `index_digest`: its HTML from the body marker on, without what Pagefind is told
to skip there (backlinks, the tag bar), so that a page whose only change is a new backlink is
not indexed again.

On a big cold build Pagefind would otherwise run alone after MkDocs, on a core and a half, for
a quarter of the build. So when Definitive's own driver renders the pages
(publish/mkdocs_workers.py, in layout order), ``SearchIndex`` indexes shards *while the rest
still render*: the build processes report each finished chunk of pages, scanned for secrets
and for the ``data-pagefind-body`` marker, and once a shard is complete Pagefind indexes it
in the background (one run at a time while pages render; after, as many as there are cores
while together they index at most ``search_shard_pages`` pages). A page reaches the index
only after it was scanned clean; the first leak stops the indexing, and the build then fails
on the site scan.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from generator.errors import BuildError
from generator.model import Note
from generator.processes import cpu_count
from generator.publish.site_state import STAGING as _STAGING
from generator.secrets import scan_file_bytes
from generator.slugs import page_url

BUNDLE = "pagefind"
BUNDLES = "pagefind-bundles.json"
_BUNDLE_NAME = re.compile(rf"{BUNDLE}(?:-\d+)?")
# Generated around a note, not written in it: the ¶ permalinks, the backlinks section, the tag
# bar and embedded notes (found under their own page, as in Obsidian's search). Indexed, they
# made every note that links to "Rubric v3" a hit for "rubric", above the rubric itself. The
# proof header's figures and outcome strip are numbers without words ("Price per task$4.00"
# was an agent's excerpt); its status and reason stay searchable. The long tables of an
# article's runs and an agent's skills and runs (`.dfn-listing`) list pages found under their
# own words: they were most of the hot shard's HTML, which every night indexes again.
NOT_CONTENT = (
    ".headerlink", ".dfn-backlinks", ".dfn-backlink-list", ".dfn-tags", ".dfn-embed",
    ".dfn-proof-figures", ".dfn-strip", ".dfn-listing",
)  # fmt: skip
# The marker in a tag, not in text: in a page's text `<` is always escaped.
_BODY = re.compile(rb"<[A-Za-z][^<>]*\sdata-pagefind-body[\s=/>]")
# What `index_digest` leaves out: elements Pagefind skips (NOT_CONTENT) that change when other
# notes do. Each pattern matches a part of such an element only, never more: a page with a
# longer or nested one is just indexed again when it changes.
# The run pager (previous and next run of an article) comes after the indexed body, which
# Pagefind stops at, but the digest reads on to the page's end: without this a night's new
# run would index again the bundle holding the run before it.
_SKIPPED = re.compile(
    rb'<h2 class="dfn-backlinks"[^>]*>.*?</h2>|<ul class="dfn-backlink-list">.*?</ul>'
    rb'|<p class="dfn-tags">.*?</p>|<nav class="dfn-pager"[^>]*>.*?</nav>',
    re.S,
)
STREAM_SHARDS = 4
STREAM_MIN_SHARD = 250
"""A site of fewer than ``STREAM_SHARDS * STREAM_MIN_SHARD`` pages is indexed after MkDocs:
streaming pays only when there is rendering left to overlap with."""

RUNS, HOT, OTHER = 0, 1, 2
SearchKey = tuple[int, str]
"""Where a page goes in the layout: its group (`RUNS`, `HOT`, `OTHER`) and its place there."""


def is_bundle(name: str) -> bool:
    """Whether a top-level folder of the site is a search bundle's."""
    return _BUNDLE_NAME.fullmatch(name) is not None


def bundle_name(number: int) -> str:
    """The folder of the ``number``-th bundle (from 1): ``pagefind``, ``pagefind-2``..."""
    return BUNDLE if number == 1 else f"{BUNDLE}-{number}"


def html_path(docs_path: str, directory_urls: bool) -> str:
    """The HTML file MkDocs writes for a docs page."""
    url = page_url(docs_path, directory_urls)
    return url + "index.html" if url == "" or url.endswith("/") else url


def page_keys(
    notes: Iterable[Note], note_paths: dict[str, str], directory_urls: bool
) -> dict[str, SearchKey]:
    """Each published note's page (its HTML file) -> its place in the layout."""
    keys: dict[str, SearchKey] = {}
    for note in notes:
        docs = note_paths.get(note.path)
        if docs is None:
            continue
        if note.kind == "meta":
            key: SearchKey = (RUNS, f"{note.meta.get('date', '')}\0{note.path}")
        elif note.kind in ("definitive", "agent") or docs == "index.md":
            key = (HOT, note.path)
        else:
            key = (OTHER, note.path)
        keys[html_path(docs, directory_urls)] = key
    return keys


def index_digest(data: bytes) -> str | None:
    """What Pagefind indexes of a page, as a digest: None when the page is not marked."""
    found = _BODY.search(data)
    if found is None:
        return None
    return hashlib.sha256(_SKIPPED.sub(b"", data[found.start() :])).hexdigest()[:32]


class _Layout:
    """Cuts pages, fed in layout order, into shards (see the module docstring); streaming:
    `feed` returns the shards that are final as soon as they are."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self.quarter = self.size // 4  # 0: too small a size for quarters
        self.small = self.size // 8
        self.pages: list[str] = []
        self.group = RUNS
        self.current: list[str] = []
        self.done: list[list[str]] = []
        self.given = 0

    def feed(self, page: str, group: int) -> list[list[str]]:
        if group < self.group:
            raise ValueError("pages must come in layout order")
        while self.group < group:
            self._end_group()
        self.pages.append(page)
        self.current.append(page)
        if len(self.current) == self.size:
            self.done.append(self.current)
            self.current = []
        return self._ready()

    def close(self) -> list[list[str]]:
        while self.group <= OTHER:
            self._end_group()
        if len(self.pages) <= self.small:  # a small site: one bundle
            self.done = [self.pages] if self.pages else []
        return self._ready(final=True)

    def _end_group(self) -> None:
        if self.group == RUNS:  # the runs after the full shards: quarters, and the tail
            if self.quarter:
                cut = len(self.current) // self.quarter * self.quarter
                chunks = range(0, cut, self.quarter)
                self.done += [self.current[i : i + self.quarter] for i in chunks]
                self.current = self.current[cut:]  # the tail opens the hot shard
        elif self.current:
            self.done.append(self.current)
            self.current = []
        self.group += 1

    def _ready(self, final: bool = False) -> list[list[str]]:
        if not final and len(self.pages) <= self.small:
            return []  # it may stay a small site
        ready = self.done[self.given :]
        self.given = len(self.done)
        return ready


def layout(pages: Iterable[str], keys: dict[str, SearchKey], size: int) -> list[list[str]]:
    """The shards of a site whose indexed pages are ``pages`` (any order)."""
    cutter = _Layout(size)
    shards: list[list[str]] = []
    for page in sorted(pages, key=lambda p: _key(keys, p)):
        shards += cutter.feed(page, _key(keys, page)[0])
    return shards + cutter.close()


def _key(keys: dict[str, SearchKey], page: str) -> SearchKey:
    return keys.get(page) or (OTHER, page)


@functools.cache
def _pagefind() -> list[str]:
    """The binary of the ``pagefind[bin]`` package, run directly: through ``python -m
    pagefind`` every run (one per shard) paid 0.08 s of Python start-up first. The module
    finds a binary installed some other way."""
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]

        return [str(get_executable())]
    except (ImportError, OSError):
        return [sys.executable, "-m", "pagefind"]


@functools.cache
def pagefind_version() -> str:
    """Bundles of two Pagefind versions are never merged: a new one indexes everything."""
    from importlib import metadata

    for name in ("pagefind-bin", "pagefind"):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


def _pagefind_command(site: Path, bundle: Path) -> list[str]:
    command = [*_pagefind(), "--site", str(site), "--silent"]
    command += ["--output-path", str(bundle)]  # explicit: the theme override loads it from here
    for selector in NOT_CONTENT:
        command += ["--exclude-selectors", selector]
    return command


def _check_pagefind(code: int, output: str, bundle: Path, where: str) -> None:
    if code != 0 or not (bundle / "pagefind.js").is_file():
        detail = output.strip().splitlines()[-3:]
        raise BuildError(
            f"search: Pagefind failed to index the site{where} "
            f"(is the `pagefind[bin]` package installed?): {' '.join(detail)}"
        )


# --- what the build processes report ------------------------------------------------------


class PageReport(TypedDict):
    """What a build process reports on pages it has just written: JSON-able (workers send it
    as is); a leak is (page, line, kind), never the value."""

    pages: list[str]
    marked: list[tuple[str, str]]
    """The pages carrying Pagefind's body marker, each with its `index_digest`."""
    leaks: list[tuple[str, int, str]]


def scan_pages(site_dir: Path, pages: list[str], personal: bool = False) -> PageReport:
    """Scan pages just written (site-relative paths) for secrets (with ``personal``, emails
    and phone numbers too) and Pagefind's body marker."""
    marked: list[tuple[str, str]] = []
    leaks: list[tuple[str, int, str]] = []
    for page in pages:
        data = (site_dir / page).read_bytes()
        leaks += [(page, hit.line, hit.kind) for hit in scan_file_bytes(data, personal=personal)]
        digest = index_digest(data)
        if digest is not None:
            marked.append((page, digest))
    return {"pages": pages, "marked": marked, "leaks": leaks}


# --- the index ----------------------------------------------------------------------------


class SearchState(TypedDict):
    """What the last complete build indexed (kept with the site stamp)."""

    pagefind: str
    digests: dict[str, str]
    bundles: list[list[tuple[str, str]]]
    """Per bundle, in order: its pages with their digests."""


@dataclass
class _Run:
    process: subprocess.Popen[bytes]
    staging: Path
    bundle: Path
    """Where Pagefind writes (in the scratch folder, until `_finish_run` moves it)."""
    final: Path
    output: Path
    where: str
    pages: int


@dataclass
class SearchIndex:
    """The site's Pagefind index: streamed shard by shard while the pages render when the
    build allows it (`stream`), otherwise laid out by `finish`, which keeps every bundle whose
    pages did not change since ``previous``."""

    site_dir: Path
    shard_pages: int
    scratch: Path
    personal: bool = False
    """Pages with an email or phone number count as leaking too (``scan_personal_data``)."""
    keys: dict[str, SearchKey] = field(default_factory=dict)
    """Each page's place in the layout (`page_keys`); a page without one goes with the notes."""
    previous: SearchState | None = None
    scanned: set[str] = field(default_factory=set)
    """Pages scanned clean by the build processes (the site scan can skip them)."""
    leaked: bool = False
    digests: dict[str, str] = field(default_factory=dict)
    """This build's indexed pages, each with its `index_digest`."""
    shards: list[list[str]] = field(default_factory=list)
    bundles: list[str] = field(default_factory=list)
    streamed_pages: int = 0
    """Pages handed to Pagefind during the MkDocs step, before `finish`."""
    indexed: int = 0
    """Bundles Pagefind wrote in this build (the others were kept)."""
    indexed_pages: int = 0
    _layout: _Layout | None = None
    _queue: list[int] = field(default_factory=list)
    _runs: list[_Run] = field(default_factory=list)
    _rendering: bool = True
    moved: dict[str, str] = field(default_factory=dict)
    """Kept bundles: the folder each had in the last build -> the one it has now."""
    _laid_out: bool = False
    _keep: dict[int, str] = field(default_factory=dict)
    """Bundle number (from 1) -> the folder of the last build's bundle it keeps."""
    _kept: dict[str, Path] = field(default_factory=dict)
    """Bundle name -> a kept bundle set aside (a dot folder of the site) until `_tidy`."""

    def stream(self, pages: int) -> bool:
        """Whether to index while ``pages`` pages render (a full build of a big enough site)."""
        if pages < STREAM_SHARDS * STREAM_MIN_SHARD:
            return False
        self._layout = _Layout(self.shard_pages)
        return True

    def order(self, docs_paths: Iterable[str], directory_urls: bool) -> list[str]:
        """``docs_paths`` in layout order (pages without a key last): rendered in that order,
        each shard is complete as early as it can be."""
        rank = {path: _key(self.keys, path) for path in self.keys}
        last = (OTHER + 1, "")
        return sorted(docs_paths, key=lambda d: rank.get(html_path(d, directory_urls), last))

    def add(self, report: PageReport) -> None:
        """Pages written and scanned (`scan_pages`); when streaming, a chunk of them, in
        rendering order."""
        if report["leaks"]:
            self.leaked = True  # nothing more is indexed; the site scan fails the build
        if self.leaked:
            return
        self.scanned.update(report["pages"])
        marked = sorted(report["marked"], key=lambda item: _key(self.keys, item[0]))
        for page, digest in marked:
            self.digests[page] = digest
            if self._layout is not None:
                for shard in self._layout.feed(page, _key(self.keys, page)[0]):
                    self._plan(shard)
        self.poll()

    def poll(self) -> None:
        """Check on the Pagefind runs, and start queued shards when there is room: one run at
        a time while pages render (they keep the cores busy); once they are all rendered, one
        per core, as long as the runs together index at most `shard_pages` pages (the memory
        bound that option sets)."""
        for run in [run for run in self._runs if run.process.poll() is not None]:
            self._runs.remove(run)
            self._finish_run(run)
        room = 1 if self._rendering else cpu_count()
        while self._queue and len(self._runs) < room:
            indexing = sum(run.pages for run in self._runs)
            number = self._queue[0]
            if self._runs and indexing + len(self.shards[number]) > self.shard_pages:
                break
            self._queue.pop(0)
            if self._rendering:
                self.streamed_pages += len(self.shards[number])
            self._start(number)

    def flush(self) -> None:
        """The pages are all rendered: the last shards of a streamed layout start now. Their
        pages were scanned clean as they were written, so they need not wait for the scan of
        the rest of the site (the markdown copies, graph.json...), which Pagefind skips."""
        self._rendering = False
        if self._layout is not None and not self.leaked:
            for shard in self._layout.close():
                self._plan(shard)
            self._layout = None
        self.poll()

    def begin(self, unchanged: Collection[str] = ()) -> None:
        """Lay out a build that did not stream (a rebuild) and start indexing its changed
        shards now, while the build does its remaining work (the markdown beside pages, the
        secret scan of the other files, the stamp). Call it once every page is final and
        every page written in this build was scanned (`add`): the layout reads their digests.
        ``unchanged``: site paths whose files are as the last complete build left them,
        indexed as ``previous`` says.

        Nothing reaches the site before `finish`: Pagefind writes into the scratch folder,
        and the kept bundles stay where they are, so a build that fails meanwhile (a leak in
        an attachment) leaves the last published index as it was, and `close` removes what
        was being written."""
        if self.leaked or self._laid_out:
            return
        streamed = self._layout is not None or bool(self.shards)
        self.flush()
        self._laid_out = True
        if streamed:  # laid out while the pages rendered
            return
        self._relayout(unchanged)
        room = cpu_count()
        while self._queue and len(self._runs) < room:
            indexing = sum(run.pages for run in self._runs)
            if self._runs and indexing + len(self.shards[self._queue[0]]) > self.shard_pages:
                break
            self._start(self._queue.pop(0))

    def finish(self, unchanged: Collection[str] = ()) -> list[str]:
        """Index what is left and list the bundles. A build that did not stream lays out every
        indexed page: those it scanned, and ``unchanged`` ones (site paths whose files are as
        the last complete build left them), known from ``previous`` (see `begin`)."""
        if self.leaked:  # the site scan fails the build; nothing more is indexed
            self.close()
            return []
        self.begin(unchanged)
        self._set_aside()
        if not self.shards and not self.digests:  # no page carries the marker (a theme of
            self.shards = [_html_pages(self.site_dir)]  # one's own): Pagefind's default,
            self._queue = [0] if self.shards[0] else []  # every page
        while self._runs or self._queue:
            time.sleep(0.02)
            self.poll()
        self.bundles = [bundle_name(n) for n in range(1, len(self.shards) + 1)]
        self._tidy()
        listing = {"bundles": [f"{name}/" for name in self.bundles]}
        (self.site_dir / BUNDLES).write_text(json.dumps(listing) + "\n", encoding="utf-8")
        return self.bundles

    def state(self) -> SearchState:
        """What to remember for the next build's `finish`."""
        return {
            "pagefind": pagefind_version(),
            "digests": dict(self.digests),
            "bundles": [[(p, self.digests.get(p, "")) for p in shard] for shard in self.shards],
        }

    def close(self) -> None:
        """Stop any running Pagefind and remove what it was writing (after a failed build)."""
        for run in self._runs:
            if run.process.poll() is None:
                run.process.kill()
                run.process.wait()
            shutil.rmtree(run.staging.parent, ignore_errors=True)  # with its half bundle
        self._runs.clear()
        self._queue.clear()

    # -- internals ---------------------------------------------------------------------------

    def _plan(self, shard: list[str]) -> None:
        self.shards.append(shard)
        self._queue.append(len(self.shards) - 1)

    def _relayout(self, unchanged: Collection[str]) -> None:
        """Lay out the whole site and queue the shards that changed; the others keep their
        bundles (`_keep`, set aside by `_set_aside`)."""
        self.close()
        previous = self.previous
        if previous is not None and previous.get("pagefind") == pagefind_version():
            for page in unchanged:
                digest = previous["digests"].get(page)
                if digest is not None and page not in self.scanned:
                    self.digests.setdefault(page, digest)
            old = {
                tuple(map(tuple, pages)): bundle_name(n)
                for n, pages in enumerate(previous["bundles"], 1)
            }
        else:
            old = {}
        self.shards = layout(self.digests, self.keys, self.shard_pages)
        for number, shard in enumerate(self.shards, 1):
            name = old.pop(tuple((p, self.digests[p]) for p in shard), None)
            if name is not None and (self.site_dir / name / "pagefind.js").is_file():
                self._keep[number] = name
            else:
                self._queue.append(number - 1)

    def _set_aside(self) -> None:
        """Move the kept bundles out of the way (dot folders of the site) of the bundles being
        written, to be moved into their places by `_tidy`: a kept bundle may take the name
        of a changed one, and the other way round."""
        for number, name in sorted(self._keep.items()):
            aside = self.site_dir / f"{_STAGING}kept-{number}"
            shutil.rmtree(aside, ignore_errors=True)
            (self.site_dir / name).rename(aside)
            self._kept[bundle_name(number)] = aside
            self.moved[name] = bundle_name(number)
        self._keep = {}

    def _tidy(self) -> None:
        """Move kept bundles to their places; remove every other bundle folder."""
        kept = self._kept
        wanted = set(self.bundles)
        for path in self.site_dir.iterdir():
            if _BUNDLE_NAME.fullmatch(path.name) and path.is_dir() and path.name in kept:
                shutil.rmtree(path)  # a changed shard's old bundle where a kept one goes
            elif _BUNDLE_NAME.fullmatch(path.name) and path.is_dir() and path.name not in wanted:
                shutil.rmtree(path)  # a bundle of pages no longer indexed
        for name, aside in kept.items():
            aside.rename(self.site_dir / name)
        for path in self.site_dir.glob(f"{_STAGING}*"):
            shutil.rmtree(path, ignore_errors=True)
        self._kept = {}

    def _start(self, number: int) -> None:
        pages = self.shards[number]
        name = bundle_name(number + 1)
        self.scratch.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="pagefind-shard-", dir=self.scratch))
        staging = folder / "site"
        _stage_pages(self.site_dir, pages, staging)
        bundle = folder / "bundle"  # moved into the site once complete
        output = folder / "pagefind.log"
        with output.open("wb") as log:
            try:
                process = subprocess.Popen(
                    _pagefind_command(staging, bundle),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            except OSError as exc:
                shutil.rmtree(folder, ignore_errors=True)
                raise BuildError(f"search: cannot run Pagefind: {exc}") from None
        where = f" (shard {number + 1}, {len(pages)} pages)"
        final = self.site_dir / name
        self._runs.append(_Run(process, staging, bundle, final, output, where, len(pages)))

    def _finish_run(self, run: _Run) -> None:
        try:
            output = run.output.read_text(encoding="utf-8", errors="replace")
            _check_pagefind(run.process.returncode, output, run.bundle, run.where)
            shutil.rmtree(run.final, ignore_errors=True)
            shutil.move(run.bundle, run.final)  # a rename when the cache is on the same disk
            self.indexed += 1
            self.indexed_pages += run.pages
        finally:
            shutil.rmtree(run.staging.parent, ignore_errors=True)


def _html_pages(site_dir: Path) -> list[str]:
    """Every HTML file of the site (not in a dot folder), as sorted site-relative paths."""
    return sorted(
        rel
        for path in site_dir.rglob("*.html")
        if path.is_file() and not (rel := path.relative_to(site_dir).as_posix()).startswith(".")
    )


def _stage_pages(site_dir: Path, pages: list[str], staging: Path) -> None:
    """Put ``pages`` into ``staging`` at their own paths (so that Pagefind gives them the same
    URLs as in the site), each as `indexed_part` of it: Pagefind reads and parses every byte
    of a file, and Material's head, header and navigation around the indexed body are most
    of a page (on 2,000 notes Pagefind took 7.0-7.9 s of CPU instead of 9.1-9.3 s, with the
    same index chunks and fragments; BENCHMARKS.md). A page without the body marker is
    linked whole."""
    folders: set[Path] = set()
    for page in pages:
        target = staging / page
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        data = (site_dir / page).read_bytes()
        part = indexed_part(data)
        if part is not None:
            target.write_bytes(part)
            continue
        try:
            os.link(site_dir / page, target)
        except OSError:  # another file system, or no hard links there
            target.write_bytes(data)


_HTML_TAG = re.compile(rb"<html(?:\s[^<>]*)?>", re.I)
_TITLE = re.compile(rb"<title>[^<]*</title>", re.I)


def indexed_part(data: bytes) -> bytes | None:
    """What Pagefind reads of a marked page, as a page of its own: the ``<html>`` tag (the
    language), the title, and everything from the body marker on (what `index_digest`
    covers); None when the page carries no marker (Pagefind then indexes it whole)."""
    found = _BODY.search(data)
    if found is None:
        return None
    html_tag = _HTML_TAG.search(data, 0, found.start())
    title = _TITLE.search(data, 0, found.start())
    head = html_tag.group(0) if html_tag else b"<html>"
    return b"".join(
        (
            b"<!doctype html>",
            head,
            b'<head><meta charset="utf-8">',
            title.group(0) if title else b"",
            b"</head><body>",
            data[found.start() :],
        )
    )
