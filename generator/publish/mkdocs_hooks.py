"""MkDocs hooks Definitive adds to the effective config: each page's content is sanitised.

MkDocs loads this file by path (``hooks:``), so it holds no state of its own; the options come
from ``extra.definitive`` in the site config.
"""

from __future__ import annotations

from typing import Any

from generator.publish.sanitize import sanitize


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    options = (config.get("extra") or {}).get("definitive") or {}
    hosts = options.get("iframe_hosts") or []
    return sanitize(html, [hosts] if isinstance(hosts, str) else hosts)
