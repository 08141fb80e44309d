"""Link resolution, case by case, as Obsidian resolves links (docs/links.md has the table)."""

from __future__ import annotations

import pytest

from generator.graph.resolve import Resolution

VAULT = {
    "index.md": "# Home\n",
    "Rubric v3.md": (
        "---\naliases: [House rubric]\n---\n# Rubric v3\n\n## Criteria\n\n### Accuracy\n\n"
        "x\n\n## Scoring bands\n\nPass is 21. ^bands\n"
    ),
    "notes/Planning.md": "# Planning\n\n## Next steps\n",
    "notes/sub/Deep.md": "deep\n",
    "a/Dup.md": "a dup\n",
    "b/Dup.md": "b dup\n",
    "b/deeper/Dup.md": "deeper dup\n",
    "zz/Long folder name/Short.md": "far\n",
    "x/Short.md": "near\n",
    "Café Lumen onboarding.md": "café\n",
    "attachments/panel layout.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    "attachments/report.pdf": b"%PDF-1.4\n",
    "Other Note.md": "other\n",
}

# (source note, link as written, expected target or None, expected status, finding codes)
CASES = [
    ("index.md", "[[Rubric v3]]", "Rubric v3.md", "resolved", []),
    ("index.md", "[[Rubric v3.md]]", "Rubric v3.md", "resolved", []),
    ("index.md", "[[notes/Planning]]", "notes/Planning.md", "resolved", []),
    ("index.md", "[[/notes/Planning]]", "notes/Planning.md", "resolved", []),
    ("index.md", "[[sub/Deep]]", "notes/sub/Deep.md", "resolved", []),
    ("index.md", "[[Planning]]", "notes/Planning.md", "resolved", []),
    ("index.md", "[[rubric V3]]", "Rubric v3.md", "resolved", ["link-case-mismatch"]),
    ("index.md", "[[Rubric v3|the rubric]]", "Rubric v3.md", "resolved", []),
    ("index.md", "[[Rubric v3#Scoring bands]]", "Rubric v3.md", "resolved", []),
    ("index.md", "[[Rubric v3#Criteria#Accuracy]]", "Rubric v3.md", "resolved", []),
    ("index.md", "[[Rubric v3#^bands]]", "Rubric v3.md", "resolved", []),
    (
        "index.md",
        "[[Rubric v3#No such heading]]",
        "Rubric v3.md",
        "resolved",
        ["link-heading-missing"],
    ),
    ("index.md", "[[Rubric v3#^nope]]", "Rubric v3.md", "resolved", ["link-block-missing"]),
    ("index.md", "![[Rubric v3]]", "Rubric v3.md", "resolved", []),
    ("index.md", "![[Rubric v3#Scoring bands]]", "Rubric v3.md", "resolved", []),
    ("index.md", "![[Rubric v3#^bands]]", "Rubric v3.md", "resolved", []),
    ("index.md", "![[panel layout.svg|300]]", "attachments/panel layout.svg", "resolved", []),
    ("index.md", "![[panel layout.svg|640x480]]", "attachments/panel layout.svg", "resolved", []),
    ("index.md", "[[report.pdf]]", "attachments/report.pdf", "resolved", []),
    ("index.md", "[[House rubric]]", "Rubric v3.md", "resolved", ["link-alias-only"]),
    ("index.md", "[[Café Lumen onboarding]]", "Café Lumen onboarding.md", "resolved", []),
    ("index.md", "[[Cafe\u0301 Lumen onboarding]]", "Café Lumen onboarding.md", "resolved", []),
    ("index.md", "[x](Other%20Note.md)", "Other Note.md", "resolved", []),
    ("index.md", "[x](<Other Note.md>)", "Other Note.md", "resolved", []),
    ("notes/Planning.md", "[x](../Other%20Note.md)", "Other Note.md", "resolved", []),
    ("notes/Planning.md", "[[./sub/Deep]]", "notes/sub/Deep.md", "resolved", []),
    ("notes/Planning.md", "[[../Rubric v3]]", "Rubric v3.md", "resolved", []),
    ("notes/Planning.md", "[[../../etc/passwd]]", None, "broken", ["link-outside-vault"]),
    ("index.md", "[x](../../etc/passwd)", None, "broken", ["link-outside-vault"]),
    ("index.md", "[[Nowhere]]", None, "broken", ["link-broken"]),
    # Same name in several folders: the source's own folder wins...
    ("b/Note.md", "[[Dup]]", "b/Dup.md", "ambiguous", ["link-ambiguous"]),
    # ...an ancestor folder counts for nothing: shortest path string, then alphabetical.
    ("b/deeper/Other.md", "[[Short]]", "x/Short.md", "ambiguous", ["link-ambiguous"]),
    ("index.md", "[[Dup]]", "a/Dup.md", "ambiguous", ["link-ambiguous"]),
    # An exact vault path is never ambiguous.
    ("index.md", "[[b/deeper/Dup]]", "b/deeper/Dup.md", "resolved", []),
    ("index.md", "[[deeper/Dup]]", "b/deeper/Dup.md", "resolved", []),
]


