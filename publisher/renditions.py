"""Renditions: the sizes of a photo that readers download, made once.

A live photo is served as a few widths (``WIDTHS``, never wider than the
photo) in WebP and in JPEG for browsers without WebP, plus a 1200-pixel
JPEG for social cards (``card``). Each is turned upright by its EXIF
orientation, converted to sRGB and saved with no metadata at all. The
original upload is never served.

A rendition's name carries the digest of its photo's bytes (kept on the
item's row: ``photo_digest``) and of the recipe below, so a photo is resized
once: not again by a build, a publish or another release, and a change of
recipe is new names. Renditions are kept in ``MEDIA_ROOT/renditions/``,
which nothing serves; a release links the ones its live items use, as
``publisher.media`` links uploads (so a draft's photo is never public).

A photo's card is written last: when it exists, every rendition of that
photo does (``ready``), so a page names only renditions that are on disk.
A photo that cannot be made leaves a ``.failed`` file saying why: no build
opens it again, and its item's page shows its text without a photo.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings

DIR = "renditions"
WIDTHS = (320, 640, 960, 1280, 1920)
CARD_WIDTH = 1200
# (extension, Pillow format, save options), best first: a <picture> offers
# them in this order, the last is the <img> fallback.
FORMATS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    # method 2: a third of method 4's time for 1-2% more bytes (bench/photos.py).
    ("webp", "WEBP", {"quality": 80, "method": 2}),
    ("jpg", "JPEG", {"quality": 82, "progressive": True, "optimize": True}),
)
CARD_OPTIONS = {"quality": 85, "progressive": True, "optimize": True}
# The most pixels a photo is decoded at (``made_width``): 8 MP, 24 MB of RGB.
MAX_PIXELS = 8_000_000
RECIPE = repr(
    (WIDTHS, CARD_WIDTH, FORMATS, CARD_OPTIONS, MAX_PIXELS, "srgb, lanczos, upright, own width, v3")
)
RECIPE_ID = hashlib.sha256(RECIPE.encode()).hexdigest()[:8]
NAME = re.compile(rf"^{DIR}/[0-9a-f]{{2}}/(?P<digest>[0-9a-f]{{16,64}})-[0-9a-f]{{8}}-")


# A photo's digest: the first 128 bits of SHA-256 of the stored file, in hex.
DIGEST_CHARS = 32


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:DIGEST_CHARS]


def clean_in_place(path: Path) -> tuple[str, bool]:
    """Strip the metadata of a photo already stored at ``path``, in place,
    atomically; returns the digest of its bytes and whether they changed. A
    file that will not decode is left as it is (its renditions say so)."""
    from publisher import images
    from publisher.files import write_atomic

    data = path.read_bytes()
    clean = None
    with contextlib.suppress(images.BadPhoto):
        clean = images.strip(data)
    if clean is not None:
        write_atomic(path, clean)
        data = clean
    return digest_bytes(data), clean is not None


class Photo(NamedTuple):
    """A photo a live item uses: its upload's name (under MEDIA_ROOT), the
    digest of its bytes and its size, all read from the item's row."""

    name: str
    digest: str
    width: int
    height: int


