"""Write the docs tree incrementally: only files whose content hash changed are written.

A manifest (``cache/manifest.json``: docs path -> SHA-256) remembers the last emit. Every page
is recomputed from the vault (cheap string work), and the link graph has already folded each
note's backlinks and embeds into its text, so comparing hashes re-emits exactly the pages a
change affects: the note itself, notes that embed it, and notes whose backlinks it changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.errors import BuildError
from generator.render.incremental import COPIES, RenderMemo

if TYPE_CHECKING:  # pages.py lays out pages with `FreshTree`: no import of it at run time
    from generator.render.pages import SitePlan

MANIFEST = "manifest.json"


@dataclass
class EmitResult:
    written: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.written or self.deleted)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _umask()


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder and rename, so readers never see half a file.

    The file keeps its permissions (a new one gets the usual ``0o666 & ~umask``): mkstemp's
    private 0600 would otherwise turn a consolidated vault note, or a published page,
    unreadable to the group or the web server."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = path.stat().st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~UMASK
    # A cut name: the temp file must fit in NAME_MAX (255 bytes) even beside a long name.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:48]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):  # not on Windows before Python 3.13
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class FreshTree:
    """A docs tree no build has recorded yet (no manifest: a first or ``--cold`` build), into
    which the render step writes each note page and its markdown copy as it lays them out,
    in both rendering processes (render/body_worker.py), instead of emit writing them all
    afterwards in one: at 20,000 notes writing the docs tree was 13.9 s of one core, most of
    it the kernel's, creating 40,000 files. The pages are then never held in memory, nor
    compressed and decompressed for it (`SitePlan.written`).

    Only with no manifest: emit first forgets the digests of the pages it is about to change,
    so that a build killed halfway leaves no file under a digest it no longer has. With no
    manifest there is nothing to forget, and a killed build's next one writes every page
    again. Each file is still written atomically; a process killed while writing one leaves
    at most its temporary dot file (which MkDocs skips)."""

    docs_dir: Path
    copies_dir: Path

    @classmethod
    def at(cls, docs_dir: Path, cache_dir: Path) -> FreshTree | None:
        """The docs tree of ``cache_dir`` when no build recorded it yet, else None."""
        if (cache_dir / MANIFEST).exists():
            return None
        return cls(docs_dir, cache_dir / COPIES)

    def write(self, page: str, text: str, copy: str) -> str:
        """Write the docs tree's ``page`` and its markdown copy; the page's SHA-256."""
        data = text.encode("utf-8")
        atomic_write(self.docs_dir / page, data)
        atomic_write(self.copies_dir / page, copy.encode("utf-8"))
        return hashlib.sha256(data).hexdigest()


def emit(
    plan: SitePlan, docs_dir: Path, cache_dir: Path, memo: RenderMemo | None = None
) -> EmitResult:
    """Write what changed; with ``memo``, record the pages' fingerprints for the next build
    (pages the plan kept are on disk already: their digests come from the last manifest)."""
    manifest_path = cache_dir / MANIFEST
    try:
        previous: dict[str, str] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = {}
    result = EmitResult()
    current: dict[str, str] = {}
    # A page's bytes are made again when written rather than all held at once beside the
    # plan's texts (at 20,000 notes both were hundreds of MB of this process's peak). A
    # file's bytes are read once: the digest recorded is that of the bytes written.
    changed: list[tuple[str, bytes | None]] = []
    present = _files(str(docs_dir), "") if plan.kept else set()  # one walk, not a stat a page
    for rel, digest in plan.kept.items():
        if previous.get(rel) != digest or rel not in present:
            raise BuildError(f"docs tree changed while building: {rel}; build again")
        current[rel] = digest
        result.unchanged += 1
    for rel, digest in plan.written.items():  # by the render step, into a `FreshTree`
        current[rel] = digest
        result.written.append(rel)
    for rel in sorted({*plan.pages, *plan.files}):
        held: bytes | None = None  # a page's text is encoded again when written
        source = plan.files.get(rel)  # a file of the same path wins over a page
        if source is None:
            data = plan.pages[rel].encode("utf-8")
        else:
            data = held = source.read_bytes() if isinstance(source, Path) else source
        digest = hashlib.sha256(data).hexdigest()
        current[rel] = digest
        if previous.get(rel) == digest and (docs_dir / rel).is_file():
            result.unchanged += 1
        else:
            changed.append((rel, held))
    if memo is not None and (changed or set(previous) - set(current)):
        memo.forget()  # the pages' fingerprints are recorded again once the tree is written
    if changed and previous:
        # Forget what is about to change first: a build killed halfway through the writes
        # must not leave a file with new bytes under its old digest, or a later build whose
        # note went back to the old text would take the stale file as up to date.
        kept = {rel: sha for rel, sha in previous.items() if current.get(rel) == sha}
        atomic_write(manifest_path, json.dumps(kept, indent=0, sort_keys=True).encode("utf-8"))
    for rel, held in changed:
        atomic_write(docs_dir / rel, plan.pages[rel].encode("utf-8") if held is None else held)
        result.written.append(rel)
    for rel in sorted(set(previous) - set(current)):
        (docs_dir / rel).unlink(missing_ok=True)
        result.deleted.append(rel)
        _prune_empty_dirs(docs_dir, (docs_dir / rel).parent)
    if not previous:
        # No manifest: no build recorded this tree, so anything else in it is a killed build's
        # (say, the page of a note deleted or made private since), and MkDocs publishes every
        # file of the tree.
        for rel in sorted(_files(str(docs_dir), "") - current.keys()):
            (docs_dir / rel).unlink(missing_ok=True)
            result.deleted.append(rel)
            _prune_empty_dirs(docs_dir, (docs_dir / rel).parent)
    _write_copies(plan, cache_dir / COPIES, previous)
    atomic_write(manifest_path, json.dumps(current, indent=0, sort_keys=True).encode("utf-8"))
    if memo is not None:
        memo.save(plan.inputs, current)
    gitignore = cache_dir.parent / ".gitignore"
    if not gitignore.exists():
        atomic_write(gitignore, b"# Build cache: rebuilt from the vault at any time.\ncache/\n")
    return result


def _write_copies(plan: SitePlan, folder: Path, previous: dict[str, str]) -> None:
    """The markdown copies of note pages (`SitePlan.markdown`), beside the docs tree: written
    when they differ from the file there, removed when their page has none any more. Those
    of kept pages stay (`SitePlan.kept_copies`). Written after the pages: the memo, which
    vouches for a kept page's copy, was forgotten before either changed.

    A copy is only ever of a page of the docs tree, so after a build that emitted
    (``previous``: its manifest) the copies to remove are among its pages: the folder is
    not walked. A copy a killed build left for a page that never made it into a manifest is
    never linked into the site (only copies this build wrote or kept are) and goes at the
    next build without a manifest."""
    for rel, text in plan.markdown.items():
        data = text.encode("utf-8")
        path = folder / rel
        try:
            same = path.read_bytes() == data
        except OSError:
            same = False
        if not same:
            atomic_write(path, data)
    wanted = plan.markdown.keys() | plan.kept_copies
    if previous:
        for rel in previous.keys() - wanted:
            path = folder / rel
            if rel.endswith(".md") and path.is_file():
                path.unlink(missing_ok=True)
                _prune_empty_dirs(folder, path.parent)
    elif folder.is_dir():
        for path in folder.rglob("*.md"):  # a folder may be named like a note, "x.md/"
            if path.is_file() and path.relative_to(folder).as_posix() not in wanted:
                path.unlink(missing_ok=True)
                _prune_empty_dirs(folder, path.parent)


def _files(folder: str, prefix: str) -> set[str]:
    """Every file under ``folder``, as paths relative to it (from the directory entries: no
    stat per file)."""
    found: set[str] = set()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return found
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            found |= _files(entry.path, f"{prefix}{entry.name}/")
        elif entry.is_file():
            found.add(prefix + entry.name)
    return found


def _prune_empty_dirs(root: Path, folder: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
