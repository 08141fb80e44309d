"""MkDocs hooks Definitive adds to the effective config.

- Generated HTML (backlinks, tag bars, hub and tag lists, between ``<!-- dfn:html -->``
  markers in the docs tree) is set aside before Python-Markdown runs and put back after. It is
  already final HTML; Python-Markdown would only parse it tag by tag with its pure-Python HTML
  parser to hand it back unchanged, and on a vault with big hubs that was a quarter of MkDocs'
  time. Other renderers of the docs tree just see an HTML comment and an HTML block.
- Then each page's content is sanitised (the generated HTML included). Its ids get the
  sanitiser's ``user-content-`` prefix. The page's table of contents (``page.toc``, which
  Material renders outside the content and tracks while scrolling by id) is then read from
  the sanitised headings themselves: a note's text is HTML that Python-Markdown never saw,
  and the ids are the prefixed ones the page holds.
- After a page is rendered, its Content-Security-Policy goes first in its ``<head>``, with the
  hashes of the inline scripts its template wrote (publish/csp.py); the 404 page gets one too.
  Not under ``definitive serve``: MkDocs' live-reload server adds an inline script of its own,
  different on every request, to each page it serves (on 127.0.0.1, to the user alone).
- Material renders the whole navigation (sidebar and tabs) into every page, a third of its
  page template's time. For a page that is not itself in the nav, as nearly every note is, no
  nav item is active, so that HTML depends only on the page's depth (its relative links):
  ``dfn_cached`` renders it once per depth. The theme overrides ``partials/nav.html`` and
  ``partials/tabs.html`` wrap Material's own partials (reached as ``theme/partials/...``)
  in it; ``main.html`` does the same for Material's ``config`` and ``scripts`` blocks (a JSON
  of settings and translations, and the script tags) and ``partials/header.html`` for the
  header around the page's title, which depend only on the depth, keyed by `_DepthKey`.

MkDocs loads this file by path (``hooks:``); what it sets aside lives on the page object, so
the hooks hold no state of their own but whether MkDocs serves. The options come from
``extra.definitive``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from generator.publish import renderer_versions
from generator.publish.csp import add_policy
from generator.publish.sanitize import sanitize

GENERATED = re.compile(r"^<!-- dfn:html -->\n(.*?)\n<!-- /dfn:html -->$", re.M | re.S)
# A placeholder nobody writes: random per process, letters and digits only, so Python-Markdown
# leaves it alone (it becomes a paragraph of its own). os.urandom rather than the stdlib
# `secrets` module: MkDocs puts this hook's folder on sys.path, so any module there named like
# a stdlib one would shadow it.
TOKEN = f"dfnhtml{os.urandom(6).hex()}x"
ATTRIBUTE = "definitive_generated_html"
PLACEHOLDER = re.compile(r"dfnhtml[0-9a-f]{12}x(\d+)x")
"""Any process's `TOKEN` and block number: MkDocs loads this file as a module of its own, so
publish/markdown_reuse.py cannot read that module's `TOKEN`, only recognise one."""


_previewing = False  # set by on_startup; one module per loaded config
SANITISED = "DEFINITIVE_SANITISED_PAGES"
"""The environment variable naming the folder where the hook notes each page it sanitised."""
_ledger: tuple[str, Any] | None = None  # (folder, open file) of this process


def on_startup(command: str, dirty: bool) -> None:
    global _previewing
    _previewing = command == "serve"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    blocks: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        blocks.append(match.group(1))
        return f"\n\n{TOKEN}{len(blocks) - 1}x\n\n"  # a paragraph of its own

    markdown = GENERATED.sub(set_aside, markdown)
    setattr(page, ATTRIBUTE, blocks)
    return markdown


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    blocks: list[str] = getattr(page, ATTRIBUTE, [])
    for number, block in enumerate(blocks):
        placeholder = f"{TOKEN}{number}x"
        html = html.replace(f"<p>{placeholder}</p>", block).replace(placeholder, block)
    setattr(page, ATTRIBUTE, [])  # back in the page: not held until the build ends
    html = sanitize(html, _iframe_hosts(config))
    page.toc = _toc(html)
    _note_sanitised(page.file.dest_uri)
    return html


def _note_sanitised(dest: str) -> None:
    """Tell the build this page's content went through the sanitiser (publish/site.py checks
    every HTML page it wrote against these notes): one file per process in the folder the
    build names, none under `definitive serve` or a plain `mkdocs build`."""
    global _ledger
    folder = os.environ.get(SANITISED)
    if not folder:
        return
    if _ledger is None or _ledger[0] != folder:
        handle = open(os.path.join(folder, f"{os.getpid()}.txt"), "a", encoding="utf-8")  # noqa: SIM115
        _ledger = (folder, handle)
    _ledger[1].write(dest + "\n")
    _ledger[1].flush()


