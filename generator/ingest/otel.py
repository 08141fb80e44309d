"""``definitive import otel``: OpenTelemetry GenAI spans as runs.

Reads OTLP JSON as the OpenTelemetry Collector's file exporter writes it (one
``{"resourceSpans": [...]}`` document per line, or one document per file): each
``resourceSpans[].scopeSpans[].spans[]`` with its attributes as ``{key, value: {stringValue |
intValue | doubleValue | boolValue | arrayValue | kvlistValue}}``, ids in hex, times in
``startTimeUnixNano`` / ``endTimeUnixNano``. Log and metric documents are passed over.

**What is a run.** Every ``invoke_agent`` span (``gen_ai.operation.name``) not inside another
is a run (``source: otel:<trace>/<span>``); a trace with none is one run (``source:
otel:<trace>``). A trace with no span carrying token usage is no run.

**Tokens.** A run's tokens are those of the spans carrying usage that have no such span below
them (so an agent span that repeats its children's total is not counted twice). Attribute names
follow the GenAI semantic conventions (Development status; semantic-conventions v1.37 to
v1.41 and the semantic-conventions-genai repository that took them over):
``gen_ai.usage.input_tokens``, ``gen_ai.usage.output_tokens``,
``gen_ai.usage.cache_read.input_tokens``, ``gen_ai.usage.cache_creation.input_tokens`` (renamed
``gen_ai.usage.cache_write.input_tokens`` there). The older underscore names and Claude Code's
own span attributes (``input_tokens``, ``output_tokens``, ``cache_read_tokens``,
``cache_creation_tokens``) are read too. Anthropic's ``input_tokens`` excludes cached tokens; the
conventions' ``gen_ai.usage.input_tokens`` includes them (``input_tokens +
cache_read_input_tokens + cache_creation_input_tokens``), so the uncached part is what remains
after taking them out. When it is smaller than the cached tokens it cannot include them (an
instrumentation passed Anthropic's own count through) and they are added instead. Claude
Code's ``input_tokens`` is Anthropic's own count: the cached tokens are added to it. Spans say
nothing of 5-minute against 1-hour cache writes: writes are priced as 5-minute ones.

**Dollars.** A span's ``gen_ai.usage.cost`` or Claude Code's ``cost_usd`` is used as given;
the other spans are priced from the price table by ``gen_ai.response.model`` (else
``gen_ai.request.model``, else ``model``).

Nothing of a span's content is copied: not ``gen_ai.input.messages``, tool arguments or
results; the body gives the trace, the counts of calls and tools, and the error types.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.ingest.figures import Tokens
from generator.ingest.runs import Observed
from generator.ingest.text import code, model_name, printable
from generator.wording import plural

AGENT_OPERATION = "invoke_agent"
INPUT = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
OUTPUT = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "output_tokens")
CACHE_READ = ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
              "cache_read_tokens")  # fmt: skip
CACHE_WRITE = ("gen_ai.usage.cache_write.input_tokens", "gen_ai.usage.cache_creation.input_tokens",
               "gen_ai.usage.cache_creation_input_tokens", "cache_creation_tokens")  # fmt: skip
ANTHROPIC_INPUT = "input_tokens"
"""Claude Code's own attribute: Anthropic's count, cached tokens excluded."""
COST = ("gen_ai.usage.cost", "cost_usd")
MODEL = ("gen_ai.response.model", "gen_ai.request.model", "model")
TOOL = ("gen_ai.tool.name", "tool_name")
USAGE = (*INPUT, *OUTPUT, *CACHE_READ, *CACHE_WRITE, ANTHROPIC_INPUT)
ERROR_CODES = (2, "2", "STATUS_CODE_ERROR")


@dataclass
class Span:
    trace: str
    id: str
    parent: str | None
    name: str
    start: int
    end: int
    attributes: dict[str, Any]
    resource: dict[str, Any]
    error: bool = False

    @property
    def operation(self) -> str:
        value = self.attributes.get("gen_ai.operation.name")
        return value if isinstance(value, str) else ""

    @property
    def has_usage(self) -> bool:
        return any(key in self.attributes for key in USAGE)


@dataclass
class Reading:
    """Every span of the files read, and what was passed over."""

    spans: list[Span] = field(default_factory=list)
    documents: int = 0
    other_documents: int = 0
    """Logs or metrics documents (not traces)."""
    bad_lines: int = 0
    bad_spans: int = 0


def value_of(value: Any) -> Any:
    """An OTLP JSON ``AnyValue`` as a Python value (int64s come as strings in JSON)."""
    if not isinstance(value, dict):
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return value["boolValue"]
    if "intValue" in value:
        try:
            return int(value["intValue"])
        except (TypeError, ValueError):
            return None
    if "doubleValue" in value:
        number = value["doubleValue"]
        return float(number) if isinstance(number, int | float | str) and _finite(number) else None
    if "arrayValue" in value and isinstance(value["arrayValue"], dict):
        return [value_of(v) for v in value["arrayValue"].get("values") or []]
    if "kvlistValue" in value and isinstance(value["kvlistValue"], dict):
        return attributes_of(value["kvlistValue"].get("values"))
    return None


def _finite(number: Any) -> bool:
    try:
        return float(number) == float(number) and abs(float(number)) != float("inf")
    except (TypeError, ValueError):
        return False


def attributes_of(items: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            result[item["key"]] = value_of(item.get("value"))
    return result


def _documents(path: Path, reading: Reading) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        first = True
        for raw in handle:
            if not raw.strip():
                continue
            try:
                document = json.loads(raw)
            except (ValueError, RecursionError):
                if first:  # one pretty-printed document, not JSON Lines
                    yield from _whole(path, reading)
                    return
                reading.bad_lines += 1
                continue
            first = False
            if isinstance(document, dict):
                yield document
            else:
                reading.bad_lines += 1


def _whole(path: Path, reading: Reading) -> Iterator[dict[str, Any]]:
    try:
        document = json.loads(path.read_bytes())
    except (ValueError, RecursionError):
        reading.bad_lines += 1
        return
    if isinstance(document, dict):
        yield document
    else:
        reading.bad_lines += 1


def read(paths: Iterable[Path]) -> Reading:
    reading = Reading()
    for path in paths:
        for document in _documents(path, reading):
            reading.documents += 1
            groups = document.get("resourceSpans")
            if not isinstance(groups, list):
                reading.other_documents += 1
                continue
            for group in groups:
                if not isinstance(group, dict):
                    continue
                resource = group.get("resource")
                where = (
                    attributes_of(resource.get("attributes")) if isinstance(resource, dict) else {}
                )
                for scope in group.get("scopeSpans") or []:
                    spans = scope.get("spans") if isinstance(scope, dict) else None
                    for raw in spans if isinstance(spans, list) else ():
                        span = _span(raw, where)
                        if span is None:
                            reading.bad_spans += 1
                        else:
                            reading.spans.append(span)
    return reading


def _span(raw: Any, resource: dict[str, Any]) -> Span | None:
    if not isinstance(raw, dict):
        return None
    trace, ident = raw.get("traceId"), raw.get("spanId")
    if not (isinstance(trace, str) and trace and isinstance(ident, str) and ident):
        return None
    try:
        start, end = int(raw.get("startTimeUnixNano") or 0), int(raw.get("endTimeUnixNano") or 0)
    except (TypeError, ValueError):
        return None
    if start <= 0:
        return None
    parent = raw.get("parentSpanId")
    status = raw.get("status")
    return Span(
        trace=_hex(trace),
        id=_hex(ident),
        parent=_hex(parent) if isinstance(parent, str) and parent else None,
        name=raw["name"] if isinstance(raw.get("name"), str) else "",
        start=start,
        end=max(end, start),
        attributes=attributes_of(raw.get("attributes")),
        resource=resource,
        error=isinstance(status, dict) and status.get("code") in ERROR_CODES,
    )


def _hex(value: str) -> str:
    """Ids as the exporter writes them (hex); anything else is kept to safe characters."""
    return "".join(c for c in value.lower() if c.isalnum())[:64]


def _number(attributes: dict[str, Any], keys: tuple[str, ...]) -> tuple[bool, float]:
    for key in keys:
        value = attributes.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return True, float(value)
    return False, 0.0


def tokens_of(attributes: dict[str, Any]) -> Tokens:
    read = int(_number(attributes, CACHE_READ)[1])
    write = int(_number(attributes, CACHE_WRITE)[1])
    has_input, given = _number(attributes, INPUT)
    if has_input:
        uncached = int(given) - read - write
        if uncached < 0:  # Anthropic's own count passed through: it excludes the cached
            uncached = int(given)
    else:
        uncached = int(_number(attributes, (ANTHROPIC_INPUT,))[1])
    return Tokens(
        input=uncached,
        cache_write_5m=write,
        cache_read=read,
        output=int(_number(attributes, OUTPUT)[1]),
    )


def runs(reading: Reading) -> tuple[list[Observed], int]:
    """Every run in the spans read, and the number of traces that held none."""
    traces: dict[str, list[Span]] = {}
    for span in reading.spans:
        traces.setdefault(span.trace, []).append(span)
    found: list[Observed] = []
    empty = 0
    for trace, spans in sorted(traces.items()):
        unique = {s.id: s for s in spans}  # a span exported twice counts once
        below = _children(unique.values())
        agents = [s for s in unique.values() if s.operation == AGENT_OPERATION]
        tops = [
            s for s in agents if not _inside(s, unique, lambda p: p.operation == AGENT_OPERATION)
        ]
        groups: list[tuple[Span | None, list[Span]]] = [(s, _subtree(s, below)) for s in tops]
        groups = groups or [(None, list(unique.values()))]
        observed = [run for top, group in groups if (run := _observe(trace, top, group, below))]
        if not observed:
            empty += 1
        found += observed
    return found, empty


def _children(spans: Iterable[Span]) -> dict[str, list[Span]]:
    below: dict[str, list[Span]] = {}
    for span in spans:
        if span.parent:
            below.setdefault(span.parent, []).append(span)
    return below


def _inside(span: Span, spans: dict[str, Span], test: Any) -> bool:
    seen: set[str] = set()
    parent = spans.get(span.parent) if span.parent else None
    while parent is not None and parent.id not in seen:
        if test(parent):
            return True
        seen.add(parent.id)
        parent = spans.get(parent.parent) if parent.parent else None
    return False


def _subtree(root: Span, below: dict[str, list[Span]]) -> list[Span]:
    result, todo, seen = [], [root], set()
    while todo:
        span = todo.pop()
        if span.id in seen:
            continue
        seen.add(span.id)
        result.append(span)
        todo += below.get(span.id, [])
    return result


def _counted(spans: list[Span], below: dict[str, list[Span]]) -> list[Span]:
    """The spans carrying usage with no such span below them: one pass, children first."""
    members = {s.id: s for s in spans}
    order: list[Span] = [s for s in spans if s.parent not in members]  # breadth first
    seen = {s.id for s in order}
    for span in order:  # grows while it is walked
        for child in below.get(span.id, []):
            if child.id in members and child.id not in seen:
                seen.add(child.id)
                order.append(child)
    usage_below: dict[str, bool] = {}
    for span in reversed(order):
        usage_below[span.id] = any(
            c.has_usage or usage_below.get(c.id, False)
            for c in below.get(span.id, [])
            if c.id in members and c.id != span.id
        )
    return [s for s in spans if s.has_usage and not usage_below.get(s.id, False)]


def _observe(
    trace: str, top: Span | None, spans: list[Span], below: dict[str, list[Span]]
) -> Observed | None:
    counted = _counted(spans, below)
    if not counted:
        return None
    by_model: dict[str, Tokens] = {}
    unpriced: dict[str, Tokens] = {}
    given: dict[str, float] = {}
    for span in counted:
        model = next((m for k in MODEL if (m := model_name(span.attributes.get(k)))), "unknown")
        tokens = tokens_of(span.attributes)
        by_model.setdefault(model, Tokens())
        by_model[model] += tokens
        has_cost, dollars = _number(span.attributes, COST)
        if has_cost:
            given[model] = given.get(model, 0.0) + dollars
        else:
            unpriced.setdefault(model, Tokens())
            unpriced[model] += tokens
    root = top or min(spans, key=lambda s: (s.parent is not None, s.start))
    start = root.start if top else min(s.start for s in spans)
    end = root.end if top else max(s.end for s in spans)
    agent = _first([root, *spans], "gen_ai.agent.name")
    service = root.resource.get("service.name")
    tools = Counter(
        printable(str(name))[:64]
        for s in spans
        if (s.operation == "execute_tool" or "tool" in s.name) and (name := _first([s], *TOOL))
    )
    source = f"otel:{trace}" if top is None else f"otel:{trace}/{top.id}"
    return Observed(
        source=source,
        title=f"run {trace[:8]}"
        if top is not None or not root.name
        else f"{root.name} {trace[:8]}",
        started=_moment(start),
        ended=_moment(end),
        by_model=by_model,
        given_costs=given,
        unpriced=unpriced,
        body=_describe(trace, top, spans, counted, tools, service),
        agent_hint=agent
        if isinstance(agent, str)
        else service
        if isinstance(service, str)
        else None,
        calls=len(counted),
    )


def _first(spans: list[Span], *keys: str) -> Any:
    for span in spans:
        for key in keys:
            if isinstance(span.attributes.get(key), str) and span.attributes[key].strip():
                return span.attributes[key].strip()
    return None


def _moment(nanos: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(nanos / 1e9, tz=dt.UTC)


def _describe(
    trace: str,
    top: Span | None,
    spans: list[Span],
    counted: list[Span],
    tools: Counter[str],
    service: Any,
) -> list[str]:
    where = f" (agent span {code(top.id)})" if top is not None else ""
    start = _moment(min(s.start for s in spans))
    end = _moment(max(s.end for s in spans))
    lines = [
        f"OpenTelemetry trace {code(trace)}{where}: {plural(len(counted), 'model call')}, "
        f"{plural(len(spans), 'span')}, {start:%Y-%m-%d %H:%M} to {end:%H:%M} UTC."
    ]
    if isinstance(service, str) and service.strip():
        lines += ["", f"Service: {code(service)}."]
    if tools:
        used = ", ".join(
            f"{code(n)} × {c}" for n, c in sorted(tools.items(), key=lambda i: (-i[1], i[0]))
        )
        lines += ["", f"Tools used: {used}."]
    errors = [s for s in spans if s.error]
    if errors:
        kinds = sorted(
            {printable(str(s.attributes.get("error.type") or "error"))[:40] for s in errors}
        )
        lines += [
            "",
            f"Spans that ended in an error: {len(errors)} ({', '.join(code(k) for k in kinds)}).",
        ]
    return lines
