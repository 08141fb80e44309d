"""Read a vault folder into notes and attachments. Bad files become findings, never crashes."""

from __future__ import annotations

import fnmatch
import gc
import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from generator.config import ALWAYS_EXCLUDED, Options
from generator.findings import Finding, Findings
from generator.load.cache import NoteCache, Parsed
from generator.load.comments import strip_comments
from generator.load.frontmatter import key_line, split_frontmatter
from generator.load.kinds import detect_kind, validate
from generator.load.markdown import parse_body, split_wikilink
from generator.load.parse_worker import ParseShare
from generator.model import Attachment, Heading, Link, Note, Tag, Vault
from generator.secrets import report as report_secrets

NOTE_SUFFIX = ".md"


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Loading makes millions of short-lived objects and no reference cycles, so the cyclic
    collector would only re-scan the notes loaded so far, again and again (a sixth of a cold
    load). Nothing is left for it: what loading drops, reference counting frees."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_gc_paused()
def load_vault(
    root: Path,
    options: Options,
    findings: Findings,
    advance: Callable[[int], None] | None = None,
    cache_path: Path | None = None,
) -> Vault:
    """Every note and attachment under ``root``. With ``cache_path``, notes whose bytes match
    the last build are taken from the parsed-note cache instead of being parsed again."""
    root = root.resolve()
    cache = NoteCache(cache_path, str(options.max_note_bytes))
    templates = options.templates_folder or _obsidian_templates_folder(root)
    excluded = [*options.exclude]
    if templates:
        excluded.append(templates.strip("/") + "/**")

    # Per note, in walk order: its result, or its bytes while it waits to be parsed.
    results: dict[str, Parsed] = {}
    pending: list[tuple[str, bytes, str]] = []
    attachments: dict[str, Attachment] = {}
    for path in _walk(root, excluded, findings):
        if advance is not None:
            advance(1)
        rel = path.relative_to(root).as_posix()
        if rel.lower().endswith(NOTE_SUFFIX):
            try:
                data = path.read_bytes()
            except OSError as exc:
                message = f"cannot read note: {exc.strerror}"
                results[rel] = (None, [Finding("file-unreadable", rel, None, message, "error")])
                continue
            sha = hashlib.sha256(data).hexdigest()
            cached = cache.get(rel, sha)
            if cached is not None:
                results[rel] = cached
            else:
                results[rel] = (None, [])  # keeps the walk order; filled in below
                pending.append((rel, data, sha))
        else:
            try:
                stat = path.stat()
                data = path.read_bytes()
            except OSError as exc:
                findings.add("file-unreadable", rel, None, f"cannot read file: {exc.strerror}")
                continue
            report_secrets(rel, data, findings)
            attachments[rel] = Attachment(rel, hashlib.sha256(data).hexdigest(), stat.st_size)
    _parse(root, pending, options, cache, results)
    notes: dict[str, Note] = {}
    for rel, (note, found) in results.items():
        findings.items.extend(found)
        if note is not None:
            notes[rel] = note
    cache.save()
    return Vault(str(root), notes, attachments)


def _walk(root: Path, excluded: list[str], findings: Findings):
    """Vault files in a stable order, skipping dot-folders, Obsidian's own and excluded globs."""
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        rel_dir = base.relative_to(root).as_posix()
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and d not in ALWAYS_EXCLUDED
            and not _matches(f"{rel_dir}/{d}".lstrip("./") + "/", excluded)
        )
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = base / name
            rel = path.relative_to(root).as_posix()
            if _matches(rel, excluded):
                continue
            if path.is_symlink():
                target = path.resolve()
                if root not in target.parents:
                    findings.add(
                        "file-outside-vault", rel, None, "symlink points outside the vault; skipped"
                    )
                    continue
            yield path


def _matches(rel: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(rel.rstrip("/"), p) for p in patterns)


