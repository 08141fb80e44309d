"""The consolidator's own track record: each run writes a meta article like any agent's.

Its ``article:`` is "Consolidating meta articles" and its ``agent:`` "Consolidator"; both notes
are created on the first run if the vault has none, so those links resolve. The run's meta
article carries ``consolidation_run:``, which keeps it out of the pending set: it is a record,
not something to merge.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from generator.consolidate.runlog import Run
from generator.consolidate.state import now
from generator.render.emit import atomic_write
from generator.wording import plural

AGENT = "Consolidator"
ARTICLE = "Consolidating meta articles"

AGENT_NOTE = f"""---
type: agent
job: "Merges each night's meta articles into their definitive articles."
owner: "Definitive"
internal: true
skills: ["[[{ARTICLE}]]"]
tags: [agent]
---
# {AGENT}

The consolidator runs every night (`definitive nightly`). It reads the meta articles written
since its last run and merges what they learned into each definitive article as structured,
cited edits. Each run writes its own meta article, so its track record is public too. It is
an internal agent (`internal: true`): its runs are not counted in the agency's totals.
"""

ARTICLE_NOTE = f"""---
type: definitive
title: "{ARTICLE}"
description: "Merge new meta articles into their definitive article as cited, validated edits, never a rewrite."
agent: "[[{AGENT}]]"
tags: [consolidation]
---
# {ARTICLE}

Every night the [[{AGENT}]] merges the pending meta articles of each definitive article into it.

## Skill
1. Find the meta articles not yet merged (by content hash, per the ledger).
2. Group them by the definitive article they name.
3. Propose structured edits per article, each citing its sources.
4. Validate each edit on its own and apply the valid ones deterministically; report the rest.
5. Record the merge in the ledger and the audit log, and write this run's meta article.

## Learnings
The consolidator's runs are listed in its track record below; learnings about the
consolidation itself are added here by hand.
"""  # noqa: E501


def describe_ops(counts: dict[str, int]) -> str:
    """``{"add_learning": 2}`` -> ``2 add learning``, for reports and the run's meta article."""
    return ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(counts.items()))


def ensure_support_notes(vault: Path) -> None:
    """Create the consolidator's agent and article notes unless the vault has them already."""
    names: set[str] = set()
    # Dot-folders skipped as the vault's load skips them: `.definitive/` alone holds the build
    # cache's copy of every page (a pathlib rglob through it took 5 s at 20,000 notes), and a
    # note in `.trash/` is no note of the vault's.
    for _, dirs, files in os.walk(vault):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        names.update(f[:-3].casefold() for f in files if f.endswith(".md"))
    if AGENT.casefold() not in names:
        atomic_write(vault / "agents" / f"{AGENT}.md", AGENT_NOTE.encode("utf-8"))
    if ARTICLE.casefold() not in names:
        atomic_write(vault / "articles" / f"{ARTICLE}.md", ARTICLE_NOTE.encode("utf-8"))


def _plain(text: str) -> str:
    """A reason as one line of text: no wikilink or markup it might carry is kept active."""
    return " ".join(text.replace("[[", "[ [").replace("]]", "] ]").replace("`", "'").split())


def run_meta_article(run: Run) -> tuple[str, str]:
    """(vault path, text) of the run's meta article, from its record only (so a resumed run
    writes the same article an uninterrupted one would)."""
    started = dt.datetime.fromisoformat(run.started)
    decided = {p: a for p, a in run.articles.items() if a.get("status") != "answered"}
    merged = {p: a for p, a in decided.items() if a.get("merged", a.get("metas"))}
    rejected = {p: a for p, a in decided.items() if a.get("rejected") or a.get("rejected_ops")}
    if not merged:
        outcome = "failure"
    elif rejected:
        outcome = "partial"
    else:
        outcome = "success"
    usage = {"input_tokens": 0, "output_tokens": 0}
    cache = {"cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
    for record in run.articles.values():
        for key in (*usage, *cache):
            target = usage if key in usage else cache
            target[key] += int(record.get("usage", {}).get(key, 0))
    cost = round(sum(float(a.get("cost_usd", 0)) for a in run.articles.values()), 6)
    count = sum(len(a.get("merged", a.get("metas", []))) for a in merged.values())
    lines = [
        "---",
        "type: meta",
        f'article: "[[{ARTICLE}]]"',
        f'agent: "[[{AGENT}]]"',
        f"date: {started.date().isoformat()}",
        f"outcome: {outcome}",
        f"tokens_in: {usage['input_tokens'] + sum(cache.values())}",
        f"tokens_out: {usage['output_tokens']}",
        f"cost_usd: {cost}",
        f"duration_s: {max(0, int((now() - started).total_seconds()))}",
        f"model: {run.model}",
        f"consolidation_run: {run.id}",
        "tags: [consolidation]",
        "---",
        "## What was done",
        f"Consolidation run `{run.id}` ({run.mode} consolidator) merged "
        f"{plural(count, 'meta article')} into {plural(len(merged), 'definitive article')}.",
        "",
    ]
    for path, record in sorted(merged.items()):
        ops = describe_ops(record["ops"])
        names = record.get("merged", record.get("sources", []))
        sources = ", ".join(f"[[{s}]]" for s in names)
        lines.append(f"- [[{Path(path).stem}]]: {ops or 'no change'}, from {sources}")
    lines += ["", "## Result"]
    if rejected:
        lines.append(
            f"{plural(len(rejected), 'article')} had edits rejected; meta articles no applied "
            "edit cites stay pending, and the reasons go with the next request:"
        )
        for path, record in sorted(rejected.items()):
            reasons = [record["rejected"]] if record.get("rejected") else []
            reasons += record.get("rejected_ops", [])
            for reason in reasons[:10]:
                lines.append(f"- [[{Path(path).stem}]]: {_plain(reason)}")
    else:
        lines.append("Every proposed edit passed validation.")
    flags = [(p, r) for p, a in sorted(decided.items()) for r in a.get("flags", [])]
    if flags:
        lines += ["", "Flagged for a human (`definitive review`):"]
        lines += [f"- [[{Path(p).stem}]]: {_plain(str(r))}" for p, r in flags]
    if cache["cache_read_input_tokens"] or cache["cache_creation_input_tokens"]:
        lines.append(
            f"Cache: {cache['cache_read_input_tokens']} tokens read, "
            f"{cache['cache_creation_input_tokens']} written."
        )
    name = f"meta/{started.date().isoformat()} Consolidator run {run.id}.md"
    return name, "\n".join(lines) + "\n"
