"""The one price table: US dollars per million tokens, per model. Every dollar figure (reports,
audit log, the cost cap, the run's meta article) is computed here from the API's usage.

The built-in table was taken on ``PRICES_TAKEN`` from Anthropic's public pricing page
(``PRICES_SOURCE``, "Model pricing": base input, 5-minute and 1-hour cache writes, cache hits,
output; "Batch processing": the Message Batches API halves every price). Prices change: a
vault overrides or extends the table under ``extra.definitive.model_prices`` in mkdocs.yml
(docs/consolidation.md#prices), and a model with no price at all is refused before any request,
so the cost cap never guesses. Models priced by prompt length (Haiku 5.5), limited-availability
models and rows with a footnoted price are left out on purpose: a wrong price is worse than none.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from generator.config import Options
from generator.errors import UsageError

if TYPE_CHECKING:
    from generator.consolidate.proposal import Usage

DEFAULT_MODEL = Options.model
PRICES_TAKEN = "2026-11-30"
PRICES_SOURCE = "https://platform.claude.com/docs/en/about-claude/pricing"


@dataclass(frozen=True)
class Price:
    """Dollars per million tokens, and the share the Message Batches API takes off."""

    input: float
    output: float
    cache_write_5m: float
    """What ``cache_control: {"type": "ephemeral"}`` (the default 5-minute cache) costs."""
    cache_write_1h: float
    cache_read: float
    batch_discount: float = 0.5
    """0.5: batch requests cost half of every price above."""


PRICES: dict[str, Price] = {
    "claude-opus-5-5": Price(4.00, 20.00, 5.00, 8.00, 0.20),
    "claude-opus-5": Price(5.00, 25.00, 6.25, 10.00, 0.50),
    "claude-opus-4-8": Price(5.00, 25.00, 6.25, 10.00, 0.50),
    "claude-opus-4-7": Price(5.00, 25.00, 6.25, 10.00, 0.50),
    "claude-opus-4-6": Price(5.00, 25.00, 6.25, 10.00, 0.50),
    "claude-opus-4-5": Price(5.00, 25.00, 6.25, 10.00, 0.50),
    "claude-opus-4-1": Price(15.00, 75.00, 18.75, 30.00, 1.50),
    "claude-fable-5": Price(10.00, 50.00, 12.50, 20.00, 1.00),
    "claude-sonnet-5-5": Price(2.00, 10.00, 2.50, 4.00, 0.10),  # cache hits cut on 2026-10-07
    "claude-sonnet-5": Price(2.00, 10.00, 2.50, 4.00, 0.20),
    "claude-sonnet-4-6": Price(3.00, 15.00, 3.75, 6.00, 0.30),
    "claude-sonnet-4-5": Price(3.00, 15.00, 3.75, 6.00, 0.30),
    "claude-haiku-4-5": Price(1.00, 5.00, 1.25, 2.00, 0.10),
}

KEYS = tuple(f.name for f in fields(Price))
REQUIRED = tuple(k for k in KEYS if k != "batch_discount")


def parse_model_prices(value: Any, source: str) -> dict[str, Price]:
    """``extra.definitive.model_prices`` checked: model name -> prices (dollars per million
    tokens). A model of the built-in table may set only the prices that changed; a new model
    must give all five (the pricing page lists them in one row)."""
    where = f"{source}: extra.definitive.model_prices"
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UsageError(
            f"{where} must be a mapping of model name to prices, e.g. "
            "{my-model: {input: 3.0, output: 15.0, cache_write_5m: 3.75, "
            "cache_write_1h: 6.0, cache_read: 0.30}}"
        )
    table: dict[str, Price] = {}
    for model, given in value.items():
        if not isinstance(model, str) or not model.strip():
            raise UsageError(f"{where}: {model!r} is not a model name")
        here = f"{where}.{model}"
        if not isinstance(given, dict):
            raise UsageError(f"{here} must be a mapping of {', '.join(KEYS)} to numbers")
        unknown = sorted(str(k) for k in given if k not in KEYS)
        if unknown:
            raise UsageError(
                f"{here}: unknown key(s) {', '.join(unknown)} (known: {', '.join(KEYS)})"
            )
        for key, number in given.items():
            if (
                isinstance(number, bool)
                or not isinstance(number, int | float)
                or not math.isfinite(number)
                or number < 0
            ):
                raise UsageError(f"{here}.{key} must be a number of dollars, 0 or more")
        if "batch_discount" in given and not 0 <= given["batch_discount"] < 1:
            raise UsageError(f"{here}.batch_discount must be a share below 1, e.g. 0.5 (half off)")
        base = _built_in(model)
        if base is None:
            missing = [k for k in REQUIRED if k not in given]
            if missing:
                raise UsageError(
                    f"{here}: missing {', '.join(missing)}: a model not in the built-in table "
                    f"needs all of {', '.join(REQUIRED)}, in dollars per million tokens"
                )
            table[model] = Price(**{k: float(v) for k, v in given.items()})
        else:
            table[model] = replace(base, **{k: float(v) for k, v in given.items()})
    return table


def price_table(configured: Mapping[str, Price] | None = None) -> dict[str, Price]:
    """The built-in table with a vault's own prices over it."""
    return {**PRICES, **(configured or {})}


def price_of(model: str, table: Mapping[str, Price] | None = None) -> Price:
    """The price of ``model``, also for dated ids (``claude-sonnet-4-5-20250929``). An unknown
    model is an error, never a price of 0: the cost cap must not guess."""
    table = PRICES if table is None else table
    for name in (model, _undated(model)):
        if name in table:
            return table[name]
    raise UsageError(
        f"no price known for model {model!r}. Add it to mkdocs.yml, in dollars per million "
        f"tokens (see {PRICES_SOURCE}):\n"
        f"  extra:\n    definitive:\n      model_prices:\n        {model}: {{input: …, output: "
        "…, cache_write_5m: …, cache_write_1h: …, cache_read: …}\n"
        f"Priced already (built-in table of {PRICES_TAKEN}, and the config): "
        f"{', '.join(sorted(table))}"
    )


def cost_usd(price: Price, usage: Usage, *, batch: bool = False, cache_write_1h: int = 0) -> float:
    """Dollars for one answer's usage. ``cache_write_1h`` is the part of
    ``usage.cache_creation_input_tokens`` written to the 1-hour cache (the API reports it in
    ``usage.cache_creation``); the rest is priced as 5-minute writes."""
    written_1h = min(cache_write_1h, usage.cache_creation_input_tokens)
    dollars = (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + (usage.cache_creation_input_tokens - written_1h) * price.cache_write_5m
        + written_1h * price.cache_write_1h
        + usage.cache_read_input_tokens * price.cache_read
    ) / 1_000_000
    return round(dollars * ((1.0 - price.batch_discount) if batch else 1.0), 8)


def _undated(model: str) -> str:
    return re.sub(r"-\d{8}$", "", model)


def _built_in(model: str) -> Price | None:
    return PRICES.get(model) or PRICES.get(_undated(model))
