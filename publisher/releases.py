"""Release directories and the live symlink (no Django in here).

    build/
      releases/20261128T001501Z-4711/     one complete rendered site each
      releases/.20261128T002000Z-4712.partial   a build in progress (or killed)
      site -> releases/20261128T001501Z-4711    the live document root
      .trash/                             pruned releases, being deleted

A build renders into a ``.partial`` directory that nothing serves, renames it
when complete, then swaps the ``site`` symlink with a rename, which is atomic:
a reader sees the old release or the new one. A failed or killed build never
touches ``site``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

PARTIAL_SUFFIX = ".partial"


def new_release_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%S%fZ}-{os.getpid()}"


def releases_dir(build_dir: Path) -> Path:
    return build_dir / "releases"


def live_link(build_dir: Path) -> Path:
    return build_dir / "site"


def live_release(build_dir: Path) -> Path | None:
    """The release ``site`` points at, or None before the first build."""
    link = live_link(build_dir)
    if not link.is_symlink():
        return None
    return (link.parent / os.readlink(link)).resolve()


def start_release(build_dir: Path, release_id: str) -> Path:
    partial = releases_dir(build_dir) / f".{release_id}{PARTIAL_SUFFIX}"
    partial.mkdir(parents=True)
    return partial


def finish_release(build_dir: Path, partial: Path) -> Path:
    """Give a complete release its final name (still not live)."""
    final = partial.with_name(partial.name[1 : -len(PARTIAL_SUFFIX)])
    os.rename(partial, final)
    return final


def switch_live(build_dir: Path, release: Path) -> None:
    """Point ``site`` at ``release`` atomically (symlink + rename over)."""
    link = live_link(build_dir)
    if link.exists() and not link.is_symlink():
        raise RuntimeError(
            f"{link} is a real directory, not the release symlink; move it away first"
        )
    tmp = build_dir / f".site.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    os.symlink(os.path.relpath(release, build_dir), tmp)
    os.replace(tmp, link)


def discard(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def prune(build_dir: Path, keep: int) -> list[Path]:
    """Remove old releases (keeping ``keep``, and always the live one) and
    partial releases left by killed builds. Call only under ``build_lock``.

    A release is tens of thousands of files: deleting one takes seconds to
    a minute. So they are moved out of ``releases/`` at once (a rename) into
    ``build/.trash``, which a background ``rm`` at the lowest priority then
    empties; whatever a killed ``rm`` leaves, the next prune deletes.
    """
    root = releases_dir(build_dir)
    if not root.is_dir():
        return []
    live = live_release(build_dir)
    removed: list[Path] = []
    complete = []
    for entry in sorted(root.iterdir()):
        if entry.name.endswith(PARTIAL_SUFFIX):
            removed.append(entry)
        elif entry.is_dir():
            complete.append(entry)
    for entry in complete[:-keep] if keep else complete:
        if live is not None and entry.resolve() == live:
            continue
        removed.append(entry)
    trash = trash_dir(build_dir)
    trash.mkdir(exist_ok=True)
    for entry in removed:
        os.rename(entry, trash / f"{entry.name}.{os.getpid()}")
    if any(trash.iterdir()):
        empty_trash(trash)
    return removed


def drop_older(build_dir: Path) -> list[Path]:
    """Take every release but the live one out of ``releases/`` at once
    (after a takedown decision they hold text that must go), into the trash,
    which a background ``rm`` then empties, as ``prune`` does: deleting a
    release takes seconds to minutes, too long for an editor's request.
    Partial releases are left to their builds. Call only under ``build_lock``."""
    root = releases_dir(build_dir)
    live = live_release(build_dir)
    dropped = []
    if root.is_dir():
        for entry in sorted(root.iterdir()):
            if entry.name.endswith(PARTIAL_SUFFIX) or not entry.is_dir():
                continue
            if live is not None and entry.resolve() == live:
                continue
            dropped.append(entry)
    trash = trash_dir(build_dir)
    trash.mkdir(exist_ok=True)
    for entry in dropped:
        os.rename(entry, trash / f"{entry.name}.{os.getpid()}")
    if any(trash.iterdir()):
        empty_trash(trash)
    return dropped


def trash_dir(build_dir: Path) -> Path:
    return build_dir / ".trash"


def empty_trash(trash: Path) -> None:
    """Delete what is in ``trash`` in the background, niced, in its own session
    (so it outlives this command and gets no terminal's signals)."""
    entries = [str(entry) for entry in trash.iterdir()]
    subprocess.Popen(
        ["nice", "-n", "19", "rm", "-rf", "--", *entries],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def link_tree(source: Path, target: Path) -> int:
    """Copy a tree by hard links where the filesystem allows (static files)."""
    count = 0

    def link_or_copy(src: str, dst: str) -> None:
        nonlocal count
        count += 1
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link_or_copy, dirs_exist_ok=True)
    return count
