"""The publish stage's one entry point: the emitted docs tree in, a checked site out.

    render -> **publish**: MkDocs (publish/mkdocs_site.py) -> sanitising check -> secret
    scan of the new pages -> Pagefind starts -> markdown beside pages -> secret scan of the
    other new files -> Pagefind ends -> stamp

Everything MkDocs-specific sits behind `publish` (the renderer, its workers and hooks); what
follows the renderer reads the site folder itself, so it holds whatever wrote the pages:

- every HTML page written in this build must have been sanitised by Definitive's hook
  (`check_sanitised`): a renderer that skipped the hook fails the build, its pages removed;
- every file written in this build is scanned for secrets (generator/secrets.py);
- Pagefind indexes the shards whose pages changed (publish/search.py).

Files the last complete build left as they are (publish/site_state.py) were checked then and
are not read again. The site is walked once, after MkDocs: what the build writes after that
(the markdown beside pages, Pagefind's bundles) it records as it writes it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from generator.analysis import Step
from generator.config import Settings
from generator.errors import BuildError
from generator.model import Note
from generator.publish.mkdocs_hooks import SANITISED
from generator.publish.mkdocs_site import Stamp, build_site, mark_built
from generator.publish.outputs import write_markdown
from generator.publish.search import (
    BUNDLES,
    SearchIndex,
    html_path,
    is_bundle,
    page_keys,
    scan_pages,
)
from generator.publish.site_state import (
    FileStat,
    replace_folders,
    snapshot,
    stat_files,
    unchanged,
)
from generator.render.incremental import COPIES
from generator.render.pages import SitePlan
from generator.secrets import check_site, companions


@dataclass
class Published:
    built: bool
    """False when the site was already up to date and nothing ran."""
    warnings: list[str]
    processes: int
    """Processes that rendered the pages (0: MkDocs did not run)."""
    pages: int
    """Pages MkDocs rendered: every page, or only the changed ones when the rest stood."""
    search: SearchIndex | None
    written: int = 0
    """Site files written in this build, each checked and scanned."""


def publish(
    settings: Settings,
    plan: SitePlan,
    notes: Iterable[Note],
    step: Step,
    verbose: bool = False,
) -> Published:
    """Build the site from the emitted docs tree (``plan``: its nav and pages; ``notes``: the
    published notes, for the search layout) and check it; raises `BuildError`."""
    options = settings.options
    search = None
    try:
        with _ledger() as ledger:
            with step("Building site with MkDocs", None):
                previous = Stamp.read(settings)  # the last complete build: checked, indexed
                if options.search:
                    search = SearchIndex(
                        settings.site_dir,
                        options.search_shard_pages,
                        settings.cache_dir,
                        personal=options.scan_personal_data,
                        keys=page_keys(notes, plan.note_paths, settings.directory_urls),
                        previous=previous.search if previous else None,
                    )
                site = build_site(settings, plan.nav, verbose, search, previous)
            if not site.built:
                return Published(False, site.warnings, 0, 0, None)
            assert site.stamp is not None
            with step("Checking new pages", None):
                if search is not None:
                    search.flush()  # the last shards index while the rest is checked
                # The one walk of the site: what this build wrote is what the stamp does not
                # vouch for (the markdown beside pages is added as it is placed, below).
                now = snapshot(settings.site_dir)
                if previous is not None and _lost_pages(
                    previous.files, now, site.stamp.docs, settings.directory_urls
                ):
                    # Pages removed from the site folder since the last build: MkDocs
                    # renders only pages whose markdown changed, so build the whole site
                    # (build_site removed the stamp: this call finds none).
                    return publish(settings, plan, notes, step, verbose)
                same = unchanged(now, previous.files if previous else {})
                written = sorted(p for p in now if p not in same)
                check_sanitised(settings.site_dir, written, _read_ledger(ledger), site.templates)
                skip: set[str] = set(same)
                personal = options.scan_personal_data
                if search is not None:  # reads the new pages once: secrets and body markers
                    pages = [p for p in written if p.endswith(".html") and p not in search.scanned]
                    search.add(scan_pages(settings.site_dir, pages, personal))
                    skip |= search.scanned
                    # Every page is final and scanned: Pagefind indexes the changed shards
                    # while the rest of the build runs (nothing reaches the site before
                    # `finish`).
                    search.begin(same)
        with step("Writing markdown beside pages", None):
            copies = settings.cache_dir / COPIES
            before = previous.docs if previous else {}
            settled = {
                p for p, sha in site.stamp.docs.items() if p in same and before.get(p) == sha
            }
            placed = write_markdown(
                plan, settings.site_dir, settings.docs_dir, copies, settled=settled
            )
            now.update(stat_files(settings.site_dir, placed))
            skip.difference_update(placed)
            written = sorted({*written, *placed})
        with step("Scanning site for secrets", None):
            check_site(settings.site_dir, skip, personal=personal, files=written)
        if search is not None:
            with step("Indexing search (Pagefind)", None):
                search.finish(same)
                now = _with_bundles(settings.site_dir, now, search)
        site.stamp.search = search.state() if search is not None else None
        mark_built(settings, site.stamp, now)
    finally:
        if search is not None:
            search.close()  # a failed build leaves no Pagefind running
    return Published(True, site.warnings, site.processes, site.pages, search, len(written))


def _lost_pages(
    before: dict[str, FileStat],
    now: dict[str, FileStat],
    docs: dict[str, str],
    directory_urls: bool,
) -> list[str]:
    """HTML pages the last complete build left that are gone although their docs page is
    still there (removed by hand, or by another program): a rebuild would not write them."""
    gone = [p for p in before if p not in now and p.endswith(".html")]
    if not gone:
        return []
    wanted = {html_path(d, directory_urls) for d in docs if d.endswith(".md")}
    return [p for p in gone if p in wanted]


def _with_bundles(
    site_dir: Path, files: dict[str, FileStat], search: SearchIndex
) -> dict[str, FileStat]:
    """The site's files once Pagefind is done (``files``: as they were before it), without
    walking the site again: kept bundles renamed whole, new ones read, old ones gone."""
    tops = {path.split("/", 1)[0] for path in files if "/" in path}
    bundles = [name for name in tops if is_bundle(name)]
    kept = set(search.moved.values())
    new = [name for name in search.bundles if name not in kept]
    files = replace_folders(files, site_dir, moved=search.moved, walked=new, gone=bundles)
    files.update(stat_files(site_dir, [BUNDLES]))
    return files


# --- sanitising, checked after the renderer --------------------------------------------------


@contextmanager
def _ledger() -> Iterator[Path]:
    """A folder where Definitive's MkDocs hook notes every page it sanitised (one file per
    process, its workers' included: they inherit the environment)."""
    folder = Path(tempfile.mkdtemp(prefix="definitive-sanitised-"))
    before = os.environ.get(SANITISED)
    os.environ[SANITISED] = str(folder)
    try:
        yield folder
    finally:
        if before is None:
            os.environ.pop(SANITISED, None)
        else:
            os.environ[SANITISED] = before
        shutil.rmtree(folder, ignore_errors=True)


def _read_ledger(folder: Path) -> set[str]:
    pages: set[str] = set()
    for path in folder.glob("*.txt"):
        pages.update(line for line in path.read_text(encoding="utf-8").splitlines() if line)
    return pages


def check_sanitised(
    site_dir: Path, written: Iterable[str], sanitised: Collection[str], templates: Collection[str]
) -> None:
    """Fail the build when an HTML page written in this build was not sanitised: every one
    must be a page Definitive's hook sanitised, or one of the theme's own templates (the 404
    page...), which hold no note text. A page that slipped past the hook (a renderer or a
    setting that skipped it) is removed, with its markdown copy, before the build fails."""
    missed = [
        p
        for p in written
        if p.endswith((".html", ".htm")) and p not in sanitised and p not in templates
    ]
    if not missed:
        return
    for page in missed:
        for name in (page, *companions(page)):
            (site_dir / name).unlink(missing_ok=True)
    shown = ", ".join(missed[:5]) + (f" and {len(missed) - 5} more" if len(missed) > 5 else "")
    raise BuildError(
        f"{len(missed)} page(s) were written without Definitive's sanitiser ({shown}): "
        "removed, and the site was not published. Was the MkDocs hook left out of the "
        "config, or the site built by another renderer?"
    )