def on_post_page(output: str, page: Any, config: Any) -> str:
    return _with_policy(output, page.content or "", config)


def on_post_template(output_content: str, template_name: str, config: Any) -> str:
    if not template_name.endswith(".html"):
        return output_content  # sitemap.xml
    return _with_policy(output_content, "", config)


def _options(config: Any) -> dict[str, Any]:
    options = (config.get("extra") or {}).get("definitive") or {}
    return options if isinstance(options, dict) else {}


def _iframe_hosts(config: Any) -> list[str]:
    hosts = _options(config).get("iframe_hosts") or []
    return [hosts] if isinstance(hosts, str) else list(hosts)


def _with_policy(output: str, content: str, config: Any) -> str:
    setting = _options(config).get("csp", True)
    if setting is False or _previewing:
        return output
    extra = setting if isinstance(setting, dict) else None
    return add_policy(output, content, iframe_hosts=_iframe_hosts(config), extra=extra)


_HEADING = re.compile(r'<h([1-6])\s[^>]*?\bid="([^"]+)"[^>]*>(.*?)</h\1>', re.S)
_PERMALINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
_TAG = re.compile(r"<[^>]+>")


def _toc(content: str) -> Any:
    """The page's table of contents: its headings that have an id, nested by level."""
    import html as html_module

    from markdown.extensions.toc import nest_toc_tokens
    from mkdocs.structure.toc import get_toc

    flat: list[Any] = []
    for match in _HEADING.finditer(content):
        text = html_module.unescape(_TAG.sub("", _PERMALINK.sub("", match.group(3)))).strip()
        name = html_module.escape(" ".join(text.split()), quote=False)
        flat.append({"level": int(match.group(1)), "id": match.group(2), "name": name})
    return get_toc(nest_toc_tokens(flat))


class _RenderedOnce:
    """``{% call dfn_cached(name, key) %}...{% endcall %}``: the block's HTML, rendered the first
    time a (name, key) is asked for and reused after. One per build (`on_env`)."""

    def __init__(self) -> None:
        self.html: dict[tuple[str, str], Any] = {}

    def __call__(self, name: str, key: str, caller: Callable[[], Any]) -> Any:
        cached = self.html.get((name, key))
        if cached is None:
            cached = self.html[(name, key)] = caller()
        return cached


class _DepthKey:
    """``dfn_depth_key(page, base_url)``: the `_RenderedOnce` key of a template part whose only
    links are to `_targets`, or "" where it must be rendered for the page itself.

    A relative link from a page to a target depends on the page's depth alone, unless the page
    sits in the target's top folder (``find/`` to ``find/`` is ``./``, from ``graph/`` it is
    ``../find/``): pages in those folders render the part themselves."""

    def __init__(self, config: Any) -> None:
        self.tops = frozenset(_top(t) for t in _targets(config)) - {""}

    def __call__(self, page: Any, base_url: str) -> str:
        url = getattr(page, "url", None)
        if not isinstance(url, str) or _top(url) in self.tops:
            return ""
        return f"depth {base_url}"


def _top(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0]


def _targets(config: Any) -> list[str]:
    """Site paths linked from the parts of Material's templates rendered once per depth
    (``main.html``'s config and scripts blocks, ``partials/header.html``): its bundle and search
    worker and the logo (``assets/``), the Search page, the extra scripts, the home page and
    the language links."""
    extra = config.get("extra") or {}
    theme = config.get("theme")
    logo = theme.get("logo") if theme is not None else None
    found = ["assets/", "find/", str(logo or ""), str(extra.get("homepage") or "")]
    found += [str(script) for script in config.get("extra_javascript") or []]
    alternates = extra.get("alternate") or []
    found += [str(a.get("link") or "") for a in alternates if isinstance(a, dict)]
    return [t for t in found if "://" not in t and not t.startswith("//")]


def on_env(env: Any, config: Any, files: Any) -> Any:
    from jinja2 import ChoiceLoader, FileSystemBytecodeCache, FileSystemLoader, PrefixLoader

    theme = [d for d in config.theme.dirs if d != config.theme.custom_dir]
    env.loader = ChoiceLoader([env.loader, PrefixLoader({"theme": FileSystemLoader(theme)})])
    if renderer_versions.material_tested():  # else Material renders the nav for every page
        env.globals["dfn_cached"] = _RenderedOnce()
        env.globals["dfn_depth_key"] = _DepthKey(config)
    if env.bytecode_cache is None:  # every build process compiled the theme's templates again
        env.bytecode_cache = FileSystemBytecodeCache()  # Jinja's private folder of the user's
    return env
