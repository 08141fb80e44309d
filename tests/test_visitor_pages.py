"""What a visitor reads on the built demo site, checked in its HTML: wording, per-page
metadata, navigation data, feeds and the 404 page (the browser checks are in
test_visitor_browser.py). One build, the session's demo site."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator.pipeline import build
from tests.conftest import Built, settings_for, write_vault


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_tag_pages_and_the_runs_hub_give_a_run_date_once(demo: Built) -> None:
    for url in ("tags/grading/", "browse/runs/"):
        text = _text(demo.html(url))
        line = text.split("2026-10-06 Jennifer grades Lumen Dental FAQ", 1)[1][:60]
        assert line.startswith(" — Jennifer · partial"), (url, line)


def test_a_block_embed_is_titled_by_its_note_not_its_block_id(demo: Built) -> None:
    page = demo.html("notes/how-we-grade/")
    titles = re.findall(r'class="dfn-embed-title"[^>]*>([^<]*)<', page)
    assert "Grading an article" in titles
    assert not [t for t in titles if "^" in t], titles


# --- Per-page metadata, dates, reading time and feeds, on a small vault of their own -----------

_META_RE = r'<meta (?:name|property)="{}" content="([^"]*)"'
_WORDS = " ".join(f"word{i}" for i in range(700))  # 3 minutes at 220 words a minute
_HOSTILE = (
    'Read [[Release notes|the guide]] first. "><script>alert(1)</script> **Bold** and ==marked=='
    ' text, <b onmouseover="x()">here</b>. ^first-block'
)
_LONG = " ".join(["A long first paragraph of ordinary words"] * 12)


def _meta(page: str, name: str) -> str | None:
    """The unescaped value of a <meta> tag. The pattern stops at the first `"`: a quote the
    page failed to escape would cut the value short and fail the comparison."""
    found = re.search(_META_RE.format(re.escape(name)), page)
    return html.unescape(found.group(1)) if found else None


def _git(vault: Path, *args: str, date: str | None = None) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    if date:
        env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(vault), *args],
        check=True, capture_output=True, env=env,
    )  # fmt: skip


def _day(vault: Path, rel: str, day: str) -> None:
    seconds = dt.datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp()
    os.utime(vault / rel, (seconds, seconds))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("visitor-pages")
    vault = write_vault(
        base / "vault",
        {
            "agents/Ada.md": "---\ntype: agent\njob: Writes release notes.\n---\nAda's page.\n",
            "articles/Release notes.md": (
                "---\ntype: definitive\nagent: \"[[Ada]]\"\nupdated: 2026-01-15\n"
                "description: How we write release notes.\n---\n"
                f"Intro.\n\n## Skill\n\n{_WORDS}\n\n## Learnings\n\n"
                "- Lead with what changed for the reader. ([[2026-01-10 Ada writes notes]])"
                " ^l-lead\n"
            ),
            "meta/2026-01-10 Ada writes notes.md": (
                "---\ntype: meta\narticle: \"[[Release notes]]\"\nagent: \"[[Ada]]\"\n"
                "date: 2026-01-10\noutcome: success\ncost_usd: 0.05\n---\n"
                "Wrote the notes for v2.\n"
            ),
            "meta/2026-01-12 Ada writes notes again.md": (
                "---\ntype: meta\narticle: \"[[Release notes]]\"\nagent: \"[[Ada]]\"\n"
                "date: 2026-01-12\noutcome: failure\n---\nMissed the deadline.\n"
            ),
            "notes/Team/Deep/Hostile.md": f"# Hostile\n\n{_HOSTILE}\n\nSecond paragraph.\n",
            "notes/Long.md": f"> a quote first\n\n{_LONG}\n",
            # Harmless line by line; joined, "password= password:" reads as a password.
            "notes/Setup.md": "Ask for the password: <your password>.\npassword=\n"
                              "password: ********\npassword: required\n",
            "notes/Committed.md": "Committed and unchanged since.\n",
            "notes/Dirty.md": "Committed, then edited.\n",
        },
    )
    if shutil.which("git"):
        _git(vault, "init", "-q")
        _git(vault, "add", ".")
        _git(vault, "commit", "-q", "-m", "notes", date="2025-03-04T10:00:00+00:00")
    (vault / "notes/Dirty.md").write_text("Committed, then edited.\n\nMore.\n", encoding="utf-8")
    write_vault(vault, {"notes/New.md": "Never committed.\n"})
    for rel in ("notes/Committed.md", "notes/Dirty.md", "notes/New.md"):
        _day(vault, rel, "2024-07-08")  # what a checkout or a copy would leave
    config = write_vault(
        base / "config",
        {"mkdocs.yml": "site_name: Visitor test\nsite_url: https://proof.example.com/agency/\n"
                       "theme:\n  name: material\n  font: false\n"},
    ) / "mkdocs.yml"  # fmt: skip
    settings = settings_for(vault, base / "site", config=config)
    return Built(settings, build(settings))


def test_a_page_describes_itself_from_its_note(small: Built) -> None:
    article = small.html("articles/release-notes/")
    assert _meta(article, "description") == "How we write release notes."
    assert _meta(article, "og:description") == "How we write release notes."
    assert _meta(article, "og:title") == "Release notes"
    assert _meta(article, "og:type") == "article"
    assert _meta(article, "twitter:card") == "summary"
    assert _meta(small.html("agents/ada/"), "description") == "Writes release notes."
    run = small.html("meta/2026-01-10-ada-writes-notes/")
    assert _meta(run, "description") == (
        "Success run of Release notes by Ada on 2026-01-10. Wrote the notes for v2."
    )
    # The first paragraph of prose (the quote before it is not one), cut at a word.
    long = _meta(small.html("notes/long/"), "description") or ""
    assert long.startswith("A long first paragraph") and long.endswith("…")
    assert len(long) <= 200 and _LONG.startswith(long[:-1])


def test_a_hostile_first_paragraph_becomes_plain_escaped_words(small: Built) -> None:
    page = small.html("notes/team/deep/hostile/")
    expected = 'Read the guide first. ">alert(1) Bold and marked text, here.'
    for name in ("description", "og:description", "twitter:description"):
        assert _meta(page, name) == expected, name
    head = page.split("</head>", 1)[0]
    assert "<script>alert" not in head and "onmouseover" not in head
    assert "^first-block" not in head


def test_a_description_that_would_read_as_a_secret_is_left_out(small: Built) -> None:
    """The build went through (the fixture), the page is there, with no description: the
    joined lines would have failed the secret scan over a note that holds no secret."""
    page = small.html("notes/setup/")
    assert "Ask for the password" in page
    assert _meta(page, "description") is None and _meta(page, "og:description") is None


def test_a_page_names_its_canonical_url_and_links_the_feed(small: Built) -> None:
    page = small.html("notes/long/")
    assert '<link rel="canonical" href="https://proof.example.com/agency/notes/long/">' in page
    assert _meta(page, "og:url") == "https://proof.example.com/agency/notes/long/"
    assert (
        '<link rel="alternate" type="application/atom+xml" title="New runs and learnings"'
        ' href="../../feed.xml">'
    ) in page


def test_updated_comes_from_frontmatter_then_git_then_the_file(small: Built) -> None:
    def updated(url: str) -> str | None:
        found = re.search(r'<time datetime="([^"]+)"', small.html(url))
        return found.group(1) if found else None

    assert updated("articles/release-notes/") == "2026-01-15"  # its updated: wins
    if shutil.which("git"):
        assert updated("notes/committed/") == "2025-03-04"  # the commit, not the checkout
    assert updated("notes/dirty/") == "2024-07-08"  # edited since: the file's own time
    assert updated("notes/new/") == "2024-07-08"  # never committed


def test_reading_time_only_where_it_helps(small: Built) -> None:
    assert "3 min read" in small.html("articles/release-notes/")
    assert "min read" not in small.html("notes/long/")


def test_breadcrumbs_name_the_hub_and_the_folders(small: Built) -> None:
    page = small.html("notes/team/deep/hostile/")
    crumbs = re.search(r'<nav class="dfn-crumbs".*?</nav>', page, re.S)
    assert crumbs is not None
    assert _text(crumbs.group(0)).split() == ["Home", "Notes", "Team", "Deep"]
    run = small.html("meta/2026-01-12-ada-writes-notes-again/")
    crumbs = re.search(r'<nav class="dfn-crumbs".*?</nav>', run, re.S)
    assert crumbs is not None and "Release notes" in crumbs.group(0)
    assert 'rel="prev"' in run and 'rel="next"' not in run


def test_the_feed_lists_new_runs_and_learnings_dated_by_the_vault(small: Built) -> None:
    feed = ET.fromstring((small.site / "feed.xml").read_bytes())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert titles == [  # newest first; a learning after the run that taught it
        "Failure: 2026-01-12 Ada writes notes again",
        "Learned in Release notes: Lead with what changed for the reader.",
        "Success: 2026-01-10 Ada writes notes",
    ]
    assert (feed.findtext("a:updated", namespaces=ns) or "").startswith("2026-01-12")
    links = [link.get("href") for link in feed.findall("a:entry/a:link", ns)]
    assert links[0] == "https://proof.example.com/agency/meta/2026-01-12-ada-writes-notes-again/"
    assert links[1].endswith("/articles/release-notes/#^l-lead")


def test_a_config_naming_no_plugins_gets_no_second_search_index(small: Built) -> None:
    """MkDocs gives a config without `plugins:` its search plugin: with Pagefind on, it goes
    as when it is listed (a second index of every page, for no visitor)."""
    assert (small.site / "pagefind").is_dir()
    assert not (small.site / "search" / "search_index.json").exists()
