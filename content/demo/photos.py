"""The demo's photos: drawn landscapes and portraits, the same bytes for a seed.

The palette (skies and grounds) is ``data/photos.toml``; what stands in the
landscape is drawn by the functions here.
"""

from __future__ import annotations

import functools
import io
import math
import os
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from PIL import Image, ImageDraw

from content.demo.camera import camera_photo
from content.demo.words import toml
from publisher import images
from publisher.renditions import digest_bytes

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Sky:
    description: str
    top: Colour
    horizon: Colour
    sun: Colour | None


@dataclass(frozen=True)
class Ground:
    description: str
    layers: list[Colour]  # back to front


SCENE_SIZE = (800, 533)
PORTRAIT_SIZE = (400, 500)
BABY_SIZE = (400, 400)
COUPLE_SIZE = (600, 400)

_PALETTE = toml("photos")
SKIES = [
    Sky(
        sky["description"],
        tuple(sky["top"]),
        tuple(sky["horizon"]),
        tuple(sky["sun"]) if "sun" in sky else None,
    )
    for sky in _PALETTE["sky"]
]
GROUNDS = [
    Ground(ground["description"], [tuple(colour) for colour in ground["layers"]])
    for ground in _PALETTE["ground"]
]


@dataclass(frozen=True)
class Photo:
    name: str  # relative to MEDIA_ROOT, as an ImageField stores it
    alt: str
    caption: str
    # Given to the rows, so that saving thousands of them opens no file.
    width: int
    height: int
    digest: str = ""  # of the file's bytes, as renditions are named


@dataclass(frozen=True)
class Images:
    scenes: list[Photo]
    portraits: list[Photo]


def write_demo_images(rng: random.Random, scenes: int = 12, portraits: int = 8) -> Images:
    """Draw the photo pool and write it under MEDIA_ROOT (only files that differ).

    Pure drawing with fixed JPEG settings, so the same random stream gives the
    same bytes, and a second seeding leaves the files (and their mtimes) alone.
    """
    root = Path(settings.MEDIA_ROOT)
    scene_photos, portrait_photos = [], []
    for i in range(1, scenes + 1):
        data, alt, caption = _draw_scene(rng)
        name = f"photos/demo/scene-{i:02d}.jpg"
        _write_if_changed(root / name, data)
        scene_photos.append(Photo(name, alt, caption, *SCENE_SIZE, digest_bytes(data)))
    for i in range(1, portraits + 1):
        name = f"obituaries/demo/portrait-{i:02d}.jpg"
        data = _draw_portrait(rng)
        _write_if_changed(root / name, data)
        portrait_photos.append(Photo(name, "", "", *PORTRAIT_SIZE, digest_bytes(data)))
    scene_photos += write_camera_photos(root)
    return Images(scene_photos, portrait_photos)


# Photos as a camera takes them: 12 MP, EXIF with the photographer's name
# and a GPS position, an XMP packet (content/demo/camera.py), one of them
# taken sideways. Stored as an upload leaves them: without the metadata,
# upright. Made once per process (the same bytes every time).
CAMERA_SHOTS = (
    ("Lanterns along Main Street at dusk", "The lantern walk drew families downtown.", 1),
    ("The river at the old mill dam", "High water at the mill dam after the storm.", 6),
    ("Crowd at the county fairgrounds", "Opening night at the county fair.", 1),
)


def write_camera_photos(root: Path) -> list[Photo]:
    photos = []
    for i, (alt, caption, orientation) in enumerate(CAMERA_SHOTS, start=1):
        name = f"photos/demo/camera-{i:02d}.jpg"
        data, width, height = _stored_camera_photo(orientation, i)
        _write_if_changed(root / name, data)
        photos.append(Photo(name, alt, caption, width, height, digest_bytes(data)))
    return photos


@functools.cache
def _stored_camera_photo(orientation: int, shade: int) -> tuple[bytes, int, int]:
    data = camera_photo((4000, 3000), orientation=orientation, shade=shade * 30)
    data = images.strip(data) or data
    with Image.open(io.BytesIO(data)) as image:
        return data, *image.size


