"""MkDocs' build with its pages shared between processes, one per core.

MkDocs renders one page after another in one process, and on a large vault that is most of a
build. Its steps are: config -> files -> nav -> render each page's markdown -> write each page
through the theme. Once files and nav are known the pages are independent, as long as no plugin
gathers data across pages (a search index, a blog archive, tag listings). So when every plugin
in the effective config is known to be page-local (`parallel_safe`), `build_in_workers` runs
MkDocs' own steps in N processes: each loads the same config, collects the same files and nav,
then renders and writes its share of the pages (every N-th page, so big hub pages spread out).
The first process, this one, also cleans ``site_dir``, copies static files, writes the theme's
own templates (404 page, sitemap) and runs the plugins' ``on_post_build``.

The same steps can update a site instead (``only``): render just the pages whose markdown
changed, copy the static files newer than their copy and delete the outputs of removed pages;
publish/mkdocs_site.py decides when that gives the same site as a full build.

Workers are fresh interpreters (see generator/processes.py for why). They get their job as
JSON on stdin and leave their result (MkDocs warnings, or the error) in a JSON file.

Pages render in chunks of ``CHUNK_PAGES`` (each process its every N-th page of each chunk, so
all processes finish a chunk at about the same time). With a ``SearchIndex`` to feed, every
process scans the pages of each chunk it finishes (secrets, Pagefind's marker) and reports
them, a worker as a JSON file in the scratch folder; this process hands each complete chunk to
the index in order, which can then index shards while later chunks render.

MkDocs' anchor check (``validation.anchors``) needs every page's headings in one process, so it
is skipped whenever Definitive drives the build (even in one process, so that a build's
messages do not depend on the number of cores): Definitive's link audit has already checked
every heading and block link of the vault (``link-heading-missing``, ``link-block-missing``)
before MkDocs runs.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import BuildError
from generator.processes import cpu_count, worker_env
from generator.publish import renderer_versions
from generator.publish.markdown_reuse import reusing_markdown
from generator.publish.search import PageReport, SearchIndex, scan_pages

if TYPE_CHECKING:
    import jinja2
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.nav import Navigation

ChunkDone = Callable[[int, list[str]], None]
"""Called with a chunk's number and the site paths of the pages this process wrote in it."""

MIN_PAGES_PER_WORKER = 150
"""Below this many pages per extra process, starting it (imports, config, files, nav: about a
second) costs more than it saves."""
CHUNK_PAGES = 100
"""Pages per chunk: a finished chunk can be indexed while the next ones render."""


