"""Careless use loses nothing: a wrong --site-dir, a busy port, export-skills onto a folder
that holds other things. Each test drives the real command line and checks files survive."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from generator.config import SITE_MARKER, check_site_dir
from generator.consolidate.export import MANIFEST
from generator.errors import UsageError
from tests.conftest import DEMO_VAULT, run_cli

TIMEOUT = 300  # only guards against a hang


def definitive(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env=env, timeout=TIMEOUT)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    path = tmp_path / "vault"
    shutil.copytree(DEMO_VAULT, path, ignore=shutil.ignore_patterns(".definitive"))
    return path


def belongings(folder: Path) -> Path:
    """A folder of someone's own files: a document and a photo folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "thesis.docx").write_bytes(b"four years of work")
    (folder / "photos").mkdir()
    (folder / "photos" / "wedding.jpg").write_bytes(b"\xff\xd8 irreplaceable")
    return folder


def intact(folder: Path) -> bool:
    return (folder / "thesis.docx").read_bytes() == b"four years of work" and (
        folder / "photos" / "wedding.jpg"
    ).is_file()


# --- build --site-dir -------------------------------------------------------------------------


def test_build_refuses_a_folder_that_is_not_a_site_and_says_how_to_proceed(
    tmp_path: Path, vault: Path
) -> None:
    mine = belongings(tmp_path / "Documents")
    result = definitive("build", "--vault", str(vault), "--site-dir", str(mine), cwd=tmp_path)
    assert result.returncode == 2
    assert intact(mine) and not (mine / SITE_MARKER).exists()
    message = " ".join(result.stderr.split())
    assert str(mine) in message and "photos, thesis.docx" in message
    assert "--force" in message and "--site-dir" in message
    assert "Traceback" not in result.stderr


def test_nightly_refuses_it_too_before_consolidating(tmp_path: Path, vault: Path) -> None:
    mine = belongings(tmp_path / "Documents")
    ledger = vault / ".definitive"
    result = definitive(
        "nightly", "--offline", "--vault", str(vault), "--site-dir", str(mine), cwd=tmp_path
    )
    assert result.returncode == 2, result.stderr
    assert intact(mine)
    assert "--force" in result.stderr
    assert not (ledger / "ledger.json").exists()  # nothing was merged first


