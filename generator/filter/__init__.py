"""Filter stage: the one place that decides what is public, notes and attachments alike.

    load -> graph -> **filter** -> proof -> consolidate -> render -> publish

It runs after the link graph is built (a private note still resolves, so a link to it shows
as plain text instead of as broken) and hands every later stage a `PublicView`: the published
notes, the published attachments with the form each is published in, and the backlinks among
published notes. Later stages read the view and never look at ``publish:`` or folders again,
so no stage can forget a rule. The rules themselves: `generator.filter.privacy` (notes) and
`generator.filter.attachments`.

It fails closed: a note whose frontmatter cannot be read, or whose ``publish:`` says neither
yes nor no, is withheld with a finding saying why.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from generator.config import Options
from generator.filter.attachments import Form, Reserved, form_of
from generator.filter.privacy import PrivateFolders, decide, report
from generator.findings import Findings
from generator.graph.build import LinkGraph
from generator.model import Attachment, Note, Vault
from generator.slugs import slug_path

__all__ = ["Form", "PublicView", "PublishedAttachment", "Reserved", "filter_vault"]


@dataclass(frozen=True)
class PublishedAttachment:
    file: Attachment
    form: Form
    """``as-is``, ``svg`` (sanitised on the way out) or ``text`` (published as ``.txt``)."""
    docs_path: str
    """Where it goes in the docs tree (and the site), before clashes with pages are settled."""
    data: bytes | None = None
    """The bytes to publish when they are not the file's own (a sanitised SVG)."""

    @property
    def path(self) -> str:
        return self.file.path


@dataclass
class PublicView:
    """What the site may show. Every stage after this one reads only this."""

    vault: Vault
    """The whole vault, for resolving links; never iterate it to publish something."""
    graph: LinkGraph
    notes: dict[str, Note]
    """Published notes by vault path, in the vault's walk order."""
    attachments: dict[str, PublishedAttachment]
    """Attachments a published note links to or embeds, by vault path."""
    withheld: dict[str, str] = field(default_factory=dict)
    """Vault path of every note and linked attachment not published -> why, for humans."""
    backlinks: dict[str, list[str]] = field(default_factory=dict)
    """Published notes linking to each path, ordered by title."""

    def is_public(self, path: str | None) -> bool:
        """Whether a vault path (note or attachment) is on the site."""
        return path is not None and (path in self.notes or path in self.attachments)

    def public_of_kind(self, kind: str) -> Iterator[Note]:
        return (n for n in self.notes.values() if n.kind == kind)


def _safe_svg(path: Path) -> bytes | None:
    from generator.publish.sanitize import sanitize_svg

    try:
        return sanitize_svg(path.read_bytes())
    except OSError:
        return None


def filter_vault(
    graph: LinkGraph,
    options: Options,
    findings: Findings,
    *,
    reserved: Reserved | None = None,
) -> PublicView:
    """Decide what is public; withheld notes and files get findings where a human must act.
    ``reserved``: the site's own paths (`generator.publish.site_files.reserved_paths`)."""
    reserved = reserved or Reserved()
    vault = graph.vault
    folders = PrivateFolders(options.private_folders)
    notes: dict[str, Note] = {}
    withheld: dict[str, str] = {}
    for path, note in vault.notes.items():
        decision = decide(note, folders)
        if decision is None:
            notes[path] = note
        else:
            withheld[path] = decision.reason
            report(note, decision, findings)

    attachments: dict[str, PublishedAttachment] = {}
    for source in notes:
        for item in graph.links.get(source, ()):
            target = item.resolution.target
            if not item.resolution.attachment or target is None:
                continue
            if target in attachments or target in withheld:
                continue
            file = vault.attachments.get(target)
            if file is None:
                continue
            folder = folders.match(target)
            if folder is not None:
                withheld[target] = f"in private folder {folder}/"
                continue
            form = form_of(target)
            docs_path = slug_path(target, note=False) + (".txt" if form == "text" else "")
            if reserved.taken(docs_path):
                withheld[target] = f"its site path {docs_path} belongs to the site itself"
                findings.add(
                    "attachment-reserved-path",
                    target,
                    None,
                    f"would replace the site's own {docs_path}; not published "
                    f"(linked from {source}: rename or move the file)",
                    "error",
                )
                continue
            data = None
            if form == "svg":
                data = _safe_svg(Path(vault.root) / target)
                if data is None:
                    withheld[target] = "not an SVG image that can be made safe"
                    findings.add(
                        "attachment-unsafe",
                        target,
                        None,
                        f"not an SVG image Definitive can read and make safe; not published "
                        f"(linked from {source})",
                        "error",
                    )
                    continue
            attachments[target] = PublishedAttachment(file, form, docs_path, data)

    backlinks = {
        target: [s for s in sources if s in notes]
        for target, sources in graph.backlinks.items()
        if target in notes or target in attachments
    }
    return PublicView(
        vault, graph, notes, attachments, withheld, {t: s for t, s in backlinks.items() if s}
    )
