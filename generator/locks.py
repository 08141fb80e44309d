"""The vault's locks, in ``<vault>/.definitive/``.

- **The vault lock** (`vault_lock`): two runs that rewrite a vault's notes (nightly,
  consolidate, approve, reject, rollback) never overlap, and a lock left by a dead process is
  taken over. It is ``.definitive/lock``, created with O_EXCL, holding the owner's pid, host
  and command. A second run finds it, sees the pid alive, and exits at once (`LockBusy`, exit
  code 75: EX_TEMPFAIL, "try later").
- **The runs lock** (`runs_lock`): runs written with a ``source`` (``import``, ``record
  --source``) look the source up and then write, so two of them at once could each find no note
  for it and write it twice. They take turns: each waits (up to a minute) for the one before.
  It is an advisory ``flock`` on ``.definitive/runs.lock``, released by the system when its
  process ends, so it is never stale. It does not wait for the vault lock: agents record runs
  while a consolidation runs, and their new notes are simply merged the next night.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.config import STATE_DIR
from generator.errors import LockBusy, UsageError

try:
    import fcntl
except ImportError:  # not on POSIX: runs with a source are written without taking turns
    fcntl = None  # type: ignore[assignment]

LOCK = "lock"
RUNS_LOCK = "runs.lock"
RUNS_WAIT_S = 60.0


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
    except OSError as exc:
        raise UsageError(f"{path}: cannot create the vault lock ({exc.strerror})") from None
    owner = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "command": command,
    }
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(owner, handle)
    return True


@contextmanager
def vault_lock(vault: Path, command: str) -> Iterator[None]:
    path = vault / STATE_DIR / LOCK
    _state_folder(path)
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


@contextmanager
def runs_lock(vault: Path, *, wait_s: float = RUNS_WAIT_S) -> Iterator[None]:
    """Waits for any other writer of runs with a source, then holds the turn until the block
    ends. After ``wait_s`` seconds it gives up with `LockBusy`."""
    if fcntl is None:
        yield
        return
    path = vault / STATE_DIR / RUNS_LOCK
    _state_folder(path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise UsageError(f"{path}: cannot open the runs lock ({exc.strerror})") from None
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusy(
                        f"another import or record has held {path} for over {wait_s:g}s; "
                        "nothing written"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # closing the file releases the lock


def _state_folder(lock: Path) -> None:
    """The folder a lock goes in, made if missing; a clear message, not a traceback, when it
    cannot be (a read-only vault, a file named ``.definitive``)."""
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"{lock.parent}: cannot make Definitive's state folder ({exc.strerror})"
        ) from None
