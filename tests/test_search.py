"""Search at scale: Pagefind on the built site, Material's own search only while it is small."""

from __future__ import annotations

from pathlib import Path

CONFIG = "site_name: S\ntheme: {name: material}\nplugins: [search]\n"


def _config(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "mkdocs.yml"
    path.write_text(CONFIG + "extra:\n  definitive:\n" + extra, encoding="utf-8")
    return path


def test_search_can_be_turned_off(build_vault, tmp_path) -> None:
    built = build_vault({"index.md": "# Home\n"}, config=_config(tmp_path, "    search: false\n"))
    assert (built.site / "index.html").is_file()
    assert not (built.site / "pagefind").exists()
    assert (built.site / "search" / "search_index.json").is_file()  # Material's search stays


def test_big_sites_drop_materials_whole_site_index(build_vault, tmp_path) -> None:
    config = _config(tmp_path, "    material_search_max_pages: 5\n")
    built = build_vault(
        {f"notes/Note {i}.md": f"# Note {i}\n\nword{i}\n" for i in range(8)}, config=config
    )
    assert not (built.site / "search" / "search_index.json").exists()
    assert (built.site / "pagefind" / "pagefind.js").is_file()
    home = built.html("")
    assert "md-search__input" not in home  # no header box fetching a whole-site index
    assert 'href="find/"' in home  # the Search page is in the navigation
