"""``manage.py renditions``: make the renditions of the photos already stored.

For a site that had photos before renditions existed, and after a change of
recipe: every photo gets its metadata stripped and its digest (once), then
its renditions (once). Stop it at any time (Ctrl-C); run it again and it
goes on where it stopped: a photo whose renditions exist costs a stat.
Then ``manage.py build`` puts the pages on them.

``--prune`` removes what no photo needs any more: renditions of an earlier
recipe, and those of photos no row names (a replaced or deleted upload).
It waits for publishes and refuses to run during a build; a live release
keeps its own links to the files it serves.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from publisher import renditions
from publisher.build import default_jobs
from publisher.locks import BuildLocked, build_lock, publish_lock
from publisher.media import file_fields
from publisher.pages.registry import registry


@dataclass
class Counts:
    photos: int = 0
    digested: int = 0  # rows given a digest (stripped in place)
    encodes: int = 0
    failed: dict[str, str] = field(default_factory=dict)


def _photo_fields() -> list[tuple[Any, Any]]:
    """(model, field) for every upload field that keeps a digest."""
    out = []
    for kind in registry().item_kinds:
        for name in file_fields(kind.model):
            upload = kind.model._meta.get_field(name)
            if getattr(upload, "digest_field", ""):
                out.append((kind.model, upload))
    return out


def digest_missing(dry_run: bool = False) -> int:
    """Give every stored photo without a digest one (its file stripped of
    metadata in place, its size measured again); returns how many."""
    from PIL import Image

    count = 0
    for model, upload in _photo_fields():
        rows = (
            model._base_manager.exclude(**{upload.name: ""})
            .filter(**{upload.digest_field: ""})
            .values_list("pk", upload.name)
        )
        for pk, name in rows.iterator():
            count += 1
            if dry_run:
                continue
            path = renditions.store() / name
            try:
                digest, _ = renditions.clean_in_place(path)
                with Image.open(path) as image:
                    width, height = image.size
            except OSError:
                continue  # a lost file: the page shows it as before
            model._base_manager.filter(pk=pk).update(
                **{
                    upload.digest_field: digest,
                    upload.width_field: width,
                    upload.height_field: height,
                }
            )
    return count


def stored_photos() -> list[renditions.Photo]:
    photos = set()
    for model, upload in _photo_fields():
        rows = (
            model._base_manager.exclude(**{upload.name: ""})
            .exclude(**{upload.digest_field: ""})
            .values_list(upload.name, upload.digest_field, upload.width_field, upload.height_field)
        )
        photos.update(renditions.Photo(*row) for row in rows if row[2] and row[3])
    return sorted(photos)


def stored_digests() -> set[str]:
    """The digest of every photo a row names, live or not."""
    digests: set[str] = set()
    for model, upload in _photo_fields():
        rows = model._base_manager.exclude(**{upload.digest_field: ""})
        digests.update(rows.values_list(upload.digest_field, flat=True))
    return digests


def make_renditions(
    processes: int = 1, progress: Any = None, dry_run: bool = False, on_total: Any = None
) -> Counts:
    counts = Counts(digested=digest_missing(dry_run))
    photos = stored_photos()
    counts.photos = len(photos)
    todo = [p for p in photos if not renditions.ready(p.digest)]
    if on_total is not None:
        on_total(len(todo))
    if dry_run:
        return counts
    ensured = renditions.ensure(todo, processes=processes, progress=progress)
    counts.encodes, counts.failed = ensured.encodes, ensured.failed
    return counts


class Command(BaseCommand):
    help = "Make the renditions of every stored photo that has none yet (resumable)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--jobs", type=int, default=None, help="processes (default: cores)")
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--prune",
            action="store_true",
            help="remove renditions of an earlier recipe or of photos no item has any more",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["prune"]:
            self._prune(options)
            return
        bar = None
        if not options["no_progress"] and options["verbosity"] >= 1 and sys.stderr.isatty():
            bar = tqdm(total=None, unit="photo", desc="renditions", file=sys.stderr, leave=False)
        try:
            counts = make_renditions(
                processes=options["jobs"] or default_jobs(),
                progress=bar.update if bar is not None else None,
                on_total=(lambda total: setattr(bar, "total", total)) if bar else None,
                dry_run=options["dry_run"],
            )
        except KeyboardInterrupt:
            raise CommandError(
                "renditions: stopped; the photos done are kept, run it again to go on"
            ) from None
        finally:
            if bar is not None:
                bar.close()
        for name, problem in sorted(counts.failed.items()):
            self.stderr.write(f"renditions: photo {name} could not be resized ({problem})")
        if options["verbosity"] >= 1:
            verb = "would give" if options["dry_run"] else "gave"
            self.stdout.write(
                f"renditions: {counts.photos:,} photos, {verb} {counts.digested:,} a digest, "
                f"{counts.encodes:,} files made, {len(counts.failed):,} failed"
                + ("" if options["dry_run"] else "; run manage.py build to show them")
            )

    def _prune(self, options: dict[str, Any]) -> None:
        build_dir = settings.PUBLISHER_BUILD_DIR
        try:
            with build_lock(build_dir), publish_lock(build_dir):
                keep = stored_digests()
                pruned = renditions.prune(keep, dry_run=options["dry_run"])
        except BuildLocked as exc:
            raise CommandError(f"renditions: nothing removed: {exc}; run it again after") from None
        if options["verbosity"] >= 1:
            verb = "would remove" if options["dry_run"] else "removed"
            self.stdout.write(
                f"renditions: {verb} {pruned.files:,} files ({pruned.bytes / 1e6:,.1f} MB) "
                f"of an earlier recipe or of photos no item has; kept those of "
                f"{len(keep):,} photos"
            )
