"""Frontmatter: python-frontmatter splits the note, PyYAML parses the YAML within limits.

The YAML comes from agents, so reading it is bounded and total:

- a frontmatter block larger than ``max_frontmatter_bytes`` is not parsed at all;
- the YAML is composed first (libyaml's parser when PyYAML has it: several times faster on
  big vaults); when it uses aliases, its node graph is measured *as if they were expanded*,
  without expanding them: an alias bomb ("billion laughs", merge-key bombs), a recursive
  alias or nesting deeper than `MAX_DEPTH` is refused before a single Python object is built
  (without aliases, the byte limit already bounds what the YAML can make);
- a scalar PyYAML cannot make (``date: 2026-02-30``, an integer too long for Python) stays
  the text it was written as, for `kinds.validate` to report at its line;
- anything else a constructor raises is a malformed-frontmatter error, never a traceback.

Every refusal comes back as ``SplitNote.error`` (file line, message).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import frontmatter
import yaml

_HANDLER = frontmatter.YAMLHandler()
_BASE: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_FRONTMATTER_BYTES = 65_536
"""Default of ``extra.definitive.max_frontmatter_bytes``."""
MAX_FRONTMATTER_ITEMS = 10_000
"""Default of ``extra.definitive.max_frontmatter_items``: keys, values and list entries
counted with every alias expanded."""
MAX_DEPTH = 64
"""Lists and mappings nested deeper than this are refused (PyYAML builds them recursively)."""


class _Loader(_BASE):
    """PyYAML's safe loader, except that a scalar it cannot make stays a string."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):  # 2026-02-30, a year 0...
            return self.construct_scalar(node)

    def construct_yaml_int(self, node: yaml.Node) -> Any:
        try:
            return super().construct_yaml_int(node)
        except (ValueError, OverflowError):  # over Python's 4,300-digit int() limit
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


@dataclass
class SplitNote:
    meta: dict[str, Any]
    body: str
    body_offset: int
    """Lines before the body (the ``---`` block), so body line 0 is file line offset + 1."""
    error: tuple[int, str] | None = None
    """(file line, message) when the YAML is malformed or over a limit; meta is then empty."""
    frontmatter_text: str = ""


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def split_frontmatter(
    text: str,
    *,
    max_bytes: int = MAX_FRONTMATTER_BYTES,
    max_items: int = MAX_FRONTMATTER_ITEMS,
) -> SplitNote:
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
    size = len(fm.encode("utf-8", errors="replace"))
    if size > max_bytes:
        message = (
            f"frontmatter is {size:,} bytes, over the {max_bytes:,}-byte limit "
            "(extra.definitive.max_frontmatter_bytes); not read"
        )
        return SplitNote({}, content, offset, (1, message), fm)
    try:
        loaded = _load(fm, max_items) if fm.strip() else {}
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            return SplitNote({}, content, offset, (2, "frontmatter is not a mapping of keys"), fm)
        meta = {}
        for key, value in loaded.items():
            try:
                meta[str(key)] = _jsonable(value, 2)
            except _Refused as refused:
                refused.line = key_line(fm, str(key))
                raise
    except _Refused as refused:
        return SplitNote({}, content, offset, (refused.line, refused.message), fm)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # The YAML text starts with the newline after the opening ---, so its line N (0-based)
        # is file line N + 1.
        line = (mark.line + 1) if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return SplitNote({}, content, offset, (line, f"malformed YAML frontmatter: {problem}"), fm)
    except (ValueError, TypeError, ArithmeticError, RecursionError, MemoryError) as exc:
        # A constructor's own error on some odd value: malformed, like a syntax error.
        message = f"malformed YAML frontmatter: {type(exc).__name__}: {str(exc)[:200]}"
        return SplitNote({}, content, offset, (1, message), fm)
    return SplitNote(meta, content, offset, None, fm)


def _load(fm: str, max_items: int) -> Any:
    """`yaml.load`, with the composed node graph measured before anything is constructed."""
    loader = _Loader(fm)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "*" in fm:  # only an alias can make the data outgrow the text, already capped
            _measure(node, max_items)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _measure(root: yaml.Node, max_items: int) -> None:
    """Refuse a node graph whose expansion has more than ``max_items`` nodes, nests deeper
    than `MAX_DEPTH`, or contains itself. Shared (aliased) nodes are measured once and
    counted each time they are used, so the cost is linear in the YAML text."""
    expanded: dict[int, int] = {}  # id(node) -> its size with aliases expanded
    on_path: set[int] = set()
    # Iterative post-order walk: (node, depth, children pushed yet?)
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            total = 1 + sum(expanded[id(child)] for child in _children(node))
            if total > max_items:
                raise _Refused(
                    _line(node),
                    f"frontmatter expands to more than {max_items:,} values (through YAML "
                    "aliases, or simply too many; extra.definitive.max_frontmatter_items); "
                    "not read",
                )
            expanded[key] = total
            continue
        if key in expanded:
            continue
        if key in on_path:
            raise _Refused(_line(node), "frontmatter contains a recursive YAML alias; not read")
        if depth > MAX_DEPTH:
            raise _Refused(
                _line(node), f"frontmatter nests deeper than {MAX_DEPTH} levels; not read"
            )
        on_path.add(key)
        stack.append((node, depth, True))
        for child in _children(node):
            if id(child) in on_path:
                raise _Refused(
                    _line(child), "frontmatter contains a recursive YAML alias; not read"
                )
            if id(child) not in expanded:
                stack.append((child, depth + 1, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []


def _line(node: yaml.Node) -> int:
    mark = getattr(node, "start_mark", None)
    return (mark.line + 1) if mark is not None else 1


def _jsonable(value: Any, depth: int = 1) -> Any:
    """Plain JSON data, so the metadata survives graph.json and the caches unchanged: dates
    become ISO strings; values JSON has no form for (NaN, infinities, sets, binary) become
    lists or strings that `kinds.validate` then reports where a number was expected."""
    if isinstance(value, dict | list | tuple | set | frozenset) and depth > MAX_DEPTH:
        raise _Refused(1, f"frontmatter nests deeper than {MAX_DEPTH} levels; not read")
    if isinstance(value, dict):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v, depth + 1) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((_jsonable(v, depth + 1) for v in value), key=str)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, bytes):
        return f"<{len(value)} bytes of binary data>"
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def key_line(frontmatter_text: str, key: str) -> int:
    """1-based file line of ``key:`` in the frontmatter block (1 = the opening ``---``)."""
    for number, line in enumerate(frontmatter_text.split("\n"), start=1):
        if line.startswith(f"{key}:"):
            return number
    return 1
