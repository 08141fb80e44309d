"""The Anthropic consolidator, driven through the real SDK with a mock transport: answers shaped
like the Messages and Message Batches APIs, errors included. No test touches the network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from contextlib import nullcontext
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anthropic
import httpx2
import pytest

from generator.config import load_settings
from generator.consolidate.anthropic_client import AnthropicConsolidator, Limits
from generator.consolidate.engine import consolidate
from generator.consolidate.prices import PRICES, PRICES_TAKEN, Price
from generator.errors import UsageError
from tests.consolidate_helpers import (
    ARTICLE,
    ARTICLE_TEXT,
    NEW,
    as_machine_written,
    audit_lines,
    bread_vault,
    meta,
)

TEA = "articles/Making tea.md"
TEA_TEXT = ARTICLE_TEXT.replace("Baking bread", "Making tea").replace("Ann bakes", "Bo brews")
TEA_NEW = "2026-01-05 Bo brews green"
RULE = "---\ntype: rule\ntitle: House style\n---\n# House style\n\nWrite plainly, RULE-MARKER.\n"

SECRETS = {
    "anthropic": "sk-ant-api03-" + "Zx9" * 30,
    "aws": "AKIA" + "QWERTYUIOPASDFGH",
    "github": "ghp_" + "a1B2c3D4e5" * 4,
    "pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7secretbody\n"
    "-----END RSA PRIVATE KEY-----",
    "url": "postgres://admin:hunter2pass@db.internal/prod",
    "email": "dana.private@client.example",
}


def vault_files() -> dict[str, str | bytes]:
    files = bread_vault()
    files[TEA] = TEA_TEXT
    files["meta/2026-01-01 Bo brews.md"] = meta("2026-01-01 Bo brews", ["x"]).replace(
        "[[Baking bread]]", "[[Making tea]]"
    )
    files[f"meta/{TEA_NEW}.md"] = meta(TEA_NEW, ["Green tea wants 80 C water."]).replace(
        "[[Baking bread]]", "[[Making tea]]"
    )
    files["rules/House style.md"] = RULE
    return files


def message(answer: object, usage: dict[str, int] | None = None, stop: str = "end_turn") -> dict:
    text = answer if isinstance(answer, str) else json.dumps(answer)
    return {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-5-5",
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 1000,
            "output_tokens": 300,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            **(usage or {}),
        },
    }


def error(status: int, kind: str, text: str, headers: dict[str, str] | None = None):
    body = {"type": "error", "error": {"type": kind, "message": text}, "request_id": "req_011"}
    return httpx2.Response(status, json=body, headers=headers or {})


class FakeAPI:
    """Answers each request with the next scripted response (then ``default``, if given, for
    ever), and keeps every request body and the timeout the client gave it."""

    def __init__(self, *responses: object, default: object = None) -> None:
        self.responses = list(responses)
        self.default = default
        self.requests: list[tuple[str, str, str]] = []
        self.timeouts: list[float] = []

    def handler(self, request: httpx2.Request) -> httpx2.Response:
        body = request.content.decode("utf-8") if request.content else ""
        self.requests.append((request.method, request.url.path, body))
        self.timeouts.append(request.extensions["timeout"]["read"])
        answer = self.responses.pop(0) if self.responses or self.default is None else self.default
        if callable(answer):
            answer = answer(request)
        if isinstance(answer, httpx2.Response):
            return answer
        if isinstance(answer, bytes):
            return httpx2.Response(200, content=answer)
        return httpx2.Response(200, json=answer, headers={"request-id": "req_011"})

    def client(self) -> anthropic.Anthropic:
        transport = httpx2.MockTransport(self.handler)
        return anthropic.Anthropic(
            api_key="test", http_client=anthropic.DefaultHttpxClient(transport=transport)
        )

    def bodies(self) -> list[dict]:
        return [json.loads(b) for m, _, b in self.requests if m == "POST" and b]


@pytest.fixture
def kitchen(make_vault, tmp_path):
    vault = make_vault(vault_files())
    as_machine_written(vault)
    as_machine_written(vault, TEA)
    return vault, load_settings(vault=vault, site_dir=tmp_path / "site")


def run(settings, api: FakeAPI, **kw) -> object:
    # budget=1: every article in a request of its own (the split a small
    # consolidation_request_tokens makes), as a test of one article's answer at a time needs.
    limits = Limits(
        max_cost_usd=kw.pop("cap", None), poll_s=0, request_tokens=kw.pop("budget", 40_000)
    )
    model = kw.pop("model", "claude-sonnet-5-5")
    consolidator = AnthropicConsolidator(api.client(), model, limits, sleep=lambda s: None, **kw)
    return consolidate(settings, consolidator)


def text_of(vault: Path, rel: str) -> str:
    return (vault / rel).read_text(encoding="utf-8")


def reply(ops: list[dict], article: str = "A1") -> dict:
    """An answer giving ``ops`` for one article of the request (``A1``: its first)."""
    return {"articles": [{"article": article, "ops": ops}]}


def both(bread: dict, tea: dict) -> dict:
    """One answer for the bread (A1) and tea (A2) articles of one request."""
    groups = bread["articles"] + [{**g, "article": "A2"} for g in tea["articles"]]
    return {"articles": groups}


BREAD_OPS = reply([{"op": "add_learning", "text": "Rye is wetter.", "sources": [NEW]}])
# As a model may answer: a wikilink, another case, a .md suffix; all mean the same meta article.
TEA_OPS = reply(
    [{"op": "confirm_learning", "target": "L1", "sources": [f"[[{TEA_NEW.lower()}.md]]"]}]
)


def test_answers_are_applied_and_priced_exactly_with_cache_accounting(kitchen):
    vault, settings = kitchen
    api = FakeAPI(
        message(BREAD_OPS, {"input_tokens": 1000, "cache_creation_input_tokens": 2000}),
        message(
            TEA_OPS, {"input_tokens": 800, "output_tokens": 200, "cache_read_input_tokens": 2000}
        ),
    )
    report = run(settings, api, budget=1)  # two requests: the second reads the cache
    assert report.rejected == []
    assert "- Rye is wetter. ([[2026-01-02 Ann bakes rye]]) ^l-rye-wetter" in text_of(
        vault, ARTICLE
    )
    assert f"[[2026-01-01 Bo brews]], [[{TEA_NEW}]]) ^l-feed-early" in text_of(vault, TEA)
    # Sonnet 5.5: $2 in, $10 out, cache write $2.50, cache read $0.10 per million tokens.
    assert report.cost_usd == pytest.approx(0.01 + 0.0038)
    assert report.usage.cache_read_input_tokens == 2000
    logged = [e for e in audit_lines(vault) if e["event"] == "article"]
    assert [e["usage"]["cache_creation_input_tokens"] for e in logged] == [2000, 0]
    assert logged[0]["cost_usd"] == pytest.approx(0.01)
    run_meta = next((vault / "meta").glob("* Consolidator run *.md")).read_text()
    assert "cost_usd: 0.0138\n" in run_meta and "model: claude-sonnet-5-5\n" in run_meta
    assert "tokens_in: 5800\n" in run_meta and "tokens_out: 500\n" in run_meta


def test_one_request_carries_every_ready_article_uncached(kitchen):
    vault, settings = kitchen
    api = FakeAPI(message(both(BREAD_OPS, TEA_OPS)))
    report = run(settings, api)
    assert report.rejected == []
    (body,) = api.bodies()
    # One request a night: nothing would read a cache entry, so none is written (at 1.25x).
    assert "cache_control" not in body["system"][-1]
    assert "RULE-MARKER" in body["system"][0]["text"]
    assert body["output_config"]["format"]["type"] == "json_schema"
    # Room in the answer for each article's ops.
    assert body["model"] == "claude-sonnet-5-5" and body["max_tokens"] == 2 * 4096
    user = body["messages"][0]["content"]
    bread, tea = user.split('<article id="A2" title="Making tea">')
    assert bread.startswith('<article id="A1" title="Baking bread">')
    assert "L1: Feed the starter twelve hours before mixing." in bread
    assert f'<meta_article name="{NEW}"' in bread and TEA_NEW not in bread
    assert "> - Rye needs a wetter dough than wheat" in bread  # quoted, line by line
    assert f'<meta_article name="{TEA_NEW}"' in tea and NEW not in tea
    assert "^l-feed-early" not in user  # block ids never shown
    assert "Rye is wetter." in text_of(vault, ARTICLE)
    assert f"[[{TEA_NEW}]]) ^l-feed-early" in text_of(vault, TEA)
    # The request's usage is shared between the two articles, to the token.
    logged = [e for e in audit_lines(vault) if e["event"] == "article"]
    assert {e["request_id"] for e in logged} == {"msg_01XFDUDYJgAACzvnptvVoYEL"}
    assert sum(e["usage"]["input_tokens"] for e in logged) == 1000
    assert all(e["usage"]["input_tokens"] > 0 for e in logged)
    assert report.cost_usd == pytest.approx((1000 * 2 + 300 * 10) / 1e6)


def test_one_articles_rejected_or_held_answer_never_holds_back_anothers(kitchen):
    vault, settings = kitchen
    # Bread: five of its six items rewritten at once (held for review) and an op whose text
    # holds HTML (rejected). Tea, in the same answer: a good confirmation, which lands.
    destructive = reply(
        [
            {"op": "deprecate_learning", "target": "L1", "reason": "old", "sources": [NEW]},
            {"op": "deprecate_learning", "target": "L2", "reason": "old", "sources": [NEW]},
            {"op": "amend_step", "target": "S1", "text": "Feed it.", "sources": [NEW]},
            {"op": "amend_step", "target": "S2", "text": "Mix it.", "sources": [NEW]},
            {"op": "amend_step", "target": "S3", "text": "Bake it.", "sources": [NEW]},
            {"op": "add_learning", "text": "<b>Rye</b> is wetter.", "sources": [NEW]},
        ]
    )
    report = run(settings, FakeAPI(message(both(destructive, TEA_OPS))))
    assert text_of(vault, ARTICLE) == ARTICLE_TEXT
    assert f"[[2026-01-01 Bo brews]], [[{TEA_NEW}]]) ^l-feed-early" in text_of(vault, TEA)
    bread = next(a for a in report.articles if a.path == ARTICLE)
    assert bread.held and "it would change 5 of the article's 6 items" in bread.held
    assert bread.proposal_id is not None  # waits for `definitive approve`
    assert [r.index for r in bread.rejected_ops] == [6] and "HTML" in bread.rejected_ops[0].reason
    merged = json.loads((vault / ".definitive" / "ledger.json").read_text())["merged"]
    assert f"meta/{TEA_NEW}.md" in merged and f"meta/{NEW}.md" not in merged


def test_ops_for_an_article_the_request_did_not_name_are_rejected(kitchen):
    vault, settings = kitchen
    stray = reply([{"op": "add_learning", "text": "Rye is wetter.", "sources": [NEW]}], "A7")
    answer = {"articles": stray["articles"] + both(reply([]), TEA_OPS)["articles"][1:]}
    report = run(settings, FakeAPI(message(answer)))
    assert text_of(vault, ARTICLE) == ARTICLE_TEXT  # A7 is no article: nothing lands
    assert f"[[{TEA_NEW}]]) ^l-feed-early" in text_of(vault, TEA)
    (bread,) = report.rejected
    assert bread.path == ARTICLE and bread.waiting == [NEW]
    (rejected,) = bread.rejected_ops
    assert rejected.reason == "names article 'A7', which is not in this request"
    entry = next(e for e in audit_lines(vault) if e.get("article") == ARTICLE)
    assert entry["ops"][0]["reason"] == rejected.reason
    # The model is told, with the next request for the bread article.
    again = FakeAPI(message(BREAD_OPS))
    run(settings, again)
    assert "names article 'A7'" in again.bodies()[0]["messages"][0]["content"]
    assert "Rye is wetter." in text_of(vault, ARTICLE)


def test_a_truncated_answer_leaves_every_article_it_covered_pending(kitchen):
    vault, settings = kitchen
    cut = message('{"articles": [{"article": "A1", "ops": [{"op": "add_le', stop="max_tokens")
    report = run(settings, FakeAPI(cut))
    assert {a.path: a.rejected for a in report.rejected} == {
        ARTICLE: "answer truncated (stop_reason max_tokens)",
        TEA: "answer truncated (stop_reason max_tokens)",
    }
    assert text_of(vault, ARTICLE) == ARTICLE_TEXT and text_of(vault, TEA) == TEA_TEXT
    again = FakeAPI(message(both(BREAD_OPS, TEA_OPS)))
    assert run(settings, again).rejected == []
    assert "Rye is wetter." in text_of(vault, ARTICLE)


def test_the_schema_gives_each_op_kind_exactly_the_shape_the_validator_needs():
    from generator.consolidate.edits import ANSWER_SCHEMA, MAX_TEXT, SPECS
    from generator.consolidate.prompt import INSTRUCTIONS

    group = ANSWER_SCHEMA["properties"]["articles"]["items"]
    assert group["properties"]["article"]["pattern"] == "^A[1-9][0-9]*$"
    variants = group["properties"]["ops"]["items"]["anyOf"]
    defs = ANSWER_SCHEMA["$defs"]
    for kind, spec in SPECS.items():
        (variant,) = [
            v for v in variants if kind in v["properties"]["op"].get("enum", [])
            or v["properties"]["op"].get("const") == kind
        ]  # fmt: skip
        assert variant["additionalProperties"] is False and variant["type"] == "object"
        target = ["target"] if spec.target else []
        assert variant["required"] == ["op", "sources", *target, *spec.needs], kind
        assert set(variant["properties"]) == {"op", "sources", *target, *spec.needs,
                                              *spec.optional}, kind  # fmt: skip
        if spec.target:
            pattern = defs[variant["properties"]["target"]["$ref"].rsplit("/", 1)[1]]["pattern"]
            assert pattern == f"^{spec.target}[1-9][0-9]*$", kind
    assert defs["sources"]["minItems"] == 1
    # What the schema subset cannot say, the instructions do (and check_shape enforces).
    assert f"at most {MAX_TEXT} characters" in INSTRUCTIONS
    assert all(kind in INSTRUCTIONS for kind in SPECS)


def test_the_budget_packs_articles_into_as_few_requests_as_fit():
    from generator.consolidate.article import parse_article
    from generator.consolidate.prompt import article_part, batches
    from generator.consolidate.proposal import ArticleInput

    items = [
        ArticleInput(f"articles/{n}.md", n, ARTICLE_TEXT, parse_article(ARTICLE_TEXT), [])
        for n in ("a", "b", "c")
    ]
    each = len(json.dumps(article_part("A99", items[0]))) // 3 + 1
    fixed = 1000
    assert [len(g) for g in batches(items, fixed, fixed + 3 * each)] == [3]
    assert [len(g) for g in batches(items, fixed, fixed + 2 * each)] == [2, 1]
    # An article bigger than the budget on its own still goes, alone.
    assert [len(g) for g in batches(items, fixed, 1)] == [1, 1, 1]


def test_past_the_budget_requests_split_and_share_a_cached_prefix(kitchen):
    _, settings = kitchen
    api = FakeAPI(message(BREAD_OPS), message(TEA_OPS))
    report = run(settings, api, budget=1)
    assert report.rejected == []
    first, second = api.bodies()
    assert first["system"] == second["system"]  # identical prefix: the cache can serve it
    assert first["system"][-1]["cache_control"] == {"type": "ephemeral"}
    assert first["max_tokens"] == 4096
    assert first["messages"][0]["content"].count("<article ") == 1


def test_every_op_type_from_a_model_answer(kitchen):
    vault, settings = kitchen
    # Five of the article's six items change here: more than the wholesale guard lets land
    # unreviewed (test_a_wholesale_answer_waits_for_review), so this vault allows it.
    settings.options.max_change_share = 1.0
    ops = reply(
        [
            {"op": "add_learning", "text": "Rye is wetter.", "sources": [NEW]},
            {"op": "confirm_learning", "target": "L1", "sources": [NEW]},
            {
                "op": "update_learning",
                "target": "L2",
                "text": "Use a lidded pot.",
                "sources": [NEW],
            },
            {"op": "deprecate_learning", "target": "L1", "reason": "too slow", "sources": [NEW]},
            {
                "op": "contradict_learning",
                "target": "L2",
                "reason": "not for rye",
                "sources": [NEW],
            },
            {"op": "add_pitfall", "text": "Proofing rye too long.", "sources": [NEW]},
            {"op": "add_step", "after": 0, "text": "Weigh the flour.", "sources": [NEW]},
            {"op": "amend_step", "target": "S3", "text": "Bake at 240 C.", "sources": [NEW]},
            {"op": "noop", "reason": "rest is known", "sources": [NEW]},
        ]
    )
    report = run(settings, FakeAPI(message(both(ops, TEA_OPS))))
    assert report.rejected == []
    text = text_of(vault, ARTICLE)
    assert "- ~~Feed the starter twelve hours before mixing.~~ Deprecated: too slow (" in text
    # The contradicting run is cited apart from the support (proof/citations.py).
    assert "- Use a lidded pot. Contradicted: not for rye ([[2026-01-01 Ann bakes]])" in text
    assert " (contradicted by [[" in text
    assert "1. Weigh the flour. ([[" in text and "4. Bake at 240 C. ([[" in text
    assert "- Proofing rye too long. ([[" in text and "^l-rye-wetter" in text


INVALID = {
    "max_tokens": lambda: message(
        '{"articles": [{"article": "A1", "ops": [{"op": "add_lear', stop="max_tokens"
    ),
    "refusal": lambda: message("I can't help with that.", stop="refusal"),
    "malformed json": lambda: message(
        '{"articles": [{"article": "A1", "ops": [ {"op": "add_learning", '
    ),
    "not the schema": lambda: message(reply([{"op": "rewrite_article", "sources": [NEW]}])),
    "invented alias": lambda: message(
        reply([{"op": "confirm_learning", "target": "L99", "sources": [NEW]}])
    ),
    "block id as target": lambda: message(
        reply([{"op": "confirm_learning", "target": "l-feed-early", "sources": [NEW]}])
    ),
    "uncited": lambda: message(reply([{"op": "add_learning", "text": "x", "sources": []}])),
    "400": lambda: error(400, "invalid_request_error", "max_tokens: too large"),
}
PERSISTENT = {
    "500 every time": lambda r: error(500, "api_error", "Internal server error"),
    "529 overloaded": lambda r: error(529, "overloaded_error", "Overloaded"),
    "timeout": lambda r: (_ for _ in ()).throw(httpx2.ReadTimeout("timed out", request=r)),
}


@pytest.mark.parametrize("case", sorted(INVALID) + sorted(PERSISTENT))
def test_each_bad_answer_leaves_the_article_unchanged_and_pending(kitchen, case):
    vault, settings = kitchen
    # A persistent failure is answered three times: the SDK retries twice, then gives up.
    first = [INVALID[case]()] if case in INVALID else [PERSISTENT[case]] * 3
    api = FakeAPI(*first, message(TEA_OPS))
    report = run(settings, api, budget=1)
    assert text_of(vault, ARTICLE) == ARTICLE_TEXT
    bad = report.rejected
    assert [a.path for a in bad] == [ARTICLE]
    # A broken answer is rejected whole; a malformed op on its own (there is no other here).
    reasons = [bad[0].rejected] if bad[0].rejected else [r.reason for r in bad[0].rejected_ops]
    assert reasons and all(reasons)
    assert "Bo brews green" in text_of(vault, TEA)  # the other article still merged
    entry = next(e for e in audit_lines(vault) if e.get("article") == ARTICLE)
    assert entry["decision"] == "rejected"
    logged = [entry["reason"]] if entry["reason"] else [op["reason"] for op in entry["ops"]]
    assert logged == reasons
    # Still pending: the next run asks again, and a good answer merges it.
    again = FakeAPI(message(BREAD_OPS))
    assert run(settings, again).rejected == []
    assert "Rye is wetter." in text_of(vault, ARTICLE)


def test_429_is_retried_by_the_sdk(kitchen):
    _, settings = kitchen
    limited = error(429, "rate_limit_error", "slow down", {"retry-after": "1"})
    api = FakeAPI(limited, message(both(BREAD_OPS, TEA_OPS)))
    report = run(settings, api)
    assert report.rejected == []
    assert [p for _, p, _ in api.requests] == ["/v1/messages"] * 2


def test_secrets_private_notes_and_comments_never_leave_the_machine(make_vault, tmp_path):
    files = vault_files()
    leaky = "Learned a lot. " + " ".join(SECRETS.values())
    files[f"meta/{NEW}.md"] = meta(NEW, [f"Keys: {SECRETS['anthropic']} {SECRETS['aws']}"]).replace(
        "Baked a loaf.", leaky
    )
    files["meta/2026-01-03 Ann secret bake.md"] = meta(
        "2026-01-03 Ann secret bake", ["PRIVATE-MARKER recipe"], extra="publish: false\n"
    )
    files[ARTICLE] = ARTICLE_TEXT.replace("Human summary.", "Human summary. %%COMMENT-MARKER%%")
    # The second article of the same request: its meta article and its human section leak too.
    files[f"meta/{TEA_NEW}.md"] = files[f"meta/{TEA_NEW}.md"].replace(
        "Baked a loaf.", f"Brewed. Token {SECRETS['github']}, mail {SECRETS['email']}"
    )
    files[TEA] = TEA_TEXT.replace("Dana owns this section.", f"Ring {SECRETS['url']}")
    vault = make_vault(files)
    api = FakeAPI(message(both(BREAD_OPS, TEA_OPS)))
    run(load_settings(vault=vault, site_dir=tmp_path / "s"), api)
    (body,) = api.bodies()
    assert body["messages"][0]["content"].count("<article ") == 2  # both in the one request
    sent = "\n".join(body for _, _, body in api.requests)
    assert "[REDACTED:anthropic-api-key]" in sent and "[REDACTED:github-token]" in sent
    for name, secret in SECRETS.items():
        for piece in secret.splitlines():
            assert piece not in sent, name
    assert "MIIEowIBAAKCAQEA7secretbody" not in sent
    assert "hunter2pass" not in sent and "dana.private" not in sent
    assert "PRIVATE-MARKER" not in sent and "COMMENT-MARKER" not in sent


def test_cost_cap_stops_before_a_request_that_would_pass_it(kitchen):
    vault, settings = kitchen
    api = FakeAPI(message(BREAD_OPS, {"input_tokens": 1000}))
    # The first request's worst case (~$0.047: a 4,096-token answer, the prompt and schema at
    # the cache-write price) fits under $0.050; after its real cost ($0.005), the second's
    # worst case (~$0.047) no longer does.
    report = run(settings, api, cap=0.050, budget=1)
    assert len(api.requests) == 1
    assert [a.path for a in report.rejected] == [TEA]
    assert report.rejected[0].rejected.startswith("cost cap:")
    assert text_of(vault, TEA) == TEA_TEXT
    nothing = FakeAPI()
    report = run(settings, nothing, cap=0.001, budget=1)
    assert nothing.requests == [] and report.rejected[0].rejected.startswith("cost cap:")


def test_a_second_run_with_nothing_new_makes_no_request(kitchen):
    _, settings = kitchen
    run(settings, FakeAPI(message(both(BREAD_OPS, TEA_OPS))))
    idle = FakeAPI()
    report = run(settings, idle)
    assert idle.requests == [] and report.run_id is None


def test_unknown_model_fails_before_any_request(kitchen):
    _, settings = kitchen
    api = FakeAPI()
    with pytest.raises(UsageError, match="no price known for model 'claude-nope'"):
        run(settings, api, model="claude-nope")
    assert api.requests == []


# -- Message Batches -------------------------------------------------------------------------


def batch(status: str, done: int = 0) -> dict:
    return {
        "id": "msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d",
        "type": "message_batch",
        "processing_status": status,
        "request_counts": {
            "processing": 3 - done, "succeeded": done, "errored": 0, "canceled": 0, "expired": 0
        },
        "created_at": "2026-11-23T02:00:00Z",
        "expires_at": "2026-11-24T02:00:00Z",
        "ended_at": "2026-11-23T02:10:00Z" if status == "ended" else None,
        "archived_at": None,
        "cancel_initiated_at": None,
        "results_url": (
            "https://api.anthropic.com/v1/messages/batches/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d/results"
            if status == "ended"
            else None
        ),
    }  # fmt: skip


def test_batch_flow_with_out_of_order_errored_and_expired_results(make_vault, tmp_path):
    files = vault_files()
    files["articles/Making soup.md"] = ARTICLE_TEXT.replace("Baking bread", "Making soup")
    files["meta/2026-01-06 Cy cooks.md"] = meta("2026-01-06 Cy cooks", ["Salt late."]).replace(
        "[[Baking bread]]", "[[Making soup]]"
    )
    vault = make_vault(files)
    settings = load_settings(vault=vault, site_dir=tmp_path / "s")
    # Articles in path order, one request each: bread = request-0, soup = 1, tea = 2.
    lines = [
        {"custom_id": "request-1", "result": {"type": "expired"}},
        {"custom_id": "request-2", "result": {"type": "succeeded", "message": message(TEA_OPS)}},
        {
            "custom_id": "request-0",
            "result": {
                "type": "errored",
                "error": {
                    "type": "error",
                    "error": {"type": "overloaded_error", "message": "Overloaded"},
                },
            },
        },
    ]
    jsonl = "".join(json.dumps(line) + "\n" for line in lines).encode()
    api = FakeAPI(
        batch("in_progress"), batch("in_progress", 1), batch("ended", 3), batch("ended", 3), jsonl
    )
    ticks: list[int] = []

    def step(name: str, total: int | None):
        return nullcontext(ticks.append)

    report = run(settings, api, batch=True, step=step, budget=1)
    paths = [p for _, p, _ in api.requests]
    assert paths[0] == "/v1/messages/batches" and paths[-1].endswith("/results")
    created = api.bodies()[0]
    assert [r["custom_id"] for r in created["requests"]] == ["request-0", "request-1", "request-2"]
    assert sum(ticks) == 3
    assert f"[[{TEA_NEW}]]) ^l-feed-early" in text_of(vault, TEA)
    assert text_of(vault, ARTICLE) == ARTICLE_TEXT
    reasons = {a.path: a.rejected for a in report.rejected}
    assert reasons == {
        ARTICLE: "batch request errored: overloaded_error: Overloaded",
        "articles/Making soup.md": "batch request expired",
    }
    assert report.cost_usd == pytest.approx((1000 * 2 + 300 * 10) / 1e6 * 0.5)


def test_config_sets_model_and_cost_cap_and_rejects_bad_values(make_vault, tmp_path):
    vault = make_vault(vault_files())
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_name: t\nextra:\n  definitive:\n    model: claude-haiku-4-5\n    max_cost_usd: 2.5\n"
    )
    settings = load_settings(vault=vault, config=config, site_dir=tmp_path / "s")
    consolidator = AnthropicConsolidator.from_settings(settings)
    assert consolidator.model == "claude-haiku-4-5"
    assert consolidator.limits.max_cost_usd == 2.5
    assert AnthropicConsolidator.from_settings(settings, max_cost_usd=1).limits.max_cost_usd == 1
    config.write_text("site_name: t\nextra:\n  definitive:\n    max_cost_usd: lots\n")
    with pytest.raises(UsageError, match="max_cost_usd must be a number"):
        load_settings(vault=vault, config=config, site_dir=tmp_path / "s")


# -- the command line, against a local stand-in for the API (ANTHROPIC_BASE_URL) -------------


class LocalAPI(ThreadingHTTPServer):
    """A local HTTP server answering like the Messages API, for the CLI in a subprocess."""

    def __init__(self, *responses: dict) -> None:
        self.responses = list(responses)
        self.seen: list[tuple[str, dict[str, str], dict]] = []
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        server: LocalAPI = self.server  # type: ignore[assignment]
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        headers = {k.lower(): v for k, v in self.headers.items()}
        server.seen.append((self.path, headers, body))
        data = json.dumps(server.responses.pop(0)).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def cli(
    vault: Path, base_url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ, "ANTHROPIC_API_KEY": "sk-test", "ANTHROPIC_BASE_URL": base_url, **(env or {})
    }  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "generator", "consolidate", "--vault", str(vault), *args],
        capture_output=True, text=True, env=env | {"NO_COLOR": "1"}, timeout=120,
    )  # fmt: skip


def test_cli_uses_the_api_at_anthropic_base_url_and_reports_tokens_and_dollars(make_vault):
    vault = make_vault(vault_files())
    api = LocalAPI(message(both(BREAD_OPS, TEA_OPS), {"input_tokens": 3000, "output_tokens": 500}))
    try:
        result = cli(vault, api.url, "--model", "claude-haiku-4-5")
    finally:
        api.shutdown()
    assert result.returncode == 0, result.stderr
    assert [path for path, _, _ in api.seen] == ["/v1/messages"]  # one request for both
    headers = api.seen[0][1]
    assert "sk-test" in headers.get("x-api-key", "") + headers.get("authorization", "")
    assert api.seen[0][2]["model"] == "claude-haiku-4-5"
    # Each article's line shows its share of the one request, in proportion to its part.
    assert "Baking bread: 1 add learning from 2026-01-02 Ann bakes rye (" in result.stdout
    assert f"Making tea: 1 confirm learning from {TEA_NEW} (" in result.stdout
    # Haiku 4.5: (3000*1 + 500*5) / 1e6.
    assert "3000 tokens in" in result.stdout and "500 out, $0.0055" in result.stdout


def test_a_meta_article_no_op_cites_stays_pending(make_vault, tmp_path):
    files = vault_files()
    files["meta/2026-01-03 Ann bakes again.md"] = meta("2026-01-03 Ann bakes again", ["Same."])
    vault = make_vault(files)
    settings = load_settings(vault=vault, site_dir=tmp_path / "s")
    report = run(settings, FakeAPI(message(both(BREAD_OPS, TEA_OPS))))
    assert report.merged == 2
    bread = next(a for a in report.articles if a.path == ARTICLE)
    assert bread.waiting == ["2026-01-03 Ann bakes again"]
    entry = next(e for e in audit_lines(vault) if e.get("article") == ARTICLE)
    assert entry["merged"] == [f"meta/{NEW}.md"]
    again = FakeAPI(message(reply([{"op": "noop", "reason": "same", "sources": ["x"]}])))
    run(settings, again)
    (request,) = again.bodies()
    body = request["messages"][0]["content"]
    assert "Ann bakes again" in body and "no applied op cites it" in body


@pytest.mark.parametrize("point", ["after-answer:1", "after-ledger:1"])
def test_a_run_killed_after_its_answer_arrived_uses_it_and_never_asks_again(make_vault, point):
    # Killed once the answer for both articles is stored (before either is applied), or
    # once the first article is committed: the next run applies the stored answer and makes
    # no request, and the run's usage is counted once.
    vault = make_vault(vault_files())
    as_machine_written(vault)
    as_machine_written(vault, TEA)
    usage = {"input_tokens": 3000, "output_tokens": 500}
    api = LocalAPI(message(both(BREAD_OPS, TEA_OPS), usage))
    try:
        killed = cli(vault, api.url, env={"DEFINITIVE_KILL_AT": point})
    finally:
        api.shutdown()
    assert killed.returncode == -9 and len(api.seen) == 1
    idle = LocalAPI()
    try:
        resumed = cli(vault, idle.url)
    finally:
        idle.shutdown()
    assert resumed.returncode == 0, resumed.stderr
    assert idle.seen == []  # answered already, paid already
    assert "Rye is wetter." in text_of(vault, ARTICLE)
    assert f"[[{TEA_NEW}]]) ^l-feed-early" in text_of(vault, TEA)
    run_meta = next((vault / "meta").glob("* Consolidator run *.md")).read_text()
    assert "tokens_in: 3000\n" in run_meta and "tokens_out: 500\n" in run_meta


def test_cli_cost_cap_sends_nothing_that_could_pass_it(make_vault):
    vault = make_vault(vault_files())
    api = LocalAPI()
    try:
        result = cli(vault, api.url, "--max-cost-usd", "0.001")
    finally:
        api.shutdown()
    assert api.seen == []
    assert result.returncode == 1
    assert result.stdout.count("rejected: cost cap:") == 2
    assert text_of(vault, ARTICLE) == ARTICLE_TEXT


def test_batch_api_failure_and_overall_timeout_leave_everything_pending(kitchen):
    vault, settings = kitchen
    down = FakeAPI(*[lambda r: error(500, "api_error", "Internal server error")] * 3)
    report = run(settings, down, batch=True)
    assert {a.rejected for a in report.rejected} == {
        "batch API error 500 api_error: Internal server error"
    }
    assert len(report.rejected) == 2 and text_of(vault, ARTICLE) == ARTICLE_TEXT
    # With no time at all, not even the batch is sent.
    idle = FakeAPI()
    consolidator = AnthropicConsolidator(
        idle.client(), "claude-sonnet-5-5", Limits(timeout_s=0.0), batch=True
    )
    report = consolidate(settings, consolidator)
    assert idle.requests == [] and len(report.rejected) == 2
    assert {a.rejected for a in report.rejected} == {
        "overall timeout: consolidation_timeout_s (0 s) reached; the batch request was not sent"
    }
    assert text_of(vault, ARTICLE) == ARTICLE_TEXT and text_of(vault, TEA) == TEA_TEXT


# -- the deadline: consolidation_timeout_s bounds the run, retries included ------------------


class Clock:
    """A monotonic clock the test moves: sleeping advances it, and so does each request, by
    its latency, within the timeout the client gave it (then it times out, as httpx would)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def latency(self, seconds: float, answer):
        def respond(request: httpx2.Request):
            allowed = request.extensions["timeout"]["read"]
            self.now += min(seconds, allowed)
            if seconds > allowed:
                raise httpx2.ReadTimeout("stalled", request=request)
            return answer(request) if callable(answer) else answer

        return respond


