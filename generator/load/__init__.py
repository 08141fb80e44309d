"""Load stage: read the vault's files into `generator.model.Note` objects, with findings."""

from __future__ import annotations

from generator.load.vault import load_vault

__all__ = ["load_vault"]
