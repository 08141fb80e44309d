"""Attachments: only linked ones are published, active ones never run on the site's origin,
and no vault file can take the place of a file the site needs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from generator.pipeline import build
from tests.browser_helpers import CHROMIUM, serve
from tests.conftest import Built, settings_for, write_vault

SCRIPT_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="top.canary(1)">'
    "<script>top.canary(2)</script>"
    '<rect width="10" height="10" fill="#3949ab"/></svg>'
)
HTML = "<html><body><script>top.canary(3)</script>report body</body></html>"


def _material_bundle() -> str:
    spec = importlib.util.find_spec("material")
    assert spec is not None and spec.origin is not None
    folder = Path(spec.origin).parent / "templates" / "assets" / "javascripts"
    return next(p.name for p in folder.glob("bundle.*.min.js"))


def _material_file(rel: str) -> bytes:
    spec = importlib.util.find_spec("material")
    assert spec is not None and spec.origin is not None
    return (Path(spec.origin).parent / "templates" / rel).read_bytes()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("attachments")
    bundle = f"assets/javascripts/{_material_bundle()}"
    links = [
        "report.html",
        "page.xhtml",
        "feed.xml",
        "tool.js",
        "photo.png",
        "logo.svg",
        bundle,
        "assets/images/favicon.png",
        "pagefind/pagefind.js",
        "search/search_index.json",
        "assets/definitive/definitive.css",
    ]
    files: dict[str, str | bytes] = {
        "index.md": "# Home\n\n" + "\n".join(f"- [[{link}]]" for link in links) + "\n",
        "Gallery.md": "![[logo.svg]]\n\n![[photo.png|120]]\n",
        "report.html": HTML,
        "page.xhtml": HTML,
        "feed.xml": '<?xml version="1.0"?><rss><script>top.canary(4)</script></rss>',
        "tool.js": "top.canary(5)",
        "photo.png": b"\x89PNG\r\n\x1a\n-a-photo",
        "logo.svg": SCRIPT_SVG,
        "unlinked.png": b"\x89PNG\r\n\x1a\n-unlinked",
        bundle: "top.canary(6)",
        "assets/images/favicon.png": b"\x89PNG\r\n\x1a\n-not-the-favicon",
        "pagefind/pagefind.js": "top.canary(7)",
        "search/search_index.json": '{"docs": []}',
        "assets/definitive/definitive.css": "body { --zqx-vault-css: 1 }",
    }
    vault = write_vault(base / "vault", files)
    settings = settings_for(vault, base / "site")
    return Built(settings, build(settings))


def test_active_documents_are_published_as_plain_text(built: Built) -> None:
    for name in ("report.html", "page.xhtml", "feed.xml", "tool.js"):
        assert (built.site / f"{name}.txt").is_file(), name
        if name != "feed.xml":  # the site's own Atom feed has that name (render/activity.py)
            assert not (built.site / name).exists(), name
    assert b"canary" not in (built.site / "feed.xml").read_bytes()
    assert (built.site / "report.html.txt").read_text(encoding="utf-8") == HTML
    home = built.html("")
    assert 'href="report.html.txt"' in home and 'href="report.html"' not in home


def test_only_linked_attachments_are_published(built: Built) -> None:
    assert (built.site / "photo.png").is_file()
    assert not (built.site / "unlinked.png").exists()


def test_svg_is_published_sanitised(built: Built) -> None:
    svg = (built.site / "logo.svg").read_text(encoding="utf-8")
    assert "<rect" in svg and "script" not in svg.lower() and "onload" not in svg.lower()


def test_vault_files_cannot_replace_the_sites_own(built: Built) -> None:
    bundle = f"assets/javascripts/{_material_bundle()}"
    assert (built.site / bundle).read_bytes() == _material_file(bundle)
    favicon = "assets/images/favicon.png"
    assert (built.site / favicon).read_bytes() == _material_file(favicon)
    css = (built.site / "assets/definitive/definitive.css").read_text(encoding="utf-8")
    assert "zqx-vault-css" not in css
    reported = {f.path: f for f in built.report.findings if f.code == "attachment-reserved-path"}
    # Scripts go out as text (bundle...js.txt) and "search_index" slugs to "search-index":
    # neither can land on the site's own file, so neither is refused.
    assert set(reported) == {favicon, "pagefind/pagefind.js", "assets/definitive/definitive.css"}
    assert (built.site / f"{bundle}.txt").is_file()
    assert b"top.canary" not in (built.site / "pagefind/pagefind.js").read_bytes()
    assert all(f.severity == "error" for f in reported.values())
    assert "would replace the site's own" in reported[favicon].message
    assert "index.md" in reported[favicon].message  # names the note that links it


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_opened_attachments_run_nothing(built: Built) -> None:
    from playwright.sync_api import sync_playwright

    fired: list[str] = []
    with sync_playwright() as p, serve(built.site) as url:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        page.expose_function("canary", lambda n: fired.append(str(n)))
        for path in ("report.html.txt", "page.xhtml.txt", "feed.xml.txt", "logo.svg", "gallery/"):
            page.goto(url + path)
            page.wait_for_timeout(100)
        assert "report body" in page.goto(url + "report.html.txt").text()  # type: ignore[union-attr]
        browser.close()
    assert fired == []
