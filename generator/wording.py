"""How Definitive counts things in words, on the site and in its messages: ``1 run``,
``3 runs``, never ``3 run(s)``. One home, shared by every stage and the command line."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 run``, ``3 runs``; ``many`` for a plural that is not ``word + "s"`` (``2
    processes``). The count is written as is (no thousands separator)."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
