"""Incremental builds: only what a change affects is re-emitted; nothing changed, nothing done."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.pipeline import analyse, build
from tests.conftest import settings_for

FILES = {
    "a.md": "# A\n\nSee [[b]].\n",
    "b.md": "# B\n\nThe b body.\n",
    "c.md": "# C\n\n![[b]]\n",
    "d.md": "# D\n\nUnrelated.\n",
}


def _build(vault: Path, site: Path):
    return build(settings_for(vault, site))


def test_no_change_rebuild_emits_nothing_and_skips_mkdocs(make_vault, tmp_path) -> None:
    vault = make_vault(FILES)
    first = _build(vault, tmp_path / "site")
    assert first.site_built and len(first.emitted.written) > 4
    second = _build(vault, tmp_path / "site")
    assert second.emitted.written == [] and second.emitted.deleted == []
    assert second.site_built is False
    assert (tmp_path / "site" / "b" / "index.html").is_file()


def test_changing_one_note_reemits_it_and_its_embedders(make_vault, tmp_path) -> None:
    vault = make_vault(FILES)
    _build(vault, tmp_path / "site")
    (vault / "b.md").write_text("# B\n\nThe b body, revised.\n", encoding="utf-8")
    report = _build(vault, tmp_path / "site")
    assert sorted(report.emitted.written) == ["b.md", "c.md"]
    assert report.site_built
    assert "revised" in (tmp_path / "site" / "c" / "index.html").read_text(encoding="utf-8")


def test_new_link_reemits_the_target_for_its_backlinks(make_vault, tmp_path) -> None:
    vault = make_vault(FILES)
    _build(vault, tmp_path / "site")
    (vault / "a.md").write_text("# A\n\nSee [[b]] and [[d]].\n", encoding="utf-8")
    report = _build(vault, tmp_path / "site")
    assert sorted(report.emitted.written) == ["a.md", "d.md", "graph-view.json", "graph.json"]
    d_page = (tmp_path / "site" / "d" / "index.html").read_text(encoding="utf-8")
    assert 'href="../a/"' in d_page.split('id="user-content-backlinks"', 1)[1]


def test_deleted_note_is_removed_from_tree_and_site(make_vault, tmp_path) -> None:
    vault = make_vault(FILES)
    first = _build(vault, tmp_path / "site")
    docs = settings_for(vault, tmp_path / "site").docs_dir
    assert (docs / "d.md").is_file() and first.site_built
    (vault / "d.md").unlink()
    report = _build(vault, tmp_path / "site")
    assert report.emitted.deleted == ["d.md"]
    assert not (docs / "d.md").exists()
    assert not (tmp_path / "site" / "d").exists()


def test_a_page_gone_from_the_cache_is_rendered_again(make_vault, tmp_path) -> None:
    """A kept page needs its docs file and its markdown copy where the last build left them;
    one deleted from the cache (a careless clean-up) is rendered again, not assumed."""
    vault = make_vault(FILES)
    _build(vault, tmp_path / "site")
    settings = settings_for(vault, tmp_path / "site")
    (settings.docs_dir / "d.md").unlink()
    (settings.cache_dir / "markdown" / "a.md").unlink()
    report = _build(vault, tmp_path / "site")
    assert report.emitted.written == ["d.md"]  # a.md's page came out the same bytes
    assert (settings.docs_dir / "d.md").is_file()
    assert (settings.cache_dir / "markdown" / "a.md").is_file()
    assert "Unrelated" in (tmp_path / "site" / "d" / "index.html").read_text(encoding="utf-8")


def test_a_site_restored_from_a_ci_cache_is_updated_not_failed(make_vault, tmp_path) -> None:
    """docs/nightly.md's CI job restores site/ and the cache from an archive every night: the
    same files and times under new inodes (as tar --posix, cp -a and rsync -a leave them).
    The night's build updates what changed, as it would have in place."""
    vault = make_vault(FILES)
    site = tmp_path / "site"
    _build(vault, site)
    cache = settings_for(vault, site).cache_dir
    for folder in (site, cache):
        restored = folder.with_name(folder.name + "-restored")
        shutil.copytree(folder, restored, symlinks=True)  # copy2: times to the nanosecond
        shutil.rmtree(folder)
        restored.rename(folder)
    (vault / "b.md").write_text("# B\n\nThe b body, revised.\n", encoding="utf-8")
    report = _build(vault, site)
    assert report.site_built and sorted(report.emitted.written) == ["b.md", "c.md"]
    assert "revised" in (site / "c" / "index.html").read_text(encoding="utf-8")
    assert "Unrelated" in (site / "d" / "index.html").read_text(encoding="utf-8")
    assert (site / "pagefind" / "pagefind.js").is_file()


def test_deleted_site_is_rebuilt_even_without_vault_changes(make_vault, tmp_path) -> None:
    import shutil

    vault = make_vault(FILES)
    _build(vault, tmp_path / "site")
    shutil.rmtree(tmp_path / "site")
    report = _build(vault, tmp_path / "site")
    assert report.emitted.written == [] and report.site_built
    assert (tmp_path / "site" / "index.html").is_file()


