"""`definitive import otel`: OTLP JSON files as the collector's file exporter writes them,
built here: agent spans and plain traces, the conventions' and Claude Code's attribute names,
cached tokens, given costs; checked to the token and the cent, for what is never copied, and
for idempotence."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.ingest_helpers import Ran, frontmatter, make, meta_files, run

T1 = "4bf92f3577b34da6a3ce929d0e0e4736"
T2 = "0af7651916cd43dd8448eb211c80319c"
T3 = "a3ce929d0e0e47364bf92f3577b34da6"
A1, A2 = "00f067aa0ba902b7", "b7ad6b7169203331"
BASE = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
SECRET = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"


def at(seconds: float) -> str:
    return str(int((BASE + dt.timedelta(seconds=seconds)).timestamp() * 1e9))


def attr(key: str, value) -> dict:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}  # int64: a string in OTLP JSON
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    if isinstance(value, list):
        return {
            "key": key,
            "value": {"arrayValue": {"values": [{"stringValue": v} for v in value]}},
        }
    return {"key": key, "value": {"stringValue": value}}


def span(trace, ident, parent, name, start, end, error=False, **attributes) -> dict:
    record = {
        "traceId": trace,
        "spanId": ident,
        "name": name,
        "kind": 3,
        "startTimeUnixNano": at(start),
        "endTimeUnixNano": at(end),
        "attributes": [attr(k.replace("__", "."), v) for k, v in attributes.items()],
        "status": {"code": 2, "message": "boom"} if error else {},
    }
    if parent:
        record["parentSpanId"] = parent
    return record


def document(service: str, *spans: dict) -> dict:
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [attr("service.name", service)]},
                "scopeSpans": [{"scope": {"name": "test", "version": "1"}, "spans": list(spans)}],
            }
        ]
    }


def chat(trace, ident, parent, start, end, **attributes) -> dict:
    return span(
        trace,
        ident,
        parent,
        "chat claude",
        start,
        end,
        gen_ai__operation__name="chat",
        gen_ai__provider__name="anthropic",
        **attributes,
    )


def agents_file(path: Path) -> Path:
    """T1: an HTTP request in which two agents ran (Jennifer, then Ethan); T3: no GenAI."""
    agent1 = span(
        T1,
        A1,
        "1111111111111111",
        "invoke_agent Jennifer",
        1,
        43.4,
        gen_ai__operation__name="invoke_agent",
        gen_ai__agent__name="Jennifer",
        gen_ai__usage__input_tokens=99_999,
        gen_ai__usage__output_tokens=9_999,
    )
    c1 = chat(
        T1,
        "c100000000000001",
        A1,
        2,
        10,
        gen_ai__request__model="claude-sonnet-4-5",
        gen_ai__response__model="claude-sonnet-4-5-20250929",
        gen_ai__usage__input_tokens=5_300,
        gen_ai__usage__cache_read__input_tokens=5_000,
        gen_ai__usage__cache_creation__input_tokens=200,
        gen_ai__usage__output_tokens=400,
        gen_ai__input__messages=json.dumps(
            [
                {
                    "role": "user",
                    "parts": [{"type": "text", "content": f"use token {SECRET} to grade the post"}],
                }
            ]
        ),
    )
    c2 = chat(
        T1,
        "c200000000000002",
        A1,
        12,
        20,
        gen_ai__request__model="claude-sonnet-4-5",
        gen_ai__usage__input_tokens=50,
        gen_ai__usage__cache_read_input_tokens=3_000,
        gen_ai__usage__output_tokens=120,
    )
    c3 = chat(
        T1,
        "c300000000000003",
        A1,
        21,
        30,
        gen_ai__request__model="claude-mystery-9",
        gen_ai__usage__input_tokens=1_000,
        gen_ai__usage__output_tokens=100,
        gen_ai__usage__cost=0.5,
    )
    failed_tool = span(
        T1,
        "e100000000000001",
        A1,
        "execute_tool fetch_rubric",
        11,
        11.5,
        True,
        gen_ai__operation__name="execute_tool",
        gen_ai__tool__name="fetch_rubric",
        error__type="timeout",
    )
    root = span(T1, "1111111111111111", None, "POST /grade", 0, 60, http__route="/grade")
    agent2 = span(
        T1,
        A2,
        "1111111111111111",
        "invoke_agent Ethan",
        44,
        58,
        gen_ai__operation__name="invoke_agent",
        gen_ai__agent__name="Ethan",
    )
    c4 = chat(
        T1,
        "c400000000000004",
        A2,
        45,
        57,
        gen_ai__request__model="claude-haiku-4-5",
        gen_ai__usage__input_tokens=2_000,
        gen_ai__usage__cache_read__input_tokens=1_500,
        gen_ai__usage__cache_write__input_tokens=100,
        gen_ai__usage__output_tokens=300,
    )
    http_only = span(T3, "9999999999999999", None, "GET /health", 0, 1, http__route="/health")
    lines = [
        document("grader", root, agent1, c1, c2),
        {"resourceLogs": [{"resource": {}, "scopeLogs": []}]},
        document("grader", c2, c3, failed_tool),  # c2 exported twice: counted once
        "{truncated",
        document("grader", agent2, c4, http_only),
    ]
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n")
    return path


def claude_code_file(path: Path) -> Path:
    """T2: Claude Code's own spans (flat attribute names, cost_usd), one pretty document."""
    interaction = span(
        T2, "d000000000000001", None, "claude_code.interaction", 0, 90, session__id="abc"
    )
    l1 = span(
        T2,
        "d000000000000002",
        "d000000000000001",
        "claude_code.llm_request",
        1,
        40,
        model="claude-opus-4-1",
        gen_ai__system="anthropic",
        input_tokens=3,
        output_tokens=200,
        cache_read_tokens=9_000,
        cache_creation_tokens=1_000,
        cost_usd=0.0123,
    )
    l2 = span(
        T2,
        "d000000000000003",
        "d000000000000001",
        "claude_code.llm_request",
        41,
        80,
        model="claude-sonnet-4-5",
        input_tokens=10,
        output_tokens=50,
    )
    tool = span(
        T2, "d000000000000004", "d000000000000001", "claude_code.tool", 40, 41, tool_name="Bash"
    )
    path.write_text(json.dumps(document("claude-code", interaction, l1, l2, tool), indent=2))
    return path


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("otel")
    vault, config = make(root)
    agents = agents_file(root / "traces.jsonl")
    cc = claude_code_file(root / "claude-code.json")
    first = run("import", "otel", str(agents), "--config", str(config), "-v")
    second = run(
        "import",
        "otel",
        str(cc),
        "--config",
        str(config),
        "--article",
        "Grading an article",
        "--agent",
        "Cam",
        "--outcome",
        "success",
    )
    return vault, config, agents, cc, first, second


