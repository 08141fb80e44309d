"""The site's own files, which no vault file may replace (`generator.filter` reads this).

MkDocs copies the theme's static files into the site unless the docs tree holds a file at the
same path, in which case the docs file wins: a vault file at ``assets/javascripts/bundle.*.js``
would then run on every page. Pagefind, the sitemap and the 404 page are written by the build
too. This lists them all, read from the installed theme so it follows Material's releases.
"""

from __future__ import annotations

import fnmatch
import functools
import importlib.util
import os
from pathlib import Path

from generator.config import Settings, site_templates_dir
from generator.filter.attachments import Reserved

# What the build itself writes besides the theme: folders (prefixes) and files.
BUILD_PREFIXES = ("pagefind", "assets/definitive/")
BUILD_FILES = ("404.html", "sitemap.xml", "sitemap.xml.gz", "search/search_index.json")
# MkDocs' own filter for theme files it does not copy (mkdocs.structure.files).
_NOT_COPIED = (".*", "*/.*", "*.py", "*.pyc", "*.html", "*readme*", "mkdocs_theme.yml")


def reserved_paths(settings: Settings) -> Reserved:
    folders = [str(site_templates_dir() / "overrides")]
    custom = _custom_dir(settings)
    if custom is not None:
        folders.append(str(custom))
    exact: set[str] = set(BUILD_FILES)
    for folder in folders:
        exact |= _theme_files(folder)
    exact |= _theme_files(str(_material_dir()))
    return Reserved(frozenset(p.lower() for p in exact), BUILD_PREFIXES)


@functools.lru_cache(maxsize=16)
def _theme_files(folder: str) -> frozenset[str]:
    found: set[str] = set()
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        base = Path(root)
        for name in files:
            rel = (base / name).relative_to(folder).as_posix()
            if not any(fnmatch.fnmatch(rel.lower(), p) for p in _NOT_COPIED):
                found.add(rel)
    return frozenset(found)


def _material_dir() -> Path:
    spec = importlib.util.find_spec("material")
    if spec is None or spec.origin is None:
        return Path(os.devnull)  # no Material: MkDocs will say so when it builds
    return Path(spec.origin).parent / "templates"


def _custom_dir(settings: Settings) -> Path | None:
    if settings.config_file is None:
        return None
    from generator.publish.mkdocs_site import user_config

    try:
        theme = user_config(settings).get("theme")
    except Exception:  # an unreadable config is reported by the build itself
        return None
    custom = theme.get("custom_dir") if isinstance(theme, dict) else None
    if not isinstance(custom, str):
        return None
    folder = settings.config_file.parent / custom
    return folder if folder.is_dir() else None