def test_parsed_note_cache_replays_findings_and_survives_corruption(make_vault, tmp_path) -> None:
    vault = make_vault({**FILES, "bad.md": "---\ntags: [a\n---\nx\n", "e.md": "[[nowhere]]\n"})
    first = _build(vault, tmp_path / "site")
    expected = sorted((f.code, f.path, f.line) for f in first.findings)
    assert ("frontmatter-invalid", "bad.md", 3) in expected
    buckets = sorted((settings_for(vault, tmp_path / "site").cache_dir / "notes").glob("*.json"))
    assert buckets
    second = _build(vault, tmp_path / "site")  # every note comes from the cache now
    assert sorted((f.code, f.path, f.line) for f in second.findings) == expected
    assert second.analysis.vault.notes["a.md"].links[0].target == "b"
    for bucket in buckets:
        bucket.write_text("{not json", encoding="utf-8")
    third = _build(vault, tmp_path / "site")
    assert sorted((f.code, f.path, f.line) for f in third.findings) == expected
    assert third.emitted.written == []


def test_a_build_killed_while_writing_cannot_leave_a_stale_page(
    make_vault, tmp_path, monkeypatch
) -> None:
    import importlib

    emit = importlib.import_module("generator.render.emit")  # the module, not the function
    vault = make_vault(FILES)
    _build(vault, tmp_path / "site")
    (vault / "b.md").write_text("# B\n\nA draft that gets reverted.\n", encoding="utf-8")
    real = emit.atomic_write

    def killed_after_b(path: Path, data: bytes) -> None:
        real(path, data)
        if path.name == "b.md":
            raise KeyboardInterrupt  # killed before the manifest is written

    monkeypatch.setattr(emit, "atomic_write", killed_after_b)
    with pytest.raises(KeyboardInterrupt):
        _build(vault, tmp_path / "site")
    monkeypatch.setattr(emit, "atomic_write", real)
    (vault / "b.md").write_text(FILES["b.md"], encoding="utf-8")  # the edit is undone
    report = _build(vault, tmp_path / "site")
    assert "b.md" in report.emitted.written
    page = (tmp_path / "site" / "b" / "index.html").read_text(encoding="utf-8")
    assert "The b body." in page and "draft" not in page


def test_a_first_build_killed_leaves_no_page_for_the_next_to_publish(
    make_vault, tmp_path, monkeypatch
) -> None:
    import importlib

    emit = importlib.import_module("generator.render.emit")
    vault = make_vault(FILES)
    docs = settings_for(vault, tmp_path / "site").docs_dir
    real = emit.atomic_write

    def killed_at_the_manifest(path: Path, data: bytes) -> None:
        if path.name == "manifest.json":
            raise KeyboardInterrupt  # the docs tree is written, no build recorded it
        real(path, data)

    monkeypatch.setattr(emit, "atomic_write", killed_at_the_manifest)
    with pytest.raises(KeyboardInterrupt):
        _build(vault, tmp_path / "site")
    monkeypatch.setattr(emit, "atomic_write", real)
    assert (docs / "d.md").is_file()  # the killed build's page of d
    (vault / "d.md").unlink()  # deleted (or made private) before the next build
    report = _build(vault, tmp_path / "site")
    assert not (tmp_path / "site" / "d").exists()
    assert "d.md" in report.emitted.deleted and not (docs / "d.md").exists()
    assert (tmp_path / "site" / "b" / "index.html").is_file()


def test_a_cold_build_forgets_the_cache_and_rebuilds_everything(make_vault, tmp_path) -> None:
    vault = make_vault(FILES)
    settings = settings_for(vault, tmp_path / "site")
    first = build(settings)
    (settings.cache_dir / "notes" / "stray.json").write_text("{}", encoding="utf-8")
    cold = build(settings, cold=True)  # `definitive build --cold`
    assert sorted(cold.emitted.written) == sorted(first.emitted.written)
    assert cold.site_built and cold.mkdocs_pages == first.mkdocs_pages
    assert not (settings.cache_dir / "notes" / "stray.json").exists()
    assert (vault / "a.md").is_file() and (tmp_path / "site" / "b" / "index.html").is_file()
    assert build(settings).site_built is False  # and the cache is whole again


def test_check_reads_the_build_cache_writes_nothing_and_never_takes_a_stale_note(
    make_vault, tmp_path, parses
) -> None:
    vault = make_vault({**FILES, "bad.md": "---\ntags: [a\n---\nx\n"})
    built = _build(vault, tmp_path / "site")
    settings = settings_for(vault, tmp_path / "site")
    buckets = sorted((settings.cache_dir / "notes").glob("*.json"))
    saved = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in buckets}
    assert buckets and len(parses) == 5  # the build parsed every note

    parses.clear()
    checked = analyse(settings)  # what `definitive check` runs
    assert parses == []  # every note from the cache the build wrote
    assert sorted(map(str, checked.findings)) == sorted(map(str, built.analysis.findings))
    found = [(f.code, f.path, f.line) for f in checked.findings]
    assert ("frontmatter-invalid", "bad.md", 3) in found

    (vault / "d.md").write_text("# D\n\nNow [[nowhere]].\n", encoding="utf-8")
    checked = analyse(settings)
    assert parses == ["d.md"]  # changed since the build: read again, never taken stale
    assert ("link-broken", "d.md", 3) in [(f.code, f.path, f.line) for f in checked.findings]
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in buckets} == saved  # wrote nothing

    analyse(settings, save_cache=True)  # as a build does: it keeps what it parsed
    parses.clear()
    analyse(settings)
    assert parses == []


