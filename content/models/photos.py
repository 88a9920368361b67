"""An item's photo: the field that stores it without camera metadata and
with its digest and size, and the indexes that find live items' photos."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields.files import ImageFieldFile

from content.uploads import PhotoFormField, without_metadata
from publisher.renditions import DIGEST_CHARS


class PhotoFieldFile(ImageFieldFile):
    """A stored photo: never with its camera's metadata (``without_metadata``,
    whatever the path: the admin's form, a reader's submission made a draft,
    a script), and its digest kept beside it (``digest_field``)."""

    def save(self, name: str, content: Any, save: bool = True) -> None:
        content = without_metadata(content)
        content.seek(0)
        digest = hashlib.sha256()
        for chunk in content.chunks():
            digest.update(chunk)
        content.seek(0)
        super().save(name, content, save=False)
        setattr(self.instance, self.field.digest_field, digest.hexdigest()[:DIGEST_CHARS])
        if save:
            self.instance.save()


class PhotoField(models.ImageField):
    """A photo: its forms accept only what ``content.uploads`` allows.

    Its pixel size is stored beside it (``width_field``/``height_field``,
    declared after the photo), measured when a photo is assigned or saved,
    never when a row is loaded: Django's ImageField opens the file of every
    loaded row whose size is missing, which would make a build read files.
    """

    attr_class = PhotoFieldFile

    def __init__(self, *args: Any, digest_field: str = "", **kwargs: Any) -> None:
        # The digest of the stored file's bytes: what its renditions are named
        # by, read from the row (no build opens a photo to learn it).
        self.digest_field = digest_field
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.digest_field:
            kwargs["digest_field"] = self.digest_field
        # Its public path, the one the migrations name (not this module's).
        return name, "content.models.PhotoField", args, kwargs

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": PhotoFormField, **kwargs})

    def update_dimension_fields(self, instance: Any, force: bool = False, *args, **kwargs) -> None:
        # force: a photo assigned to a row already made (the admin's upload,
        # a cleared photo); the post_init call for a loaded row is skipped.
        if force:
            self._measure(instance)
            if self.digest_field:
                # Another photo: its digest is taken when it is saved.
                setattr(instance, self.digest_field, "")

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        file = super().pre_save(model_instance, add)
        # A row made with its photo's name (a script, the demo, a factory) is
        # measured here, once, before its size fields are saved.
        # Stripped first: turned upright, it is measured as readers see it.
        if self.digest_field and file and not getattr(model_instance, self.digest_field):
            with contextlib.suppress(OSError):
                digest, changed = clean_in_place(file)
                if changed:  # turned upright: measured again
                    file.__dict__.pop("_dimensions_cache", None)
                    self._measure(model_instance)
                setattr(model_instance, self.digest_field, digest)
        if file and not (
            getattr(model_instance, self.width_field) and getattr(model_instance, self.height_field)
        ):
            self._measure(model_instance)
        return file

    def _measure(self, instance: Any) -> None:
        file = getattr(instance, self.attname)
        width = height = None
        if file:
            # A missing or unreadable file leaves the size unknown (pages then
            # give none) rather than fail the save.
            with contextlib.suppress(OSError, ValueError, SyntaxError):
                width, height = file.width, file.height
        setattr(instance, self.width_field, width)
        setattr(instance, self.height_field, height)


def photo_field(upload_to: str) -> PhotoField:
    """An item's photo, its size kept in ``photo_width`` and ``photo_height``
    (declare them right after it: saving fills them in field order)."""
    return PhotoField(
        upload_to=upload_to,
        blank=True,
        width_field="photo_width",
        height_field="photo_height",
        digest_field="photo_digest",
    )


def photo_digest_field() -> models.CharField:
    return models.CharField(max_length=DIGEST_CHARS, blank=True, default="", editable=False)


def clean_in_place(file: Any) -> tuple[str, bool]:
    """Strip the metadata of a file already in storage (a row made with its
    photo's name: a script, the demo, a factory), in place, atomically;
    returns the digest of its bytes, as renditions are named, and whether it
    changed. A file that
    will not decode is left as it is (its renditions will say so)."""
    from publisher import renditions

    return renditions.clean_in_place(Path(file.storage.path(file.name)))


def photo_size_field(verbose_name: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(verbose_name, null=True, blank=True, editable=False)


def validate_alt(instance: models.Model) -> None:
    if instance.photo and not instance.photo_alt.strip():
        raise ValidationError({"photo_alt": "Describe the photo for readers who cannot see it."})


# Which of a publish's photos a live item uses (Registry.live_media): a lookup
# by name in the index, whatever the size of the archive (a walk of the
# published rows took 17 ms at 20,000 stories). It also holds what the
# renditions need (digest and size), so the build's list of live photos is
# read from the index alone, even on a small table.
PHOTO_LOOKUP_INDEX = models.Index(
    fields=["photo", "status", "publish_at", "photo_digest", "photo_width", "photo_height"],
    name="%(class)s_photo_lookup",
)


# The live items' photos, read from the index alone: every build and publish
# asks for them, and announcements' short rows would otherwise be scanned.
LIVE_PHOTOS_INDEX = models.Index(
    fields=["status", "publish_at", "photo"], name="%(class)s_live_photos"
)
