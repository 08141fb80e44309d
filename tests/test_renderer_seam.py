"""The renderer seam: MkDocs' speed-ups only on the versions they were tested with, and a site
is never published unsanitised, whatever wrote its pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import BuildError
from generator.pipeline import build
from generator.publish import mkdocs_site, renderer_versions
from tests.conftest import settings_for

NOTES = {
    "index.md": "# Home\n\nStart at [[Rubric]].\n",
    "notes/Rubric.md": "---\ntags: [grading]\n---\n# Rubric\n\nScore 1-5. ^bands\n",
    "notes/deep/Nested.md": "# Nested\n\nSee [[Rubric#^bands]]. #grading\n",
    "notes/Agent output.md": "# Agent output\n\n<script>alert(1)</script><b onclick=x()>hi</b>\n",
    **{f"notes/Note {i}.md": f"# Note {i}\n\n[[Note {i + 1}]], [[Rubric]]\n" for i in range(6)},
    # In the folder of the theme's scripts: their relative links are not those of the other
    # pages at the same depth, whose rendering is shared (mkdocs_hooks.py dfn_depth_key).
    "assets/Asset notes.md": "# Asset notes\n\nSee [[Rubric]].\n",
    "assets/javascripts/Scripts.md": "# Scripts\n\nSee [[Asset notes]].\n",
}


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "workers.yml"
    path.write_text(
        "site_name: Seam\ntheme:\n  name: material\n  features: [navigation.tabs]\nplugins: []\n"
        "extra:\n  definitive:\n    search: false\n    build_workers: 2\n",
        encoding="utf-8",
    )
    return path


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_untested_mkdocs_and_material_take_the_plain_path_to_the_same_site(
    make_vault, tmp_path, monkeypatch
) -> None:
    vault, config = make_vault(NOTES), _config(tmp_path)
    assert renderer_versions.mkdocs_tested() and renderer_versions.material_tested()
    fast = build(settings_for(vault, tmp_path / "fast", config=config))
    assert fast.mkdocs_processes == 2  # workers, Markdown reuse and the nav cache all on

    versions = {"mkdocs": "1.7.0", "mkdocs-material": "9.9.0"}  # within the pins, untested
    monkeypatch.setattr(renderer_versions, "installed", versions.__getitem__)
    assert not renderer_versions.mkdocs_tested() and not renderer_versions.material_tested()
    plain = build(settings_for(vault, tmp_path / "plain", config=config))
    assert plain.mkdocs_processes == 1  # build_workers: 2 asked for, MkDocs' own build ran
    fast_files, plain_files = _files(tmp_path / "fast"), _files(tmp_path / "plain")
    assert sorted(fast_files) == sorted(plain_files)
    assert [p for p in fast_files if fast_files[p] != plain_files[p]] == []
    page = plain_files["notes/agent-output/index.html"]
    assert b"<script>alert" not in page and b"onclick" not in page


def test_an_upgraded_renderer_rebuilds_every_page(make_vault, tmp_path, monkeypatch) -> None:
    vault, config = make_vault(NOTES), _config(tmp_path)
    settings = settings_for(vault, tmp_path / "site", config=config)
    first = build(settings)
    assert build(settings).site_built is False  # nothing changed
    monkeypatch.setattr(
        renderer_versions, "installed", {"mkdocs": "1.6.9", "mkdocs-material": "9.8.9"}.get
    )
    again = build(settings)
    assert again.site_built and again.mkdocs_pages == first.mkdocs_pages > 10


def test_a_renderer_that_skips_the_sanitiser_publishes_nothing(
    make_vault, tmp_path, monkeypatch
) -> None:
    vault, config = make_vault(NOTES), _config(tmp_path)
    settings = settings_for(vault, tmp_path / "site", config=config)
    real = mkdocs_site.overrides
    skipping = tmp_path / "skipping_hooks.py"  # Definitive's hooks, but content goes through
    skipping.write_text(
        "from generator.publish.mkdocs_hooks import *  # noqa\n\n\n"
        "def on_page_content(html, page, config, files):\n    return html\n",
        encoding="utf-8",
    )

    def without_hook(*args, **kwargs):  # as if a renderer skipped the sanitiser
        result = real(*args, **kwargs)
        result["hooks"] = [str(skipping) if h == mkdocs_site.HOOKS else h for h in result["hooks"]]
        return result

    monkeypatch.setattr(mkdocs_site, "overrides", without_hook)
    with pytest.raises(BuildError, match="without Definitive's sanitiser"):
        build(settings)
    site = tmp_path / "site"
    assert not (site / "notes" / "agent-output" / "index.html").exists()
    assert not any(b"<script>alert" in p.read_bytes() for p in site.rglob("*.html"))

    monkeypatch.setattr(mkdocs_site, "overrides", real)
    report = build(settings)  # no stamp was written: the whole site is built again
    assert report.site_built
    page = (site / "notes" / "agent-output" / "index.html").read_bytes()
    assert b"user-content-" in page and b"<script>alert" not in page
