"""The vault lock: two runs that write a vault (nightly, consolidate, approve, reject,
rollback) never overlap, and a lock left by a dead process is taken over.

The lock is ``.definitive/lock``, created with O_EXCL, holding the owner's pid, host and
command. A second run finds it, sees the pid alive, and exits at once (`LockBusy`, exit code
75: EX_TEMPFAIL, "try later").
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.consolidate.state import now, state_dir
from generator.errors import DefinitiveError

LOCK = "lock"


class LockBusy(DefinitiveError):
    exit_code = 75


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _take(path: Path, command: str) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    owner = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": now().isoformat(),
        "command": command,
    }
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(owner, handle)
    return True


@contextmanager
def vault_lock(vault: Path, command: str) -> Iterator[None]:
    path = state_dir(vault) / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    if not _take(path, command):
        try:
            owner = json.loads(path.read_text(encoding="utf-8"))
            pid, host = int(owner["pid"]), str(owner.get("host", ""))
        except (OSError, ValueError, KeyError, TypeError):
            pid, host = -1, ""
        if pid > 0 and host == socket.gethostname() and _alive(pid):
            raise LockBusy(
                f"another run ({owner.get('command', 'definitive')}, pid {pid}, since "
                f"{owner.get('since')}) holds {path}; nothing done"
            )
        if pid > 0 and host and host != socket.gethostname():
            raise LockBusy(f"{path} is held by pid {pid} on {host}; remove it if that run died")
        # Stale: its process is gone. Replace it; O_EXCL makes a racing taker lose cleanly.
        path.unlink(missing_ok=True)
        if not _take(path, command):
            raise LockBusy(f"another run took {path} just now; nothing done")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
