"""Errors that end a command with a clear one-line message instead of a traceback.

The hierarchy, with each exit code::

    DefinitiveError         1   the base: the message is shown as is
    ├── UsageError          2   bad command line or configuration
    ├── BuildError          1   the site could not be built
    │   ├── StrictError         (generator.pipeline) strict mode found problems
    │   └── SecretLeakError     (generator.secrets) a secret would be published
    └── LockBusy           75   another run holds the vault (EX_TEMPFAIL: try later)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.findings import Finding


class DefinitiveError(Exception):
    """Base class: the message is shown to the user as is."""

    exit_code = 1

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.findings = list(findings)
        """Findings to show before the message (what made the build fail, or led up to it)."""


class UsageError(DefinitiveError):
    """Bad command line or configuration (exit code 2)."""

    exit_code = 2


class BuildError(DefinitiveError):
    """The site could not be built (strict-mode failures, MkDocs errors)."""


class LockBusy(DefinitiveError):
    """Another run holds the vault's lock (exit code 75, EX_TEMPFAIL: try again later)."""

    exit_code = 75