def test_force_replaces_the_folder_and_marks_it_a_site(tmp_path: Path, vault: Path) -> None:
    mine = belongings(tmp_path / "old-site")
    (mine / ".git").mkdir()  # a deploy checkout: MkDocs keeps dotfiles
    result = definitive(
        "build", "--vault", str(vault), "--site-dir", str(mine), "--force", "-q", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert (mine / "index.html").is_file() and (mine / SITE_MARKER).is_file()
    assert not (mine / "thesis.docx").exists() and (mine / ".git").is_dir()
    # Now a Definitive site: the next build needs no --force.
    (mine / "stale.html").write_text("from an earlier build")
    again = definitive("build", "--vault", str(vault), "--site-dir", str(mine), "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr


def test_an_empty_folder_or_one_of_dotfiles_needs_no_force(tmp_path: Path, vault: Path) -> None:
    site = tmp_path / "site"
    (site / ".well-known").mkdir(parents=True)
    result = definitive("build", "--vault", str(vault), "--site-dir", str(site), "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (site / ".well-known").is_dir() and (site / "index.html").is_file()


def test_a_site_built_before_the_marker_existed_is_recognised(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "assets" / "definitive").mkdir(parents=True)
    (site / "assets" / "definitive" / "definitive.css").write_text("/* earlier build */")
    (site / "index.html").write_text("<p>earlier build</p>")
    check_site_dir(site, tmp_path / "vault", None)  # no UsageError


@pytest.mark.parametrize("where", ["vault's parent", "vault", "inside vault", "config folder"])
def test_force_never_builds_over_the_vault_or_the_config(
    tmp_path: Path, vault: Path, where: str
) -> None:
    config = tmp_path / "project" / "mkdocs.yml"
    config.parent.mkdir()
    config.write_text("site_name: Mine\n")
    site = {
        "vault's parent": tmp_path,
        "vault": vault,
        "inside vault": vault / "notes",
        "config folder": config.parent,
    }[where]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = definitive(
        "build", "--vault", str(vault), "--config", str(config), "--site-dir", str(site),
        "--force", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert "Traceback" not in result.stderr


def test_force_never_builds_over_the_home_folder(tmp_path: Path, vault: Path) -> None:
    home = belongings(tmp_path / "home")
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    result = definitive(
        "build", "--vault", str(vault), "--site-dir", str(home), "--force", cwd=tmp_path, env=env
    )
    assert result.returncode == 2, result.stderr
    assert intact(home) and "home folder" in result.stderr


def test_the_root_and_the_folders_above_home_are_refused() -> None:
    # Checked on the function alone: a regression here must not get to empty "/".
    vault = Path("/nonexistent/vault")
    for site in (Path("/"), Path.home(), *Path.home().parents):
        with pytest.raises(UsageError, match="--force does not change this"):
            check_site_dir(site, vault, None, force=True)


def test_a_site_folder_that_is_a_file_is_refused(tmp_path: Path, vault: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    result = definitive("build", "--vault", str(vault), "--site-dir", str(target), cwd=tmp_path)
    assert result.returncode == 2 and target.read_text() == "keep me"


# --- serve ------------------------------------------------------------------------------------


@pytest.fixture
def busy_port() -> tuple[int, socket.socket]:
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    yield holder.getsockname()[1], holder
    holder.close()


@pytest.mark.parametrize("flag", ["--port", "--dev-addr"])
def test_serve_on_a_busy_port_says_so_and_suggests_another(
    tmp_path: Path, vault: Path, busy_port: tuple[int, socket.socket], flag: str
) -> None:
    port, _ = busy_port
    value = str(port) if flag == "--port" else f"127.0.0.1:{port}"
    result = definitive("serve", "--vault", str(vault), flag, value, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    message = " ".join(result.stderr.split())
    assert f"port {port} on 127.0.0.1 is already in use" in message
    suggested = int(message.split("--port ")[1].split()[0])
    assert suggested != port
    with socket.socket() as probe:  # the suggestion is free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", suggested))


def test_serve_rejects_a_port_out_of_range(tmp_path: Path, vault: Path) -> None:
    result = definitive("serve", "--vault", str(vault), "--port", "70000", cwd=tmp_path)
    assert result.returncode == 2 and "1 to 65535" in result.stderr


# --- export-skills ----------------------------------------------------------------------------


def export(vault: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return definitive("export-skills", str(out), "--vault", str(vault), cwd=vault.parent)


def test_export_skills_leaves_what_it_does_not_own(tmp_path: Path, vault: Path) -> None:
    out = tmp_path / "skills"
    belongings(out)
    hand_made = out / "grading-an-article"  # the user's own skill, named like a proven one
    hand_made.mkdir()
    (hand_made / "SKILL.md").write_text("---\nname: grading-an-article\n---\nMine.\n")
    result = export(vault, out)
    assert result.returncode == 0, result.stderr
    assert intact(out)
    assert (hand_made / "SKILL.md").read_text() == "---\nname: grading-an-article\n---\nMine.\n"
    assert "left grading-an-article/ untouched" in " ".join(result.stderr.split())
    assert "left 3 other entries" in result.stdout and "thesis.docx" in result.stdout
    assert "grading-an-article" not in (out / MANIFEST).read_text()


def test_export_skills_updates_and_retires_only_its_own(tmp_path: Path, vault: Path) -> None:
    out = tmp_path / "skills"
    assert export(vault, out).returncode == 0
    skill = out / "grading-an-article"
    (skill / "SKILL.md").write_text("stale")
    (skill / "notes-of-mine.md").write_text("the user's addition")
    assert export(vault, out).returncode == 0
    assert (skill / "SKILL.md").read_text().startswith("---\nname: grading-an-article")
    assert (skill / "notes-of-mine.md").read_text() == "the user's addition"
    # The article is no longer proven: its exported files go, the user's file stays.
    for meta in (vault / "meta").glob("*.md"):
        text = meta.read_text(encoding="utf-8")
        if "[[Grading an article]]" in text and "outcome: success" in text:
            meta.write_text(text.replace("outcome: success", "outcome: failure"))
    result = export(vault, out)
    assert result.returncode == 0, result.stderr
    assert "grading-an-article/: removed" in result.stdout
    assert not (skill / "SKILL.md").exists() and not (skill / "references").exists()
    assert (skill / "notes-of-mine.md").read_text() == "the user's addition"


def test_export_skills_adopts_an_export_made_before_the_manifest(
    tmp_path: Path, vault: Path
) -> None:
    out = tmp_path / "skills"
    assert export(vault, out).returncode == 0
    (out / MANIFEST).unlink()
    assert export(vault, out).returncode == 0
    assert "grading-an-article" in (out / MANIFEST).read_text()


def test_export_skills_onto_a_file_is_a_clear_error(tmp_path: Path, vault: Path) -> None:
    target = tmp_path / "skills.txt"
    target.write_text("keep me")
    result = export(vault, target)
    assert result.returncode == 2 and "not a folder" in result.stderr
    assert target.read_text() == "keep me" and "Traceback" not in result.stderr