def _only_link(analysis, source: str):
    (item,) = analysis.graph.links[source]
    return item.link, item.resolution


@pytest.mark.parametrize(("source", "written", "target", "status", "codes"), CASES)
def test_link_resolution(check_vault, source, written, target, status, codes) -> None:
    files = dict(VAULT)
    body = f"See {written} here.\n"
    files[source] = files.get(source, "") + "\n" + body if source in files else body
    if source in VAULT:  # keep the note's own text, but it must hold no other links
        files[source] = VAULT[source] + "\n" + body
    analysis = check_vault(files)
    link, res = _only_link(analysis, source)
    assert isinstance(res, Resolution)
    assert (res.target, res.status) == (target, status), link.raw
    found = sorted({f.code for f in analysis.findings if f.path == source})
    assert found == sorted(codes)


def test_ambiguous_finding_lists_candidates_and_choice(check_vault) -> None:
    analysis = check_vault({**VAULT, "index.md": "[[Dup]]\n"})
    (finding,) = [f for f in analysis.findings if f.code == "link-ambiguous"]
    assert finding.candidates == ("a/Dup.md", "b/Dup.md", "b/deeper/Dup.md")
    assert "using a/Dup.md" in finding.message
    assert finding.location() == "index.md:1"


def test_heading_and_block_targets_are_recorded(check_vault) -> None:
    analysis = check_vault(
        {**VAULT, "index.md": "[[Rubric v3#Criteria#Accuracy]] and [[Rubric v3#^bands]]\n"}
    )
    first, second = (i.resolution for i in analysis.graph.links["index.md"])
    note = analysis.vault.notes["Rubric v3.md"]
    assert first.heading is not None and note.headings[first.heading].text == "Accuracy"
    assert second.block == "bands"


def test_same_note_heading_link(check_vault) -> None:
    analysis = check_vault({"a.md": "# A\n\n## Setup\n\nSee [[#Setup]] and [[#setup]].\n"})
    for item in analysis.graph.links["a.md"]:
        assert item.resolution.target == "a.md"
        assert item.resolution.heading == 1
    assert not analysis.findings.items


NOT_LINKS = {
    "a.md": """
        Inline code `[[Ghost one]]` is text.

        ```
        [[Ghost two]]
        ```

            [[Ghost three]] in an indented code block

        %%a hidden [[Ghost four]] comment%%

        %%
        [[Ghost five]] in a block comment
        %%

        \\[[Ghost six]] escaped
        """,
}


def test_links_in_code_and_comments_are_not_links(check_vault) -> None:
    analysis = check_vault(NOT_LINKS)
    assert analysis.graph.links["a.md"] == []
    assert not [f for f in analysis.findings if f.code.startswith("link-")]


def test_frontmatter_links_are_links(check_vault) -> None:
    analysis = check_vault(
        {
            "agents/Jennifer.md": "---\ntype: agent\njob: grades\nowner: Dana\n---\n",
            "meta/run.md": '---\ntype: meta\nagent: "[[Jennifer]]"\n---\nbody\n',
        }
    )
    (item,) = analysis.graph.links["meta/run.md"]
    assert item.resolution.target == "agents/Jennifer.md"
    assert item.link.line == 3  # the `agent:` line of the file
    assert analysis.graph.backlinks["agents/Jennifer.md"] == ["meta/run.md"]


