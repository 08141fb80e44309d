"""`definitive export-skills`: Agent Skill folders for proven articles, checked by the rules."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import yaml

from tests.conftest import DEMO_VAULT, run_cli, write_vault

NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def test_export_skills_writes_valid_skill_folders_for_proven_articles_only(tmp_path):
    vault = tmp_path / "vault"
    shutil.copytree(DEMO_VAULT, vault, ignore=shutil.ignore_patterns(".definitive"))
    out = tmp_path / "skills"
    result = run_cli("export-skills", str(out), "--vault", str(vault), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # Only grading is proven (6 of 8); panels (4 of 7) are on probation, comments fell below
    # the bar (the latest run failed), source checks have 1 success.
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == ["grading-an-article"]
    assert "exported 1 proven skill" in result.stdout
    for folder in (p for p in out.iterdir() if p.is_dir()):
        text = (folder / "SKILL.md").read_text(encoding="utf-8")
        assert text.startswith("---\n")
        _, front, body = text.split("---\n", 2)
        meta = yaml.safe_load(front)
        assert set(meta) == {"name", "description", "metadata"}
        assert meta["metadata"]["definitive-revision"] == "1"
        name = meta["name"]
        assert NAME_RE.match(name) and 1 <= len(name) <= 64 and name == folder.name
        assert "claude" not in name and "anthropic" not in name
        description = meta["description"]
        assert 0 < len(description) < 1024 and "<" not in description
        assert len(body.splitlines()) < 500
        assert "## Steps\n\n1. " in body and "[[" not in body and " ^l-" not in body
        reference = folder / "references" / f"{name}.md"
        assert reference.is_file() and "## Learnings" in reference.read_text(encoding="utf-8")
    grading = (out / "grading-an-article" / "SKILL.md").read_text(encoding="utf-8")
    description = yaml.safe_load(grading.split("---\n")[1])["description"]
    assert description.startswith("Grade a draft article against the house rubric")  # trigger
    assert description.endswith("Proven: 6 of 8 runs succeeded (75%).")
    # Strongest learnings first: the most-cited learning leads.
    learned = grading.split("## What we learned (strongest first)\n\n")[1].splitlines()
    assert learned[0].startswith("- Run the readability check before the fact check")
    assert learned[0].endswith("(2 runs)")


def test_reference_has_its_title_once_and_names_an_embedded_image(tmp_path):
    """references/<name>.md is the article as an agent outside the vault reads it: one H1
    (the body's own), and an image embed sized `|300` named, not shown as the number."""
    today = dt.date.today()
    runs = {
        f"meta/Run {n}.md": (
            f'---\ntype: meta\narticle: "[[Brewing]]"\nagent: "[[Ana]]"\n'
            f"date: {today - dt.timedelta(days=n)}\noutcome: success\n---\nBrewed.\n"
        )
        for n in range(1, 4)
    }
    vault = write_vault(
        tmp_path / "vault",
        {
            "articles/Brewing.md": (
                "---\ntype: definitive\ndescription: Brew a pot of coffee.\n---\n# Brewing\n\n"
                "How we brew.\n\n![[kettle.png|300]]\n\n## Skill\n1. Boil water.\n\n"
                "## Learnings\n- Warm the pot first. ([[Run 1]]) ^l-warm\n"
            ),
            "agents/Ana.md": "---\ntype: agent\n---\n# Ana\n",
            "kettle.png": b"\x89PNG\r\n\x1a\n",
            **runs,
        },
    )
    out = tmp_path / "skills"
    result = run_cli("export-skills", str(out), "--vault", str(vault), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    reference = (out / "brewing" / "references" / "brewing.md").read_text(encoding="utf-8")
    assert reference.startswith("# Brewing\n\nHow we brew.")
    assert reference.count("# Brewing") == 1
    assert "(image: kettle.png)" in reference
    assert "\n300\n" not in reference and "|300" not in reference
