"""Findings: what the pipeline noticed about the vault (broken links, bad frontmatter...).

Every stage reports problems as findings instead of raising, so one bad note never stops the
build. A finding always names the file, and the line where there is one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Literal

from generator.secrets import redact

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    code: str
    """Stable machine name, e.g. ``link-broken``; documented in docs/links.md#finding-codes."""
    path: str
    """Vault-relative path of the file the finding is about."""
    line: int | None
    message: str
    severity: Severity = "warning"
    candidates: tuple[str, ...] = ()
    """For ambiguous or case-mismatched links: the files that could be meant."""

    def __post_init__(self) -> None:
        # Messages quote the vault (a link target, a YAML line): never a secret in them.
        object.__setattr__(self, "message", redact(self.message, personal=False))

    def location(self) -> str:
        """Where, for people: a secret in a file name is shown redacted."""
        path = redact(self.path, personal=False)
        return f"{path}:{self.line}" if self.line else path

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["path"] = redact(self.path, personal=False)
        data["candidates"] = [redact(c, personal=False) for c in self.candidates]
        return data


@dataclass
class Findings:
    items: list[Finding] = field(default_factory=list)

    def add(
        self,
        code: str,
        path: str,
        line: int | None,
        message: str,
        severity: Severity = "warning",
        candidates: tuple[str, ...] | list[str] = (),
    ) -> None:
        self.items.append(Finding(code, path, line, message, severity, tuple(candidates)))

    def sorted(self) -> list[Finding]:
        return sorted(self.items, key=lambda f: (f.path, f.line or 0, f.code, f.message))

    def count(self, *codes: str) -> int:
        return sum(1 for f in self.items if f.code in codes)

    def by_code(self) -> Counter[str]:
        return Counter(f.code for f in self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)
