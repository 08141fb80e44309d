"""MkDocs' pages rendered by several processes: the same site as one process, or a clear error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.errors import BuildError
from generator.pipeline import build
from tests.conftest import settings_for

NOTES = {
    "index.md": "# Home\n\nStart at [[Rubric]] or [[Panels#Sources|the panel sources]].\n",
    "notes/Rubric.md": "---\ntags: [grading]\n---\n# Rubric\n\nScore 1-5. ^bands\n\n#grading\n",
    "notes/Panels.md": "# Panels\n\n## Sources\n\nOnly primary sources. See [[Rubric#^bands]].\n",
    "notes/Embeds.md": "# Embeds\n\n![[Panels#Sources]]\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    "meta/2026-11-02 Jennifer grades.md": (
        "---\ntype: meta\narticle: '[[Rubric]]'\nagent: Jennifer\ndate: 2026-11-02\n"
        "outcome: success\ntokens_in: 1200\ntokens_out: 300\ncost_usd: 0.02\n---\n"
        "# Jennifer grades\n\nGraded with [[Rubric]].\n"
    ),
    **{
        f"notes/Note {i}.md": f"# Note {i}\n\nLinks to [[Note {i + 1}]] and [[Rubric]].\n"
        for i in range(8)
    },
}


def _config(tmp_path: Path, name: str, plugins: str, workers: int, extensions: str = "") -> Path:
    path = tmp_path / f"{name}.yml"
    path.write_text(
        f"site_name: Workers\ntheme: {{name: material}}\nplugins: {plugins}\n{extensions}"
        f"extra:\n  definitive:\n    search: false\n    build_workers: {workers}\n",
        encoding="utf-8",
    )
    return path


def _site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_two_processes_build_the_same_site_as_one(make_vault, tmp_path) -> None:
    vault = make_vault(NOTES)
    sites = {}
    for workers in (1, 2):
        config = _config(tmp_path, f"w{workers}", "[]", workers)
        settings = settings_for(vault, tmp_path / f"site{workers}", config=config)
        report = build(settings)
        assert report.mkdocs_processes == workers
        sites[workers] = _site_files(settings.site_dir)
    assert sorted(sites[1]) == sorted(sites[2])
    different = [path for path in sites[1] if sites[1][path] != sites[2][path]]
    assert different == []
    assert b'href="notes/panels/#sources"' in sites[2]["index.html"]
    assert b"Only primary sources" in sites[2]["notes/embeds/index.html"]  # the embed


def test_a_plugin_that_sees_every_page_keeps_one_process(make_vault, tmp_path) -> None:
    # Material's search plugin builds one index from every page: it must see them all.
    config = _config(tmp_path, "search", "[search]", 2)
    settings = settings_for(make_vault(NOTES), tmp_path / "site", config=config)
    report = build(settings)
    assert report.mkdocs_processes == 1
    index = (settings.site_dir / "search" / "search_index.json").read_text(encoding="utf-8")
    assert all(f"Note {i}" in index for i in range(8))


@pytest.mark.parametrize("failing", [3, 4])  # neighbouring pages go to different processes
def test_a_page_failing_in_any_process_is_named(make_vault, tmp_path, failing: int) -> None:
    # A theme template that fails on one page (note bodies are HTML by then: Python-Markdown
    # sees none of their text, so a markdown extension cannot be the one that fails).
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "main.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ super() }}'
        f'{{% if page.title == "Note {failing}" %}}{{{{ page.meta.no_such_key.deeper }}}}'
        "{% endif %}{% endblock %}",
        encoding="utf-8",
    )
    config = tmp_path / "failing.yml"
    config.write_text(
        f"site_name: Workers\ntheme: {{name: material, custom_dir: {theme}}}\nplugins: []\n"
        "extra:\n  definitive:\n    search: false\n    build_workers: 2\n",
        encoding="utf-8",
    )
    settings = settings_for(make_vault(NOTES), tmp_path / "site", config=config)
    with pytest.raises(BuildError) as caught:
        build(settings)
    message = str(caught.value)
    assert f"notes/note-{failing}.md" in message and "no_such_key" in message
    assert "Traceback" not in message


def test_an_update_renders_only_changed_pages_and_matches_a_full_build(
    make_vault, tmp_path
) -> None:
    vault = make_vault({**NOTES, "notes/Gone.md": "# Gone\n\nSee [[Rubric]].\n"})
    config = _config(tmp_path, "inc", "[]", 2)
    site = tmp_path / "site"
    first = build(settings_for(vault, site, config=config))
    assert first.mkdocs_pages > 15
    (vault / "notes" / "Panels.md").write_text(
        "# Panels\n\n## Sources\n\nOnly primary sources, revised. See [[Rubric#^bands]].\n",
        encoding="utf-8",
    )
    (vault / "notes" / "Gone.md").unlink()
    (vault / "notes" / "New.md").write_text("# New\n\nA new note.\n", encoding="utf-8")
    update = build(settings_for(vault, site, config=config))
    # Panels, the page embedding it, New, Rubric (its backlinks lost Gone), the notes hub:
    assert update.site_built and 3 <= update.mkdocs_pages <= 8
    assert not (site / "notes" / "gone").exists() and not (site / "notes" / "gone.md").exists()
    assert "revised" in (site / "notes" / "embeds" / "index.html").read_text(encoding="utf-8")
    full = build(settings_for(vault, tmp_path / "full", config=config))
    assert full.mkdocs_pages > update.mkdocs_pages
    assert _site_files(site) == _site_files(tmp_path / "full")


def test_a_failed_build_is_redone_whole_next_time(make_vault, tmp_path) -> None:
    vault = make_vault(NOTES)
    config = _config(tmp_path, "redo", "[]", 1)
    site = tmp_path / "site"
    build(settings_for(vault, site, config=config))
    (vault / "notes" / "Leak.md").write_text("# Leak\n\nsk-ant-api03-" + "A1b2" * 10 + "\n")
    with pytest.raises(BuildError):
        build(settings_for(vault, site, config=config))  # the secret scan fails it
    (vault / "notes" / "Leak.md").unlink()
    again = build(settings_for(vault, site, config=config))
    assert again.site_built and again.mkdocs_pages > 15  # not "up to date", not a patch


@pytest.mark.parametrize("value", ["-1", "two", "true"])
def test_a_bad_build_workers_value_is_a_clear_config_error(tmp_path, value: str) -> None:
    from generator.config import load_settings
    from generator.errors import UsageError

    config = tmp_path / "mkdocs.yml"
    config.write_text(
        f"site_name: S\nextra:\n  definitive:\n    build_workers: {value}\n", encoding="utf-8"
    )
    (tmp_path / "vault").mkdir()
    with pytest.raises(UsageError) as caught:
        load_settings(vault=tmp_path / "vault", config=config, site_dir=tmp_path / "site")
    assert str(config) in str(caught.value) and "build_workers" in str(caught.value)


def test_the_nav_rendered_once_for_many_pages_is_the_nav_material_renders(
    make_vault, tmp_path
) -> None:
    """Pages that are not in the nav reuse one rendering of Material's sidebar and tabs
    (site_templates/overrides/partials/nav.html, tabs.html): the site must be byte for byte
    the one Material's own partials give, at every depth and in every folder."""
    import shutil

    from generator.config import site_templates_dir

    ours = site_templates_dir() / "overrides"
    materials = tmp_path / "materials-partials"
    shutil.copytree(ours, materials)
    for name in ("nav.html", "tabs.html"):
        (materials / "partials" / name).unlink()
    vault = make_vault(
        {
            **NOTES,
            "notes/deep/er/Nested.md": "# Nested\n\n#grading #deep/tag\n[[Rubric]]\n",
            "Top level.md": "# Top level\n\nNext to the home page. #grading\n",
        }
    )
    sites = {}
    for name, custom_dir in (("cached", ours), ("material", materials)):
        config = tmp_path / f"{name}.yml"
        config.write_text(
            f"site_name: Nav\ntheme:\n  name: material\n  custom_dir: {custom_dir}\n"
            "  features: [navigation.tabs]\nplugins: []\n"
            "extra:\n  definitive:\n    search: false\n    build_workers: 1\n",
            encoding="utf-8",
        )
        build(settings_for(vault, tmp_path / name, config=config))
        sites[name] = _site_files(tmp_path / name)
    pages = [p for p in sites["material"] if p.endswith(".html")]
    assert {"notes/deep/er/nested/index.html", "tags/deep/tag/index.html"} <= set(pages)
    # The folder explorer's one element follows the nav (render/explorer.py): not Material's.
    explorer = re.compile(rb'\n<nav class="dfn-explorer"[^>]*>.*?</nav>', re.S)
    cached = {p: explorer.sub(b"", sites["cached"][p], count=1) for p in pages}
    assert all(b'class="dfn-explorer"' in sites["cached"][p] for p in pages)
    assert [p for p in pages if cached[p] != sites["material"][p]] == []
    nested = sites["cached"]["notes/deep/er/nested/index.html"].decode("utf-8")
    assert 'class="md-tabs__link"' in nested and 'href="../../../../tags/"' in nested