def timed(settings, api: FakeAPI, clock: Clock, timeout_s: float, **kw):
    limits = Limits(
        timeout_s=timeout_s,
        poll_s=kw.pop("poll_s", 30.0),
        retries=kw.pop("retries", 2),
        request_tokens=kw.pop("budget", 40_000),
    )
    consolidator = AnthropicConsolidator(
        api.client(), "claude-sonnet-5-5", limits, sleep=clock.sleep, clock=clock, **kw
    )
    return consolidator, consolidate(settings, consolidator)


def assert_nothing_merged(vault: Path, report) -> None:
    assert text_of(vault, ARTICLE) == ARTICLE_TEXT and text_of(vault, TEA) == TEA_TEXT
    merged = json.loads((vault / ".definitive" / "ledger.json").read_text())["merged"]
    assert f"meta/{NEW}.md" not in merged and f"meta/{TEA_NEW}.md" not in merged
    assert {a.path for a in report.rejected} == {ARTICLE, TEA}


def test_529_for_ever_stops_at_the_deadline_with_every_wait_and_attempt_inside_it(kitchen):
    vault, settings = kitchen
    clock = Clock()
    overloaded = clock.latency(1.5, lambda r: error(529, "overloaded_error", "Overloaded"))
    api = FakeAPI(default=overloaded)
    consolidator, report = timed(settings, api, clock, 20.0, retries=100)
    # Many retries were allowed: only the deadline stopped them, and nothing ran past it.
    assert clock.now <= 20.0 and len(api.requests) > 4
    assert all(0 < t <= 20.0 for t in api.timeouts)
    assert_nothing_merged(vault, report)
    assert all(
        a.rejected.startswith("overall timeout: consolidation_timeout_s (20 s)")
        for a in report.rejected
    )
    assert consolidator.cut_short == (
        "consolidation_timeout_s (20 s) reached: 2 articles got no answer; their meta articles "
        "stay pending for the next run"
    )
    run_meta = next((vault / "meta").glob("* Consolidator run *.md")).read_text()
    assert "overall timeout" in run_meta and "stay pending" in run_meta


