"""Reading a vault: load -> graph -> filter -> proof, the read-only front of every command.

`definitive check`, `build` and `serve` (through `generator.pipeline`) and the consolidation
all start here, so they see the same notes, the same public view and the same evidence. Every
command reads the parsed-note cache a build wrote, so that a night's consolidation and check
do not parse the whole vault again (about 30 s each at 20,000 notes); only builds write it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from generator.config import Settings
from generator.filter import PublicView, Reserved, filter_vault
from generator.findings import Findings
from generator.graph import LinkGraph, build_graph
from generator.graph.audit import audit_links
from generator.load import load_vault
from generator.model import Vault
from generator.proof import Evidence, compute_evidence

Advance = Callable[[int], None]
"""Reports progress on a step: ``advance(1)`` after each unit of work."""
Step = Callable[[str, int | None], AbstractContextManager[Advance]]
"""``step(name, total)`` wraps one stage; the CLI shows it as a spinner or a progress bar."""


@dataclass
class Analysis:
    vault: Vault
    graph: LinkGraph
    public: PublicView
    """What may be published: every stage after the filter reads only this."""
    evidence: Evidence
    """The proof: every number and status the site, exports and prompts show."""
    findings: Findings


def no_step(name: str, total: int | None = None) -> AbstractContextManager[Advance]:
    return nullcontext(lambda n: None)


def analyse(
    settings: Settings,
    step: Step = no_step,
    *,
    save_cache: bool = False,
    cache: bool = True,
    freeze: bool = False,
    reserved: Reserved | None = None,
) -> Analysis:
    """Load the vault, resolve its links, decide what is public and compute the evidence.
    Notes unchanged since the last build come from its parsed-note cache. ``save_cache``:
    save what was parsed there too (builds and `serve`); other commands only read it, as they
    promise to write nothing (`check`, a consolidation with nothing to merge). ``freeze``:
    move what was loaded out of the cyclic collector's passes (see `generator.pipeline.build`).
    ``reserved``: the site's own paths, which no attachment may take (builds and `check`).
    ``cache`` False: read and parse every note, trusting nothing the cache holds (its secret
    findings included: `check --cold`)."""
    findings = Findings()
    path = settings.cache_dir / "notes.json" if cache else None
    with step("Loading vault", None) as advance:
        vault = load_vault(
            settings.vault, settings.options, findings, advance, path, save=save_cache
        )
    if freeze:
        gc.freeze()
    with step("Resolving links", None):
        graph = build_graph(vault)
        audit_links(graph, findings)
    public = filter_vault(graph, settings.options, findings, reserved=reserved)
    evidence = compute_evidence(public, settings.options)
    return Analysis(vault, graph, public, evidence, findings)
