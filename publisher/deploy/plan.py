"""What a deploy will do: compare the local objects with the bucket (or,
publishing on save, with the manifest alone) -- what to upload, what is
already in place, what is gone and ours to delete -- and what it reports.

A plain ``deploy`` with a complete manifest (``manifest``) compares with it
alone, as publishing does: an unchanged site costs one GET. Otherwise, and
with ``--list`` or ``--verify``, it costs one GET and one LIST per 1,000
objects: an object counts as in place when the manifest's entry for it
matches the listing's ETag and size, whatever the upload (multipart or not)
was; only objects the manifest cannot vouch for cost a HEAD, which reads the
fingerprint and the mark from their metadata.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from publisher import s3
from publisher.deploy.errors import TooManyDeletes
from publisher.deploy.local import LocalObject, in_upload_order
from publisher.deploy.manifest import Entry, Manifest
from publisher.deploy.ownership import Target, sort_out
from publisher.headers import SEARCH_DATA


@dataclass
class Plan:
    uploads: list[LocalObject]
    deletes: list[str]  # gone from the site, and proven ours
    unchanged: int
    entries: dict[str, Entry]  # manifest entries of objects already in place
    foreign: dict[str, s3.Listed]  # gone from the site, or never in it, and not ours
    manifest: Manifest  # as read


@dataclass
class DeployResult:
    location: str
    uploaded: list[str] = field(default_factory=list)  # keys, in upload order
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0
    bytes: int = 0
    seconds: float = 0.0
    requests: int = 0
    hashed: int = 0  # local files read to hash them (the others' hashes were recorded)
    listed: bool = False  # the bucket was listed (else the manifest was trusted)
    dry_run: bool = False
    invalidation: str | None = None
    refused_deletes: bool = False  # dry run: the deletes would be refused
    left_alone: list[str] = field(default_factory=list)  # under the prefix, not ours


def plan_sync(
    client: Any,
    target: Target,
    local: list[LocalObject],
    remote: dict[str, s3.Listed],
    manifest: Manifest,
    pool: ThreadPoolExecutor,
) -> Plan:
    """Compare with the whole listing: what to upload, what to delete, what
    is already in place."""
    entries: dict[str, Entry] = {}
    uploads: list[LocalObject] = []
    unverified: list[LocalObject] = []
    for obj in local:
        listed = remote.get(obj.key)
        entry = manifest.objects.get(obj.key)
        if listed is None:
            uploads.append(obj)
        elif entry is not None and entry.vouches_for(listed):
            if entry.fingerprint == obj.fingerprint:
                entries[obj.key] = entry
            else:
                uploads.append(obj)
        else:
            unverified.append(obj)

    heads = pool.map(lambda obj: s3.head_object(client, target.bucket, obj.key), unverified)
    for obj, head in zip(unverified, heads, strict=True):
        metadata = (head or {}).get("Metadata", {})
        if metadata.get("fingerprint") == obj.fingerprint and target.marked_ours(head):
            listed = remote[obj.key]
            entries[obj.key] = Entry(obj.fingerprint, listed.etag, listed.size)
        else:  # changed, or someone else's: ours from now on, and marked
            uploads.append(obj)
    local_keys = {obj.key for obj in local}
    gone = [key for key in remote if key not in local_keys and not target.protected(key)]
    deletes, foreign = sort_out(client, target, gone, manifest, pool, remote)
    return Plan(in_upload_order(uploads), deletes, len(entries), entries, foreign, manifest)


def plan_changes(
    client: Any,
    target: Target,
    local: list[LocalObject],
    gone: set[str],
    manifest: Manifest,
    pool: ThreadPoolExecutor,
) -> Plan:
    """Compare with the manifest only (no listing): upload what it does not
    list as it is now, delete what of ``gone`` (paths under the document
    root) is ours."""
    uploads, entries = [], {}
    for obj in local:
        entry = manifest.objects.get(obj.key)
        if entry is not None and entry.fingerprint == obj.fingerprint:
            entries[obj.key] = entry
        else:
            uploads.append(obj)
    local_keys = {obj.key for obj in local}
    removed_keys = sorted(
        key for key in map(target.key, gone) if key not in local_keys and not target.protected(key)
    )
    deletes, foreign = sort_out(client, target, removed_keys, manifest, pool)
    return Plan(in_upload_order(uploads), deletes, len(entries), entries, foreign, manifest)


def plan_trusted(
    client: Any,
    target: Target,
    local: list[LocalObject],
    manifest: Manifest,
    pool: ThreadPoolExecutor,
) -> Plan:
    """Compare with a complete manifest alone (no listing): upload what it
    does not list as it is now, delete what it lists that the site no longer
    has (the manifest is the proof those are ours)."""
    local_keys = {obj.key for obj in local}
    gone = {target.relative(key) for key in manifest.objects if key not in local_keys}
    plan = plan_changes(client, target, local, gone, manifest, pool)
    # Unlisted, the manifest cannot tell whether another application replaced
    # an object since: each one about to be deleted (a handful: what a
    # takedown or a build removed) is asked about first.
    heads = pool.map(lambda key: s3.head_object(client, target.bucket, key), plan.deletes)
    deletes = []
    for key, head in zip(plan.deletes, heads, strict=True):
        if head is None:
            deletes.append(key)  # gone already: deleting it again costs nothing
            continue
        listed = s3.Listed(head["ETag"].strip('"'), head["ContentLength"])
        if manifest.objects[key].vouches_for(listed) or target.marked_ours(head):
            deletes.append(key)
        else:
            plan.foreign[key] = listed
    plan.deletes = deletes
    return plan


def check_deletes(plan: Plan, max_deletes: int, force: bool, dry_run: bool) -> bool:
    """Whether the plan deletes more than ``max_deletes``: raises
    TooManyDeletes, or, for a dry run, says so.

    Search data files are named by their content and replaced by a re-index
    of their shard, a few dozen at a time: deleting the old ones is routine,
    so they do not count (a lost one is rebuilt by the next build; pages and
    photos are what the limit protects)."""
    counted = [key for key in plan.deletes if not re.search(SEARCH_DATA, "/" + key)]
    if len(counted) <= max_deletes or force:
        return False
    if dry_run:
        return True
    raise TooManyDeletes(
        f"refusing to delete {len(counted):,} objects (more than {max_deletes:,}); "
        "nothing was uploaded or deleted. Check the plan with --dry-run, then use "
        "--force or a larger --max-deletes."
    )
