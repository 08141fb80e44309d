"""Sanitise what notes bring to the site: agent-written text is untrusted.

`sanitize` runs on each page's content (the markdown rendered to HTML) before MkDocs places it
in the Material template, so the theme's own scripts are untouched while everything a note
brings is held to an allow-list: what Python-Markdown, its extensions and our generator
produce. Scripts, event handlers, ``javascript:`` and other unknown URL schemes, styles (except
table cell alignment) and iframes (unless their host is allow-listed in ``iframe_hosts``, or
they show a PDF of the site itself) are dropped.

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
    "audio",  # ![[talk.mp3]]
    "video",  # ![[clip.mp4]]
    "iframe",  # ![[paper.pdf]] (a PDF of the site only) or an allow-listed host
    "source",
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
    "td": {"style", "colspan", "rowspan", "align", "data-label"},
    "th": {"style", "colspan", "rowspan", "align", "scope"},
    "ol": {"start", "type"},
    "li": {"value", "data-task"},  # data-task: the task's mark, [?] or [-], as Obsidian
    "audio": {"src", "controls", "preload"},
    "video": {"src", "controls", "preload", "width", "height", "poster"},
    "source": {"src", "type"},
    "iframe": {"src", "width", "height", "loading"},
    "span": {"tabindex"},
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
    clean = _cleaner(frozenset(h.lower() for h in iframe_hosts))(html)
    if "<iframe" in clean:  # a frame whose src was refused goes whole, not as an empty box
        clean = _FRAME_WITHOUT_SRC.sub("", clean)
    return _anchor_names(clean)


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
        if attribute == "tabindex":  # focusable (a status badge), never reordering the page
            return value if value in ("0", "-1") else None
        if tag == "iframe" and attribute == "src":
            parts = urlsplit(value)
            allowed = parts.scheme == "https" and (parts.hostname or "").lower() in hosts
            return value if allowed or _site_pdf(parts) else None
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
        options["attributes"] = {
            **ATTRIBUTES,
            "iframe": {"src", "width", "height", "loading", "allowfullscreen"},
        }
    return nh3.Cleaner(**options).clean


def _site_pdf(parts: Any) -> bool:
    """A relative URL of a PDF: an embedded ``![[paper.pdf]]`` shown in the browser's viewer
    (the page's policy then allows frames from the site itself, publish/csp.py)."""
    return not parts.scheme and not parts.netloc and parts.path.lower().endswith(".pdf")


# A frame left without its src (refused by `_cleaner`), with whatever it held.
_FRAME_WITHOUT_SRC = re.compile(
    r'<iframe(?:\s+(?!src=)[^\s/>"\'=]+="[^"]*")*\s*>.*?</iframe>', re.S
)
_PREFIXED_ID = re.compile(rf'\sid="{PREFIX}([^"]+)"')
# Tags as nh3 (html5ever) writes them: every attribute value double-quoted, with `"`, `<` and
# `>` escaped inside, and text never holding a raw `<`; so these find tags, and only tags.
_ATTRIBUTES = r'(?:\s+[^\s/>"\'=]+="[^"]*")*'
# The tags `_anchor_names` acts on: <a>, <svg> and <math> opening or closing (their depth),
# and any other start tag with a prefixed id; the rest of the page (most of its tags) is
# skipped in C.
_ANCHOR_TAG = re.compile(
    rf"<(/?)(a|svg|math)({_ATTRIBUTES})\s*/?>"
    rf'|<([a-zA-Z][\w:-]*)({_ATTRIBUTES}\s+id="{PREFIX}[^"]*"{_ATTRIBUTES})\s*/?>'
)
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
        closing, tag, attributes, other, other_attributes = match.groups()
        if tag is None:
            closing, tag, attributes = "", other, other_attributes
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

    return _ANCHOR_TAG.sub(visit, html)


# --- SVG attachments ------------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
MAX_SVG_BYTES = 16 * 1024 * 1024
"""A bigger SVG is refused rather than parsed (attachments are drawings, not data sets)."""
MAX_SVG_DEPTH = 256
_FILTER_PRIMITIVES = {
    *("feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix"),
    *("feDiffuseLighting", "feDisplacementMap", "feDistantLight", "feDropShadow", "feFlood"),
    *("feFuncA", "feFuncB", "feFuncG", "feFuncR", "feGaussianBlur", "feImage", "feMerge"),
    *("feMergeNode", "feMorphology", "feOffset", "fePointLight", "feSpecularLighting"),
    *("feSpotLight", "feTile", "feTurbulence"),
}
SVG_ELEMENTS = {
    *("svg", "g", "defs", "symbol", "use", "title", "desc", "switch", "style", "image"),
    *("path", "rect", "circle", "ellipse", "line", "polyline", "polygon"),
    *("text", "tspan", "textPath", "linearGradient", "radialGradient", "stop", "pattern"),
    *("clipPath", "mask", "marker", "filter", "animate", "animateTransform"),
    *_FILTER_PRIMITIVES,
}
"""What drawings are made of. Not: script, foreignObject (HTML inside), a (links), set,
animateMotion and other animation that could change a reference, and anything unknown."""
_UNWRAP = {"a"}  # a link's drawing stays, the link goes
SVG_ATTRIBUTES = {
    *("id", "class", "style", "transform", "lang", "role", "tabindex", "version"),
    *("x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr"),
    *("width", "height", "viewBox", "preserveAspectRatio", "d", "points", "pathLength"),
    *("dx", "dy", "rotate", "textLength", "lengthAdjust", "startOffset", "method", "spacing"),
    *("fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity"),
    *("stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray"),
    *("stroke-dashoffset", "opacity", "color", "display", "visibility", "overflow"),
    *("clip-path", "clip-rule", "mask", "filter", "marker-start", "marker-mid", "marker-end"),
    *("font-family", "font-size", "font-style", "font-weight", "font-variant", "font-stretch"),
    *("text-anchor", "dominant-baseline", "alignment-baseline", "baseline-shift"),
    *("letter-spacing", "word-spacing", "text-decoration", "writing-mode", "direction"),
    *("vector-effect", "paint-order", "shape-rendering", "text-rendering", "image-rendering"),
    *("color-interpolation", "color-interpolation-filters", "mix-blend-mode", "isolation"),
    *("offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform"),
    *("spreadMethod", "href", "patternUnits", "patternContentUnits", "patternTransform"),
    *("clipPathUnits", "maskUnits", "maskContentUnits", "markerWidth", "markerHeight"),
    *("markerUnits", "refX", "refY", "orient", "filterUnits", "primitiveUnits", "in", "in2"),
    *("result", "stdDeviation", "mode", "operator", "k1", "k2", "k3", "k4", "values", "type"),
    *("tableValues", "slope", "intercept", "amplitude", "exponent", "baseFrequency"),
    *("numOctaves", "seed", "stitchTiles", "scale", "xChannelSelector", "yChannelSelector"),
    *("radius", "flood-color", "flood-opacity", "lighting-color", "surfaceScale"),
    *("diffuseConstant", "specularConstant", "specularExponent", "kernelMatrix", "order"),
    *("divisor", "bias", "targetX", "targetY", "edgeMode", "preserveAlpha", "azimuth"),
    *("elevation", "z", "pointsAtX", "pointsAtY", "pointsAtZ", "limitingConeAngle"),
    *("kernelUnitLength", "attributeName", "attributeType", "from", "to", "by", "begin"),
    *("dur", "end", "repeatCount", "repeatDur", "fill", "calcMode", "keyTimes"),
    *("keySplines", "additive", "accumulate", "aria-label", "aria-hidden"),
}
"""Geometry, paint, text and filter attributes. No event handlers (on*), no external refs."""
_ANIMATABLE = {
    *("opacity", "fill-opacity", "stroke-opacity", "fill", "stroke", "stroke-width"),
    *("stroke-dasharray", "stroke-dashoffset", "x", "y", "width", "height", "r", "rx", "ry"),
    *("cx", "cy", "d", "points", "offset", "stop-color", "stop-opacity", "transform"),
    *("gradientTransform", "patternTransform", "visibility", "display", "font-size"),
}
"""What <animate>/<animateTransform> may change: never a reference (href) or a style."""
_RASTER_DATA = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*\Z", re.I)
_FRAGMENT = re.compile(r"#[\w.:-]+\Z")
_LOCAL_URL = re.compile(r"""url\(\s*(['"]?)#[\w.:-]+\1\s*\)""", re.I)
_CSS_FUNCTION = re.compile(r"([\w-]+)\s*\(")
_CSS_FUNCTIONS = {
    *("rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "calc", "min", "max", "clamp", "var"),
    *("translate", "translatex", "translatey", "rotate", "scale", "scalex", "scaley"),
    *("matrix", "skewx", "skewy", "cubic-bezier", "steps"),
}
"""CSS functions a drawing's styles may call: colours, lengths, transforms. Not url() (checked
apart: local #id only), image-set(), image(), cross-fade(), src(), attr(), expression()..."""
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_AT_STATEMENT = re.compile(r"@[\w-]+[^;{}]*;")
_AT_BLOCK = re.compile(r"@[\w-]+[^;{}]*\{(?:[^{}]|\{[^{}]*\})*\}")


def sanitize_svg(data: bytes) -> bytes | None:
    """An SVG attachment rebuilt from an allow-list, safe to serve from the site's origin; or
    None when ``data`` is not an SVG we can make safe (not XML, a DTD with entities, an
    external reference in the XML itself, not an ``<svg>`` root, too big or too deep).

    Kept: the drawing (shapes, text, gradients, patterns, masks, filters, markers, symbols),
    ``#id`` references between its parts, class styles and inline styles. Gone: scripts, event
    handlers, ``<foreignObject>``, links (their drawing stays), animation of references,
    editor metadata (Inkscape's, sodipodi's, RDF), every reference outside the file
    (``href``, ``url()``, ``@import``, fonts) and every ``javascript:`` or ``data:`` URL
    except a raster image (PNG, JPEG, GIF, WebP) embedded in ``<image>``.
    """
    if len(data) > MAX_SVG_BYTES:
        return None
    from xml.etree import ElementTree

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        return None
    if root.tag != f"{{{SVG_NS}}}svg":
        return None
    try:
        clean = _clean_svg_element(root, 0)
    except _TooDeep:
        return None
    if clean is None:
        return None
    ElementTree.register_namespace("", SVG_NS)
    ElementTree.register_namespace("xlink", XLINK_NS)
    return ElementTree.tostring(clean, encoding="utf-8", xml_declaration=True)


class _TooDeep(Exception):
    pass


def _clean_svg_element(element: Any, depth: int) -> Any:
    """The element rebuilt with only what is allowed, or None to drop it with its content."""
    from xml.etree import ElementTree

    if depth > MAX_SVG_DEPTH:
        raise _TooDeep
    namespace, _, name = str(element.tag).rpartition("}")
    if namespace != "{" + SVG_NS or name not in SVG_ELEMENTS:
        return None
    attributes: dict[str, str] = {}
    for key, value in element.attrib.items():
        kept = _clean_svg_attribute(name, key, value)
        if kept is not None:
            attributes[kept[0]] = kept[1]
    if name in ("animate", "animateTransform") and (
        attributes.get("attributeName") not in _ANIMATABLE
    ):
        return None
    clean = ElementTree.Element(element.tag, attributes)
    if name == "style":
        css = _clean_css(element.text or "", block=True)
        if css is None:
            return None
        clean.text = css
        return clean
    clean.text = element.text
    for child in element:
        child_name = str(child.tag).rpartition("}")[2]
        if str(child.tag).startswith("{" + SVG_NS) and child_name in _UNWRAP:
            # A link: a group of its drawing takes its place, the link itself goes.
            group = ElementTree.SubElement(clean, f"{{{SVG_NS}}}g")
            group.text, group.tail = child.text, child.tail
            for grandchild in child:
                kept = _clean_svg_element(grandchild, depth + 1)
                if kept is None:
                    _keep_tail(group, grandchild.tail)
                else:
                    kept.tail = grandchild.tail
                    group.append(kept)
            continue
        kept_child = _clean_svg_element(child, depth + 1)
        if kept_child is None:
            _keep_tail(clean, child.tail)
            continue
        kept_child.tail = child.tail
        clean.append(kept_child)
    return clean


def _keep_tail(parent: Any, tail: str | None) -> None:
    """Text after a dropped element still belongs to its parent (as after a <tspan>)."""
    if not tail:
        return
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail


def _clean_svg_attribute(element: str, key: str, value: str) -> tuple[str, str] | None:
    namespace, _, name = key.rpartition("}")
    if namespace == "{" + XLINK_NS and name == "href":
        key = f"{{{XLINK_NS}}}href"
    elif namespace == "{" + XML_NS and name in ("space", "lang"):
        return key, value
    elif namespace or name not in SVG_ATTRIBUTES:
        return None
    if name == "href":
        reference = value.strip()
        if _FRAGMENT.match(reference):
            return key, reference
        if element == "image" and _RASTER_DATA.match(reference):
            return key, reference
        return None
    if name == "style":
        css = _clean_css(value, block=False)
        return (key, css) if css else None
    if name in ("attributeName", "values", "from", "to", "by") and "url(" in value.lower():
        return None
    if "(" in value and not _safe_css_functions(value):
        return None  # fill="url(https://...)" and the like
    return key, value


def _safe_css_functions(text: str) -> bool:
    """Whether every function called in ``text`` is an allowed one, url() only to ``#id``."""
    without_local = _LOCAL_URL.sub("", text)
    names = {n.lower() for n in _CSS_FUNCTION.findall(without_local)}
    return names <= _CSS_FUNCTIONS and "url" not in without_local.lower()


def _clean_css(text: str, *, block: bool) -> str | None:
    """A drawing's CSS (a <style> sheet, or a style attribute's declarations) without its
    at-rules (@import, @font-face...), comments and every declaration that calls a function
    other than colours, lengths and transforms (url() only to ``#id``). None when the text
    could escape this reading (backslash escapes, markup, an at-rule left)."""
    if "\\" in text or "<" in text:
        return None
    text = _CSS_COMMENT.sub("", text)
    if not block:
        return _clean_declarations(text)
    previous = None
    while previous != text:
        previous = text
        text = _AT_BLOCK.sub("", _AT_STATEMENT.sub("", text))
    if "@" in text or "/*" in text:
        return None
    rules = _CSS_RULE.findall(text)
    if _CSS_RULE.sub("", text).strip():
        return None  # something outside selector { declarations }
    kept = [f"{selector.strip()}{{{_clean_declarations(body)}}}" for selector, body in rules]
    return "".join(kept)


_CSS_RULE = re.compile(r"([^{}]*)\{([^{}]*)\}")
_CSS_WORDS = ("expression", "javascript", "behavior", "binding")


def _clean_declarations(text: str) -> str:
    kept = []
    for declaration in text.split(";"):
        lowered = declaration.lower()
        if not declaration.strip() or any(word in lowered for word in _CSS_WORDS):
            continue
        if _safe_css_functions(declaration) and ":" in declaration:
            kept.append(declaration.strip())
    return ";".join(kept)
