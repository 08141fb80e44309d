"""Serving a built site and driving Debian's Chromium over it, for the browser tests.

`serve` answers like a static host: files from the site folder, and its ``404.html`` (with
status 404) for an address that has none. `Visit` watches a page as a visitor uses it: console
errors, uncaught exceptions, failed requests and requests leaving the site.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

# The search form of site_templates/assets/search.js, in the header's dialog and on /find/.
MODAL_INPUT = "dialog.dfn-search-modal input.dfn-finder__input"
MODAL_RESULTS = "dialog.dfn-search-modal a.dfn-finder__link"

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


class _StaticHost(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()  # what GitHub Pages, Netlify and nginx's error_page do
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@contextmanager
def serve(site: Path) -> Iterator[str]:
    handler = functools.partial(_StaticHost, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def launch() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    """What went wrong while a visitor was on each page of a tab."""

    base: str
    page: Any = None
    errors: list[str] = field(default_factory=list)
    """Console errors and uncaught exceptions, each with the page it happened on."""
    failed: list[str] = field(default_factory=list)
    """Requests answered with an error status, or that failed (one the browser cut short, as
    when the visitor moves on, is no failure)."""
    outside: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    expected: set[str] = field(default_factory=set)
    """URLs allowed to answer with an error (a 404 page's own address)."""

    def attach(self, page: Any) -> None:
        self.page = page
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("request", self._request)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        if (message.location or {}).get("url") in self.expected:
            return  # the browser logs the error status it was expected to get
        self.errors.append(f"{self.page.url}: {message.text}")

    def _request(self, request: Any) -> None:
        self.requests.append(request.url)
        if not request.url.startswith((self.base, "data:", "blob:")):
            self.outside.append(request.url)

    def _failed(self, request: Any) -> None:
        if "ERR_ABORTED" in (request.failure or ""):
            return  # cut short by the browser (the visitor moved on), not refused by the site
        self.failed.append(f"{request.url} ({request.failure})")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.url not in self.expected:
            self.failed.append(f"{response.url} ({response.status})")


@contextmanager
def visiting(browser: Any, base: str, **context: Any) -> Iterator[Visit]:
    """A fresh tab on the site at ``base`` (1280 x 800 unless ``viewport`` says otherwise)."""
    options = {"viewport": DESKTOP, **context}
    tab = browser.new_context(**options)
    visit = Visit(base)
    visit.attach(tab.new_page())
    try:
        yield visit
    finally:
        tab.close()
