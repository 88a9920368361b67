"""Which backups there are, which count, and which retention deletes
(``select_to_keep`` is the rule, a pure function of dates)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import BotoCoreError, ClientError

from publisher.backups.config import BackupSettings
from publisher.backups.errors import BackupError, BackupRefused
from publisher.backups.keys import MANIFEST_SUFFIX, backup_prefix, key_time, manifest_key
from publisher.backups.manifest import Manifest, read_manifest
from publisher.s3 import Listed, delete_objects, list_objects, make_client

# A dump without a manifest younger than this may belong to a run still
# writing its manifest; older ones are leftovers of failed runs.
ORPHAN_GRACE = timedelta(days=1)


def select_to_keep(
    times: Iterable[datetime], daily: int, weekly: int, monthly: int
) -> set[datetime]:
    """The backups to keep: the newest one of each of the ``daily`` most recent
    days that have a backup, of the ``weekly`` most recent ISO weeks and of the
    ``monthly`` most recent months (the rules overlap, as in borg and restic).
    The newest backup is always kept. Days, weeks and months are those of the
    datetimes given: pass local times to count the newsroom's days."""
    ordered = sorted(set(times), reverse=True)
    keep = set(ordered[:1])
    rules: list[tuple[int, Callable[[datetime], object]]] = [
        (daily, lambda t: t.date()),
        (weekly, lambda t: t.isocalendar()[:2]),
        (monthly, lambda t: (t.year, t.month)),
    ]
    for count, period in rules:
        seen: set[object] = set()
        for when in ordered:
            if len(seen) >= count:
                break
            if period(when) not in seen:
                seen.add(period(when))
                keep.add(when)
    return keep


@dataclass
class StoredBackup:
    key: str
    created: datetime  # UTC
    bytes: int
    verified: bool
    manifest: Manifest | None = None
    problem: str = ""  # why it does not count, when it does not


def _list_objects(s3: Any, bucket: str, prefix: str) -> dict[str, Listed]:
    try:
        return list_objects(s3, bucket, prefix)
    except (BotoCoreError, ClientError) as exc:
        raise BackupError(f"cannot list s3://{bucket}/{prefix}: {exc}") from exc


def list_backups(
    settings: BackupSettings, label: str | None = None, *, s3: Any = None
) -> list[StoredBackup]:
    """Every backup under the prefix (of one database, or all), oldest first.

    A backup is verified when its manifest is there, readable and describes
    this very object (same key, same size); ``restore`` checks the rest."""
    s3 = s3 or make_client()
    prefix = backup_prefix(settings.prefix, label) if label else f"{settings.prefix}/".lstrip("/")
    objects = _list_objects(s3, settings.bucket, prefix)
    backups = []
    for key, listed in objects.items():
        created = key_time(key)
        if created is None:
            continue
        size = listed.size
        backup = StoredBackup(key=key, created=created, bytes=size, verified=False)
        if manifest_key(key) not in objects:
            backup.problem = "no manifest: the backup never finished its checks"
        else:
            try:
                backup.manifest = read_manifest(s3, settings.bucket, key)
            except BackupRefused as exc:
                backup.problem = str(exc)
            else:
                if backup.manifest.bytes != size:
                    backup.problem = (
                        f"S3 holds {size:,} bytes, its manifest says {backup.manifest.bytes:,}"
                    )
                else:
                    backup.verified = True
        backups.append(backup)
    return sorted(backups, key=lambda b: b.created)


def _orphan_manifests(objects: dict[str, Listed]) -> list[str]:
    return [
        key
        for key in objects
        if key.endswith(MANIFEST_SUFFIX) and key.removesuffix(MANIFEST_SUFFIX) not in objects
    ]


@dataclass
class PrunePlan:
    keep: list[StoredBackup]
    delete: list[StoredBackup]


def plan_prune(backups: list[StoredBackup], settings: BackupSettings, now: datetime) -> PrunePlan:
    """Which backups retention keeps and which go (with unverified leftovers of
    failed runs once they are older than ORPHAN_GRACE)."""
    zone = ZoneInfo(settings.time_zone)
    verified = {b.created.astimezone(zone): b for b in backups if b.verified}
    kept = select_to_keep(
        verified, settings.keep_daily, settings.keep_weekly, settings.keep_monthly
    )
    keep = [verified[when] for when in sorted(kept)]
    delete = [b for when, b in sorted(verified.items()) if when not in kept]
    delete += [b for b in backups if not b.verified and now - b.created > ORPHAN_GRACE]
    return PrunePlan(keep=keep, delete=sorted(delete, key=lambda b: b.created))


def prune(
    settings: BackupSettings,
    label: str,
    *,
    s3: Any = None,
    now: datetime | None = None,
    dry_run: bool = False,
    extra: StoredBackup | None = None,
) -> PrunePlan:
    """Apply retention to one database's backups. ``extra`` is a backup about
    to exist (for a dry run, which deletes nothing)."""
    s3 = s3 or make_client()
    now = now or datetime.now(UTC)
    backups = list_backups(settings, label, s3=s3)
    if extra is not None:
        backups.append(extra)
    plan = plan_prune(backups, settings, now)
    if dry_run or not plan.delete:
        return plan
    objects = _list_objects(s3, settings.bucket, backup_prefix(settings.prefix, label))
    orphans = [
        key
        for key in _orphan_manifests(objects)
        if (when := key_time(key.removesuffix(MANIFEST_SUFFIX))) and now - when > ORPHAN_GRACE
    ]
    try:
        # Manifests first: a backup stops counting before its dump goes.
        delete_objects(
            s3,
            settings.bucket,
            [manifest_key(b.key) for b in plan.delete if manifest_key(b.key) in objects] + orphans,
        )
        delete_objects(s3, settings.bucket, [b.key for b in plan.delete])
    except (BotoCoreError, ClientError, RuntimeError) as exc:  # RuntimeError: a key S3 refused
        raise BackupError(f"pruning old backups failed: {exc}") from exc
    return plan
