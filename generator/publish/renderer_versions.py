"""The MkDocs and Material versions Definitive's speed-ups were tested with: the one place
that decides whether they run.

Three speed-ups reach into the renderer's internals:

- build processes and partial rebuilds (publish/mkdocs_workers.py) drive MkDocs' private
  ``mkdocs.commands.build._populate_page`` and ``_build_page``;
- one Markdown instance for many pages (publish/markdown_reuse.py) replaces MkDocs'
  ``Page.render``;
- Material's navigation rendered once per depth (publish/mkdocs_hooks.py ``dfn_cached`` and
  the theme overrides' ``partials/nav.html`` and ``tabs.html``), and its ``config`` and
  ``scripts`` blocks once per depth (``main.html``), rely on what Material's templates read;
- a page that is all HTML skips Python-Markdown (publish/markdown_reuse.py), reached only
  through the Markdown reuse above.

On any other version each falls back to MkDocs' plain path (one process, every page built,
a Markdown instance per page, the nav rendered for every page): slower, the same site.
pyproject.toml pins ``mkdocs<2`` (MkDocs 2 drops plugins and hooks) and
``mkdocs-material<10``; within those bounds, a version not listed here is untested.
"""

from __future__ import annotations

import functools
from importlib import metadata

TESTED_MKDOCS = ("1.6.",)
TESTED_MATERIAL = ("9.8.",)


@functools.cache
def installed(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return ""


def mkdocs_tested() -> bool:
    """Whether MkDocs' private build steps and ``Page.render`` are as Definitive expects."""
    return installed("mkdocs").startswith(TESTED_MKDOCS)


def material_tested() -> bool:
    """Whether Material's nav and tabs partials may be rendered once for many pages."""
    return installed("mkdocs-material").startswith(TESTED_MATERIAL)


def fingerprint() -> str:
    """Both versions: part of the site stamp, so an upgrade rebuilds every page."""
    return f"mkdocs {installed('mkdocs')}, mkdocs-material {installed('mkdocs-material')}"
