"""Which attachments are published, and in what form.

An attachment (any file of the vault that is not a note) is published only when a published
note links to it or embeds it, and it is not in a private folder. Files a browser would run
as code on the site's origin are never published as they are:

- SVG images are published sanitised (scripts, event handlers, foreign content and outside
  references removed), so they still show in pages and when opened;
- HTML, XHTML, XML (and XSL, RSS, Atom) documents and JavaScript files are published as
  plain text (``report.html`` -> ``report.html.txt``): every static host serves ``.txt`` as
  ``text/plain``, which no browser runs. Readers still get the file's content.

A file can never take the path of a file the site itself needs (a theme asset, the search
index, a generated page): that is an error naming it, and it is not published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Form = Literal["as-is", "svg", "text"]

SVG_SUFFIXES = (".svg",)
TEXT_SUFFIXES = (
    ".html",
    ".htm",
    ".shtml",
    ".xhtml",
    ".xht",
    ".mht",
    ".mhtml",
    ".xml",
    ".xsl",
    ".xslt",
    ".rss",
    ".atom",
    ".svgz",
    ".js",
    ".mjs",
    ".cjs",
)
"""Published as ``.txt``. JavaScript runs only where a page includes it, but a script file on
the site's own origin is what a Content-Security-Policy of ``'self'`` trusts: a note must not
be able to plant one. ``.svgz`` is compressed SVG, which the sanitiser does not unpack."""


def form_of(path: str) -> Form:
    lower = path.lower()
    if lower.endswith(SVG_SUFFIXES):
        return "svg"
    if lower.endswith(TEXT_SUFFIXES):
        return "text"
    return "as-is"


@dataclass(frozen=True)
class Reserved:
    """Site paths no vault file may take: the theme's files and what the build writes."""

    exact: frozenset[str] = frozenset()
    """Lower-case site paths."""
    prefixes: tuple[str, ...] = ()
    """Lower-case folder prefixes, each ending in ``/``, or a name prefix (``pagefind``)."""

    def taken(self, site_path: str) -> bool:
        lower = site_path.lower()
        return lower in self.exact or lower.startswith(self.prefixes)
