"""Bad input never stops the build: every case of issue 9, made here, built for real.

Each vault is built (and checked) by ``definitive`` in a subprocess under a memory limit and a
timeout, so a regression (an alias bomb expanded, a FIFO opened, a quadratic parse) fails its
test instead of hanging the suite. The timeouts are generous: they only tell a hang from a
build; speed is measured in bench/ (BENCHMARKS.md).

Three vaults: one holds every case that cannot block the build; special files get their own
(opening a FIFO blocks forever, and would stop every other case with it); dense notes have
their own, since they are the slow ones.
"""

from __future__ import annotations

import json
import os
import re
import resource
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from generator.findings import Finding
from tests.conftest import run_cli, write_vault

MEMORY_LIMIT = 3 << 30  # bytes of address space for the build and everything it starts
TIMEOUT = 240  # seconds; an unfixed case takes hours (or forever), a build takes seconds


def _limit_memory() -> None:  # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def definitive(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``definitive ARGS`` in a subprocess, within `MEMORY_LIMIT` and `TIMEOUT`."""
    try:
        return run_cli(*args, cwd=cwd, timeout=TIMEOUT, preexec_fn=_limit_memory)
    except subprocess.TimeoutExpired:
        pytest.fail(f"definitive {' '.join(args)} still running after {TIMEOUT}s: a hang")


@dataclass
class Outcome:
    root: Path
    check: list[Finding]
    build: subprocess.CompletedProcess[str]

    @property
    def site(self) -> Path:
        return self.root / "site"

    def findings(self, code: str, path: str) -> list[Finding]:
        return [f for f in self.check if f.code == code and f.path == path]

    def graph(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.site / "graph.json").read_text("utf-8"))
        return data

    def published(self) -> set[str]:
        return {node["id"] for node in self.graph()["nodes"] if node["kind"] != "attachment"}


def build_and_check(root: Path) -> Outcome:
    """``check --format json`` then ``build`` on ``root/vault``, from ``root``."""
    checked = definitive("check", "--vault", "vault", "--format", "json", cwd=root)
    assert "Traceback" not in checked.stderr, checked.stderr
    assert checked.returncode in (0, 1), checked.stderr  # 1: findings
    findings = [
        Finding(**{**f, "candidates": tuple(f["candidates"])})
        for f in json.loads(checked.stdout)["findings"]
    ]
    built = definitive("build", "-v", "--vault", "vault", "--site-dir", "site", cwd=root)
    return Outcome(root, findings, built)


def write(root: Path, files: dict[str, str | bytes]) -> None:
    write_vault(root, files, dedent=False)


def meta(**fields: str) -> str:
    """A meta article (a run) with valid fields, some replaced by ``fields`` (YAML text)."""
    values = {
        "type": "meta",
        "article": '"[[Grading]]"',
        "agent": '"[[Jennifer]]"',
        "date": "2026-03-01",
        "outcome": "success",
        "tokens_in": "1200",
        "tokens_out": "300",
        "cost_usd": "0.02",
        "duration_s": "12",
        "model": "claude-test",
        **fields,
    }
    front = "\n".join(f"{key}: {value}" for key, value in values.items())
    return f"---\n{front}\n---\nGraded a draft.\n"


def line_of(text: str, key: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if line.startswith(f"{key}:"))


# --- the shared vault: every case that cannot block a build ----------------------------------

BOMB = (
    "---\n"
    'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
    )
    + "---\nA billion laughs.\n"
)
MERGE_BOMB = (
    "---\nk0: &k0 {x: 1, y: 2}\n"
    + "".join(f"k{i}: &k{i} {{<<: [*k{i - 1}, *k{i - 1}], z{i}: 1}}\n" for i in range(1, 30))
    + "---\nMerge keys, doubling.\n"
)
META_CASES = {
    "meta/bad-date.md": meta(date="2026-02-30"),
    "meta/tokens-lots.md": meta(tokens_in="lots"),
    "meta/tokens-list.md": meta(tokens_in="[1, 2]"),
    "meta/tokens-huge.md": meta(tokens_in="9" * 400),
    "meta/tokens-over-python.md": meta(tokens_out="9" * 5000),
    "meta/cost-notanumber.md": meta(cost_usd=".nan"),
    "meta/cost-infinite.md": meta(cost_usd=".inf", price_usd="-.inf"),
    "meta/cost-huge.md": meta(cost_usd="9" * 400, duration_s="1e999"),
    "meta/mappings.md": meta(model="{name: x}", outcome="{a: 1}", title="{x: 1}"),
    "meta/set-and-binary.md": meta(tokens_in="!!set {a, b}", cost_usd="!!binary aGVsbG8="),
}