def test_each_attempt_gets_only_the_time_left_and_a_stalled_one_ends_the_run(kitchen):
    vault, settings = kitchen
    clock = Clock()
    api = FakeAPI(default=clock.latency(3600, message(BREAD_OPS)))  # answers after an hour
    _, report = timed(settings, api, clock, 45.0, budget=1)
    assert api.timeouts == [45.0] and clock.now == 45.0  # one attempt, cut at the deadline
    reasons = {a.path: a.rejected for a in report.rejected}
    assert reasons == {
        ARTICLE: "overall timeout: consolidation_timeout_s (45 s) reached waiting for the "
        "request (API request timed out)",
        TEA: "overall timeout: consolidation_timeout_s (45 s) reached; the request was not sent",
    }
    assert_nothing_merged(vault, report)


def test_retry_after_is_honoured_unless_it_would_pass_the_deadline(kitchen):
    vault, settings = kitchen
    clock = Clock()
    api = FakeAPI(
        error(429, "rate_limit_error", "slow down", {"retry-after": "5"}),
        message(BREAD_OPS),
        error(529, "overloaded_error", "Overloaded", {"retry-after-ms": "120000"}),
    )
    consolidator, report = timed(settings, api, clock, 60.0, budget=1)
    assert clock.slept == [5.0]  # waited as asked, then the answer came and was applied
    assert "Rye is wetter." in text_of(vault, ARTICLE)
    assert [a.path for a in report.rejected] == [TEA] and text_of(vault, TEA) == TEA_TEXT
    assert report.rejected[0].rejected == (
        "overall timeout: consolidation_timeout_s (60 s) would pass before the request could "
        "be retried (API error 529 overloaded_error: Overloaded; retry after 120.0 s)"
    )
    assert len(api.requests) == 3 and consolidator.cut_short is not None


