"""An incremental build leaves the same site as a cold build of the same vault, file by file.

One copy of the demo vault goes through a night of changes, one kind at a time, each followed
by an incremental build into the same site folder (keeping the vault's build cache). After each
step a copy of the vault without the cache is built cold into a fresh folder, and the two sites
are compared byte for byte. Hubs hold 4 entries and search bundles 15 pages, so a few changes
cross pages and bundles as thousands would on a real site.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.pipeline import BuildReport, build
from tests.conftest import DEMO_CONFIG, DEMO_VAULT, ROOT, settings_for

NOW = "2026-11-23T02:00:00+00:00"


def _config(where: Path) -> Path:
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    text = text.replace(
        "custom_dir: site_templates/overrides",
        f"custom_dir: {ROOT / 'site_templates' / 'overrides'}",
    )
    text = text.replace("    hub_size: 200", "    hub_size: 4\n    search_shard_pages: 15")
    assert "hub_size: 4" in text and str(ROOT) in text
    path = where / "mkdocs.yml"
    path.write_text(text, encoding="utf-8")
    return path


_PAGEFIND_HASH = re.compile(rb"en_[0-9a-f]{7,10}(?![0-9a-f])")


def _files(site: Path) -> dict[str, bytes]:
    """Every site file by path. Pagefind is not byte-reproducible: two cold builds of the same
    site list the filters of a bundle's metadata, and the values of a filter, in different
    orders (Rust hash maps), and name those files by a hash of their bytes. So its files are
    compared by their decompressed content with hashes blanked, keyed by that content (their
    names hold only the hash); metadata and filter files as the multiset of their bytes (the
    same entries in any order). Pages, fragments and index chunks are compared exactly."""
    files: dict[str, bytes] = {}
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        rel, data = path.relative_to(site).as_posix(), path.read_bytes()
        bundle = rel.split("/", 1)[0]
        if bundle.startswith("pagefind") and "/" in rel:
            if ".pf_" in path.name:
                data = gzip.decompress(data)
            data = _PAGEFIND_HASH.sub(b"en_#", data)
            if path.suffix in (".pf_meta", ".pf_filter"):
                data = bytes(sorted(data))
            name = _PAGEFIND_HASH.sub(b"en_#", rel.encode()).decode()
            rel = f"{name} [{hashlib.sha256(data).hexdigest()[:12]}]"
        files[rel] = data
    return files


def _differences(incremental: Path, cold: Path) -> list[str]:
    """Every file that is only in one site or differs between them (the site carries no
    build timestamp, so nothing else is ignored)."""
    mine, theirs = _files(incremental), _files(cold)
    out = [f"only in incremental: {p}" for p in sorted(mine.keys() - theirs.keys())]
    out += [f"only in cold: {p}" for p in sorted(theirs.keys() - mine.keys())]
    for p in sorted(mine.keys() & theirs.keys()):
        if mine[p] != theirs[p]:
            out.append(f"differs: {p}\n{_diff(mine[p], theirs[p])}")
    return out


def _diff(mine: bytes, theirs: bytes, lines: int = 12) -> str:
    """The first lines of a unified diff (incremental, then cold), to say what differs."""
    import difflib

    a = mine.decode("utf-8", "replace").splitlines()
    b = theirs.decode("utf-8", "replace").splitlines()
    diff = difflib.unified_diff(a, b, "incremental", "cold", n=1, lineterm="")
    return "\n".join(line[:300] for line in list(diff)[:lines])


def _meta(day: int, client: str, outcome: str = "success", extra: str = "") -> str:
    return (
        '---\ntype: meta\narticle: "[[Grading an article]]"\nagent: "[[Jennifer]]"\n'
        f"date: 2026-11-{day:02d}\noutcome: {outcome}\ntokens_in: 9000\ntokens_out: 1500\n"
        "cost_usd: 0.05\nduration_s: 40\nmodel: claude-sonnet-4-5\ntags: [grading]\n---\n"
        f"## What was done\nGraded {client}'s landing page against [[Rubric v3]].\n\n"
        f"## Result\nVerdict: **pass**, 20/25.{extra}\n\n"
        "## Learnings\n- Read the brief's audience line before scoring voice.\n"
    )


# Obsidian's files and syntax whose outputs are more than a page: the site's KaTeX and mermaid
# copied only while a page uses them, canvas and base pages, the explorer's folder listings.
OBSIDIAN = {
    "notes/Formulas.md": (
        "# Formulas\n\nThe band is $b = s/25$, see [[Rubric v3]] and [[Notes.base]].\n\n"
        "The [[House rubric]] is an alias (lost in the last step).\n\n"
        # Broken until the addition step writes the note, broken again once it is renamed.
        "Voice: [[Voice checklist]].\n\n"
        "```mermaid\ngraph TD\n  A --> B\n```\n\n![[Board.canvas]]\n"
    ),
    "notes/Board.canvas": (
        '{"nodes":[{"id":"a","type":"text","text":"See [[How we grade]]\\n\\n![[Rubric v3]]",'
        '"x":0,"y":0,'
        '"width":200,"height":100},{"id":"b","type":"file","file":"notes/Rubric v3.md",'
        '"x":300,"y":0,"width":200,"height":100}],"edges":[]}'
    ),
    "notes/Notes.base": (
        'filters:\n  and:\n    - file.inFolder("notes")\nviews:\n'
        "  - type: table\n    name: Team notes\n    order: [file.name]\n"
    ),
}


def _obsidian(vault: Path) -> None:
    formulas = vault / "notes" / "Formulas.md"  # its mermaid goes, its math stays
    text = OBSIDIAN["notes/Formulas.md"]
    formulas.write_text(text.split("```")[0] + text.rsplit("```", 1)[1], "utf-8")
    board = vault / "notes" / "Board.canvas"
    board.write_text(board.read_text("utf-8").replace("See [[How", "Read [[How"), "utf-8")


def _add(vault: Path) -> None:
    for day, client in ((17, "Atlas Movers"), (18, "Granite Gym"), (19, "Maple Yoga")):
        (vault / "meta" / f"2026-11-{day} Jennifer grades {client} page.md").write_text(
            _meta(day, client), encoding="utf-8"
        )
    (vault / "notes" / "Voice checklist.md").write_text(
        "---\ntags: [grading, voice]\n---\n# Voice checklist\n\nUsed with [[How we grade]].\n",
        encoding="utf-8",
    )


def _edit(vault: Path) -> None:
    run = vault / "meta" / "2026-11-18 Jennifer grades Granite Gym page.md"
    run.write_text(_meta(18, "Granite Gym", "failure", " Then the client pulled it."), "utf-8")
    rubric = vault / "notes" / "Rubric v3.md"
    rubric.write_text(rubric.read_text("utf-8") + "\nA line added by the team.\n", "utf-8")
    svg = vault / "attachments" / "panel-layout.svg"
    svg.write_text(svg.read_text("utf-8").replace("</svg>", "<!-- v2 --></svg>"), "utf-8")


def _rename(vault: Path) -> None:
    notes = vault / "notes"
    (notes / "Voice checklist.md").rename(notes / "Voice and tone checklist.md")
    (notes / "How we grade.md").rename(notes / "How we grade drafts.md")  # linked from many
    meta = vault / "meta"
    (meta / "2026-11-17 Jennifer grades Atlas Movers page.md").rename(
        meta / "2026-11-17 Jennifer grades Atlas Movers home page.md"
    )


def _delete(vault: Path) -> None:
    (vault / "meta" / "2026-11-19 Jennifer grades Maple Yoga page.md").unlink()
    (vault / "notes" / "Board.canvas").unlink()  # embedded: the embed breaks, its page goes
    (vault / "notes" / "Voice and tone checklist.md").unlink()


def _set_publish(value: str) -> Callable[[Path], None]:
    def flip(vault: Path) -> None:
        path = vault / "notes" / "Rubric v3.md"  # linked, embedded and tagged
        text = path.read_text("utf-8")
        if "\npublish:" in text:
            text = text.replace("\npublish: false\n", f"\npublish: {value}\n")
        else:
            text = text.replace("---\ntype: note\n", f"---\ntype: note\npublish: {value}\n", 1)
        assert f"publish: {value}" in text
        path.write_text(text, "utf-8")
        meta = vault / "meta" / "2026-11-17 Jennifer grades Atlas Movers home page.md"
        body = meta.read_text("utf-8")
        if value == "false":
            meta.write_text(body.replace("type: meta\n", "type: meta\npublish: false\n"), "utf-8")
        else:
            meta.write_text(body.replace("publish: false\n", ""), "utf-8")

    return flip


def _retitle(vault: Path) -> None:
    """Titles that other pages repeat: a run's description names its article and agent."""
    article = vault / "articles" / "Grading an article.md"
    text = article.read_text("utf-8")
    article.write_text(
        text.replace('title: "Grading an article"', 'title: "Grading drafts"'), "utf-8"
    )
    agent = vault / "agents" / "Jennifer.md"
    text = agent.read_text("utf-8")
    agent.write_text(text.replace("type: agent\n", 'type: agent\ntitle: "Jen"\n'), "utf-8")


