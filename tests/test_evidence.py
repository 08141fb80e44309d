"""The evidence model: one place decides every status and count, and everything shows it.

Vaults are written here with known outcomes; the site's Catalogue, the exported skills and
the model itself must agree on what is proven, and the reasons must say why."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import pytest

from generator.config import Options
from generator.consolidate.export import export_skills
from generator.pipeline import build
from generator.proof import compute_evidence
from tests.conftest import settings_for, write_vault

ARTICLE = """\
---
type: definitive
description: "Do {name}."
agent: "[[{agent}]]"
---
# {name}

## Skill
1. Do it.

## Learnings
- Check first. ([[{name} 1]], [[{name} 2]]) (contradicted by [[{name} 3]]) ^l-check
- Be quick. ([[{name} 1]]) ^l-quick
"""


def _run(name: str, n: int, outcome: str, agent: str = "Ann", extra: str = "") -> str:
    return textwrap.dedent(
        f"""\
        ---
        type: meta
        article: "[[{name}]]"
        agent: "[[{agent}]]"
        date: 2026-11-{n:02d}
        outcome: {outcome}
        tokens_in: 100
        tokens_out: 10
        cost_usd: 0.5
        duration_s: 3
        model: m
        price_usd: 2
        {extra}
        ---
        Ran.
        """
    )


def _vault(articles: dict[str, list[str]]) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {
        "agents/Ann.md": '---\ntype: agent\njob: "Does tasks"\nowner: "Bo"\n---\n# Ann\n'
    }
    for name, outcomes in articles.items():
        files[f"articles/{name}.md"] = ARTICLE.format(name=name, agent="Ann")
        for n, outcome in enumerate(outcomes, start=1):
            files[f"meta/{name} {n}.md"] = _run(name, n, outcome)
    return files


SCENARIOS = {
    # name: (articles and their outcomes in order, extra options, expected proven)
    "three then two failures": (
        {"Alpha": ["success"] * 3 + ["failure"] * 2, "Beta": ["success"] * 3},
        "",
        {"Beta"},
    ),
    "custom proven_after": (
        {"Alpha": ["success"] * 4, "Beta": ["success"] * 5},
        "proven_after: 5",
        {"Beta"},
    ),
    "57 percent is not proven": (
        {"Alpha": ["success", "failure", "success", "partial", "success", "success", "partial"]},
        "",
        set(),
    ),
    "lower bar by config": (
        {"Alpha": ["success", "failure", "success", "partial", "success", "success", "partial"]},
        "proven_min_rate: 0.5",
        {"Alpha"},
    ),
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_exported_skills_are_exactly_the_catalogues(scenario: str, tmp_path: Path) -> None:
    articles, options, expected = SCENARIOS[scenario]
    vault = write_vault(tmp_path / "vault", _vault(articles))
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: T\ntheme: {name: material, font: false}\n"
        f"extra:\n  definitive:\n    search: false\n    {options or 'hub_size: 200'}\n",
        encoding="utf-8",
    )
    settings = settings_for(vault, tmp_path / "site", config=config)
    report = build(settings)
    catalogue = (settings.site_dir / "catalogue" / "index.html").read_text(encoding="utf-8")
    listed = set(re.findall(r'<td data-label="Skill"><a href="[^"]+">([^<]+)</a>', catalogue))
    exported = export_skills(
        report.analysis.public, report.analysis.evidence, tmp_path / "out"
    ).exported
    assert listed == expected
    assert {Path(s.article).stem for s in exported} == expected
    folders = sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_dir())
    assert folders == sorted(s.name for s in exported)


def _evidence(tmp_path: Path, files: dict[str, str | bytes], **options: object):
    vault = write_vault(tmp_path / "vault", files)
    from generator.pipeline import analyse

    analysis = analyse(settings_for(vault, tmp_path / "site"))
    return compute_evidence(analysis.public, Options(**options), dt.date(2026, 11, 30))


def test_a_skill_that_falls_below_the_bar_says_so(tmp_path: Path) -> None:
    evidence = _evidence(
        tmp_path, _vault({"Alpha": ["success"] * 4 + ["partial", "partial", "failure"]})
    )
    record = evidence.articles["articles/Alpha.md"]
    assert record.status == "unreliable"
    assert record.reason.startswith("Was proven, fell below the bar: the latest run failed.")
    assert "4 of 7 runs succeeded (57%, 95% CI 25–84%)" in record.reason
    assert "70% over the last 10 runs" in record.reason


def test_learning_support_and_contradiction_are_kept_apart(tmp_path: Path) -> None:
    evidence = _evidence(tmp_path, _vault({"Alpha": ["success", "success", "failure"]}))
    check, quick = evidence.learnings["articles/Alpha.md"]
    assert check.block_id == "l-check" and check.text == "Check first."
    assert check.supporting == ("meta/Alpha 1.md", "meta/Alpha 2.md")
    assert check.contradicting == ("meta/Alpha 3.md",)
    assert check.last_confirmed == dt.date(2026, 11, 2)
    assert quick.supporting == ("meta/Alpha 1.md",) and quick.contradicting == ()


def test_internal_agents_are_not_counted_in_the_agencys_totals(tmp_path: Path) -> None:
    files = _vault({"Alpha": ["success", "failure"]})
    files["agents/Consolidator.md"] = "---\ntype: agent\ninternal: true\n---\n# Consolidator\n"
    files["articles/Consolidating.md"] = ARTICLE.format(name="Consolidating", agent="Consolidator")
    files["meta/c1.md"] = _run("Consolidating", 3, "success", agent="Consolidator")
    evidence = _evidence(tmp_path, files)
    assert evidence.total.count == 2 and evidence.total.successes == 1
    assert "agents/Consolidator.md" in evidence.internal
    assert "articles/Consolidating.md" in evidence.internal
    assert evidence.agents["agents/Consolidator.md"].count == 1  # its own record still exists


def test_runs_follow_the_revision_they_name_or_their_date(tmp_path: Path) -> None:
    files = _vault({"Alpha": ["failure", "success", "success", "success", "failure"]})
    # A consolidation on 2026-11-02 changed Alpha: runs after it are revision 2.
    files["meta/Consolidator run.md"] = _run(
        "Consolidating", 2, "success", agent="Consolidator", extra="consolidation_run: r-1"
    ).replace("Ran.", "Changed [[Alpha]].")
    files["agents/Consolidator.md"] = "---\ntype: agent\n---\n# Consolidator\n"
    files["articles/Consolidating.md"] = ARTICLE.format(name="Consolidating", agent="Consolidator")
    files["meta/Alpha 5.md"] = files["meta/Alpha 5.md"].replace(
        "price_usd: 2", "price_usd: 2\nskill_version: 1"
    )
    evidence = _evidence(tmp_path, files)
    revisions = evidence.revisions["articles/Alpha.md"]
    assert [(r.revision, r.since, r.record.count) for r in revisions] == [
        ("1", None, 3),  # runs of 11-01 and 11-02, and 11-05 which names revision 1
        ("2", dt.date(2026, 11, 2), 2),
    ]
    assert evidence.current_revision["articles/Alpha.md"] == "2"
    assert "agents/Consolidator.md" in evidence.internal  # its runs carry consolidation_run


def test_numbers_that_are_typos_count_as_unknown(tmp_path: Path) -> None:
    files = _vault({"Alpha": ["success"]})
    files["meta/Alpha 1.md"] = (
        files["meta/Alpha 1.md"]
        .replace("tokens_in: 100", "tokens_in: " + "9" * 400)
        .replace("cost_usd: 0.5", "cost_usd: .nan")
    )
    evidence = _evidence(tmp_path, files)
    (run,) = evidence.runs
    assert run.tokens_in == 0 and run.cost == 0.0 and run.tokens_out == 10


def test_every_output_shows_the_models_status(demo) -> None:
    """The article page's badge, graph.json, llms.txt and the hub all say what the model says."""
    import json

    evidence = demo.report.analysis.evidence
    graph = {n["id"]: n for n in json.loads((demo.site / "graph.json").read_text("utf-8"))["nodes"]}
    llms = (demo.site / "llms.txt").read_text(encoding="utf-8")
    statuses = {}
    for path, record in evidence.articles.items():
        statuses[record.status] = path
        assert graph[path]["status"] == record.status and graph[path]["runs"] == record.count
        docs = demo.report.plan.note_paths[path]
        page = demo.html(docs.removesuffix(".md") + "/")
        header = page.split('class="dfn-proof"', 1)[1].split("</dl>", 1)[0]
        assert f'class="dfn-badge dfn-{record.status}"' in header
        title = demo.report.analysis.vault.notes[path].title
        assert f"[{title}]({docs}): {record.status} (" in llms
    for path, record in evidence.agents.items():
        assert graph[path]["status"] == record.status
    # The demo tells the truth: a proven skill, one on probation, one that fell below the bar.
    assert {"proven", "probation", "unreliable"} <= set(statuses)


