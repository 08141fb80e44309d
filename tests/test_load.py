"""Loading: kinds, frontmatter checks, and bad files that must never stop the build."""

from __future__ import annotations

import json
import re

import pytest

from generator.findings import Finding


def codes(findings, path: str | None = None) -> list[str]:
    return sorted(f.code for f in findings if path is None or f.path == path)


def by_code(findings, code: str) -> Finding:
    (finding,) = [f for f in findings if f.code == code]
    return finding


def test_kind_from_type_then_folder(check_vault) -> None:
    analysis = check_vault(
        {
            "articles/A.md": "---\ndescription: Do A.\n---\n## Skill\n1. x\n## Learnings\n- y\n",
            "meta/free.md": "no frontmatter\n",
            "agents/Ann.md": "---\njob: j\nowner: o\n---\n",
            "rules/R.md": "r\n",
            "notes/N.md": "---\ntype: rule\n---\n",
            "elsewhere/X.md": (
                "---\ntype: Definitive\ndescription: d\n---\n## Skill\n## Learnings\n"
            ),
        }
    )
    kinds = {p: n.kind for p, n in analysis.vault.notes.items()}
    assert kinds == {
        "articles/A.md": "definitive",
        "meta/free.md": "meta",
        "agents/Ann.md": "agent",
        "rules/R.md": "rule",
        "notes/N.md": "rule",
        "elsewhere/X.md": "definitive",
    }


def test_unknown_type_is_reported_at_its_line(check_vault) -> None:
    analysis = check_vault({"a.md": "---\ntitle: A\ntype: recipe\n---\nx\n"})
    finding = by_code(analysis.findings, "frontmatter-invalid")
    assert finding.location() == "a.md:3"
    assert "recipe" in finding.message
    assert analysis.vault.notes["a.md"].kind == "note"


GOOD_META = """---
type: meta
article: "[[Grading an article]]"
agent: "[[Jennifer]]"
date: 2026-10-06
outcome: success
tokens_in: 18432
tokens_out: 2210
cost_usd: 0.0884
duration_s: 74
model: claude-sonnet-4-5
---
Did it.
"""


def test_meta_frontmatter_complete_is_clean(check_vault) -> None:
    analysis = check_vault(
        {
            "meta/run.md": GOOD_META,
            "Grading an article.md": "x\n",
            "Jennifer.md": "y\n",
        }
    )
    assert codes(analysis.findings) == []


def test_meta_frontmatter_problems_name_the_key_line(check_vault) -> None:
    bad = (
        GOOD_META.replace("outcome: success", "outcome: great")
        .replace("tokens_in: 18432", "tokens_in: lots")
        .replace('agent: "[[Jennifer]]"', "agent: Jennifer")
        .replace("date: 2026-10-06\n", "")
    )
    analysis = check_vault({"meta/run.md": bad, "Grading an article.md": "x\n"})
    problems = {f.message.split("`")[1]: f.line for f in analysis.findings}
    assert problems == {"agent:": 4, "date:": 1, "outcome:": 5, "tokens_in:": 6}


def test_definitive_needs_description_and_sections(check_vault) -> None:
    analysis = check_vault({"articles/A.md": "# A\n\n## Skill\n\n1. do\n"})
    assert codes(analysis.findings) == ["frontmatter-invalid", "structure-missing"]
    assert "Learnings" in by_code(analysis.findings, "structure-missing").message


def test_malformed_yaml_names_file_and_line_and_withholds_the_note(build_vault) -> None:
    """Unreadable frontmatter may hide a ``publish: false``: the note stays off the site (fail
    closed), with the YAML error and the reason it was withheld, and the rest builds."""
    built = build_vault(
        {
            "broken.md": (
                "---\ntitle: Broken\ntags: [a, b\nowner: x\n---\n# Broken\n\nStill here.\n"
            ),
            "ok.md": "# OK\n\n[[broken]]\n",
        }
    )
    finding = by_code(built.report.findings, "frontmatter-invalid")
    assert finding.location() == "broken.md:4"
    assert finding.severity == "error"
    withheld = by_code(built.report.findings, "note-withheld")
    assert withheld.location() == "broken.md:4" and withheld.severity == "error"
    assert "could not be read" in withheld.message
    assert not (built.site / "broken").exists()
    ok = built.html("ok/")
    assert 'href="../broken/"' not in ok and "broken" in ok  # the words, linking nowhere


def test_bad_files_each_give_a_finding_and_the_rest_builds(build_vault) -> None:
    built = build_vault(
        {
            "latin1.md": "caf\xe9 au lait\n".encode("latin-1"),
            "empty.md": "",
            "binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
            "huge.md": "x" * 5_000_000,
            "escape.md": "[[../../etc/passwd]] and [up](../../../etc/passwd)\n",
            "good.md": "# Good\n\nAll fine.\n",
        }
    )
    found = {f.path: f.code for f in built.report.findings}
    assert found["latin1.md"] == "note-encoding"
    assert by_code(built.report.findings, "note-encoding").line == 1
    assert found["empty.md"] == "note-empty"
    assert found["binary.md"] == "note-binary"
    assert found["huge.md"] == "note-too-large"
    assert codes(built.report.findings, "escape.md") == ["link-outside-vault"] * 2
    assert "All fine." in built.html("good/")
    assert "caf\ufffd au lait" in built.html("latin1/")
    assert not (built.site / "huge").exists() and not (built.site / "binary").exists()
    escape = built.html("escape/")
    assert not [href for href in re.findall(r'href="([^"]*)"', escape) if "passwd" in href]
    assert 'class="dfn-broken"' in escape


