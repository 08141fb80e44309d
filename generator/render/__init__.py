"""Render stage: lay out the docs tree (notes, hubs, tags), rewrite markdown, emit changes."""

from __future__ import annotations

from generator.render.emit import EmitResult, emit
from generator.render.pages import SitePlan, plan_site

__all__ = ["EmitResult", "SitePlan", "emit", "plan_site"]
