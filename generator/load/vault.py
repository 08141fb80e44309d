"""Read a vault folder into notes and attachments. Bad files become findings, never crashes."""

from __future__ import annotations

import codecs
import errno
import fnmatch
import gc
import hashlib
import json
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from generator.config import ALWAYS_EXCLUDED, Options
from generator.findings import Finding, Findings
from generator.load import parse_worker
from generator.load.cache import FileStat, NoteCache, Parsed
from generator.load.comments import strip_comments
from generator.load.density import check_lines
from generator.load.frontmatter import key_line, split_frontmatter
from generator.load.kinds import detect_kind, validate
from generator.load.markdown import parse_body, split_wikilink
from generator.load.parse_worker import ParseShare
from generator.model import Attachment, Heading, Link, Note, Tag, Vault
from generator.secrets import report as report_secrets
from generator.wording import plural

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
    *,
    save: bool = True,
) -> Vault:
    """Every note and attachment under ``root``. With ``cache_path``, notes whose bytes match
    the last build are taken from the parsed-note cache instead of being parsed again, and
    (with ``save``) what was parsed is saved there for the next time."""
    root = root.resolve()
    cache = NoteCache(cache_path, load_key(options), save=save)
    templates = options.templates_folder or _obsidian_templates_folder(root)
    excluded = [*options.exclude]
    if templates:
        excluded.append(templates.strip("/") + "/**")

    # Per note, in walk order: its result, or its bytes while it waits to be parsed.
    results: dict[str, Parsed] = {}
    parsing = _Parsing(root, options)
    attachments: dict[str, Attachment] = {}
    try:
        _read_vault(
            root, excluded, options, findings, advance, cache, results, parsing, attachments
        )
        parsing.parse(cache, results)
    finally:
        parsing.close()  # interrupted: no worker left behind, blocked on its answer
    notes: dict[str, Note] = {}
    for rel, (note, found) in results.items():
        findings.items.extend(found)
        if note is not None:
            notes[rel] = note
    cache.save()
    return Vault(str(root), notes, attachments)