def worker_count(requested: int, pages: int) -> int:
    """``requested`` processes (0: one per core, while each gets enough pages to pay off)."""
    if requested > 0:
        return requested
    return max(1, min(cpu_count(), pages // MIN_PAGES_PER_WORKER, 8))


def parallel_safe(config: MkDocsConfig, overrides: dict[str, Any], page_local: set[str]) -> bool:
    """Whether the build can be shared: every plugin is one we know keeps to the page it is
    given (``page_local``: Definitive's own hooks), and the overrides can travel as JSON. Any
    other plugin (a user's hooks, Material's search, tags or blog plugins) may gather data
    across pages, so it gets MkDocs' ordinary one-process build; so does an MkDocs whose
    private build steps were not tested (publish/renderer_versions.py)."""
    if not renderer_versions.mkdocs_tested():
        return False
    try:
        json.dumps(overrides)
    except (TypeError, ValueError):  # e.g. a markdown extension given as a Python object
        return False
    return all(name in page_local for name in config.plugins)


def _prepare(config: MkDocsConfig) -> tuple[Files, Navigation, jinja2.Environment]:
    """MkDocs' build up to the pages: files, theme environment, nav (with their plugin events)."""
    from mkdocs.structure.files import get_files, set_exclusions
    from mkdocs.structure.nav import get_navigation

    files = get_files(config)
    env = config.theme.get_env()
    files.add_files_from_theme(env, config)
    files = config.plugins.on_files(files, config=config)
    set_exclusions(files, config)
    nav = get_navigation(files, config)
    nav = config.plugins.on_nav(nav, config=config, files=files)
    return files, nav, env


@reusing_markdown  # one Markdown instance for all of this process's pages
def _build_share(
    config: MkDocsConfig,
    files: Files,
    nav: Navigation,
    env: jinja2.Environment,
    index: int,
    count: int,
    only: list[str] | None = None,
    chunk_done: ChunkDone | None = None,
    chunk_pages: int = CHUNK_PAGES,
    order: list[str] | None = None,
) -> jinja2.Environment:
    """Render and write every ``count``-th page of each chunk, starting at ``index``, as
    MkDocs' build does (its one process populates every page, then builds them; the plugins
    allowed here keep to their page, so chunk by chunk is the same); with ``only``, of those
    pages alone (docs paths); with ``order`` (docs paths), in that order, the rest after.
    ``chunk_done`` hears of every chunk, even one with no page here."""
    from mkdocs.commands.build import _build_page, _populate_page
    from mkdocs.structure.files import InclusionLevel
    from mkdocs.structure.pages import Page

    doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
    for file in doc_files:
        if file.page is None:
            Page(None, file, config)
    wanted = None if only is None else set(only)
    chosen = doc_files if wanted is None else [f for f in doc_files if f.src_uri in wanted]
    if order:
        rank = {path: number for number, path in enumerate(order)}
        chosen = sorted(chosen, key=lambda f: rank.get(f.src_uri, len(rank)))
    env_ready = False
    for number, start in enumerate(range(0, len(chosen), chunk_pages)):
        mine = chosen[start : start + chunk_pages][index::count]
        for file in mine:
            assert file.page is not None
            _populate_page(file.page, config, files)
        if not env_ready:
            env = config.plugins.on_env(env, config=config, files=files)
            env_ready = True
        for file in mine:
            assert file.page is not None
            excluded = file.inclusion.is_excluded()
            _build_page(file.page, config, doc_files, nav, env, excluded=excluded)
            # Written: no later step reads its text (the plugins allowed here keep to their
            # page, the nav and sitemap read titles and URLs). Kept, every page's source and
            # HTML were about a third of each process's memory at 20,000 notes.
            file.page.markdown = file.page.content = None
        if chunk_done is not None:
            chunk_done(number, [file.dest_uri for file in mine])
    if not env_ready:
        env = config.plugins.on_env(env, config=config, files=files)
    return env


class _Chunks:
    """This process's side of indexing while rendering: gathers each chunk's reports (its own,
    and the workers' files) and hands complete chunks to the index, in order."""

    def __init__(self, index: SearchIndex, site_dir: Path, scratch: Path, count: int) -> None:
        self.index, self.site_dir, self.scratch, self.count = index, site_dir, scratch, count
        self.own: dict[int, PageReport] = {}
        self.next = 0

    def done(self, number: int, pages: list[str]) -> None:
        """`ChunkDone` for this process's own pages."""
        self.own[number] = scan_pages(self.site_dir, pages, self.index.personal)
        self.collect()

    def collect(self) -> None:
        while self.next in self.own:
            reports = [self.own[self.next]]
            for worker in range(1, self.count):
                path = _chunk_file(self.scratch, self.next, worker)
                if not path.is_file():
                    self.index.poll()
                    return
                reports.append(json.loads(path.read_text(encoding="utf-8")))
            del self.own[self.next]
            self.next += 1
            merged: PageReport = {"pages": [], "marked": [], "leaks": []}
            for report in reports:  # in process order; the index sorts a chunk's pages
                merged["pages"] += report["pages"]
                merged["marked"] += [(page, digest) for page, digest in report["marked"]]
                merged["leaks"] += [(page, line, kind) for page, line, kind in report["leaks"]]
            self.index.add(merged)
        self.index.poll()


def _chunk_file(scratch: Path, number: int, worker: int) -> Path:
    return scratch / f"chunk-{number}-{worker}.json"


def _report_chunk(site_dir: Path, scratch: Path, worker: int, personal: bool) -> ChunkDone:
    """`ChunkDone` for a worker: scan its pages, leave the report for the first process."""

    def done(number: int, pages: list[str]) -> None:
        path = _chunk_file(scratch, number, worker)
        part = path.with_suffix(".part")
        report = scan_pages(site_dir, pages, personal)
        part.write_text(json.dumps(report), encoding="utf-8")
        os.replace(part, path)  # the first process never reads half a report

    return done


def _remove_outputs(config: MkDocsConfig, removed: list[str]) -> None:
    """Delete what MkDocs wrote for docs files that are gone (and the markdown beside pages),
    then the folders left empty."""
    from mkdocs.structure.files import File

    site = Path(config.site_dir)
    folders = set()
    for src in removed:
        file = File(src, config.docs_dir, config.site_dir, config.use_directory_urls)
        for target in (Path(file.abs_dest_path), site / src):
            if target.is_dir():  # a page's folder of the file's name (a site built before
                target = target / target.name  # canvas pages moved): MkDocs copied it in
            target.unlink(missing_ok=True)
            folders.add(target.parent)
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
        while folder != site and site in folder.parents:
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
            folder = folder.parent


def _start_worker(job: dict[str, Any], scratch: Path) -> tuple[subprocess.Popen[bytes], Path]:
    result = scratch / f"worker-{job['index']}.json"
    stderr = (scratch / f"worker-{job['index']}.err").open("wb")
    command = [sys.executable, "-c", "from generator.publish.mkdocs_workers import main; main()"]
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=worker_env(),
        )
    finally:
        stderr.close()
    assert process.stdin is not None
    process.stdin.write(json.dumps({**job, "result": str(result)}).encode("utf-8"))
    process.stdin.close()
    return process, result


def _finish_worker(process: subprocess.Popen[bytes], result: Path) -> list[str]:
    code = process.wait()
    try:
        outcome = json.loads(result.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        errors = result.with_suffix(".err").read_text(encoding="utf-8", errors="replace")
        tail = " ".join(errors.strip().splitlines()[-3:]) or f"exit status {code}"
        raise BuildError(
            f"MkDocs could not build the site: a build worker failed: {tail}"
        ) from None
    if outcome.get("error"):
        raise BuildError(f"MkDocs could not build the site: {outcome['error']}")
    return list(outcome.get("warnings", []))


def build_in_workers(
    config: MkDocsConfig,
    config_file: Path,
    overrides: dict[str, Any],
    count: int,
    only: list[str] | None = None,
    removed: list[str] | tuple[str, ...] = (),
    index: SearchIndex | None = None,
    order: list[str] | None = None,
) -> list[str]:
    """Build the site with ``count`` processes (this one included); with ``only``, update it:
    render just those docs paths, copy changed static files, delete the outputs of
    ``removed`` ones. With ``index``, feed it the finished pages chunk by chunk, rendered in
    ``order`` (docs paths). Returns the workers' MkDocs warnings (this process's own go to the
    caller's log handler as usual)."""
    from mkdocs import utils
    from mkdocs.commands.build import _build_extra_template, _build_theme_template
    from mkdocs.structure.files import InclusionLevel

    config = config.plugins.on_config(config)
    config.plugins.on_pre_build(config=config)
    if only is None:
        utils.clean_directory(config.site_dir)
    else:
        _remove_outputs(config, list(removed))
    warnings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="definitive-workers-") as tmp:
        job = {"config_file": str(config_file), "overrides": overrides, "count": count}
        job.update(only=only, stream=index is not None, scratch=tmp, chunk=CHUNK_PAGES)
        job["order"] = order
        job["personal"] = index is not None and index.personal
        chunks = None if index is None else _Chunks(index, Path(config.site_dir), Path(tmp), count)
        workers = [_start_worker({**job, "index": i}, Path(tmp)) for i in range(1, count)]
        try:
            files, nav, env = _prepare(config)
            gc.freeze()  # config, files and nav live as long as the build: out of GC passes
            done = None if chunks is None else chunks.done
            env = _build_share(config, files, nav, env, 0, count, only, done, CHUNK_PAGES, order)
            # Dirty copy: only files newer than their copy in site/ (all of them after a clean).
            files.copy_static_files(dirty=only is not None, inclusion=InclusionLevel.is_included)
            for template in config.theme.static_templates:
                _build_theme_template(template, env, files, config, nav)
            for template in config.extra_templates:
                _build_extra_template(template, files, config, nav)
            while chunks is not None and any(p.poll() is None for p, _ in workers):
                chunks.collect()  # start the next shard as soon as the last one is done
                time.sleep(0.05)
            for process, result in workers:
                warnings += _finish_worker(process, result)
            if chunks is not None:
                chunks.collect()
        finally:
            for process, _ in workers:
                if process.poll() is None:
                    process.kill()
                    process.wait()
    config.plugins.on_post_build(config=config)
    return warnings


def main() -> None:
    """A worker: build one share of the pages; the job comes as JSON on stdin."""
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    job = json.loads(sys.stdin.read())
    collected: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            collected.append(record.getMessage())

    logger = logging.getLogger("mkdocs")
    logger.addHandler(Collect(logging.WARNING))
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    outcome: dict[str, Any] = {}
    try:
        config = load_config(config_file=job["config_file"], **job["overrides"])
        config.plugins.on_startup(command="build", dirty=False)
        try:
            config = config.plugins.on_config(config)
            files, nav, env = _prepare(config)
            gc.freeze()  # config, files and nav live as long as the build: out of GC passes
            done = None
            if job["stream"]:
                site, scratch = Path(config.site_dir), Path(job["scratch"])
                done = _report_chunk(site, scratch, job["index"], job["personal"])
            index, count = job["index"], job["count"]
            only, chunk, order = job["only"], job["chunk"], job.get("order")
            _build_share(config, files, nav, env, index, count, only, done, chunk, order)
        finally:
            config.plugins.on_shutdown()
    except MkDocsException as exc:
        outcome["error"] = "; ".join(collected) or str(exc)
    except Exception as exc:  # reported by the parent as a build error naming the page
        outcome["error"] = "; ".join(collected) or f"{type(exc).__name__}: {exc}"
    outcome["warnings"] = collected
    Path(job["result"]).write_text(json.dumps(outcome), encoding="utf-8")