def test_the_sdk_itself_never_retries_or_sleeps(kitchen, monkeypatch):
    _, settings = kitchen
    monkeypatch.setattr(
        anthropic._base_client.SyncAPIClient,
        "_sleep_for_retry",
        lambda *a, **k: pytest.fail("the SDK retried on its own"),
    )
    clock = Clock()
    api = FakeAPI(default=error(500, "api_error", "Internal server error"))
    _, report = timed(settings, api, clock, 600.0, budget=1)
    # Ours: 2 retries per request, with the SDK's backoff (0.5 s then 1 s, less jitter).
    assert len(api.requests) == 6 and len(clock.slept) == 4
    assert all(0.375 <= s <= 0.5 for s in clock.slept[::2]) and all(
        0.75 <= s <= 1 for s in clock.slept[1::2]
    )
    assert {a.rejected for a in report.rejected} == {
        "API error 500 api_error: Internal server error"
    }


def test_a_batch_is_polled_until_the_deadline_then_canceled(kitchen):
    vault, settings = kitchen
    clock = Clock()
    api = FakeAPI(*[batch("in_progress")] * 4, batch("canceling"))
    consolidator, report = timed(settings, api, clock, 100.0, batch=True)
    assert clock.slept == [30.0, 30.0, 30.0, 10.0] and clock.now == 100.0
    paths = [(m, p.rsplit("/", 1)[-1]) for m, p, _ in api.requests]
    assert paths[0] == ("POST", "batches") and paths[-1] == ("POST", "cancel")
    assert len(paths) == 5  # created, polled at 30, 60 and 90 s, canceled at 100 s
    assert {a.rejected for a in report.rejected} == {
        "overall timeout: consolidation_timeout_s (100 s) reached while batch "
        "msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d was processing; batch "
        "msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d canceled"
    }
    assert_nothing_merged(vault, report)
    assert (
        consolidator.cut_short is not None and "2 articles got no answer" in consolidator.cut_short
    )


