"""Locks between processes: one helper, and the locks the publisher takes.

An exclusive ``flock`` on a file in the build directory: held by a build
(never two in one directory), by a publish (one renderer at a time writes
into the live site) and by a deploy. The lock ends with the process, so a
killed one leaves nothing to clean up. No Django in here.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path


class Locked(RuntimeError):
    """Another process holds the lock (and we were not to wait)."""


class BuildLocked(Locked):
    """Another build holds the lock on this build directory."""


@contextmanager
def exclusive_lock(path: Path, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive flock on ``path`` across processes: waiting for it,
    or with ``wait=False`` raising ``Locked`` (its message: the holder's pid)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                handle.seek(0)
                raise Locked(handle.read().strip() or "unknown") from None
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_lock(build_dir: Path) -> AbstractContextManager[None]:
    """Two builds never share a build directory: the second one fails at once
    with ``BuildLocked``."""
    return _failing_fast(build_dir / ".build.lock", f"another build is running in {build_dir}")


@contextmanager
def _failing_fast(path: Path, message: str) -> Iterator[None]:
    held = ExitStack()
    try:
        held.enter_context(exclusive_lock(path, wait=False))
    except Locked as exc:
        raise BuildLocked(f"{message} (pid {exc})") from None
    with held:  # leaving it releases the lock
        yield


def publish_lock(build_dir: Path) -> AbstractContextManager[None]:
    """One renderer at a time writes into the live site (waits its turn)."""
    return exclusive_lock(build_dir / ".publish.lock")


def deploy_lock(build_dir: Path) -> AbstractContextManager[None]:
    """One deploy at a time syncs the bucket (waits its turn)."""
    return exclusive_lock(build_dir / ".deploy.lock")