def write_community_images(
    rng: random.Random, babies: int = 4, couples: int = 4
) -> tuple[list[Photo], list[Photo]]:
    """Draw the births' and the weddings' photos as ``write_demo_images``
    draws its pool; from a random stream of their own, so that pool keeps
    its bytes whether or not these are drawn."""
    root = Path(settings.MEDIA_ROOT)
    baby_photos, couple_photos = [], []
    for i in range(1, babies + 1):
        name = f"births/demo/baby-{i:02d}.jpg"
        data = _draw_baby(rng)
        _write_if_changed(root / name, data)
        baby_photos.append(Photo(name, "", "", *BABY_SIZE, digest_bytes(data)))
    for i in range(1, couples + 1):
        name = f"weddings/demo/couple-{i:02d}.jpg"
        data = _draw_couple(rng)
        _write_if_changed(root / name, data)
        couple_photos.append(Photo(name, "", "", *COUPLE_SIZE, digest_bytes(data)))
    return baby_photos, couple_photos


def maybe_photo(rng: random.Random, photos: list[Photo], alt: str) -> dict[str, Any]:
    """An announcement's photo fields: a third of them have one, drawn from
    ``photos`` (sized, so saving it opens no file)."""
    if photos and rng.random() < 1 / 3:
        chosen = rng.choice(photos)
        return {
            "photo": chosen.name,
            "photo_width": chosen.width,
            "photo_height": chosen.height,
            "photo_digest": chosen.digest,
            "photo_alt": alt,
        }
    return {"photo": "", "photo_width": None, "photo_height": None, "photo_alt": ""}


def _write_if_changed(path: Path, data: bytes) -> None:
    try:
        if path.read_bytes() == data:
            return
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    # Via a temporary file, so the media server never sends half a JPEG.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".jpg")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def _mix(a: Colour, b: Colour, t: float) -> Colour:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _draw_scene(rng: random.Random, size: tuple[int, int] = SCENE_SIZE) -> tuple[bytes, str, str]:
    width, height = size
    sky, ground = rng.choice(SKIES), rng.choice(GROUNDS)
    feature_name, feature_caption, draw_feature = rng.choice(FEATURES)
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        draw.line([(0, y), (width, y)], fill=_mix(sky.top, sky.horizon, y / height))
    if sky.sun:
        x, y, r = rng.randint(80, width - 80), rng.randint(50, 170), rng.randint(24, 44)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=sky.sun)
    horizon = rng.randint(300, 360)
    for layer, color in enumerate(ground.layers):
        base = horizon + layer * 55
        phase, wave, period = rng.uniform(0, math.tau), rng.randint(12, 30), rng.uniform(90, 160)
        points = [(x, base - wave * math.sin(phase + x / period)) for x in range(0, width + 40, 40)]
        draw.polygon([(0, height), *points, (width, height)], fill=color)
    draw_feature(draw, rng, rng.randint(120, width - 220), horizon + 30)
    alt = f"Illustration: {feature_name} among {ground.description} under {sky.description}."
    caption = f"{feature_caption} outside Millbrook."
    return _jpeg(image), alt, caption


def _draw_barn(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int) -> None:
    draw.rectangle([x, y - 110, x + 150, y], fill=(150, 32, 28))
    draw.polygon([(x - 10, y - 110), (x + 75, y - 170), (x + 160, y - 110)], fill=(90, 70, 60))
    draw.rectangle([x + 50, y - 70, x + 100, y], fill=(235, 230, 220))


def _draw_storefronts(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int) -> None:
    for i in range(4):
        top = y - rng.randint(90, 140)
        color = rng.choice(((160, 90, 60), (120, 110, 100), (180, 150, 110), (110, 60, 50)))
        draw.rectangle([x + i * 48, top, x + i * 48 + 46, y], fill=color)
        for row in range(top + 12, y - 30, 28):
            draw.rectangle([x + i * 48 + 8, row, x + i * 48 + 38, row + 14], fill=(250, 230, 170))


def _draw_water_tower(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int) -> None:
    for leg in (20, 50, 80):
        draw.line([(x + leg, y), (x + 50, y - 150)], fill=(90, 90, 100), width=5)
    draw.ellipse([x, y - 230, x + 100, y - 140], fill=(200, 205, 215))


def _draw_elevator(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int) -> None:
    for i in range(3):
        draw.rectangle([x + i * 42, y - 200, x + i * 42 + 40, y], fill=(210, 205, 195))
    draw.rectangle([x + 126, y - 250, x + 160, y], fill=(180, 175, 165))


def _draw_trees(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int) -> None:
    for i in range(6):
        tx, r = x + i * 40 + rng.randint(-6, 6), rng.randint(22, 34)
        draw.rectangle([tx - 4, y - 40, tx + 4, y], fill=(80, 55, 35))
        draw.ellipse([tx - r, y - 40 - 2 * r, tx + r, y - 40], fill=(40, 95 + i * 8, 45))


