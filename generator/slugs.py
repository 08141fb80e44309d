"""Where each note lands in the docs tree (and the site), and the anchor id of each heading.

Shared by the filter stage (where an attachment would land) and the render stage.

Vault paths keep their folders but become URL-friendly slugs (``meta/2026-10-06 Jennifer
grades.md`` -> ``meta/2026-10-06-jennifer-grades.md``), so URLs never carry spaces. Letters
outside ASCII are kept (``café-lumen``): browsers show them as written.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote

_DROP = re.compile(r"[^\w\s.-]")
_DASHES = re.compile(r"[\s_-]+")


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    text = _DROP.sub("", text)
    text = _DASHES.sub("-", text).strip("-.")
    return text or "untitled"


def heading_slug(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[^\w\s-]", "", text)
    return _DASHES.sub("-", text).strip("-") or "section"


def slug_path(vault_path: str, note: bool) -> str:
    parts = vault_path.split("/")
    folders = [slugify(p) for p in parts[:-1]]
    name = parts[-1]
    if note:
        stem = name[:-3] if name.lower().endswith(".md") else name
        leaf = "index.md" if stem.lower() == "index" else f"{slugify(stem)}.md"
    else:
        stem, dot, ext = name.rpartition(".")
        leaf = f"{slugify(stem)}.{ext.lower()}" if dot and stem else slugify(name)
    return "/".join([*folders, leaf])


class PathAllocator:
    """Hands out unique docs paths: generated pages first, then notes; clashes get ``-2``..."""

    def __init__(self, reserved: set[str] | None = None) -> None:
        self.taken: set[str] = {p.lower() for p in (reserved or ())}

    def allocate(self, wanted: str) -> str:
        candidate, n = wanted, 1
        while candidate.lower() in self.taken:
            n += 1
            stem, dot, ext = wanted.rpartition(".")
            candidate = f"{stem}-{n}.{ext}" if dot else f"{wanted}-{n}"
        self.taken.add(candidate.lower())
        return candidate


@lru_cache(maxsize=65536)
def _relative_path(from_docs_path: str, to_docs_path: str) -> str:
    """posixpath.relpath on docs-tree paths, without its os.getcwd() calls (a hot path)."""
    if from_docs_path == to_docs_path:
        return ""
    source = from_docs_path.split("/")[:-1]
    target = to_docs_path.split("/")
    common = 0
    while common < len(source) and common < len(target) - 1 and source[common] == target[common]:
        common += 1
    rel = "/".join([".."] * (len(source) - common) + target[common:])
    return quote(rel, safe="/.-_~")


def relative_url(from_docs_path: str, to_docs_path: str, anchor: str = "") -> str:
    """A relative ``.md`` link MkDocs turns into the right URL, whatever use_directory_urls is."""
    href = _relative_path(from_docs_path, to_docs_path)
    if anchor:
        href += "#" + quote(anchor, safe="^-_.~")
    return href or "#"


def site_href(from_docs: str, to_docs: str, directory_urls: bool, anchor: str = "") -> str:
    """The final relative URL between two pages, for raw HTML that MkDocs does not rewrite.

    Generated lists (properties, backlinks, hubs, tags) are emitted as HTML with these URLs:
    Python-Markdown then passes them through instead of running every inline pattern over
    every entry, which was a third of MkDocs' time on pages with long backlink lists.
    """
    source = page_url(from_docs, directory_urls).split("/")[:-1]
    target = page_url(to_docs, directory_urls).split("/")
    common = 0
    while common < len(source) and common < len(target) - 1 and source[common] == target[common]:
        common += 1
    rel = "../" * (len(source) - common) + "/".join(target[common:])
    href = quote(rel, safe="/.-_~") or "./"
    return href + ("#" + quote(anchor, safe="^-_.~") if anchor else "")


def page_url(docs_path: str, directory_urls: bool = True) -> str:
    """Site-relative URL of a page, as MkDocs will publish it."""
    if not docs_path.endswith(".md"):
        return docs_path
    stem = docs_path[:-3]
    if not directory_urls:
        return stem + ".html"
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"
