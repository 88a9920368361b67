"""Where the site lives in the bucket, and which objects there are its own.

A deploy deletes only what a deploy of this site uploaded (DESIGN.md,
invariant 9). The proof is the manifest's entry for the key, or, for an
object it does not list, the mark every upload leaves in the object's
metadata (``x-amz-meta-newsroom-site``: where in the bucket the site lives).
Objects found not ours are remembered in the manifest's ``foreign`` entries,
so they are not asked about again while unchanged. Whatever the proof says,
a deploy never deletes its own manifest or anything that looks like a
database backup, and it refuses an empty prefix -- the whole bucket -- unless
the site owns the bucket (PUBLISHER_S3_OWNS_BUCKET).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from publisher import s3
from publisher.deploy.errors import NotConfigured
from publisher.deploy.manifest import MANIFEST_NAME, Manifest

# Every upload carries x-amz-meta-newsroom-site: where in the bucket the site
# lives. It proves an object ours to delete when the manifest does not list it.
MARK = "newsroom-site"
# What database backups look like (publisher/backups/keys.py:
# <BACKUP_S3_PREFIX>/<db>/<yyyy>/<mm>/<timestamp>.sql.gz and its .manifest.json).
# A deploy never deletes them, whatever the settings in its environment say.
DEFAULT_BACKUP_PREFIX = "backups"
BACKUP_SUFFIXES = (".sql.gz", ".sqlite3.gz", ".manifest.json")


def backup_prefixes() -> tuple[str, ...]:
    """Where backups may be, in any bucket: the configured prefix and the default."""
    return tuple(sorted({settings.BACKUP_S3_PREFIX.strip("/"), DEFAULT_BACKUP_PREFIX} - {""}))


def prefix_problem(bucket: str, prefix: str, owns_bucket: bool) -> tuple[str, str] | None:
    """Why the site must not be synced to ``bucket`` under ``prefix``, and
    what to set instead; None when it may."""
    if not prefix and not owns_bucket:
        return (
            f"PUBLISHER_S3_PREFIX is empty, so the site would be synced with the whole "
            f"bucket {bucket}",
            "Set PUBLISHER_S3_PREFIX to the folder the site lives in (e.g. site), or, if "
            "nothing but this site uses the bucket, set PUBLISHER_S3_OWNS_BUCKET=true.",
        )
    for backups in backup_prefixes():
        if prefix == backups or prefix.startswith(backups + "/"):
            return (
                f"PUBLISHER_S3_PREFIX={prefix!r} is where database backups are kept ({backups}/)",
                "Set PUBLISHER_S3_PREFIX to another folder, e.g. site.",
            )
    return None


@dataclass(frozen=True)
class Target:
    bucket: str
    prefix: str
    gzip: bool
    distribution: str
    backup_prefixes: tuple[str, ...] = (DEFAULT_BACKUP_PREFIX,)

    @classmethod
    def from_settings(cls, gzip: bool | None = None) -> Target:
        bucket = settings.PUBLISHER_S3_BUCKET
        if not bucket:
            raise NotConfigured(
                "S3 is not configured: set PUBLISHER_S3_BUCKET (and PUBLISHER_S3_PREFIX) "
                "to the bucket the site is served from."
            )
        prefix = settings.PUBLISHER_S3_PREFIX.strip("/")
        problem = prefix_problem(bucket, prefix, settings.PUBLISHER_S3_OWNS_BUCKET)
        if problem:
            raise NotConfigured(f"{problem[0]}. {problem[1]} Nothing was uploaded or deleted.")
        return cls(
            bucket=bucket,
            prefix=prefix,
            gzip=settings.PUBLISHER_S3_GZIP if gzip is None else gzip,
            distribution=settings.PUBLISHER_CLOUDFRONT_DISTRIBUTION_ID,
            backup_prefixes=backup_prefixes(),
        )

    @property
    def folder(self) -> str:
        """What to list: ``site/`` (``site`` would match ``site-old/`` too)."""
        return s3.list_prefix(self.prefix)

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.folder}"

    @property
    def manifest_key(self) -> str:
        return s3.join_key(self.prefix, MANIFEST_NAME)

    def key(self, relative: str) -> str:
        return s3.join_key(self.prefix, relative)

    def relative(self, key: str) -> str:
        return key[len(self.folder) :]

    @property
    def mark(self) -> str:
        """The mark's value: where in the bucket this site lives (``site/``, or
        ``/`` for the whole bucket), so a site at the bucket's root never takes
        another newsroom's objects under ``other/`` for its own."""
        return self.folder or "/"

    def protected(self, key: str) -> bool:
        """Keys a deploy never deletes, even under its prefix and marked as
        ours: its manifest, and anything that looks like a database backup."""
        if key == self.manifest_key or key.endswith(BACKUP_SUFFIXES):
            return True
        return any(key.startswith(backups + "/") for backups in self.backup_prefixes)

    def marked_ours(self, head: dict[str, Any] | None) -> bool:
        """Whether a HEAD answer shows the mark a deploy of this site leaves."""
        return (head or {}).get("Metadata", {}).get(MARK) == self.mark


def sort_out(
    client: Any,
    target: Target,
    keys: list[str],
    manifest: Manifest,
    pool: ThreadPoolExecutor,
    remote: dict[str, s3.Listed] | None = None,
) -> tuple[list[str], dict[str, s3.Listed]]:
    """Split ``keys`` (objects gone from the site) into those a deploy of this
    site uploaded -- its to delete -- and the others, with their ETag and size.

    The manifest answers for nearly all: an entry counts while the listing
    (``remote``; publishing has none) shows the object as we left it, and an
    object found foreign once is not asked about again while unchanged. Only
    the rest cost a HEAD each, for the mark in their metadata.
    """
    ours: list[str] = []
    foreign: dict[str, s3.Listed] = {}
    unknown: list[str] = []
    for key in keys:
        listed = remote.get(key) if remote is not None else None
        entry = manifest.objects.get(key)
        known = manifest.foreign.get(key)
        if entry is not None and (remote is None or entry.vouches_for(listed)):
            ours.append(key)
        elif known is not None and (remote is None or known == listed):
            foreign[key] = known
        else:
            unknown.append(key)
    heads = pool.map(lambda key: s3.head_object(client, target.bucket, key), unknown)
    for key, head in zip(unknown, heads, strict=True):
        if head is None:
            continue  # not there (any more)
        if target.marked_ours(head):
            ours.append(key)
        else:
            foreign[key] = s3.Listed(head["ETag"].strip('"'), head["ContentLength"])
    return sorted(ours), foreign
