"""Link audit: every link that is broken, ambiguous, case-mismatched or alias-only, and why."""

from __future__ import annotations

import difflib

from generator.findings import Findings
from generator.graph.build import LinkGraph


def audit_links(graph: LinkGraph, findings: Findings) -> None:
    vault = graph.vault
    names = sorted({n.stem for n in vault.notes.values()})
    for source, items in graph.links.items():
        for item in items:
            link, res = item.link, item.resolution
            where = (source, link.line)
            if res.problem == "outside-vault":
                findings.add(
                    "link-outside-vault",
                    *where,
                    f"{link.raw} points outside the vault; it is never followed",
                    "error",
                )
            elif res.target is None:
                guess = difflib.get_close_matches(link.target.rsplit("/", 1)[-1], names, n=3)
                hint = f" (did you mean: {', '.join(guess)}?)" if guess else ""
                findings.add(
                    "link-broken", *where, f"unresolved link {link.raw}{hint}", "warning", guess
                )
                continue
            target = res.target
            if target is None:  # outside the vault: reported above
                continue
            if res.status == "ambiguous":
                findings.add(
                    "link-ambiguous",
                    *where,
                    f"{link.raw} matches {len(res.candidates)} files; using {res.target} "
                    "(same folder first, then shortest path); write the folder to choose",
                    "warning",
                    res.candidates,
                )
            if res.case_mismatch:
                findings.add(
                    "link-case-mismatch",
                    *where,
                    f"{link.raw} matches {target} only when case is ignored",
                    "warning",
                    (target,),
                )
            if res.alias is not None:
                findings.add(
                    "link-alias-only",
                    *where,
                    f"{link.raw} matches only an alias of {target}; Obsidian leaves it "
                    f"unresolved, write [[{vault.notes[target].stem}|{res.alias}]]",
                    "warning",
                    (target,),
                )
            if res.problem == "heading-missing":
                findings.add(
                    "link-heading-missing",
                    *where,
                    f"{link.raw}: no heading {link.subpath!r} in {res.target}",
                    "warning",
                )
            elif res.problem == "block-missing":
                findings.add(
                    "link-block-missing",
                    *where,
                    f"{link.raw}: no block {link.subpath!r} in {res.target}",
                    "warning",
                )
    for cycle in graph.embed_cycles:
        findings.add(
            "embed-cycle",
            cycle[0],
            None,
            "embeds form a cycle: " + " -> ".join([*cycle, cycle[0]]) + "; embedding stops there",
            "warning",
        )
