"""The pipeline, stage by stage: load -> graph -> filter -> proof -> (consolidate) -> render ->
publish.

Each stage is a package named after it; this module only runs them in order and reports. The
read-only front (load to proof) is `generator.analysis`, which the consolidation shares.
"""

from __future__ import annotations

import gc
import shutil
import time
from dataclasses import dataclass, field

from generator import analysis as front
from generator.analysis import Advance, Analysis, Step
from generator.config import Settings
from generator.errors import BuildError
from generator.findings import Finding, Findings
from generator.publish.search import SearchIndex
from generator.publish.site import publish
from generator.publish.site_files import reserved_paths
from generator.render import EmitResult, SitePlan, emit, plan_site
from generator.render.body_worker import BodyShare
from generator.render.emit import FreshTree
from generator.render.incremental import RenderMemo, global_key
from generator.wording import plural

# Findings that make `build --strict` fail: a link is wrong on the published site, or a
# note or file the vault meant to publish was withheld.
STRICT_CODES = (
    "link-broken",
    "link-ambiguous",
    "link-outside-vault",
    "note-withheld",
    "publish-unclear",
    "attachment-reserved-path",
)


_FAILING = ("broken link or withheld file", "broken links or withheld files")


class StrictError(BuildError):
    def __init__(self, failing: list[Finding]) -> None:
        super().__init__(
            f"--strict: {plural(len(failing), *_FAILING)}; site not built",
            failing,
        )


__all__ = ["Advance", "Analysis", "BuildReport", "Step", "analyse", "build", "render"]


@dataclass
class BuildReport:
    analysis: Analysis
    plan: SitePlan
    emitted: EmitResult
    site_built: bool
    mkdocs_warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    mkdocs_processes: int = 0
    """Processes that rendered the pages (0: MkDocs did not run)."""
    mkdocs_pages: int = 0
    """Pages MkDocs rendered: every page, or only the changed ones when the rest stood."""
    search: SearchIndex | None = None
    """The Pagefind index built, when search is on and the site was built."""
    site_files: int = 0
    """Site files this build wrote (and checked): all of them, or what changed."""

    @property
    def findings(self) -> Findings:
        return self.analysis.findings

    def summary(self) -> dict[str, int | float]:
        links = [i for items in self.analysis.graph.links.values() for i in items]
        return {
            "notes": len(self.analysis.vault.notes),
            "published": len(self.plan.note_paths),
            "withheld": len(self.analysis.public.withheld),
            "pages": sum(1 for p in self.plan.docs_pages() if p.endswith(".md")),
            "links": len(links),
            "broken": self.findings.count("link-broken", "link-outside-vault"),
            "ambiguous": self.findings.count("link-ambiguous"),
            "written": len(self.emitted.written),
            "deleted": len(self.emitted.deleted),
            "seconds": round(self.seconds, 2),
        }


_no_step = front.no_step


def analyse(
    settings: Settings,
    step: Step = _no_step,
    *,
    save_cache: bool = False,
    cache: bool = True,
    freeze: bool = False,
) -> Analysis:
    """`generator.analysis.analyse` with the site's own paths reserved: everything `check`
    and a build need. Only with ``save_cache`` (builds) does it write anything: the
    parsed-note cache. ``cache`` False: without the cache (`check --cold`). ``freeze``: see
    `build`."""
    return front.analyse(
        settings,
        step,
        save_cache=save_cache,
        cache=cache,
        freeze=freeze,
        reserved=reserved_paths(settings),
    )


def render(
    settings: Settings, analysis: Analysis, step: Step = _no_step
) -> tuple[SitePlan, EmitResult]:
    """Lay out and write the docs tree (only what changed)."""
    key = global_key(
        settings.options, settings.directory_urls, settings.site_name, settings.site_url
    )
    memo = RenderMemo(settings.cache_dir, settings.docs_dir, key)
    notes = len(analysis.public.notes)
    # Forked here, between two steps: no progress-bar thread is alive (processes.may_fork).
    # A build that keeps most pages (the memo knows them) renders alone.
    bodies = BodyShare.fork(
        analysis.public, analysis.evidence, settings.options, expected=notes - len(memo.entries)
    )
    # A first (or --cold) build writes note pages as it lays them out, in both processes.
    tree = FreshTree.at(settings.docs_dir, settings.cache_dir) if not memo.entries else None
    try:
        with step("Rendering pages", notes) as advance:
            plan = plan_site(
                analysis.public,
                analysis.evidence,
                settings.options,
                analysis.findings,
                settings.directory_urls,
                advance,
                site_name=settings.site_name,
                site_url=settings.site_url,
                memo=memo,
                bodies=bodies,
                tree=tree,
            )
    finally:
        if bodies is not None:
            bodies.close()
    if bodies is not None and bodies.message is not None:
        plan.notices.append(bodies.message)
    elif bodies is not None and bodies.taken:
        plan.body_processes = 2
    with step("Writing docs tree", None):
        emitted = emit(plan, settings.docs_dir, settings.cache_dir, memo)
    plan.release()  # on disk now; MkDocs and the copies read them there
    return plan, emitted


def build(
    settings: Settings, step: Step = _no_step, verbose: bool = False, *, cold: bool = False
) -> BuildReport:
    """Build the site. ``cold``: forget the build cache first (`forget_build_cache`)."""
    if cold:
        forget_build_cache(settings)
    # The vault, its graph and the site plan live until the build ends, and each full pass of
    # the cyclic garbage collector walked all of them again: at 5,000 notes about 4 s of a
    # build, mostly while MkDocs renders in this process. `gc.freeze` after each stage moves
    # what exists into a generation the collector skips; `unfreeze` hands it back at the end
    # (`serve` and the tests run many builds in one process).
    try:
        return _build(settings, step, verbose)
    finally:
        gc.unfreeze()


def forget_build_cache(settings: Settings) -> None:
    """Delete ``<vault>/.definitive/cache/`` (parsed notes, rendered pages' fingerprints, the
    docs tree, the site stamp): the next build reads every note, renders every page and
    builds and indexes the whole site, as the first build did. Nothing else lives there."""
    if settings.cache_dir.exists():
        shutil.rmtree(settings.cache_dir)


def _build(settings: Settings, step: Step, verbose: bool) -> BuildReport:
    started = time.perf_counter()
    settings.require_site_outside_vault()
    analysis = analyse(settings, step, save_cache=True, freeze=True)
    # Consolidation writes the vault, so it is its own command (`definitive consolidate`, or
    # `nightly`, which runs it before check and build) rather than a side effect of a build.
    if settings.strict:
        failing = [f for f in analysis.findings if f.code in STRICT_CODES]
        if failing:
            raise StrictError(failing)
    plan, emitted = render(settings, analysis, step)
    gc.freeze()
    try:
        site = publish(settings, plan, analysis.public.notes.values(), step, verbose)
    except BuildError as exc:
        # No stamp: the site is incomplete (or leaked files were removed), so the next build
        # redoes it rather than calling it up to date. Still show what check would say.
        exc.findings = analysis.findings.sorted()
        raise
    return BuildReport(
        analysis,
        plan,
        emitted,
        site.built,
        site.warnings,
        time.perf_counter() - started,
        site.processes,
        site.pages,
        site.search,
        site.written,
    )
