"""Drive MkDocs (with Material) on the emitted docs tree, using the user's own mkdocs.yml.

The user's config stays the single source of site settings (name, palette, extra, plugins);
we only override what the emitted tree decides: ``docs_dir``, ``site_dir``, the generated
``nav``, and the markdown extensions our plain markdown relies on (added when missing).
"""

from __future__ import annotations

import copy
import dataclasses
import errno
import hashlib
import json
import logging
import os
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from generator import __version__
from generator.config import SITE_MARKER, Settings, site_templates_dir
from generator.errors import BuildError, UsageError
from generator.publish import renderer_versions
from generator.publish.mkdocs_workers import build_in_workers, parallel_safe, worker_count
from generator.publish.search import SearchIndex, SearchState
from generator.publish.site_state import FileStat, snapshot

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Definitive drives MkDocs; see docs/design

# What our emitted markdown needs from Python-Markdown, with the options we rely on.
REQUIRED_EXTENSIONS: list[Any] = [
    "attr_list",  # {#id} on headings, { width="300" } on images
    "md_in_html",  # <div markdown> around embeds and properties
    "admonition",  # callouts
    "pymdownx.details",  # folded callouts (???)
    "tables",
    "footnotes",
    {"toc": {"permalink": True}},
    "generator.publish.markdown_guard",  # bounded link scans, unfinished HTML, recursion
]
STAMP = "site-stamp.json"
HOOKS = str(Path(__file__).with_name("mkdocs_hooks.py"))
SCRIPTS = [
    "assets/definitive/graph.js",
    "assets/definitive/search.js",
    "assets/definitive/render.js",  # math and diagrams in notes (render/markdown.py)
    "assets/definitive/explorer.js",  # the sidebar's folders (render/explorer.py)
    "assets/definitive/alternates.js",  # no sitemap.xml lookups beside page copies
    "assets/definitive/previews.js",  # link previews
]


def _name(entry: Any) -> str:
    return next(iter(entry)) if isinstance(entry, dict) else str(entry)


def user_config(settings: Settings) -> dict[str, Any]:
    """The site config read the way MkDocs reads it (``!ENV``, ``!!python/name`` work): the
    user's mkdocs.yml, or for a bare vault the built-in default."""
    from mkdocs.utils.yaml import yaml_load

    path = config_file_for(settings)
    try:
        with path.open("rb") as handle:
            data = yaml_load(handle)
    except Exception as exc:  # MkDocs raises its own ConfigurationError types
        raise BuildError(f"{path}: cannot read site config: {exc}") from None
    return data if isinstance(data, dict) else {}


def config_file_for(settings: Settings) -> Path:
    """The user's mkdocs.yml, or a default one written into the cache for a bare vault."""
    if settings.config_file is not None:
        return settings.config_file
    template = (site_templates_dir() / "mkdocs.default.yml").read_text(encoding="utf-8")
    text = template.replace("{{ site_name }}", json.dumps(settings.vault.name or "Notes"))
    text = text.replace("{{ custom_dir }}", json.dumps(str(site_templates_dir() / "overrides")))
    path = settings.cache_dir / "mkdocs.default.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def overrides(settings: Settings, nav: list[dict[str, str]], serve: bool = False) -> dict[str, Any]:
    raw = user_config(settings)
    extensions = list(raw.get("markdown_extensions") or [])
    present = {_name(e) for e in extensions}
    # Copies: MkDocs consumes the option dicts it is given.
    extensions += [copy.deepcopy(e) for e in REQUIRED_EXTENSIONS if _name(e) not in present]
    extra_css = list(raw.get("extra_css") or [])
    if "assets/definitive/definitive.css" not in extra_css:
        extra_css.append("assets/definitive/definitive.css")
    extra_javascript = list(raw.get("extra_javascript") or [])
    extra_javascript += [s for s in SCRIPTS if s not in extra_javascript]
    # Our sanitiser runs as a hook on every page's content, after the user's own hooks.
    hooks = [h for h in raw.get("hooks") or [] if h != HOOKS] + [HOOKS]
    result = {
        "docs_dir": str(settings.docs_dir),
        "site_dir": str(settings.site_dir),
        "nav": nav,
        "markdown_extensions": extensions,
        "extra_css": extra_css,
        "extra_javascript": extra_javascript,
        "hooks": hooks,
        # Pages outside the nav are the point (hubs list them); don't log each one.
        "validation": {"nav": {"omitted_files": "ignore"}, "links": {"anchors": "warn"}},
        # Definitive decided what is published (generator/filter): MkDocs drops nothing from
        # the docs tree (its default leaves out /templates/ and dotfiles, and drafts).
        "exclude_docs": "!*",
        "draft_docs": "",
    }
    # The graph and search pages, search filters and page kinds come from our theme override;
    # a Material config without a custom_dir of its own gets it (one with its own must extend
    # site_templates/overrides/main.html, see docs/proof-site.md).
    theme = raw.get("theme")
    theme = {"name": theme} if isinstance(theme, str) else copy.deepcopy(theme)
    if isinstance(theme, dict) and theme.get("name") == "material" and not theme.get("custom_dir"):
        theme["custom_dir"] = str(site_templates_dir() / "overrides")
        result["theme"] = theme
    plugins = raw.get("plugins")
    if plugins is None:  # a config naming none gets MkDocs' default: its search
        plugins = ["search"]
    if plugins and _drop_material_search(settings):
        result["plugins"] = [p for p in plugins if _name(p) not in ("search", "material/search")]
    # What the theme override's header box and Search page show: Pagefind's index exists only
    # after `definitive build`, so under `serve` they say so instead of failing to load it.
    extra = raw.get("extra")
    extra = copy.deepcopy(extra) if isinstance(extra, dict) else {}
    extra["definitive_search"] = (
        ("preview" if serve else "pagefind") if settings.options.search else "off"
    )
    result["extra"] = extra
    return result


