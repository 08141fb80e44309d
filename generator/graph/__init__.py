"""Graph stage: resolve every link (Obsidian's rules), build the link graph, audit it."""

from __future__ import annotations

from generator.graph.build import LinkGraph, build_graph

__all__ = ["LinkGraph", "build_graph"]
