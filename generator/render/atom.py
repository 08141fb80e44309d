"""Atom feeds (RFC 4287), the one writer for every feed of the site.

A feed is a pure function of the vault: its ``<updated>`` is its newest entry's date, never the
time of the build, so a rebuild with nothing new writes the same bytes. Links are absolute when
``mkdocs.yml`` sets ``site_url`` (feed readers resolve relative ones against the feed's own
address, which works too).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urljoin

from generator.slugs import page_url, slugify

ATOM = "http://www.w3.org/2005/Atom"
EPOCH = "1970-01-01"


@dataclass(frozen=True)
class Entry:
    title: str
    id: str
    date: str
    """ISO date (``2026-11-14``) or a longer ISO timestamp; only the date is written."""
    docs_path: str
    """The page it links to (docs-tree path), optionally with ``#anchor``."""
    summary: str


@dataclass(frozen=True)
class Feed:
    title: str
    name: str
    """Short, for the feed's own id when there is no ``site_url`` (``urn:definitive:...``)."""
    page: str
    """Docs path of the HTML page the feed stands for."""
    author: str
    entries: list[Entry]
    """Newest first."""


def link(docs_path: str, site_url: str | None, directory_urls: bool) -> str:
    """A page's URL as the feed writes it: absolute under ``site_url``, else site-relative."""
    path, _, anchor = docs_path.partition("#")
    url = (page_url(path, directory_urls) or "./") + (f"#{anchor}" if anchor else "")
    if not site_url:
        return url
    return urljoin(site_url if site_url.endswith("/") else site_url + "/", url)


def stamp(date: str) -> str:
    return f"{date[:10]}T00:00:00Z"


def render(feed: Feed, site_name: str, site_url: str | None, directory_urls: bool) -> str:
    """The feed's XML text."""
    root = ET.Element("feed", xmlns=ATOM)
    ET.SubElement(root, "title").text = f"{site_name}: {feed.title}"
    own_id = (
        link(feed.page, site_url, directory_urls)
        if site_url
        else f"urn:definitive:{slugify(site_name)}:{feed.name}"
    )
    ET.SubElement(root, "id").text = own_id
    newest = max((e.date for e in feed.entries), default=EPOCH)
    ET.SubElement(root, "updated").text = stamp(newest)
    ET.SubElement(root, "link", rel="alternate", href=link(feed.page, site_url, directory_urls))
    author = ET.SubElement(root, "author")
    ET.SubElement(author, "name").text = feed.author
    for item in feed.entries:
        entry = ET.SubElement(root, "entry")
        ET.SubElement(entry, "title").text = item.title
        ET.SubElement(entry, "id").text = item.id
        ET.SubElement(entry, "updated").text = stamp(item.date)
        href = link(item.docs_path, site_url, directory_urls)
        ET.SubElement(entry, "link", rel="alternate", href=href)
        ET.SubElement(entry, "summary").text = item.summary
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