def nested_list(depth: int) -> str:
    return "\n".join("  " * i + f"- level {i} [[Grading]]" for i in range(depth)) + "\n"


def nested_callouts(depth: int) -> str:
    return "\n".join(">" * (i + 1) + f" [!note] level {i}" for i in range(depth)) + "\n"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    root = tmp_path_factory.mktemp("bad-input")
    vault = root / "vault"
    outside = root / "outside"
    write(outside, {"secret.md": "outside the vault\n", "folder/note.md": "outside\n"})
    embeds = {
        f"embeds/E{i}.md": "x" * 1500
        + "\n\n"
        + "\n\n".join(f"![[E{j}]]" for j in range(6) for _ in range(3) if j != i)
        + "\n"
        for i in range(6)
    }
    write(
        vault,
        {
            "articles/Grading.md": "---\ntype: definitive\ndescription: Grade drafts.\n---\n"
            "## Skill\n\n1. Read.\n\n## Learnings\n\n- Read twice.\n",
            "agents/Jennifer.md": "---\ntype: agent\njob: grades\nowner: ops\n---\nJennifer.\n",
            "notes/Fine.md": "A fine note linking [[Grading]] and [[UTF16 LE]].\n",
            **META_CASES,
            "notes/bomb.md": BOMB,
            "notes/merge-bomb.md": MERGE_BOMB,
            "notes/recursive.md": "---\na: &a [*a]\n---\nSelf.\n",
            "notes/deep-yaml.md": "---\na: " + "[" * 500 + "]" * 500 + "\n---\nDeep.\n",
            "notes/huge-frontmatter.md": "---\n"
            + "".join(f"k{i}: {'v' * 90}\n" for i in range(800))
            + "---\nBig.\n",
            "notes/deep-list.md": nested_list(500),
            "notes/deep-callouts.md": nested_callouts(500),
            "notes/deep-markers.md": "- " * 800 + "deep\n",
            "notes/deep-quote.md": ">" * 600 + " deep\n",
            "notes/deep-divs.md": "<div markdown>\n\n" * 400 + "core\n\n" + "</div>\n\n" * 400,
            **embeds,
            "notes/UTF16 LE.md": "\ufeff# Hé\nSee [[Grading]] #utf16\n".encode("utf-16-le"),
            "notes/UTF16 BE.md": "\ufeffBig endian [[Grading]]\n".encode("utf-16-be"),
            "notes/UTF8 BOM.md": "\ufeff---\ntitle: With a BOM\n---\n[[Grading]]\n".encode(),
            "notes/nul.md": b"A NUL\x00 late in the text\n".rjust(9000, b" "),
            ("x" * 247) + ".md": "A 250-byte file name.\n",
            "/".join(["f" * 200] * 8) + "/" + ("n" * 200) + ".md": "Deep long folders.\n",
            "folder.md/inside.md": "A note in a folder named like a note.\n",
            "notes/tab\there.md": "A tab in the name.\n",
        },
    )
    # Symlinks: a loop, dangling ones, a folder linked twice, links out of the vault.
    os.symlink("loop-b.md", vault / "loop-a.md")
    os.symlink("loop-a.md", vault / "loop-b.md")
    os.symlink("missing.md", vault / "dangling.md")
    os.symlink("missing-folder", vault / "dangling-folder")
    os.symlink("notes", vault / "notes-again")
    os.symlink("..", vault / "notes" / "up")
    os.symlink(outside / "secret.md", vault / "outside.md")
    os.symlink(outside / "folder", vault / "outside-folder")
    (vault / os.fsdecode(b"bad-\xff-name.md")).write_text("not UTF-8\n")
    return build_and_check(root)