def _consolidate(vault: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    env.update(DEFINITIVE_NOW=NOW, NO_COLOR="1")
    done = subprocess.run(
        [sys.executable, "-m", "generator", "consolidate", "--vault", str(vault), "--offline"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "merged" in done.stdout, done.stdout


def _site_files_touched(vault: Path) -> None:
    """Nightback: a night skips the markdown beside pages that the site stamp vouches for, and
    records the site's files without walking it twice. Files someone replaced or removed in
    the site since the last build are not vouched for: they are put back. One more run
    arrives, so the site is built."""
    site = vault.parent / "site"
    # Pages the new run leaves as they are (neither rendered nor emitted again).
    removed = site / "notes" / "formulas.md"  # a note's own markdown
    replaced = site / "browse" / "runs" / "page-2.md"  # a generated page's
    assert removed.is_file() and replaced.is_file()
    removed.unlink()
    text = replaced.read_text("utf-8")
    replaced.unlink()  # replaced, as an editor saves: the build's copy is not edited in place
    replaced.write_text(text + "\nA line added by hand.\n", "utf-8")
    (vault / "meta" / "2026-11-20 Jennifer grades Birch Bakery page.md").write_text(
        _meta(20, "Birch Bakery"), encoding="utf-8"
    )


def _site_page_removed(vault: Path) -> None:
    """A page removed from the site by hand: MkDocs renders only the pages whose markdown
    changed, so the night builds the whole site again rather than leave it out."""
    page = vault.parent / "site" / "notes" / "notes-base" / "index.html"
    page.unlink()
    (vault / "meta" / "2026-11-21 Jennifer grades Cedar Dental page.md").write_text(
        _meta(21, "Cedar Dental"), encoding="utf-8"
    )


def _names(vault: Path) -> None:
    """What links resolve to changes in notes that did not change (their pages' fingerprints
    hold their links' resolutions): a note named like a linked one, in the runs' folder, takes
    their ``[[Rubric v3]]`` (the same folder wins) and makes the others ambiguous; an alias
    gained mends a broken link, an alias lost breaks one."""
    (vault / "meta" / "Rubric v3.md").write_text(
        "# Rubric v3\n\nA draft kept beside the runs.\n", encoding="utf-8"
    )
    guide = vault / "notes" / "How we grade drafts.md"
    text = guide.read_text("utf-8")
    guide.write_text(text.replace("type: note\n", 'type: note\naliases: ["Voice checklist"]\n'))
    rubric = vault / "notes" / "Rubric v3.md"
    text = rubric.read_text("utf-8")
    rubric.write_text(text.replace('aliases: ["House rubric"]\n', ""), "utf-8")


def _graph_record_forged(vault: Path) -> None:
    """The record of where each note's links lie in graph.json (render/graph_json.py), edited
    by another program: spans moved onto other notes' links, widened over a neighbour's, cut
    short. Each is caught (the links are encoded again), never copied into graph.json. One
    more run arrives, so the site is built."""
    path = vault / ".definitive" / "cache" / "graph-links.json"
    record = json.loads(path.read_text("utf-8"))
    spans = record["spans"]
    names = sorted(spans)
    assert len(names) >= 6, names
    a, b, c, d, e, f = names[:6]
    spans[a], spans[b] = spans[b], spans[a]  # each onto the other's links
    spans[c] = [spans[c][0], spans[d][1]]  # over its neighbour's too
    spans[e] = [spans[e][0], spans[e][1] - 1]  # cut short
    del spans[f]
    path.write_text(json.dumps(record), "utf-8")
    (vault / "meta" / "2026-11-22 Jennifer grades Dune Surf page.md").write_text(
        _meta(22, "Dune Surf"), encoding="utf-8"
    )


STEPS: list[tuple[str, Callable[[Path], None]]] = [
    ("addition", _add),
    ("edit", _edit),
    ("obsidian files", _obsidian),
    ("rename", _rename),
    ("deletion", _delete),
    ("made private", _set_publish("false")),
    ("made public", _set_publish("true")),
    ("retitled", _retitle),
    ("consolidation", _consolidate),
    ("site files touched", _site_files_touched),
    ("site page removed", _site_page_removed),
    ("names", _names),
    ("graph record forged", _graph_record_forged),
]


@dataclass
class Step:
    report: BuildReport
    differences: list[str]
    cold_pages: int
    cold_bundles: int
    pages: set[str]
    """The incremental site's HTML pages after the step."""
    files: set[str]
    """All its files."""


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Step]:
    base = tmp_path_factory.mktemp("night")
    config = _config(base)
    vault = base / "vault"
    shutil.copytree(DEMO_VAULT, vault, ignore=shutil.ignore_patterns(".definitive"))
    for name, text in OBSIDIAN.items():
        (vault / name).write_text(text, encoding="utf-8")
    site = base / "site"
    first = build(settings_for(vault, site, config=config))
    assert first.site_built and first.search is not None and len(first.search.bundles) >= 3
    vendored = sorted(p.name for p in (site / "assets" / "definitive" / "vendor").iterdir())
    assert vendored == ["katex", "mermaid"], vendored
    steps: dict[str, Step] = {}
    for number, (name, change) in enumerate(STEPS, 1):
        change(vault)
        report = build(settings_for(vault, site, config=config))
        cold_vault = base / f"cold-{number}" / "vault"
        shutil.copytree(vault, cold_vault, ignore=shutil.ignore_patterns("cache"))
        assert not (cold_vault / ".definitive" / "cache").exists()
        cold_site = base / f"cold-{number}" / "site"
        cold = build(settings_for(cold_vault, cold_site, config=config))
        assert cold.search is not None
        steps[name] = Step(
            report,
            _differences(site, cold_site),
            cold.mkdocs_pages,
            len(cold.search.bundles),
            {p.relative_to(site).as_posix() for p in site.rglob("*.html")},
            {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()},
        )
        shutil.rmtree(cold_vault.parent)
    return steps


@pytest.mark.parametrize("kind", [name for name, _ in STEPS])
def test_incremental_build_equals_cold_build(night: dict[str, Step], kind: str) -> None:
    step = night[kind]
    assert step.report.site_built
    assert not step.differences, "\n".join(step.differences)


def test_a_new_run_rerenders_and_reindexes_a_part_of_the_site(night: dict[str, Step]) -> None:
    added = night["addition"]
    assert added.report.search is not None
    assert 0 < added.report.mkdocs_pages < added.cold_pages / 2
    assert 0 < added.report.search.indexed < added.cold_bundles
    # Hub and tag pages that list none of the new notes are kept, not rendered again; those
    # that list them are rendered (and the cold build above agrees with both).
    plan = added.report.plan
    for folder in ("browse/runs/", "tags/"):
        assert any(p.startswith(folder) for p in plan.kept), (folder, sorted(plan.pages))
    assert {"browse/runs/index.md", "tags/voice.md"} <= set(plan.pages), sorted(plan.pages)
    # graph.json: the links of notes whose page was kept are the last build's, copied.
    assert plan.graph_links_copied > 0


def test_each_step_changed_what_it_should(night: dict[str, Step]) -> None:
    rubric = "notes/rubric-v3/index.html"
    assert "notes/voice-checklist/index.html" in night["addition"].pages
    assert "notes/voice-and-tone-checklist/index.html" in night["rename"].pages
    assert "notes/voice-checklist/index.html" not in night["rename"].pages
    assert "notes/voice-and-tone-checklist/index.html" not in night["deletion"].pages
    assert rubric in night["deletion"].pages and rubric not in night["made private"].pages
    assert rubric in night["made public"].pages
    assert any(p.startswith("articles/") for p in night["consolidation"].report.emitted.written)
    assert "assets/definitive/vendor/mermaid/mermaid.min.js" in night["edit"].files
    assert "assets/definitive/vendor/mermaid/mermaid.min.js" not in night["obsidian files"].files
    assert "assets/definitive/vendor/katex/katex.min.js" in night["consolidation"].files
    assert {"notes/board-canvas/index.html", "notes/notes-base/index.html"} <= night["edit"].pages
    assert "notes/board-canvas/index.html" not in night["deletion"].pages
    # A link whose target appears (then is renamed away): its page is rendered again.
    formulas = "notes/formulas.md"
    assert formulas in night["addition"].report.emitted.written
    assert formulas in night["rename"].report.emitted.written
    # Pages whose note did not change but whose links now resolve elsewhere.
    names = night["names"].report.emitted.written
    assert "meta/2026-11-18-jennifer-grades-granite-gym-page.md" in names, sorted(names)
    assert "meta/rubric-v3.md" in names
    # A run's page repeats its article's and agent's titles (its description): written again.
    assert (
        "meta/2026-11-18-jennifer-grades-granite-gym-page.md"
        in night["retitled"].report.emitted.written
    )


def test_the_same_code_elsewhere_keeps_every_page(tmp_path: Path) -> None:
    """The code's digest (part of every page's fingerprint) names files relative to the
    package: a build from another checkout or install of the same code renders nothing again."""
    digests = []
    for where in ("one", "elsewhere/two"):
        root = tmp_path / where
        shutil.copytree(
            ROOT / "generator", root / "generator", ignore=shutil.ignore_patterns("__pycache__")
        )
        shutil.copytree(ROOT / "site_templates" / "pages", root / "site_templates" / "pages")
        script = "from generator.render.incremental import code_digest; print(code_digest())"
        env = {**os.environ, "PYTHONPATH": str(root)}
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            cwd=root,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        digests.append(done.stdout.strip())
    assert digests[0] == digests[1] and len(digests[0]) == 64