def _read_vault(
    root: Path,
    excluded: list[str],
    options: Options,
    findings: Findings,
    advance: Callable[[int], None] | None,
    cache: NoteCache,
    results: dict[str, Parsed],
    parsing: _Parsing,
    attachments: dict[str, Attachment],
) -> None:
    """Walk the vault: each note's cached result, or its bytes handed to `parsing`; each
    attachment's digest."""
    for where, rel, info in _walk(root, excluded, findings):
        if advance is not None:
            advance(1)
        if rel.lower().endswith(NOTE_SUFFIX):
            size = info.st_size
            if size > options.max_note_bytes:  # not even read: it could be any size
                results[rel] = (None, [_too_large(rel, size, options.max_note_bytes)])
                continue
            stat = (size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
            cached = cache.unchanged(rel, stat)  # not written since it was last read
            if cached is not None:
                results[rel] = cached
                continue
            try:
                data = read_regular(Path(where), options.max_note_bytes)
            except OSError as exc:
                message = f"cannot read note: {exc.strerror or exc}"
                results[rel] = (None, [Finding("file-unreadable", rel, None, message, "error")])
                continue
            sha = hashlib.sha256(data).hexdigest()
            cached = cache.get(rel, sha, stat)
            if cached is not None:
                results[rel] = cached
            else:
                results[rel] = (None, [])  # keeps the walk order; filled in by parse
                parsing.add((rel, data, sha, stat))
        else:
            path = Path(where)
            try:
                digest, size = _hash_regular(path)
            except OSError as exc:
                findings.add(
                    "file-unreadable", rel, None, f"cannot read file: {exc.strerror or exc}"
                )
                continue
            report_secrets(rel, path, findings)
            attachments[rel] = Attachment(rel, digest, size)


def load_key(options: Options) -> str:
    """The options a parsed note depends on: a change to any of them re-parses every note."""
    return json.dumps([getattr(options, name) for name in LOAD_OPTIONS])


LOAD_OPTIONS = ("max_note_bytes", "max_frontmatter_bytes", "max_frontmatter_items", "max_nesting")
"""The `Options` fields `note_from_bytes` reads (also what the parse worker is sent)."""


def _walk(
    root: Path, excluded: list[str], findings: Findings
) -> Iterator[tuple[str, str, os.stat_result]]:
    """Vault files in a stable order, as (path, vault-relative path, stat): regular files
    only, skipping dot-folders, Obsidian's own and excluded globs.

    Symlinked folders are never followed: one pointing into the vault is read where it really
    is (once), one pointing outside is left out like a file there, and a loop cannot form. A
    symlinked file is read when its target is a regular file inside the vault. FIFOs, sockets
    and devices are never opened (opening a FIFO blocks until someone writes to it)."""
    for folder, dirs, files in os.walk(root, followlinks=False):
        base = Path(folder)
        rel_dir = base.relative_to(root).as_posix()
        kept = []
        for name in sorted(dirs):
            if name.startswith(".") or name in ALWAYS_EXCLUDED:
                continue
            rel = f"{rel_dir}/{name}" if rel_dir != "." else name
            if _matches(rel + "/", excluded) or not _valid_name(rel, findings):
                continue
            if os.path.islink(base / name):
                _report_folder_link(root, base / name, rel, findings)
                continue
            kept.append(name)
        dirs[:] = kept
        prefix = f"{rel_dir}/" if rel_dir != "." else ""
        for name in sorted(files):
            if name.startswith("."):
                continue
            # Strings, not Paths, for each file: a night walks every note to stat it, and
            # pathlib's joins and relative_to were most of that walk.
            where = os.path.join(folder, name)
            rel = prefix + name
            if _matches(rel, excluded) or not _valid_name(rel, findings):
                continue
            try:
                info = os.stat(where)  # follows a symlink: its target is what would be read
            except OSError as exc:
                _report_broken(rel, exc, findings)
                continue
            if not stat.S_ISREG(info.st_mode):
                what = _file_type(info.st_mode)
                findings.add(
                    "file-special", rel, None, f"{what}, not a regular file; skipped", "error"
                )
                continue
            if os.path.islink(where) and not _inside(root, Path(where)):
                findings.add(
                    "file-outside-vault", rel, None, "symlink points outside the vault; skipped"
                )
                continue
            yield where, rel, info


def _inside(root: Path, path: Path) -> bool:
    target = Path(os.path.realpath(path))
    return target == root or root in target.parents


def _report_folder_link(root: Path, path: Path, rel: str, findings: Findings) -> None:
    try:
        path.stat()
    except OSError as exc:
        _report_broken(rel, exc, findings)
        return
    if not _inside(root, path):
        findings.add(
            "file-outside-vault", rel, None, "symlinked folder points outside the vault; skipped"
        )
        return
    target = Path(os.path.realpath(path)).relative_to(root).as_posix() or "."
    findings.add(
        "file-special",
        rel,
        None,
        f"symlinked folder; its files are read once, where they are ({target}/)",
        "info",
    )


def _report_broken(rel: str, exc: OSError, findings: Findings) -> None:
    if exc.errno == errno.ELOOP:
        message = "symlink loop (the link points back to itself); skipped"
    elif exc.errno == errno.ENOENT:
        message = "symlink to something that does not exist; skipped"
    else:
        message = f"cannot read: {exc.strerror or exc}; skipped"
    findings.add("file-unreadable", rel, None, message, "error")


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def _valid_name(rel: str, findings: Findings) -> bool:
    """A vault path must be text: a name that is not valid UTF-8 (os.walk hands it over with
    surrogate escapes) could not be written to graph.json, a cache or a URL."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        findings.add(
            "file-name-invalid",
            shown,
            None,
            "file or folder name is not valid UTF-8; skipped (rename it)",
            "error",
        )
        return False
    return True


def read_regular(path: Path, limit: int) -> bytes:
    """A regular file's bytes, at most ``limit`` + 1 of them. Opened without blocking and
    checked after opening, so a file swapped for a FIFO since the walk cannot hang the build."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(limit + 1)
    finally:
        os.close(fd)


def _hash_regular(path: Path) -> tuple[str, int]:
    """SHA-256 and size of an attachment, read in chunks (a video need not fit in memory)."""
    digest, size = hashlib.sha256(), 0
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    return digest.hexdigest(), size


def _too_large(rel: str, size: int, limit: int) -> Finding:
    return Finding(
        "note-too-large",
        rel,
        None,
        f"note is {size / 1e6:.1f} MB, over the {limit / 1e6:.1f} MB limit "
        "(extra.definitive.max_note_bytes); skipped",
        "error",
    )


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


Pending = tuple[str, bytes, str, FileStat]
"""A note to parse: its path, bytes, SHA-256 and stat."""


class _Parsing:
    """The notes to parse, split between this process and a parse worker
    (load/parse_worker.py) as the walk finds them, once there are ``MIN_NOTES`` of them."""

    def __init__(self, root: Path, options: Options) -> None:
        self.root, self.options = root, options
        self.mine: list[Pending] = []
        self.theirs: list[Pending] = []
        self.share: ParseShare | None = None
        self.count = 0

    def add(self, item: Pending) -> None:
        place = self.count
        self.count += 1
        if self.share is not None and self._give(place, item):
            return
        self.mine.append(item)
        if self.count == parse_worker.MIN_NOTES and self.share is None:
            self.share = ParseShare.start(self.root, self.options)
            if self.share is not None:  # its share of the notes found so far
                found, self.mine = self.mine, []
                for place, item in enumerate(found):
                    if not self._give(place, item):
                        self.mine.append(item)

    def _give(self, place: int, item: Pending) -> bool:
        assert self.share is not None
        if not ParseShare.takes(place) or not self.share.give(item[0], item[2]):
            return False
        self.theirs.append(item)
        return True

    def parse(self, cache: NoteCache, results: dict[str, Parsed]) -> None:
        """Parse this process's notes, then take the worker's (or parse those it did not
        answer for); the parsed notes go into the cache."""
        if self.share is not None:
            self.share.end()
        for rel, data, sha, info in self.mine:
            results[rel] = _parse_one(rel, data, sha, info, self.options, cache)
        if self.share is None:
            return
        answered = self.share.results()
        for rel, data, sha, info in self.theirs:
            entry = answered.get(rel)
            decoded = cache.put_entry(rel, entry, info) if entry is not None else None
            results[rel] = decoded or _parse_one(rel, data, sha, info, self.options, cache)

    def close(self) -> None:
        if self.share is not None:
            self.share.close()


def _parse_one(
    rel: str, data: bytes, sha: str, stat: FileStat, options: Options, cache: NoteCache
) -> Parsed:
    own = Findings()
    note = note_from_bytes(rel, data, options, own, sha)
    cache.put(rel, sha, note, own.items, stat)
    return note, own.items


def note_from_bytes(
    rel: str, data: bytes, options: Options, findings: Findings, sha: str = ""
) -> Note | None:
    if len(data) > options.max_note_bytes:
        findings.items.append(_too_large(rel, len(data), options.max_note_bytes))
        return None
    text = decode_note(rel, data, findings)
    if text is None:
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    report_secrets(rel, text, findings)  # frontmatter, body and code: cached with the note
    if not text.strip():
        findings.add("note-empty", rel, None, "note is empty", "info")

    split = split_frontmatter(
        text,
        max_bytes=options.max_frontmatter_bytes,
        max_items=options.max_frontmatter_items,
    )
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
    limits = check_lines(body.split("\n"), options.max_nesting)
    if limits.dense:
        count = len(limits.dense)
        findings.add(
            "note-dense",
            rel,
            split.body_offset + limits.dense[0][0] + 1,
            (f"{count} blocks, the first here, are" if count > 1 else "this block is")
            + " too dense to render as markdown (long and nearly all markup characters, or "
            "past 10,000 blocks); published as plain text, their links and tags not read",
        )
    if limits.deep:
        findings.add(
            "nesting-too-deep",
            rel,
            split.body_offset + limits.deep[0] + 1,
            f"{plural(len(limits.deep), 'line')} nested deeper than {options.max_nesting} levels "
            "(extra.definitive.max_nesting); flattened to that depth",
        )
    parsed = parse_body(body, split.body_offset, limits.dense)
    if parsed.dense_lines:
        count = len(parsed.dense_lines)
        findings.add(
            "note-dense",
            rel,
            split.body_offset + parsed.dense_lines[0] + 1,
            (f"{count} paragraphs, the first here, have" if count > 1 else "this paragraph has")
            + " too many unclosed brackets to read every markdown link; the rest of their "
            "[text](links) are left as written",
        )
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
        dense=limits.dense,
        deep_lines=limits.deep,
        lead=parsed.lead,
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


# Byte order marks, longest first (UTF-32 LE's starts with UTF-16 LE's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_note(rel: str, data: bytes, findings: Findings) -> str | None:
    """A note's text: by its byte order mark when it has one (Windows editors save UTF-16
    with one), else UTF-8; None for binary content. NUL characters become U+FFFD, as
    CommonMark asks."""
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            data, encoding = data[len(bom) :], name
            break
    else:
        if b"\x00" in data[:8192]:
            findings.add(
                "note-binary", rel, None, "file has a .md name but binary content; skipped", "error"
            )
            return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        findings.add(
            "note-encoding",
            rel,
            line,
            f"not valid {encoding.upper()}; undecodable bytes shown as \ufffd "
            "(re-save the file as UTF-8)",
        )
        text = data.decode(encoding, errors="replace")
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


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
    # An empty YAML list item is None: no alias, not one named "None".
    return [
        unicodedata.normalize("NFC", str(v).strip())
        for v in value
        if v is not None and str(v).strip()
    ]


def _frontmatter_tags(meta: dict[str, Any]) -> list[str]:
    value = meta.get("tags", meta.get("tag"))
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list):
        return []
    # An empty YAML list item ("tags:\n  -\n") is None: no tag, as in Obsidian.
    return [
        str(v).strip().lstrip("#")
        for v in value
        if v is not None and not isinstance(v, dict | list) and str(v).strip().lstrip("#")
    ]


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
