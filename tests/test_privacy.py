"""Privacy fails closed: a corpus of private notes, written every supported and every mistyped
way, never reaches any file of the built site, the decompressed search index included.

Every private thing carries its own marker (``zqxprivNN``); the public control note carries
``zqxpublic``, which must be found in the same places, so the search can fail.
"""

from __future__ import annotations

import contextlib
import gzip
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator.cli import main
from generator.pipeline import build
from tests.conftest import Built, settings_for, write_vault

PUBLIC = "zqxpublic"

CONFIG = """\
site_name: Privacy corpus
theme:
  name: material
  font: false
extra:
  definitive:
    private_folders: [private, "./vaulted", "Secret/", "archive/*", "clients/acme", "*-internal"]
"""


def _note(marker: str, frontmatter: str = "", body: str = "") -> str:
    head = f"---\n{frontmatter}---\n" if frontmatter else ""
    return f"{head}# Note {marker}\n\n{marker} {body}\n"


# Notes withheld by frontmatter: (file, frontmatter, expected reason or finding code).
BY_FRONTMATTER = {
    "notes/p01.md": "publish: false\n",
    "notes/p02.md": 'publish: "no"\n',
    "notes/p03.md": "publish: 0\n",
    "notes/p04.md": 'publish: "false"\n',
    "notes/p05.md": "publish: off\n",
    "notes/p06.md": "Publish: false\n",
    "notes/p07.md": "PUBLISH: No\n",
    "notes/p08.md": "publish: private\n",
    "notes/p09.md": "draft: true\n",
    "notes/p10.md": "Draft: yes\n",
    "notes/p11.md": "private: true\n",
    "notes/p12.md": "publish: maybe\n",  # unclear: withheld, with a warning
    "notes/p13.md": "publish:\n",  # empty: unclear too
    "notes/p14.md": "publish: false\ntitle: Budget: Q4: draft\n",  # YAML error after it
    "notes/p15.md": "title: Budget: Q4: draft\n",  # YAML error, no publish at all
    "notes/p16.md": "- a list\n- not a mapping\n",
    "notes/p17.md": "publish: false\ntags: [x]\npublish: true\n",  # a template's line below
    "notes/p18.md": "draft: sometimes\n",
}
# Notes withheld by their folder (the config above, matched without case, ./, / and globs).
BY_FOLDER = [
    "private/p19.md",
    "Private/p20.md",
    "clients/private/p21.md",
    "vaulted/p22.md",
    "secret/p23.md",
    "archive/2025/p24.md",
    "Clients/ACME/p25.md",
    "team-internal/p26.md",
]