def test_a_stalled_transport_is_cut_at_the_deadline_in_real_time(kitchen):
    """The hang guard with the real clock and sleep: an API that never answers in time."""
    vault, settings = kitchen

    def stall(request: httpx2.Request):
        time.sleep(min(30.0, request.extensions["timeout"]["read"]))
        raise httpx2.ReadTimeout("stalled", request=request)

    api = FakeAPI(default=stall)
    consolidator = AnthropicConsolidator(api.client(), "claude-sonnet-5-5", Limits(timeout_s=2))
    started = time.monotonic()
    report = consolidate(settings, consolidator)
    assert time.monotonic() - started < 2 + 20  # generous: a hang guard, not a benchmark
    assert all(t <= 2 for t in api.timeouts)
    assert_nothing_merged(vault, report)


class StallingAPI(ThreadingHTTPServer):
    """A local server that accepts requests and never answers (until the test ends)."""

    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        self.release = threading.Event()
        super().__init__(("127.0.0.1", 0), _Stall)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()


class _Stall(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.server.release.wait(120)  # type: ignore[attr-defined]

    def log_message(self, *args: object) -> None:
        pass


def test_cli_consolidation_timeout_bounds_a_run_against_a_stalled_api(make_vault, tmp_path):
    """The reported fault, end to end: `consolidation_timeout_s: 3` in mkdocs.yml, the real
    client and sockets, an API that never answers. The run ends soon after 3 s, says why, and
    changes no article."""
    vault = make_vault(vault_files())
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: t\nextra:\n  definitive:\n    consolidation_timeout_s: 3\n")
    api = StallingAPI()
    started = time.monotonic()
    try:
        result = cli(vault, api.url, "--config", str(config))
    finally:
        api.stop()
    elapsed = time.monotonic() - started
    assert elapsed < 3 + 30, elapsed  # Python start-up included; the fault took 36 s for 10
    assert result.returncode == 1, result.stderr
    assert "stopped early: consolidation_timeout_s (3 s) reached: 2 articles" in result.stderr
    assert "overall timeout" in result.stdout
    assert text_of(vault, ARTICLE) == ARTICLE_TEXT and text_of(vault, TEA) == TEA_TEXT


def test_a_batch_whose_status_cannot_be_read_is_canceled(kitchen):
    vault, settings = kitchen
    clock = Clock()
    api = FakeAPI(
        batch("in_progress"),
        error(404, "not_found_error", "no such batch"),
        batch("canceling"),
    )
    _, report = timed(settings, api, clock, 600.0, batch=True)
    assert [p.rsplit("/", 1)[-1] for _, p, _ in api.requests][-1] == "cancel"
    assert {a.rejected for a in report.rejected} == {
        "batch API error 404 not_found_error: no such batch; batch "
        "msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d canceled"
    }
    assert_nothing_merged(vault, report)


# -- prices: the built-in table, and a vault's own in mkdocs.yml ---------------------------


MY_MODEL = (
    "my-model: {input: 3.0, output: 15.0, cache_write_5m: 3.75, cache_write_1h: 6.0, "
    "cache_read: 0.30, batch_discount: 0.4}"
)


def priced_settings(make_vault, tmp_path, model: str, prices: str):
    vault = make_vault(vault_files())
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        f"site_name: t\nextra:\n  definitive:\n    model: {model}\n    model_prices:\n"
        + "".join(f"      {line}\n" for line in prices.splitlines())
    )
    return vault, load_settings(vault=vault, config=config, site_dir=tmp_path / "s")


