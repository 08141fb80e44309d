"""Token counts per kind and what they cost: every dollar figure of an imported or recorded
run comes from the one price table (`generator.consolidate.prices`), each kind of input at its
own price (uncached input, 5-minute and 1-hour cache writes, cache reads)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from generator.config import Options
from generator.consolidate import prices as _prices
from generator.consolidate.proposal import Usage
from generator.errors import UsageError


@dataclass
class Tokens:
    """One call's or one run's tokens, each kind apart (Anthropic's ``usage`` block)."""

    input: int = 0
    """Uncached input (Anthropic's ``input_tokens``)."""
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0
    output: int = 0

    def __iadd__(self, other: Tokens) -> Tokens:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))
        return self

    @property
    def cache_write(self) -> int:
        return self.cache_write_5m + self.cache_write_1h

    @property
    def total_in(self) -> int:
        """Every input token, cached or not: a meta article's ``tokens_in``."""
        return self.input + self.cache_write + self.cache_read

    @property
    def empty(self) -> bool:
        return not (self.total_in or self.output)


prices: Any = _prices
"""The price table's module, typed loosely while its API moves to the dated, configurable
table (``price_table``, ``price_of(model, table)``, ``cost_usd(price, usage, ...)``)."""


class PriceBook:
    """The price table as this vault configures it (`prices.price_table` with the config's
    ``model_prices`` over it, where the installed table supports that)."""

    def __init__(self, options: Options, source: str = "mkdocs.yml") -> None:
        self._table: Mapping[str, Any] | None = None
        configured = getattr(options, "model_prices", None)
        if hasattr(prices, "price_table"):
            parse = getattr(prices, "parse_model_prices", None)
            own = parse(configured, source) if parse is not None and configured else None
            self._table = prices.price_table(own)

    def cost(self, model: str, tokens: Tokens) -> float:
        """Dollars for ``tokens`` of ``model``; a model with no price is a `UsageError`,
        never a cost of 0."""
        usage = Usage(tokens.input, tokens.output, tokens.cache_write, tokens.cache_read)
        if self._table is not None:
            price = prices.price_of(model, self._table)
            return float(prices.cost_usd(price, usage, cache_write_1h=tokens.cache_write_1h))
        # TODO(merge): the undated table has no 1-hour cache-write price; remove this branch
        # once the dated price table (price_table, price_of(model, table)) is on main.
        if tokens.cache_write_1h:
            raise UsageError(
                f"no 1-hour cache-write price known for model {model!r}: this price table "
                "lists 5-minute writes only"
            )
        return float(prices.cost_usd(model, usage))


def costs(book: PriceBook, by_model: Mapping[str, Tokens]) -> dict[str, float]:
    """Dollars per model, each priced on its own."""
    return {model: book.cost(model, tokens) for model, tokens in by_model.items()}


def total(by_model: Mapping[str, Tokens]) -> Tokens:
    result = Tokens()
    for tokens in by_model.values():
        result += tokens
    return result


def dollars(value: float) -> float:
    """A run's cost as written into its frontmatter: to a millionth of a dollar."""
    return round(value, 6)
