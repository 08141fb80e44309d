"""Errors that end a command with a clear one-line message instead of a traceback."""

from __future__ import annotations


class DefinitiveError(Exception):
    """Base class: the message is shown to the user as is."""

    exit_code = 1


class UsageError(DefinitiveError):
    """Bad command line or configuration (exit code 2)."""

    exit_code = 2


class BuildError(DefinitiveError):
    """The site could not be built (strict-mode failures, MkDocs errors)."""