def test_duplicate_block_ids_are_reported(check_vault) -> None:
    analysis = check_vault({"a.md": "one ^same\n\ntwo ^same\n"})
    finding = by_code(analysis.findings, "block-id-duplicate")
    assert finding.location() == "a.md:3"


def test_private_and_excluded_folders(check_vault, make_vault) -> None:
    analysis = check_vault(
        {
            "public.md": "p\n",
            "secret.md": "---\npublish: false\n---\ns\n",
            "private/plan.md": "x\n",
            "Templates/Daily.md": "{{date}} [[Nowhere]]\n",
            ".obsidian/templates.json": json.dumps({"folder": "Templates"}),
            ".trash/old.md": "[[Nowhere]]\n",
        }
    )
    notes = analysis.vault.notes
    assert set(notes) == {"public.md", "secret.md", "private/plan.md"}
    assert list(analysis.public.notes) == ["public.md"]
    assert analysis.public.withheld == {
        "secret.md": "publish: false",
        "private/plan.md": "in private folder private/",
    }
    assert codes(analysis.findings) == []  # template and trash links are not checked


# --- a second process parsing half the notes --------------------------------------------------

MIXED: dict[str, str | bytes] = {
    **{
        f"notes/N{i:02}.md": f"---\ntags: [t{i % 3}]\n---\n# N{i}\n\n## Part\n\n"
        f"See [[N{i + 1}#Part]] and #topic/{i % 4}. ^b{i}\n\n- item [x](N{i}.md)\n"
        for i in range(12)
    },
    "meta/2026-10-06 run.md": GOOD_META,
    "notes/Bad yaml.md": "---\ntitle: [unclosed\n---\nbody\n",
    "notes/Empty.md": "",
    "notes/Binary.md": b"\x00\x01\x02binary",
    "notes/Latin.md": "caf\xe9 [[N01]]\n".encode("latin-1"),
    "private/Secret plan.md": "# Plan\n\n[[N02]]\n",
}


def _load(vault, options=None):
    from generator.config import Options
    from generator.findings import Findings
    from generator.load import load_vault

    findings = Findings()
    loaded = load_vault(vault, options or Options(), findings)
    # Notes compare by identity (model.py); compare what they hold.
    return {rel: vars(note) for rel, note in loaded.notes.items()}, findings.items


def test_a_second_process_parses_half_the_notes_with_the_same_result(
    make_vault, monkeypatch
) -> None:
    from generator.load import parse_worker

    vault = make_vault(MIXED)
    monkeypatch.setattr(parse_worker, "MIN_NOTES", 10**9)
    alone = _load(vault)
    answered: list[int] = []
    real = parse_worker.ParseShare.results

    def counted(self):
        result = real(self)
        answered.append(len(result))
        return result

    monkeypatch.setattr(parse_worker, "MIN_NOTES", 2)
    monkeypatch.setattr(parse_worker, "cpu_count", lambda: 2)
    monkeypatch.setattr(parse_worker.ParseShare, "results", counted)
    shared = _load(vault)
    found = sum(1 for path in vault.rglob("*.md") if ".obsidian" not in path.parts)
    takes = sum(1 for place in range(found) if parse_worker.ParseShare.takes(place))
    assert 0 < takes < found
    assert answered == [takes]  # its share of the notes, binary one included
    assert list(shared[0]) == list(alone[0]) and shared[0] == alone[0]
    assert shared[1] == alone[1]  # the same findings, in the same order
    assert {f.code for f in shared[1]} >= {"frontmatter-invalid", "note-binary", "note-encoding"}


def test_a_failing_parse_worker_only_means_the_parent_parses_more(make_vault, monkeypatch) -> None:
    import sys

    from generator.load import parse_worker

    vault = make_vault(MIXED)
    monkeypatch.setattr(parse_worker, "MIN_NOTES", 10**9)
    alone = _load(vault)
    monkeypatch.setattr(parse_worker, "MIN_NOTES", 2)
    monkeypatch.setattr(parse_worker, "cpu_count", lambda: 2)
    for command in (
        [sys.executable, "-c", "import sys; sys.exit(3)"],  # dies
        [sys.executable, "-c", 'print(\'{"notes": {"notes/N01.md": 7}}\')'],  # nonsense
        ["/nonexistent/python"],  # cannot start
    ):
        monkeypatch.setattr(parse_worker, "COMMAND", command)
        assert _load(vault) == alone


def test_an_interrupted_load_leaves_no_parse_worker_behind(make_vault, monkeypatch) -> None:
    from generator.load import parse_worker
    from generator.load import vault as vault_module

    vault = make_vault(MIXED)
    shares: list[parse_worker.ParseShare] = []
    real_start = parse_worker.ParseShare.start.__func__

    def start(cls, *args):
        share = real_start(cls, *args)
        shares.append(share)
        return share

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(parse_worker, "MIN_NOTES", 2)
    monkeypatch.setattr(parse_worker, "cpu_count", lambda: 2)
    monkeypatch.setattr(parse_worker.ParseShare, "start", classmethod(start))
    monkeypatch.setattr(vault_module, "_parse_one", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _load(vault)
    (share,) = shares
    assert share.process is not None and share.process.poll() is not None  # stopped
