"""Search at scale: Pagefind indexes the built site into ``site/pagefind/``.

Pagefind splits its index into small chunks, so a query downloads a few kilobytes however
large the vault; Material's built-in search downloads one index of the whole site. The pages
mark what to index (``data-pagefind-body``) and the filters (kind, agent, outcome) in the theme
override, ``site_templates/overrides/main.html``.

Pagefind keeps every page it indexes in memory until it writes the bundle (about 250 KB of
RSS a page: 1.4 GB at 5,000 pages), so a site with more than ``search_shard_pages`` pages to
index is indexed in shards: the sorted page paths cut into runs of at most that many, one
Pagefind process at a time, each writing its own bundle (``pagefind/``, ``pagefind-2/``...).
``pagefind-bundles.json`` at the site root lists them; the Search page and the header box
(``site_templates/assets/search.js``) load the first and merge the others (Pagefind's
``mergeIndex``), so a query searches every page.

On a big site Pagefind would otherwise run alone after MkDocs, on a core and a half, for a
quarter of the build. So when Definitive's own driver renders the pages
(publish/mkdocs_workers.py), ``SearchIndex`` indexes shards *while the rest still render*:
the build processes report each finished chunk of pages, scanned for secrets and for the
``data-pagefind-body`` marker, and once a shard's worth of pages is ready, Pagefind indexes
it in the background (one run at a time while pages render; after, as many as there are
cores while together they index at most ``search_shard_pages`` pages). A page reaches the
index only after it was scanned clean; the first leak stops the streaming, and the build then
fails on the whole-site scan as before.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import BuildError
from generator.processes import cpu_count
from generator.secrets import scan_file_bytes

BUNDLE = "pagefind"
BUNDLES = "pagefind-bundles.json"
_SHARD_BUNDLE = re.compile(rf"{BUNDLE}-\d+")
# Generated around a note, not written in it: the ¶ permalinks, the backlinks section, the tag
# bar and embedded notes (found under their own page, as in Obsidian's search). Indexed, they
# made every note that links to "Rubric v3" a hit for "rubric", above the rubric itself. The
# proof header's figures and outcome strip are numbers without words ("Price per task$4.00"
# was an agent's excerpt); its status and reason stay searchable.
NOT_CONTENT = (
    ".headerlink", ".dfn-backlinks", ".dfn-backlink-list", ".dfn-tags", ".dfn-embed",
    ".dfn-proof-figures", ".dfn-strip",
)  # fmt: skip
# The marker in a tag, not in text: in a page's text `<` is always escaped.
_BODY = re.compile(rb"<[A-Za-z][^<>]*\sdata-pagefind-body[\s=/>]")
STREAM_SHARDS = 4
"""A streamed index has at least this many shards: the last one is indexed after MkDocs
ends, so about a quarter of Pagefind's work is left for then."""
STREAM_MIN_SHARD = 250
"""Smaller shards are not streamed: every bundle costs the browser a few requests (its entry
file, metadata and WebAssembly) on the first search, more than a small site saves."""


def bundle_name(number: int) -> str:
    """The folder of the ``number``-th bundle (from 1): ``pagefind``, ``pagefind-2``..."""
    return BUNDLE if number == 1 else f"{BUNDLE}-{number}"


def index_site(site_dir: Path, shard_pages: int, scratch: Path) -> list[str]:
    """Index ``site_dir`` with the Pagefind binary (from the ``pagefind[bin]`` package).

    Returns the bundle folders written, ``pagefind`` first. A site with at most
    ``shard_pages`` pages to index gets one bundle from one Pagefind run over the whole site;
    a bigger one is indexed shard by shard, each shard's pages hard-linked (or copied) at
    their own paths into a folder under ``scratch`` so that Pagefind gives them the same URLs.
    """
    for old in site_dir.glob(f"{BUNDLE}-*"):
        if old.is_dir() and _SHARD_BUNDLE.fullmatch(old.name):
            shutil.rmtree(old)  # a bigger site's shards, left by an earlier build
    pages = _html_pages(site_dir)
    if len(pages) > shard_pages:
        pages = _pages_to_index(site_dir, pages)
    if len(pages) <= shard_pages:
        _run_pagefind(site_dir, site_dir / BUNDLE, "")
        bundles = [BUNDLE]
    else:
        shards = [pages[i : i + shard_pages] for i in range(0, len(pages), shard_pages)]
        bundles = []
        for number, shard in enumerate(shards, 1):
            with _staged(site_dir, shard, scratch) as staging:
                where = f" (shard {number} of {len(shards)}, {len(shard)} pages)"
                _run_pagefind(staging, site_dir / bundle_name(number), where)
            bundles.append(bundle_name(number))
    listing = {"bundles": [f"{name}/" for name in bundles]}
    (site_dir / BUNDLES).write_text(json.dumps(listing) + "\n", encoding="utf-8")
    return bundles


