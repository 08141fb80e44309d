"""The Anthropic consolidator: one Messages API request per article (or one Message Batch for
all of them), through the official SDK with its default retries (429, 5xx, 529) on.

Every failure becomes a `Proposal` with an error, never an exception: the engine then leaves
the article byte-identical and its meta articles pending. The SDK reads ``ANTHROPIC_API_KEY``
and ``ANTHROPIC_BASE_URL`` from the environment as usual; nothing here overrides them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import anthropic

from generator.config import Settings
from generator.consolidate.edits import OpError, parse_ops
from generator.consolidate.prices import DEFAULT_MODEL, cost_usd, price_of
from generator.consolidate.prompt import estimate_tokens, request_params
from generator.consolidate.proposal import ArticleInput, Proposal, Usage

Step = Callable[[str, int | None], AbstractContextManager[Callable[[int], None]]]


def _no_step(name: str, total: int | None = None) -> AbstractContextManager[Callable[[int], None]]:
    return nullcontext(lambda n: None)


@dataclass
class Limits:
    max_cost_usd: float | None = None
    max_tokens: int = 4096
    """Output tokens per answer; an answer cut at this length is rejected, never applied."""
    timeout_s: float = 1800.0
    """The whole run, batch polling included."""
    poll_s: float = 30.0


class AnthropicConsolidator:
    name = "anthropic"

    def __init__(
        self,
        client: anthropic.Anthropic,
        model: str = DEFAULT_MODEL,
        limits: Limits | None = None,
        batch: bool = False,
        step: Step = _no_step,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        price_of(model)  # an unknown model fails before any request
        self.client, self.model, self.batch = client, model, batch
        self.limits = limits or Limits()
        self.step, self.sleep = step, sleep
        self.spent = 0.0
        """Exact dollars of the answers received."""
        self.reserved = 0.0
        """Worst-case dollars of requests sent and not answered yet."""
        self.requests = 0

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        model: str | None = None,
        max_cost_usd: float | None = None,
        batch: bool = False,
        step: Step = _no_step,
    ) -> AnthropicConsolidator:
        options = settings.options
        limits = Limits(
            max_cost_usd=max_cost_usd if max_cost_usd is not None else options.max_cost_usd,
            timeout_s=float(options.consolidation_timeout_s),
        )
        # The SDK's own retries (2, with backoff and retry-after) stay on.
        client = anthropic.Anthropic(timeout=min(600.0, limits.timeout_s))
        return cls(client, model or options.model, limits, batch, step)

    # -- one request per article ---------------------------------------------------------

    def propose_all(self, inputs: list[ArticleInput]) -> Iterator[tuple[str, Proposal]]:
        deadline = time.monotonic() + self.limits.timeout_s
        sendable = []
        for item in inputs:
            if not item.public:
                yield item.path, self._fail("private article (publish: false): never sent")
            else:
                sendable.append(item)
        if self.batch:
            yield from self._batch(sendable, deadline)
            return
        for item in sendable:
            params = request_params(item, item.rules, self.model, self.limits.max_tokens)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                yield item.path, self._fail("overall timeout reached before this request")
                continue
            estimate, over = self._reserve(params, batch=False)
            if over:
                yield item.path, self._fail(over)
                continue
            proposal = self._send(params, remaining)
            self.reserved -= estimate
            yield item.path, proposal

    def _send(self, params: dict[str, Any], remaining: float) -> Proposal:
        self.requests += 1
        try:
            message = self.client.messages.create(**params, timeout=remaining)
        except anthropic.APITimeoutError:
            return self._fail("API request timed out")
        except anthropic.APIStatusError as exc:
            return self._fail(f"API error {exc.status_code} {_error_type(exc)}: {_error_text(exc)}")
        except anthropic.APIConnectionError as exc:
            return self._fail(f"API connection failed: {exc}")
        return self._read(message.model_dump(), batch=False)

    def _read(self, message: dict[str, Any], batch: bool) -> Proposal:
        """A Message (as the API returns it) to a proposal, with exact usage and dollars."""
        raw = message.get("usage") or {}
        usage = Usage(
            int(raw.get("input_tokens") or 0),
            int(raw.get("output_tokens") or 0),
            int(raw.get("cache_creation_input_tokens") or 0),
            int(raw.get("cache_read_input_tokens") or 0),
        )
        cost = cost_usd(self.model, usage, batch)
        self.spent += cost
        proposal = Proposal(None, None, usage, cost, self.model, message.get("id"))
        stop = message.get("stop_reason")
        if stop == "max_tokens":
            proposal.error = "answer truncated (stop_reason max_tokens)"
            return proposal
        if stop == "refusal":
            proposal.error = "the model refused (stop_reason refusal)"
            return proposal
        text = "".join(
            block.get("text", "")
            for block in message.get("content") or []
            if block.get("type") == "text"
        )
        try:
            proposal.ops = parse_ops(json.loads(text))
        except json.JSONDecodeError as exc:
            proposal.error = f"malformed JSON answer: {exc.msg} at character {exc.pos}"
        except OpError as exc:
            proposal.error = f"answer does not match the schema: {exc}"
        return proposal

    def _reserve(self, params: dict[str, Any], batch: bool) -> tuple[float, str | None]:
        """Reserve this request's worst-case cost (whole prompt at the cache-write price, the
        full max_tokens answer), or say why sending it could pass the cost cap."""
        worst = Usage(0, params["max_tokens"], estimate_tokens(params), 0)
        estimate = cost_usd(self.model, worst, batch)
        cap = self.limits.max_cost_usd
        if cap is not None and self.spent + self.reserved + estimate > cap:
            committed = self.spent + self.reserved
            return 0.0, (
                f"cost cap: ${committed:.4f} committed + ${estimate:.4f} estimated would pass "
                f"${cap:.2f}; not sent"
            )
        self.reserved += estimate
        return estimate, None

    def _fail(self, why: str) -> Proposal:
        return Proposal(None, why, model=self.model)

    # -- the Message Batches API -----------------------------------------------------------

    def _batch(self, items: list[ArticleInput], deadline: float) -> Iterator[tuple[str, Proposal]]:
        requests, by_id, reserved = [], {}, 0.0
        for index, item in enumerate(items):
            params = request_params(item, item.rules, self.model, self.limits.max_tokens)
            estimate, over = self._reserve(params, batch=True)
            if over:
                yield item.path, self._fail(over)
                continue
            reserved += estimate
            custom_id = f"article-{index}"
            by_id[custom_id] = item
            requests.append({"custom_id": custom_id, "params": params})
        if not requests:
            return
        answered: set[str] = set()
        try:
            for custom_id, proposal in self._run_batch(requests, deadline):
                if custom_id in by_id and custom_id not in answered:
                    answered.add(custom_id)
                    yield by_id[custom_id].path, proposal
            failure = "the batch returned no result for it"
        except anthropic.APIStatusError as exc:
            failure = f"batch API error {exc.status_code} {_error_type(exc)}: {_error_text(exc)}"
        except anthropic.APIConnectionError as exc:
            failure = f"batch API connection failed: {exc}"
        except _BatchTimeout as exc:
            failure = f"overall timeout: batch {exc} canceled"
        finally:
            self.reserved -= reserved
        for custom_id, item in by_id.items():
            if custom_id not in answered:
                yield item.path, self._fail(failure)

    def _run_batch(
        self, requests: list[dict[str, Any]], deadline: float
    ) -> Iterator[tuple[str, Proposal]]:
        """Create the batch, poll it with a progress bar until it ends, stream its results
        (in any order: matched by custom_id)."""
        self.requests += 1
        batch = self.client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
        with self.step("Waiting for the message batch", len(requests)) as advance:
            done = 0
            while batch.processing_status != "ended":
                if time.monotonic() >= deadline:
                    self.client.messages.batches.cancel(batch.id)
                    raise _BatchTimeout(batch.id)
                self.sleep(self.limits.poll_s)
                batch = self.client.messages.batches.retrieve(batch.id)
                counts = batch.request_counts
                finished = counts.succeeded + counts.errored + counts.canceled + counts.expired
                advance(finished - done)
                done = finished
        for line in self.client.messages.batches.results(batch.id):
            yield line.custom_id, self._batch_result(line.result.model_dump())

    def _batch_result(self, result: dict[str, Any]) -> Proposal:
        kind = result.get("type")
        if kind == "succeeded":
            return self._read(result["message"], batch=True)
        if kind == "errored":
            error = (result.get("error") or {}).get("error") or {}
            return self._fail(f"batch request errored: {error.get('type')}: {error.get('message')}")
        return self._fail(f"batch request {kind}")


class _BatchTimeout(Exception):
    pass


def _error_type(exc: anthropic.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body["error"] if isinstance(body.get("error"), dict) else {}
    return str(error.get("type", "error"))


def _error_text(exc: anthropic.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body["error"] if isinstance(body.get("error"), dict) else {}
    return str(error.get("message", exc.message))
