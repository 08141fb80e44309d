"""Pages for the vault files Obsidian shows as views of notes: a Canvas (``.canvas``) and a
Base (``.base``).

A published ``.canvas`` or ``.base`` (one a published note links to or embeds) gets a page of
its own, which every link to it opens; the file itself stays beside it as published.

- A Canvas page lists its cards as Obsidian draws them, top to bottom and left to right:
  text cards rendered as notes are (links, embeds and all), note and file cards as links, web
  cards as links, groups as headings, and the arrows between cards as "from -> to" lines.
- A Base page is the table of notes each of its views selects, with the view's columns.
  Filters supported: ``file.inFolder("f")``, ``file.hasTag("t")``, ``file.hasLink("n")``,
  ``file.name == "x"``, ``file.ext == "md"``, ``property == value`` and ``!=``, combined with
  ``and`` / ``or`` / ``not``; a view with any other filter says so instead of guessing.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.load.frontmatter import split_frontmatter
from generator.model import Note
from generator.render.markdown import NoteRenderer
from generator.slugs import site_href

FILE_PAGE_SUFFIXES = (".canvas", ".base")
MAX_ROWS = 1000
"""Rows a Base view shows at most; the rest are counted."""
MAX_VIEWS = 20
"""Views of a Base shown at most (each is a pass over the notes)."""


def has_page(path: str) -> bool:
    return path.lower().endswith(FILE_PAGE_SUFFIXES)


@dataclass
class FilePage:
    title: str
    kind: str
    """``canvas`` or ``base``."""
    body: str
    """HTML."""


def file_page(
    path: str,
    data: bytes,
    page: str,
    renderer: NoteRenderer,
    notes: dict[str, Note],
    note_paths: dict[str, str],
) -> FilePage:
    name = path.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0]
    renderer.begin(path)
    if len(data) > renderer.ctx.options.max_note_bytes:
        limit = renderer.ctx.options.max_note_bytes
        kind = "canvas" if path.lower().endswith(".canvas") else "base"
        return FilePage(
            stem,
            kind,
            _note(
                f"This file is larger than {limit:,} bytes "
                "(extra.definitive.max_note_bytes); not shown."
            ),
        )
    if path.lower().endswith(".canvas"):
        return FilePage(stem, "canvas", _canvas(path, data, page, renderer))
    return FilePage(stem, "base", _base(data, page, renderer, notes, note_paths))


# --- Canvas --------------------------------------------------------------------------------


def _canvas(path: str, data: bytes, page: str, renderer: NoteRenderer) -> str:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _note("This canvas file could not be read (it is not JSON Canvas).")
    nodes = document.get("nodes") if isinstance(document, dict) else None
    edges = document.get("edges") if isinstance(document, dict) else None
    nodes = [n for n in nodes or [] if isinstance(n, dict)]
    edges = [e for e in edges or [] if isinstance(e, dict)]
    if not nodes:
        return _note("This canvas is empty.")
    labels: dict[str, str] = {}
    parts = ['<div class="dfn-canvas">']
    for node in sorted(nodes, key=lambda n: (_number(n.get("y")), _number(n.get("x")))):
        kind, node_id = str(node.get("type", "")), str(node.get("id", ""))
        if kind == "group":
            label = str(node.get("label") or "Group")
            labels[node_id] = label
            parts.append(f"<h2>{html.escape(label)}</h2>")
            continue
        if kind == "text":
            text = str(node.get("text") or "")
            labels[node_id] = _first_words(text)
            card = renderer.render_text(text, f"{path}#{node_id}", page)
        elif kind == "file":
            target = str(node.get("file") or "")
            labels[node_id] = target.rsplit("/", 1)[-1]
            card = f"<p>{renderer.file_link(target, path, page)}</p>"
        elif kind == "link":
            url = str(node.get("url") or "")
            labels[node_id] = url
            safe = url if re.match(r"^https?://", url) else "#"
            card = f'<p><a href="{html.escape(safe)}">{html.escape(url)}</a></p>'
        else:
            continue
        parts.append(f'<div class="dfn-canvas-card">\n{card}</div>')
    arrows = []
    for edge in edges:
        start, end = labels.get(str(edge.get("fromNode"))), labels.get(str(edge.get("toNode")))
        if start is None or end is None:
            continue
        label = f" ({html.escape(str(edge['label']))})" if edge.get("label") else ""
        arrows.append(f"<li>{html.escape(start)} → {html.escape(end)}{label}</li>")
    if arrows:
        parts.append("<h2>Connections</h2>\n<ul>\n" + "\n".join(arrows) + "\n</ul>")
    parts.append("</div>")
    return "\n".join(parts)


def _first_words(text: str) -> str:
    line = next((x.strip("# ").strip() for x in text.split("\n") if x.strip()), "")
    return line[:60] + ("…" if len(line) > 60 else "")


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


# --- Base ----------------------------------------------------------------------------------


class Unsupported(Exception):
    """A filter this page does not evaluate."""


Predicate = Callable[[Note], bool]


def _base(
    data: bytes,
    page: str,
    renderer: NoteRenderer,
    notes: dict[str, Note],
    note_paths: dict[str, str],
) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _note("This base file could not be read (it is not UTF-8 text).")
    # Read as frontmatter is: YAML alias bombs and deep nesting refused before they grow.
    options = renderer.ctx.options
    read = split_frontmatter(
        f"---\n{text}\n---\n", max_bytes=len(data) + 8, max_items=options.max_frontmatter_items
    )
    if read.error is not None:
        return _note(f"This base file could not be read: {read.error[1]}.")
    document = read.meta
    views = [v for v in document.get("views") or [] if isinstance(v, dict)][:MAX_VIEWS]
    if not views:
        views = [{"type": "table", "name": "All notes"}]
    parts = []
    try:
        shared = _predicate(document.get("filters"))
    except Unsupported as exc:
        return _note(f"This base filters its notes with {exc}, which the site cannot evaluate.")
    for view in views:
        name = str(view.get("name") or view.get("type") or "View")
        parts.append(f"<h2>{html.escape(name)}</h2>")
        try:
            own = _predicate(view.get("filters"))
        except Unsupported as exc:
            parts.append(
                _note(f"This view filters its notes with {exc}, which the site cannot evaluate.")
            )
            continue
        chosen = [n for n in notes.values() if shared(n) and own(n)]
        chosen.sort(key=lambda n: n.title.casefold())
        columns = [str(c) for c in view.get("order") or ["file.name"]]
        parts.append(_table(chosen, columns, page, renderer, note_paths))
    return "\n".join(parts)


def _table(
    rows: list[Note], columns: list[str], page: str, renderer: NoteRenderer, paths: dict[str, str]
) -> str:
    if not rows:
        return _note("No published note matches this view.")
    head = "".join(f"<th>{html.escape(_column_label(c))}</th>" for c in columns)
    body = []
    for note in rows[:MAX_ROWS]:
        cells = []
        for column in columns:
            if column in ("file.name", "file.basename"):
                href = site_href(page, paths[note.path], renderer.ctx.directory_urls)
                link = f'<a href="{html.escape(href)}">{html.escape(note.title)}</a>'
                cells.append(f"<td>{link}</td>")
            else:
                value = _property(note, column)
                shown = ", ".join(str(v) for v in value) if isinstance(value, list) else value
                cells.append(f"<td>{html.escape('' if shown is None else str(shown))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = len(rows) - MAX_ROWS
    tail = _note(f"…and {more:,} more.") if more > 0 else ""
    return (
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n"
        f"</table>{tail}"
    )


def _column_label(column: str) -> str:
    return {"file.name": "Name", "file.basename": "Name"}.get(column, column.split(".", 1)[-1])


def _property(note: Note, column: str) -> Any:
    key = column[5:] if column.startswith("note.") else column
    if key.startswith(("file.", "formula.")):
        return None
    return note.meta.get(key)


_CALL = re.compile(r'^file\.(inFolder|hasTag|hasLink)\(\s*"([^"]*)"\s*\)$')
_COMPARE = re.compile(r"^([\w.-]+)\s*(==|!=)\s*(.+)$")


def _predicate(spec: Any) -> Predicate:
    if spec is None:
        return lambda note: True
    if isinstance(spec, str):
        return _expression(spec.strip())
    if isinstance(spec, dict) and len(spec) == 1:
        ((op, items),) = spec.items()
        if op in ("and", "or", "not") and isinstance(items, list):
            tests = [_predicate(item) for item in items]
            if op == "and":
                return lambda note: all(t(note) for t in tests)
            if op == "or":
                return lambda note: any(t(note) for t in tests)
            return lambda note: not any(t(note) for t in tests)
    raise Unsupported(f"`{str(spec)[:80]}`")


def _expression(text: str) -> Predicate:
    negated = text.startswith("!")
    inner = text[1:].strip() if negated else text
    test = _call(inner) or _comparison(inner)
    if test is None:
        raise Unsupported(f"`{text[:80]}`")
    return (lambda note: not test(note)) if negated else test


def _call(text: str) -> Predicate | None:
    match = _CALL.match(text)
    if match is None:
        return None
    name, arg = match.groups()
    if name == "inFolder":
        folder = arg.strip("/")
        return lambda note: note.folder == folder or note.folder.startswith(folder + "/")
    if name == "hasTag":
        tag = arg.lstrip("#").casefold()
        return lambda note: any(
            t.name.casefold() == tag or t.name.casefold().startswith(tag + "/") for t in note.tags
        )
    target = arg.casefold().removesuffix(".md")
    return lambda note: any(
        link.target.casefold().removesuffix(".md") == target for link in note.links
    )


def _comparison(text: str) -> Predicate | None:
    match = _COMPARE.match(text)
    if match is None:
        return None
    field, op, raw = match.groups()
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return None
    get: Callable[[Note], Any]
    if field in ("file.name", "file.basename"):
        keep_ext = field == "file.name"
        get = lambda note: note.path.rsplit("/", 1)[-1][: None if keep_ext else -3]  # noqa: E731
    elif field == "file.ext":
        get = lambda note: "md"  # noqa: E731  # only notes are rows
    elif field.startswith("file."):
        return None
    else:
        get = lambda note: _property(note, field)  # noqa: E731
    if op == "==":
        return lambda note: get(note) == value
    return lambda note: get(note) != value


def _note(text: str) -> str:
    return f'<p class="dfn-file-note">{html.escape(text)}</p>'


def read(root: str, path: str, data: bytes | None) -> bytes:
    return data if data is not None else (Path(root) / path).read_bytes()
