"""Bytes the sidebar's folder explorer costs at 10,000 notes: per page, per folder opened.

The explorer (generator/render/explorer.py) puts one empty element in every page and one JSON
listing per folder in the site, fetched when a reader opens that folder. This measures, for the
synthetic vault of ``bench/synth_vault.py`` (its flat layout: most notes in ``meta/``, the
worst case for one listing) and for the same notes filed by month (``meta/2026-10/...``):

- the bytes each page carries for the explorer (the element, from the theme override's
  partial; the script, ``explorer.js``, is one cached file);
- the number of listings, their total, median and largest size, raw and gzipped (static hosts
  compress JSON);
- what opening a page costs a reader: the listings of the folders leading to it.

Usage::

    python bench/explorer_bytes.py [--notes 10000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synth_vault import Synth  # noqa: E402

from generator.model import Note  # noqa: E402
from generator.render.explorer import EXPLORER, explorer_files  # noqa: E402
from generator.slugs import PathAllocator, slug_path  # noqa: E402


def _by_month(path: str, index: int) -> str:
    """The note filed one folder deeper: ``meta/x.md`` -> ``meta/2026-03/x.md``."""
    folder, _, name = path.rpartition("/")
    if not folder:
        return path
    return f"{folder}/2026-{index % 12 + 1:02d}/{name}"


def measure(paths: list[tuple[str, str]]) -> dict[str, object]:
    notes = [Note(path, "note", title, {}, "", 0, "") for path, title in paths]
    allocator = PathAllocator({"index.md"})
    note_paths = {n.path: allocator.allocate(slug_path(n.path, note=True)) for n in notes}
    files = explorer_files(notes, note_paths, directory_urls=True)
    sizes = sorted(len(data) for data in files.values())
    zipped = sorted(len(gzip.compress(data)) for data in files.values())
    # Opening the page of the deepest note fetches the top listing and each folder above it.
    listings = {name: json.loads(data) for name, data in files.items()}
    worst, here = 0, 0
    path: list[int] = [0]
    while True:
        listing = listings[f"{EXPLORER}/{path[-1]}.json"]
        here += len(files[f"{EXPLORER}/{path[-1]}.json"])
        worst = max(worst, here)
        if not listing["folders"]:
            break
        biggest = max(listing["folders"], key=lambda f: f[2])
        path.append(biggest[1])
    return {
        "listings": len(files),
        "total KB": round(sum(sizes) / 1000, 1),
        "median B": int(statistics.median(sizes)),
        "largest KB": round(sizes[-1] / 1000, 1),
        "largest gzipped KB": round(zipped[-1] / 1000, 1),
        "page open, biggest folder path KB": round(worst / 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notes", type=int, default=10_000)
    args = parser.parse_args()
    synth = Synth(args.notes, 42)
    flat = [(n.vault_path, n.name) for n in synth.notes]
    nested = [(_by_month(p, i), t) for i, (p, t) in enumerate(flat)]
    partial = ROOT / "site_templates" / "overrides" / "partials" / "nav.html"
    element = re.search(r"<nav class=\"dfn-explorer\".*?</nav>", partial.read_text("utf-8"), re.S)
    assert element is not None, partial
    script = ROOT / "site_templates" / "assets" / "explorer.js"
    print(f"notes: {args.notes}")
    size = len(element.group(0).encode())
    print(f"per page: {size} B of HTML (the element, base_url unexpanded)")
    print(f"explorer.js: {script.stat().st_size} B, fetched once and cached")
    for label, paths in (("flat (synth_vault layout)", flat), ("filed by month", nested)):
        print(f"{label}: {measure(paths)}")


if __name__ == "__main__":
    main()
