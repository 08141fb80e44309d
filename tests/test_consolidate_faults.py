"""Rollback undoes a run exactly: the files it changed and created, and the ledger entries that
protect human edits. (The deadline and price faults are in test_anthropic.py: they drive the
SDK.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.cli import main
from generator.config import load_settings
from generator.consolidate.edits import Op
from generator.consolidate.engine import consolidate
from generator.consolidate.history import rollback
from generator.errors import DefinitiveError
from tests.consolidate_helpers import (
    ARTICLE,
    ARTICLE_TEXT,
    NEW,
    Scripted,
    bread_vault,
    ledger,
    meta,
    tree,
)

AGENT_NOTE = "agents/Consolidator.md"
SUPPORT_ARTICLE = "articles/Consolidating meta articles.md"
SOUP = "articles/Making soup.md"
SOUP_NEW = "2026-01-03 Ann cooks soup"


@pytest.fixture
def bread(make_vault, tmp_path):
    files = bread_vault()
    files[SOUP] = ARTICLE_TEXT.replace("Baking bread", "Making soup")
    files[f"meta/{SOUP_NEW}.md"] = meta(SOUP_NEW, ["Salt late."]).replace(
        "[[Baking bread]]", "[[Making soup]]"
    )
    vault = make_vault(files)
    return vault, load_settings(vault=vault, site_dir=tmp_path / "site")


def run(settings, *answers):
    return consolidate(settings, Scripted(*answers))


def text(vault: Path, rel: str) -> str:
    return (vault / rel).read_text(encoding="utf-8")


def edit(vault: Path, rel: str, old: str, new: str) -> None:
    body = text(vault, rel)
    assert old in body
    (vault / rel).write_text(body.replace(old, new), encoding="utf-8")


def touch_meta(vault: Path, name: str, line: str = "- One more thing.") -> None:
    path = vault / "meta" / f"{name}.md"
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")


def state(vault: Path) -> tuple[dict[str, str], dict]:
    """The vault's files and the ledger's entries: what a rollback must bring back."""
    data = ledger(vault)
    return tree(vault, skip_state=True), {"merged": data["merged"], "texts": data["texts"]}


def test_rollback_of_a_first_run_removes_everything_it_created(bread):
    vault, settings = bread
    before = tree(vault, skip_state=True)
    report = run(
        settings,
        [Op("add_learning", [NEW], text="Rye is wetter.")],
        [Op("noop", [SOUP_NEW], reason="known")],
    )
    created = set(tree(vault, skip_state=True)) - set(before)
    assert {AGENT_NOTE, SUPPORT_ARTICLE} < created  # the consolidator's own notes
    assert any("Consolidator run" in p for p in created)  # and the run's meta article
    result = rollback(vault, report.run_id)
    assert tree(vault, skip_state=True) == before  # byte for byte, nothing left behind
    assert {AGENT_NOTE, SUPPORT_ARTICLE} <= set(result.removed) and result.kept == []
    data = ledger(vault)
    assert data["texts"] == {}  # no baseline the run set survives it
    assert sorted(data["merged"]) == ["meta/2026-01-01 Ann bakes.md"]  # adopted, not the run's
    asked = Scripted([Op("noop", [NEW], reason="ok")], [Op("noop", [SOUP_NEW], reason="ok")])
    consolidate(settings, asked)
    assert [[m.stem for m in item.metas] for item in asked.asked] == [[NEW], [SOUP_NEW]]


def test_support_notes_a_human_edited_are_kept_and_the_cli_says_so(bread, capsys):
    vault, settings = bread
    report = run(settings, [Op("noop", [NEW], reason="ok")], [Op("noop", [SOUP_NEW], reason="ok")])
    edit(
        vault, SUPPORT_ARTICLE, "added here by hand.", "added here by hand.\n- Dana: run it at 2am."
    )
    edited = text(vault, SUPPORT_ARTICLE)
    code = main(["rollback", "--vault", str(vault), report.run_id])
    out = capsys.readouterr()
    assert code == 0
    assert text(vault, SUPPORT_ARTICLE) == edited and not (vault / AGENT_NOTE).exists()
    assert f"kept {SUPPORT_ARTICLE}: differs from the note a first run creates" in out.err
    assert f"removed {AGENT_NOTE}" in out.out


def test_support_notes_stay_while_another_run_still_stands(bread):
    vault, settings = bread
    first = run(settings, [Op("noop", [NEW], reason="ok")], [Op("noop", [SOUP_NEW], reason="ok")])
    touch_meta(vault, NEW)
    run(settings, [Op("add_learning", [NEW], text="Rye is wetter.")])
    result = rollback(vault, first.run_id)  # its files are not the second run's: allowed
    assert (vault / AGENT_NOTE).exists() and (vault / SUPPORT_ARTICLE).exists()
    assert AGENT_NOTE not in result.removed
    assert "Rye is wetter." in text(vault, ARTICLE)


def test_run_twice_roll_back_the_second_restores_the_first_runs_state_exactly(bread):
    vault, settings = bread
    run(
        settings,
        [Op("add_learning", [NEW], text="Rye is wetter.")],
        [Op("add_learning", [SOUP_NEW], text="Salt the soup late.")],
    )
    # Both meta articles change: the second run merges them again, one with a change, one not.
    touch_meta(vault, NEW, "- Rye wants 80% water.")
    touch_meta(vault, SOUP_NEW)
    after_first = state(vault)
    second = run(
        settings,
        [Op("update_learning", [NEW], target="L3", text="Rye wants 80% water.")],
        [Op("confirm_learning", [SOUP_NEW], target="L3")],
    )
    assert state(vault) != after_first
    result = rollback(vault, second.run_id)
    assert state(vault) == after_first
    assert sorted(result.pending_again) == [f"meta/{NEW}.md", f"meta/{SOUP_NEW}.md"]
    # Pending again, as edited meta articles: the next run merges them, none is adopted silently
    # although the article still cites it from the first run.
    asked = Scripted([Op("noop", [NEW], reason="ok")], [Op("noop", [SOUP_NEW], reason="ok")])
    report = consolidate(settings, asked)
    assert [[m.stem for m in item.metas] for item in asked.asked] == [[NEW], [SOUP_NEW]]
    assert report.adopted == 0


def test_a_human_edit_stays_pinned_after_the_next_run_is_rolled_back(bread):
    """Rollback used to drop the article's baselines, which is how a pin is known: the edited
    learning was then open to the model again."""
    vault, settings = bread
    run(settings, [Op("noop", [NEW], reason="ok")], [Op("noop", [SOUP_NEW], reason="ok")])
    edit(vault, ARTICLE, "Use a Dutch oven for crust.", "Use a Dutch oven, lid on (Dana).")
    touch_meta(vault, NEW)
    second = run(settings, [Op("add_learning", [NEW], text="Rye is wetter.")])
    assert second.rejected == []
    rollback(vault, second.run_id)
    assert "Use a Dutch oven, lid on (Dana)." in text(vault, ARTICLE)
    assert "Rye is wetter." not in text(vault, ARTICLE)
    # The next answer tries to rewrite the human's learning: refused, the text stays.
    run(settings, [Op("update_learning", [NEW], target="L2", text="Any pot works.")])
    assert "Use a Dutch oven, lid on (Dana)." in text(vault, ARTICLE)
    assert "Any pot works." not in text(vault, ARTICLE)


def test_an_article_edited_by_hand_since_the_run_is_kept_and_the_rest_rolled_back(bread):
    vault, settings = bread
    report = run(
        settings,
        [Op("add_learning", [NEW], text="Rye is wetter.")],
        [Op("add_learning", [SOUP_NEW], text="Salt the soup late.")],
    )
    texts_after_run = ledger(vault)["texts"][ARTICLE]
    edit(vault, ARTICLE, "Dana owns this section.", "Dana owns this section. Rye: see above.")
    edited = text(vault, ARTICLE)
    result = rollback(vault, report.run_id)
    assert text(vault, ARTICLE) == edited  # the human's work is not lost
    assert [p for p, _ in result.kept] == [ARTICLE]
    assert "edited since the run" in result.kept[0][1] and "before/articles/" in result.kept[0][1]
    assert "Salt the soup late." not in text(vault, SOUP)  # the rest is undone
    data = ledger(vault)
    assert f"meta/{NEW}.md" in data["merged"]  # its article keeps the run's edit, so: merged
    assert f"meta/{SOUP_NEW}.md" not in data["merged"]
    assert data["texts"][ARTICLE] == texts_after_run


def test_a_file_a_later_run_changed_refuses_the_rollback_and_changes_nothing(bread):
    vault, settings = bread
    first = run(
        settings,
        [Op("add_learning", [NEW], text="Rye is wetter.")],
        [Op("noop", [SOUP_NEW], reason="ok")],
    )
    touch_meta(vault, NEW)
    second = run(settings, [Op("add_learning", [NEW], text="Rye likes steam.")])
    before = tree(vault)
    with pytest.raises(DefinitiveError, match=f"changed by run {second.run_id} since; roll back"):
        rollback(vault, first.run_id)
    assert tree(vault) == before
    rollback(vault, second.run_id)
    rollback(vault, first.run_id)  # in order, both go
    assert text(vault, ARTICLE) == ARTICLE_TEXT


def test_a_rollback_is_refused_while_a_run_is_unfinished(bread):
    vault, settings = bread
    report = run(settings, [Op("noop", [NEW], reason="ok")], [Op("noop", [SOUP_NEW], reason="ok")])
    record = vault / ".definitive" / "runs" / report.run_id / "run.json"
    data = json.loads(record.read_text())
    data["status"] = "running"  # as a killed run leaves it
    record.write_text(json.dumps(data))
    with pytest.raises(DefinitiveError, match="interrupted"):
        rollback(vault, report.run_id)
