"""Photo files without their camera's metadata: plain Pillow, no Django.

A photo from a camera or a phone carries EXIF (the photographer's name, the
camera's serial number, often the GPS position of where it was taken), XMP
and IPTC blocks, and comments. ``strip`` gives the same picture without
them, its EXIF orientation applied to the pixels first (the tag that said
"turn me" goes with the rest). The colour profile stays: it is how the
pixels' colours are meant, not who took them.

A file that has nothing to strip keeps its bytes (no second JPEG
compression for a photo already clean); one that has is saved again: a JPEG
with its own quantisation tables (about no loss), a PNG or GIF losslessly,
a WebP at high quality; an animated one keeps its frames.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from PIL import Image, ImageOps, JpegImagePlugin

ORIENTATION = 0x0112

# What Pillow reads from a file that says nothing about a person or a
# device: how to show the pixels (density, colour profile, transparency,
# animation timing). Anything else in ``info`` (exif, xmp, photoshop (IPTC),
# comment, PNG text chunks, ...) makes the file be saved again without it.
SAFE_INFO = frozenset(
    {
        "jfif",
        "jfif_version",
        "jfif_unit",
        "jfif_density",
        "dpi",
        "adobe",
        "adobe_transform",
        "progressive",
        "progression",
        "icc_profile",
        "transparency",
        "gamma",
        "srgb",
        "chromaticity",
        "interlace",
        "aspect",
        "duration",
        "loop",
        "background",
        "version",
        "extension",
        "disposal",
        "blend",
        "bbox",
        "default_image",
        "timestamp",
    }
)
# The JPEG segments that stay: JFIF, the colour profile, Adobe's colour
# transform (CMYK files need it).
SAFE_JPEG_SEGMENTS = (("APP0", b"JFIF"), ("APP2", b"ICC_PROFILE"), ("APP14", b"Adobe"))


class BadPhoto(ValueError):
    """A file Pillow cannot read to the end (truncated, corrupt)."""


def frames(image: Image.Image) -> int:
    """How many frames ``image`` has (1 for a still)."""
    return int(getattr(image, "n_frames", 1) or 1)


def has_metadata(image: Image.Image) -> bool:
    """True when the opened file carries anything but how to show its pixels."""
    if set(image.info) - SAFE_INFO:
        return True
    if image.format == "JPEG":
        for marker, data in getattr(image, "applist", []):
            if not any(marker == m and data.startswith(p) for m, p in SAFE_JPEG_SEGMENTS):
                return True
    if image.format == "PNG" and getattr(image, "text", None):
        return True
    return bool(image.getexif())


def strip(data: bytes) -> bytes | None:
    """The photo in ``data`` without metadata, or None when it has none (keep
    ``data`` as it is). Raises ``BadPhoto`` for a file that will not decode."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if not has_metadata(image):
                    image.load()  # a truncated file is refused now, not in a build
                    return None
                if image.format == "JPEG" and image.getexif().get(ORIENTATION, 1) == 1:
                    # Upright already: the segments go, the pixels stay as
                    # they are (no second compression, a fraction of the time).
                    clean = _jpeg_without_segments(data)
                    if clean is not None:
                        _check_decodes(clean)
                        return clean
                return _save_clean(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise BadPhoto(str(exc) or type(exc).__name__) from exc


def _jpeg_without_segments(data: bytes) -> bytes | None:
    """``data`` (a JPEG) without its APPn and COM segments but JFIF, the
    colour profile and Adobe's, and without anything after its end (a
    phone's second picture, MPF); None when its structure is not as expected."""
    if data[:2] != b"\xff\xd8":
        return None
    out = bytearray(b"\xff\xd8")
    at, size = 2, len(data)
    while at + 2 <= size:
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xD9:
            out += b"\xff\xd9"
            return bytes(out)
        if at + 4 > size:
            return None
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        end = at + 2 + length
        if length < 2 or end > size:
            return None
        segment = data[at:end]
        keep = True
        if 0xE0 <= marker <= 0xEF:
            wanted = {0xE0: b"JFIF", 0xE2: b"ICC_PROFILE", 0xEE: b"Adobe"}.get(marker)
            keep = wanted is not None and data[at + 4 : at + 4 + len(wanted)] == wanted
        elif marker == 0xFE:  # COM
            keep = False
        if keep:
            out += segment
        at = end
        if marker == 0xDA:  # a scan: its entropy-coded data runs to the next marker
            scan = at
            while True:
                at = data.find(b"\xff", at)
                if at < 0 or at + 1 >= size:
                    return None
                following = data[at + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    at += 2
                    continue
                break
            out += data[scan:at]
    return None


def _check_decodes(data: bytes) -> None:
    """Raise if the JPEG in ``data`` does not decode to its end (decoded at
    an eighth of its size: every coefficient is read, few are computed)."""
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (max(1, image.size[0] // 8), max(1, image.size[1] // 8)))
        image.load()


def _save_clean(image: Image.Image) -> bytes:
    out = io.BytesIO()
    fmt = image.format
    icc = image.info.get("icc_profile")
    common: dict[str, Any] = {"icc_profile": icc} if icc else {}
    if frames(image) > 1:
        # Animation keeps its frames and timing; orientation tags on an
        # animation are rare enough to ignore.
        image.info.pop("comment", None)
        extra: dict[str, Any] = {"save_all": True}
        for key in ("duration", "loop", "disposal", "transparency", "background", "blend"):
            if key in image.info:
                extra[key] = image.info[key]
        if fmt == "WEBP":
            extra.update(exif=b"", xmp=b"", lossless=True)
        image.save(out, fmt, **common, **extra)
        return out.getvalue()
    orientation = image.getexif().get(ORIENTATION, 1)
    image.info.pop("comment", None)  # Pillow would write it back
    if fmt == "JPEG":
        image.load()
        if orientation in (2, 3, 4, 5, 6, 7, 8):
            sampling = JpegImagePlugin.get_sampling(image)
            tables = image.quantization
            turned = ImageOps.exif_transpose(image)
            turned.save(
                out,
                "JPEG",
                qtables=tables,
                subsampling=sampling if sampling != -1 else 0,
                **common,
            )
        else:
            image.save(out, "JPEG", quality="keep", subsampling="keep", **common)
        return out.getvalue()
    turned = ImageOps.exif_transpose(image)
    turned.info = {k: v for k, v in image.info.items() if k in SAFE_INFO}
    if fmt == "PNG":
        if "transparency" in image.info:
            common["transparency"] = image.info["transparency"]
        turned.save(out, "PNG", **common)
    elif fmt == "WEBP":
        turned.save(out, "WEBP", quality=92, exif=b"", xmp=b"", **common)
    elif fmt == "GIF":
        turned.save(out, "GIF", **{k: v for k, v in turned.info.items() if k != "comment"})
    else:  # pragma: no cover - uploads are one of the four formats
        raise BadPhoto(f"unexpected format {fmt}")
    return out.getvalue()
