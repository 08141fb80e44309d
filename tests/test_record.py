"""`definitive record`: one run from a script or an agent, written as a valid meta article;
and the loop it closes: every exported SKILL.md ends with the command that records its run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO_VAULT
from tests.ingest_helpers import frontmatter, jsonl, make, meta_files, run

KEY = "sk-ant-api03-" + "Zq9" * 31 + "AA"
BODY = f"""## What was done
Graded the Harbor Coffee launch post. Used the key {KEY} by mistake; told dana@harbor.example.

## Result
Revise, 19/25.

## Learnings
- Check prices against the live site.
"""


@pytest.fixture
def vault_config(tmp_path: Path) -> tuple[Path, Path]:
    return make(tmp_path)


def record(config: Path, *args: str, stdin: str = "") -> object:
    return run("record", "--config", str(config), *args, stdin=stdin)


def test_record_writes_a_valid_meta_article_priced_from_the_table(vault_config) -> None:
    vault, config = vault_config
    result = record(
        config,
        "--article",
        "grading an article",
        "--agent",
        "jennifer",
        "--outcome",
        "partial",
        "--tokens-in",
        "12000",
        "--tokens-out",
        "800",
        "--model",
        "claude-sonnet-4-5",
        "--duration-s",
        "95",
        "--price-usd",
        "4",
        "--triggers",
        "Ethan",
        "--date",
        "2026-11-21",
        "--skill-version",
        "3",
        "--title",
        "Harbor launch post",
        stdin=BODY,
    )
    assert result.code == 0, result.err
    name = "2026-11-21 Jennifer Harbor launch post.md"
    assert f"meta/{name}: created (cost from the price table)" in result.out
    text = (vault / "meta" / name).read_text(encoding="utf-8")
    meta = frontmatter(text)
    assert meta == {
        "type": "meta",
        "article": "[[Grading an article]]",
        "agent": "[[Jennifer]]",
        "date": __import__("datetime").date(2026, 11, 21),
        "outcome": "partial",
        "tokens_in": 12000,
        "tokens_out": 800,
        "cost_usd": 0.048,  # 12,000 x $3 + 800 x $15 per million
        "duration_s": 95,
        "model": "claude-sonnet-4-5",
        "price_usd": 4,
        "triggers": "[[Ethan]]",
        "skill_version": 3,
    }
    # The body as given, its secrets and personal data redacted before anything was written.
    assert KEY not in text and "dana@harbor.example" not in text
    assert "Used the key [REDACTED:anthropic-api-key] by mistake" in text
    assert "told [REDACTED:email]." in text and "- Check prices against the live site." in text
    checked = run("check", "--config", str(config))
    assert checked.code == 0, checked.err  # valid: nothing to report


def test_an_unknown_article_or_agent_is_refused_with_the_closest_names(vault_config) -> None:
    vault, config = vault_config
    wrong = record(
        config, "--article", "Grading an artcle", "--agent", "Jennifer", "--outcome", "success"
    )
    assert wrong.code == 2
    message = wrong.err.replace("\n", "")
    assert f"no definitive article named 'Grading an artcle' in the vault {vault}" in message
    assert "did you mean: Grading an article" in message
    for args in (("--agent", "Jenifer"), ("--agent", "Jennifer", "--triggers", "Etan")):
        other = record(config, "--article", "Grading an article", "--outcome", "success", *args)
        assert other.code == 2 and "did you mean: " in other.err
    missing = record(config, "--agent", "Jennifer", "--outcome", "success")
    assert missing.code == 2 and "a run needs --article" in missing.err
    assert not (vault / "meta").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--tokens-in", "-5"), "tokens_in must be a whole number"),
        (("--tokens-out", "1.5"), "tokens_out must be a whole number"),
        (("--cost-usd", "nan"), "cost_usd must be a number"),
        (("--date", "2026-13-01"), "--date must be a date"),
        (("--model", "gpt 4; rm -rf"), "is not a model id"),
        (("--skill-version", "three"), "--skill-version must be a revision number"),
        (("--source", "a b"), "--source must be an id"),
        (("--outcome", "maybe"), "invalid choice"),
        (("--tokens-in", "10", "--model", "claude-mystery-1"), "no price known"),
    ],
)
def test_bad_values_are_refused_before_anything_is_written(vault_config, args, says) -> None:
    vault, config = vault_config
    result = record(
        config,
        "--article",
        "Grading an article",
        "--agent",
        "Jennifer",
        "--outcome",
        "success",
        *args,
    )
    assert result.code == 2 and says in result.err
    assert not (vault / "meta").exists()


def test_json_gives_every_field_and_each_token_kind_its_price(vault_config) -> None:
    vault, config = vault_config
    run_json = {
        "article": "Building a knowledge panel",
        "agent": "Ethan",
        "outcome": "success",
        "tokens_in_uncached": 100,
        "tokens_cache_write_5m": 2_000,
        "tokens_cache_read": 30_000,
        "tokens_out": 1_500,
        "model": "claude-sonnet-4-5",
        "date": "2026-11-22",
        "title": "Fernhill panel",
        "body": "Built it.",
    }
    result = record(config, "--json", stdin=json.dumps(run_json))
    assert result.code == 0, result.err
    meta = frontmatter((vault / "meta" / "2026-11-22 Ethan Fernhill panel.md").read_text("utf-8"))
    assert meta["tokens_in"] == 32_100 and meta["tokens_cache_read"] == 30_000
    assert meta["cost_usd"] == round((100 * 3 + 2_000 * 3.75 + 30_000 * 0.30 + 1_500 * 15) / 1e6, 6)
    bad = record(config, "--json", stdin=json.dumps({**run_json, "tokens_in": 5, "colour": "x"}))
    assert bad.code == 2 and "unknown field(s): colour" in bad.err
    bad = record(config, "--json", stdin=json.dumps({**run_json, "tokens_in": 5}))
    assert bad.code == 2 and "not the sum of its parts (32100)" in bad.err
    broken = record(config, "--json", stdin="{not json")
    assert broken.code == 2 and "not JSON" in broken.err


def test_a_taken_name_is_never_overwritten(vault_config) -> None:
    vault, config = vault_config
    mine = vault / "meta" / "2026-11-21 Jennifer Grading an article.md"
    mine.parent.mkdir()
    mine.write_text("A person's own note.\n", encoding="utf-8")
    args = (
        "--article",
        "Grading an article",
        "--agent",
        "Jennifer",
        "--outcome",
        "success",
        "--date",
        "2026-11-21",
    )
    for _ in range(2):
        assert record(config, *args).code == 0
    assert mine.read_text(encoding="utf-8") == "A person's own note.\n"
    names = sorted(meta_files(vault))
    assert names == [
        "2026-11-21 Jennifer Grading an article 2.md",
        "2026-11-21 Jennifer Grading an article 3.md",
        "2026-11-21 Jennifer Grading an article.md",
    ]
    hostile = record(config, *args, "--title", "../../../etc/passwd #x [[Secret]]")
    assert hostile.code == 0
    assert "meta/2026-11-21 Jennifer etc passwd x Secret.md: created" in hostile.out


def test_a_run_recorded_again_by_source_is_updated_not_doubled(vault_config) -> None:
    vault, config = vault_config
    args = (
        "--article",
        "Grading an article",
        "--agent",
        "Jennifer",
        "--source",
        "ci:job-42",
        "--date",
        "2026-11-21",
        "--tokens-in",
        "100",
        "--model",
        "claude-haiku-4-5",
    )
    assert record(config, *args, "--outcome", "unknown", stdin="First try.").code == 0
    ((name, text),) = meta_files(vault).items()
    path = vault / "meta" / name
    path.write_text(text.replace("outcome: unknown", "outcome: success") + "\nDana: fine.\n")
    again = record(config, *args, "--outcome", "unknown", stdin="Second report.")
    assert "updated" in again.out
    text = path.read_text(encoding="utf-8")
    meta = frontmatter(text)
    assert meta["outcome"] == "success"  # "unknown" never replaces a judgment
    assert "Second report." in text and "First try." not in text and text.endswith("Dana: fine.\n")
    assert len(meta_files(vault)) == 1
    same = record(config, *args, "--outcome", "unknown", stdin="Second report.")
    assert "unchanged" in same.out and path.read_text(encoding="utf-8") == text
    failed = record(config, *args, "--outcome", "failure", stdin="Second report.")
    assert "updated" in failed.out and frontmatter(path.read_text("utf-8"))["outcome"] == "failure"


def test_dry_run_prints_the_article_and_writes_nothing(vault_config) -> None:
    vault, config = vault_config
    result = record(
        config,
        "--article",
        "Grading an article",
        "--agent",
        "Jennifer",
        "--outcome",
        "success",
        "--dry-run",
        stdin="Did it.",
    )
    assert result.code == 0 and "would be created" in result.out
    assert 'article: "[[Grading an article]]"' in result.out and "Did it." in result.out
    assert not (vault / "meta").exists()


def test_the_exported_skill_ends_with_the_command_that_records_its_run(tmp_path: Path) -> None:
    """Close the loop: export-skills, copy the command out of SKILL.md, run it as an agent
    would; then a Claude Code session that loaded the same SKILL.md is imported with it."""
    vault = tmp_path / "vault"
    shutil.copytree(DEMO_VAULT, vault, ignore=shutil.ignore_patterns(".definitive"))
    out = tmp_path / "skills"
    assert run("export-skills", str(out), "--vault", str(vault)).code == 0
    skill = (out / "grading-an-article" / "SKILL.md").read_text(encoding="utf-8")
    assert "## Record this run" in skill
    command = re.search(r"```bash\n(.*?)```", skill, re.S).group(1)
    assert command.startswith(
        "definitive record --article grading-an-article --agent Jennifer --outcome success "
        "--skill-version 1 <<'EOF'\n"
    )
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-c", command],
        cwd=tmp_path,
        env={**env, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    recorded = [t for t in meta_files(vault).values() if "skill_version: 1" in t]
    assert len(recorded) == 1 and 'article: "[[Grading an article]]"' in recorded[0]

    # A Claude Code session read that SKILL.md (its text is in the tool result): the
    # importer finds the article and the revision, with no --article and no mapping.
    session = "11111111-2222-3333-4444-555555555555"
    stamp = {"sessionId": session, "cwd": "/srv/agents/jen", "timestamp": "2026-11-25T08:00:00Z"}
    path = jsonl(
        tmp_path / "p" / f"{session}.jsonl",
        [
            {
                "type": "user",
                "uuid": "u1",
                "message": {"role": "user", "content": "Grade it"},
                **stamp,
            },
            {
                "type": "assistant",
                "uuid": "a1",
                "requestId": "r1",
                **stamp,
                "message": {
                    "id": "msg_1",
                    "model": "claude-sonnet-4-5",
                    "usage": {"input_tokens": 5, "output_tokens": 7},
                    "content": [
                        {
                            "type": "tool_use",
                            "id": "t1",
                            "name": "Read",
                            "input": {"file_path": str(out / "grading-an-article" / "SKILL.md")},
                        }
                    ],
                },
            },
            {
                "type": "user",
                "uuid": "u2",
                **stamp,
                "message": {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "t1", "content": skill}],
                },
            },
        ],
    )
    imported = run("import", "claude-code", str(path), "--vault", str(vault))
    assert imported.code == 0, imported.err
    note = next(t for t in meta_files(vault).values() if f"claude-code:{session}" in t)
    meta = frontmatter(note)
    assert meta["article"] == "[[Grading an article]]" and meta["skill_version"] == 1
    assert meta["agent"] == "[[Jennifer]]"


def test_a_source_held_by_a_note_that_is_not_a_run_is_never_taken_over(vault_config) -> None:
    vault, config = vault_config
    note = vault / "notes" / "Reading list.md"
    note.parent.mkdir()
    note.write_text("---\nsource: ci:job-7\n---\nBooks.\n", encoding="utf-8")
    result = record(
        config,
        "--article",
        "Grading an article",
        "--agent",
        "Jennifer",
        "--outcome",
        "success",
        "--source",
        "ci:job-7",
    )
    assert result.code == 2 and "is not a meta article" in result.err
    assert note.read_text(encoding="utf-8") == "---\nsource: ci:job-7\n---\nBooks.\n"
    assert not (vault / "meta").exists()


def _holding_the_runs_lock(vault: Path) -> int:
    """Takes the runs lock as another importer would; closing the descriptor gives it back."""
    import fcntl

    from generator.config import STATE_DIR
    from generator.locks import RUNS_LOCK

    (vault / STATE_DIR).mkdir(exist_ok=True)
    fd = os.open(vault / STATE_DIR / RUNS_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def test_runs_with_a_source_take_turns_and_runs_without_never_wait(vault_config) -> None:
    """Two writers of the same source at once would each find no note and write it twice:
    while an import holds its turn, `record --source` waits for it; a plain `record` (an
    agent closing its task) does not wait for anyone."""
    vault, config = vault_config
    args = ["--article", "Grading an article", "--agent", "Jennifer", "--outcome", "success"]
    fd = _holding_the_runs_lock(vault)
    try:
        plain = record(config, *args, stdin="No source.")
        assert plain.code == 0 and len(meta_files(vault)) == 1
        waiting = subprocess.Popen(
            [sys.executable, "-m", "generator", "record", "--config", str(config), *args,
             "--source", "ci:job-7"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=vault.parent,
        )  # fmt: skip
        with pytest.raises(subprocess.TimeoutExpired):
            waiting.wait(timeout=3)  # it waits its turn
        assert len(meta_files(vault)) == 1
    finally:
        os.close(fd)
    assert waiting.wait(timeout=60) == 0, waiting.stderr.read() if waiting.stderr else ""
    assert len(meta_files(vault)) == 2


def test_a_turn_held_too_long_ends_in_try_later(tmp_path: Path) -> None:
    from generator.errors import LockBusy
    from generator.locks import runs_lock

    fd = _holding_the_runs_lock(tmp_path)
    try:
        with (
            pytest.raises(LockBusy, match="nothing written") as raised,
            runs_lock(tmp_path, wait_s=0.2),
        ):
            pass
        assert raised.value.exit_code == 75
    finally:
        os.close(fd)
    with runs_lock(tmp_path, wait_s=0.2):  # given back: the next writer gets its turn
        pass


def test_a_vault_whose_state_folder_is_a_file_gets_a_message_not_a_traceback(
    vault_config,
) -> None:
    """A careless user left a file named .definitive in the vault: record --source and the
    vault lock say which path is wrong, and nothing is written."""
    from generator.errors import UsageError
    from generator.locks import vault_lock

    vault, config = vault_config
    shutil.rmtree(vault / ".definitive", ignore_errors=True)
    (vault / ".definitive").write_text("not a folder", encoding="utf-8")
    args = ["--article", "Grading an article", "--agent", "Jennifer", "--outcome", "success"]
    result = record(config, *args, "--source", "ci:job-8", stdin="Ran.")
    assert result.code == 2 and "Traceback" not in result.err
    assert ".definitive" in result.err and "state folder" in result.err
    assert meta_files(vault) == {}
    with pytest.raises(UsageError, match="state folder"), vault_lock(vault, "consolidate"):
        pass