def _drop_material_search(settings: Settings) -> bool:
    """Whether Material's search plugin goes. It makes every visitor download one index of the
    whole site (29 MB at 5,000 notes, see BENCHMARKS.md) and re-parses every page at build
    time, so with Pagefind on it is left out, and the header box is Pagefind's; unless the
    user raised ``material_search_max_pages`` and the site has at most that many pages."""
    options = settings.options
    if not options.search:
        return False
    if options.material_search_max_pages <= 0:
        return True
    return _page_count(settings) > options.material_search_max_pages


def _page_count(settings: Settings) -> int:
    """Pages in the emitted docs tree (0 before the first emit)."""
    return sum(1 for path in _docs_manifest(settings) if path.endswith(".md"))


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _mkdocs_logging(verbose: bool) -> Iterator[_Collect]:
    logger = logging.getLogger("mkdocs")
    collect = _Collect()
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(collect)
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.propagate = verbose
    try:
        yield collect
    finally:
        logger.removeHandler(collect)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


def _theme_files(settings: Settings, config_file: Path) -> list[Path]:
    """Files under the theme's custom_dir: editing an override must rebuild the site."""
    theme = user_config(settings).get("theme")
    custom = theme.get("custom_dir") if isinstance(theme, dict) else None
    folder = (config_file.parent / custom) if isinstance(custom, str) else None
    if settings.config_file is None:
        folder = site_templates_dir() / "overrides"
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _stamp(settings: Settings, config_file: Path, extra: dict[str, Any]) -> str:
    """What every page's HTML depends on besides its own markdown: Definitive's, MkDocs' and
    Material's versions, the site folder, the config, the overrides (nav included) and the
    theme override files."""
    # Where Definitive's templates are installed is no input of any page: the same code from
    # another checkout or virtualenv must not rebuild the whole site (a page's own fingerprint
    # has the same rule: render/incremental.py code_digest).
    # Nor is where the package is: the overrides name Definitive's MkDocs hook by its path
    # (a night run from another checkout built all 20,000 pages again for that alone).
    places = [
        (str(site_templates_dir()), "<site_templates>"),
        (str(Path(HOOKS).parents[1]), "<package>"),
    ]
    places += [(json.dumps(path)[1:-1], name) for path, name in places]  # as JSON writes them

    def placed(text: str) -> str:
        for path, name in places:
            text = text.replace(path, name)
        return text

    digest = hashlib.sha256()
    for path in _theme_files(settings, config_file):
        digest.update(placed(str(path)).encode() + path.read_bytes())
    for part in (
        __version__,
        renderer_versions.fingerprint(),
        str(settings.site_dir),
        placed(config_file.read_bytes().decode("utf-8", "surrogateescape")),
        placed(json.dumps(extra, sort_keys=True, default=str)),
    ):
        digest.update(part.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _docs_manifest(settings: Settings) -> dict[str, str]:
    """The docs tree as emitted: docs path -> SHA-256 (render/emit.py keeps it)."""
    try:
        manifest = json.loads((settings.cache_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


@dataclasses.dataclass
class Stamp:
    """What the site in ``site_dir`` was last completely built from, and what it then held.
    Written only once every step of a build succeeded (see `mark_built`), and removed before
    MkDocs touches the site, so a failed or killed build is never taken for an up-to-date
    site, and its files are all checked again by the next build."""

    config: str
    docs: dict[str, str]
    files: dict[str, FileStat] = dataclasses.field(default_factory=dict)
    """The site's files as the build left them (publish/site_state.py)."""
    search: SearchState | None = None
    """What Pagefind indexed (publish/search.py), when search is on."""

    @classmethod
    def read(cls, settings: Settings) -> Stamp | None:
        try:
            data = json.loads((settings.cache_dir / STAMP).read_text(encoding="utf-8"))
            files = {str(p): (int(a), int(b), int(c)) for p, (a, b, c) in data["files"].items()}
            search = data.get("search")
            return cls(str(data["config"]), dict(data["docs"]), files, search or None)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None


def mark_built(settings: Settings, stamp: Stamp, files: dict[str, FileStat] | None = None) -> None:
    """Record ``stamp``, with the site's files as they are now: ``files`` when the build kept
    track of them (publish/site.py), otherwise read from the folder."""
    from generator.render.emit import atomic_write

    document = {
        "config": stamp.config,
        "docs": stamp.docs,
        "files": snapshot(settings.site_dir) if files is None else files,
        "search": stamp.search,
    }
    atomic_write(settings.cache_dir / STAMP, json.dumps(document, sort_keys=True).encode("utf-8"))


@dataclasses.dataclass
class SiteBuild:
    built: bool
    """False when the site was already up to date and MkDocs did not run."""
    warnings: list[str] = dataclasses.field(default_factory=list)
    """MkDocs' own warnings."""
    processes: int = 0
    """How many processes rendered the pages (see mkdocs_workers)."""
    pages: int = 0
    """How many pages MkDocs rendered: all of them, or only the changed ones."""
    stamp: Stamp | None = None
    """To record with `mark_built` once the whole build succeeded."""
    templates: frozenset[str] = frozenset()
    """Site paths of the theme's own templates (404 page, sitemap): no note text in them."""


def build_site(
    settings: Settings,
    nav: list[dict[str, str]],
    verbose: bool = False,
    index: SearchIndex | None = None,
    previous: Stamp | None = None,
) -> SiteBuild:
    """Run MkDocs unless the site is already up to date.

    When the config, nav and theme are what the last complete build used, and every plugin
    keeps to its own page (see mkdocs_workers.parallel_safe), only the pages whose markdown
    changed are rendered again, and those of deleted pages removed: every other page's HTML
    would come out byte for byte the same. Otherwise MkDocs builds the whole site.

    A full build by Definitive's own driver feeds ``index`` as pages get written, when the
    site is big enough for that to pay (`SearchIndex.stream`), rendering them in the order of
    its shards. ``previous``: the last complete build's stamp (read here when not given).
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config_file = config_file_for(settings)
    extra = overrides(settings, nav)
    stamp = Stamp(_stamp(settings, config_file, extra), _docs_manifest(settings))
    if previous is None:
        previous = Stamp.read(settings)
    changed: list[str] | None = None  # None: build everything
    removed: list[str] = []
    if (
        previous is not None
        and previous.config == stamp.config
        and (settings.site_dir / "index.html").is_file()
    ):
        changed = sorted(p for p, sha in stamp.docs.items() if previous.docs.get(p) != sha)
        removed = sorted(p for p in previous.docs if p not in stamp.docs)
        if not changed and not removed:
            return SiteBuild(False)
    (settings.cache_dir / STAMP).unlink(missing_ok=True)
    _mark_site(settings.site_dir)
    with _mkdocs_logging(verbose) as collected:
        try:
            pristine = copy.deepcopy(extra)  # load_config consumes the option dicts
            config = load_config(config_file=str(config_file), **extra)
            page_local = parallel_safe(config, pristine, {HOOKS})
            if not page_local:
                changed = None
            rendered = stamp.docs if changed is None else changed
            pages = sum(1 for path in rendered if path.endswith(".md"))
            workers = worker_count(settings.options.build_workers, pages) if page_local else 1
            config.plugins.on_startup(command="build", dirty=False)
            try:
                if page_local:
                    streamed = index if changed is None and index and index.stream(pages) else None
                    order = None
                    if streamed is not None:
                        order = streamed.order(stamp.docs, settings.directory_urls)
                    collected.messages += build_in_workers(
                        config, config_file, pristine, workers, changed, removed, streamed, order
                    )
                else:
                    build(config)
            finally:
                config.plugins.on_shutdown()
        except BuildError:
            raise  # a build worker's, already worded
        except Exception as exc:  # MkDocsException, or an extension's own error
            # MkDocs logs which page failed before re-raising; a markdown extension's own
            # exception (e.g. a missing snippet) is bad input too, not a crash.
            reasons = "; ".join(collected.messages) or f"{type(exc).__name__}: {exc}"
            raise BuildError(f"MkDocs could not build the site: {reasons}") from None
    templates = frozenset(config.theme.static_templates) | frozenset(config.extra_templates)
    return SiteBuild(True, collected.messages, workers, pages, stamp, templates)


def _mark_site(site_dir: Path) -> None:
    """Mark the folder as a Definitive site before MkDocs writes it (config.check_site_dir
    then lets later builds replace it; MkDocs keeps dotfiles when it empties the folder)."""
    site_dir.mkdir(parents=True, exist_ok=True)
    marker = site_dir / SITE_MARKER
    if not marker.is_file():
        marker.write_text(
            "This folder is a site built by Definitive: `definitive build` empties it and "
            "writes it again. Delete this file to protect the folder from that.\n",
            encoding="utf-8",
        )


def serve_site(
    settings: Settings,
    emit_docs: Callable[[], tuple[list[dict[str, str]], bool]],
    host: str,
    port: int,
    verbose: bool = False,
) -> None:
    """Live preview: MkDocs' live-reload server, watching the vault instead of the docs tree.

    On every change under the vault (or in mkdocs.yml) ``emit_docs`` re-emits the docs tree
    (incrementally) and, when anything changed, MkDocs rebuilds into a temporary folder and
    the browser reloads.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.livereload import LiveReloadServer

    site_dir = Path(tempfile.mkdtemp(prefix="definitive-serve-"))
    preview = dataclasses.replace(settings, site_dir=site_dir)
    serve_url = f"http://{host}:{port}/"
    first = True

    def builder() -> None:
        nonlocal first
        nav, changed = emit_docs()
        if not (changed or first):
            return  # our own write to the docs cache; nothing new to show
        with _mkdocs_logging(verbose):
            config = load_config(
                config_file=str(config_file_for(preview)), **overrides(preview, nav, serve=True)
            )
            config.site_url = serve_url
            config.plugins.on_startup(command="serve", dirty=False)
            try:
                build(config, serve_url=serve_url)
            finally:
                config.plugins.on_shutdown()
        first = False

    check_port(host, port)  # before the first build, not after it
    server = LiveReloadServer(builder=builder, host=host, port=port, root=str(site_dir))
    try:
        _stop_on_termination()
        builder()
        server.watch(str(settings.vault))
        if settings.config_file is not None:
            server.watch(str(settings.config_file))
        try:
            server.serve()
        except KeyboardInterrupt:
            pass
        except OSError as exc:  # taken since check_port looked
            raise _port_error(host, port, exc) from None
        finally:
            server.shutdown()
    finally:
        shutil.rmtree(site_dir, ignore_errors=True)


def _stop_on_termination() -> None:
    """Stop the preview on SIGTERM and SIGHUP as on Ctrl-C, so that its temporary site is
    removed: Python's default for those signals exits at once, skipping ``finally``, and a
    preview stopped by a process manager or a closed terminal left a whole site in the
    temporary folder each time."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers (an embedding program's choice)
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, stop)


def check_port(host: str, port: int) -> None:
    """Raise a UsageError (exit code 2) when ``serve`` could not listen on ``host:port``,
    suggesting a free port when it is only busy."""
    problem = _bind_error(host, port)
    if problem is not None:
        raise _port_error(host, port, problem)


def _port_error(host: str, port: int, problem: OSError) -> UsageError:
    if problem.errno != errno.EADDRINUSE:
        return UsageError(f"cannot serve on {host}:{port}: {problem.strerror or problem}")
    free = next(
        (p for p in range(port + 1, min(port + 50, 65536)) if _bind_error(host, p) is None),
        None,
    )
    hint = f"--port {free}" if free is not None else "--port N with a free port"
    return UsageError(
        f"port {port} on {host} is already in use (another `definitive serve`, or another "
        f"program); serve on another one with {hint} (or --dev-addr HOST:PORT)"
    )


def _bind_error(host: str, port: int) -> OSError | None:
    """Why a listening socket could not bind ``host:port`` (as MkDocs' server binds), or None."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        return exc
    return None
