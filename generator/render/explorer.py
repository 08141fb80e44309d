"""The folder explorer of the sidebar: the vault's folders and notes, as Obsidian lists them.

Material renders the whole nav into every page, so a tree of 10,000 notes there would put
10,000 links into each of 10,000 pages. The explorer is data instead: one small JSON file per
folder (``assets/definitive/explorer/<n>.json``: its subfolders and its notes), which
``assets/definitive/explorer.js`` fetches only when a reader opens that folder (and, on
load, the folders leading to the page shown). Every page carries one empty element for it
(site_templates/overrides/partials/nav.html), whatever the vault's size. A folder's notes come
``PAGE_NOTES`` at a time (``{"notes": [...], "more": <n>}``, the rest behind a "more" button):
agents file thousands of notes in one folder, and a reader opening one of them should not
download them all (bench/explorer_bytes.py, BENCHMARKS.md).

Notes are listed in file-name order, which is URL order: the first listing of a folder that
has more lists where each further one starts (``"parts": [[first URL, n], ...]``), so a page deep
in a big folder fetches the one listing that holds it, to highlight it, not every one before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from generator.model import Note
from generator.slugs import page_url

EXPLORER = "assets/definitive/explorer"
PAGE_NOTES = 200
"""Notes per listing file; a folder with more continues in further files."""


@dataclass
class _Folder:
    name: str
    prefix: str
    """The folder's site URL prefix (its notes' URLs start with it)."""
    folders: dict[str, _Folder] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)
    count: int = 0
    """Notes in it and below."""


def explorer_files(
    notes: list[Note], note_paths: dict[str, str], directory_urls: bool
) -> dict[str, bytes]:
    """Docs path -> JSON bytes of every folder's listing; ``0.json`` is the vault's top."""
    root = _Folder("", "")
    for note in notes:
        docs = note_paths[note.path]
        parts = note.path.split("/")[:-1]
        slugs = docs.split("/")[:-1]
        folder = root
        folder.count += 1
        for depth, part in enumerate(parts):
            child = folder.folders.get(part)
            if child is None:
                prefix = "/".join(slugs[: depth + 1]) + "/" if len(slugs) > depth else ""
                child = folder.folders[part] = _Folder(part, prefix)
            folder = child
            folder.count += 1
        folder.notes.append((note.title, page_url(docs, directory_urls)))
    files: dict[str, bytes] = {}
    counter = [0]

    def write(folder: _Folder) -> int:
        number = counter[0]
        counter[0] += 1
        subfolders = []
        for name in sorted(folder.folders, key=str.casefold):
            child = folder.folders[name]
            subfolders.append([child.name, write(child), child.count, child.prefix])
        # By URL: file-name order as Obsidian sorts (slugs keep the name's order), and the
        # order explorer.js compares the page's own URL in to find its part.
        notes = sorted(folder.notes, key=lambda n: n[1])
        chunks = [notes[i : i + PAGE_NOTES] for i in range(0, len(notes), PAGE_NOTES)] or [[]]
        numbers = [number, *range(counter[0], counter[0] + len(chunks) - 1)]
        counter[0] += len(chunks) - 1
        for i, chunk in enumerate(chunks):
            listing: dict[str, object] = {"notes": chunk}
            if i == 0:
                listing = {"folders": subfolders, **listing}
                if len(chunks) > 1:
                    listing["parts"] = [
                        [c[0][1], n] for c, n in zip(chunks[1:], numbers[1:], strict=True)
                    ]
            if i + 1 < len(chunks):
                listing["more"] = numbers[i + 1]
            _dump(files, numbers[i], listing)
        return number

    write(root)
    return files


def _dump(files: dict[str, bytes], number: int, listing: dict[str, object]) -> None:
    data = json.dumps(listing, ensure_ascii=False, separators=(",", ":"))
    files[f"{EXPLORER}/{number}.json"] = data.encode("utf-8")