def test_link_lines_count_the_frontmatter(check_vault) -> None:
    analysis = check_vault({"a.md": "---\ntitle: A\n---\n\nfirst\n\n[[Missing]]\n"})
    (finding,) = [f for f in analysis.findings if f.code == "link-broken"]
    assert finding.location() == "a.md:7"


def test_broken_link_suggests_close_names(check_vault) -> None:
    analysis = check_vault({"Rubric v3.md": "x\n", "a.md": "[[Rubric v2]]\n"})
    (finding,) = [f for f in analysis.findings if f.code == "link-broken"]
    assert "Rubric v3" in finding.message


def test_table_cell_link_with_escaped_pipe(check_vault) -> None:
    analysis = check_vault({"T.md": "t\n", "a.md": "| a | b |\n|---|---|\n| [[T\\|shown]] | x |\n"})
    (item,) = analysis.graph.links["a.md"]
    assert (item.resolution.target, item.link.display) == ("T.md", "shown")
    assert item.link.span is not None and item.link.span.line == 2


def test_tags_follow_obsidians_rules(check_vault) -> None:
    analysis = check_vault(
        {
            "a.md": (
                "#start and #nested/tag, #café #🚀rocket #y1984 but not #1984, x#inside,\n"
                "(#paren), https://example.org/#anchor, `#code` or \\#escaped.\n"
            )
        }
    )
    names = [t.name for t in analysis.vault.notes["a.md"].tags]
    assert names == ["start", "nested/tag", "café", "🚀rocket", "y1984"]


def test_embed_cycles_one_per_group_of_notes_embedding_each_other(check_vault) -> None:
    """Each group of notes that embed one another is reported once, starting at its first
    note; a note embedding itself is a cycle; embeds that only chain are none. A long chain
    closing on itself is found too (the walk is iterative, not bounded by Python's stack)."""
    chain = 1500
    files: dict[str, str | bytes] = {
        "A.md": "![[B]]\n",
        "B.md": "![[C]] and [[A]]\n",  # a plain link closes no cycle
        "C.md": "![[A]]\n",
        "Self.md": "# Self\n\n![[Self]]\n",
        "P.md": "![[Q]]\n",
        "Q.md": "![[R]]\n",
        "R.md": "x\n",
        "X.md": "![[Y]]\n",
        "Y.md": "![[X]]\n![[P]]\n",
    }
    for i in range(chain):
        files[f"chain/L{i:04}.md"] = f"![[L{(i + 1) % chain:04}]]\n"
    analysis = check_vault(files)
    cycles = analysis.graph.embed_cycles
    long = [f"chain/L{i:04}.md" for i in range(chain)]
    assert cycles == sorted([["A.md", "B.md", "C.md"], ["Self.md"], ["X.md", "Y.md"], long])
    flagged = sorted(f.path for f in analysis.findings if f.code == "embed-cycle")
    assert flagged == ["A.md", "Self.md", "X.md", "chain/L0000.md"]


def test_links_made_while_rendering_each_resolve_to_their_own_target(check_vault) -> None:
    """Links the load did not record (a canvas card's, one made from a token while rendering)
    are resolved when rendered. One such link freed and the next one made take the same
    id(): a canvas's file card once linked to the note the card before it linked to."""
    from generator.config import Options
    from generator.findings import Findings
    from generator.model import Link
    from generator.render.markdown import RenderContext

    names = [f"Note {n}" for n in range(8)]
    analysis = check_vault({f"{name}.md": f"# {name}\n" for name in names})
    ctx = RenderContext(analysis.public.graph, {}, {}, Options(), Findings())
    source = analysis.public.notes["Note 0.md"]
    for name in names * 3:  # each link freed before the next is made
        target = ctx.resolution(Link(f"[[{name}]]", name, "", None, False, "wiki", 0), source)
        assert target.target == f"{name}.md"
