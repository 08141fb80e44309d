"""Where each note lands in the docs tree (and the site), and the anchor id of each heading.

Shared by the filter stage (where an attachment would land) and the render stage.

Vault paths keep their folders but become URL-friendly slugs (``meta/2026-10-06 Jennifer
grades.md`` -> ``meta/2026-10-06-jennifer-grades.md``), so URLs never carry spaces. Letters
outside ASCII are kept (``café-lumen``): browsers show them as written.

Every slug fits the file system with room to spare: a name longer than `MAX_SLUG_BYTES`
keeps its start and ends with a hash of the whole name (stable from build to build, distinct
for names that only differ late), and a docs path longer than `MAX_PATH_BYTES` keeps its
top folder and a hash of the rest, so no page path exceeds NAME_MAX (255 bytes a component)
or PATH_MAX, wherever the site folder is.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from urllib.parse import quote

_DROP = re.compile(r"[^\w\s.-]")
_DASHES = re.compile(r"[\s_-]+")
MAX_SLUG_BYTES = 120
"""Longest file or folder name a slug gives (UTF-8 bytes): with ``.md``, ``-2`` or a temp
file's affixes it stays far under NAME_MAX."""
MAX_PATH_BYTES = 600
"""Longest docs path; a site folder and ``/index.html`` must still fit in PATH_MAX."""
_HASH = 10


def _hashed(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-8 bytes, ending in a hash of the whole of it."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    digest = hashlib.sha256(data).hexdigest()[:_HASH]
    head = data[: limit - _HASH - 1].decode("utf-8", "ignore").rstrip("-.")
    return f"{head}-{digest}"


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    text = _DROP.sub("", text)
    text = _DASHES.sub("-", text).strip("-.")
    return _hashed(text, MAX_SLUG_BYTES) if text else "untitled"


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
        leaf = _hashed(leaf, MAX_SLUG_BYTES + 16)  # only an absurd extension is cut
    path = "/".join([*folders, leaf])
    if len(path.encode("utf-8")) > MAX_PATH_BYTES and folders:
        # Deep folders of long names: the top folder, and the rest as one hashed name.
        rest = "/".join([*folders[1:], leaf])
        tail = leaf.rpartition(".")[2] if "." in leaf else ""
        digest = hashlib.sha256(rest.encode("utf-8")).hexdigest()[:_HASH]
        name = _hashed(leaf[: -len(tail) - 1] if tail else leaf, MAX_SLUG_BYTES - _HASH - 1)
        path = f"{folders[0]}/{name}-{digest}" + (f".{tail}" if tail else "")
    return path


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
