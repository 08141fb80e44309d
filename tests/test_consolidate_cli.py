"""The consolidation commands end to end, in subprocesses: output, dry run, kills, the lock."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO_CONFIG, DEMO_VAULT, run_cli
from tests.consolidate_helpers import tree

NOW = "2026-11-23T02:00:00+00:00"


def definitive(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    full_env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    full_env.update({"DEFINITIVE_NOW": NOW, "NO_COLOR": "1", **(env or {})})
    return run_cli(*args, cwd=cwd, env=full_env, timeout=120)


@pytest.fixture
def demo_vault(tmp_path: Path) -> Path:
    vault = tmp_path / "vault"
    shutil.copytree(DEMO_VAULT, vault, ignore=shutil.ignore_patterns(".definitive"))
    return vault


def test_consolidate_prints_each_article_and_a_total(demo_vault):
    result = definitive("consolidate", "--vault", str(demo_vault), "--config", str(DEMO_CONFIG))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Grading an article: 3 add learning, 1 confirm learning from" in out
    assert "Collecting positive comments: 2 add pitfall from" in out
    assert "merged 4 meta articles into 3 articles, 0 with rejections" in out
    assert "run 20261123T020000Z" in out
    again = definitive("consolidate", "--vault", str(demo_vault), "--config", str(DEMO_CONFIG))
    assert "nothing pending" in again.stdout


def test_dry_run_shows_the_diff_and_writes_nothing(demo_vault):
    before = tree(demo_vault)
    result = definitive(
        "consolidate", "--vault", str(demo_vault), "--dry-run", "--only", "Grading an article"
    )
    assert result.returncode == 0, result.stderr
    assert "+- Comparison tables need a source per column" in result.stdout
    assert "Building a knowledge panel" not in result.stdout
    assert "would merge 2 meta articles" in result.stdout
    assert tree(demo_vault) == before


def test_unknown_only_article_is_a_usage_error(demo_vault):
    result = definitive("consolidate", "--vault", str(demo_vault), "--only", "Nope")
    assert result.returncode == 2
    assert "no definitive article named 'Nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_history_and_rollback_commands(demo_vault):
    definitive("consolidate", "--vault", str(demo_vault))
    shown = definitive("history", "--vault", str(demo_vault), "Grading an article")
    assert "20261123T020000Z" in shown.stdout and "3 add learning" in shown.stdout
    back = definitive("rollback", "--vault", str(demo_vault), "20261123T020000Z")
    assert back.returncode == 0, back.stderr
    assert "4 meta articles pending again" in back.stdout
    for name in ("Grading an article.md", "Building a knowledge panel.md"):
        assert (demo_vault / "articles" / name).read_bytes() == (
            DEMO_VAULT / "articles" / name
        ).read_bytes()
    missing = definitive("rollback", "--vault", str(demo_vault), "nope")
    assert missing.returncode == 1 and "no run 'nope'" in missing.stderr


# -- a killed run resumes to the same end state ----------------------------------------------

KILL_POINTS = ["before-write:1", "after-write:2", "after-ledger:1", "after-ledger:3", "run-done"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict[str, str]:
    vault = tmp_path_factory.mktemp("clean") / "vault"
    shutil.copytree(DEMO_VAULT, vault, ignore=shutil.ignore_patterns(".definitive"))
    assert definitive("consolidate", "--vault", str(vault)).returncode == 0
    return end_state(vault)


def end_state(vault: Path) -> dict[str, str]:
    state = tree(vault, skip_state=True)
    state["ledger"] = (vault / ".definitive" / "ledger.json").read_text(encoding="utf-8")
    return state


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_killed_run_resumes_to_the_same_end_state(demo_vault, uninterrupted, point):
    killed = definitive(
        "consolidate", "--vault", str(demo_vault), env={"DEFINITIVE_KILL_AT": point}
    )
    assert killed.returncode == -9, (killed.stdout, killed.stderr)
    resumed = definitive("consolidate", "--vault", str(demo_vault))
    assert resumed.returncode == 0, resumed.stderr
    assert end_state(demo_vault) == uninterrupted
    assert definitive("consolidate", "--vault", str(demo_vault)).stdout.startswith(
        "nothing pending"
    )


# -- nightly and its lock --------------------------------------------------------------------


def test_nightly_consolidates_checks_and_builds(demo_vault, tmp_path):
    site = tmp_path / "site"
    result = definitive(
        "nightly", "--vault", str(demo_vault), "--config", str(DEMO_CONFIG),
        "--site-dir", str(site),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "merged 4 meta articles" in result.stdout
    assert "check: 1 finding" in result.stdout
    assert (site / "index.html").is_file()
    page = next(site.rglob("grading-an-article/index.html")).read_text(encoding="utf-8")
    assert "Comparison tables need a source per column" in page
    assert not (demo_vault / ".definitive" / "lock").exists()


def write_lock(vault: Path, pid: int) -> Path:
    lock = vault / ".definitive" / "lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    owner = {"pid": pid, "host": socket.gethostname(), "since": NOW, "command": "nightly"}
    lock.write_text(json.dumps(owner))
    return lock


def test_a_second_nightly_exits_at_once_while_the_first_holds_the_lock(demo_vault, tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = write_lock(demo_vault, holder.pid)
        before = tree(demo_vault)
        result = definitive(
            "nightly", "--vault", str(demo_vault), "--site-dir", str(tmp_path / "s")
        )
        assert result.returncode == 75
        assert f"another run (nightly, pid {holder.pid}" in result.stderr
        assert tree(demo_vault) == before and lock.exists()
        # consolidate and rollback take the same lock; a dry run, which writes nothing, does not.
        plain = definitive("consolidate", "--vault", str(demo_vault))
        assert plain.returncode == 75 and tree(demo_vault) == before
        assert definitive("consolidate", "--vault", str(demo_vault), "--dry-run").returncode == 0
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_lock_from_a_dead_process_is_taken_over(demo_vault):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock = write_lock(demo_vault, dead.pid)
    result = definitive("consolidate", "--vault", str(demo_vault))
    assert result.returncode == 0, result.stderr
    assert "merged 4 meta articles" in result.stdout
    assert not lock.exists()


def test_a_corrupt_ledger_is_a_clear_error_not_a_traceback(demo_vault):
    ledger = demo_vault / ".definitive" / "ledger.json"
    ledger.parent.mkdir(parents=True, exist_ok=True)
    ledger.write_text("{not json", encoding="utf-8")
    before = tree(demo_vault)
    result = definitive("consolidate", "--vault", str(demo_vault))
    assert result.returncode == 1
    assert "ledger.json: ledger unreadable (" in result.stderr and "Traceback" not in result.stderr
    assert tree(demo_vault) == before