def test_model_prices_in_mkdocs_yml_price_a_new_model_exactly(make_vault, tmp_path):
    vault, settings = priced_settings(make_vault, tmp_path, "my-model", MY_MODEL)
    consolidator = AnthropicConsolidator.from_settings(settings)
    usage = {
        "input_tokens": 1000,
        "output_tokens": 300,
        "cache_creation_input_tokens": 2000,
        "cache_creation": {"ephemeral_5m_input_tokens": 1500, "ephemeral_1h_input_tokens": 500},
        "cache_read_input_tokens": 4000,
    }
    api = FakeAPI(message(both(BREAD_OPS, TEA_OPS), usage))
    consolidator.client = api.client().with_options(max_retries=0)
    report = consolidate(settings, consolidator)
    assert json.loads(api.requests[0][2])["model"] == "my-model"
    # (1000*3 + 300*15 + 1500*3.75 + 500*6 (the 1-hour writes) + 4000*0.30) / 1e6
    assert report.cost_usd == pytest.approx(0.017325)
    run_meta = next((vault / "meta").glob("* Consolidator run *.md")).read_text()
    assert "cost_usd: 0.017325\n" in run_meta
    # Message Batches: this model's own discount (40% off).
    line = {
        "custom_id": "request-0",
        "result": {"type": "succeeded", "message": message(reply([]), usage)},
    }
    jsonl = (json.dumps(line) + "\n").encode()
    batched = FakeAPI(batch("ended", 3), batch("ended", 3), jsonl)
    consolidator = AnthropicConsolidator.from_settings(settings, batch=True)
    consolidator.client = batched.client().with_options(max_retries=0)
    (vault / f"meta/{NEW}.md").write_text(text_of(vault, f"meta/{NEW}.md") + "- More.\n")
    report = consolidate(settings, consolidator)
    assert report.cost_usd == pytest.approx(0.017325 * 0.6)


