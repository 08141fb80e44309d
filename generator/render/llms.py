"""``llms.txt``: a map of the site for language models (the llmstxt.org format).

It lists the definitive articles with their status and numbers, the agents, the rules and the
generated hubs, each linking to the page's markdown (written beside the HTML by
`generator.publish.outputs`). Runs are reached through the articles and the Runs hub, so the
file stays short however many runs the vault holds. Published notes only.
"""

from __future__ import annotations

import jinja2

from generator.model import NoteKind, Vault
from generator.proof import Evidence

LLMS_TXT = "llms.txt"


def llms_txt(
    env: jinja2.Environment,
    vault: Vault,
    evidence: Evidence,
    note_paths: dict[str, str],
    title: str,
    hubs: list[tuple[str, str]],
) -> str:
    def listed(kind: NoteKind) -> list[dict[str, str]]:
        notes = sorted(
            (vault.notes[p] for p in note_paths if vault.notes[p].kind == kind),
            key=lambda n: n.title.casefold(),
        )
        return [
            {
                "title": n.title,
                "href": note_paths[n.path],
                "detail": str(n.meta.get("description") or n.meta.get("job") or ""),
                "path": n.path,
            }
            for n in notes
        ]

    return env.get_template("llms.txt.j2").render(
        title=title,
        articles=listed("definitive"),
        agents=listed("agent"),
        rules=listed("rule"),
        evidence=evidence,
        hubs=hubs,
        runs=evidence.total.count,
        notes=len(note_paths),
    )