def test_the_build_finishes_and_the_good_notes_are_published(shared: Outcome) -> None:
    assert shared.build.returncode == 0, shared.build.stderr
    assert "Traceback" not in shared.build.stderr
    published = shared.published()
    for note in ("notes/Fine.md", "articles/Grading.md", "agents/Jennifer.md", *META_CASES):
        assert note in published
    # Its frontmatter was not read, so whether it is private is unknown: withheld.
    assert "notes/bomb.md" not in published
    assert "notes/bomb.md" in shared.build.stderr and "note-withheld" in shared.build.stderr


@pytest.mark.parametrize(
    ("note", "key", "code"),
    [
        ("meta/bad-date.md", "date", "frontmatter-invalid"),
        ("meta/tokens-lots.md", "tokens_in", "frontmatter-invalid"),
        ("meta/tokens-list.md", "tokens_in", "frontmatter-invalid"),
        ("meta/tokens-huge.md", "tokens_in", "frontmatter-invalid"),
        ("meta/tokens-over-python.md", "tokens_out", "frontmatter-invalid"),
        ("meta/cost-notanumber.md", "cost_usd", "frontmatter-invalid"),
        ("meta/cost-infinite.md", "cost_usd", "frontmatter-invalid"),
        ("meta/cost-infinite.md", "price_usd", "frontmatter-invalid"),
        ("meta/cost-huge.md", "cost_usd", "frontmatter-invalid"),
        ("meta/cost-huge.md", "duration_s", "frontmatter-invalid"),
        ("meta/mappings.md", "model", "frontmatter-invalid"),
        ("meta/mappings.md", "outcome", "frontmatter-invalid"),
        ("meta/mappings.md", "title", "frontmatter-invalid"),
        ("meta/set-and-binary.md", "tokens_in", "frontmatter-invalid"),
        ("meta/set-and-binary.md", "cost_usd", "frontmatter-invalid"),
    ],
)
def test_an_odd_frontmatter_value_is_a_finding_at_its_line(
    shared: Outcome, note: str, key: str, code: str
) -> None:
    expected = line_of(META_CASES[note], key)
    lines = [f.line for f in shared.findings(code, note)]
    assert expected in lines, (note, key, lines)


def test_odd_numbers_are_left_out_of_every_figure(shared: Outcome) -> None:
    graph = (shared.site / "graph.json").read_text("utf-8")
    assert not re.search(r"\b(NaN|Infinity)\b", graph)  # graph.json stays JSON
    html = (shared.site / "articles" / "grading" / "index.html").read_text("utf-8")
    assert not re.search(r"(?i)\b(nan|inf)\b", html)  # no $nan, no chart point at nan
    # Run cards of runs with bad counts still render, showing a dash for the bad value.
    card = (shared.site / "meta" / "tokens-lots" / "index.html").read_text("utf-8")
    assert "—" in card


@pytest.mark.parametrize(
    ("note", "words"),
    [
        ("notes/bomb.md", "more than 10,000 values"),
        ("notes/merge-bomb.md", "more than 10,000 values"),
        ("notes/recursive.md", "recursive YAML alias"),
        ("notes/deep-yaml.md", "nests deeper than"),
        ("notes/huge-frontmatter.md", "max_frontmatter_bytes"),
    ],
)
def test_yaml_over_its_limits_is_refused_with_a_finding(
    shared: Outcome, note: str, words: str
) -> None:
    found = shared.findings("frontmatter-invalid", note)
    assert found and words in found[0].message, [f.message for f in found]
    assert found[0].severity == "error" and found[0].line is not None


@pytest.mark.parametrize(
    ("path", "code", "words"),
    [
        ("loop-a.md", "file-unreadable", "symlink loop"),
        ("loop-b.md", "file-unreadable", "symlink loop"),
        ("dangling.md", "file-unreadable", "does not exist"),
        ("dangling-folder", "file-unreadable", "does not exist"),
        ("outside.md", "file-outside-vault", "outside the vault"),
        ("outside-folder", "file-outside-vault", "outside the vault"),
        ("notes-again", "file-special", "read once"),
        ("notes/up", "file-special", "read once"),
        ("bad-\\xff-name.md", "file-name-invalid", "not valid UTF-8"),
    ],
)
def test_links_and_odd_names_are_findings_never_read_twice_or_outside(
    shared: Outcome, path: str, code: str, words: str
) -> None:
    found = shared.findings(code, path)
    assert found and words in found[0].message, [f for f in shared.check if f.path == path]
    published = shared.published()
    assert not any(p.startswith(("notes-again/", "notes/up/", "outside")) for p in published)
    assert "outside the vault" not in (shared.site / "graph.json").read_text("utf-8")


