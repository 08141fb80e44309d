"""Shared fixtures: small vaults written on the fly, and the demo vault built once per session."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from generator.config import Settings, load_settings
from generator.pipeline import Analysis, BuildReport, analyse, build

ROOT = Path(__file__).resolve().parent.parent
DEMO_VAULT = ROOT / "vault"
DEMO_CONFIG = ROOT / "mkdocs.yml"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


PLAIN_ENV = {"COLUMNS": "200", "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
"""A terminal as plain as a cron job's: wide, no colour, no inherited settings."""


def write_vault(root: Path, files: dict[str, str | bytes], *, dedent: bool = True) -> Path:
    """Writes ``files`` (vault-relative path -> text or bytes) below ``root``; text is dedented
    unless ``dedent=False`` (a test about exact bytes or leading spaces)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            text = textwrap.dedent(content).lstrip("\n") if dedent else content
            path.write_text(text, encoding="utf-8")
    return root


def run_cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``definitive ARGS`` as a user runs it: a new process, output captured as text. The
    timeout only guards against a hang; a test that needs a gentler failure catches it."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        preexec_fn=preexec_fn,
    )


@dataclass
class Built:
    settings: Settings
    report: BuildReport

    @property
    def site(self) -> Path:
        return self.settings.site_dir

    def html(self, url: str) -> str:
        """The HTML of a page by its site URL, e.g. ``notes/how-we-grade/``."""
        path = self.site / url
        if url.endswith("/") or url == "":
            path = path / "index.html"
        return path.read_text(encoding="utf-8")

    def docs(self, rel: str) -> str:
        return (self.settings.docs_dir / rel).read_text(encoding="utf-8")


@pytest.fixture
def make_vault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[dict[str, str | bytes]], Path]:
    # Run from an empty folder: no ./mkdocs.yml, as for a user's bare Obsidian vault.
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)

    def make(files: dict[str, str | bytes]) -> Path:
        return write_vault(tmp_path / "vault", files)

    return make


def settings_for(vault: Path, site: Path, config: Path | None = None, **kw: object) -> Settings:
    return load_settings(vault=vault, config=config, site_dir=site, **kw)  # type: ignore[arg-type]


@pytest.fixture
def check_vault(make_vault: Callable[[dict[str, str | bytes]], Path], tmp_path: Path):
    """Write a vault and analyse it (load + resolve + audit), as `definitive check` does."""

    def run(files: dict[str, str | bytes]) -> Analysis:
        vault = make_vault(files)
        return analyse(settings_for(vault, tmp_path / "site"))

    return run


@pytest.fixture
def build_vault(make_vault: Callable[[dict[str, str | bytes]], Path], tmp_path: Path):
    """Write a vault and build it with the real MkDocs into a temporary site folder."""

    def run(files: dict[str, str | bytes], **kw: object) -> Built:
        vault = make_vault(files)
        settings = settings_for(vault, tmp_path / "site", **kw)
        return Built(settings, build(settings))

    return run


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The demo vault (a copy, so the repository stays clean) built with the repo's mkdocs.yml,
    plus the XSS fixture note (an agent's untrusted output) in its notes/ folder."""
    base = tmp_path_factory.mktemp("demo")
    vault = base / "vault"
    shutil.copytree(DEMO_VAULT, vault, ignore=shutil.ignore_patterns(".definitive"))
    shutil.copy(FIXTURES / "Untrusted agent output.md", vault / "notes")
    settings = settings_for(vault, base / "site", config=DEMO_CONFIG)
    return Built(settings, build(settings))


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The vault paths of the notes parsed (not taken from the parsed-note cache) from now on,
    in this process."""
    import generator.load.vault as loader

    parsed: list[str] = []
    real = loader._parse_one

    def counting(rel: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(rel)
        return real(rel, *args, **kwargs)

    monkeypatch.setattr(loader, "_parse_one", counting)
    return parsed