def test_a_built_in_price_can_be_corrected_and_dated_ids_find_their_model(make_vault, tmp_path):
    _, settings = priced_settings(
        make_vault, tmp_path, "claude-sonnet-5-5-20261001", "claude-sonnet-5-5: {cache_read: 0.05}"
    )
    consolidator = AnthropicConsolidator.from_settings(settings)
    assert consolidator.price == Price(2.0, 10.0, 2.5, 4.0, 0.05)  # only the cache read changed
    plain = AnthropicConsolidator.from_settings(settings, model="claude-haiku-4-5-20251001")
    assert plain.price == PRICES["claude-haiku-4-5"]


def test_an_unknown_model_with_a_cost_cap_is_refused_before_any_request(make_vault, tmp_path):
    _, settings = priced_settings(make_vault, tmp_path, "claude-sonnet-5-5", MY_MODEL)
    with pytest.raises(UsageError) as caught:
        AnthropicConsolidator.from_settings(settings, model="claude-nope", max_cost_usd=1.0)
    text = str(caught.value)
    assert "no price known for model 'claude-nope'" in text
    assert "model_prices:" in text and "claude-nope: {input:" in text
    assert f"built-in table of {PRICES_TAKEN}" in text and "my-model" in text


@pytest.mark.parametrize(
    ("prices", "complaint"),
    [
        ("[3.0, 15.0]", "model_prices must be a mapping of model name to prices"),
        (
            "new-model: {input: 3.0, output: 15.0}",
            "missing cache_write_5m, cache_write_1h, cache_read",
        ),
        ("claude-haiku-4-5: {inptu: 1.0}", "unknown key(s) inptu (known: input, output"),
        ("claude-haiku-4-5: {input: -1}", "model_prices.claude-haiku-4-5.input must be a number"),
        ("claude-haiku-4-5: {output: true}", "claude-haiku-4-5.output must be a number"),
        ("claude-haiku-4-5: {output: .inf}", "claude-haiku-4-5.output must be a number"),
        ("claude-haiku-4-5: {output: '5'}", "claude-haiku-4-5.output must be a number"),
        ("claude-haiku-4-5: {batch_discount: 1}", "batch_discount must be a share below 1"),
        ("claude-haiku-4-5: 1.0", "claude-haiku-4-5 must be a mapping of input, output"),
    ],
)
def test_bad_model_prices_are_clear_errors_when_the_config_is_read(
    make_vault, tmp_path, prices, complaint
):
    with pytest.raises(UsageError) as caught:
        priced_settings(make_vault, tmp_path, "claude-sonnet-5-5", prices)
    assert complaint in str(caught.value)
    assert "mkdocs.yml: extra.definitive.model_prices" in str(caught.value)


def test_a_batch_that_ends_without_results_fails_its_articles_cleanly(kitchen):
    vault, settings = kitchen
    ended = {**batch("ended", 3), "results_url": None}
    api = FakeAPI(ended, ended)
    report = run(settings, api, batch=True)
    assert {a.rejected for a in report.rejected} == {
        "batch API error: No `results_url` for the given batch; Has it finished processing? ended"
    }
    assert_nothing_merged(vault, report)


