"""Search at scale: Pagefind indexes the built site into ``site/pagefind/``.

Pagefind splits its index into small chunks, so a query downloads a few kilobytes however
large the vault; Material's built-in search downloads one index of the whole site. The pages
mark what to index (``data-pagefind-body``) and the filters (kind, agent, outcome) in the theme
override, ``site_templates/overrides/main.html``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from generator.errors import BuildError

BUNDLE = "pagefind"


def index_site(site_dir: Path) -> None:
    """Run the Pagefind binary (from the ``pagefind[bin]`` package) over ``site_dir``."""
    command = [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--silent"]
    command += ["--output-subdir", BUNDLE]  # explicit: the theme override loads it from here
    command += ["--exclude-selectors", ".headerlink"]  # the ¶ permalinks are not content
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BuildError(f"search: cannot run Pagefind: {exc}") from None
    if done.returncode != 0 or not (site_dir / BUNDLE / "pagefind.js").is_file():
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise BuildError(
            "search: Pagefind failed to index the site "
            f"(is the `pagefind[bin]` package installed?): {' '.join(detail)}"
        )