def _draw_steeple(draw: ImageDraw.ImageDraw, rng: random.Random, x: int, y: int) -> None:
    draw.rectangle([x, y - 90, x + 140, y], fill=(240, 238, 232))
    draw.polygon([(x - 8, y - 90), (x + 70, y - 140), (x + 148, y - 90)], fill=(70, 70, 80))
    draw.rectangle([x + 50, y - 200, x + 90, y - 90], fill=(240, 238, 232))
    draw.polygon([(x + 46, y - 200), (x + 70, y - 270), (x + 94, y - 200)], fill=(70, 70, 80))


def _draw_portrait(rng: random.Random, size: tuple[int, int] = PORTRAIT_SIZE) -> bytes:
    width, height = size
    background = rng.choice(((200, 205, 215), (215, 205, 190), (190, 200, 190), (180, 185, 200)))
    clothes = rng.choice(((40, 50, 80), (70, 40, 45), (60, 60, 60), (30, 70, 60)))
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        draw.line([(0, y), (width, y)], fill=_mix(background, (250, 250, 250), y / height / 2))
    skin = rng.choice(((230, 200, 175), (205, 165, 135), (160, 115, 85), (240, 215, 195)))
    draw.ellipse([40, 330, 360, 620], fill=clothes)
    draw.rectangle([175, 280, 225, 350], fill=skin)
    draw.ellipse([120, 110, 280, 310], fill=skin)
    hair = rng.choice(((230, 230, 230), (190, 190, 195), (120, 100, 80), (60, 50, 45)))
    draw.chord([112, 96, 288, 250], 180, 360, fill=hair)
    return _jpeg(image)


def _draw_baby(rng: random.Random, size: tuple[int, int] = BABY_SIZE) -> bytes:
    """A swaddled newborn on a pastel blanket."""
    width, height = size
    blanket = rng.choice(((250, 215, 225), (205, 225, 245), (245, 240, 205), (215, 240, 220)))
    image = Image.new("RGB", size, blanket)
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 24):  # the blanket's stripes
        draw.line([(0, y), (width, y)], fill=_mix(blanket, (255, 255, 255), 0.5), width=8)
    wrap = rng.choice(((255, 255, 255), (235, 235, 240), (250, 245, 235)))
    draw.ellipse([110, 150, 290, 380], fill=wrap)
    skin = rng.choice(((240, 205, 185), (215, 170, 140), (170, 120, 90), (245, 220, 205)))
    draw.ellipse([140, 60, 260, 180], fill=skin)
    draw.chord([130, 50, 270, 170], 180, 360, fill=wrap)  # a knitted cap
    return _jpeg(image)


def _draw_couple(rng: random.Random, size: tuple[int, int] = COUPLE_SIZE) -> bytes:
    """Two people side by side against a garden or a church wall."""
    width, height = size
    background = rng.choice(((200, 220, 190), (235, 230, 220), (210, 215, 230)))
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        draw.line([(0, y), (width, y)], fill=_mix(background, (250, 250, 250), y / height / 2))
    for centre, clothes in ((210, rng.choice(((250, 250, 250), (240, 230, 220)))),
                            (390, rng.choice(((40, 45, 60), (70, 70, 75), (90, 80, 70))))):  # fmt: skip
        skin = rng.choice(((230, 200, 175), (205, 165, 135), (160, 115, 85), (240, 215, 195)))
        hair = rng.choice(((120, 100, 80), (60, 50, 45), (200, 170, 110), (30, 25, 25)))
        draw.ellipse([centre - 110, 250, centre + 110, 480], fill=clothes)
        draw.rectangle([centre - 20, 200, centre + 20, 260], fill=skin)
        draw.ellipse([centre - 60, 80, centre + 60, 220], fill=skin)
        draw.chord([centre - 66, 70, centre + 66, 190], 180, 360, fill=hair)
    return _jpeg(image)


FEATURES = [
    ("a red barn", "A red barn", _draw_barn),
    ("a row of brick storefronts", "Storefronts on a quiet street", _draw_storefronts),
    ("a water tower", "A water tower", _draw_water_tower),
    ("a grain elevator", "A grain elevator", _draw_elevator),
    ("a line of trees", "A windbreak", _draw_trees),
    ("a white church", "A country church", _draw_steeple),
]
