"""Uploads in the live site: only the files that live items use.

Uploads are kept in ``MEDIA_ROOT``, which nothing serves to readers. A release
holds, under ``media/``, a hard link (a copy across filesystems) to each file
a published item uses; the page declarations say which those are
(``Registry.live_media``). A full build links them into the new
release; publishing adds and removes the ones its changes touch; ``deploy``
follows the release. So a draft's or an embargoed item's photo is never in
``build/site`` or the bucket, and a replaced or unpublished photo leaves both
with the publish that stops using it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models

from publisher import renditions

MEDIA_DIR = "media"


def file_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The names of a model's upload fields (photos)."""
    return tuple(f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField))


def files_of(item: models.Model) -> list[str]:
    """The files an item puts on the site (names relative to MEDIA_ROOT): each
    upload, and a photo's renditions when it has a digest."""
    out: set[str] = set()
    for name in file_fields(type(item)):
        field = type(item)._meta.get_field(name)
        upload = getattr(item, name).name
        if upload:
            out.update(served(upload, *_sized(item, field)))
    return sorted(out)


def _sized(row: Any, field: Any) -> tuple[str, int | None, int | None]:
    digest_field = getattr(field, "digest_field", "")
    width_field = getattr(field, "width_field", None)
    height_field = getattr(field, "height_field", None)
    return (
        getattr(row, digest_field, "") if digest_field else "",
        getattr(row, width_field, None) if width_field else None,
        getattr(row, height_field, None) if height_field else None,
    )


def served(upload: str, digest: str, width: int | None, height: int | None) -> list[str]:
    """The files that show upload ``upload`` on the site: the upload (stored
    without metadata; no page links it once it has renditions, but an old
    link from elsewhere keeps working) and its renditions when it has a
    digest and a size."""
    if digest and width and height:
        return [upload, *renditions.names(digest, width, height)]
    return [upload]


def media_names(photos: Iterable[renditions.Photo]) -> set[str]:
    """The files that show ``photos`` on the site."""
    return {
        name
        for photo in photos
        for name in served(photo.name, photo.digest, photo.width, photo.height)
    }


def site_path(name: str) -> str:
    """The file, relative to the document root, that serves upload ``name``.

    Refuses a name that could land outside ``media/``: storage never makes
    one, and this keeps one that reached the database another way out."""
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or "\0" in name:
        raise ValueError(f"unsafe upload name: {name!r}")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        raise ValueError(f"unsafe upload name: {name!r}")
    return f"{MEDIA_DIR}/{name}"


def _source(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def _same(source: os.stat_result, target: os.stat_result) -> bool:
    # The same inode (a hard link), or a copy of it (copy2 keeps the mtime; a
    # copy has no other links, a link to an older upload of that name does).
    if (source.st_dev, source.st_ino) == (target.st_dev, target.st_ino):
        return True
    if target.st_nlink > 1:
        return False
    return (source.st_size, source.st_mtime_ns) == (target.st_size, target.st_mtime_ns)


def place(root: Path, name: str) -> bool:
    """Put upload ``name`` into the site at ``root``, atomically: a hard link
    to the upload (a copy where links cannot be made) under a temporary name,
    then a rename over whatever is there. False if nothing needed doing (the
    file is there already, or the upload is missing from MEDIA_ROOT)."""
    source = _source(name)
    target = root / site_path(name)
    try:
        source_stat = source.stat()
    except FileNotFoundError:
        return False  # a row pointing at a lost file: the page shows a broken image
    try:
        if _same(source_stat, target.stat()):
            return False
    except FileNotFoundError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        os.link(source, temporary)
    except OSError:
        shutil.copy2(source, temporary)
    os.replace(temporary, target)
    return True


def remove(root: Path, name: str) -> bool:
    """Take upload ``name`` out of the site at ``root`` (False: it was not there)."""
    target = root / site_path(name)
    try:
        target.unlink()
    except FileNotFoundError:
        return False
    directory = target.parent
    top = root / MEDIA_DIR
    while directory != top and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent
    return True


def link_into_release(root: Path, names: Iterable[str]) -> int:
    """Link every upload in ``names`` into a new release, which nothing serves
    yet (no temporary names needed); returns how many. Missing uploads are
    left out, as ``place`` leaves them."""
    made: set[Path] = set()
    count = 0
    for name in sorted(set(names)):
        target = root / site_path(name)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        try:
            os.link(_source(name), target)
        except FileNotFoundError:
            continue
        except OSError:  # another filesystem, or links not allowed
            try:
                shutil.copy2(_source(name), target)
            except FileNotFoundError:
                continue
        count += 1
    return count


def place_all(root: Path, names: Iterable[str]) -> list[str]:
    """Put each upload of ``names`` into the site at ``root``; returns the
    site paths of the ones added or replaced."""
    return [site_path(name) for name in sorted(set(names)) if place(root, name)]


def remove_all(root: Path, names: Iterable[str]) -> list[str]:
    """Take each upload of ``names`` out of the site at ``root``; returns the
    site paths of the ones that were there."""
    return [site_path(name) for name in sorted(set(names)) if remove(root, name)]