def _note(vault: Path, source: str) -> tuple[str, dict, str]:
    ((name, text),) = [(n, t) for n, t in meta_files(vault).items() if f'source: "{source}"' in t]
    return name, frontmatter(text), text


def test_each_agent_span_is_a_run_counted_at_its_model_calls(imported) -> None:
    vault, _config, _agents, _cc, first, _second = imported
    assert first.code == 0, first.err
    _name, meta, text = _note(vault, f"otel:{T1}/{A1}")
    assert meta["article"] == "[[Grading an article]]" and meta["agent"] == "[[Jennifer]]"
    # c1: 5,300 in, the cached 5,200 included (the conventions); c2: Anthropic's own 50, the
    # 3,000 cached added (it cannot include them); c3: 1,000. The agent span's own 99,999
    # repeats its children's: not counted. c2, exported twice, counts once.
    assert meta["tokens_in"] == 5_300 + 3_050 + 1_000
    assert meta["tokens_out"] == 400 + 120 + 100
    assert (meta["tokens_in_uncached"], meta["tokens_cache_read"]) == (100 + 50 + 1_000, 8_000)
    assert meta["tokens_cache_write_5m"] == 200
    sonnet = (100 * 3 + 200 * 3.75 + 5_000 * 0.30 + 400 * 15) / 1e6 + (
        50 * 3 + 3_000 * 0.30 + 120 * 15
    ) / 1e6
    assert meta["cost_usd"] == round(sonnet + 0.5, 6) == 0.5114  # c3's cost as given
    assert meta["duration_s"] == 42 and meta["started"] == "2026-11-20T09:00:01Z"
    assert meta["outcome"] == "unknown"
    assert sorted(meta["models"]) == [
        "claude-mystery-9",
        "claude-sonnet-4-5",
        "claude-sonnet-4-5-20250929",
    ]
    assert "Tools used: `fetch_rubric` × 1." in text
    assert "Spans that ended in an error: 1 (`timeout`)." in text
    _name, ethan, _text = _note(vault, f"otel:{T1}/{A2}")
    assert ethan["agent"] == "[[Ethan]]" and ethan["article"] == "[[Building a knowledge panel]]"
    assert (ethan["tokens_in"], ethan["tokens_out"]) == (2_000, 300)
    # The newer name of cache writes (gen_ai.usage.cache_write.input_tokens) is read too.
    assert (ethan["tokens_in_uncached"], ethan["tokens_cache_write_5m"]) == (400, 100)
    assert ethan["cost_usd"] == round((400 * 1 + 100 * 1.25 + 1_500 * 0.10 + 300 * 5) / 1e6, 6)