def test_utf16_and_bom_notes_are_read(shared: Outcome) -> None:
    published = shared.published()
    for note in ("notes/UTF16 LE.md", "notes/UTF16 BE.md", "notes/UTF8 BOM.md"):
        assert note in published
        assert not shared.findings("note-binary", note)
    links = {(link["source"], link["target"]) for link in shared.graph()["links"]}
    assert ("notes/UTF16 LE.md", "articles/Grading.md") in links
    assert ("notes/Fine.md", "notes/UTF16 LE.md") in links
    titles = {node["id"]: node["title"] for node in shared.graph()["nodes"]}
    assert titles["notes/UTF8 BOM.md"] == "With a BOM"
    assert "nul.md" in {p.rsplit("/", 1)[-1] for p in published}  # a late NUL is text


def test_long_names_are_shortened_stably_and_fit_the_file_system(shared: Outcome) -> None:
    long_note = ("x" * 247) + ".md"
    deep_note = "/".join(["f" * 200] * 8) + "/" + ("n" * 200) + ".md"
    nodes = {node["id"]: node["url"] for node in shared.graph()["nodes"]}
    assert long_note in nodes and deep_note in nodes
    for url in (nodes[long_note], nodes[deep_note]):
        assert (shared.site / url / "index.html").is_file()
        assert all(len(part.encode()) <= 150 for part in url.split("/"))
    for path in shared.site.rglob("*"):
        assert len(path.name.encode()) <= 255
    # Stable: the same URL from a second, cold build of the same vault.
    again = definitive("build", "--vault", "vault", "--site-dir", "site2", cwd=shared.root)
    assert again.returncode == 0, again.stderr
    graph2 = json.loads((shared.root / "site2" / "graph.json").read_text("utf-8"))
    assert {n["id"]: n["url"] for n in graph2["nodes"]}[long_note] == nodes[long_note]


@pytest.mark.parametrize(
    ("note", "line"),
    [
        ("notes/deep-list.md", 42),  # indented past 4 x 20 columns from list level 41
        ("notes/deep-markers.md", 1),
        ("notes/deep-quote.md", 1),
    ],
)
def test_deep_nesting_is_flattened_with_a_finding(shared: Outcome, note: str, line: int) -> None:
    found = shared.findings("nesting-too-deep", note)
    assert [f.line for f in found] == [line]
    assert note in shared.published()


def test_deep_callouts_build_and_their_text_is_published(shared: Outcome) -> None:
    assert "notes/deep-callouts.md" in shared.published()
    page = (shared.site / "notes" / "deep-callouts" / "index.html").read_text("utf-8")
    assert "level 0" in page and "level 499" in page  # nothing lost, however it is shown


def test_html_nested_400_deep_is_published(shared: Outcome) -> None:
    # Notes are rendered by markdown-it, which does not recurse into raw HTML; the sanitiser
    # (html5ever) nests it without recursing either.
    page = (shared.site / "notes" / "deep-divs" / "index.html").read_text("utf-8")
    assert "core" in page


def test_embeds_of_embeds_stay_within_the_page_budget(shared: Outcome) -> None:
    for i in range(6):
        page = shared.site / "embeds" / f"e{i}" / "index.html"
        assert page.is_file()
        assert page.stat().st_size < 2_000_000  # 200 KB of embedded text, as HTML
    found = [f for f in shared.check + _build_findings(shared) if f.code == "embed-budget"]
    assert found and found[0].path.startswith("embeds/") and found[0].line is not None


def _build_findings(outcome: Outcome) -> list[Finding]:
    """Render-stage findings (embeds) from the build's output: ``path:line: severity code``."""
    found = []
    for text in outcome.build.stderr.splitlines():
        head, _, rest = text.partition(": ")
        path, _, line = head.rpartition(":")
        parts = rest.split(" ", 2)
        if len(parts) == 3 and line.isdigit():
            found.append(Finding(parts[1].rstrip(":"), path, int(line), parts[2]))
    return found


