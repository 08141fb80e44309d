"""Sanitise what notes bring to the site: agent-written text is untrusted.

`sanitize` runs on each page's content (the markdown rendered to HTML) before MkDocs places it
in the Material template, so the theme's own scripts are untouched while everything a note
brings is held to an allow-list: what Python-Markdown, its extensions and our generator
produce. Scripts, event handlers, ``javascript:`` and other unknown URL schemes, styles (except
table cell alignment) and iframes (unless their host is allow-listed in ``iframe_hosts``) are
dropped.

Ids and names from notes live in their own namespace, as on GitHub: every ``id`` becomes
``user-content-<id>`` (and ``for``, ``aria-labelledby``/``-describedby`` and the ``name`` of
form controls follow), so a note cannot take the name of an element the page's scripts look
up (Material's ``__config``, our ``dfn-search``) nor a global they read by named access. Each
prefixed id keeps its clean anchor: an empty ``<a name="<id>">`` beside it, which the browser
scrolls to for ``#<id>`` (links in the page, links from other pages, URLs shared before) with
no script, while ``<a name>`` is not a named property of ``window`` or ``document``.

`sanitize_svg` makes an SVG attachment safe to serve from the site's origin, or refuses it.
"""

from __future__ import annotations

import functools
import re
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
    "aria-labelledby",
    "aria-describedby",
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
PREFIX = "user-content-"
"""The namespace of every id and name that comes from a note (GitHub's)."""
# Attributes that name ids (a space-separated list for the aria ones): they follow the prefix.
_ID_REFERENCES = {"for", "aria-labelledby", "aria-describedby"}


def sanitize(html: str, iframe_hosts: list[str] | tuple[str, ...] = ()) -> str:
    """The HTML with everything outside the allow-list removed (text content is kept), its ids
    and names prefixed with `PREFIX`, each id's anchor kept clean (see the module's doc)."""
    return _anchor_names(_cleaner(frozenset(h.lower() for h in iframe_hosts))(html))


def prefixed_id(anchor: str) -> str:
    """The id an anchor of a note gets on its page (for the table of contents)."""
    return anchor if anchor.startswith(PREFIX) else PREFIX + anchor


@functools.lru_cache(maxsize=8)
def _cleaner(hosts: frozenset[str]) -> Callable[[str], str]:
    """One sanitiser per set of iframe hosts, built once (a build sanitises every page)."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "name":  # a form control's group, an image's or a frame's name
            return value if tag == "a" else prefixed_id(value)  # <a name>: not a named property
        if attribute in _ID_REFERENCES:
            return " ".join(prefixed_id(token) for token in value.split())
        if tag == "iframe" and attribute == "src":
            parts = urlsplit(value)
            allowed = parts.scheme == "https" and (parts.hostname or "").lower() in hosts
            return value if allowed else None
        return value

    options: dict[str, Any] = {
        "tags": TAGS,
        "attributes": ATTRIBUTES,
        "url_schemes": URL_SCHEMES,
        "filter_style_properties": STYLE_PROPERTIES,
        "link_rel": None,
        "strip_comments": True,
        "id_prefix": PREFIX,
        "attribute_filter": keep,
    }
    if hosts:
        options["tags"] = TAGS | {"iframe"}
        options["attributes"] = {
            **ATTRIBUTES,
            "iframe": {"src", "width", "height", "allowfullscreen"},
        }
    return nh3.Cleaner(**options).clean


# A start or end tag as nh3 (html5ever) writes it: every attribute value double-quoted, with
# `"`, `<` and `>` escaped inside, and text never holding a raw `<`; so this finds every tag,
# and only tags.
_TAG = re.compile(r'<(/?)([a-zA-Z][\w:-]*)((?:\s+[^\s/>"\'=]+="[^"]*")*)\s*/?>')
_PREFIXED_ID = re.compile(rf'\sid="{PREFIX}([^"]+)"')
# Where an anchor cannot go inside the element (void, an anchor itself, table and list
# structure, hidden or whitespace-sensitive content): it goes just before it.
_ANCHOR_BEFORE = {
    *("area", "br", "col", "embed", "hr", "img", "input", "source", "track", "wbr"),
    *("a", "table", "thead", "tbody", "tfoot", "tr", "colgroup", "ul", "ol", "dl", "menu"),
    *("details", "pre", "select", "optgroup", "option", "textarea", "ruby", "picture"),
    *("audio", "video", "iframe", "map", "object", "canvas"),
}


def _anchor_names(html: str) -> str:
    """Give every prefixed id of the sanitised HTML its clean anchor, ``<a name="id">``, where
    an HTML anchor can be: not inside another link (anchors do not nest) nor inside SVG or
    MathML (an ``<a>`` there is theirs). Such an id stays reachable as ``#user-content-id``."""
    if f' id="{PREFIX}' not in html:
        return html
    foreign = 0  # depth inside <svg>/<math>
    links = 0  # depth inside <a>

    def visit(match: re.Match[str]) -> str:
        nonlocal foreign, links
        closing, tag, attributes = match.groups()
        tag = tag.lower()
        if tag in ("svg", "math"):
            foreign = max(0, foreign - 1) if closing else foreign + 1
            return match.group(0)
        if closing:
            if tag == "a":
                links = max(0, links - 1)
            return match.group(0)
        found = _PREFIXED_ID.search(attributes) if not (foreign or links) else None
        if tag == "a":
            links += 1
        if found is None:
            return match.group(0)
        anchor = f'<a name="{found.group(1)}"></a>'  # the value is already escaped
        if tag in _ANCHOR_BEFORE:
            return anchor + match.group(0)
        return match.group(0) + anchor

    return _TAG.sub(visit, html)