def _obsidian_templates_folder(root: Path) -> str | None:
    """Obsidian keeps the core Templates plugin's folder in .obsidian/templates.json."""
    try:
        data = json.loads((root / ".obsidian" / "templates.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    folder = data.get("folder") if isinstance(data, dict) else None
    return folder if isinstance(folder, str) and folder.strip("/") else None


def _parse(
    root: Path,
    pending: list[tuple[str, bytes, str]],
    options: Options,
    cache: NoteCache,
    results: dict[str, Parsed],
) -> None:
    """Parse the notes the cache did not have, a worker process taking every other one when
    there are many (load/parse_worker.py); the parsed notes go into the cache."""
    share = ParseShare.start(root, options.max_note_bytes, [(r, sha) for r, _, sha in pending])
    mine = pending if share is None else pending[0::2]
    try:
        for rel, data, sha in mine:
            results[rel] = _parse_one(rel, data, sha, options, cache)
    except BaseException:
        if share is not None:
            share.close()  # interrupted: no worker left behind, blocked on its answer
        raise
    if share is None:
        return
    answered = share.results()
    for rel, data, sha in pending[1::2]:
        entry = answered.get(rel)
        decoded = cache.put_entry(rel, entry) if entry is not None else None
        results[rel] = decoded or _parse_one(rel, data, sha, options, cache)


def _parse_one(rel: str, data: bytes, sha: str, options: Options, cache: NoteCache) -> Parsed:
    own = Findings()
    note = note_from_bytes(rel, data, options, own, sha)
    cache.put(rel, sha, note, own.items)
    return note, own.items


def note_from_bytes(
    rel: str, data: bytes, options: Options, findings: Findings, sha: str = ""
) -> Note | None:
    if len(data) > options.max_note_bytes:
        findings.add(
            "note-too-large",
            rel,
            None,
            f"note is {len(data) / 1e6:.1f} MB, over the {options.max_note_bytes / 1e6:.1f} MB "
            "limit (extra.definitive.max_note_bytes); skipped",
            "error",
        )
        return None
    if b"\x00" in data[:8192]:
        findings.add(
            "note-binary", rel, None, "file has a .md name but binary content; skipped", "error"
        )
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        findings.add(
            "note-encoding",
            rel,
            line,
            "not valid UTF-8; undecodable bytes shown as \ufffd (re-save the file as UTF-8)",
        )
        text = data.decode("utf-8", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    report_secrets(rel, text, findings)  # frontmatter, body and code: cached with the note
    if not text.strip():
        findings.add("note-empty", rel, None, "note is empty", "info")

    split = split_frontmatter(text)
    error_line = split.error[0] if split.error else None
    if split.error:
        findings.add("frontmatter-invalid", rel, split.error[0], split.error[1], "error")
    meta_lines, repeated = _key_lines(split.frontmatter_text)
    for key, first, again in repeated:
        # YAML keeps the last value without a word, so `publish: false` above a template's
        # `publish: true` would be lost; Obsidian refuses such frontmatter too.
        findings.add(
            "frontmatter-invalid",
            rel,
            again,
            f"key `{key}` appears twice (lines {first} and {again}): remove one",
            "error",
        )
        error_line = error_line or again
    meta = split.meta
    kind, problem = detect_kind(rel, meta)
    if problem:
        findings.add("frontmatter-invalid", rel, key_line(split.frontmatter_text, "type"), problem)

    body = strip_comments(split.body)  # before anything else reads the text
    parsed = parse_body(body, split.body_offset)
    for block_id, line in parsed.duplicate_blocks:
        findings.add(
            "block-id-duplicate", rel, line, f"block id ^{block_id} is used twice in this note"
        )

    stem = rel.rsplit("/", 1)[-1][: -len(NOTE_SUFFIX)]
    title = meta.get("title")
    note = Note(
        path=rel,
        kind=kind,
        title=str(title).strip()
        if isinstance(title, str | int | float) and str(title).strip()
        else stem,
        meta=meta,
        body=body,
        body_offset=split.body_offset,
        sha=sha or hashlib.sha256(data).hexdigest(),
        frontmatter_error=error_line,
        meta_lines=meta_lines,
        aliases=_aliases(meta),
        tags=[Tag(t, None) for t in _frontmatter_tags(meta)] + parsed.tags,
        links=_frontmatter_links(meta, split.frontmatter_text) + parsed.links,
        headings=parsed.headings,
        blocks=parsed.blocks,
        callouts=parsed.callouts,
        block_markers=parsed.block_markers,
        h1=_opens_with_h1(parsed.headings, body),
    )
    validate(note, split.frontmatter_text, findings)
    return note


_TOP_KEY = re.compile(r"""^(?:"([^"]+)"|'([^']+)'|([^\s#'"?{\[\-][^:#]*?))[ \t]*:(?:\s|$)""")


def _key_lines(frontmatter_text: str) -> tuple[dict[str, int], list[tuple[str, int, int]]]:
    """File line of each top-level key, and the keys written twice: (key, first, again)."""
    lines: dict[str, int] = {}
    repeated: list[tuple[str, int, int]] = []
    for number, line in enumerate(frontmatter_text.split("\n"), start=1):
        match = _TOP_KEY.match(line)
        if match is None:
            continue
        key = next(g for g in match.groups() if g is not None).strip()
        if key in lines:
            repeated.append((key, lines[key], number))
        else:
            lines[key] = number
    return lines, repeated


def _opens_with_h1(headings: list[Heading], body: str) -> bool:
    """Whether the first non-blank line is a level-1 heading (then it is the page title)."""
    if not headings or headings[0].level != 1:
        return False
    for number, line in enumerate(body.split("\n")):
        if line.strip():
            return number == headings[0].line
    return False


def _aliases(meta: dict[str, Any]) -> list[str]:
    value = meta.get("aliases", meta.get("alias"))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [unicodedata.normalize("NFC", str(v).strip()) for v in value if str(v).strip()]


def _frontmatter_tags(meta: dict[str, Any]) -> list[str]:
    value = meta.get("tags", meta.get("tag"))
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list):
        return []
    return [str(v).strip().lstrip("#") for v in value if str(v).strip().lstrip("#")]


def _frontmatter_links(meta: dict[str, Any], fm_text: str) -> list[Link]:
    """Wikilinks in frontmatter values (``article: "[[X]]"``) are links too, as in Obsidian."""
    links: list[Link] = []
    for key, value in meta.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if not isinstance(item, str):
                continue
            start = item.find("[[")
            while start >= 0:
                end = item.find("]]", start + 2)
                if end < 0:
                    break
                target, subpath, display = split_wikilink(item[start + 2 : end])
                if target or subpath:
                    raw = item[start : end + 2]
                    links.append(
                        Link(raw, target, subpath, display, False, "wiki", key_line(fm_text, key))
                    )
                start = item.find("[[", end + 2)
    return links