def test_odd_names_and_folders_named_like_notes_are_published(shared: Outcome) -> None:
    published = shared.published()
    assert "folder.md/inside.md" in published
    assert "notes/tab\there.md" in published


def test_consolidation_and_export_read_the_same_vault_without_crashing(shared: Outcome) -> None:
    merged = definitive(
        "consolidate", "--offline", "--dry-run", "--vault", "vault", cwd=shared.root
    )
    assert merged.returncode in (0, 1) and "Traceback" not in merged.stderr, merged.stderr
    assert "Grading" in merged.stdout
    skills = definitive("export-skills", "skills", "--vault", "vault", cwd=shared.root)
    assert skills.returncode == 0, skills.stderr


# --- special files: FIFOs, sockets -----------------------------------------------------------


@pytest.fixture(scope="module")
def special(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    root = tmp_path_factory.mktemp("special-files")
    vault = root / "vault"
    write(vault, {"Fine.md": "Links [[pipe]] and ![[pipe.png]].\n"})
    os.mkfifo(vault / "pipe.md")
    os.mkfifo(vault / "pipe.png")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(vault / "socket.md"))
    try:
        return build_and_check(root)
    finally:
        server.close()


@pytest.mark.parametrize("name", ["pipe.md", "pipe.png", "socket.md"])
def test_special_files_are_skipped_without_opening_them(special: Outcome, name: str) -> None:
    assert special.build.returncode == 0, special.build.stderr
    found = special.findings("file-special", name)
    assert found and "not a regular file" in found[0].message
    assert special.published() == {"Fine.md"}


# --- dense notes ------------------------------------------------------------------------------

MB = 500_000
DENSE = {
    # Each took minutes to hours before (quadratic in a paragraph or in the page).
    "unclosed-brackets.md": "[" * MB,
    "link-soup.md": "[x](y " * (MB // 6),
    "tag-line.md": "#t " * (MB // 3),
    "paragraph-of-links.md": "\n".join(["[[Fine]] #tag"] * (MB // 14)),
    "quoted-tags.md": '<a x=">"\n\n' * (MB // 10),
    "entities.md": "&amp;" * (MB // 5),
    "tiny-paragraphs.md": "[ [ [ text\n\n" * (MB // 12),
    "table-of-links.md": "| a | b |\n|---|---|\n" + "| [[Fine]] | [[Fine\\|x]] |\n" * (MB // 26),
    # Comments inside blocks shown as plain text are still never published.
    "comments-in-dense.md": "%%\nSECRET-BLOCK-COMMENT\n"
    + "[" * (MB // 4)
    + "\n%%\n\nDense "
    + "[" * (MB // 4)
    + " %%SECRET-INLINE-COMMENT%% visible "
    + "[" * (MB // 4)
    + " %%SECRET-UNCLOSED\n",
}


@pytest.fixture(scope="module")
def dense(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    root = tmp_path_factory.mktemp("dense")
    write(root / "vault", {"Fine.md": "A fine note.\n", **DENSE})
    return build_and_check(root)


def test_dense_notes_build_and_are_published(dense: Outcome) -> None:
    assert dense.build.returncode == 0, dense.build.stderr
    assert dense.published() == {"Fine.md", *DENSE}
    page = (dense.site / "unclosed-brackets" / "index.html").read_text("utf-8")
    assert page.count("[") >= MB  # shown as text, not lost


def test_comments_in_plain_text_blocks_are_never_published(dense: Outcome) -> None:
    assert dense.findings("note-dense", "comments-in-dense.md")
    page = (dense.site / "comments-in-dense" / "index.html").read_text("utf-8")
    assert "visible" in page
    for path in dense.site.rglob("*"):
        if path.suffix in (".html", ".md", ".json", ".txt", ".xml"):
            assert "SECRET-" not in path.read_text("utf-8", errors="replace"), path


@pytest.mark.parametrize("note", ["unclosed-brackets.md", "quoted-tags.md", "tiny-paragraphs.md"])
def test_a_block_too_dense_for_markdown_is_reported_at_its_line(dense: Outcome, note: str) -> None:
    found = dense.findings("note-dense", note)
    assert found and found[0].line is not None and found[0].line >= 1
