"""One Python-Markdown instance per process for the pages Definitive's own driver renders.

MkDocs' ``Page.render`` builds a new ``markdown.Markdown`` for every page, setting every
extension up again (8% of MkDocs' time on a 5,000-note vault). Python-Markdown supports
converting many documents with one instance: ``Markdown.reset()`` clears its own state and
calls ``reset()`` on every extension that registered itself. Within `reuse_markdown`, pages of
the given config are rendered by `render` below: MkDocs 1.6's ``Page.render`` step for step,
with one cached instance, reset after each page, and MkDocs' page-specific processors
registered again (a name registered again replaces the old processor).

Only extensions on `REUSABLE` qualify. Python-Markdown's contract (an extension clears its
state in ``reset``) does not promise the same bytes as a fresh instance: ``footnotes`` keeps it,
yet with ``UNIQUE_IDS`` its ids count the resets; Material's ``preview`` adds to its own config
on every run, so one instance would do more work with each page; and a user's extension may
simply not implement ``reset``. Each name below was read for state kept between documents and
is exercised by tests/test_markdown_reuse.py; a config with any other extension keeps MkDocs'
own rendering (the build is as before, only not faster).

MkDocs' serial ``build()`` (used when a plugin may gather data across pages) never enters
`reuse_markdown`, so it keeps MkDocs' own rendering too.

**Pages that are all HTML skip Python-Markdown.** A note's page is final HTML between
``dfn:html`` markers (its title, run card, text, tags and backlinks; render/pages.py), which
the hooks set aside before Python-Markdown runs (publish/mkdocs_hooks.py): what reaches
Python-Markdown is one placeholder paragraph per block and blank lines, and all it does is
wrap each in ``<p>`` (about 3 ms a run page, mostly setting up its tree processors). For such a
page `render` writes that result itself (`_placeholders_only`); the hooks then put the blocks
back and sanitise the page as for any other, and the table of contents is read from the
sanitised HTML (``on_page_content``). Anything else on the page (an article's track record in
markdown, a user's plugin adding text) takes the full path.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from generator.publish import renderer_versions
from generator.publish.mkdocs_hooks import PLACEHOLDER

if TYPE_CHECKING:
    import markdown
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

P = ParamSpec("P")
R = TypeVar("R")

# Python-Markdown's own extensions by short name ("toc" and "markdown.extensions.toc" alike).
_BUILTIN = {
    "abbr",
    "admonition",
    "attr_list",
    "codehilite",
    "def_list",
    "extra",
    "fenced_code",
    "footnotes",  # not with UNIQUE_IDS, see _unique_footnotes
    "legacy_attrs",
    "legacy_em",
    "md_in_html",
    "meta",
    "nl2br",
    "sane_lists",
    "smarty",
    "tables",
    "toc",
    "wikilinks",
}
_PYMDOWNX = {
    "arithmatex",
    "betterem",
    "blocks.admonition",
    "blocks.caption",
    "blocks.definition",
    "blocks.details",
    "blocks.html",
    "blocks.tab",
    "caret",
    "critic",
    "details",
    "emoji",
    "escapeall",
    "extra",
    "highlight",
    "inlinehilite",
    "keys",
    "magiclink",
    "mark",
    "progressbar",
    "saneheaders",
    "smartsymbols",
    "snippets",
    "striphtml",
    "superfences",
    "tabbed",
    "tasklist",
    "tilde",
}
REUSABLE = frozenset(
    {
        "generator.publish.markdown_guard",  # per-page state set by its first preprocessor
        *_BUILTIN,
        *(f"markdown.extensions.{n}" for n in _BUILTIN),
        *(f"pymdownx.{n}" for n in _PYMDOWNX),
    }
)
"""Extensions whose state between documents is all cleared by ``Markdown.reset()``."""


def reusable(config: MkDocsConfig) -> bool:
    """Whether pages of ``config`` may share one Markdown instance: a tested MkDocs (whose
    ``Page.render`` `render` repeats) and only extensions on `REUSABLE`."""
    if not renderer_versions.mkdocs_tested():
        return False
    return all(isinstance(n, str) and n in REUSABLE for n in config["markdown_extensions"])


def _unique_footnotes(md: markdown.Markdown) -> bool:
    """Footnotes with ``UNIQUE_IDS``: their ids count ``reset()`` calls, so they differ from a
    fresh instance's on every page but the first."""
    from markdown.extensions.footnotes import FootnoteExtension

    return any(
        isinstance(e, FootnoteExtension) and e.getConfig("UNIQUE_IDS")
        for e in md.registeredExtensions
    )


