"""The command line as a user runs it: exit codes, messages, output formats."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import DEMO_CONFIG, DEMO_VAULT, PLAIN_ENV, run_cli, write_vault


def definitive(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, cwd=cwd, env=PLAIN_ENV, timeout=120)


def test_check_demo_vault_reports_the_deliberate_broken_link(tmp_path: Path) -> None:
    result = definitive(
        "check", "--vault", str(DEMO_VAULT), "--config", str(DEMO_CONFIG), cwd=tmp_path
    )
    assert result.returncode == 1
    assert (
        "notes/Planning for December.md:19: warning link-broken: unresolved link "
        "[[Quarterly client review]]" in result.stderr
    )
    assert "43 notes checked: 1 finding" in result.stdout


def test_check_json_is_machine_readable(tmp_path: Path) -> None:
    result = definitive("check", "--vault", str(DEMO_VAULT), "--format", "json", cwd=tmp_path)
    document = json.loads(result.stdout)
    assert document["notes"] == 43
    (finding,) = document["findings"]
    assert finding == {
        "code": "link-broken",
        "path": "notes/Planning for December.md",
        "line": 19,
        "message": "unresolved link [[Quarterly client review]]",
        "severity": "warning",
        "candidates": [],
    }


def test_check_clean_vault_exits_zero(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "v", {"a.md": "[[b]]\n", "b.md": "b\n"})
    result = definitive("check", "--vault", str(vault), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 notes checked: clean" in result.stdout


def test_usage_and_config_errors_exit_two_with_a_message(tmp_path: Path) -> None:
    missing = definitive("check", "--vault", str(tmp_path / "nope"), cwd=tmp_path)
    assert missing.returncode == 2
    assert "vault folder not found" in missing.stderr and "Traceback" not in missing.stderr
    assert definitive("check", "--frobnicate", cwd=tmp_path).returncode == 2
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: x\nextra:\n  definitive:\n    privat_folders: [a]\n")
    vault = write_vault(tmp_path / "v", {"a.md": "a\n"})
    bad = definitive("build", "--vault", str(vault), cwd=tmp_path)
    assert bad.returncode == 2
    assert "unknown option(s) under extra.definitive: privat_folders" in bad.stderr
    config.write_text("site_name: [unclosed\n")
    broken = definitive("check", "--vault", str(vault), cwd=tmp_path)
    assert broken.returncode == 2 and "mkdocs.yml: not valid YAML" in broken.stderr


def test_build_bare_vault_with_no_config(tmp_path: Path) -> None:
    """`definitive build --vault ~/Notes --site-dir /tmp/out` from anywhere just works."""
    vault = write_vault(
        tmp_path / "Notes",
        {"Daily/2026-11-01.md": "Met [[Sam]] #people\n", "People/Sam.md": "# Sam\n\nHi.\n"},
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    out = tmp_path / "out"
    result = definitive("build", "--vault", str(vault), "--site-dir", str(out), cwd=work)
    assert result.returncode == 0, result.stderr
    assert "2 notes (2 published)" in result.stdout and "site built" in result.stdout
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "<title>Home - Notes</title>" in home  # site name from the vault folder
    assert (out / "people" / "sam" / "index.html").is_file()
    assert (out / "tags" / "people" / "index.html").is_file()
    assert (vault / ".definitive" / ".gitignore").read_text().strip().endswith("cache/")
    again = definitive("build", "--vault", str(vault), "--site-dir", str(out), cwd=work)
    assert "emitted 0 files" in again.stdout and "site up to date" in again.stdout


def test_build_strict_fails_on_broken_links(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(DEMO_VAULT, vault, ignore=shutil.ignore_patterns(".definitive"))
    out = tmp_path / "site"
    result = definitive(
        "build",
        "--strict",
        "--vault",
        str(vault),
        "--config",
        str(DEMO_CONFIG),
        "--site-dir",
        str(out),
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "--strict: 1 broken link or withheld file; site not built" in result.stderr
    assert "Planning for December.md:19" in result.stderr
    assert not out.exists()


def test_quiet_build_prints_nothing(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "v", {"a.md": "a\n"})
    result = definitive(
        "build", "-q", "--vault", str(vault), "--site-dir", str(tmp_path / "s"), cwd=tmp_path
    )
    assert result.returncode == 0
    assert result.stdout == "" and result.stderr == ""


def test_site_dir_inside_vault_is_refused(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "v", {"a.md": "a\n"})
    result = definitive(
        "build", "--vault", str(vault), "--site-dir", str(vault / "site"), cwd=tmp_path
    )
    assert result.returncode == 2 and "must not be inside the vault" in result.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> str | None:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def test_serve_rebuilds_when_a_vault_note_changes(tmp_path: Path) -> None:
    import time

    vault = write_vault(tmp_path / "v", {"a.md": "# A\n\nFirst words.\n", "b.md": "[[a]]\n"})
    port = _free_port()
    scratch = tmp_path / "tmp"  # where the preview's temporary site goes
    scratch.mkdir()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "generator",
            "serve",
            "--vault",
            str(vault),
            "--dev-addr",
            f"127.0.0.1:{port}",
        ],
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/a/"
    try:
        deadline = time.monotonic() + 60
        page = None
        while time.monotonic() < deadline and not (page and "First words." in page):
            time.sleep(0.5)
            page = _get(url)
        assert page and "First words." in page
        (vault / "a.md").write_text("# A\n\nSecond words.\n", encoding="utf-8")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "Second words." not in (page or ""):
            time.sleep(0.5)
            page = _get(url)
        assert page and "Second words." in page
    finally:
        process.terminate()  # as a process manager stops it
        process.wait(timeout=20)
    assert not list(scratch.glob("definitive-serve-*")), "the preview's site was left behind"


def test_check_runs_from_inside_the_vault(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "Notes", {"a.md": "[[b]]\n", "b.md": "b\n"})
    result = definitive("check", "--vault", ".", cwd=vault)
    assert result.returncode == 0, result.stderr


def test_mkdocs_config_error_says_why(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "v", {"a.md": "[[nowhere]]\n"})
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: x\ntheme:\n  name: material\n  custom_dir: no_such_overrides\n"
    )
    result = definitive("build", "--vault", str(vault), cwd=tmp_path)
    assert result.returncode == 1
    assert "no_such_overrides" in result.stderr and "does not exist" in result.stderr
    assert "link-broken" in result.stderr  # the findings are still shown


def test_quiet_hides_warnings_and_verbose_goes_anywhere(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "v", {"a.md": "[[nowhere]]\n"})
    site = str(tmp_path / "s")
    quiet = definitive("-q", "build", "--vault", str(vault), "--site-dir", site, cwd=tmp_path)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    verbose = definitive("build", "-v", "--vault", str(vault), "--site-dir", site, cwd=tmp_path)
    assert "link-broken" in verbose.stderr and "site up to date" in verbose.stdout
    both = definitive("-q", "build", "-v", "--vault", str(vault), cwd=tmp_path)
    assert both.returncode == 2 and "cannot be used together" in both.stderr


def test_serve_rejects_a_bad_address_before_starting(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "v", {"a.md": "a\n"})
    result = definitive("serve", "--vault", str(vault), "--dev-addr", "nope", cwd=tmp_path)
    assert result.returncode == 2 and "expected HOST:PORT" in result.stderr
    assert "serving" not in result.stdout


def test_editing_a_theme_override_rebuilds_the_site(tmp_path: Path) -> None:
    vault = write_vault(tmp_path / "v", {"a.md": "a\n"})
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "main.html").write_text('{% extends "base.html" %}\n')
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: x\ntheme:\n  name: material\n  custom_dir: overrides\n"
    )
    assert definitive("build", "--vault", str(vault), cwd=tmp_path).returncode == 0
    (overrides / "main.html").write_text(
        '{% extends "base.html" %}\n{% block extrahead %}<meta name="probe" content="2">'
        "{% endblock %}\n"
    )
    again = definitive("build", "--vault", str(vault), cwd=tmp_path)
    assert "site built" in again.stdout
    assert 'name="probe"' in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")


def test_another_projects_mkdocs_yml_is_not_used_for_your_vault(tmp_path: Path) -> None:
    """`definitive build --vault ~/Notes` run inside a project (this checkout, say) builds
    Notes with the built-in config and says why, instead of titling it after the project."""
    project = tmp_path / "project"
    write_vault(project / "vault", {"index.md": "# Project\n"})
    (project / "mkdocs.yml").write_text("site_name: Project demo\n")
    notes = write_vault(tmp_path / "Notes", {"a.md": "# A\n\nHello.\n"})
    site = tmp_path / "out"
    built = definitive("build", "--vault", str(notes), "--site-dir", str(site), cwd=project)
    assert built.returncode == 0, built.stderr
    assert "not using" in built.stderr and "site config of the vault" in built.stderr
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "Project demo" not in home and "<title>Home - Notes</title>" in home
    # The project's own vault still gets the project's config, silently.
    own = definitive("check", "--vault", "vault", cwd=project)
    assert own.returncode == 0 and "not using" not in own.stderr
    # A config that names no vault of its own is a site config for any vault: used as given.
    (project / "vault" / "index.md").unlink()
    (project / "vault").rmdir()
    again = definitive("build", "--vault", str(notes), "--site-dir", str(site), cwd=project)
    assert again.returncode == 0 and "not using" not in again.stderr
    assert "Project demo" in (site / "index.html").read_text(encoding="utf-8")


def test_a_build_under_cprofile_leaves_its_profile(tmp_path: Path) -> None:
    """A program's build ends without freeing its objects (`os._exit`), except under a
    profiler or tracer, which write their results at exit."""
    vault = write_vault(tmp_path / "v", {"a.md": "# A\n\n[[b]]\n", "b.md": "# B\n"})
    profile = tmp_path / "build.pstats"
    command = [sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "generator", "-q"]
    built = subprocess.run(
        [*command, "build", "--vault", str(vault), "--site-dir", str(tmp_path / "site")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=PLAIN_ENV,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert (tmp_path / "site" / "b" / "index.html").is_file()
    assert profile.is_file() and profile.stat().st_size > 0
