"""When two lessons say the same thing, or the opposite: used by the guards on a model's answer
and by the offline merger alike, so both fold paraphrases the same way."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from generator.consolidate.edits import words

DUPLICATE_AT = 0.6
"""Similarity from which a lesson counts as a near-duplicate of another."""
_NEGATIONS = re.compile(
    r"(?i)\b(?:not|no|never|don'?t|doesn'?t|isn'?t|aren'?t|won'?t|can'?t|cannot|shouldn'?t|"
    r"avoid|stop|instead|wrong|no longer|neither|nor)\b"
)


def similarity(a: str, b: str) -> float:
    """How alike two lessons are, 0..1: the best of whole-bullet word overlap (Dice), character
    similarity, and overlap of the lesson clauses alone (the part before the evidence)."""
    wa, wb = _stems(a), _stems(b)
    if not wa or not wb:
        return 0.0
    dice = 2 * len(wa & wb) / (len(wa) + len(wb))
    sequence = SequenceMatcher(None, " ".join(sorted(wa)), " ".join(sorted(wb))).ratio() * 0.9
    la, lb = _stems(_lesson(a)), _stems(_lesson(b))
    shared = len(la & lb)
    lesson = 2 * shared / (len(la) + len(lb)) if shared >= 3 else 0.0
    return max(dice, sequence, lesson)


def contradicts(a: str, b: str) -> bool:
    """Whether two alike lessons point opposite ways: one denies what the other asserts
    (``Haiku is good enough`` against ``Haiku is not good enough``)."""
    return bool(_NEGATIONS.search(_lesson(a))) != bool(_NEGATIONS.search(_lesson(b)))


def _lesson(text: str) -> str:
    return re.split(r"[.;:!?](?:\s|$)", text, maxsplit=1)[0]


_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")


def _stems(text: str) -> set[str]:
    """Content words with common English endings folded: checking/checks/checked -> check.
    Web addresses are left out: two lessons citing one site are not alike for it."""
    out = set()
    for word in words(_URL.sub(" ", text)):
        for ending in ("ing", "ed", "es", "s"):
            if len(word) > len(ending) + 3 and word.endswith(ending):
                word = word[: -len(ending)]
                break
        out.add(word)
    return out
