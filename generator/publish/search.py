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
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.errors import BuildError

BUNDLE = "pagefind"
BUNDLES = "pagefind-bundles.json"
_SHARD_BUNDLE = re.compile(rf"{BUNDLE}-\d+")
# Generated around a note, not written in it: the ¶ permalinks, the backlinks section, the tag
# bar and embedded notes (found under their own page, as in Obsidian's search). Indexed, they
# made every note that links to "Rubric v3" a hit for "rubric", above the rubric itself.
NOT_CONTENT = (".headerlink", ".dfn-backlinks", ".dfn-backlink-list", ".dfn-tags", ".dfn-embed")
# The marker in a tag, not in text: in a page's text `<` is always escaped.
_BODY = re.compile(rb"<[A-Za-z][^<>]*\sdata-pagefind-body[\s=/>]")


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
        for page in pages:
            target = staging / page
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(site_dir / page, target)
            except OSError:  # another file system, or no hard links there
                shutil.copyfile(site_dir / page, target)
        yield staging


def _run_pagefind(site: Path, bundle: Path, where: str) -> None:
    command = [sys.executable, "-m", "pagefind", "--site", str(site), "--silent"]
    command += ["--output-path", str(bundle)]  # explicit: the theme override loads it from here
    for selector in NOT_CONTENT:
        command += ["--exclude-selectors", selector]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BuildError(f"search: cannot run Pagefind: {exc}") from None
    if done.returncode != 0 or not (bundle / "pagefind.js").is_file():
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BuildError(
            f"search: Pagefind failed to index the site{where} "
            f"(is the `pagefind[bin]` package installed?): {' '.join(detail)}"
        )
