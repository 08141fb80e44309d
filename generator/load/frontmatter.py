"""Frontmatter: python-frontmatter splits and parses the YAML; errors come back with a line."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import frontmatter
import yaml

_HANDLER = frontmatter.YAMLHandler()
# libyaml's loader when PyYAML was built with it: several times faster on big vaults.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class SplitNote:
    meta: dict[str, Any]
    body: str
    body_offset: int
    """Lines before the body (the ``---`` block), so body line 0 is file line offset + 1."""
    error: tuple[int, str] | None = None
    """(file line, message) when the YAML is malformed; meta is then empty."""
    frontmatter_text: str = ""


def split_frontmatter(text: str) -> SplitNote:
    if not text.startswith("---") or not _HANDLER.detect(text):
        return SplitNote({}, text, 0)
    try:
        fm, content = _HANDLER.split(text)
    except ValueError:
        return SplitNote({}, text, 0)
    head_len = len(text) - len(content)
    offset = text[:head_len].count("\n")
    if content.startswith("\n"):
        content, offset = content[1:], offset + 1
    try:
        loaded = yaml.load(fm, Loader=_LOADER) if fm.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # The YAML text starts with the newline after the opening ---, so its line N (0-based)
        # is file line N + 1.
        line = (mark.line + 1) if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return SplitNote({}, content, offset, (line, f"malformed YAML frontmatter: {problem}"), fm)
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        return SplitNote({}, content, offset, (2, "frontmatter is not a mapping of keys"), fm)
    return SplitNote(_jsonable(loaded), content, offset, None, fm)


def _jsonable(value: Any) -> Any:
    """Dates become ISO strings so the metadata survives JSON (graph.json, caches) unchanged."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def key_line(frontmatter_text: str, key: str) -> int:
    """1-based file line of ``key:`` in the frontmatter block (1 = the opening ``---``)."""
    for number, line in enumerate(frontmatter_text.split("\n"), start=1):
        if line.startswith(f"{key}:"):
            return number
    return 1
