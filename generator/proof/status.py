"""Statuses: the one place that decides whether a skill is proven, and says why.

A record (an article's or an agent's runs, oldest first) gets exactly one status:

- ``failing``: the latest ``failing_after`` runs all failed;
- ``stale``: no run for more than ``stale_after_days`` days;
- ``proven``: at least ``proven_after`` successes, a success rate of at least
  ``proven_min_rate`` over the latest ``proven_window`` runs, and the latest run did not fail;
- ``unreliable``: it was proven once and no longer meets that bar;
- ``probation``: not shown often enough yet.

Runs whose outcome is ``unknown`` (an imported run nobody judged yet) count as neither a
success nor a failure: they are left out of every rate and of the status.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from generator.config import Options
from generator.proof.stats import wilson

Status = Literal["proven", "probation", "unreliable", "stale", "failing"]
STATUSES: tuple[Status, ...] = ("proven", "probation", "unreliable", "stale", "failing")
DECIDED = ("success", "partial", "failure")


class Outcome(Protocol):
    @property
    def outcome(self) -> str: ...

    @property
    def date(self) -> dt.date: ...


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str
    """One sentence a visitor reads on the badge: the numbers and the rule behind them."""


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def rate_phrase(successes: int, decided: int) -> str:
    """``4 of 7 runs succeeded (57%, 95% CI 25–84%)``."""
    interval = wilson(successes, decided)
    if interval is None:
        return "no judged run yet"
    runs = "run" if decided == 1 else "runs"
    return (
        f"{successes} of {decided} {runs} succeeded ({percent(successes / decided)}, "
        f"95% CI {interval[0] * 100:.0f}–{percent(interval[1])})"
    )


def _proven_after_each(decided: Sequence[Outcome], options: Options) -> list[bool]:
    """For each prefix of the judged runs, whether it met the proven bar (one pass)."""
    met: list[bool] = []
    successes = 0
    window: deque[bool] = deque(maxlen=options.proven_window)
    for run in decided:
        success = run.outcome == "success"
        successes += success
        window.append(success)
        met.append(
            run.outcome != "failure"
            and successes >= options.proven_after
            and sum(window) / len(window) >= options.proven_min_rate
        )
    return met


def verdict(runs: Sequence[Outcome], options: Options, today: dt.date) -> Verdict:
    """The status of a record and its reason. ``runs``: oldest first."""
    decided = [r for r in runs if r.outcome in DECIDED]
    successes = sum(1 for r in decided if r.outcome == "success")
    overall = rate_phrase(successes, len(decided))
    overall = overall[0].upper() + overall[1:]
    window = decided[-options.proven_window :]
    window_successes = sum(1 for r in window if r.outcome == "success")
    bar = (
        f"proven needs {options.proven_after} successes, {percent(options.proven_min_rate)} "
        f"over the last {options.proven_window} runs and a latest run that did not fail"
    )

    recent = decided[-options.failing_after :]
    if len(recent) == options.failing_after and all(r.outcome == "failure" for r in recent):
        return Verdict("failing", f"The last {options.failing_after} runs failed. {overall}.")
    if runs and (today - runs[-1].date).days > options.stale_after_days:
        return Verdict(
            "stale",
            f"No run since {runs[-1].date.isoformat()} (stale after "
            f"{options.stale_after_days} days). {overall}.",
        )
    met = _proven_after_each(decided, options)
    if met and met[-1]:
        return Verdict("proven", f"{overall}; {bar}.")
    if decided and decided[-1].outcome == "failure":
        why = "the latest run failed"
    elif successes < options.proven_after:
        why = f"{successes} of the {options.proven_after} successes needed"
    else:
        why = (
            f"{window_successes} of the last {len(window)} runs succeeded "
            f"({percent(window_successes / len(window))})"
        )
    if any(met):
        return Verdict("unreliable", f"Was proven, fell below the bar: {why}. {overall}; {bar}.")
    return Verdict("probation", f"{overall}: {why}; {bar}.")
