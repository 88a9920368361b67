"""Photos that behave like a camera's: large, with EXIF (Artist, Make,
orientation), a GPS position, an XMP packet, a comment and a colour profile.

Made with Pillow (no Django here), once per process for each set of
arguments: the demo, the tests and the benchmarks all see the real case
without drawing the same 12 MP twice.
"""

from __future__ import annotations

import functools
import random
from io import BytesIO
from typing import Any

from PIL import Image, ImageCms

PHOTOGRAPHER = "Ada Lindqvist-Photographer"
XMP_PACKET = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="Ada XMP-Creator"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
GPS_POSITION = {1: "N", 2: (44.0, 58.0, 12.5), 3: "W", 4: (93.0, 15.0, 47.0)}


@functools.cache
def _srgb_profile() -> bytes:
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[24:36] = bytes(12)  # the header's creation time: the same bytes every run
    return bytes(profile)


@functools.cache
def camera_photo(
    size: tuple[int, int] = (4000, 3000),
    fmt: str = "JPEG",
    orientation: int = 6,
    shade: int = 0,
) -> bytes:
    """A photo as a camera or phone writes it (made once per process for each
    set of arguments): ``size`` as the sensor sees it, with EXIF (Artist,
    Make, orientation ``orientation``), a GPS position, an XMP packet, a
    comment and an ICC profile. Grain makes it weigh what a camera's does."""
    # Detail at several scales from a seeded stream (the same arguments give
    # the same bytes), so that every width of it weighs what a photo's does:
    # about 180 KB as a 1280-pixel WebP, 3 MB as the camera's JPEG.
    rng = random.Random(f"{size}{fmt}{orientation}{shade}")

    def detail(div: int) -> Image.Image:
        small = (max(1, size[0] // div), max(1, size[1] // div))
        noise = Image.frombytes("L", small, rng.randbytes(small[0] * small[1]))
        return noise.resize(size, Image.Resampling.BICUBIC)

    gradient = Image.linear_gradient("L").resize(size)
    texture = Image.blend(Image.blend(detail(24), detail(8), 0.35), detail(1), 0.3)
    grain = Image.blend(texture, gradient, 0.5)
    red = Image.blend(gradient, grain, 0.5)
    if shade:
        red = red.point(lambda v: (v + shade) % 256)
    green = Image.blend(gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), detail(12), 0.3)
    image = Image.merge("RGB", (red, green, grain))
    exif = Image.Exif()
    exif[0x013B] = PHOTOGRAPHER  # Artist
    exif[0x010F] = "Canon"  # Make
    exif[0x0112] = orientation
    exif.get_ifd(0x8825).update(GPS_POSITION)
    icc = _srgb_profile()
    out = BytesIO()
    extra: dict[str, Any] = (
        {"quality": 92, "comment": b"shot from our porch"} if fmt == "JPEG" else {}
    )
    image.save(out, fmt, exif=exif, xmp=XMP_PACKET, icc_profile=icc, **extra)
    return out.getvalue()
