"""What a photo upload must be: a JPEG, PNG, WebP or GIF, small enough to show.

The content decides, not the name: Pillow reads the file's header, and
anything it does not recognise as one of the four formats is refused (an HTML
page named ``photo.jpg`` included). The file is renamed to its format's
extension, so it is served with the right Content-Type. The pixel count is
read from the header, before a single pixel is decoded: a 17 KB PNG can hold
a 144-megapixel image that takes gigabytes of memory in every reader's
browser.
"""

from __future__ import annotations

import warnings
from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

# Pillow's format name -> the extensions a file of it may keep (the first is given to others).
FORMATS: dict[str, tuple[str, ...]] = {
    "JPEG": (".jpg", ".jpeg"),
    "PNG": (".png",),
    "WEBP": (".webp",),
    "GIF": (".gif",),
}
NOT_A_PHOTO = (
    "This file is not a JPEG, PNG, WebP or GIF image (the file's content counts, "
    "not its name). Save the photo in one of these formats and upload it again."
)


def check_photo(upload: Any) -> str:
    """Refuse an upload that is not a photo we serve, with a message that says
    why; returns its format (``"JPEG"`` …)."""
    limit_mb = settings.PUBLISHER_MAX_UPLOAD_MB
    if upload.size > limit_mb * 1024 * 1024:
        raise ValidationError(
            f"This file is {upload.size / (1024 * 1024):.1f} MB; a photo can be at most "
            f"{limit_mb} MB. Export it smaller (a web photo needs no more than a few MB).",
            code="too_large",
        )
    if hasattr(upload, "temporary_file_path"):
        source: Any = upload.temporary_file_path()
    else:
        upload.seek(0)
        source = upload
    max_pixels = settings.PUBLISHER_MAX_UPLOAD_MEGAPIXELS * 1_000_000
    # Pillow on first use: a build's processes never check an upload.
    from PIL import Image, UnidentifiedImageError

    from publisher import images

    try:
        # Pillow's own bomb guard: past its warning level our cap decides (the
        # warning is not logged for every refused upload); past its error
        # level Image.open gives no size, and the upload is refused.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(source, formats=list(FORMATS)) as image:
                fmt, (width, height) = image.format, image.size
                # Every frame of an animation is decoded by a browser: 300
                # frames of 49 MP are 300 times the memory of one.
                frames = images.frames(image)
    except Image.DecompressionBombError:
        width, height, fmt, frames = 0, 0, None, 1
        too_many = True
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(NOT_A_PHOTO, code="not_a_photo") from exc
    else:
        too_many = width * height * frames > max_pixels
    finally:
        if not isinstance(source, str):
            upload.seek(0)
    if too_many and frames > 1:
        raise ValidationError(
            f"This animation has {frames:,} frames of {width:,} × {height:,} pixels "
            f"({width * height * frames / 1e6:,.0f} megapixels in all); a photo can have at most "
            f"{settings.PUBLISHER_MAX_UPLOAD_MEGAPIXELS} megapixels, every frame counted. "
            "Upload a still photo, or a shorter or smaller animation.",
            code="too_many_pixels",
        )
    if too_many:
        size = f"{width:,} × {height:,} pixels ({width * height / 1e6:.0f} megapixels)"
        raise ValidationError(
            f"This image is {size if width else 'far too large'}; a photo can have at most "
            f"{settings.PUBLISHER_MAX_UPLOAD_MEGAPIXELS} megapixels. Resize it and upload it again.",
            code="too_many_pixels",
        )
    return fmt


BAD_PHOTO = (
    "This photo could not be read to the end ({problem}): the file is damaged or was "
    "cut short, for example by an interrupted download. Export it again and upload it."
)


def without_metadata(upload: Any) -> Any:
    """``upload`` with its EXIF, GPS, XMP, IPTC and comments removed (its EXIF
    orientation applied first), as a file marked clean; the very same object
    when it had none. Raises ValidationError for a file that will not decode."""
    if getattr(upload, "photo_clean", False):
        return upload
    from publisher import images

    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        clean = images.strip(data)
    except images.BadPhoto as exc:
        raise ValidationError(BAD_PHOTO.format(problem=exc), code="bad_photo") from exc
    if clean is None:
        upload.photo_clean = True
        return upload
    out = SimpleUploadedFile(
        upload.name, clean, content_type=getattr(upload, "content_type", None) or ""
    )
    out.photo_clean = True
    return out


class PhotoFormField(forms.ImageField):
    """An image upload checked by ``check_photo`` before Django's own checks
    (which open any format Pillow knows and only warn of a bomb), and
    stored without its metadata (``without_metadata``)."""

    def to_python(self, data: Any) -> Any:
        if data in self.empty_values:
            return super().to_python(data)
        fmt = check_photo(data)
        name = PurePosixPath(data.name or "photo")
        if name.suffix.lower() not in FORMATS[fmt]:
            data.name = name.stem + FORMATS[fmt][0]
        return super().to_python(without_metadata(data))
