"""Every syntax of Obsidian's own help, built once and read in Chromium as a reader sees it.

One note per section of the help pages ("Basic formatting syntax", "Advanced formatting
syntax", "Obsidian Flavored Markdown", "Callouts", "Embed files", "Internal links",
"Properties"), plus a vault made the way a real user's is (no agents, a home note, a top-level
templates/ folder, a canvas and a base). The assertions read the DOM, not the markdown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.pipeline import analyse, build
from tests.conftest import write_vault
from tests.test_browser import CHROMIUM, _serve

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
# Smallest files a browser accepts as media: the test reads the DOM, not the playback.
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 413
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
PDF = (
    b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

BASIC = """\
# Basic formatting

A paragraph right before a list
- first item
- second item

Line one
line two of the same paragraph

1) first ordered
2) second ordered

- [ ] to do
- [x] done
- [?] a question
- [-] cancelled
- [/] half done

**bold**, *italic*, ***both***, ~~struck~~, ==highlighted==, `inline code`.

> A quote
> on two lines

---

- outer
    - nested four spaces
  - nested two spaces

```python
def hello():
    return "[[not a link]] #not-a-tag"
```

- A list item with code:

  ```
  fenced inside the item
  ```

\\*not italic\\* and a [link to the web](https://example.org).

Text with a footnote.[^1] And an inline one.^[Inline footnote text.]

[^1]: The footnote text.

%% a comment nobody sees %%
"""

ADVANCED = """\
# Advanced formatting

| Name | Link |
|:-----|-----:|
| one | [[Internal links\\|the links note]] |
| two | ![[pic.png\\|30]] |

Inline math $e^{i\\pi} + 1 = 0$ and a price of $5 and $10, not math.

$$
\\begin{vmatrix}a & b\\\\ c & d\\end{vmatrix} = ad - bc
$$

```mermaid
graph TD
  A[Start] --> B{Works?}
  B -->|yes| C[Ship]
```
"""

FLAVORED = """\
# Flavored

A paragraph that ends with its id. ^para-id

- an item
- another item
^list-id

| a | b |
|---|---|
| 1 | 2 |

^table-id

> A quote worth linking to.

^quote-id

#tag and #nested/tag are tags; #123 is not.
"""

CALLOUTS = """\
# Callouts

> [!tip] A custom title with [[Internal links]]
> Body of the tip.

> [!faq]- Folded by default
> Hidden answer.

> [!warning]+ Open but foldable
> Visible.

> [!note]
> > [!bug] Nested
> > Inside.

> [!example] Code inside
>  ```python
>  print("one extra space")
>  ```

```markdown
> [!note] A code sample of callout syntax
> stays code
```
"""

EMBEDS = """\
# Embeds

![[Flavored#^para-id]]

![[Flavored#^list-id]]

![[Flavored#^table-id]]

![[pic.png|100]]

![[pic.png|120x80]]

![60](pic.png)

![alt text|70](pic.png)

![[talk.mp3]]

![[clip.mp4]]

![[paper.pdf#page=2]]

![[Board.canvas]]

![[Tasks.base]]

![[#Own section]]

## Own section

This section is shown twice: here, and above through the embed.
"""

LINKS = """\
# Internal links

## Part 1: Basics

Basic text.

## What? Why!

See [[Internal links#Part 1 Basics]], [[#What Why]], [[Flavored#^list-id|the list]],
[[Advanced formatting syntax]] and [a markdown link](Basic%20formatting.md).
"""

PROPERTIES = """\
---
tags:
  - project
  -
  - client/acme
aliases: [Props]
reviewed: true
archived: false
related: "[[Internal links]]"
people:
  - "[[Basic formatting]]"
  -
  - Someone else
count: 3
empty:
---
# Properties

The properties above show as Obsidian shows them.
"""

USER_VAULT: dict[str, str | bytes] = {
    "Home.md": "# My notes\n\nStart at [[Basic formatting]] or [[Templates/Meeting]].\n",
    "Basic formatting.md": BASIC,
    "Advanced formatting syntax.md": ADVANCED,
    "Flavored.md": FLAVORED,
    "Callouts.md": CALLOUTS,
    "Embeds.md": EMBEDS,
    "Internal links.md": LINKS,
    "Properties.md": PROPERTIES,
    "Templates/Meeting.md": "# Meeting\n\nA note in a top-level templates folder.\n",
    "Projects/Deep/Plan.md": "# Plan\n\nDeep in folders.\n",
    "pic.png": PNG,
    "talk.mp3": MP3,
    "clip.mp4": MP4,
    "paper.pdf": PDF,
    "Board.canvas": (
        '{"nodes":['
        '{"id":"a","type":"text","text":"# Idea\\nSee [[Internal links]]","x":0,"y":0,'
        '"width":200,"height":100},'
        '{"id":"b","type":"file","file":"Flavored.md","x":300,"y":0,"width":200,"height":100},'
        '{"id":"c","type":"link","url":"https://example.org","x":0,"y":200,"width":200,'
        '"height":100}],'
        '"edges":[{"id":"e","fromNode":"a","toNode":"b","label":"leads to"}]}'
    ),
    "Tasks.base": (
        "filters:\n  and:\n    - file.inFolder(\"Projects\")\nviews:\n"
        "  - type: table\n    name: Project notes\n    order: [file.name]\n"
    ),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    base = tmp_path_factory.mktemp("obsidian")
    vault = write_vault(base / "vault", USER_VAULT)
    from tests.conftest import settings_for

    settings = settings_for(vault, base / "site")
    report = build(settings)
    checked = analyse(settings_for(vault, base / "site"))
    site_dir = settings.site_dir
    with _serve(site_dir) as url:
        yield site_dir, url, report, checked  # type: ignore[misc]


pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
]
