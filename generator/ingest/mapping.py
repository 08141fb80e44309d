"""``extra.definitive.claude_code_projects``: which article and agent a project's sessions are.

    claude_code_projects:
      ~/agents/jennifer: {article: Grading an article, agent: Jennifer}
      "panels-*": {article: Building a knowledge panel}

A key with a ``/`` (or starting with ``~``) is a folder: it matches a session run in that
folder or below it (globs allowed; a relative path matches wherever it is). A key without
one matches a folder of that name at any depth, like a ``.gitignore`` line. The first
matching key, in the file's order, wins. Whether the names exist is checked when a session is
imported (the config does not know the vault).
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from generator.errors import UsageError

KEYS = ("article", "agent")


@dataclass(frozen=True)
class ProjectRule:
    pattern: str
    article: str
    agent: str | None = None


def parse_projects(value: Any, source: str) -> list[ProjectRule]:
    where = f"{source}: extra.definitive.claude_code_projects"
    if value is None:
        return []
    if not isinstance(value, dict):
        raise UsageError(
            f"{where} must be a mapping of project folder to {{article, agent}}, e.g. "
            '{"~/agents/jennifer": {article: "Grading an article", agent: Jennifer}}'
        )
    rules = []
    for pattern, target in value.items():
        if not isinstance(pattern, str) or not pattern.strip():
            raise UsageError(f"{where}: {pattern!r} is not a folder")
        here = f"{where}.{pattern}"
        if not isinstance(target, dict):
            raise UsageError(f"{here} must be a mapping with `article` (and optionally `agent`)")
        unknown = sorted(str(k) for k in target if k not in KEYS)
        if unknown:
            raise UsageError(f"{here}: unknown key(s) {', '.join(unknown)} (known: article, agent)")
        for key in KEYS:
            if key in target and (not isinstance(target[key], str) or not target[key].strip()):
                raise UsageError(f"{here}.{key} must be a note's name")
        if "article" not in target:
            raise UsageError(f"{here} needs `article` (the definitive article's name)")
        rules.append(ProjectRule(pattern.strip(), target["article"], target.get("agent")))
    return rules


def match_project(rules: list[ProjectRule], folder: str) -> ProjectRule | None:
    """The first rule whose pattern matches ``folder`` (a session's working directory)."""
    path = PurePosixPath(folder.replace("\\", "/"))
    for rule in rules:
        if _matches(rule.pattern, path):
            return rule
    return None


def _matches(pattern: str, path: PurePosixPath) -> bool:
    pattern = pattern.replace("\\", "/")
    if pattern.startswith("~"):
        pattern = os.path.expanduser(pattern).replace("\\", "/")
    pattern = pattern.rstrip("/") or "/"
    if "/" in pattern and not pattern.startswith("/"):
        pattern = f"*/{pattern}"  # a relative path: those folders, wherever they are
    if "/" not in pattern:
        return any(fnmatch.fnmatchcase(part, pattern) for part in path.parts if part != "/")
    candidates = [path, *path.parents]
    return any(fnmatch.fnmatchcase(str(p), pattern) for p in candidates)