def made_width(width: int, height: int) -> int:
    """The width a photo is made from: its own, or, for a photo of more than
    ``MAX_PIXELS``, that of its half (quarter, ...) that fits, the size a
    JPEG decodes at in draft mode. A 12 MP camera photo taken upright is
    read as 1500 x 2000 instead of 3000 x 4000: a quarter of the memory."""
    factor = 1
    while -(-width // factor) * -(-height // factor) > MAX_PIXELS:
        factor *= 2
    return -(-width // factor)


def widths(width: int, height: int) -> list[int]:
    """The widths made of a photo ``width`` x ``height`` pixels: never
    upscaled from what it is made from (``made_width``); a photo narrower
    than the widest is made at its own width too (a 480 px photo as 320 and
    480, not only 320 stretched on a desktop)."""
    largest = made_width(width, height)
    made = [w for w in WIDTHS if w <= largest]
    if largest < WIDTHS[-1] and largest not in made:
        made.append(largest)
    return made


def card_width(width: int, height: int) -> int:
    return min(CARD_WIDTH, made_width(width, height))


def height_at(w: int, width: int, height: int) -> int:
    return max(1, round(height * w / width))


def _stem(digest: str) -> str:
    return f"{DIR}/{digest[:2]}/{digest}-{RECIPE_ID}"


def name(digest: str, w: int, ext: str) -> str:
    """A rendition's name under MEDIA_ROOT (and under ``media/`` in a release)."""
    return f"{_stem(digest)}-{w}.{ext}"


def card_name(digest: str) -> str:
    return f"{_stem(digest)}-card.jpg"


def names(digest: str, width: int, height: int) -> list[str]:
    """Every rendition of a photo, its card last."""
    made = [name(digest, w, ext) for w in widths(width, height) for ext, _, _ in FORMATS]
    return [*made, card_name(digest)]


def digest_of(rendition: str) -> str | None:
    """The photo digest in a rendition's name (None: not a rendition)."""
    found = NAME.match(rendition)
    return found["digest"] if found else None


def store() -> Path:
    return Path(settings.MEDIA_ROOT)


# During a build's render: the photos ``ensure`` found or made ready, so a
# page asks the disk nothing (renditions are never removed while a build runs).
_known_ready: frozenset[str] = frozenset()


@contextlib.contextmanager
def known_ready(digests: Iterable[str]) -> Iterator[None]:
    global _known_ready
    previous, _known_ready = _known_ready, frozenset(digests)
    try:
        yield
    finally:
        _known_ready = previous


def ready(digest: str) -> bool:
    """Every rendition of the photo is on disk (its card, written last, is)."""
    return bool(digest) and (digest in _known_ready or (store() / card_name(digest)).exists())


def failure(digest: str) -> str | None:
    """Why the photo's renditions could not be made, if they could not."""
    try:
        return (store() / f"{_stem(digest)}.failed").read_text()
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class Sources:
    """What a page writes for a photo: a srcset per format, the fallback
    <img> and the social card."""

    srcsets: list[tuple[str, str]]  # (MIME type, srcset)
    src: str
    width: int
    height: int
    card: str
    card_width: int
    card_height: int


MIME = {"webp": "image/webp", "jpg": "image/jpeg", "avif": "image/avif"}


def sources(digest: str, width: int, height: int) -> Sources:
    url = settings.MEDIA_URL
    made = widths(width, height)
    srcsets = [
        (MIME[ext], ", ".join(f"{url}{name(digest, w, ext)} {w}w" for w in made))
        for ext, _, _ in FORMATS
    ]
    fallback = max(w for w in made if w <= 960) if made[0] <= 960 else made[0]
    cw = card_width(width, height)
    return Sources(
        srcsets=srcsets,
        src=f"{url}{name(digest, fallback, FORMATS[-1][0])}",
        width=width,
        height=height,
        card=f"{url}{card_name(digest)}",
        card_width=cw,
        card_height=height_at(cw, width, height),
    )


def shown(digest: str, width: int | None, height: int | None) -> Sources | None:
    """A photo's renditions as a page names them, or None when they are not
    all on disk (a page never names a file that is not there)."""
    if not (digest and width and height) or not ready(digest):
        return None
    return sources(digest, width, height)


# -- Making them ---------------------------------------------------------------------


class Made(NamedTuple):
    name: str  # the upload
    encodes: int  # files written (0: they were there)
    problem: str | None  # why none could be made


def make(source: Path, digest: str) -> int:
    """Write every rendition of the photo at ``source``; returns how many
    files were encoded. Raises for a file that will not decode."""
    from PIL import Image, ImageOps

    root = store()
    with Image.open(source) as image:
        image.seek(0)  # an animation: its first frame
        full_width, full_height = image.size
        if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):
            full_width, full_height = full_height, full_width
        made = widths(full_width, full_height)
        cw = card_width(full_width, full_height)
        largest = max(made[-1], cw)
        # The size it must be read at at least, in whole pixels (rounded up).
        needed = (
            -(-image.size[0] * largest // full_width),
            -(-image.size[1] * largest // full_width),
        )
        # JPEG decodes at 1/2, 1/4 or 1/8 of its size when that is still as
        # large as needed: a 12 MP photo is read as 3 MP, in a quarter of the
        # memory and time.
        if image.format == "JPEG":
            image.draft("RGB" if image.mode != "CMYK" else None, needed)
        image.load()
        # Any other format is read whole, then halved while that is still
        # as large as needed (a box filter: cheap, and the rest works on less).
        factor = 1
        while image.size[0] // (factor * 2) >= needed[0] and factor < 8:
            factor *= 2
        picture = _srgb(ImageOps.exif_transpose(image.reduce(factor) if factor > 1 else image))
    del image  # the pixels as decoded: ``picture`` is what is resized
    current, card_source, encodes = picture, picture, 0
    del picture
    # Each width from the one above it (a step of at most 2x keeps Lanczos
    # sharp and costs a fraction of resizing the whole photo), and its files
    # encoded one after the other: an encoder on a second thread saved a few
    # percent of the time for a tenth more memory (bench/photos.py).
    for w in sorted(made, reverse=True):
        target = (w, height_at(w, full_width, full_height))
        if current.size != target:
            current = current.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        if w >= cw:
            card_source = current
        for ext, fmt, options in FORMATS:
            out = _flatten(current) if fmt == "JPEG" and current.mode != "RGB" else current
            _save(out, fmt, options, root / name(digest, w, ext))
            encodes += 1
    card = card_source.resize(
        (cw, height_at(cw, full_width, full_height)), Image.Resampling.LANCZOS, reducing_gap=3.0
    )
    if card.mode != "RGB":
        card = _flatten(card)
    # Last, once every other file is there: the card says "all made" (ready).
    _save(card, "JPEG", CARD_OPTIONS, root / card_name(digest))
    return encodes + 1


def _save(image: Any, fmt: str, options: dict[str, Any], path: Path) -> None:
    _write(path, _encode(image, fmt, options))


def _srgb(image: Any) -> Any:
    """Pixels in sRGB, 8 bits a channel, RGB or RGBA (alpha kept for WebP)."""
    from PIL import Image, ImageCms

    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("LA", "PA", "La"):
        image = image.convert("RGBA")
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "CMYK", "L") and not _is_srgb(icc):
        # A broken profile: the pixels as they are.
        with contextlib.suppress(ImageCms.PyCMSError, OSError, ValueError):
            image = ImageCms.profileToProfile(
                image, ImageCms.ImageCmsProfile(io.BytesIO(icc)), _SRGB(), outputMode="RGB"
            )
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGB")
    image.info = {}
    assert isinstance(image, Image.Image)
    return image


def _is_srgb(icc: bytes) -> bool:
    """The profile is sRGB already (no conversion needed): its description says so."""
    from PIL import ImageCms

    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return "srgb" in ImageCms.getProfileDescription(profile).lower()
    except (ImageCms.PyCMSError, OSError, ValueError):
        return False


def _SRGB() -> Any:  # noqa: N802 - a constant made on first use
    from PIL import ImageCms

    return ImageCms.createProfile("sRGB")


def _flatten(image: Any) -> Any:
    from PIL import Image

    back = Image.new("RGB", image.size, (255, 255, 255))
    back.paste(image, mask=image.getchannel("A") if image.mode == "RGBA" else None)
    return back


def _encode(image: Any, fmt: str, options: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def make_once(photo: Photo) -> Made:
    """``photo``'s renditions, made unless they are there (or failed
    before); a photo that cannot be made is recorded, never raised."""
    if ready(photo.digest):
        return Made(photo.name, 0, None)
    problem = failure(photo.digest)
    if problem is not None:
        return Made(photo.name, 0, problem)
    try:
        return Made(photo.name, make(store() / photo.name, photo.digest), None)
    except FileNotFoundError:
        # Not recorded: the upload may come back (a restore of MEDIA_ROOT).
        return Made(photo.name, 0, "the photo's file is missing from MEDIA_ROOT")
    except Exception as exc:  # Pillow raises many kinds for a bad file
        problem = f"{type(exc).__name__}: {exc}"
        _write(store() / f"{_stem(photo.digest)}.failed", problem.encode())
        return Made(photo.name, 0, problem)


@dataclass
class Ensured:
    encodes: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # upload name -> why
    ready: set[str] = field(default_factory=set)  # digests whose renditions are all there


def ensure(
    photos: Iterable[Photo],
    processes: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Ensured:
    """Make the renditions of ``photos`` that are not on disk yet, on
    ``processes`` processes; a photo whose renditions exist costs a stat."""
    photos = {p for p in photos if p.digest}
    todo: Sequence[Photo] = sorted((p for p in photos if not ready(p.digest)), key=lambda p: p.name)
    result = Ensured(ready={p.digest for p in photos} - {p.digest for p in todo})
    if not todo:
        return result
    digests = {p.name: p.digest for p in todo}
    if processes > 1 and len(todo) > 1:
        from publisher.forked import share_out

        made: Iterable[Made] = share_out(todo, make_once, min(processes, len(todo)))
    else:
        made = map(make_once, todo)
    for one in made:
        result.encodes += one.encodes
        if one.problem is not None:
            result.failed[one.name] = one.problem
        else:
            result.ready.add(digests[one.name])
        if progress is not None:
            progress(1)
    _give_back_freed_memory()
    return result


def _give_back_freed_memory() -> None:
    """Hand the heap that resizing freed back to the system (glibc keeps it
    otherwise), so the render workers a build forks next do not each start
    with it: 243 MB of summed RSS for the first build with 200 camera photos
    before, against 187 MB for the build without them."""
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


# A file of the store: renditions/<2 hex>/<digest>-<recipe id>-<what>.
STORED = re.compile(r"^(?P<digest>[0-9a-f]{16,64})-(?P<recipe>[0-9a-f]{8})[-.]")


@dataclass
class Pruned:
    files: int = 0
    bytes: int = 0


def prune(keep: Iterable[str], dry_run: bool = False) -> Pruned:
    """Remove from the store what no photo needs any more: files of another
    recipe, and files of photos whose digest is not in ``keep`` (every photo
    a row still names, live or not). Releases hold hard links of their own,
    so a live site keeps serving what it names; the caller holds the build
    and publish locks, so no render is counting on a file removed here.
    Files the store does not recognise are left alone."""
    keep = set(keep)
    pruned = Pruned()
    root = store() / DIR
    if not root.is_dir():
        return pruned
    for folder in sorted(root.iterdir()):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            found = STORED.match(path.name)
            if found is None or not path.is_file():
                continue
            if found["recipe"] == RECIPE_ID and found["digest"] in keep:
                continue
            pruned.files += 1
            pruned.bytes += path.stat().st_size
            if not dry_run:
                path.unlink(missing_ok=True)
        if not dry_run and not any(folder.iterdir()):
            folder.rmdir()
    return pruned