def test_claude_code_spans_add_the_cached_tokens_and_keep_their_cost(imported) -> None:
    vault, _config, _agents, _cc, _first, second = imported
    assert second.code == 0, second.err
    _name, meta, text = _note(vault, f"otel:{T2}")
    assert (meta["article"], meta["agent"], meta["outcome"]) == (
        "[[Grading an article]]",
        "[[Cam]]",
        "success",
    )
    assert meta["tokens_in"] == 3 + 9_000 + 1_000 + 10 and meta["tokens_out"] == 250
    assert meta["cost_usd"] == round(0.0123 + (10 * 3 + 50 * 15) / 1e6, 6) == 0.01308
    assert meta["model"] == "claude-opus-4-1" and meta["duration_s"] == 90
    assert "Tools used: `Bash` × 1." in text


def test_what_is_not_a_run_is_passed_over_and_counted(imported) -> None:
    vault, _config, _agents, _cc, first, _second = imported
    assert "3 created, 0 updated, 0 unchanged" not in first.out  # two agent runs, not three
    assert "2 created, 0 updated, 0 unchanged" in first.out
    assert "1 trace without token usage passed over" in first.out
    assert "1 document without spans (logs or metrics) passed over" in first.out
    assert "skipped 1 unreadable line or span" in first.out
    assert len(meta_files(vault)) == 3


def test_no_span_content_or_secret_is_copied(imported) -> None:
    vault = imported[0]
    everything = "\n".join(meta_files(vault).values())
    assert SECRET not in everything and "grade the post" not in everything
    assert "boom" not in everything and "/grade" not in everything


def test_importing_again_changes_nothing(imported) -> None:
    vault, config, agents, cc, _first, _second = imported
    before = meta_files(vault)
    again: Ran = run("import", "otel", str(agents), str(cc), "--config", str(config))
    # cc's run now has no --article: its spans name no agent, so it is passed over, and its
    # note stays as it was.
    assert "0 created, 0 updated, 2 unchanged" in again.out, again.out
    assert meta_files(vault) == before
    later = run("import", "otel", str(agents), "--config", str(config), "--since", "2026-11-21")
    assert "2 older than --since" in later.out


def test_a_missing_file_is_a_usage_error(imported, tmp_path: Path) -> None:
    _vault, config = make(tmp_path)
    result = run("import", "otel", str(tmp_path / "nope.json"), "--config", str(config))
    assert result.code == 2 and "no such file" in result.err
