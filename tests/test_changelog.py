"""The changelog page and its Atom feed: what each consolidation run changed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from generator.pipeline import build
from tests.conftest import DEMO_CONFIG, DEMO_VAULT, settings_for

ATOM = "{http://www.w3.org/2005/Atom}"


def test_changelog_lists_each_consolidation_run_with_a_feed(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    shutil.copytree(DEMO_VAULT, vault, ignore=shutil.ignore_patterns(".definitive"))
    settings = settings_for(vault, tmp_path / "site", config=DEMO_CONFIG)
    build(settings)
    changelog = settings.docs_dir / "changelog" / "index.md"
    assert "No consolidation run yet" in changelog.read_text(encoding="utf-8")
    empty = ET.fromstring((tmp_path / "site" / "changelog.xml").read_text(encoding="utf-8"))
    assert empty.findall(f"{ATOM}entry") == []

    merged = subprocess.run(
        [sys.executable, "-m", "generator", "consolidate", "--offline", "--vault", str(vault)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert merged.returncode == 0, merged.stderr
    build(settings)
    page = (tmp_path / "site" / "changelog" / "index.html").read_text(encoding="utf-8")
    changes = page.split('class="dfn-list dfn-changelog"', 1)[1].split("</ul>", 1)[0]
    for title in (
        "Grading an article",
        "Building a knowledge panel",
        "Collecting positive comments",
    ):
        assert f">{title}</a>" in changes
    assert "Verifying a review source" not in changes  # nothing new for it this run
    assert "merged 4 meta articles into 3 definitive articles" in changes

    feed = ET.fromstring((tmp_path / "site" / "changelog.xml").read_text(encoding="utf-8"))
    (entry,) = feed.findall(f"{ATOM}entry")
    run_id = entry.find(f"{ATOM}id").text.rsplit(":", 1)[1]
    assert run_id in entry.find(f"{ATOM}title").text
    href = entry.find(f"{ATOM}link").get("href")
    assert (tmp_path / "site" / href / "index.html").is_file()  # the run's own meta article
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert 'type="application/atom+xml"' in home and "changelog.xml" in home


def test_feed_links_are_absolute_with_site_url(make_vault, tmp_path: Path) -> None:
    vault = make_vault(
        {
            "articles/A.md": "---\ndescription: Do A.\n---\n## Skill\n1. x\n## Learnings\n- y\n",
            "meta/run.md": (
                "---\ntype: meta\ndate: 2026-11-20\noutcome: success\n"
                "consolidation_run: 20261120T010000Z\n---\n## What was done\n"
                "Consolidation run merged 1 meta article into [[A]].\n"
            ),
            "meta/secret run.md": (
                "---\ntype: meta\npublish: false\ndate: 2026-11-21\n"
                "consolidation_run: 20261121T010000Z\n---\n## What was done\nHidden.\n"
            ),
        }
    )
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: Ops\nsite_url: https://proof.example.org/team/\n")
    build(settings_for(vault, tmp_path / "site", config=config))
    feed = ET.fromstring((tmp_path / "site" / "changelog.xml").read_text(encoding="utf-8"))
    (entry,) = feed.findall(f"{ATOM}entry")  # the private run is not listed
    assert entry.find(f"{ATOM}link").get("href") == "https://proof.example.org/team/meta/run/"
    assert entry.find(f"{ATOM}updated").text == "2026-11-20T00:00:00Z"
    summary = entry.find(f"{ATOM}summary").text
    assert summary == "Consolidation run merged 1 meta article into A."