def _html_pages(site_dir: Path) -> list[str]:
    """Every HTML file Pagefind's default glob would find, as sorted site-relative paths."""
    return sorted(
        path.relative_to(site_dir).as_posix() for path in site_dir.rglob("*.html") if path.is_file()
    )


def _pages_to_index(site_dir: Path, pages: list[str]) -> list[str]:
    """The pages Pagefind indexes: those marked ``data-pagefind-body`` (all of them when no
    page is marked, as Pagefind does). Shards are cut from this list, so that every shard
    holds marked pages and none indexes a whole unmarked page (the 404, graph or search page)."""
    marked = [p for p in pages if _BODY.search((site_dir / p).read_bytes())]
    return marked or pages


@contextmanager
def _staged(site_dir: Path, pages: list[str], scratch: Path) -> Iterator[Path]:
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pagefind-shard-", dir=scratch) as folder:
        staging = Path(folder)
        _link_pages(site_dir, pages, staging)
        yield staging


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


def _pagefind_command(site: Path, bundle: Path) -> list[str]:
    command = [*_pagefind(), "--site", str(site), "--silent"]
    command += ["--output-path", str(bundle)]  # explicit: the theme override loads it from here
    for selector in NOT_CONTENT:
        command += ["--exclude-selectors", selector]
    return command


