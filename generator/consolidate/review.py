"""Human review: `consolidate --review` writes validated proposals instead of changing articles;
`definitive review` lists them, `approve ID` applies one as a run, `reject ID` discards it.

A proposal is ``.definitive/proposals/<ID>.json``: the article's SHA-256 when proposed, the new
text, the run record it would make, and its audit line. Its meta articles are "in review":
not proposed again while it is open. Approving refuses if the article changed since (the
proposal was made against other bytes). Rejecting records the meta articles as reviewed
(``"run": "rejected-<ID>"`` in the ledger) so the same edits are not proposed every night;
editing such a meta article makes it pending again.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.consolidate.ledger import Ledger, Pending
from generator.consolidate.runlog import audit, file_sha, sha
from generator.consolidate.state import atomic_write_json, now, state_dir
from generator.errors import DefinitiveError
from generator.wording import plural

PROPOSALS = "proposals"


@dataclass
class ReviewProposal:
    id: str
    article: str
    before: str
    new_text: str
    record: dict[str, Any]
    created: str

    def diff(self, vault: Path) -> str:
        try:
            old = (vault / self.article).read_text(encoding="utf-8")
        except OSError:
            old = ""
        return "".join(
            difflib.unified_diff(
                old.splitlines(keepends=True),
                self.new_text.splitlines(keepends=True),
                f"a/{self.article}",
                f"b/{self.article}",
            )
        )


def _folder(vault: Path) -> Path:
    return state_dir(vault) / PROPOSALS


def propose(
    vault: Path,
    old_text: str,
    new_text: str | None,
    record: dict[str, Any],
    entry: dict[str, Any],
) -> str | None:
    """Save a validated answer as a proposal and return its id; a rejected one is only logged."""
    if record.get("rejected") is not None or new_text is None:
        audit(vault, entry)
        return None
    article = entry["article"]
    seed = json.dumps([article, sorted(record["metas"].items()), new_text]).encode("utf-8")
    proposal_id = hashlib.sha256(seed).hexdigest()[:8]
    record = {**record, "model": entry.get("model")}
    data = {
        "id": proposal_id,
        "article": article,
        "before": sha(old_text.encode("utf-8")),
        "new_text": new_text,
        "record": record,
        "created": now().isoformat(),
    }
    atomic_write_json(_folder(vault) / f"{proposal_id}.json", data)
    audit(vault, {**entry, "event": "proposal", "proposal": proposal_id, "decision": "proposed"})
    return proposal_id


def open_proposals(vault: Path) -> list[ReviewProposal]:
    folder = _folder(vault)
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            found.append(ReviewProposal(**data))
        except (OSError, ValueError, TypeError) as exc:
            raise DefinitiveError(f"{path}: unreadable proposal ({exc})") from None
    return found


def get_proposal(vault: Path, proposal_id: str) -> ReviewProposal:
    for proposal in open_proposals(vault):
        if proposal.id == proposal_id:
            return proposal
    raise DefinitiveError(f"no open proposal {proposal_id!r} (see `definitive review`)")


def in_review(vault: Path, pending: Pending) -> None:
    """Drop from ``pending`` the meta articles an open proposal covers (same bytes)."""
    covered = {}
    for proposal in open_proposals(vault):
        for meta, digest in proposal.record["metas"].items():
            covered[(meta, digest)] = proposal.id
    if not covered:
        return
    for article, metas in list(pending.by_article.items()):
        kept = []
        for meta in metas:
            proposal_id = covered.get((meta.path, meta.sha))
            if proposal_id is None:
                kept.append(meta)
            else:
                pending.skipped.append((meta.path, f"awaiting review (proposal {proposal_id})"))
        if kept:
            pending.by_article[article] = kept
        else:
            del pending.by_article[article]


def approve(vault: Path, proposal_id: str) -> str:
    """Apply a proposal as a consolidation run of its own; returns the run id."""
    from generator.consolidate.engine import commit_article, finish_run
    from generator.consolidate.runlog import Run, unfinished_run

    proposal = get_proposal(vault, proposal_id)
    if file_sha(vault / proposal.article) != proposal.before:
        raise DefinitiveError(
            f"{proposal.article} changed since proposal {proposal_id} was made; reject it and "
            "run consolidate again"
        )
    if unfinished_run(vault) is not None:
        raise DefinitiveError("an interrupted run is pending: run `definitive consolidate` first")
    ledger = Ledger.load(vault)
    run = Run.start(vault, "review", str(proposal.record.get("model", "review")))
    commit_article(run, ledger, proposal.article, proposal.new_text, proposal.record)
    audit(vault, {"event": "approve", "proposal": proposal_id, "run": run.id})
    finish_run(run, ledger)
    (_folder(vault) / f"{proposal_id}.json").unlink(missing_ok=True)
    return run.id


def reject(vault: Path, proposal_id: str) -> list[str]:
    """Discard a proposal; its meta articles are recorded as reviewed. Returns them."""
    proposal = get_proposal(vault, proposal_id)
    ledger = Ledger.load(vault)
    for meta, digest in proposal.record["metas"].items():
        ledger.merged[meta] = {
            "sha": digest,
            "article": proposal.article,
            "run": f"rejected-{proposal_id}",
        }
    ledger.save()
    audit(vault, {"event": "reject", "proposal": proposal_id, "article": proposal.article})
    (_folder(vault) / f"{proposal_id}.json").unlink(missing_ok=True)
    return sorted(proposal.record["metas"])


# -- flags and held meta articles --------------------------------------------------------------

FLAGS = "flags.json"


def _flags_path(vault: Path) -> Path:
    return state_dir(vault) / FLAGS


def open_flags(vault: Path) -> list[dict[str, Any]]:
    """What the consolidation asked a human to decide (``flag_for_human``), not dismissed yet."""
    try:
        data = json.loads(_flags_path(vault).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise DefinitiveError(f"{_flags_path(vault)}: unreadable ({exc})") from None
    return [f for f in data if isinstance(f, dict)] if isinstance(data, list) else []


def add_flags(vault: Path, run_id: str, article: str, ops: list[Any]) -> list[str]:
    """Record each ``flag_for_human`` op of a run; returns their ids."""
    flags = open_flags(vault)
    ids = []
    for op in ops:
        seed = json.dumps([run_id, article, op.reason, op.target]).encode("utf-8")
        flag_id = "f-" + hashlib.sha256(seed).hexdigest()[:8]
        if any(f.get("id") == flag_id for f in flags):
            continue
        flags.append(
            {
                "id": flag_id,
                "run": run_id,
                "article": article,
                "target": op.target,
                "reason": op.reason,
                "sources": op.sources,
                "created": now().isoformat(),
            }
        )
        ids.append(flag_id)
    atomic_write_json(_flags_path(vault), flags)
    return ids


def held_metas(vault: Path, limit: int) -> list[tuple[str, str, dict[str, Any]]]:
    """Meta articles whose ops were rejected ``limit`` times: (id, meta path, record)."""
    ledger = Ledger.load(vault)
    return [
        (_held_id(path), path, entry)
        for path, entry in sorted(ledger.rejections.items())
        if int(entry.get("count", 0)) >= limit
    ]


def _held_id(path: str) -> str:
    return "h-" + hashlib.sha256(path.encode("utf-8")).hexdigest()[:8]


def decide(vault: Path, item_id: str, *, accept: bool, limit: int) -> str:
    """`definitive approve ID` / `reject ID` for any waiting item: a proposal, a held meta
    article (approve: send it again next run; reject: record it as reviewed, with nothing
    merged) or a flag (either dismisses it). Returns what was done, for the user."""
    if item_id.startswith("f-"):
        flags = open_flags(vault)
        kept = [f for f in flags if f.get("id") != item_id]
        if len(kept) == len(flags):
            raise DefinitiveError(f"no open flag {item_id!r} (see `definitive review`)")
        atomic_write_json(_flags_path(vault), kept)
        audit(vault, {"event": "flag-dismissed", "flag": item_id, "accepted": accept})
        return f"flag {item_id} dismissed"
    if item_id.startswith("h-"):
        found = [h for h in held_metas(vault, limit) if h[0] == item_id]
        if not found:
            raise DefinitiveError(f"no held meta article {item_id!r} (see `definitive review`)")
        _, path, entry = found[0]
        ledger = Ledger.load(vault)
        if accept:
            ledger.rejections.pop(path, None)
            message = f"{path} will be sent again on the next run"
        else:
            ledger.merge(
                path, str(entry.get("sha")), str(entry.get("article")), f"reviewed-{item_id}"
            )
            message = f"{path} recorded as reviewed: nothing merged"
        ledger.save()
        audit(vault, {"event": "held", "meta": path, "accepted": accept})
        return message
    if accept:
        return f"approved {item_id}: applied as run {approve(vault, item_id)}"
    metas = reject(vault, item_id)
    return f"rejected {item_id}: {plural(len(metas), 'meta article')} recorded as reviewed"