def _corpus() -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    markers: list[str] = []
    for number, (path, frontmatter) in enumerate(BY_FRONTMATTER.items(), start=1):
        marker = f"zqxpriv{number:02d}"
        files[path] = _note(marker, frontmatter, "[[Public]]")
        markers.append(marker)
    for number, path in enumerate(BY_FOLDER, start=len(BY_FRONTMATTER) + 1):
        marker = f"zqxpriv{number:02d}"
        files[path] = _note(marker, "tags: [zqxprivtag]\n", "#zqxprivtag2")
        markers.append(marker)
    # Comments everywhere a note can hold one.
    files["Public.md"] = textwrap.dedent(
        f"""\
        ---
        aliases: [Front door]
        ---
        # Public

        {PUBLIC} is the public control text. Ordinary %%zqxpriv40%% comment.

        <div class="box">
        Inside an HTML block %%zqxpriv41%% here.
        </div>

        Inline <span title="%%zqxpriv42%%">HTML</span> <b>%%zqxpriv43%%</b> too.

        | Column | Other |
        |---|---|
        | cell %%zqxpriv44%% | [[notes/p01\\|a private note]] |

        ## Heading %%zqxpriv45%% words

        > [!note] Callout %%zqxpriv46%%
        > body %%zqxpriv47%%

        - item [label %%zqxpriv48%%](https://example.org/)

        %%
        A block comment over lines: zqxpriv49
        [[private/p19]] ![[notes/p02]]
        %%

        Code keeps it literally: `%%kept-in-code%%`.

        ```
        %%kept-in-fence%%
        ```

        Links to private notes show their words only: [[notes/p03|the third]],
        [[private/p19|a folder note]], and embeds show nothing: ![[notes/p04]]

        ![[Embedded]]

        Attachments: [[private/zqxpriv50.png|the private picture]] [[zqxpriv51.pdf]]

        Unclosed at the end %% zqxpriv52 runs to the end
        and beyond.
        """
    )
    files["Embedded.md"] = "Embedded text, with %%zqxpriv53%% a comment.\n"
    files["Only private links here.md"] = "nothing\n"
    # A consolidation run whose summary holds a comment.
    files["meta/Consolidation run 1.md"] = textwrap.dedent(
        """\
        ---
        type: meta
        consolidation_run: run-1
        article: "[[Public]]"
        agent: "[[Public]]"
        date: 2026-11-01
        outcome: success
        tokens_in: 1
        tokens_out: 1
        cost_usd: 0
        duration_s: 1
        model: offline
        ---
        ## What was done
        Merged runs %%zqxpriv54%% into [[Public]].
        """
    )
    files["private/zqxpriv50.png"] = b"\x89PNG zqxpriv50"
    files["zqxpriv51.pdf"] = b"%PDF-1.4 zqxpriv51"  # public, linked: published
    files["private/zqxpriv55.pdf"] = b"%PDF-1.4 zqxpriv55"  # linked from a private note only
    files["private/p19.md"] += "\n![[private/zqxpriv55.pdf]]\n"
    files["unlinked-zqxpriv56.txt"] = "zqxpriv56\n"  # public folder, but no note links it
    return files


