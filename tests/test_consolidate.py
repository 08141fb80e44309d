"""Consolidation: ops, validation, ledger, pins, idempotence, rollback, history, demo retention."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.config import load_settings
from generator.consolidate.article import parse_article
from generator.consolidate.edits import Op, is_deprecated
from generator.consolidate.engine import consolidate
from generator.consolidate.history import history, rollback
from generator.consolidate.offline import OfflineConsolidator
from generator.errors import DefinitiveError
from generator.pipeline import analyse
from tests.conftest import DEMO_CONFIG, DEMO_VAULT
from tests.consolidate_helpers import (
    ARTICLE,
    ARTICLE_TEXT,
    NEW,
    Scripted,
    as_machine_written,
    audit_lines,
    bread_vault,
    ledger,
    tree,
)


@pytest.fixture
def bread(make_vault, tmp_path):
    vault = make_vault(bread_vault())
    as_machine_written(vault)
    return vault, load_settings(vault=vault, site_dir=tmp_path / "site")


def run_ops(settings, *answers):
    return consolidate(settings, Scripted(*answers))


def article(vault: Path) -> str:
    return (vault / ARTICLE).read_text(encoding="utf-8")


# -- every op type --------------------------------------------------------------------------


def test_add_learning_cites_source_and_gets_a_fresh_block_id(bread):
    vault, settings = bread
    report = run_ops(settings, [Op("add_learning", [NEW], text="Rye needs a wetter dough.")])
    assert report.rejected == []
    assert (
        "- Rye needs a wetter dough. ([[2026-01-02 Ann bakes rye]]) ^l-rye-needs-wetter-dough"
        in article(vault)
    )


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_consolidated_article_keeps_its_file_permissions(bread):
    vault, settings = bread
    (vault / ARTICLE).chmod(0o640)  # e.g. shared with a group, hidden from others
    run_ops(settings, [Op("add_learning", [NEW], text="Rye needs a wetter dough.")])
    assert "Rye needs a wetter dough." in article(vault)
    assert (vault / ARTICLE).stat().st_mode & 0o777 == 0o640


def test_confirm_learning_adds_the_new_run_to_its_citations(bread):
    vault, settings = bread
    run_ops(settings, [Op("confirm_learning", [NEW], target="L2")])
    assert (
        "- Use a Dutch oven for crust. ([[2026-01-01 Ann bakes]], [[2026-01-02 Ann bakes rye]])"
        " ^l-dutch-oven" in article(vault)
    )


def test_update_learning_keeps_block_id_and_logs_old_text(bread):
    vault, settings = bread
    run_ops(settings, [Op("update_learning", [NEW], target="L1", text="Feed it 12 h ahead.")])
    text = article(vault)
    assert "- Feed it 12 h ahead. ([[2026-01-01 Ann bakes]], [[" + NEW + "]]) ^l-feed-early" in text
    op = audit_lines(vault)[0]["ops"][0]
    assert op["old_text"] == "Feed the starter twelve hours before mixing."
    assert op["new_text"] == "Feed it 12 h ahead."


def test_deprecate_learning_strikes_it_through_with_the_reason_never_deletes(bread):
    vault, settings = bread
    run_ops(settings, [Op("deprecate_learning", [NEW], target="L2", reason="steel works too")])
    assert "- ~~Use a Dutch oven for crust.~~ Deprecated: steel works too. " not in article(vault)
    assert "- ~~Use a Dutch oven for crust.~~ Deprecated: steel works too (" in article(vault)
    assert "^l-dutch-oven" in article(vault)


def test_contradict_learning_keeps_it_and_records_the_counter_evidence(bread):
    vault, settings = bread
    run_ops(settings, [Op("contradict_learning", [NEW], target="L2", reason="rye burned in it")])
    assert (
        "- Use a Dutch oven for crust. Contradicted: rye burned in it ([[2026-01-01 Ann bakes]]) "
        f"(contradicted by [[{NEW}]]) ^l-dutch-oven" in article(vault)
    )


def test_add_pitfall_goes_under_pitfalls(bread):
    vault, settings = bread
    run_ops(settings, [Op("add_pitfall", [NEW], text="Proofing rye too long.")])
    pitfalls = parse_article(article(vault)).pitfalls
    assert [p.block_id for p in pitfalls] == ["p-hot-cut", "p-proofing-rye-too-long"]


def test_add_and_amend_skill_steps(bread):
    vault, settings = bread
    ops = [
        Op("add_step", [NEW], text="Score the loaf.", after=2),
        Op("amend_step", [NEW], target="S3", text="Bake at 240 C for rye."),
    ]
    run_ops(settings, ops)
    steps = [s.text for s in parse_article(article(vault)).steps]
    assert steps == [
        "Feed the starter.",
        "Mix and rest the dough.",
        f"Score the loaf. ([[{NEW}]])",
        f"Bake at 240 C for rye. ([[{NEW}]])",
    ]


def test_noop_merges_the_meta_article_without_touching_the_article(bread):
    vault, settings = bread
    report = run_ops(settings, [Op("noop", [NEW], reason="nothing new")])
    assert article(vault) == ARTICLE_TEXT
    assert ledger(vault)["merged"][f"meta/{NEW}.md"]["run"] == report.run_id


def test_human_sections_and_frontmatter_stay_byte_identical(bread):
    vault, settings = bread
    run_ops(settings, [Op("add_learning", [NEW], text="Rye is wetter.")])
    before, after = ARTICLE_TEXT.split("## Learnings")[0], article(vault).split("## Learnings")[0]
    # The one frontmatter line the consolidation owns: the article's revision, counted up.
    assert after == before.replace("\n---\n# Baking", "\nrevision: 2\n---\n# Baking", 1)
    assert article(vault).endswith("## Notes from the team\nDana owns this section.\n")


# -- invalid ops: each is rejected on its own, with its reason ------------------------------

INVALID = {
    "source not in this run": [Op("add_learning", ["2026-01-01 Ann bakes"], text="x y z")],
    "invented source": [Op("add_learning", ["2026-02-02 Nobody"], text="x y z")],
    "unknown target": [Op("confirm_learning", [NEW], target="L9")],
    "step as learning": [Op("update_learning", [NEW], target="S1", text="x")],
    "raw html": [Op("add_learning", [NEW], text="Use <b>bold</b> crust.")],
    "script": [Op("add_learning", [NEW], text="<script>alert(1)</script>")],
    "new external url": [Op("add_learning", [NEW], text="See https://evil.example/x")],
    "image": [Op("add_learning", [NEW], text="Look ![[crust.png]]")],
    "secret": [Op("add_learning", [NEW], text="Use key sk-ant-api03-abcdefghijklmnop")],
    "block id in text": [Op("add_learning", [NEW], text="Sneaky ^l-feed-early")],
    "step out of range": [Op("add_step", [NEW], text="Do it.", after=7)],
    "no ops at all": [],
    "api error": "API error: overloaded",
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_an_invalid_op_leaves_the_article_as_it_was_and_its_run_pending(bread, case):
    vault, settings = bread
    report = run_ops(settings, INVALID[case])
    assert article(vault) == ARTICLE_TEXT
    assert len(report.rejected) == 1
    assert f"meta/{NEW}.md" not in ledger(vault)["merged"]
    entry = audit_lines(vault)[0]
    assert entry["decision"] == "rejected"
    reasons = [op["reason"] for op in entry["ops"] if op["decision"] == "rejected"]
    assert entry["reason"] or reasons
    # Still pending: the next run is asked again, and told why the last answer failed.
    again = Scripted([Op("noop", [NEW], reason="ok")])
    consolidate(settings, again)
    assert [m.stem for m in again.asked[0].metas] == [NEW]
    # The rejection reasons go with the request; an unanswered request is no attempt.
    assert bool(again.asked[0].previous) == (case != "api error")


def test_valid_ops_land_beside_a_rejected_one(bread):
    vault, settings = bread
    report = run_ops(
        settings,
        [
            Op("add_learning", [NEW], text="A good learning."),
            Op("deprecate_learning", [NEW], target="L1", reason="too slow"),
            Op("deprecate_learning", [NEW], target="L1", reason="again"),  # already deprecated
            Op("confirm_learning", [NEW], target="P1"),  # a pitfall alias for a learning op
            Op("add_learning", [NEW], text="<b>html</b>"),
        ],
    )
    text = article(vault)
    assert "- A good learning. ([[2026-01-02 Ann bakes rye]])" in text
    assert "~~Feed the starter twelve hours before mixing.~~ Deprecated: too slow" in text
    (outcome,) = report.articles
    assert [r.index for r in outcome.rejected_ops] == [3, 4, 5]
    assert "L1 is deprecated" in outcome.rejected_ops[0].reason
    assert "holds HTML" in outcome.rejected_ops[2].reason
    assert ledger(vault)["merged"][f"meta/{NEW}.md"]["run"] == report.run_id
    decisions = [op["decision"] for op in audit_lines(vault)[0]["ops"]]
    assert decisions == ["applied", "applied", "rejected", "rejected", "rejected"]


def test_after_repeated_rejections_a_meta_article_waits_for_a_human(bread):
    vault, settings = bread
    for _ in range(3):
        run_ops(settings, [Op("add_learning", [NEW], text="<i>x</i>")])
    fourth = Scripted()
    report = consolidate(settings, fourth)
    assert fourth.asked == []  # not sent, not paid for, again
    assert (f"meta/{NEW}.md", "held for review after 3 rejected attempts") in report.skipped
    from generator.consolidate.review import decide, held_metas

    ((held_id, path, entry),) = held_metas(vault, 3)
    assert path == f"meta/{NEW}.md" and "holds HTML" in entry["reasons"][0]
    decide(vault, held_id, accept=True, limit=3)  # release: sent again next run
    again = Scripted([Op("noop", [NEW], reason="ok")])
    consolidate(settings, again)
    assert [m.stem for m in again.asked[0].metas] == [NEW]


def test_a_url_needs_its_host_allow_listed_and_a_cited_source(make_vault, tmp_path):
    files = bread_vault()
    files[f"meta/{NEW}.md"] = str(files[f"meta/{NEW}.md"]).replace(
        "Baked a loaf.", "Baked a loaf from https://bread.example/rye."
    )
    vault = make_vault(files)
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: x\nextra:\n  definitive:\n    consolidation_url_hosts: [bread.example]\n"
    )
    settings = load_settings(vault=vault, config=config, site_dir=tmp_path / "site")
    report = run_ops(
        settings,
        [
            Op("add_learning", [NEW], text="See https://bread.example/rye"),
            Op("add_learning", [NEW], text="Thermometers drift: https://bread.example/other"),
        ],
    )
    (outcome,) = report.articles
    assert len(outcome.applied) == 1 and "no cited meta article gives" in (
        outcome.rejected_ops[0].reason
    )


# -- ledger: pending, edits, privacy, pins ---------------------------------------------------


def test_cited_meta_articles_are_adopted_and_only_uncited_ones_are_pending(bread):
    vault, settings = bread
    scripted = Scripted([Op("noop", [NEW], reason="ok")])
    report = consolidate(settings, scripted)
    assert report.adopted == 1
    assert [m.stem for m in scripted.asked[0].metas] == [NEW]
    assert ledger(vault)["merged"]["meta/2026-01-01 Ann bakes.md"]["run"] == "adopted"


def test_an_edited_meta_article_becomes_pending_again(bread):
    vault, settings = bread
    run_ops(settings, [Op("noop", [NEW], reason="ok")])
    path = vault / "meta" / f"{NEW}.md"
    path.write_text(path.read_text() + "- Salt at the end.\n", encoding="utf-8")
    scripted = Scripted([Op("add_learning", [NEW], text="Salt at the end.")])
    consolidate(settings, scripted)
    assert [m.stem for m in scripted.asked[0].metas] == [NEW]
    assert "Salt at the end. ([[" in article(vault)


def test_private_meta_articles_are_never_merged(make_vault, tmp_path):
    files = bread_vault()
    files[f"meta/{NEW}.md"] = str(files[f"meta/{NEW}.md"]).replace(
        "model: test-model\n", "model: test-model\npublish: false\n"
    )
    vault = make_vault(files)
    scripted = Scripted()
    report = consolidate(load_settings(vault=vault, site_dir=tmp_path / "s"), scripted)
    assert scripted.asked == []
    assert report.skipped == [(f"meta/{NEW}.md", "private (publish: false): never merged or sent")]


def test_a_human_edit_pins_the_learning_text(bread):
    vault, settings = bread
    run_ops(settings, [Op("add_learning", [NEW], text="Rye is wetter.")])
    edited = article(vault).replace("Rye is wetter.", "Rye is much wetter (Dana).")
    (vault / ARTICLE).write_text(edited, encoding="utf-8")
    meta3 = vault / "meta" / "2026-01-03 Ann bakes again.md"
    meta3.write_text(
        (vault / "meta" / f"{NEW}.md").read_text().replace("2026-01-02", "2026-01-03"),
        encoding="utf-8",
    )
    source = "2026-01-03 Ann bakes again"
    report = run_ops(settings, [Op("update_learning", [source], target="L3", text="Rye: 80%.")])
    assert "pinned" in report.rejected[0].rejected_ops[0].reason
    assert article(vault) == edited
    # Confirming a pinned learning keeps its text, so it is allowed.
    report = run_ops(settings, [Op("confirm_learning", [source], target="L3")])
    assert report.rejected == []
    assert f"Rye is much wetter (Dana). ([[{NEW}]], [[{source}]])" in article(vault)
    # The pin outlives that successful run: a later update is still refused.
    meta3.write_text(meta3.read_text(encoding="utf-8") + "- Later.\n", encoding="utf-8")
    report = run_ops(settings, [Op("update_learning", [source], target="L3", text="Rye: 80%.")])
    assert "pinned" in report.rejected[0].rejected_ops[0].reason


def test_first_run_treats_everything_as_human_text(make_vault, tmp_path):
    """A vault with no ledger yet (the shipped demo): what the article holds is a person's.
    Their learnings can be confirmed and contradicted, never reworded or deprecated; a
    learning added by hand without a block id gets one, and is protected too."""
    files = bread_vault()
    files[ARTICLE] = str(files[ARTICLE]).replace(
        "^l-dutch-oven\n", "^l-dutch-oven\n- Let it cool an hour. ([[2026-01-01 Ann bakes]])\n"
    )
    vault = make_vault(files)
    settings = load_settings(vault=vault, site_dir=tmp_path / "site")
    scripted = Scripted(
        [
            Op("update_learning", [NEW], target="L1", text="Reworded by a model."),
            Op("deprecate_learning", [NEW], target="L3", reason="no"),
            Op("merge_learnings", [NEW], target="L1", other="L2"),
            Op("confirm_learning", [NEW], target="L3"),
            Op("contradict_learning", [NEW], target="L2", reason="rye burned in it"),
        ]
    )
    report = consolidate(settings, scripted)
    assert scripted.asked[0].pinned.keys() == {"L1", "L2", "L3", "P1", "S1", "S2", "S3"}
    (outcome,) = report.articles
    assert [r.index for r in outcome.rejected_ops] == [1, 2, 3]
    assert all("human" in r.reason for r in outcome.rejected_ops)
    text = article(vault)
    assert "- Feed the starter twelve hours before mixing. (" in text
    # The hand-added learning is confirmed, and now has a block id.
    assert f"- Let it cool an hour. ([[2026-01-01 Ann bakes]], [[{NEW}]]) ^l-" in text
    # A human's wording stays: the contradiction only cites its run, apart.
    assert (
        f"- Use a Dutch oven for crust. ([[2026-01-01 Ann bakes]]) (contradicted by [[{NEW}]])"
        in text
    )


# -- idempotence, rollback, history ----------------------------------------------------------


def test_a_human_edit_pins_a_skill_step(bread):
    vault, settings = bread
    run_ops(settings, [Op("noop", [NEW], reason="ok")])
    edited = article(vault).replace("3. Bake at 250 C.", "3. Bake at 230 C (Dana).")
    (vault / ARTICLE).write_text(edited, encoding="utf-8")
    (vault / "meta" / f"{NEW}.md").write_text(
        (vault / "meta" / f"{NEW}.md").read_text() + "- More.\n", encoding="utf-8"
    )
    report = run_ops(settings, [Op("amend_step", [NEW], target="S3", text="Bake hotter.")])
    assert "pinned" in report.rejected[0].rejected_ops[0].reason and article(vault) == edited
    report = run_ops(settings, [Op("amend_step", [NEW], target="S1", text="Feed it.")])
    assert report.rejected == [] and "1. Feed it. ([[" in article(vault)


def test_second_run_with_nothing_new_asks_nothing_and_changes_no_byte(bread):
    vault, settings = bread
    run_ops(settings, [Op("add_learning", [NEW], text="Rye is wetter.")])
    before = tree(vault)
    scripted = Scripted()
    report = consolidate(settings, scripted)
    assert scripted.asked == [] and report.run_id is None
    assert tree(vault) == before


def test_rollback_restores_exact_bytes_and_pends_the_meta_articles_again(bread):
    vault, settings = bread
    (vault / ARTICLE).write_bytes(ARTICLE_TEXT.encode().replace(b"\n", b"\r\n"))  # odd bytes
    original = (vault / ARTICLE).read_bytes()
    report = run_ops(settings, [Op("add_learning", [NEW], text="Rye is wetter.")])
    changed = (vault / ARTICLE).read_bytes()
    assert changed != original
    assert b"^l-rye-wetter\r\n" in changed and b"\n" not in changed.replace(b"\r\n", b"")
    result = rollback(vault, report.run_id)
    assert (vault / ARTICLE).read_bytes() == original
    assert f"meta/{NEW}.md" in result.pending_again
    assert not any("Consolidator run" in p for p in tree(vault, skip_state=True))
    scripted = Scripted([Op("noop", [NEW], reason="ok")])
    consolidate(settings, scripted)
    assert [m.stem for m in scripted.asked[0].metas] == [NEW]


def test_a_rollback_killed_half_way_completes_when_run_again(demo_copy):
    vault, settings = demo_copy
    report = consolidate(settings, OfflineConsolidator())
    run_dir = vault / ".definitive" / "runs" / report.run_id
    # As if killed after restoring the first article only.
    first = "articles/Building a knowledge panel.md"
    (vault / first).write_bytes((run_dir / "before" / first).read_bytes())
    rollback(vault, report.run_id)
    for name in ("Building a knowledge panel.md", "Grading an article.md"):
        assert (vault / "articles" / name).read_bytes() == (
            DEMO_VAULT / "articles" / name
        ).read_bytes()


def test_rollback_keeps_a_file_a_human_changed_since(bread):
    vault, settings = bread
    report = run_ops(settings, [Op("add_learning", [NEW], text="Rye is wetter.")])
    (vault / ARTICLE).write_text(article(vault) + "\nHuman line.\n", encoding="utf-8")
    changed = (vault / ARTICLE).read_bytes()
    result = rollback(vault, report.run_id)  # more in tests/test_consolidate_faults.py
    assert (vault / ARTICLE).read_bytes() == changed and result.kept[0][0] == ARTICLE
    with pytest.raises(DefinitiveError, match="no run"):
        rollback(vault, "19990101T000000Z")


def test_history_lists_the_runs_that_changed_an_article(bread):
    vault, settings = bread
    first = run_ops(settings, [Op("add_learning", [NEW], text="Rye is wetter.")])
    entries = history(vault, ARTICLE)
    assert [e.run_id for e in entries] == [first.run_id]
    assert entries[0].ops == {"add_learning": 1} and entries[0].sources == [NEW]


def test_run_writes_its_own_meta_article(bread):
    vault, settings = bread
    report = run_ops(settings, [Op("add_learning", [NEW], text="Rye is wetter.")])
    metas = list((vault / "meta").glob("* Consolidator run *.md"))
    assert len(metas) == 1
    text = metas[0].read_text(encoding="utf-8")
    assert 'agent: "[[Consolidator]]"' in text and "outcome: success" in text
    assert f"consolidation_run: {report.run_id}" in text
    assert (vault / "agents" / "Consolidator.md").is_file()
    assert (vault / "articles" / "Consolidating meta articles.md").is_file()


def test_the_consolidators_notes_are_made_unless_the_vault_has_them(tmp_path):
    from generator.consolidate.runmeta import ensure_support_notes

    (tmp_path / ".trash").mkdir()  # a note in a dot-folder is none of the vault's
    (tmp_path / ".trash" / "Consolidator.md").write_text("# old\n", encoding="utf-8")
    (tmp_path / "mine").mkdir()
    kept = tmp_path / "mine" / "consolidating META articles.md"  # names match case-blind
    kept.write_text("# mine\n", encoding="utf-8")
    ensure_support_notes(tmp_path)
    assert (tmp_path / "agents" / "Consolidator.md").is_file()
    assert not (tmp_path / "articles").exists() and kept.read_text("utf-8") == "# mine\n"


def test_a_consolidation_reads_the_build_cache_and_parses_only_the_new_runs(
    make_vault, tmp_path, parses
):
    files = bread_vault()
    new = files.pop(f"meta/{NEW}.md")
    vault = make_vault(files)
    settings = load_settings(vault=vault, site_dir=tmp_path / "s")
    analyse(settings, save_cache=True)  # as the last build did
    (vault / "meta" / f"{NEW}.md").write_text(str(new), encoding="utf-8")  # the day's run
    cache = {p: p.read_bytes() for p in (settings.cache_dir / "notes").glob("*.json")}
    parses.clear()
    consolidate(settings, OfflineConsolidator(), dry_run=True)
    assert parses == [f"meta/{NEW}.md"]
    assert consolidate(settings, OfflineConsolidator()).merged == 1
    assert parses == [f"meta/{NEW}.md"] * 2  # not the whole vault again
    assert {p: p.read_bytes() for p in (settings.cache_dir / "notes").glob("*.json")} == cache


# -- offline consolidator and the demo vault -------------------------------------------------


def test_offline_adds_new_confirms_near_duplicates_and_files_failures_as_pitfalls(
    make_vault, tmp_path
):
    files = bread_vault()
    files["meta/2026-01-03 Ann burns a loaf.md"] = (
        str(files[f"meta/{NEW}.md"])
        .replace("outcome: success", "outcome: failure")
        .replace("2026-01-02", "2026-01-03")
    )
    vault = make_vault(files)
    report = consolidate(load_settings(vault=vault, site_dir=tmp_path / "s"), OfflineConsolidator())
    parsed = parse_article(article(vault))
    rye = [b for b in parsed.learnings if b.text.startswith("Rye needs")]
    assert rye and rye[0].sources == [NEW] and rye[0].block_id == "l-rye-needs-wetter-dough"
    dutch = next(b for b in parsed.learnings if b.block_id == "l-dutch-oven")
    assert dutch.sources == ["2026-01-01 Ann bakes", NEW]  # confirmed, not duplicated
    assert [p.sources for p in parsed.pitfalls][1:] == [["2026-01-03 Ann burns a loaf"]] * 2
    assert report.merged == 2


def test_offline_leaves_out_a_lesson_that_holds_a_secret_and_merges_the_rest(make_vault, tmp_path):
    files = bread_vault()
    files[f"meta/{NEW}.md"] = str(files[f"meta/{NEW}.md"]).replace(
        "- Use a Dutch oven for crust", "- Log in with AKIAQWERTYUIOPASDFGH to see the oven data"
    )
    vault = make_vault(files)
    report = consolidate(load_settings(vault=vault, site_dir=tmp_path / "s"), OfflineConsolidator())
    assert report.rejected == [] and report.merged == 1
    assert "AKIA" not in article(vault) and "Rye needs a wetter dough" in article(vault)
    (noop,) = [o for o in audit_lines(vault)[0]["ops"] if o["op"] == "noop"]
    assert noop["reason"] == "lesson left out: it holds a secret (aws-access-key-id)"


@pytest.fixture
def demo_copy(tmp_path, monkeypatch):
    vault = tmp_path / "vault"
    shutil.copytree(DEMO_VAULT, vault, ignore=shutil.ignore_patterns(".definitive"))
    monkeypatch.chdir(tmp_path)
    return vault, load_settings(vault=vault, config=DEMO_CONFIG, site_dir=tmp_path / "site")


PENDING = [
    "2026-11-13 Jennifer grades Northwind Bikes e-bike comparison",
    "2026-11-14 Ethan builds Dr Priya Anand person panel",
    "2026-11-15 Cam collects Lumen Dental Instagram comments",
    "2026-11-16 Jennifer grades Fernhill Bakery about page",
]


def test_demo_retention_every_learning_and_step_survives(demo_copy):
    vault, settings = demo_copy
    before = {
        p.name: parse_article(p.read_text(encoding="utf-8"))
        for p in (vault / "articles").glob("*.md")
    }
    report = consolidate(settings, OfflineConsolidator())
    assert sorted(s for a in report.articles for s in a.sources) == PENDING
    assert report.rejected == [] and report.adopted == 21
    cited = ""
    for name, old in before.items():
        text = (vault / "articles" / name).read_text(encoding="utf-8")
        new = parse_article(text)
        cited += text
        now = {b.block_id or b.text: b for b in new.learnings + new.pitfalls}
        for bullet in old.learnings + old.pitfalls:
            kept = now[bullet.block_id or bullet.text]
            assert kept.text == bullet.text or is_deprecated(kept), bullet
            assert set(bullet.sources) <= set(kept.sources)
        assert [s.text for s in new.steps][: len(old.steps)] == [s.text for s in old.steps]
    for name in PENDING:  # every pending meta article is now cited by its article
        assert f"[[{name}]]" in cited


# -- review: proposals, approve, reject ------------------------------------------------------


def test_review_writes_a_proposal_and_approve_applies_it(bread):
    from generator.consolidate.review import approve, open_proposals

    vault, settings = bread
    report = consolidate(
        settings, Scripted([Op("add_learning", [NEW], text="Rye is wetter.")]), review=True
    )
    assert article(vault) == ARTICLE_TEXT  # nothing applied yet
    (proposal,) = open_proposals(vault)
    assert report.articles[0].proposal_id == proposal.id
    assert "+- Rye is wetter." in proposal.diff(vault)
    # While it is open its meta article is not proposed again.
    idle = Scripted()
    again = consolidate(settings, idle, review=True)
    assert idle.asked == [] and "awaiting review" in again.skipped[0][1]
    run_id = approve(vault, proposal.id)
    assert "- Rye is wetter. ([[" in article(vault)
    assert open_proposals(vault) == []
    assert ledger(vault)["merged"][f"meta/{NEW}.md"]["run"] == run_id
    assert [e.run_id for e in history(vault, ARTICLE)] == [run_id]


def test_approve_refuses_when_the_article_changed_and_reject_discards(bread):
    from generator.consolidate.review import approve, open_proposals, reject

    vault, settings = bread
    consolidate(settings, Scripted([Op("add_learning", [NEW], text="Rye.")]), review=True)
    (proposal,) = open_proposals(vault)
    (vault / ARTICLE).write_text(ARTICLE_TEXT + "\nHuman edit.\n", encoding="utf-8")
    with pytest.raises(DefinitiveError, match="changed since proposal"):
        approve(vault, proposal.id)
    assert article(vault) == ARTICLE_TEXT + "\nHuman edit.\n"
    assert reject(vault, proposal.id) == [f"meta/{NEW}.md"]
    assert open_proposals(vault) == []
    idle = Scripted()
    consolidate(settings, idle, review=True)
    assert idle.asked == []  # reviewed: not proposed every night
    with pytest.raises(DefinitiveError, match="no open proposal"):
        approve(vault, proposal.id)


def test_review_config_key_makes_review_the_default(bread, tmp_path):
    vault, _ = bread
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: t\nextra:\n  definitive:\n    review: true\n")
    result = subprocess.run(
        [sys.executable, "-m", "generator", "consolidate", "--vault", str(vault)],
        capture_output=True, text=True, cwd=tmp_path, env=offline_env(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "proposed merging 1 meta article" in result.stdout
    assert "definitive approve" in result.stdout
    assert article(vault) == ARTICLE_TEXT
    listed = subprocess.run(
        [sys.executable, "-m", "generator", "review", "--vault", str(vault)],
        capture_output=True, text=True, cwd=tmp_path, env=offline_env(),
    )  # fmt: skip
    assert "Baking bread: 1 add learning, 1 confirm learning" in listed.stdout
    assert "+- Rye needs a wetter dough" in listed.stdout


def offline_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"} | {"NO_COLOR": "1"}


def test_each_change_is_a_new_revision_and_the_model_sees_the_evidence(bread):
    vault, settings = bread
    first = Scripted([Op("add_learning", [NEW], text="Rye is wetter.")])
    consolidate(settings, first)
    assert "\nrevision: 2\n" in article(vault)
    (asked,) = first.asked
    assert asked.revision == 1
    # The learnings' evidence, as the proof stage counts it, reaches the request.
    from generator.consolidate.prompt import user_message

    assert (
        "Feed the starter twelve hours before mixing. [support 1, last confirmed 2026-01-01]"
        in user_message([asked])
    )
    (vault / "meta" / "2026-01-03 Ann bakes again.md").write_text(
        (vault / "meta" / f"{NEW}.md").read_text().replace("2026-01-02", "2026-01-03"),
        encoding="utf-8",
    )
    second = Scripted([Op("add_learning", ["2026-01-03 Ann bakes again"], text="Again.")])
    consolidate(settings, second)
    assert second.asked[0].revision == 2 and "\nrevision: 3\n" in article(vault)
    run_ops(settings)  # nothing pending: nothing asked, no new revision
    assert "\nrevision: 3\n" in article(vault)


def test_review_mode_counts_rejections_and_writes_no_run(bread):
    vault, settings = bread
    report = consolidate(
        settings, Scripted([Op("add_learning", [NEW], text="<b>x</b>")]), review=True
    )
    assert report.run_id is None and report.articles[0].proposal_id is None
    assert not list((vault / "meta").glob("*Consolidator run*"))
    assert ledger(vault)["rejections"][f"meta/{NEW}.md"]["count"] == 1
    assert article(vault) == ARTICLE_TEXT


def test_an_unjudged_run_waits_and_an_outage_counts_no_attempt(bread):
    vault, settings = bread
    path = vault / "meta" / f"{NEW}.md"
    path.write_text(path.read_text().replace("outcome: success", "outcome: unknown"))
    report = run_ops(settings)
    assert (f"meta/{NEW}.md", "outcome: unknown: set it to merge this run") in report.skipped
    path.write_text(path.read_text().replace("outcome: unknown", "outcome: success"))
    for _ in range(4):  # four nights of outage: never answered, so never held
        run_ops(settings, "API connection failed: connection refused")
    assert "rejections" not in ledger(vault) or not ledger(vault)["rejections"]
    again = Scripted([Op("noop", [NEW], reason="ok")])
    consolidate(settings, again)
    assert [m.stem for m in again.asked[0].metas] == [NEW] and again.asked[0].previous == []
