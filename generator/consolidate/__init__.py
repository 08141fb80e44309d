"""Consolidate stage (between graph and render): merges new meta articles into their
definitive articles. Not built yet; the pipeline calls `consolidate` so the seam is in place.
"""

from __future__ import annotations

from generator.findings import Findings
from generator.graph.build import LinkGraph


def consolidate(graph: LinkGraph, findings: Findings) -> LinkGraph:
    """Returns the graph unchanged until the consolidation issue lands."""
    return graph
