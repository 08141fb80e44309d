"""Token counts per kind and what they cost: every dollar figure of an imported or recorded
run comes from the one price table (`generator.consolidate.prices`), each kind of input at its
own price (uncached input, 5-minute and 1-hour cache writes, cache reads)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from generator.config import Options
from generator.consolidate import prices
from generator.consolidate.proposal import Usage


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


class PriceBook:
    """The price table as this vault configures it (`prices.price_table`, with the config's
    ``model_prices`` over the dated built-in table)."""

    def __init__(self, options: Options, source: str = "mkdocs.yml") -> None:
        configured = options.model_prices
        own = prices.parse_model_prices(configured, source) if configured else None
        self._table: Mapping[str, prices.Price] = prices.price_table(own)

    def cost(self, model: str, tokens: Tokens) -> float:
        """Dollars for ``tokens`` of ``model``, each cache kind at its own price; a model with
        no price is a `UsageError`, never a cost of 0."""
        usage = Usage(tokens.input, tokens.output, tokens.cache_write, tokens.cache_read)
        price = prices.price_of(model, self._table)
        return float(prices.cost_usd(price, usage, cache_write_1h=tokens.cache_write_1h))


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
