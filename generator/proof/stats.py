"""The few statistics the proof needs, written out so every figure can be checked by hand."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

Z95 = 1.959963984540054
"""The normal quantile for a two-sided 95% interval."""


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a success rate (95% by default), or None without trials.

    Unlike the plain ``p ± z·sqrt(p(1-p)/n)`` it stays inside [0, 1] and is honest for the
    small counts a new skill has: 3 of 3 successes is 44%–100%, not 100%–100%.
    """
    if trials <= 0:
        return None
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    margin = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    denominator = 1 + z2 / trials
    low = max(0.0, (centre - margin) / denominator)
    high = min(1.0, (centre + margin) / denominator)
    return low, high


def median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None
