"""``definitive record``: one run, described by an agent or a script, as a meta article.

The fields come from the command line, or all at once as one JSON object on standard input
(``--json``); otherwise standard input is the body (what was done, the result, ``##
Learnings``). Every field is checked before anything is written; the article, the agent and
``--triggers`` must name notes of the vault (else the closest names are suggested). The cost is
computed from the price table when the tokens and the model are given and the cost is not. The
body is redacted (secrets, emails and phone numbers) before it is written.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from generator.errors import UsageError
from generator.ingest.figures import PriceBook, Tokens, dollars
from generator.ingest.names import Catalog
from generator.ingest.text import file_title, model_name
from generator.ingest.writer import MARKER_RE, RunDraft
from generator.model import OUTCOMES
from generator.secrets import redact

FIELDS = (
    "article", "agent", "outcome", "tokens_in", "tokens_out", "cost_usd", "duration_s", "model",
    "price_usd", "triggers", "date", "title", "skill_version", "source", "body",
    "tokens_in_uncached", "tokens_cache_write_5m", "tokens_cache_write_1h", "tokens_cache_read",
)  # fmt: skip
"""What a ``--json`` object may hold (the frontmatter's names, plus ``title`` and ``body``)."""
BREAKDOWN = ("tokens_in_uncached", "tokens_cache_write_5m", "tokens_cache_write_1h",
             "tokens_cache_read")  # fmt: skip
MAX_BODY = 1_000_000
_SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._/@+-]{0,199}$")


@dataclass(frozen=True)
class Recorded:
    draft: RunDraft
    cost_computed: bool
    """The cost came from the price table (tokens and model given, cost not)."""


def _whole(values: dict[str, Any], key: str) -> int | None:
    value = values.get(key)
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UsageError(f"{key} must be a whole number, 0 or more; got {value!r}")
    return value


def _amount(values: dict[str, Any], key: str) -> float | None:
    value = values.get(key)
    if value is None:
        return None
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number < 0 or number > 1e9:
        raise UsageError(f"{key} must be a number, 0 or more; got {value!r}")
    return number


def _text(values: dict[str, Any], key: str) -> str | None:
    value = values.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise UsageError(f"{key} must be text; got {value!r}")
    return str(value).strip() or None


def build(values: dict[str, Any], catalog: Catalog, book: PriceBook, *, today: dt.date) -> Recorded:
    """The run ``values`` describe, checked; `UsageError` naming the first problem."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise UsageError(f"unknown field(s): {', '.join(unknown)} (known: {', '.join(FIELDS)})")
    for key in ("article", "agent", "outcome"):
        if not _text(values, key):
            raise UsageError(f"a run needs --{key}")
    outcome = str(_text(values, "outcome")).lower()
    if outcome not in OUTCOMES:
        raise UsageError(f"--outcome must be one of {', '.join(OUTCOMES)}; got {outcome!r}")
    article = catalog.article(str(_text(values, "article")))
    agent = catalog.agent(str(_text(values, "agent")))
    triggers = catalog.agent(t) if (t := _text(values, "triggers")) else None
    date = _date(_text(values, "date"), today)
    model_given = _text(values, "model")
    model = model_name(model_given) if model_given else None
    if model_given and model is None:
        raise UsageError(f"--model {model_given!r} is not a model id (e.g. claude-sonnet-4-5)")
    parts = {k: _whole(values, k) for k in BREAKDOWN}
    tokens_in, tokens_out = _whole(values, "tokens_in"), _whole(values, "tokens_out")
    breakdown = Tokens(
        input=parts["tokens_in_uncached"] or 0,
        cache_write_5m=parts["tokens_cache_write_5m"] or 0,
        cache_write_1h=parts["tokens_cache_write_1h"] or 0,
        cache_read=parts["tokens_cache_read"] or 0,
        output=tokens_out or 0,
    )
    if any(v is not None for v in parts.values()):
        if tokens_in is not None and tokens_in != breakdown.total_in:
            raise UsageError(
                f"tokens_in ({tokens_in}) is not the sum of its parts ({breakdown.total_in})"
            )
        tokens_in = breakdown.total_in
    elif tokens_in is not None:
        breakdown.input = tokens_in  # no breakdown given: all of it at the uncached price
    cost = _amount(values, "cost_usd")
    computed = False
    if cost is None and model is not None and (tokens_in or tokens_out):
        cost, computed = book.cost(model, breakdown), True
    version = _text(values, "skill_version")
    if version is not None:
        version = version.lstrip("rRvV")
        if not version.isdigit() or int(version) < 1:
            raise UsageError(f"--skill-version must be a revision number like 3; got {version!r}")
        version = str(int(version))
    source = _text(values, "source")
    if source is not None and not _SOURCE.match(source):
        raise UsageError("--source must be an id of letters, digits and : . _ / @ + -")
    body = values.get("body") or ""
    if not isinstance(body, str):
        raise UsageError("body must be text")
    if len(body) > MAX_BODY:
        raise UsageError(f"the body is longer than {MAX_BODY:,} characters")
    body = MARKER_RE.sub("", redact(body)).strip("\n") or "Recorded with `definitive record`."
    title = file_title(_text(values, "title") or article.name) or article.name
    extra = (
        {k: getattr(breakdown, a) for k, a in _EXTRA.items()}
        if any(v is not None for v in parts.values())
        else {}
    )
    explicit = frozenset(k for k in ("article", "agent", "outcome", "skill_version", "price_usd",
                                      "triggers") if values.get(k) is not None)  # fmt: skip
    draft = RunDraft(
        article=article,
        agent=agent,
        date=date,
        outcome=outcome,
        tokens_in=tokens_in or 0,
        tokens_out=tokens_out or 0,
        cost_usd=dollars(cost or 0.0),
        duration_s=_amount(values, "duration_s") or 0,
        model=model or "unknown",
        title=title,
        body=body,
        source=source,
        price_usd=_amount(values, "price_usd"),
        triggers=triggers,
        skill_version=version,
        extra=extra,
        explicit=explicit,
    )
    return Recorded(draft, computed)


_EXTRA = {
    "tokens_in_uncached": "input",
    "tokens_cache_write_5m": "cache_write_5m",
    "tokens_cache_write_1h": "cache_write_1h",
    "tokens_cache_read": "cache_read",
}


def _date(value: str | None, today: dt.date) -> dt.date:
    if value is None:
        return today
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise UsageError(f"--date must be a date like 2026-10-06; got {value!r}") from None
