"""Settings: where the vault, the site config and the output live, and Definitive's own options.

Definitive's options sit in the site's ``mkdocs.yml`` under ``extra.definitive`` (MkDocs passes
``extra`` through untouched, and templates can read it). Every option has a default, so a bare
Obsidian vault builds with no configuration at all.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import UsageError

PACKAGE_DIR = Path(__file__).resolve().parent


def site_templates_dir() -> Path:
    """The packaged templates (wheel install) or the repository's ``site_templates/`` (checkout)."""
    for candidate in (PACKAGE_DIR / "site_templates", PACKAGE_DIR.parent / "site_templates"):
        if candidate.is_dir():
            return candidate
    raise UsageError("site_templates/ not found: reinstall Definitive")


# Folders no site should ever show: Obsidian's settings, its trash, VCS and our own state.
STATE_DIR = ".definitive"
"""The folder in a vault where Definitive keeps its state (cache, ledger, locks)."""
ALWAYS_EXCLUDED = (".obsidian", ".trash", ".git", STATE_DIR)


@dataclass
class Options:
    """``extra.definitive`` in mkdocs.yml. Documented in docs/configuration.md."""

    vault: str | None = None
    private_folders: list[str] = field(default_factory=lambda: ["private"])
    exclude: list[str] = field(default_factory=list)
    """Extra glob patterns (vault-relative) to leave out entirely, e.g. ``drafts/**``."""
    home: str | None = None
    """The note the site opens on (vault path); else ``index.md``, ``Home.md`` or
    ``README.md`` at the vault's top, else a generated home page."""
    templates_folder: str | None = None
    """Obsidian's templates folder; read from ``.obsidian/templates.json`` when unset."""
    embed_depth: int = 4
    embed_budget_bytes: int = 200_000
    """Embedded text a page may inline in all (nested embeds included); past it, embeds are
    shown as links. Notes embedding each other many times over stay a few pages."""
    max_nesting: int = 20
    """Lists, quotes and callouts nested deeper than this are flattened to this depth."""
    strict_line_breaks: bool = False
    """Obsidian's "Strict line breaks": off (its default), a single line break in a paragraph
    is kept as a break; on, it joins the lines, as CommonMark does."""
    hub_size: int = 200
    """Entries per generated index page; keeps every page small however big the vault grows."""
    max_note_bytes: int = 2_000_000
    max_frontmatter_bytes: int = 65_536
    """A frontmatter block larger than this is not read (the note is reported, and withheld)."""
    max_frontmatter_items: int = 10_000
    """Values a frontmatter may hold with its YAML aliases expanded: stops alias bombs."""
    strict: bool = False
    # Consolidation (docs/consolidation.md).
    model: str = "claude-sonnet-5-5"
    """The Anthropic model the consolidator uses (``--model`` overrides it)."""
    max_cost_usd: float | None = None
    """Dollar cap per consolidation run (``--max-cost-usd`` overrides it); none by default."""
    consolidation_timeout_s: int = 1800
    """Overall time limit of a consolidation run's requests: every attempt, every wait before a
    retry and the batch polling; a request it cuts short leaves its meta articles pending."""
    model_prices: dict[str, dict[str, float]] = field(default_factory=dict)
    """Dollars per million tokens per model, over the built-in table (consolidate/prices.py)."""
    review: bool = False
    """Make ``consolidate --review`` the default: edits wait for ``definitive approve``."""
    max_rejected_attempts: int = 3
    """Rejected attempts after which a meta article waits for a human instead of being sent
    (and paid for) again every night."""
    max_change_share: float = 0.3
    """An answer that rewrites, deprecates, merges or retires more than this share of an
    article's items (and more than 2) waits for review instead of landing."""
    max_new_learnings: int = 5
    """An answer that adds more learnings and pitfalls than this waits for review."""
    batch_min_meta_articles: int = 3
    """A paid consolidator is asked about an article once this many meta articles wait for
    it (or the oldest has waited ``batch_max_wait_days``): each request carries the article,
    so asking once for three runs costs about a third of asking three times."""
    batch_min_request_meta_articles: int = 8
    """A paid run asks only when its ready articles carry this many meta articles in all (or
    one has waited ``batch_max_wait_days``): the request's fixed part is paid once a run."""
    batch_max_wait_days: int = 7
    """Longest a meta article waits for a batch before its article is consolidated anyway."""
    consolidation_request_tokens: int = 40_000
    """Input tokens one consolidation request may carry (estimated high, at 3 characters a
    token): every ready article goes in one request a run unless they pass this together."""
    consolidation_url_hosts: list[str] = field(default_factory=list)
    """Hosts a consolidated text may link to (when a cited meta article gives the URL);
    empty: no URL ever enters an article from a model or the offline merger."""
    # The proof site (docs/proof-site.md).
    proven_after: int = 3
    """Successful runs that take a definitive article from probation to proven."""
    proven_window: int = 10
    """Proven also needs ``proven_min_rate`` over this many latest runs."""
    proven_min_rate: float = 0.7
    """The success rate over the latest ``proven_window`` runs that proven needs."""
    stale_after_days: int = 90
    """An article with no run for longer than this is shown as stale."""
    failing_after: int = 2
    """This many failed runs in a row (the latest ones) mark an article as failing."""
    iframe_hosts: list[str] = field(default_factory=list)
    """Hosts whose https iframes survive sanitising, e.g. ``www.youtube-nocookie.com``."""
    csp: bool | dict[str, list[str]] = True
    """Every page's Content-Security-Policy (publish/csp.py): on, off, or on with more sources
    per directive, e.g. ``{img-src: ["https://images.example"]}``."""
    search: bool = True
    """Index the built site with Pagefind (the Search page and the header search box)."""
    material_search_max_pages: int = 0
    """With ``search`` on, Material's own search plugin is kept only on sites of at most this
    many pages (0, the default: never; Pagefind's header box replaces it)."""
    search_shard_pages: int = 4000
    """Pages per Pagefind bundle: Pagefind's memory grows with the pages it indexes at once."""
    build_workers: int = 0
    """Processes MkDocs' page rendering is shared between: 0 picks one per core on big sites,
    1 keeps MkDocs' own one-process build."""
    scan_personal_data: bool = False
    """The site scan also fails the build on emails and phone numbers (docs/publishing.md)."""
    claude_code_projects: dict[str, dict[str, str]] = field(default_factory=dict)
    """``definitive import claude-code``: project folder -> ``{article, agent}`` of its sessions
    (docs/recording-runs.md#the-project-mapping)."""

    @classmethod
    def from_mapping(cls, data: Any, source: str) -> Options:
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise UsageError(f"{source}: extra.definitive must be a mapping")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise UsageError(
                f"{source}: unknown option(s) under extra.definitive: {', '.join(unknown)} "
                f"(known: {', '.join(sorted(known))})"
            )
        opts = cls(**data)
        for name in ("private_folders", "exclude", "iframe_hosts", "consolidation_url_hosts"):
            value = getattr(opts, name)
            if isinstance(value, str):
                setattr(opts, name, [value])
            elif not isinstance(value, list):
                raise UsageError(f"{source}: extra.definitive.{name} must be a list")
        _check_csp(opts.csp, source)
        _check_prices(opts.model_prices, source)
        _check_projects(opts.claude_code_projects, source)
        for name in ("strict", "review", "search", "scan_personal_data", "strict_line_breaks"):
            if not isinstance(getattr(opts, name), bool):
                raise UsageError(f"{source}: extra.definitive.{name} must be true or false")
        for name in ("vault", "templates_folder", "home"):
            if getattr(opts, name) is not None and not isinstance(getattr(opts, name), str):
                raise UsageError(f"{source}: extra.definitive.{name} must be a folder path")
        if not isinstance(opts.model, str) or not opts.model.strip():
            raise UsageError(f"{source}: extra.definitive.model must be a model name")
        cap = opts.max_cost_usd
        if cap is not None and (
            isinstance(cap, bool) or not isinstance(cap, int | float) or cap < 0
        ):
            raise UsageError(f"{source}: extra.definitive.max_cost_usd must be a number of dollars")
        for name in (
            "embed_depth",
            "embed_budget_bytes",
            "max_nesting",
            "hub_size",
            "max_note_bytes",
            "max_frontmatter_bytes",
            "max_frontmatter_items",
            "consolidation_timeout_s",
            "max_rejected_attempts",
            "batch_min_meta_articles",
            "batch_max_wait_days",
            "batch_min_request_meta_articles",
            "consolidation_request_tokens",
            "max_new_learnings",
            "proven_after",
            "proven_window",
            "stale_after_days",
            "failing_after",
            "search_shard_pages",
        ):
            value = getattr(opts, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UsageError(f"{source}: extra.definitive.{name} must be a positive integer")
        share = opts.max_change_share
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise UsageError(
                f"{source}: extra.definitive.max_change_share must be a number from 0 to 1"
            )
        rate = opts.proven_min_rate
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise UsageError(
                f"{source}: extra.definitive.proven_min_rate must be a number from 0 to 1"
            )
        value = opts.material_search_max_pages
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise UsageError(
                f"{source}: extra.definitive.material_search_max_pages must be 0 or more"
            )
        workers = opts.build_workers
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
            raise UsageError(
                f"{source}: extra.definitive.build_workers must be 0 (one per core) or more"
            )
        return opts


def _check_csp(value: Any, source: str) -> None:
    from generator.publish.csp import BASE_POLICY, valid_source

    if isinstance(value, bool):
        return
    where = f"{source}: extra.definitive.csp"
    if not isinstance(value, dict):
        raise UsageError(f"{where} must be true, false or a mapping of directive to sources")
    for directive, sources in value.items():
        if directive not in BASE_POLICY:
            known = ", ".join(BASE_POLICY)
            raise UsageError(f"{where}: unknown directive {directive!r} (known: {known})")
        if not isinstance(sources, list) or not all(
            isinstance(s, str) and valid_source(s) for s in sources
        ):
            raise UsageError(
                f"{where}.{directive} must be a list of sources like https://host.example"
            )


def _check_prices(value: Any, source: str) -> None:
    from generator.consolidate.prices import parse_model_prices

    parse_model_prices(value, source)


def _check_projects(value: Any, source: str) -> None:
    from generator.ingest.mapping import parse_projects

    parse_projects(value, source)


class _LenientLoader(yaml.SafeLoader):
    """Reads mkdocs.yml for our own keys without choking on MkDocs' ``!ENV`` / ``!!python`` tags."""


def _ignore_tag(loader: yaml.Loader, suffix: str, node: yaml.Node) -> None:
    return None


_LenientLoader.add_multi_constructor("!", _ignore_tag)
_LenientLoader.add_multi_constructor("tag:yaml.org,2002:python/", _ignore_tag)


@dataclass
class Settings:
    vault: Path
    config_file: Path | None
    """The user's mkdocs.yml, or None to use Definitive's built-in site config."""
    site_dir: Path
    cache_dir: Path
    """Emitted docs tree and build manifests; rebuilt from the vault at any time."""
    options: Options
    strict: bool = False
    directory_urls: bool = True
    """MkDocs' use_directory_urls, for the URLs written into graph.json."""
    site_name: str = ""
    site_url: str | None = None
    """mkdocs.yml's site_url: makes the changelog feed's links absolute."""

    force: bool = False
    """``--force``: build into a folder that holds something other than a Definitive site."""
    notes: list[str] = field(default_factory=list)
    """What the user should know about how these settings were chosen (the commands print
    them), e.g. a ``./mkdocs.yml`` passed over because it belongs to another vault."""

    @property
    def docs_dir(self) -> Path:
        return self.cache_dir / "docs"

    def require_site_outside_vault(self) -> None:
        """Refuse a site folder whose emptying would lose anything (see `check_site_dir`)."""
        check_site_dir(self.site_dir, self.vault, self.config_file, force=self.force)


SITE_MARKER = ".definitive-site"
"""Written into every site Definitive builds. A dotfile: MkDocs keeps dotfiles when it empties
the folder and never copies one from the docs, so no page can take its place."""
_LEGACY_SITE = "assets/definitive/definitive.css"
"""In every site an earlier Definitive built, before the marker existed."""


def check_site_dir(
    site: Path, vault: Path, config_file: Path | None, *, force: bool = False
) -> None:
    """MkDocs empties the site folder before every build. Refuse a folder holding anything but
    a site Definitive built (it carries `SITE_MARKER`) unless ``force``; and, even with
    ``force``, the vault, a folder inside or around it, the one holding the site config, the
    user's home and ``/``."""
    forbidden = {Path(site.anchor): "the root of the file system"}
    with contextlib.suppress(RuntimeError, OSError):  # no home folder known
        forbidden[Path.home().resolve()] = "your home folder"
    if site == vault or vault in site.parents:
        raise UsageError(
            f"{site}: the site folder must not be inside the vault "
            "(use --site-dir, or run from outside the vault)"
        )
    why = f"it is {forbidden[site]}" if site in forbidden else None
    if why is None and site in vault.parents:
        why = "it holds the vault"
    if why is None and config_file is not None and site in config_file.parents:
        why = f"it holds the site config ({config_file.name})"
    if why is None and any(site in place.parents for place in forbidden):
        why = "it holds " + " and ".join(forbidden[p] for p in forbidden if site in p.parents)
    if why is not None:
        raise UsageError(
            f"{site}: refusing to build the site there: {why}, and building empties the "
            "site folder first (--force does not change this); use --site-dir with a new "
            "or empty folder"
        )
    try:
        entries = sorted(e for e in os.listdir(site) if not e.startswith("."))
    except FileNotFoundError:
        return
    except NotADirectoryError:
        raise UsageError(f"{site}: the site folder is a file; use --site-dir") from None
    except OSError as exc:
        raise UsageError(f"{site}: cannot read the site folder: {exc.strerror}") from None
    if not entries or force:
        return
    if (site / SITE_MARKER).is_file() or (site / _LEGACY_SITE).is_file():
        return
    shown = ", ".join(entries[:5]) + (f" and {len(entries) - 5} more" if len(entries) > 5 else "")
    raise UsageError(
        f"{site}: the site folder is not empty and is not a site Definitive built "
        f"(it holds {shown}); building empties it first. Choose a new or empty folder with "
        "--site-dir, or pass --force to replace what it holds"
    )


def load_settings(
    vault: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | None = None,
    site_dir: str | os.PathLike[str] | None = None,
    strict: bool = False,
    force: bool = False,
) -> Settings:
    """Resolve the command line against mkdocs.yml and the defaults.

    The site config is ``--config`` if given, else ``mkdocs.yml`` in the working directory if
    there is one and it is not another vault's (see `_config_vault`), else the built-in
    default. The vault is ``--vault``, else ``extra.definitive.vault``, else ``vault/`` beside
    the config.
    """
    notes: list[str] = []
    config_file: Path | None
    if config is not None:
        config_file = Path(config).resolve()
        if not config_file.is_file():
            raise UsageError(f"{config}: no such site config file")
    else:
        default = Path("mkdocs.yml")
        config_file = default.resolve() if default.is_file() else None

    raw = _read_config(config_file) if config_file is not None else {}
    extra = raw["extra"] if isinstance(raw.get("extra"), dict) else {}
    options = Options.from_mapping(extra.get("definitive"), str(config_file))
    base = config_file.parent if config_file is not None else Path.cwd()

    if vault is not None:
        vault_path = Path(vault).expanduser().resolve()
        # A mkdocs.yml found in the working directory (a project's, say this repository's
        # demo) is for the vault it names: building another vault with it would publish that
        # vault under the project's name and settings.
        theirs = _config_vault(base, options) if config is None and config_file else None
        if theirs is not None and theirs != vault_path:
            notes.append(
                f"not using {config_file}: it is the site config of the vault {theirs}; "
                f"building {vault_path} with the built-in config (pass --config FILE to "
                "choose one)"
            )
            config_file, raw, base = None, {}, Path.cwd()
            options = Options()
    elif options.vault:
        vault_path = (base / options.vault).resolve()
    else:
        vault_path = (base / "vault").resolve()
    if not vault_path.is_dir():
        raise UsageError(f"{vault_path}: vault folder not found (use --vault DIR)")

    if site_dir is not None:
        site_path = Path(site_dir).expanduser().resolve()
    elif isinstance(raw.get("site_dir"), str):
        site_path = (base / raw["site_dir"]).resolve()
    else:
        site_path = (base / "site").resolve()
    return Settings(
        vault=vault_path,
        config_file=config_file,
        site_dir=site_path,
        cache_dir=vault_path / STATE_DIR / "cache",
        options=options,
        strict=strict or options.strict,
        directory_urls=raw.get("use_directory_urls", True) is not False,
        site_name=str(raw.get("site_name") or vault_path.name),
        site_url=raw["site_url"] if isinstance(raw.get("site_url"), str) else None,
        force=force,
        notes=notes,
    )


def _read_config(config_file: Path) -> dict[str, Any]:
    try:
        loaded = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_LenientLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(f"{config_file}: not valid YAML: {exc}") from None
    return loaded if isinstance(loaded, dict) else {}


def _config_vault(base: Path, options: Options) -> Path | None:
    """The vault a site config is for: the one its ``extra.definitive.vault`` names, else a
    ``vault/`` folder beside it; None when it names none (a site config for any vault)."""
    if options.vault:
        return (base / options.vault).resolve()
    beside = base / "vault"
    return beside.resolve() if beside.is_dir() else None