PRIVATE_MARKERS = [f"zqxpriv{n:02d}" for n in range(1, 27)] + [
    f"zqxpriv{n}" for n in (40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 52, 53, 54, 55, 56)
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("privacy")
    vault = write_vault(base / "vault", _corpus())
    config = base / "mkdocs.yml"
    config.write_text(CONFIG, encoding="utf-8")
    settings = settings_for(vault, base / "site", config=config)
    return Built(settings, build(settings))


def _site_texts(site: Path) -> dict[str, bytes]:
    """Every file of the site as bytes; Pagefind's files (gzip) decompressed."""
    texts: dict[str, bytes] = {}
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        rel = path.relative_to(site).as_posix()
        if rel.startswith("pagefind"):
            with contextlib.suppress(OSError, EOFError):  # not every file is compressed
                data = gzip.decompress(data)
        texts[rel] = data
    return texts


def test_no_private_marker_in_any_site_file(corpus: Built) -> None:
    texts = _site_texts(corpus.site)
    index = b"".join(data for rel, data in texts.items() if rel.startswith("pagefind"))
    assert PUBLIC.encode() in index  # the search really was decompressed and searched
    assert any(PUBLIC.encode() in d for r, d in texts.items() if r.endswith(".md"))
    leaks = {
        marker: sorted(rel for rel, data in texts.items() if marker.encode() in data)
        for marker in PRIVATE_MARKERS
    }
    assert {m: where for m, where in leaks.items() if where} == {}
    assert "zqxprivtag" not in " ".join(texts)  # no tag page for tags only private notes use


def test_withheld_notes_are_reported_with_file_and_line(corpus: Built) -> None:
    public = corpus.report.analysis.public
    expected = set(BY_FRONTMATTER) | set(BY_FOLDER)
    assert expected <= set(public.withheld)
    assert not expected & set(public.notes)
    findings = {(f.code, f.path): f for f in corpus.report.findings}
    unclear = findings[("publish-unclear", "notes/p12.md")]
    assert unclear.line == 2 and unclear.severity == "warning"
    assert "'maybe' is neither true nor false" in unclear.message
    assert ("publish-unclear", "notes/p13.md") in findings
    assert ("publish-unclear", "notes/p18.md") in findings
    for path in ("notes/p14.md", "notes/p15.md", "notes/p16.md", "notes/p17.md"):
        withheld = findings[("note-withheld", path)]
        assert withheld.severity == "error" and withheld.line is not None
    assert findings[("frontmatter-invalid", "notes/p17.md")].line == 4  # the second publish:
    assert public.withheld["Clients/ACME/p25.md"] == "in private folder Clients/ACME/"
    assert public.withheld["notes/p01.md"] == "publish: false"
    assert public.withheld["private/zqxpriv50.png"] == "in private folder private/"


def test_public_page_keeps_code_and_link_words(corpus: Built) -> None:
    page = corpus.html("public/")
    assert "%%kept-in-code%%" in page and "%%kept-in-fence%%" in page
    assert "the third" in page and "a folder note" in page and "a private note" in page
    assert "Embedded text" in page  # a public embed still shows
    assert "public control text" in page
    assert (corpus.site / "zqxpriv51.pdf").is_file()  # linked, public: published
    backlinks = page.split('id="user-content-backlinks"', 1)[1]
    assert "p01" not in backlinks and "Note zqx" not in backlinks  # private linkers not listed


def test_strict_fails_on_withheld_notes(corpus: Built, tmp_path: Path) -> None:
    code = main(
        [
            "build",
            "--strict",
            "-q",
            "--vault",
            str(corpus.settings.vault),
            "--config",
            str(corpus.settings.config_file),
            "--site-dir",
            str(tmp_path / "strict-site"),
        ]
    )
    assert code == 1
    assert not (tmp_path / "strict-site" / "index.html").exists()


def test_check_reports_unclear_publish_values(corpus: Built) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "check",
            "--vault",
            str(corpus.settings.vault),
            "--config",
            str(corpus.settings.config_file),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "notes/p12.md:2: warning publish-unclear: withheld from the site" in result.stderr
    assert "notes/p15.md:2: error note-withheld" in result.stderr


@pytest.mark.parametrize(
    ("text", "kept", "hidden"),
    [
        # A closed code span keeps its %% literally; the comment after it still goes.
        ("a `x %%lit%% y` b %%gone%% c", ["%%lit%%"], ["gone"]),
        # Runs of another length do not close it; the next run of the same length does.
        ("a ``x ` %%lit%% `` b %%gone%%", ["%%lit%%"], ["gone"]),
        # A closer past a blank line: no code span, so the comment is a comment.
        ("a `x %%gone%%\n\n` b", [], ["gone"]),
        ("a `x %%gone%%\n \t\n` b", [], ["gone"]),
        # Thousands of unclosed runs of every length, then a comment: found, and quickly
        # (each run is a lookup, not a scan of the rest of the note).
        (" ".join("`" * i + "x" for i in range(1, 1500)) + " %%gone%%", [], ["gone"]),
        # Runs whose closers are paragraphs away, thousands of them.
        ("`a\n\n" * 5000 + "%%gone%% `", [], ["gone"]),
    ],
)
def test_comments_around_code_spans(text: str, kept: list[str], hidden: list[str]) -> None:
    from generator.load.comments import strip_comments

    out = strip_comments(text)
    assert all(word in out for word in kept)
    assert not any(word in out for word in hidden)
    assert out.count("\n") == text.count("\n")  # line numbers in findings stay right


def test_a_note_of_too_many_blocks_withholds_comments_even_in_code() -> None:
    """Past the blocks the renderer reads (published as plain text), code is not searched
    for: a %% pair in it goes too. Withholding more is the safe side."""
    from generator.load.comments import strip_comments
    from generator.load.density import MAX_BLOCKS

    small = "`%%code%%` and %%gone%%\n\n" + "para\n\n" * 10
    assert strip_comments(small).startswith("`%%code%%` and \n")
    huge = "`%%code%%` and %%gone%%\n\n" + "para\n\n" * MAX_BLOCKS
    out = strip_comments(huge)
    assert "code" not in out and "gone" not in out and out.count("\n") == huge.count("\n")
