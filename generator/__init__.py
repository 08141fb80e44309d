"""Definitive: turn AI agents' work logs into living, proven how-to articles.

The package reads like its pipeline:

    load -> graph -> consolidate -> render -> publish

Each stage is a sub-package; `generator.pipeline` runs them in order.
"""

from __future__ import annotations

__version__ = "0.1.0"
