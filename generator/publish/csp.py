"""The Content-Security-Policy every page carries: defence in depth behind the sanitiser.

Should a note's content ever get past `sanitize`, the browser still refuses to run it: scripts
run only from the site itself (``'self'``) or, inline, when their SHA-256 is listed; Material
has a few inline scripts (its storage helpers, the palette restored before the first paint),
so each page lists the hashes of the inline scripts its *template* wrote, never one found in
the page's content. Nothing is loaded from another host (no fonts, images, styles or
requests elsewhere), frames only from ``extra.definitive.iframe_hosts`` (and, on a page that
embeds a PDF, from the site itself), no plugins
(``object-src 'none'``), and ``<base>`` cannot move the page's links elsewhere. Pagefind's
search runs WebAssembly, which needs ``'wasm-unsafe-eval'`` (not ``'unsafe-eval'``).

Styles may be inline (``'unsafe-inline'`` for ``style-src``): Markdown tables align cells
with a ``style`` attribute and Pagefind's UI sets styles; what a note can put in ``style`` is
already cut to ``text-align`` by the sanitiser, and with images, fonts and requests held to
the site a style has nowhere to send anything.

The policy is a ``<meta http-equiv>`` placed first in ``<head>`` (a meta policy covers only
what comes after it), written by the MkDocs hook after each page is rendered, so it holds
whatever theme ``custom_dir`` renders the page. A host that also sends the header (see
docs/publishing.md) can add ``frame-ancestors``, which a meta policy cannot set.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from collections.abc import Iterable, Mapping

# The directives, in order, with what Definitive's pages need. `extra` sources are added.
BASE_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'wasm-unsafe-eval'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],  # Pagefind's and Material's icons are data: SVGs
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "media-src": ["'self'"],
    "worker-src": ["'self'"],
    "manifest-src": ["'self'"],
    "frame-src": ["'none'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}
META = '<meta http-equiv="Content-Security-Policy" content="{policy}">'
PDF_FRAME = '<iframe class="dfn-pdf"'
"""How render/markdown.py embeds a PDF; the sanitiser lets such a frame show only a PDF of
the site itself."""
_HEAD = re.compile(r"<head(?:\s[^>]*)?>\s*(?:<meta\s+charset=[^>]*>)?", re.I)
# Inline scripts as templates write them; one written otherwise is not hashed, so not run.
_SCRIPT = re.compile(r"<script((?:\s[^>]*)?)>(.*?)</script>", re.S)
_SOURCE = re.compile(r"\ssrc\s*=", re.I)
_TYPE = re.compile(r"""\stype\s*=\s*["']?([^"'\s>]+)""", re.I)
_JAVASCRIPT_TYPES = {"text/javascript", "application/javascript", "module", "text/ecmascript"}
# What a source in `csp:` may be: a scheme-and-host source, a keyword, a scheme (data:).
_VALID_SOURCE = re.compile(r"https://[\w.*-]+(?::\d+)?(?:/[\w./%~-]*)?|'[\w-]+'|[a-z][\w+.-]*:")


def policy(
    script_hashes: Iterable[str] = (),
    *,
    iframe_hosts: Iterable[str] = (),
    extra: Mapping[str, Iterable[str]] | None = None,
) -> str:
    """The policy text: `BASE_POLICY`, the inline scripts' hashes, the iframe hosts (https)
    and the ``extra`` sources per directive (``extra.definitive.csp``)."""
    directives = {name: list(sources) for name, sources in BASE_POLICY.items()}
    directives["script-src"] += sorted({f"'sha256-{h}'" for h in script_hashes})
    hosts = [f"https://{host.strip().lower()}" for host in iframe_hosts if host.strip()]
    if hosts:
        directives["frame-src"] = hosts
    for name, sources in (extra or {}).items():
        values = directives.setdefault(name, [])
        if values == ["'none'"]:
            values.clear()
        values += [s for s in sources if s not in values]
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def valid_source(source: str) -> bool:
    """Whether ``source`` may be added to a directive from the config (no spaces, quotes or
    semicolons that would write another directive)."""
    return bool(_VALID_SOURCE.fullmatch(source))


def inline_script_hashes(page_html: str, content: str) -> list[str]:
    """Base64 SHA-256 of each inline script the page's template wrote: the scripts without
    ``src`` and of a JavaScript type, except any that stands in the page's ``content`` (the
    sanitised note, which the template copied in as it is)."""
    hashes = []
    for match in _SCRIPT.finditer(page_html):
        attributes, body = match.groups()
        if _SOURCE.search(attributes):
            continue
        kind = _TYPE.search(attributes)
        if kind and kind.group(1).lower() not in _JAVASCRIPT_TYPES:
            continue  # data, like Material's __config JSON: never run
        if match.group(0) in content:
            continue
        digest = hashlib.sha256(body.encode("utf-8")).digest()
        hashes.append(base64.b64encode(digest).decode("ascii"))
    return hashes


def add_policy(
    page_html: str,
    content: str,
    *,
    iframe_hosts: Iterable[str] = (),
    extra: Mapping[str, Iterable[str]] | None = None,
) -> str:
    """The page with its policy first in ``<head>`` (after ``<meta charset>``)."""
    head = _HEAD.search(page_html)
    if head is None:
        return page_html
    hashes = inline_script_hashes(page_html, content)
    directives = dict(extra or {})
    if PDF_FRAME in content:  # an embedded PDF: frames from the site itself, on this page only
        directives["frame-src"] = [*directives.get("frame-src", ()), "'self'"]
    text = _meta_text(
        tuple(hashes),
        tuple(iframe_hosts),
        tuple((name, tuple(sources)) for name, sources in directives.items()),
    )
    at = head.end()
    return page_html[:at] + "\n    " + META.format(policy=text) + page_html[at:]


@functools.lru_cache(maxsize=64)
def _meta_text(
    hashes: tuple[str, ...],
    iframe_hosts: tuple[str, ...],
    extra: tuple[tuple[str, tuple[str, ...]], ...],
) -> str:
    """The policy as an attribute value; pages share a few sets of inline scripts."""
    return policy(hashes, iframe_hosts=iframe_hosts, extra=dict(extra)).replace('"', "&quot;")
