"""The Anthropic consolidator: one Messages API request for every ready article of a run (split
into several only past ``consolidation_request_tokens``), or one Message Batch of those
requests, through the official SDK. An answer names each article it is about (``A1``...);
`AnthropicConsolidator.propose_all` hands the engine each article's share of it.

Every failure becomes a `Proposal` with an error, never an exception: the engine then leaves
the article byte-identical and its meta articles pending. The SDK reads ``ANTHROPIC_API_KEY``
and ``ANTHROPIC_BASE_URL`` from the environment as usual; nothing here overrides them.

**The deadline.** ``consolidation_timeout_s`` bounds the whole run, retries included. The SDK's
own retries are off (``max_retries=0``): left on, each attempt gets the full request timeout and
a ``retry-after`` is slept whatever its length, so a 10-second limit once took 36 seconds.
Instead `_call` retries here (429, 408, 409, 5xx including 529 overloaded, connection errors
and timeouts, as the SDK would), gives each attempt only the time left, waits as
``retry-after`` asks (or backs off), and stops as soon as the next wait or attempt would end
past the deadline. A batch is polled until the deadline, then canceled.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import anthropic
from anthropic.types.messages import MessageBatch

from generator.config import Settings
from generator.consolidate.edits import Op, OpError, parse_answer
from generator.consolidate.prices import (
    DEFAULT_MODEL,
    Price,
    cost_usd,
    parse_model_prices,
    price_of,
    price_table,
)
from generator.consolidate.prompt import article_part, batches, estimate_tokens, request_params
from generator.consolidate.proposal import ArticleInput, Proposal, Usage
from generator.wording import plural

Step = Callable[[str, int | None], AbstractContextManager[Callable[[int], None]]]
T = TypeVar("T")


def _no_step(name: str, total: int | None = None) -> AbstractContextManager[Callable[[int], None]]:
    return nullcontext(lambda n: None)


@dataclass
class Limits:
    max_cost_usd: float | None = None
    max_tokens: int = 4096
    """Output tokens per article of a request (an answer covering three articles may take three
    times as many, up to ``max_answer_tokens``); an answer cut short is rejected, never applied."""
    max_answer_tokens: int = 32_000
    """Output tokens of one answer, whatever it covers (the current models' output limit)."""
    request_tokens: int = 40_000
    """Input tokens one request may carry (estimated high, see `estimate_tokens`): more ready
    articles than fit are split into several requests (``consolidation_request_tokens``)."""
    timeout_s: float = 1800.0
    """The whole run: every attempt, every wait before a retry, the batch polling."""
    poll_s: float = 30.0
    retries: int = 2
    """Retries of one request after a retryable failure (the SDK's own default count)."""
    request_timeout_s: float = 600.0
    """At most this long for one attempt (the SDK's default), and never past the deadline."""
    cancel_timeout_s: float = 5.0
    """Canceling a batch at the deadline may take this much longer; nothing else does."""


class DeadlineReached(Exception):
    """The run's time limit stopped a request (before or between its attempts)."""


class BatchBroken(Exception):
    """A batch's results could not be read to the end."""


class AnthropicConsolidator:
    name = "anthropic"
    paid = True

    def __init__(
        self,
        client: anthropic.Anthropic,
        model: str = DEFAULT_MODEL,
        limits: Limits | None = None,
        batch: bool = False,
        step: Step = _no_step,
        sleep: Callable[[float], None] = time.sleep,
        *,
        prices: Mapping[str, Price] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.price = price_of(model, price_table(prices))  # unknown: fails before any request
        # Retries are ours (see the module docstring); the SDK must not add its own.
        self.client = client.with_options(max_retries=0)
        self.model, self.batch = model, batch
        self.limits = limits or Limits()
        self.step, self.sleep, self.clock = step, sleep, clock
        self.spent = 0.0
        """Exact dollars of the answers received."""
        self.reserved = 0.0
        """Worst-case dollars of requests sent and not answered yet."""
        self.requests = 0
        """HTTP requests sent, retries included."""
        self.cut_short: str | None = None
        """Why the deadline stopped the run early, for the CLI; None when it did not."""
        self._deadline = float("inf")

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
            request_tokens=options.consolidation_request_tokens,
        )
        prices = parse_model_prices(options.model_prices, str(settings.config_file))
        client = anthropic.Anthropic(max_retries=0)
        return cls(client, model or options.model, limits, batch, step, prices=prices)

    # -- the deadline and retries ----------------------------------------------------------

    @property
    def _limit(self) -> str:
        return f"consolidation_timeout_s ({self.limits.timeout_s:g} s)"

    def _left(self) -> float:
        return self._deadline - self.clock()

    def _call(self, send: Callable[[float], T], what: str) -> T:
        """``send(timeout)``, retried like the SDK would, all within the deadline. Raises the
        last API error when it is not retryable or the retries are spent, and DeadlineReached
        when the deadline comes first."""
        attempt = 0
        while True:
            left = self._left()
            if left <= 0:
                raise DeadlineReached(
                    f"overall timeout: {self._limit} reached; {what} was not sent"
                )
            self.requests += 1
            try:
                return send(min(left, self.limits.request_timeout_s))
            except (anthropic.APIStatusError, anthropic.APIConnectionError) as exc:
                if not _retryable(exc) or attempt >= self.limits.retries:
                    raise
                if self._left() <= 0:
                    raise DeadlineReached(
                        f"overall timeout: {self._limit} reached waiting for {what} "
                        f"({_describe(exc)})"
                    ) from exc
                wait = _retry_after(exc)
                if not wait:  # none asked: the SDK's backoff, 0.5 s doubling up to 8 s, less jitter
                    wait = min(0.5 * 2.0**attempt, 8.0) * (1 - 0.25 * random.random())
                if wait >= self._left():
                    raise DeadlineReached(
                        f"overall timeout: {self._limit} would pass before {what} could be "
                        f"retried ({_describe(exc)}; retry after {wait:.1f} s)"
                    ) from exc
                self.sleep(wait)
                attempt += 1

    # -- one request for all the ready articles --------------------------------------------

    def propose_all(self, inputs: list[ArticleInput]) -> Iterator[list[tuple[str, Proposal]]]:
        self._deadline = self.clock() + self.limits.timeout_s
        sendable = []
        for item in inputs:
            if not item.public:
                yield [(item.path, self._fail("private article (publish: false): never sent"))]
            else:
                sendable.append(item)
        if not sendable:
            return
        rules = sendable[0].rules  # the vault's rule notes: the same for every article
        fixed = estimate_tokens(request_params([], rules, self.model, 0, cache=False))
        groups = batches(sendable, fixed, self.limits.request_tokens)
        # Caching pays only when a later request of this run reads what the first wrote.
        cache = len(groups) > 1
        requests = [(group, self._params(group, cache)) for group in groups]
        if self.batch:
            yield from self._batch(requests)
            return
        unanswered = 0
        for group, params in requests:
            if self._left() <= 0:
                unanswered += len(group)
                why = f"overall timeout: {self._limit} reached; the request was not sent"
                yield [(item.path, self._fail(why)) for item in group]
                continue
            estimate, over = self._reserve(params, batch=False)
            if over:
                yield [(item.path, self._fail(over)) for item in group]
                continue
            answer = self._send(params, group)
            self.reserved -= estimate
            failed = answer[0][1].error or ""
            if failed.startswith("overall timeout"):
                unanswered += len(group)
            yield answer
        if unanswered:
            self.cut_short = (
                f"{self._limit} reached: {plural(unanswered, 'article')} got no answer; their meta "
                "articles stay pending for the next run"
            )

    def _params(self, group: list[ArticleInput], cache: bool) -> dict[str, Any]:
        answer = min(self.limits.max_tokens * len(group), self.limits.max_answer_tokens)
        return request_params(group, group[0].rules, self.model, answer, cache=cache)

    def _send(
        self, params: dict[str, Any], group: list[ArticleInput]
    ) -> list[tuple[str, Proposal]]:
        def send(timeout: float) -> anthropic.types.Message:
            return self.client.messages.create(**params, timeout=timeout)

        try:
            message = self._call(send, "the request")
        except DeadlineReached as exc:
            return [(item.path, self._fail(str(exc))) for item in group]
        except anthropic.AnthropicError as exc:
            return [(item.path, self._fail(_describe(exc))) for item in group]
        return self._shares(group, *self._read(message.model_dump(), batch=False))

    def _read(
        self, message: dict[str, Any], batch: bool
    ) -> tuple[Proposal, dict[str, list[Op]] | None]:
        """A Message (as the API returns it) to the whole answer's usage, dollars and error,
        and its ops by article alias (None when the answer cannot be used at all)."""
        raw = message.get("usage") or {}
        usage = Usage(
            int(raw.get("input_tokens") or 0),
            int(raw.get("output_tokens") or 0),
            int(raw.get("cache_creation_input_tokens") or 0),
            int(raw.get("cache_read_input_tokens") or 0),
        )
        split = raw.get("cache_creation") or {}
        cost = cost_usd(
            self.price,
            usage,
            batch=batch,
            cache_write_1h=int(split.get("ephemeral_1h_input_tokens") or 0),
        )
        self.spent += cost
        proposal = Proposal(None, None, usage, cost, self.model, message.get("id"))
        stop = message.get("stop_reason")
        if stop == "max_tokens":
            proposal.error = "answer truncated (stop_reason max_tokens)"
            return proposal, None
        if stop == "refusal":
            proposal.error = "the model refused (stop_reason refusal)"
            return proposal, None
        text = "".join(
            block.get("text", "")
            for block in message.get("content") or []
            if block.get("type") == "text"
        )
        try:
            return proposal, parse_answer(json.loads(text))
        except json.JSONDecodeError as exc:
            proposal.error = f"malformed JSON answer: {exc.msg} at character {exc.pos}"
        except OpError as exc:
            proposal.error = f"answer does not match the schema: {exc}"
        return proposal, None

    def _shares(
        self, group: list[ArticleInput], whole: Proposal, ops: dict[str, list[Op]] | None
    ) -> list[tuple[str, Proposal]]:
        """Each article's share of one answer: its ops (an article the answer leaves out gets
        none, so its meta articles stay pending), and the answer's usage and dollars in
        proportion to the size of its part of the request. Ops for an article the request did
        not name are rejected, reported with the request's first article (each with why)."""
        weights = [len(article_part(f"A{n}", item)) for n, item in enumerate(group, 1)]
        usages = whole.usage.split(weights)
        total = max(1, sum(weights))
        costs = [round(whole.cost_usd * w / total, 6) for w in weights]
        costs[-1] = round(whole.cost_usd - sum(costs[:-1]), 6)
        names = {f"A{n}": item.path for n, item in enumerate(group, 1)}
        stray = []
        for alias, found in (ops or {}).items():
            if alias not in names:
                why = (
                    f"names article {alias!r}, which is not in this request"
                    if alias
                    else "names no article of this request (a malformed alias)"
                )
                for op in found:
                    op.problem = why
                stray += found
        shares = []
        for n, item in enumerate(group):
            share = Proposal(None, whole.error, usages[n], costs[n], whole.model, whole.request_id)
            if ops is not None:
                share.ops = list(ops.get(f"A{n + 1}", []))
                if n == 0:
                    share.ops += stray
            shares.append((item.path, share))
        return shares

    def _reserve(self, params: dict[str, Any], batch: bool) -> tuple[float, str | None]:
        """Reserve this request's worst-case cost (whole prompt at the cache-write price, the
        full max_tokens answer), or say why sending it could pass the cost cap."""
        worst = Usage(0, params["max_tokens"], estimate_tokens(params), 0)
        estimate = cost_usd(self.price, worst, batch=batch)
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

    def _batch(
        self, requests: list[tuple[list[ArticleInput], dict[str, Any]]]
    ) -> Iterator[list[tuple[str, Proposal]]]:
        sent, by_id, reserved = [], {}, 0.0
        for index, (group, params) in enumerate(requests):
            estimate, over = self._reserve(params, batch=True)
            if over:
                yield [(item.path, self._fail(over)) for item in group]
                continue
            reserved += estimate
            custom_id = f"request-{index}"
            by_id[custom_id] = group
            sent.append({"custom_id": custom_id, "params": params})
        if not sent:
            return
        answered: set[str] = set()
        try:
            for custom_id, result in self._run_batch(sent):
                if custom_id in by_id and custom_id not in answered:
                    answered.add(custom_id)
                    yield self._batch_result(by_id[custom_id], result)
            failure = "the batch returned no result for it"
        except DeadlineReached as exc:
            failure = str(exc)
            missing = sum(len(g) for i, g in by_id.items() if i not in answered)
            self.cut_short = (
                f"{failure}: {plural(missing, 'article')} got no answer; "
                "their meta articles stay pending for the next run"
            )
        except anthropic.AnthropicError as exc:
            failure = f"batch {_describe(exc)}"
        except BatchBroken as exc:
            failure = str(exc)
        finally:
            self.reserved -= reserved
        for custom_id, group in by_id.items():
            if custom_id not in answered:
                yield [(item.path, self._fail(failure)) for item in group]

    def _run_batch(self, requests: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
        """Create the batch, poll it with a progress bar until it ends, stream its results
        (in any order: matched by custom_id). At the deadline the batch is canceled."""
        batches = self.client.messages.batches
        batch = self._call(
            lambda t: batches.create(requests=requests, timeout=t),  # type: ignore[arg-type]
            "the batch request",
        )
        try:
            with self.step("Waiting for the message batch", len(requests)) as advance:
                done = 0
                while batch.processing_status != "ended":
                    left = self._left()
                    if left > 0:
                        self.sleep(min(self.limits.poll_s, left))
                    if self._left() <= 0:
                        raise DeadlineReached(
                            f"overall timeout: {self._limit} reached while batch {batch.id} "
                            "was processing"
                        )
                    batch = self._call(partial(self._status, batch.id), "the batch status")
                    counts = batch.request_counts
                    finished = counts.succeeded + counts.errored + counts.canceled + counts.expired
                    advance(finished - done)
                    done = finished
        except DeadlineReached as exc:
            raise DeadlineReached(f"{exc}; {self._cancel(batch.id)}") from exc
        except anthropic.AnthropicError as exc:  # a batch we stop watching must not run on unread
            raise BatchBroken(f"batch {_describe(exc)}; {self._cancel(batch.id)}") from exc
        # results() looks the batch up again with the client's timeout: give it the time left.
        results = self._call(
            lambda t: iter(self.client.with_options(timeout=t).messages.batches.results(batch.id)),
            "the batch results",
        )
        while True:
            if self._left() <= 0:
                raise DeadlineReached(
                    f"overall timeout: {self._limit} reached reading the results of batch "
                    f"{batch.id} (answered, so paid for; the next run asks again)"
                )
            try:
                line = next(results)
            except StopIteration:
                return
            except Exception as exc:  # the stream broke (the transport's own errors) or a bad line
                raise BatchBroken(
                    f"reading the results of batch {batch.id} failed: {type(exc).__name__}: {exc}"
                ) from exc
            yield line.custom_id, line.result.model_dump()

    def _status(self, batch_id: str, timeout: float) -> MessageBatch:
        return self.client.messages.batches.retrieve(batch_id, timeout=timeout)

    def _cancel(self, batch_id: str) -> str:
        """Cancel a batch past the deadline: one attempt, briefly. Says how it went."""
        try:
            self.client.messages.batches.cancel(batch_id, timeout=self.limits.cancel_timeout_s)
        except anthropic.AnthropicError as exc:
            return f"canceling batch {batch_id} failed ({_describe(exc)}); cancel it by hand"
        return f"batch {batch_id} canceled"

    def _batch_result(
        self, group: list[ArticleInput], result: dict[str, Any]
    ) -> list[tuple[str, Proposal]]:
        kind = result.get("type")
        if kind == "succeeded":
            return self._shares(group, *self._read(result["message"], batch=True))
        if kind == "errored":
            error = (result.get("error") or {}).get("error") or {}
            why = f"batch request errored: {error.get('type')}: {error.get('message')}"
        else:
            why = f"batch request {kind}"
        return [(item.path, self._fail(why)) for item in group]


def _retryable(exc: anthropic.APIError) -> bool:
    """What the SDK retries: connection errors and timeouts, 408, 409, 429 and every 5xx
    (529 overloaded included), unless the API says otherwise in ``x-should-retry``."""
    if isinstance(exc, anthropic.APIConnectionError):
        return True
    if not isinstance(exc, anthropic.APIStatusError):
        return False
    told = exc.response.headers.get("x-should-retry")
    if told in ("true", "false"):
        return told == "true"
    return exc.status_code in (408, 409, 429) or exc.status_code >= 500


def _retry_after(exc: anthropic.APIError) -> float | None:
    """Seconds the API asked to wait: ``retry-after-ms``, ``retry-after`` in seconds or as an
    HTTP date; None when it did not say."""
    if not isinstance(exc, anthropic.APIStatusError):
        return None
    headers = exc.response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            pass
        when = email.utils.parsedate_tz(value)
        if when is not None:
            return max(0.0, email.utils.mktime_tz(when) - time.time())
    return None


def _describe(exc: anthropic.AnthropicError) -> str:
    if isinstance(exc, anthropic.APITimeoutError):
        return "API request timed out"
    if isinstance(exc, anthropic.APIConnectionError):
        return f"API connection failed: {exc}"
    if isinstance(exc, anthropic.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body["error"] if isinstance(body.get("error"), dict) else {}
        kind = error.get("type", "error")
        return f"API error {exc.status_code} {kind}: {error.get('message', exc.message)}"
    return f"API error: {exc}"
