"""Publish stage: build the emitted docs tree into ``site/`` with MkDocs and Material."""

from __future__ import annotations
