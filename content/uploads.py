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

    try:
        # Pillow's own bomb guard: past its warning level our cap decides (the
        # warning is not logged for every refused upload); past its error
        # level Image.open gives no size, and the upload is refused.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(source, formats=list(FORMATS)) as image:
                fmt, (width, height) = image.format, image.size
    except Image.DecompressionBombError:
        width, height, fmt = 0, 0, None
        too_many = True
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(NOT_A_PHOTO, code="not_a_photo") from exc
    else:
        too_many = width * height > max_pixels
    finally:
        if not isinstance(source, str):
            upload.seek(0)
    if too_many:
        size = f"{width:,} × {height:,} pixels ({width * height / 1e6:.0f} megapixels)"
        raise ValidationError(
            f"This image is {size if width else 'far too large'}; a photo can have at most "
            f"{settings.PUBLISHER_MAX_UPLOAD_MEGAPIXELS} megapixels. Resize it and upload it again.",
            code="too_many_pixels",
        )
    return fmt


class PhotoFormField(forms.ImageField):
    """An image upload checked by ``check_photo`` before Django's own checks
    (which open any format Pillow knows and only warn of a bomb)."""

    def to_python(self, data: Any) -> Any:
        if data in self.empty_values:
            return super().to_python(data)
        fmt = check_photo(data)
        name = PurePosixPath(data.name or "photo")
        if name.suffix.lower() not in FORMATS[fmt]:
            data.name = name.stem + FORMATS[fmt][0]
        return super().to_python(data)
