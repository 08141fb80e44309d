"""A small vault, its mkdocs.yml, and the CLI run in-process: shared by the record and
importer tests (which write their transcripts and OTLP files themselves)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.cli import main
from tests.conftest import write_vault

VAULT = {
    "articles/Grading an article.md": """\
        ---
        type: definitive
        description: "Grade a draft against the rubric."
        agent: "[[Jennifer]]"
        ---
        # Grading an article

        ## Skill
        1. Read the brief.
        2. Score the draft.

        ## Learnings
        - Quote the sentence at fault. ^l-quote
        """,
    "articles/Building a knowledge panel.md": """\
        ---
        type: definitive
        description: "Build a knowledge panel for an entity."
        agent: "[[Ethan]]"
        ---
        # Building a knowledge panel

        ## Skill
        1. Take the legal name from the registry.

        ## Learnings
        - Registry first. ^l-registry
        """,
    "agents/Jennifer.md": "---\ntype: agent\njob: Grades drafts.\nowner: Dana\n---\n# Jennifer\n",
    "agents/Ethan.md": "---\ntype: agent\njob: Builds panels.\nowner: Dana\n---\n# Ethan\n",
    "agents/Cam.md": "---\ntype: agent\njob: Collects comments.\nowner: Sofia\n---\n# Cam\n",
}
CONFIG = """\
site_name: Runs test
theme:
  name: material
  font: false
extra:
  definitive:
    vault: vault
    search: false
    claude_code_projects:
      panels: {article: Building a knowledge panel, agent: Ethan}
      ~/nowhere/typo: {article: Grading an articel}
"""


@dataclass
class Ran:
    code: int
    out: str
    err: str


def make(root: Path, config: str = CONFIG) -> tuple[Path, Path]:
    """(vault, mkdocs.yml) under ``root``."""
    vault = write_vault(root / "vault", dict(VAULT))
    config_file = root / "mkdocs.yml"
    config_file.write_text(config, encoding="utf-8")
    return vault, config_file


def run(*argv: str, stdin: str = "") -> Ran:
    """``definitive ARGV`` in this process, ``stdin`` piped in (never a terminal)."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin, os.environ.get("COLUMNS"), os.environ.get("NO_COLOR")
    sys.stdin = io.StringIO(stdin)
    os.environ.update(COLUMNS="400", NO_COLOR="1")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse's usage errors
                code = int(exc.code or 0)
    finally:
        sys.stdin = saved[0]
        for key, value in (("COLUMNS", saved[1]), ("NO_COLOR", saved[2])):
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return Ran(code, out.getvalue(), err.getvalue())


def jsonl(path: Path, records: Iterable[dict | str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def meta_files(vault: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted((vault / "meta").glob("*.md"))}


def frontmatter(text: str) -> dict:
    import yaml

    return yaml.safe_load(text.split("---\n")[1])