class _Renderer:
    """Renders pages of one config with one Markdown instance, as MkDocs' Page.render does."""

    def __init__(self, config: MkDocsConfig, fallback: Callable[[Page, MkDocsConfig, Files], None]):
        self.config = config
        self.fallback = fallback
        self.idle: markdown.Markdown | None = None
        self.usable = True

    def _markdown(self) -> markdown.Markdown | None:
        import markdown

        if self.idle is not None:
            md, self.idle = self.idle, None  # taken: a page that fails leaves it half-used
            return md
        md = markdown.Markdown(
            extensions=self.config["markdown_extensions"],
            extension_configs=self.config["mdx_configs"] or {},
        )
        if _unique_footnotes(md):
            self.usable = False
            return None
        return md

    def render(self, page: Page, config: MkDocsConfig, files: Files) -> None:
        from mkdocs.structure import pages
        from mkdocs.structure.toc import get_toc

        # As mkdocs/structure/pages.py (1.6) Page.render, with `md` reused.
        if page.markdown is None:
            raise RuntimeError("`markdown` field hasn't been set (via `read_source`)")
        if config is self.config:
            content = _placeholders_only(page.markdown)
            if content is not None:
                # What Python-Markdown returns for such a page, and what its processors leave.
                page.content = content
                page.toc = get_toc([])
                page._title_from_render = None
                page.present_anchor_ids = set()
                if pages.log.getEffectiveLevel() > logging.DEBUG:
                    page.links_to_anchors = {}
                return None
        md = self._markdown() if self.usable and config is self.config else None
        if md is None:
            return self.fallback(page, config, files)

        raw_html_ext = pages._RawHTMLPreprocessor()
        raw_html_ext._register(md)

        extract_anchors_ext = pages._ExtractAnchorsTreeprocessor(page.file, files, config)
        extract_anchors_ext._register(md)

        relative_path_ext = pages._RelativePathTreeprocessor(page.file, files, config)
        relative_path_ext._register(md)

        extract_title_ext = pages._ExtractTitleTreeprocessor()
        extract_title_ext._register(md)

        page.content = md.convert(page.markdown)
        page.toc = get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = extract_title_ext.title
        page.present_anchor_ids = (
            extract_anchors_ext.present_anchor_ids | raw_html_ext.present_anchor_ids
        )
        if pages.log.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = relative_path_ext.links_to_anchors
        self.idle = md.reset()
        return None


def _placeholders_only(markdown: str) -> str | None:
    """The HTML Python-Markdown makes of a page holding only the hooks' placeholders (each a
    paragraph of its own) and blank lines: each placeholder in ``<p>``, one a line. None for
    any other page."""
    found = PLACEHOLDER.findall(markdown)
    if not found or found != [str(n) for n in range(len(found))]:
        return None
    if PLACEHOLDER.sub("", markdown).strip(" \n"):
        return None
    return "\n".join(f"<p>{m.group(0)}</p>" for m in PLACEHOLDER.finditer(markdown))


@contextmanager
def reuse_markdown(config: MkDocsConfig) -> Iterator[None]:
    """Within this block, pages rendered with ``config`` share one Markdown instance (when
    `reusable`); pages of any other config render as MkDocs renders them."""
    from mkdocs.structure.pages import Page

    if not reusable(config):
        yield
        return
    original = Page.render
    renderer = _Renderer(config, original)

    def render(page: Page, config: MkDocsConfig, files: Files) -> None:
        renderer.render(page, config, files)

    Page.render = render  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        Page.render = original  # type: ignore[method-assign]


def reusing_markdown(
    build: Callable[Concatenate[MkDocsConfig, P], R],
) -> Callable[Concatenate[MkDocsConfig, P], R]:
    """`reuse_markdown` around a function whose first argument is the config."""

    @functools.wraps(build)
    def wrapper(config: MkDocsConfig, *args: P.args, **kwargs: P.kwargs) -> R:
        with reuse_markdown(config):
            return build(config, *args, **kwargs)

    return wrapper
