"""The deploy manifest: what the last deploy left in the bucket, and knew.

ListObjectsV2 gives each key's ETag and size, not its metadata, and the ETag
of a multipart upload is not a hash of its bytes. So each deploy keeps, under
its prefix, key -> (fingerprint, ETag, size) for everything it uploaded or
checked. An entry counts only while the listing shows the same ETag and size:
an object changed behind our back is checked again (HEAD) rather than trusted.
The manifest is also the proof that an object is ours to delete; for one not
in it, the proof is the mark our uploads leave in its metadata.

A manifest is ``complete`` once a deploy that listed the whole prefix wrote
it (and stays so while every later deploy keeps it up to date): then it
knows every object a deploy of this site left there, and a plain ``deploy``
trusts it instead of listing the bucket. One written by publishing alone, an
older one, or none at all is not, and the next ``deploy`` lists.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from publisher.s3 import Listed, gzip_bytes, is_not_found

MANIFEST_NAME = ".deploy-manifest.json.gz"


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    etag: str
    size: int

    def vouches_for(self, listed: Listed | None) -> bool:
        return listed is not None and listed.etag == self.etag and listed.size == self.size


@dataclass
class Manifest:
    """What the last deploy knew: the objects it uploaded or checked (ours),
    and the objects under the prefix it found were not ours (``foreign``,
    with the ETag and size they had), so neither is asked about again while
    the listing shows them unchanged."""

    objects: dict[str, Entry] = field(default_factory=dict)
    foreign: dict[str, Listed] = field(default_factory=dict)
    complete: bool = False  # written by deploys that knew the whole prefix

    def copy(self) -> Manifest:
        return Manifest(dict(self.objects), dict(self.foreign), self.complete)


def read_manifest(client: Any, bucket: str, key: str) -> Manifest:
    try:
        response = client.get_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if is_not_found(exc):
            return Manifest()
        raise
    try:
        raw = json.loads(gzip.decompress(response["Body"].read()))
        return Manifest(
            {k: Entry(v[0], v[1], int(v[2])) for k, v in raw["objects"].items()},
            {k: Listed(v[0], int(v[1])) for k, v in raw.get("foreign", {}).items()},
            complete=raw.get("complete") is True,
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return Manifest()  # unreadable: every object is checked with HEAD once, then rewritten


def manifest_bytes(manifest: Manifest) -> bytes:
    objects = {k: [e.fingerprint, e.etag, e.size] for k, e in sorted(manifest.objects.items())}
    foreign = {k: [f.etag, f.size] for k, f in sorted(manifest.foreign.items())}
    return gzip_bytes(
        json.dumps(
            {"version": 1, "objects": objects, "foreign": foreign, "complete": manifest.complete}
        ).encode()
    )


def write_manifest(client: Any, bucket: str, key: str, manifest: Manifest) -> None:
    client.put_object(
        Bucket=bucket,
        Key=key,
        Body=manifest_bytes(manifest),
        ContentType="application/gzip",
        CacheControl="no-store",
    )
