"""Carrying out a plan: uploads a group at a time in link order, then the
deletes (only after every upload succeeded), then the manifest, then the
CloudFront invalidation. A failure stops it; what went up stays up and is
remembered in the manifest, so the rerun uploads only what is still missing.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from contextlib import suppress
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from publisher import s3
from publisher.deploy.cloudfront import invalidate
from publisher.deploy.errors import DeployError
from publisher.deploy.local import LocalObject
from publisher.deploy.manifest import Entry, Manifest, write_manifest
from publisher.deploy.ownership import MARK, Target
from publisher.deploy.plan import DeployResult, Plan

MULTIPART_THRESHOLD = 8 * 1024 * 1024  # boto3's default


def _metadata(target: Target, obj: LocalObject) -> dict[str, str]:
    return {"sha256": obj.digest, "fingerprint": obj.fingerprint, MARK: target.mark}


def upload(client: Any, target: Target, obj: LocalObject, multipart_threshold: int) -> Entry:
    """Put one object; returns its manifest entry (ETag and size as stored)."""
    extra: dict[str, Any] = {"ContentType": obj.content_type, "CacheControl": obj.cache_control}
    if obj.redirect:
        extra["WebsiteRedirectLocation"] = obj.redirect
    if obj.source is not None and not obj.gzip and obj.size >= multipart_threshold:
        # Large media: streamed from disk in parts, never read whole into memory.
        extra["Metadata"] = _metadata(target, obj)
        config = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=max(multipart_threshold, 5 * 1024 * 1024),
            use_threads=False,
        )
        client.upload_file(str(obj.source), target.bucket, obj.key, ExtraArgs=extra, Config=config)
        head = client.head_object(Bucket=target.bucket, Key=obj.key)
        return Entry(obj.fingerprint, head["ETag"].strip('"'), head["ContentLength"])
    raw = obj.read()
    obj.digest = s3.sha256_bytes(raw)  # the bytes sent, even if the file changed since
    body = s3.gzip_bytes(raw) if obj.gzip else raw
    if obj.gzip:
        extra["ContentEncoding"] = "gzip"
    extra["Metadata"] = _metadata(target, obj)
    response = client.put_object(Bucket=target.bucket, Key=obj.key, Body=body, **extra)
    return Entry(obj.fingerprint, response["ETag"].strip('"'), len(body))


@dataclass
class Transfer:
    """How to carry out a plan: with ``client``, to ``target``, on ``pool``'s
    threads; files from ``multipart_threshold`` bytes up go in parts;
    ``progress`` hears of each object uploaded."""

    client: Any
    target: Target
    pool: ThreadPoolExecutor
    multipart_threshold: int = MULTIPART_THRESHOLD
    progress: Callable[[int], None] | None = None

    def execute(self, plan: Plan, manifest: Manifest, result: DeployResult) -> None:
        """Carry out ``plan``, recording in ``manifest`` (what is known to be in
        place, saved at the end) and ``result`` what was done."""
        target = self.target
        try:
            self._upload_all(plan, manifest, result)
        except BaseException:
            # Best effort: remember what did go up, so the rerun need not check it.
            with suppress(Exception):
                self._save(manifest)
            raise
        if plan.deletes:
            try:
                s3.delete_objects(self.client, target.bucket, plan.deletes)
            except (BotoCoreError, ClientError, RuntimeError) as exc:
                with suppress(Exception):
                    self._save(manifest)
                raise DeployError(f"every upload succeeded, but deleting failed: {exc}") from exc
            result.deleted = list(plan.deletes)
            for key in plan.deletes:
                manifest.objects.pop(key, None)
        if manifest != plan.manifest:
            self._save(manifest)
        changed = [target.relative(key) for key in result.uploaded + result.deleted]
        if target.distribution and changed:
            result.invalidation = invalidate(target.distribution, changed)

    def _save(self, manifest: Manifest) -> None:
        write_manifest(self.client, self.target.bucket, self.target.manifest_key, manifest)

    def _upload_all(self, plan: Plan, manifest: Manifest, result: DeployResult) -> None:
        """Upload a group at a time; the next group starts only when the whole
        previous one is in. Stops at the first failure (what is in stays in)."""
        progress = self.progress
        for _group, members in groupby(plan.uploads, key=lambda obj: obj.group):
            batch = list(members)
            futures: list[Future] = [
                self.pool.submit(upload, self.client, self.target, obj, self.multipart_threshold)
                for obj in batch
            ]
            if progress is not None:
                for future in futures:
                    future.add_done_callback(
                        lambda f: (
                            progress(1) if not f.cancelled() and f.exception() is None else None
                        )
                    )
            try:
                wait(futures, return_when=FIRST_EXCEPTION)
            finally:  # a failure or Ctrl-C: start nothing more
                for future in futures:
                    future.cancel()
            wait(futures)
            failure: BaseException | None = None
            for obj, future in zip(batch, futures, strict=True):
                if future.cancelled():
                    continue
                error = future.exception()
                if error is not None:
                    failure = failure or error
                    continue
                entry = future.result()
                manifest.objects[obj.key] = entry
                manifest.foreign.pop(obj.key, None)
                result.uploaded.append(obj.key)
                result.bytes += entry.size
            if failure is not None:
                raise DeployError(
                    f"upload failed after {len(result.uploaded):,} of {len(plan.uploads):,} "
                    f"objects ({type(failure).__name__}: {failure}); nothing was deleted. "
                    "Run deploy again: it uploads only what is still missing."
                ) from failure