# -- batches: a paid consolidator waits for enough meta articles per article --------------------

RYE_DAY = "2026-01-02"  # NEW's date: the bread article's one pending meta article


def bread_only(make_vault, tmp_path, config: str = ""):
    vault = make_vault(bread_vault())
    as_machine_written(vault)
    mkdocs = tmp_path / "mkdocs.yml"
    mkdocs.write_text(
        f"site_name: t\nextra:\n  definitive:\n{config}" if config else "site_name: t\n"
    )
    return vault, load_settings(vault=vault, config=mkdocs, site_dir=tmp_path / "site")


def add_run(vault: Path, name: str) -> None:
    (vault / "meta" / f"{name}.md").write_text(meta(name, [f"Lesson of {name}."]), encoding="utf-8")


def test_a_paid_consolidator_waits_for_a_batch_then_asks_once_for_all_of_it(
    make_vault, tmp_path, monkeypatch
):
    # The article's batch alone: the run-wide minimum (test below) lowered out of the way.
    vault, settings = bread_only(make_vault, tmp_path, "    batch_min_request_meta_articles: 3\n")
    before = text_of(vault, ARTICLE)
    monkeypatch.setenv("DEFINITIVE_NOW", "2026-01-04T23:30:00+00:00")
    add_run(vault, "2026-01-04 Ann bakes spelt")
    idle = FakeAPI()
    report = run(settings, idle)
    # Two runs wait for the bread article: nothing is sent, paid for or changed...
    assert idle.requests == [] and report.run_id is None
    assert text_of(vault, ARTICLE) == before
    # ...and the user is told which, why, and the day they go anyway.
    assert sorted(report.skipped) == [
        (
            f"meta/{name}.md",
            "waiting for a batch: 2 of 3 meta articles for its article, or until 2026-01-09",
        )
        for name in ("2026-01-02 Ann bakes rye", "2026-01-04 Ann bakes spelt")
    ]
    # The third run fills the batch: one request carries all three.
    add_run(vault, "2026-01-04 Ann bakes rolls")
    ops = reply(
        [
            {
                "op": "add_learning",
                "text": "Spelt needs less water.",
                "sources": [NEW, "2026-01-04 Ann bakes spelt", "2026-01-04 Ann bakes rolls"],
            }
        ]
    )
    api = FakeAPI(message(ops))
    report = run(settings, api)
    assert len(api.bodies()) == 1
    sent = json.dumps(api.bodies()[0])
    for name in (NEW, "2026-01-04 Ann bakes spelt", "2026-01-04 Ann bakes rolls"):
        assert name in sent
    assert report.skipped == []
    assert "Spelt needs less water." in text_of(vault, ARTICLE)


def test_a_run_asks_once_its_request_carries_enough_meta_articles(
    make_vault, tmp_path, monkeypatch
):
    # Three runs fill the bread article's batch, but the request would carry only three meta
    # articles against its fixed part (instructions, rules, schema): the run waits for more.
    vault, settings = bread_only(make_vault, tmp_path)
    before = text_of(vault, ARTICLE)
    monkeypatch.setenv("DEFINITIVE_NOW", "2026-01-04T23:30:00+00:00")
    for name in ("2026-01-04 Ann bakes spelt", "2026-01-04 Ann bakes rolls"):
        add_run(vault, name)
    idle = FakeAPI()
    report = run(settings, idle)
    assert idle.requests == [] and text_of(vault, ARTICLE) == before
    assert {why for _, why in report.skipped} == {
        "waiting for a fuller request: 3 of 8 meta articles ready, or until 2026-01-09"
    }
    assert len(report.skipped) == 3
    # The oldest has waited seven days: the request goes with what there is.
    monkeypatch.setenv("DEFINITIVE_NOW", "2026-01-09T00:10:00+00:00")
    api = FakeAPI(message(BREAD_OPS))
    report = run(settings, api)
    assert len(api.bodies()) == 1 and report.skipped == []
    assert "Rye is wetter." in text_of(vault, ARTICLE)


def test_a_lone_meta_article_goes_after_the_longest_wait(make_vault, tmp_path, monkeypatch):
    vault, settings = bread_only(make_vault, tmp_path)
    monkeypatch.setenv("DEFINITIVE_NOW", "2026-01-08T23:30:00+00:00")  # waited 6 days
    assert run(settings, FakeAPI()).skipped != []
    monkeypatch.setenv("DEFINITIVE_NOW", "2026-01-09T00:10:00+00:00")  # 7 days: it goes
    api = FakeAPI(message(BREAD_OPS))
    report = run(settings, api)
    assert len(api.bodies()) == 1 and report.skipped == []
    assert "Rye is wetter." in text_of(vault, ARTICLE)


def test_only_asks_about_its_article_now(make_vault, tmp_path, monkeypatch):
    monkeypatch.setenv("DEFINITIVE_NOW", "2026-01-03T23:30:00+00:00")
    vault, settings = bread_only(make_vault, tmp_path)
    api = FakeAPI(message(BREAD_OPS))
    consolidator = AnthropicConsolidator(api.client(), "claude-sonnet-5-5", Limits(poll_s=0))
    report = consolidate(settings, consolidator, only=["Baking bread"])
    assert len(api.bodies()) == 1 and "Rye is wetter." in text_of(vault, ARTICLE)
    assert report.skipped == []


def test_batch_size_one_asks_every_night(make_vault, tmp_path, monkeypatch):
    monkeypatch.setenv("DEFINITIVE_NOW", "2026-01-03T23:30:00+00:00")
    vault, settings = bread_only(
        make_vault,
        tmp_path,
        "    batch_min_meta_articles: 1\n    batch_min_request_meta_articles: 1\n",
    )
    api = FakeAPI(message(BREAD_OPS))
    run(settings, api)
    assert len(api.bodies()) == 1 and "Rye is wetter." in text_of(vault, ARTICLE)


def test_the_free_offline_consolidator_never_waits(make_vault, tmp_path, monkeypatch):
    from generator.consolidate.offline import OfflineConsolidator

    monkeypatch.setenv("DEFINITIVE_NOW", "2026-01-03T23:30:00+00:00")
    _, settings = bread_only(make_vault, tmp_path)
    report = consolidate(settings, OfflineConsolidator())
    assert report.skipped == [] and [a.merged for a in report.articles] == [[NEW]]


@pytest.mark.parametrize(
    ("setting", "message_"),
    [
        ("batch_min_meta_articles: 0", "batch_min_meta_articles must be"),
        ("batch_max_wait_days: -1", "batch_max_wait_days must be"),
        ("batch_max_wait_days: soon", "batch_max_wait_days must be"),
        ("batch_min_request_meta_articles: 0", "batch_min_request_meta_articles must be"),
        ("consolidation_request_tokens: lots", "consolidation_request_tokens must be"),
    ],
)
def test_bad_batch_settings_are_clear_errors(make_vault, tmp_path, setting, message_):
    with pytest.raises(UsageError, match=message_):
        bread_only(make_vault, tmp_path, f"    {setting}\n")