def test_track_record_compares_revisions_and_flags_a_worse_one(build_vault) -> None:
    outcomes = ["success"] * 4 + ["success", "failure", "failure", "success"]
    files = _vault({"Alpha": outcomes})
    files["agents/Consolidator.md"] = "---\ntype: agent\n---\n# Consolidator\n"
    files["articles/Consolidating.md"] = ARTICLE.format(name="Consolidating", agent="Consolidator")
    files["meta/Consolidator run.md"] = _run(
        "Consolidating", 4, "success", agent="Consolidator", extra="consolidation_run: r-1"
    ).replace("Ran.", "Changed [[Alpha]].")
    built = build_vault(files)
    page = built.html("articles/alpha/")
    revisions = page.split('id="user-content-dfn-revisions"', 1)[1].split("</table>", 1)[0]
    cells = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", revisions))
    assert "1 first version 4 100%" in cells and "2 2026-11-04 4 50%" in cells
    assert 'class="dfn-chart dfn-revisions"' in page
    assert "The newest revision does worse" in page
    assert "revision 2 succeeds in 50% of 4 runs, revision 1 in 100% of 4" in page


def test_an_agent_page_shows_its_own_runs_per_skill_and_keeps_still_when_others_run(
    build_vault,
) -> None:
    """Ann ran Alpha five times, Bo once: Bo's Skills row counts Bo's run, beside the skill's
    status (from all six runs). A new run of Ann's changes Ann's page, not Bo's (a nightly
    rebuild renders only the agents that ran)."""
    files = _vault({"Alpha": ["success"] * 5})
    files["agents/Bo.md"] = "---\ntype: agent\n---\n# Bo\n"
    files["meta/Alpha by Bo.md"] = _run("Alpha", 6, "success", agent="Bo")
    built = build_vault(files)

    def skills(agent: str) -> str:
        table = built.html(f"agents/{agent}/").split('id="user-content-dfn-skills"', 1)[1]
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table.split("</table>", 1)[0]))

    assert "Runs by Bo" in skills("bo") and " Alpha proven 1 100% " in skills("bo")
    assert " Alpha proven 5 100% " in skills("ann")
    bo_page = (built.site / "agents" / "bo" / "index.html").read_bytes()
    ann_page = (built.site / "agents" / "ann" / "index.html").read_bytes()
    (built.settings.vault / "meta" / "Alpha 7.md").write_text(_run("Alpha", 7, "success"))
    build(built.settings)
    assert (built.site / "agents" / "bo" / "index.html").read_bytes() == bo_page
    assert (built.site / "agents" / "ann" / "index.html").read_bytes() != ann_page
    assert " Alpha proven 6 100% " in skills("ann")
