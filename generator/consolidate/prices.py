"""The one price table: US dollars per million tokens, per model. Every dollar figure (reports,
audit log, the cost cap, the run's meta article) is computed here from the API's usage.

``cache_write`` is the 5-minute cache write (what ``cache_control: ephemeral`` buys); the
Message Batches API halves every price. Models priced by prompt length (Haiku 5.5) are not
listed: a wrong price is worse than none. Add a model here before using it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.config import Options
from generator.consolidate.proposal import Usage
from generator.errors import UsageError

DEFAULT_MODEL = Options.model
BATCH_DISCOUNT = 0.5


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cache_write: float
    cache_read: float


PRICES: dict[str, Price] = {
    "claude-sonnet-5-5": Price(2.00, 10.00, 2.50, 0.10),  # cache read cut 2026-10-07
    "claude-sonnet-5": Price(2.00, 10.00, 2.50, 0.20),
    "claude-opus-5": Price(5.00, 25.00, 6.25, 0.50),
    "claude-opus-4-7": Price(5.00, 25.00, 6.25, 0.50),
    "claude-opus-4-6": Price(5.00, 25.00, 6.25, 0.50),
    "claude-opus-4-5": Price(5.00, 25.00, 6.25, 0.50),
    "claude-opus-4-1": Price(15.00, 75.00, 18.75, 1.50),
    "claude-sonnet-4-6": Price(3.00, 15.00, 3.75, 0.30),
    "claude-sonnet-4-5": Price(3.00, 15.00, 3.75, 0.30),
    "claude-haiku-4-5": Price(1.00, 5.00, 1.25, 0.10),
}


def price_of(model: str) -> Price:
    """The price of ``model``, also for dated ids (``claude-sonnet-4-5-20250929``)."""
    base = re.sub(r"-\d{8}$", "", model)
    if base in PRICES:
        return PRICES[base]
    known = ", ".join(sorted(PRICES))
    raise UsageError(f"no price known for model {model!r} (known: {known}); add it to prices.py")


def cost_usd(model: str, usage: Usage, batch: bool = False) -> float:
    price = price_of(model)
    dollars = (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + usage.cache_creation_input_tokens * price.cache_write
        + usage.cache_read_input_tokens * price.cache_read
    ) / 1_000_000
    return round(dollars * (BATCH_DISCOUNT if batch else 1.0), 8)
