"""`definitive import claude-code`: transcripts written here as Claude Code writes them
(streaming snapshots, one line per content block, sidechains and subagent files, unknown record
types, a secret in a tool result), imported into a small vault and checked to the token and
the cent, for redaction, idempotence, and on the built site."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from generator.pipeline import build
from tests.conftest import settings_for
from tests.ingest_helpers import Ran, frontmatter, jsonl, make, meta_files, run

S1 = "5c3f0a9e-1b2c-4d5e-8f70-0a1b2c3d4e5f"  # grading, loads the exported skill
S2 = "7d41b2c0-9e8f-4a6b-b5c4-d3e2f1a0b9c8"  # the panels project (mapped in mkdocs.yml)
S3 = "0b9a8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d"  # a 1-hour cache write
S4 = "e2d3c4b5-a697-4887-b9aa-bbccddeeff00"  # resumes S2: S2's calls copied in
S5 = "99887766-5544-4332-8110-ffeeddccbbaa"  # a project nobody mapped
SECRET = "sk-ant-api03-" + "Q7x" * 31 + "AA"
JENNIFER = "/home/dana/agents/jennifer"
PANELS = "/home/dana/agents/panels"


def usage(inp: int, out: int, *, read: int = 0, w5: int = 0, w1: int = 0, split: bool = True):
    block = {
        "input_tokens": inp,
        "cache_creation_input_tokens": w5 + w1,
        "cache_read_input_tokens": read,
        "output_tokens": out,
        "service_tier": "standard",
    }
    if split:
        block["cache_creation"] = {"ephemeral_5m_input_tokens": w5, "ephemeral_1h_input_tokens": w1}
    return block


def base(session: str, t: str, cwd: str, **extra):
    return {
        "sessionId": session,
        "timestamp": f"2026-11-20T{t}Z",
        "cwd": cwd,
        "version": "2.1.40",
        "gitBranch": "main",
        "isSidechain": False,
        **extra,
    }


def user(session: str, t: str, content, cwd: str = JENNIFER, **extra):
    return {
        "type": "user",
        "uuid": f"u-{t}",
        "message": {"role": "user", "content": content},
        **base(session, t, cwd, **extra),
    }


def assistant(session, t, msg, block, use, model="claude-sonnet-4-5", cwd=JENNIFER, **extra):
    message = {
        "id": msg,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [block],
        "stop_reason": None,
        "usage": use,
    }
    return {
        "type": "assistant",
        "uuid": f"a-{msg}-{t}",
        "requestId": f"req_{msg[4:]}",
        "message": message,
        **base(session, t, cwd, **extra),
    }


def tool(ident: str, name: str, **given):
    return {"type": "tool_use", "id": ident, "name": name, "input": given}


TEXT = {"type": "text", "text": "Working on it."}
SKILL_BODY = (
    "Base directory for this skill: /home/dana/.claude/skills/grading-an-article\n\n"
    "# Grading an article\n\n## Steps\n\n1. Read the brief.\n\n## Record this run\n\n"
    "definitive record --article grading-an-article --agent Jennifer --outcome success "
    "--skill-version 4 <<'EOF'\n"
)


def session_one(projects: Path) -> None:
    """Grading: 4 sonnet calls in 9 lines, 1 sidechain haiku call, a subagent file."""
    folder = projects / "-home-dana-agents-jennifer"
    s = S1
    jsonl(
        folder / f"{s}.jsonl",
        [
            {"type": "summary", "summary": f"Grade Harbor post (key {SECRET})", "leafUuid": "x"},
            user(s, "10:00:00.000", "Grade drafts/harbor.md; mail dana@harbor.example when done"),
            # msg_A: a streaming snapshot (3 output tokens), then the final one (120)
            assistant(
                s,
                "10:00:02.000",
                "msg_A",
                {"type": "thinking", "thinking": "hmm"},
                usage(10, 3, w5=5000),
            ),
            assistant(
                s,
                "10:00:04.000",
                "msg_A",
                tool("toolu_1", "Skill", skill="grading-an-article"),
                usage(10, 120, w5=5000),
            ),
            user(
                s,
                "10:00:05.000",
                [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_1",
                        "content": "Launching skill: grading-an-article",
                    }
                ],
            ),
            user(s, "10:00:05.100", [{"type": "text", "text": SKILL_BODY}], isMeta=True),
            # msg_B: two content blocks, one line each, the same usage (no 5m/1h split given)
            assistant(
                s, "10:01:00.000", "msg_B", TEXT, usage(5, 40, read=5000, w5=800, split=False)
            ),
            assistant(
                s,
                "10:01:00.000",
                "msg_B",
                tool("toolu_2", "Read", file_path=f"{JENNIFER}/drafts/harbor.md"),
                usage(5, 40, read=5000, w5=800, split=False),
            ),
            user(
                s,
                "10:01:01.000",
                [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_2",
                        "content": f"API_KEY={SECRET}\nThe harbor draft text.",
                    }
                ],
            ),
            {"type": "mystery-event", "payload": {"x": 1}},
            "{not json",
            assistant(
                s,
                "10:02:00.000",
                "msg_C",
                tool(
                    "toolu_3",
                    "Edit",
                    file_path=f"{JENNIFER}/drafts/harbor-feedback.md",
                    old_string="a",
                    new_string=f"token {SECRET}",
                ),
                usage(3, 60, read=5800),
            ),
            assistant(
                s,
                "10:03:00.000",
                "msg_D",
                tool("toolu_4", "Bash", command=f"curl -H 'x: {SECRET}' x"),
                usage(4, 300, read=5800, w5=200),
            ),
            assistant(
                s,
                "10:03:00.000",
                "msg_D",
                tool(
                    "toolu_5",
                    "Edit",
                    file_path=f"{JENNIFER}/drafts/harbor-feedback.md",
                    old_string="b",
                    new_string="c",
                ),
                usage(4, 300, read=5800, w5=200),
            ),
            # a subagent's call written into the session's file (older versions)
            assistant(
                s,
                "10:04:00.000",
                "msg_E",
                TEXT,
                usage(50, 100, w5=1000),
                model="claude-haiku-4-5",
                isSidechain=True,
            ),
            {"type": "mystery-event"},
            {"type": "file-history-snapshot", "messageId": "m", "snapshot": {}},
            assistant(s, "10:05:00.000", "msg_Z", TEXT, usage(0, 0), model="<synthetic>"),
            {
                "type": "system",
                "subtype": "stop_hook_summary",
                "timestamp": "2026-11-20T10:12:30.000Z",
                "sessionId": s,
            },
        ],
    )
    jsonl(
        folder / s / "subagents" / "agent-a1b2c3.jsonl",
        [
            assistant(
                s,
                "10:06:00.000",
                "msg_F",
                TEXT,
                usage(20, 10, read=1000),
                model="claude-haiku-4-5",
                isSidechain=True,
                agentId="a1b2c3",
            ),
            assistant(
                s,
                "10:06:03.000",
                "msg_F",
                tool("toolu_6", "Grep", pattern="x"),
                usage(20, 200, read=1000),
                model="claude-haiku-4-5",
                isSidechain=True,
            ),
        ],
    )


def session_two(projects: Path) -> None:
    folder = projects / "-home-dana-agents-panels"
    s = S2
    jsonl(
        folder / f"{s}.jsonl",
        [
            user(s, "14:00:00.000", "Build the panel for Fernhill Bakery", cwd=PANELS),
            assistant(
                s, "14:00:10.000", "msg_P1", TEXT, usage(12, 400, read=2000, w5=3000), cwd=PANELS
            ),
            assistant(
                s,
                "14:02:10.000",
                "msg_P2",
                tool("toolu_p", "Write", file_path=f"{PANELS}/out/panel.json", content="{}"),
                usage(8, 900, read=5000),
                cwd=PANELS,
            ),
        ],
    )


def session_four(projects: Path) -> None:
    """A resumed copy of S2 (its lines keep S2's sessionId), then one call of its own."""
    folder = projects / "-home-dana-agents-panels"
    copied = (folder / f"{S2}.jsonl").read_text(encoding="utf-8").splitlines()
    s = S4
    jsonl(
        folder / f"{s}.jsonl",
        [
            *copied,
            user(s, "15:00:00.000", "Now add the opening hours", cwd=PANELS),
            assistant(s, "15:00:20.000", "msg_P3", TEXT, usage(6, 150, read=7000), cwd=PANELS),
        ],
    )


def session_five(projects: Path) -> None:
    folder = projects / "-home-dana-scratch"
    jsonl(
        folder / f"{S5}.jsonl",
        [
            user(S5, "16:00:00.000", "what is 2+2", cwd="/home/dana/scratch"),
            assistant(S5, "16:00:01.000", "msg_Q", TEXT, usage(9, 5), cwd="/home/dana/scratch"),
        ],
    )


# Hand-computed, from the prices of claude-sonnet-4-5 ($3 in, $15 out, $3.75 5-minute write,
# $0.30 read per million) and claude-haiku-4-5 ($1, $5, $1.25, $0.10).
S1_SONNET = dict(
    input=10 + 5 + 3 + 4, w5=5000 + 800 + 200, read=5000 + 5800 + 5800, out=120 + 40 + 60 + 300
)
S1_HAIKU = dict(input=50 + 20, w5=1000, read=1000, out=100 + 200)
S1_COST = (
    22 * 3 + 6000 * 3.75 + 16600 * 0.30 + 520 * 15 + 70 * 1 + 1000 * 1.25 + 1000 * 0.10 + 300 * 5
) / 1e6


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("claude")
    vault, config = make(root)
    projects = root / "projects"
    session_one(projects)
    session_two(projects)
    session_four(projects)
    session_five(projects)
    return root, vault, config, projects


def imp(config: Path, *args: str) -> Ran:
    return run("import", "claude-code", *args, "--config", str(config))


@pytest.fixture(scope="module")
def first(imported) -> Ran:
    """The first import of the whole projects folder."""
    _root, _vault, config, projects = imported
    return imp(config, str(projects), "-v")


def _note(vault: Path, source: str) -> tuple[str, str]:
    """(file name, text) of the meta article whose ``source:`` is ``source``."""
    found = [(n, t) for n, t in meta_files(vault).items() if f'source: "{source}"' in t]
    assert len(found) == 1, sorted(meta_files(vault))
    return found[0]


def _naive(path: Path) -> int:
    """Tokens as a tool that sums every usage line would count them."""
    count = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if '"usage"' in line:
            use = json.loads(line)["message"]["usage"]
            count += sum(
                use[k]
                for k in (
                    "input_tokens",
                    "cache_creation_input_tokens",
                    "cache_read_input_tokens",
                    "output_tokens",
                )
            )
    return count


def test_a_session_is_counted_once_per_call_to_the_token_and_the_cent(first, imported) -> None:
    _root, vault, _config, projects = imported
    assert first.code == 0, first.err
    name, text = _note(vault, f"claude-code:{S1}")
    meta = frontmatter(text)
    sonnet, haiku = S1_SONNET, S1_HAIKU
    tokens_in = sum(v for k, v in sonnet.items() if k != "out") + sum(
        v for k, v in haiku.items() if k != "out"
    )
    assert meta["tokens_in"] == tokens_in == 24_692
    assert meta["tokens_out"] == sonnet["out"] + haiku["out"] == 820
    assert meta["tokens_in_uncached"] == 92
    assert meta["tokens_cache_write_5m"] == 7_000 and meta["tokens_cache_write_1h"] == 0
    assert meta["tokens_cache_read"] == 17_600
    assert meta["cost_usd"] == round(S1_COST, 6) == 0.038266
    assert meta["model"] == "claude-sonnet-4-5"
    assert meta["models"] == ["claude-haiku-4-5", "claude-sonnet-4-5"]
    assert meta["duration_s"] == 750  # 10:00:00 to 10:12:30, the last record
    assert (meta["started"], meta["ended"]) == ("2026-11-20T10:00:00Z", "2026-11-20T10:12:30Z")
    assert str(meta["date"]) == "2026-11-20"
    # Summing every line, as other tools did, counts far more than was used.
    naive = _naive(projects / "-home-dana-agents-jennifer" / f"{S1}.jsonl")
    assert naive > 1.6 * (24_692 - 2_070 + 820 - 300)
    assert "| claude-sonnet-4-5 | 22 | 6,000 | 0 | 16,600 | 520 | $0.0353 |" in text
    assert "| Total | 92 | 7,000 | 0 | 17,600 | 820 | $0.0383 |" in text
    assert name == "2026-11-20 Jennifer Grade Harbor post (key).md"


def test_subagents_count_for_their_session_and_are_shown_apart(first, imported) -> None:
    _root, vault, _config, _projects = imported
    _name, text = _note(vault, f"claude-code:{S1}")
    # msg_E (a sidechain line in the session's file) and msg_F (its subagent file, two
    # snapshots): 2 calls, 70 + 1,000 + 1,000 in and 300 out, $0.0018 + $0.00112.
    assert "Of which subagents: 2 calls, 2,370 tokens, $0.0029." in text
    assert "6 model calls (2 by subagents)" in text
    # No run of its own for the subagent file.
    assert sum("claude-code:" in t for t in meta_files(vault).values()) == 3


def test_the_exported_skill_names_the_article_and_its_revision(first, imported) -> None:
    _root, vault, _config, _projects = imported
    meta = frontmatter(_note(vault, f"claude-code:{S1}")[1])
    # No --article and no mapping: the session loaded the skill export-skills wrote.
    assert meta["article"] == "[[Grading an article]]"
    assert meta["agent"] == "[[Jennifer]]"  # the article's own agent
    assert meta["skill_version"] == 4
    assert meta["outcome"] == "unknown"


def test_nothing_raw_or_secret_from_the_transcript_reaches_the_vault(first, imported) -> None:
    _root, vault, _config, _projects = imported
    everything = "\n".join(meta_files(vault).values())
    assert "sk-ant-" not in everything and SECRET[20:40] not in everything
    assert "dana@harbor.example" not in everything
    for raw in ("The harbor draft text", "curl", "Working on it", "hmm", "API_KEY", "old_string"):
        assert raw not in everything
    _name, text = _note(vault, f"claude-code:{S1}")
    assert "Summary: Grade Harbor post (key \\[REDACTED:anthropic-api-key\\])" in text
    assert "Tools used: Edit × 2, Bash × 1, Grep × 1, Read × 1, Skill × 1." in text
    assert "Files changed: `drafts/harbor-feedback.md` (2 edits)." in text
    assert "/home/dana" not in everything  # paths relative to the project, or cut


def test_unknown_record_types_and_bad_lines_are_skipped_and_counted(first) -> None:
    assert "skipped 2 records of unknown type: mystery-event (2)" in first.out
    assert "skipped 1 unreadable line or span" in first.out
    assert "10 usage lines -> 6 calls" in first.out


def test_the_project_mapping_and_a_resumed_session(first, imported) -> None:
    _root, vault, _config, _projects = imported
    meta = frontmatter(_note(vault, f"claude-code:{S2}")[1])
    assert meta["article"] == "[[Building a knowledge panel]]" and meta["agent"] == "[[Ethan]]"
    assert (meta["tokens_in"], meta["tokens_out"]) == (12 + 3_000 + 2_000 + 8 + 5_000, 1_300)
    assert meta["cost_usd"] == round((20 * 3 + 3_000 * 3.75 + 7_000 * 0.30 + 1_300 * 15) / 1e6, 6)
    # S4 holds S2's lines (copied when S2 was resumed) and one call of its own: only that.
    name, text = _note(vault, f"claude-code:{S4}")
    meta = frontmatter(text)
    assert (meta["tokens_in"], meta["tokens_out"]) == (7_006, 150)
    assert meta["cost_usd"] == round((6 * 3 + 7_000 * 0.30 + 150 * 15) / 1e6, 6) == 0.004368
    assert name == "2026-11-20 Ethan Now add the opening hours.md"
    assert "2 copied from another session" in first.out


def test_a_session_of_no_article_is_passed_over_without_failing(first, imported) -> None:
    _root, vault, _config, _projects = imported
    assert not any(S5 in t for t in meta_files(vault).values())
    assert f"{S5}.jsonl: passed over: no article" in first.out
    assert "3 created, 0 updated, 0 unchanged, 1 passed over" in first.out


def test_check_asks_for_the_outcome_of_imported_runs(first, imported) -> None:
    _root, _vault, config, _projects = imported
    result = run("check", "--config", str(config), "--format", "json")
    findings = json.loads(result.out)["findings"]
    unknown = [f for f in findings if f["code"] == "outcome-unknown"]
    assert len(unknown) == 3 and all(f["severity"] == "warning" for f in unknown)
    assert all(f["line"] == 6 and "set `outcome:`" in f["message"] for f in unknown)
    assert {f["code"] for f in findings} == {"outcome-unknown"}  # otherwise valid
    assert result.code == 1


@pytest.fixture
def copy(imported, first, tmp_path: Path):
    """The imported vault and its transcripts, copied: for tests that change them."""
    root = imported[0]
    shutil.copytree(root, tmp_path / "c")
    base = tmp_path / "c"
    return base, base / "vault", base / "mkdocs.yml", base / "projects"


def test_importing_again_changes_nothing_then_updates_only_the_figures(copy) -> None:
    _root, vault, config, projects = copy
    before = meta_files(vault)
    again = imp(config, str(projects))
    assert again.code == 0
    assert "0 created, 0 updated, 3 unchanged" in again.out
    assert meta_files(vault) == before  # byte for byte

    # A person judges the run and adds learnings below the marker...
    name, text = _note(vault, f"claude-code:{S1}")
    path = vault / "meta" / name
    text = (
        text.replace("outcome: unknown", "outcome: success").replace("tags_placeholder", "")
        + "\n## Learnings\n- Quote the sentence at fault, always.\n"
    )
    path.write_text(
        text.replace("model: claude", "# checked by Dana\nmodel: claude"), encoding="utf-8"
    )
    # ... and the session goes on: one more call.
    transcript = projects / "-home-dana-agents-jennifer" / f"{S1}.jsonl"
    with transcript.open("a", encoding="utf-8") as handle:
        handle.write(
            json.dumps(assistant(S1, "10:20:00.000", "msg_G", TEXT, usage(1, 100, read=6000)))
            + "\n"
        )
    updated = imp(config, str(projects))
    assert "0 created, 1 updated, 2 unchanged" in updated.out, updated.out
    new = path.read_text(encoding="utf-8")
    meta = frontmatter(new)
    assert meta["outcome"] == "success"  # the person's judgment stays
    assert meta["tokens_in"] == 24_692 + 6_001 and meta["tokens_out"] == 920
    assert meta["cost_usd"] == round(S1_COST + (1 * 3 + 6_000 * 0.30 + 100 * 15) / 1e6, 6)
    assert meta["duration_s"] == 1_200 and meta["ended"] == "2026-11-20T10:20:00Z"
    assert "# checked by Dana\n" in new  # the person's YAML comment is kept
    assert new.endswith("\n## Learnings\n- Quote the sentence at fault, always.\n")
    assert "7 model calls (2 by subagents)" in new
    assert "Not judged yet" in new  # the text above the marker is the importer's
    assert len(meta_files(vault)) == 3


def test_dry_run_and_since_write_nothing(imported, tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    vault, config = make(root)
    projects = imported[3]
    dry = imp(config, str(projects), "--dry-run")
    assert dry.code == 0 and "3 would be created" in dry.out
    assert "would be created" in dry.out and not (vault / "meta").exists()
    later = imp(config, str(projects), "--since", "2026-11-21")
    assert "4 older than --since" in later.out and not (vault / "meta").exists()
    # A session file untouched since before --since is not even read.
    old = projects / "-home-dana-scratch" / f"{S5}.jsonl"
    stamp = old.stat().st_mtime
    os.utime(old, (1_000_000_000, 1_000_000_000))
    try:
        one = imp(config, str(old), "--since", "2020-01-01", "--article", "Grading an article")
    finally:
        os.utime(old, (stamp, stamp))
    assert "1 older than --since" in one.out and not (vault / "meta").exists()


def test_flags_name_the_article_agent_and_outcome(imported, tmp_path: Path) -> None:
    root = tmp_path / "flags"
    vault, config = make(root)
    session = imported[3] / "-home-dana-scratch" / f"{S5}.jsonl"
    result = imp(
        config,
        str(session),
        "--article",
        "grading-an-article",
        "--agent",
        "cam",
        "--outcome",
        "partial",
    )
    assert result.code == 0, result.err
    meta = frontmatter(_note(vault, f"claude-code:{S5}")[1])
    assert (meta["article"], meta["agent"], meta["outcome"]) == (
        "[[Grading an article]]",
        "[[Cam]]",
        "partial",
    )
    assert meta["cost_usd"] == round((9 * 3 + 5 * 15) / 1e6, 6)
    wrong = imp(config, str(session), "--article", "Gradin an artcle")
    assert wrong.code == 2
    assert "no definitive article named 'Gradin an artcle' in the vault" in wrong.err
    assert (
        str(vault) in wrong.err.replace("\n", "")
        and "did you mean: Grading an article" in wrong.err
    )
    nobody = imp(config, str(session), "--agent", "Jenifer")
    assert nobody.code == 2 and "did you mean: Jennifer" in nobody.err


def test_a_mapping_with_a_name_no_note_has_fails_that_session(tmp_path: Path) -> None:
    vault, config = make(tmp_path)
    folder = os.path.expanduser("~/nowhere/typo")
    path = jsonl(
        tmp_path / "p" / "x" / "s1.jsonl",
        [
            user("s1", "09:00:00.000", "hello", cwd=folder),
            assistant("s1", "09:00:01.000", "msg_T", TEXT, usage(1, 1), cwd=folder),
        ],
    )
    result = imp(config, str(path))
    assert result.code == 1
    assert (
        "not imported: claude_code_projects['~/nowhere/typo']: no definitive article named"
        in result.err
    )
    assert "did you mean: Grading an article" in result.err
    assert not (vault / "meta").exists()


def test_a_subagent_file_alone_is_not_a_run(imported, tmp_path: Path) -> None:
    _vault, config = make(tmp_path)
    alone = imported[3] / "-home-dana-agents-jennifer" / S1 / "subagents" / "agent-a1b2c3.jsonl"
    result = imp(config, str(alone), "-v")
    assert "counts with its session" in result.out and result.code == 0


def test_a_model_with_no_price_fails_closed(tmp_path: Path) -> None:
    vault, config = make(tmp_path)
    path = jsonl(
        tmp_path / "p" / "s.jsonl",
        [
            user("s", "09:00:00.000", "hello"),
            assistant("s", "09:00:01.000", "msg_U", TEXT, usage(100, 10), model="claude-mystery-9"),
        ],
    )
    result = imp(config, str(path), "--article", "Grading an article")
    assert result.code == 1 and "no price known for model 'claude-mystery-9'" in result.err
    assert not (vault / "meta").exists()


def test_one_hour_cache_writes_are_priced_apart(tmp_path: Path) -> None:
    vault, config = make(tmp_path)
    path = jsonl(
        tmp_path / "p" / f"{S3}.jsonl",
        [
            user(S3, "09:00:00.000", "Grade the long draft"),
            assistant(
                S3, "09:00:30.000", "msg_H", TEXT, usage(2, 500, read=4_000, w5=1_000, w1=2_000)
            ),
        ],
    )
    result = imp(config, str(path), "--article", "Grading an article")
    assert result.code == 0, result.err
    meta = frontmatter(_note(vault, f"claude-code:{S3}")[1])
    assert (meta["tokens_cache_write_5m"], meta["tokens_cache_write_1h"]) == (1_000, 2_000)
    # $6 a million for 1-hour writes, $3.75 for 5-minute ones: 0.024456, not 0.019956.
    assert meta["cost_usd"] == round(
        (2 * 3 + 1_000 * 3.75 + 2_000 * 6 + 4_000 * 0.30 + 500 * 15) / 1e6, 6
    )
    assert meta["cost_usd"] == 0.024456


@pytest.fixture(scope="module")
def site(imported, first, tmp_path_factory: pytest.TempPathFactory):
    _root, vault, config, _projects = imported
    settings = settings_for(vault, tmp_path_factory.mktemp("site") / "site", config=config)
    build(settings)
    return settings


def test_imported_runs_show_on_the_track_records(site) -> None:
    docs = site.docs_dir
    article = (docs / "articles" / "grading-an-article.md").read_text(encoding="utf-8")
    # The run is evidence, marked unknown, with its exact cost; no rate counts it.
    rows = article.split("<tr>")  # the Evidence table (HTML in the docs tree)
    row = next(r for r in rows if "<td>2026-11-20</td>" in r and ">Jennifer Grade" in r)
    assert "dfn-unknown" in row and "25,512" in row and "$0.038" in row
    page = (site.site_dir / "articles" / "grading-an-article" / "index.html").read_text(
        encoding="utf-8"
    )
    assert "Grade Harbor post" in page and "dfn-mark dfn-unknown" in page
    panel = (docs / "articles" / "building-a-knowledge-panel.md").read_text(encoding="utf-8")
    assert panel.count("dfn-badge dfn-unknown") == 2
    runs = list((site.site_dir / "meta").glob("*/index.html"))
    assert len(runs) == 3
    for page_path in runs:
        html = page_path.read_text(encoding="utf-8")
        assert "sk-ant-" not in html and "%% definitive" not in html


def test_a_strange_file_name_still_gives_a_safe_source(tmp_path: Path) -> None:
    vault, config = make(tmp_path)
    stem = 'my "session" %% \u202e'
    path = jsonl(
        tmp_path / "p" / f"{stem}.jsonl",
        [
            user(stem, "09:00:00.000", "Grade it"),
            assistant(stem, "09:00:01.000", "msg_W", TEXT, usage(3, 4)),
        ],
    )
    result = imp(config, str(path), "--article", "Grading an article")
    assert result.code == 0, result.err
    (text,) = meta_files(vault).values()
    source = frontmatter(text)["source"]
    assert re.fullmatch(r"claude-code:mysession-[0-9a-f]{12}", source)
    assert text.count("%%") == 2  # only the marker line's own comment
    again = imp(config, str(path), "--article", "Grading an article")
    assert "0 created, 0 updated, 1 unchanged" in again.out
