"""Drive MkDocs (with Material) on the emitted docs tree, using the user's own mkdocs.yml.

The user's config stays the single source of site settings (name, palette, extra, plugins);
we only override what the emitted tree decides: ``docs_dir``, ``site_dir``, the generated
``nav``, and the markdown extensions our plain markdown relies on (added when missing).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from generator import __version__
from generator.config import Settings, site_templates_dir
from generator.errors import BuildError

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
]
STAMP = "site-stamp.json"
HOOKS = str(Path(__file__).with_name("mkdocs_hooks.py"))
SCRIPTS = ["assets/definitive/graph.js", "assets/definitive/search.js"]


def _name(entry: Any) -> str:
    return next(iter(entry)) if isinstance(entry, dict) else str(entry)


def user_config(settings: Settings) -> dict[str, Any]:
    """The user's mkdocs.yml read the way MkDocs reads it (``!ENV``, ``!!python/name`` work)."""
    if settings.config_file is None:
        return {}
    from mkdocs.utils.yaml import yaml_load

    try:
        with settings.config_file.open("rb") as handle:
            data = yaml_load(handle)
    except Exception as exc:  # MkDocs raises its own ConfigurationError types
        raise BuildError(f"{settings.config_file}: cannot read site config: {exc}") from None
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


def _site_config(settings: Settings) -> dict[str, Any]:
    """The site config MkDocs will load: the user's mkdocs.yml, or the built-in default (whose
    extensions and plugins the overrides below must extend, not replace)."""
    if settings.config_file is not None:
        return user_config(settings)
    from mkdocs.utils.yaml import yaml_load

    with config_file_for(settings).open("rb") as handle:
        data = yaml_load(handle)
    return data if isinstance(data, dict) else {}


def overrides(settings: Settings, nav: list[dict[str, str]], serve: bool = False) -> dict[str, Any]:
    raw = _site_config(settings)
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
    try:
        manifest = json.loads((settings.cache_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    pages = sum(1 for path in manifest if path.endswith(".md"))
    return pages > options.material_search_max_pages


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
    theme = (user_config(settings) if settings.config_file else {}).get("theme")
    custom = theme.get("custom_dir") if isinstance(theme, dict) else None
    folder = (config_file.parent / custom) if isinstance(custom, str) else None
    if settings.config_file is None:
        folder = site_templates_dir() / "overrides"
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _stamp(settings: Settings, config_file: Path, extra: dict[str, Any]) -> str:
    manifest = settings.cache_dir / "manifest.json"
    digest = hashlib.sha256()
    for path in _theme_files(settings, config_file):
        digest.update(str(path).encode() + path.read_bytes())
    for part in (
        __version__,
        str(settings.site_dir),
        config_file.read_bytes().hex(),
        json.dumps(extra, sort_keys=True, default=str),
        manifest.read_bytes().hex() if manifest.is_file() else "",
    ):
        digest.update(part.encode())
    return digest.hexdigest()


def build_site(
    settings: Settings,
    nav: list[dict[str, str]],
    docs_changed: bool,
    verbose: bool = False,
) -> tuple[bool, list[str]]:
    """Run MkDocs unless the site is already up to date. Returns (built, MkDocs warnings)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    config_file = config_file_for(settings)
    extra = overrides(settings, nav)
    stamp = _stamp(settings, config_file, extra)
    stamp_path = settings.cache_dir / STAMP
    if (
        not docs_changed
        and (settings.site_dir / "index.html").is_file()
        and stamp_path.is_file()
        and stamp_path.read_text(encoding="utf-8") == stamp
    ):
        return False, []
    with _mkdocs_logging(verbose) as collected:
        try:
            config = load_config(config_file=str(config_file), **extra)
            config.plugins.on_startup(command="build", dirty=False)
            try:
                build(config)
            finally:
                config.plugins.on_shutdown()
        except MkDocsException as exc:
            reasons = "; ".join(collected.messages) or str(exc)
            raise BuildError(f"MkDocs could not build the site: {reasons}") from None
    stamp_path.write_text(stamp, encoding="utf-8")
    return True, collected.messages


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

    server = LiveReloadServer(builder=builder, host=host, port=port, root=str(site_dir))
    try:
        builder()
        server.watch(str(settings.vault))
        if settings.config_file is not None:
            server.watch(str(settings.config_file))
        try:
            server.serve()
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
    finally:
        shutil.rmtree(site_dir, ignore_errors=True)