def test_check_cold_finds_a_secret_that_a_forged_cache_entry_hides(make_vault, tmp_path) -> None:
    import json

    from tests.conftest import run_cli

    secret = "AKIA" + "QWERTYUIOPASDFGH"
    vault = make_vault({**FILES, "keys.md": f"---\nprivate: true\n---\nKey {secret}\n"})
    _build(vault, tmp_path / "site")
    settings = settings_for(vault, tmp_path / "site")
    forged = 0
    for bucket in (settings.cache_dir / "notes").glob("*.json"):
        stored = json.loads(bucket.read_text(encoding="utf-8"))
        entry = stored["notes"].get("keys.md")
        if entry is not None and entry["findings"]:
            entry["findings"] = []  # the finding gone, the note's bytes still matching
            bucket.write_text(json.dumps(stored), encoding="utf-8")
            forged += 1
    assert forged == 1

    trusting = run_cli("check", "--vault", str(vault))
    assert trusting.returncode == 0, trusting.stdout + trusting.stderr  # what it trusts
    assert "secret" not in trusting.stdout + trusting.stderr
    cold = run_cli("check", "--vault", str(vault), "--cold")
    assert cold.returncode == 1, cold.stdout + cold.stderr
    assert "keys.md:4: error secret: AWS access key ID" in cold.stderr
    assert secret not in cold.stdout + cold.stderr


def test_the_same_templates_from_another_folder_keep_the_site(make_vault, tmp_path, monkeypatch):
    """The site's stamp (what every page's HTML depends on) holds the templates, not where
    they or the package (its MkDocs hook, named by path in the config) are installed: a build
    from another checkout or virtualenv renders no page again. Changing an override does
    change it."""
    import generator.publish.mkdocs_site as mkdocs_site
    from generator.config import site_templates_dir

    vault = make_vault(FILES)
    settings = settings_for(vault, tmp_path / "site")
    stamps = []
    for where in ("one", "elsewhere/two", "three"):
        copy = tmp_path / where / "site_templates"
        shutil.copytree(site_templates_dir(), copy)
        if where == "three":
            main = copy / "overrides" / "main.html"
            main.write_text(main.read_text("utf-8") + "\n<!-- edited -->\n", "utf-8")
        monkeypatch.setattr(mkdocs_site, "site_templates_dir", lambda copy=copy: copy)
        hooks = tmp_path / where / "generator" / "publish" / "mkdocs_hooks.py"
        monkeypatch.setattr(mkdocs_site, "HOOKS", str(hooks))
        config = mkdocs_site.config_file_for(settings)
        assert str(copy) in config.read_text("utf-8")
        stamps.append(mkdocs_site._stamp(settings, config, mkdocs_site.overrides(settings, [])))
    assert stamps[0] == stamps[1] != stamps[2]


def test_graph_json_from_a_stale_or_corrupt_record_is_encoded_again(make_vault, tmp_path):
    """graph.json copies a kept note's links from the last build's file only when the record
    of where they lie is this code's and options' (its key) and describes the file in the
    docs tree; otherwise every link is encoded again, never a wrong file."""
    from generator.render.graph_json import SPANS, GraphMemo, graph_files

    vault = make_vault({**FILES, "e.md": "# E\n\n[[a]], [[c]], [[nowhere]] and [[d#Nope]].\n"})
    analysis = analyse(settings_for(vault, tmp_path / "site"))
    paths = {path: path for path in analysis.public.notes}
    fresh = graph_files(analysis.graph, paths, paths, True)
    cache, docs = tmp_path / "cache", tmp_path / "docs"
    docs.mkdir()
    (docs / "graph.json").write_bytes(fresh.text.encode("utf-8"))
    GraphMemo(cache, docs, "key").save(fresh, fresh.text.encode("utf-8"))

    def again(key: str = "key") -> int:
        memo = GraphMemo(cache, docs, key)
        drawn = graph_files(analysis.graph, paths, paths, True, memo=memo, kept=set(paths))
        assert drawn.text == fresh.text
        return drawn.copied

    assert again() == 3  # a, c and e link; b and d do not
    assert again("another key") == 0  # other code or options
    text = fresh.text.replace('"line": 3', '"line": 4', 1)
    (docs / "graph.json").write_bytes(text.encode("utf-8"))  # not the file described
    assert again() == 0
    (docs / "graph.json").write_bytes(fresh.text.encode("utf-8"))
    (cache / SPANS).write_text('{"format": 1, "key": "key", "spans": [', "utf-8")  # cut short
    assert again() == 0
