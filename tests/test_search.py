"""Search at scale: Pagefind on the built site, in the header box and on the Search page;
Material's own search only when the user asks for it; big sites indexed in shards."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.errors import BuildError, UsageError
from generator.pipeline import build
from generator.publish import mkdocs_workers, search
from generator.publish import site as site_module
from generator.publish.mkdocs_site import config_file_for, overrides
from generator.secrets import SecretLeakError

CONFIG = "site_name: S\ntheme: {name: material}\nplugins: [search]\n"
NOTES = {f"notes/Note {i}.md": f"# Note {i}\n\nword{i} and marmalade\n" for i in range(8)}


def _config(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "mkdocs.yml"
    path.write_text(CONFIG + ("extra:\n  definitive:\n" + extra if extra else ""), "utf-8")
    return path


def _bundles(site: Path) -> list[str]:
    return json.loads((site / "pagefind-bundles.json").read_text(encoding="utf-8"))["bundles"]


def _urls(bundle: Path) -> set[str]:
    """The page URLs a bundle holds (Pagefind's fragments are gzip-compressed JSON)."""
    urls = set()
    for path in (bundle / "fragment").glob("*.pf_fragment"):
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        urls.add(json.loads(text[text.index("{") :])["url"])
    return urls


def test_search_can_be_turned_off(build_vault, tmp_path) -> None:
    built = build_vault({"index.md": "# Home\n"}, config=_config(tmp_path, "    search: false\n"))
    assert (built.site / "index.html").is_file()
    assert not (built.site / "pagefind").exists()
    assert not (built.site / "pagefind-bundles.json").exists()
    assert (built.site / "search" / "search_index.json").is_file()  # Material's search stays
    home = built.html("")
    assert "md-search__input" in home and "data-dfn-search" not in home
    assert "built without Pagefind" in built.html("find/")


def test_materials_search_plugin_is_left_out_by_default(build_vault, tmp_path) -> None:
    built = build_vault({"index.md": "# Home\n\nmarmalade\n"}, config=_config(tmp_path, ""))
    assert not (built.site / "search" / "search_index.json").exists()
    assert (built.site / "pagefind" / "pagefind.js").is_file()
    assert _bundles(built.site) == ["pagefind/"]
    home = built.html("")
    assert "md-search__input" not in home  # no box fetching a whole-site index
    # The header box is Pagefind's: a link to the Search page that search.js turns into a modal.
    assert 'class="md-header__button md-icon dfn-search" data-dfn-search="./"' in home
    assert 'href="find/"' in home
    assert "assets/definitive/search.js" in home
    assert 'id="dfn-search" data-dfn-root="../"' in built.html("find/")


def test_material_search_max_pages_keeps_materials_box_on_small_sites(
    build_vault, tmp_path
) -> None:
    built = build_vault(NOTES, config=_config(tmp_path, "    material_search_max_pages: 50\n"))
    assert (built.site / "search" / "search_index.json").is_file()
    home = built.html("")
    assert "md-search__input" in home and "data-dfn-search" not in home  # one box: Material's
    assert (built.site / "pagefind" / "pagefind.js").is_file()  # the Search page is Pagefind's


def test_material_search_max_pages_drops_materials_box_above_it(build_vault, tmp_path) -> None:
    built = build_vault(NOTES, config=_config(tmp_path, "    material_search_max_pages: 5\n"))
    assert not (built.site / "search" / "search_index.json").exists()
    assert "data-dfn-search" in built.html("")


@pytest.mark.parametrize(
    "extra",
    ["    material_search_max_pages: -1\n", "    search_shard_pages: 0\n"],
)
def test_search_options_are_checked(build_vault, tmp_path, extra: str) -> None:
    with pytest.raises(UsageError, match=r"extra\.definitive\.(material|search_shard)"):
        build_vault({"index.md": "# Home\n"}, config=_config(tmp_path, extra))


def test_a_big_site_is_indexed_in_shards(build_vault, tmp_path) -> None:
    built = build_vault(NOTES, config=_config(tmp_path, "    search_shard_pages: 3\n"))
    bundles = _bundles(built.site)
    assert bundles == ["pagefind/", "pagefind-2/", "pagefind-3/"]  # 8 notes, 3 a bundle
    # Every marked page (not the 404, graph or search page) is in exactly one bundle, at most
    # 3 a bundle, assigned in the order of their sorted paths.
    marked = sorted(
        p.relative_to(built.site).as_posix()
        for p in built.site.rglob("*.html")
        if "data-pagefind-body" in p.read_text(encoding="utf-8")
    )
    assert "404.html" not in marked and "graph/index.html" not in marked
    urls = [_urls(built.site / name) for name in bundles]
    assert all(1 <= len(u) <= 3 for u in urls)
    expected = ["/" + p.removesuffix("index.html") for p in marked]
    assert urls == [set(expected[i : i + 3]) for i in range(0, len(expected), 3)]
    for name in bundles:
        entry = json.loads((built.site / name / "pagefind-entry.json").read_text("utf-8"))
        assert entry["languages"]["en"]["page_count"] <= 3


def test_a_site_within_the_shard_size_has_one_bundle(build_vault, tmp_path) -> None:
    built = build_vault(NOTES, config=_config(tmp_path, "    search_shard_pages: 500\n"))
    assert _bundles(built.site) == ["pagefind/"]
    assert sorted(p.name for p in built.site.glob("pagefind*")) == [
        "pagefind",
        "pagefind-bundles.json",
    ]
    entry = json.loads((built.site / "pagefind" / "pagefind-entry.json").read_text("utf-8"))
    # The notes, not the hubs and tag pages that list them.
    assert _urls(built.site / "pagefind") == {f"/notes/note-{i}/" for i in range(8)}
    assert entry["languages"]["en"]["page_count"] == 8


def test_a_failing_shard_is_a_clear_build_error(build_vault, tmp_path, monkeypatch) -> None:
    real = search._pagefind_command
    calls: list[Path] = []

    def second_fails(site: Path, bundle: Path) -> list[str]:
        calls.append(site)
        return real(site / "missing" if len(calls) == 2 else site, bundle)

    monkeypatch.setattr(search, "_pagefind_command", second_fails)
    with pytest.raises(BuildError) as caught:
        build_vault(NOTES, config=_config(tmp_path, "    search_shard_pages: 3\n"))
    message = str(caught.value)
    assert message.startswith("search: Pagefind failed to index the site (shard 2, ")
    assert "Traceback" not in message
    assert not list(tmp_path.glob("vault/.definitive/cache/pagefind-shard-*"))  # cleaned up
    assert not list((tmp_path / "site").glob(".pagefind-*"))


def test_secret_scan_runs_before_any_shard_is_indexed(build_vault, tmp_path) -> None:
    key = "sk-ant-api03-" + "A1b2C3d4" * 5
    files = {**NOTES, "notes/Setup.md": f"# Setup\n\nUse the key {key} for the API.\n"}
    with pytest.raises(SecretLeakError):
        build_vault(files, config=_config(tmp_path, "    search_shard_pages: 3\n"))
    assert not list((tmp_path / "site").glob("pagefind*"))


def test_the_built_in_config_leaves_materials_search_plugin_out_too(build_vault) -> None:
    built = build_vault({"index.md": "# Home\n"})  # no mkdocs.yml: site_templates' default
    assert built.settings.config_file is None
    assert not (built.site / "search" / "search_index.json").exists()
    assert "data-dfn-search" in built.html("")


def test_serve_shows_no_pagefind_box_since_it_builds_no_index(build_vault, tmp_path) -> None:
    """`definitive serve` renders with ``serve=True`` (see serve_site) and never runs Pagefind."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    built = build_vault({"index.md": "# Home\n"}, config=_config(tmp_path, ""))
    preview = dataclasses.replace(built.settings, site_dir=tmp_path / "preview")
    extra = overrides(preview, built.report.plan.nav, serve=True)
    mkdocs_build(load_config(config_file=str(config_file_for(preview)), **extra))
    home = (preview.site_dir / "index.html").read_text(encoding="utf-8")
    assert "data-dfn-search" not in home and "md-search__input" not in home
    find = (preview.site_dir / "find" / "index.html").read_text(encoding="utf-8")
    assert "Search works on the built site" in find and "dfn-root" not in find


def _indexed(bundle: Path) -> dict[str, str]:
    """URL -> the text Pagefind indexed for that page."""
    pages = {}
    for path in (bundle / "fragment").glob("*.pf_fragment"):
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
        fragment = json.loads(text[text.index("{") :])
        pages[fragment["url"]] = fragment["content"]
    return pages


def test_search_matches_what_a_note_says_not_what_is_generated_around_it(
    build_vault, tmp_path
) -> None:
    built = build_vault(
        {
            "notes/Zebra.md": "# Zebra\n\nStripes confuse the flies. #savanna\n",
            "notes/Linker.md": "# Linker\n\nSee [[Zebra]] for the stripes.\n",
            "notes/Embedder.md": "# Embedder\n\nQuoting it whole:\n\n![[Zebra]]\n",
        },
        config=_config(tmp_path, ""),
    )
    indexed = _indexed(built.site / "pagefind")
    # Hubs and tag pages only list other pages: not indexed.
    assert set(indexed) == {"/notes/zebra/", "/notes/linker/", "/notes/embedder/"}
    # Zebra's backlinks name Linker and Embedder: a search for them must not find Zebra.
    assert "Stripes confuse the flies" in indexed["/notes/zebra/"]
    assert "Linker" not in indexed["/notes/zebra/"] and "Embedder" not in indexed["/notes/zebra/"]
    # The embedded note is found under its own page, not under every page that embeds it.
    assert "Quoting it whole" in indexed["/notes/embedder/"]
    assert "confuse" not in indexed["/notes/embedder/"]
    # A link written in the text is the note's own words.
    assert "Zebra" in indexed["/notes/linker/"]


def test_an_article_and_an_agent_are_found_by_their_words_not_their_runs_tables(
    build_vault, tmp_path
) -> None:
    """The Evidence table of an article and an agent's Skills and Recent runs tables list
    pages of their own: left out of the index (they were most of the hot shard's HTML)."""
    run = (
        '---\ntype: meta\narticle: "[[Pouring]]"\nagent: "[[Barista]]"\ndate: 2026-01-02\n'
        "outcome: success\n---\n# Quokka latte run\n\nSteamed the milk twice.\n"
    )
    built = build_vault(
        {
            "articles/Pouring.md": "---\ntype: definitive\n---\n# Pouring\n\nTilt the cup.\n",
            "agents/Barista.md": "---\ntype: agent\n---\n# Barista\n\nMakes coffee daily.\n",
            "meta/2026-01-02 Quokka latte run.md": run,
        },
        config=_config(tmp_path, ""),
    )
    indexed = _indexed(built.site / "pagefind")
    article, agent = indexed["/articles/pouring/"], indexed["/agents/barista/"]
    html = (built.site / "articles" / "pouring" / "index.html").read_text(encoding="utf-8")
    assert "Quokka latte run" in html.split('id="user-content-dfn-evidence"', 1)[1]  # shown
    assert "Tilt the cup" in article and "Quokka" not in article  # not indexed there
    assert "Makes coffee daily" in agent and "Quokka" not in agent and "Pouring" not in agent
    assert "Quokka latte run" in indexed["/meta/2026-01-02-quokka-latte-run/"]


def test_pagefind_indexes_the_staged_part_of_each_page_as_it_would_the_whole_page(
    build_vault, tmp_path
) -> None:
    """Pagefind is given only `indexed_part` of each page (html tag, title, the body on):
    the index it writes (words, fragments: content-hashed file names) is the one the whole
    pages give, filters and sub-results included."""
    run = (
        '---\ntype: meta\narticle: "[[Pouring]]"\nagent: "[[Barista]]"\ndate: 2026-01-02\n'
        "outcome: failure\n---\n# Oat milk run\n\n## Steaming\n\nScorched the jug.\n"
    )
    built = build_vault(
        {
            "articles/Pouring.md": "---\ntype: definitive\n---\n# Pouring\n\nTilt the cup.\n",
            "agents/Barista.md": "---\ntype: agent\n---\n# Barista\n\nMakes coffee.\n",
            "meta/2026-01-02 Oat milk run.md": run,
            "notes/Crema.md": "# Crema\n\n## Colour\n\nHazel, see [[Pouring]].\n\n![[Barista]]\n",
        },
        config=_config(tmp_path, ""),
    )
    site = built.site
    pages = sorted(_indexed(site / "pagefind"))
    files = [u.strip("/") + "/index.html" for u in pages]
    whole, staged = tmp_path / "whole", tmp_path / "staged"
    for page in files:
        (whole / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(site / page, whole / page)
    search._stage_pages(site, files, staged)
    part = (staged / "meta/2026-01-02-oat-milk-run/index.html").read_bytes()
    assert len(part) < os.path.getsize(site / "meta/2026-01-02-oat-milk-run/index.html") / 2
    assert b"md-header" not in part and b'data-pagefind-filter="outcome"' in part

    def index(folder: Path) -> dict[str, list[str]]:
        bundle = tmp_path / f"{folder.name}-bundle"
        subprocess.run(search._pagefind_command(folder, bundle), check=True, timeout=120)
        return {
            kind: sorted(p.name for p in (bundle / kind).iterdir())
            for kind in ("index", "fragment", "filter")
        } | {"words": sorted(_indexed(bundle).values())}

    expected, got = index(whole), index(staged)
    assert got["index"] == expected["index"] and got["fragment"] == expected["fragment"]
    assert got["words"] == expected["words"] and len(got["filter"]) == len(expected["filter"])


# --- indexing while MkDocs renders ------------------------------------------------------------

MANY = {f"notes/Note {i:02}.md": f"# Note {i}\n\nword{i} and marmalade\n" for i in range(20)}


@pytest.fixture
def small_streams(monkeypatch) -> None:
    """Stream on a test-sized site: chunks of 4 pages, shards of at least 2."""
    monkeypatch.setattr(mkdocs_workers, "CHUNK_PAGES", 4)
    monkeypatch.setattr(search, "STREAM_MIN_SHARD", 2)


def _marked(site: Path) -> set[str]:
    return {
        "/" + p.relative_to(site).as_posix().removesuffix("index.html")
        for p in site.rglob("*.html")
        if "data-pagefind-body" in p.read_text(encoding="utf-8")
    }


@pytest.mark.parametrize("workers", [1, 2])
def test_pages_are_indexed_while_the_rest_render(
    build_vault, tmp_path, small_streams, workers: int
) -> None:
    extra = f"    search_shard_pages: 5\n    build_workers: {workers}\n"
    built = build_vault(MANY, config=_config(tmp_path, extra))
    index = built.report.search
    assert index is not None and index.streamed_pages > 0  # before the MkDocs step ended
    bundles = _bundles(built.site)
    assert bundles == [f"{search.bundle_name(n)}/" for n in range(1, len(bundles) + 1)]
    assert len(bundles) >= search.STREAM_SHARDS
    # Every note page is in exactly one bundle, at most 5 a bundle; hubs and tags in none.
    urls = [_urls(built.site / name) for name in bundles]
    assert all(1 <= len(u) <= 5 for u in urls)
    assert sum(len(u) for u in urls) == len(set().union(*urls))
    assert set().union(*urls) == _marked(built.site) == {f"/notes/note-{i:02}/" for i in range(20)}
    assert not list(tmp_path.glob("vault/.definitive/cache/pagefind-shard-*"))  # cleaned up


def test_streamed_shards_do_not_depend_on_timing(build_vault, tmp_path, small_streams) -> None:
    extra = "    search_shard_pages: 5\n    build_workers: 2\n"
    first = build_vault(MANY, config=_config(tmp_path, extra))
    shards = [_urls(first.site / name) for name in _bundles(first.site)]
    (first.settings.cache_dir / "site-stamp.json").unlink()  # build the whole site again
    again = build(first.settings)
    assert again.search is not None and again.search.streamed_pages > 0
    assert [_urls(first.site / name) for name in _bundles(first.site)] == shards


def test_a_leak_stops_indexing_and_keeps_the_secret_out_of_every_bundle(
    build_vault, tmp_path, small_streams
) -> None:
    key = "sk-ant-api03-" + "A1b2C3d4" * 5
    files = {**MANY, "notes/Note 17.md": f"# Note 17\n\nUse the key {key} for the API.\n"}
    extra = "    search_shard_pages: 5\n    build_workers: 2\n"
    with pytest.raises(SecretLeakError) as caught:
        build_vault(files, config=_config(tmp_path, extra))
    leaked = ["notes/note-17.md", "notes/note-17/index.html"]  # the page and its markdown
    assert sorted({leak.path for leak in caught.value.leaks}) == leaked
    site = tmp_path / "site"
    assert not (site / "notes" / "note-17" / "index.html").exists()
    for bundle in site.glob("pagefind*/"):  # shards indexed before the leak was seen
        assert "/notes/note-17/" not in _urls(bundle)
        assert all(key not in text for text in _indexed(bundle).values())
    assert not (site / search.BUNDLES).exists()
    assert not list(tmp_path.glob("vault/.definitive/cache/pagefind-shard-*"))


def test_a_rebuild_indexes_while_it_scans_but_a_leak_publishes_no_index(
    build_vault, tmp_path, monkeypatch
) -> None:
    """A rebuild starts Pagefind on the changed shard as soon as the new pages are scanned,
    before the scan of the other new files; when that scan finds a secret (an attachment),
    the build fails and the site keeps the last build's index, byte for byte."""
    config = _config(tmp_path, "    search_shard_pages: 5\n")
    built = build_vault(MANY, config=config)
    site = built.site

    def bundles() -> dict[str, bytes]:
        return {
            p.relative_to(site).as_posix(): p.read_bytes()
            for p in site.glob("pagefind*/**/*")
            if p.is_file()
        }

    before, listing = bundles(), (site / search.BUNDLES).read_bytes()
    assert len(_bundles(site)) >= 3
    events: list[str] = []
    start, scan = search.SearchIndex._start, site_module.check_site

    def started(self, number: int) -> None:
        events.append("pagefind")
        start(self, number)

    def scanned(*args, **kwargs) -> None:
        events.append("site scan")
        scan(*args, **kwargs)

    monkeypatch.setattr(search.SearchIndex, "_start", started)
    monkeypatch.setattr(site_module, "check_site", scanned)
    key = "sk-ant-api03-" + "A1b2C3d4" * 5
    vault = built.settings.vault
    (vault / "files").mkdir()
    (vault / "files" / "prod.env").write_text(f"ANTHROPIC_API_KEY={key}\n", "utf-8")
    (vault / "notes" / "Deploy.md").write_text("# Deploy\n\nzanzibar, see [[prod.env]]\n", "utf-8")
    with pytest.raises(SecretLeakError) as caught:
        build(built.settings)
    assert {leak.path for leak in caught.value.leaks} == {"files/prod.env"}
    assert events == ["pagefind", "site scan"]  # indexing overlapped the scan
    assert bundles() == before and (site / search.BUNDLES).read_bytes() == listing
    assert not any("/notes/deploy/" in _urls(b) for b in site.glob("pagefind*/"))
    assert not list(built.settings.cache_dir.glob("pagefind-shard-*"))  # its run was removed
    assert not list(site.glob(".pagefind-*"))
    # Once the secret is gone the night goes through, the new note indexed.
    (vault / "files" / "prod.env").write_text("ANTHROPIC_API_KEY=\n", "utf-8")
    events.clear()
    again = build(built.settings)
    assert again.search is not None and again.search.indexed >= 1
    assert any("/notes/deploy/" in _urls(site / b) for b in _bundles(site))


def test_a_failing_streamed_shard_is_a_clear_build_error(
    build_vault, tmp_path, small_streams, monkeypatch
) -> None:
    real = search._pagefind_command
    monkeypatch.setattr(
        search, "_pagefind_command", lambda site, bundle: real(site / "missing", bundle)
    )
    with pytest.raises(BuildError) as caught:
        build_vault(MANY, config=_config(tmp_path, "    search_shard_pages: 5\n"))
    message = str(caught.value)
    assert message.startswith("search: Pagefind failed to index the site (shard 1, 5 pages)")
    assert "Traceback" not in message
    assert not list(tmp_path.glob("vault/.definitive/cache/pagefind-shard-*"))
    assert not (tmp_path / "vault/.definitive/cache/site-stamp.json").exists()


class _Running:
    """A Pagefind run that goes on until the test ends it."""

    def __init__(self) -> None:
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode


def test_shards_start_as_soon_as_memory_allows(tmp_path, monkeypatch) -> None:
    """While pages render, one Pagefind run at a time; once they are all rendered, the last
    shards start at once (before the scan of the rest of the site), beside the one still
    running when together they index at most `search_shard_pages` pages."""
    runs: list[tuple[list[str], _Running]] = []

    def start(self, number: int) -> None:
        process = _Running()
        runs.append((self.shards[number], process))
        pages = len(self.shards[number])
        self._runs.append(search._Run(process, tmp_path, tmp_path, tmp_path, tmp_path, "", pages))

    monkeypatch.setattr(search.SearchIndex, "_start", start)
    monkeypatch.setattr(search.SearchIndex, "_finish_run", lambda self, run: None)
    monkeypatch.setattr(search, "cpu_count", lambda: 2)
    keys = {"r1": (search.RUNS, "1"), "r2": (search.RUNS, "2"), "r3": (search.RUNS, "3")}
    keys["h"] = (search.HOT, "h")
    index = search.SearchIndex(tmp_path, shard_pages=8, scratch=tmp_path, keys=keys)
    assert index.stream(1000)

    def chunk(*pages: str) -> search.PageReport:
        return {"pages": list(pages), "marked": [(p, "d") for p in pages], "leaks": []}

    index.add(chunk("r1", "r2", "r3"))  # the runs: where they end is not known yet
    assert runs == []
    index.add(chunk("h", "n1"))  # runs: a quarter (8 / 4) sealed, the rest opens the hot shard
    assert [pages for pages, _ in runs] == [["r1", "r2"]]
    index.add(chunk("n2"))
    assert index.shards == [["r1", "r2"], ["r3", "h"]]  # the hot shard waits for its turn
    assert len(runs) == 1
    index.flush()  # all rendered: the next shard starts beside the running one (2 + 2 <= 8)
    assert [pages for pages, _ in runs] == [["r1", "r2"], ["r3", "h"]]
    assert index.shards[2:] == [["n1", "n2"]]  # queued: two runs, two cores
    runs[0][1].returncode = 0
    index.poll()
    assert [pages for pages, _ in runs][2:] == [["n1", "n2"]]
    assert index.streamed_pages == 2


def test_no_two_shards_run_at_once_beyond_the_page_budget(tmp_path, monkeypatch) -> None:
    started: list[list[str]] = []

    def start(self, number: int) -> None:
        started.append(self.shards[number])
        pages = len(self.shards[number])
        self._runs.append(
            search._Run(_Running(), tmp_path, tmp_path, tmp_path, tmp_path, "", pages)
        )

    monkeypatch.setattr(search.SearchIndex, "_start", start)
    monkeypatch.setattr(search, "cpu_count", lambda: 8)
    index = search.SearchIndex(tmp_path, shard_pages=6, scratch=tmp_path)
    index.stream(1000)
    marked = [(p, "d") for p in "abcdefghijkl"]
    index.add({"pages": list("abcdefghijkl"), "marked": marked, "leaks": []})
    index.flush()
    assert started == [list("abcdef")]  # 6 + 6 pages at once would pass the budget of 6
    assert index.shards == [list("abcdef"), list("ghijkl")]


def test_a_new_run_next_to_a_page_leaves_its_indexed_content_as_it_was() -> None:
    """The run pager names the next run: it changes when a run arrives, but Pagefind does
    not index it, so the older run's bundle is not indexed again for it."""
    from generator.publish.search import index_digest

    def page(pager: str, body: str = "Graded the draft.") -> bytes:
        return (
            "<html><body><div data-pagefind-body><article><p>"
            f"{body}</p></article></div>{pager}<footer>x</footer></body></html>"
        ).encode()

    alone = page("")
    with_next = page(
        '<nav class="dfn-pager" aria-label="Runs of Grading"><a href="../b/" rel="next">'
        '<span class="dfn-pager__direction">Next run · 2027-01-01 →</span></a></nav>'
    )
    assert index_digest(alone) == index_digest(with_next) is not None
    assert index_digest(page("", "Graded it again.")) != index_digest(alone)