def _run_pagefind(site: Path, bundle: Path, where: str) -> None:
    try:
        done = subprocess.run(
            _pagefind_command(site, bundle), capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BuildError(f"search: cannot run Pagefind: {exc}") from None
    _check_pagefind(done.returncode, done.stderr or done.stdout, bundle, where)


def _check_pagefind(code: int, output: str, bundle: Path, where: str) -> None:
    if code != 0 or not (bundle / "pagefind.js").is_file():
        detail = output.strip().splitlines()[-3:]
        raise BuildError(
            f"search: Pagefind failed to index the site{where} "
            f"(is the `pagefind[bin]` package installed?): {' '.join(detail)}"
        )


# --- indexing while MkDocs renders ---------------------------------------------------------


def scan_pages(site_dir: Path, pages: list[str], personal: bool = False) -> dict[str, Any]:
    """What a build process reports on pages it has just written (site-relative paths): which
    carry Pagefind's body marker, and any secret in them (with ``personal``, emails and phone
    numbers too). JSON-able: workers send it as is; a leak is (page, line, kind), no value."""
    marked: list[str] = []
    leaks: list[tuple[str, int, str]] = []
    for page in pages:
        data = (site_dir / page).read_bytes()
        leaks += [(page, hit.line, hit.kind) for hit in scan_file_bytes(data, personal=personal)]
        if _BODY.search(data):
            marked.append(page)
    return {"pages": pages, "marked": marked, "leaks": leaks}


@dataclass
class _Run:
    process: subprocess.Popen[bytes]
    staging: Path
    bundle: Path
    output: Path
    where: str
    pages: int


@dataclass
class SearchIndex:
    """The site's Pagefind index: streamed shard by shard while the pages render when the
    build allows it (`stream`), otherwise built in one go by `finish` (`index_site`)."""

    site_dir: Path
    shard_pages: int
    scratch: Path
    shard_size: int = 0
    """Pages per streamed shard; 0 until `stream` says the build streams."""
    scanned: set[str] = field(default_factory=set)
    """Pages scanned clean by the build processes (the whole-site scan can skip them)."""
    leaked: bool = False
    personal: bool = False
    """Pages with an email or phone number count as leaking too (``scan_personal_data``)."""
    bundles: list[str] = field(default_factory=list)
    streamed_pages: int = 0
    """Pages handed to Pagefind during the MkDocs step, before `finish`."""
    _ready: list[str] = field(default_factory=list)
    _queue: list[list[str]] = field(default_factory=list)
    _runs: list[_Run] = field(default_factory=list)
    _rendering: bool = True

    def stream(self, pages: int) -> bool:
        """Whether to index while ``pages`` pages render: only for a site big enough to cut
        into `STREAM_SHARDS` shards of at least `STREAM_MIN_SHARD` pages."""
        if pages < STREAM_SHARDS * STREAM_MIN_SHARD:
            return False
        self.shard_size = min(self.shard_pages, math.ceil(pages / STREAM_SHARDS))
        return True

    def add(self, report: dict[str, Any]) -> None:
        """A chunk of finished pages, as `scan_pages` reported it, in rendering order."""
        if report["leaks"]:
            self.leaked = True  # nothing more is indexed; the whole-site scan fails the build
        if self.leaked:
            return
        self.scanned.update(report["pages"])
        self._ready += report["marked"]
        while len(self._ready) >= self.shard_size:
            self._queue.append(self._ready[: self.shard_size])
            del self._ready[: self.shard_size]
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
            if self._runs and indexing + len(self._queue[0]) > self.shard_pages:
                break
            shard = self._queue.pop(0)
            if self._rendering:
                self.streamed_pages += len(shard)
            self._start(shard)

    def flush(self) -> None:
        """The pages are all rendered: start indexing the last shard now. Its pages were scanned
        clean as they were written, so it need not wait for the scan of the rest of the site
        (the markdown copies, graph.json...), which Pagefind does not index."""
        self._rendering = False
        if self.shard_size and not self.leaked and self._ready:
            self._queue.append(self._ready)
            self._ready = []
        self.poll()

    def finish(self) -> list[str]:
        """Index what is left (everything, when nothing streamed) and list the bundles."""
        self.flush()  # a no-op when the build already flushed
        if not self.shard_size or self.leaked or not self.bundles:
            self.close()  # not streamed, or no page carried the marker: index the whole site
            self.bundles = index_site(self.site_dir, self.shard_pages, self.scratch)
            return self.bundles
        while self._runs:
            time.sleep(0.02)
            self.poll()
        listing = {"bundles": [f"{name}/" for name in self.bundles]}
        (self.site_dir / BUNDLES).write_text(json.dumps(listing) + "\n", encoding="utf-8")
        return self.bundles

    def close(self) -> None:
        """Stop any running Pagefind and remove its staging folder (after a failed build)."""
        for run in self._runs:
            if run.process.poll() is None:
                run.process.kill()
                run.process.wait()
                # Cut short: its bundle is half written (truncated files), never a site's.
                shutil.rmtree(run.bundle, ignore_errors=True)
            shutil.rmtree(run.staging.parent, ignore_errors=True)
        self._runs.clear()
        self._queue.clear()

    def _start(self, pages: list[str]) -> None:
        number = len(self.bundles) + 1
        self.bundles.append(bundle_name(number))
        self.scratch.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="pagefind-shard-", dir=self.scratch))
        staging = folder / "site"
        _link_pages(self.site_dir, pages, staging)
        bundle = self.site_dir / bundle_name(number)
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
        where = f" (shard {number}, {len(pages)} pages)"
        self._runs.append(_Run(process, staging, bundle, output, where, len(pages)))

    def _finish_run(self, run: _Run) -> None:
        try:
            output = run.output.read_text(encoding="utf-8", errors="replace")
            _check_pagefind(run.process.returncode, output, run.bundle, run.where)
        finally:
            shutil.rmtree(run.staging.parent, ignore_errors=True)


def _link_pages(site_dir: Path, pages: list[str], staging: Path) -> None:
    """Hard-link (or copy) ``pages`` into ``staging`` at their own paths, so that Pagefind
    gives them the same URLs as in the site."""
    folders: set[Path] = set()
    for page in pages:
        target = staging / page
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        try:
            os.link(site_dir / page, target)
        except OSError:  # another file system, or no hard links there
            shutil.copyfile(site_dir / page, target)
