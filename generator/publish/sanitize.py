"""Sanitise the HTML rendered from notes with nh3: agent-written text is untrusted.

It runs on each page's content (the markdown rendered to HTML) before MkDocs places it in the
Material template, so the theme's own scripts are untouched while everything a note brings is
held to an allow-list: what Python-Markdown, its extensions and our generator produce. Scripts,
event handlers, ``javascript:`` and other unknown URL schemes, styles (except table cell
alignment) and iframes (unless their host is allow-listed in ``iframe_hosts``) are dropped.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import nh3

# What markdown, pymdownx and our templates emit, plus the SVG our charts are drawn with.
TAGS = set(nh3.ALLOWED_TAGS) | {
    "input",
    "label",
    "section",
    "main",
    "svg",
    "g",
    "title",
    "line",
    "polyline",
    "circle",
    "rect",
    "path",
    "text",
    "tspan",
}
COMMON = {
    "class",
    "id",
    "title",
    "lang",
    "dir",
    "role",
    "hidden",
    "name",
    "aria-label",
    "aria-hidden",
}
ATTRIBUTES: dict[str, set[str]] = {
    "*": COMMON,
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "align", "loading"},
    "td": {"style", "colspan", "rowspan", "align"},
    "th": {"style", "colspan", "rowspan", "align", "scope"},
    "ol": {"start", "type"},
    "li": {"value"},
    "details": {"open"},
    "input": {"type", "checked", "disabled"},
    "label": {"for"},
    "code": {"data-lang"},
    "time": {"datetime"},
    "svg": {"viewbox", "viewBox", "width", "height", "xmlns", "preserveaspectratio"},
    "line": {"x1", "y1", "x2", "y2"},
    "polyline": {"points"},
    "circle": {"cx", "cy", "r"},
    "rect": {"x", "y", "width", "height", "rx", "ry"},
    "path": {"d"},
    "text": {"x", "y", "dx", "dy", "text-anchor"},
    "tspan": {"x", "y", "dx", "dy"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Markdown tables align cells with an inline style; nothing else may style content.
STYLE_PROPERTIES = {"text-align"}


def sanitize(html: str, iframe_hosts: list[str] | tuple[str, ...] = ()) -> str:
    """The HTML with everything outside the allow-list removed (text content is kept)."""
    return _cleaner(frozenset(h.lower() for h in iframe_hosts))(html)


@functools.lru_cache(maxsize=8)
def _cleaner(hosts: frozenset[str]) -> Callable[[str], str]:
    """One sanitiser per set of iframe hosts, built once (a build sanitises every page). The
    per-attribute Python callback is only there when iframes are allowed at all."""
    options: dict[str, Any] = {
        "tags": TAGS,
        "attributes": ATTRIBUTES,
        "url_schemes": URL_SCHEMES,
        "filter_style_properties": STYLE_PROPERTIES,
        "link_rel": None,
        "strip_comments": True,
    }
    if hosts:

        def keep(tag: str, attribute: str, value: str) -> str | None:
            if tag == "iframe" and attribute == "src":
                parts = urlsplit(value)
                allowed = parts.scheme == "https" and (parts.hostname or "").lower() in hosts
                return value if allowed else None
            return value

        options["tags"] = TAGS | {"iframe"}
        options["attributes"] = {
            **ATTRIBUTES,
            "iframe": {"src", "width", "height", "allowfullscreen"},
        }
        options["attribute_filter"] = keep
    if hasattr(nh3, "Cleaner"):  # nh3's reusable sanitiser: the options are converted once
        return nh3.Cleaner(**options).clean
    return functools.partial(nh3.clean, **options)
