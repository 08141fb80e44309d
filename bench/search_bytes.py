"""Bytes a browser downloads for one search query: Pagefind vs Material's built-in search.

Serves a built site, opens it in Debian's Chromium (Playwright) and types one query into each
search UI, summing the body sizes of every search file it fetched, from page load to the first
result: Pagefind's script, WebAssembly and index chunks (from every bundle of a sharded index)
on the Search page and in the header box's modal; Material's worker and ``search_index.json``
when the site has Material's header search (``material_search_max_pages`` raised). Usage::

    python bench/search_bytes.py SITE_DIR [--query WORD] [--files]

Sizes are response bodies as a plain static server sends them. Pagefind's index files are
gzip-compressed on disk already; its scripts, styles and JSON are not, and most static hosts
(GitHub Pages, Netlify, nginx with gzip on) compress those in transfer: ``*_gzip_bytes`` is the
same download with each of those compressed (gzip level 6), the figure a visitor's browser
actually receives from such a host. ``--files`` lists every file fetched. The Search page's
filters load only when a visitor opens them: ``filters_opened_*`` is what opening them then adds
(not part of the query's figures).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

# Pagefind files fetched per query (the rest, UI script, WebAssembly and entry, once per visit).
QUERY_PARTS = (".pf_index", ".pf_fragment", ".pf_filter", ".pf_meta")
# Definitive's own search client (site_templates/assets/search.js): every page loads it, so it
# is cached once a visitor has opened any page; counted here as if it were not.
SCRIPT = "assets/definitive/search.js"
FILTERS = "#dfn-search summary.dfn-finder__filters-toggle"
# Sent as they are by any server: already gzip-compressed by Pagefind.
COMPRESSED = (*QUERY_PARTS, ".pagefind")


PARTS = {
    ".pf_meta": "meta",
    ".pf_filter": "filter",
    ".pf_index": "index",
    ".pf_fragment": "fragment",
    ".pagefind": "wasm",
    ".json": "entry",
}


def part(path: str) -> str:
    """What a Pagefind file is: meta, filter, index, fragment (per bundle and query), wasm,
    entry (the bundle listing and each bundle's entry file) or ui (scripts and styles)."""
    name = path.split("?")[0]
    return next((kind for end, kind in PARTS.items() if name.endswith(end)), "ui")


def gzip_size(path: str, body: bytes) -> int:
    """The body's size from a server that compresses text (what is not compressed already)."""
    if path.split("?")[0].endswith(COMPRESSED):
        return len(body)
    return min(len(body), len(gzip.compress(body, compresslevel=6, mtime=0)))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def measure(site: Path, query: str, files: bool = False) -> dict[str, int]:
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    results: dict[str, int] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name, url, box, hit in (
            (
                "pagefind",
                "find/",
                "#dfn-search input.dfn-finder__input",
                "#dfn-search a.dfn-finder__link",
            ),
            (
                "header",
                "",
                "dialog.dfn-search-modal input.dfn-finder__input",
                "dialog.dfn-search-modal a.dfn-finder__link",
            ),
            ("material", "", "input.md-search__input", "a.md-search-result__link"),
        ):
            if name != "pagefind" and name[0] not in _header_search(site):
                continue  # the header has one box: Pagefind's or Material's
            context = browser.new_context()
            page = context.new_page()
            sizes: dict[str, int] = {}
            zipped: dict[str, int] = {}

            def record(response, sizes=sizes, zipped=zipped) -> None:
                path = response.url.removeprefix(base)
                if path.startswith(("pagefind", "search/", "assets/javascripts/workers/", SCRIPT)):
                    body = response.body()
                    sizes[path] = len(body)
                    zipped[path] = gzip_size(path, body)

            page.on("response", record)
            page.goto(base + url)
            page.wait_for_load_state("networkidle")
            if name == "material":
                page.locator("label.md-search__icon, .md-search__input").first.click()
            if name == "header":
                page.locator("[data-dfn-search]").click()
            page.locator(box).press_sequentially(query, delay=20)
            page.locator(hit).first.wait_for(timeout=60_000)
            page.wait_for_load_state("networkidle")
            chunks = sum(v for k, v in sizes.items() if k.endswith(QUERY_PARTS))
            own = {
                k: v
                for k, v in sizes.items()
                if k.startswith(("pagefind", SCRIPT)) == (name != "material")
            }
            results[f"{name}_total_bytes"] = sum(own.values())
            results[f"{name}_total_gzip_bytes"] = sum(zipped[k] for k in own)
            if files:
                for path, size in sorted(own.items()):
                    print(f"  {name}: {path} {size:,} ({zipped[path]:,} gzip)")
            results[f"{name}_requests"] = len(own)
            if name != "material":
                results[f"{name}_index_chunk_bytes"] = chunks
                bundles = {k.split("/")[0] for k in own if k.startswith("pagefind") and "/" in k}
                results[f"{name}_bundles"] = len(bundles)
                for kind in ("ui", "wasm", "entry", "meta", "filter", "index", "fragment"):
                    mine = [k for k in own if part(k) == kind]
                    results[f"{name}_{kind}_gzip_bytes"] = sum(zipped[k] for k in mine)
            if name == "pagefind":  # then the visitor opens the filters: what that adds
                before = set(sizes)
                page.locator(FILTERS).click()
                page.locator(f"{FILTERS} ~ * input[type=checkbox]").first.wait_for(timeout=60_000)
                page.wait_for_load_state("networkidle")
                added = [k for k in sizes if k not in before]
                results["filters_opened_requests"] = len(added)
                results["filters_opened_gzip_bytes"] = sum(zipped[k] for k in added)
            context.close()
        browser.close()
    server.shutdown()
    index = site / "search" / "search_index.json"
    results["material_index_file"] = index.stat().st_size if index.is_file() else 0
    return results


def _header_search(site: Path) -> str:
    """Which box the home page's header holds: "h" (Pagefind's), "m" (Material's) or ""."""
    home = (site / "index.html").read_text(encoding="utf-8")
    return "h" if "data-dfn-search" in home else "m" if "md-search__input" in home else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--query", default="panel")
    parser.add_argument("--files", action="store_true", help="list every file fetched")
    args = parser.parse_args()
    for key, value in measure(args.site, args.query, args.files).items():
        print(f"{key}: {value:,}")


if __name__ == "__main__":
    main()
