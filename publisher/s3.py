"""Small S3 helpers with no Django in them, shared by deploy and backups:
the client, request counting, content hashing, paginated listing, HEAD,
batched deletes and reading S3's error codes.

The endpoint and credentials come from boto3's own configuration
(``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``~/.aws/config``, an instance
role ...), so AWS, MinIO or any S3-compatible store works the same way.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys


def make_client(service: str = "s3", pool: int = 8, raw_times: bool = False) -> Any:
    """A thread-safe client: retries with exponential backoff and jitter on
    throttling, 5xx answers and dropped connections (botocore's "standard"
    mode; ``AWS_MAX_ATTEMPTS`` changes the number of attempts).

    ``raw_times``: times in answers stay the strings S3 sent, and a
    listing's objects are read by ElementTree (``_lean_listing``): botocore
    read a 1,000-key page in 1 s of CPU on a busy 2-core machine (280 ms
    with the times left alone, 30 ms this way), most of an unchanged site's
    deploy. A deploy reads none of the times."""
    attempts = int(os.environ.get("AWS_MAX_ATTEMPTS") or 5)
    config = Config(
        retries={"mode": "standard", "max_attempts": attempts},
        max_pool_connections=pool,
        connect_timeout=10,
        read_timeout=60,
    )
    session = boto3.session.Session()
    if raw_times:
        factory = session._session.get_component("response_parser_factory")
        factory.set_parser_defaults(timestamp_parser=str)
    client = session.client(service, config=config)
    if raw_times and service == "s3":
        client.meta.events.register("before-parse.s3.ListObjectsV2", _lean_listing)
    return client


_S3_XML = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def _lean_listing(response_dict: dict, customized_response_dict: dict, **kwargs: Any) -> None:
    """A ListObjectsV2 page's objects (key, ETag, size) read here, and taken
    out of the body botocore then parses for the rest (the continuation
    token). botocore's own handler still decodes the keys afterwards."""
    if response_dict.get("status_code") != 200 or not response_dict.get("body"):
        return
    # (The answer botocore parses with the same library, from our own endpoint.)
    root = ElementTree.fromstring(response_dict["body"])  # noqa: S314
    found = root.findall(f"{_S3_XML}Contents")
    customized_response_dict["Contents"] = [
        {
            "Key": item.findtext(f"{_S3_XML}Key"),
            "ETag": item.findtext(f"{_S3_XML}ETag"),
            "Size": int(item.findtext(f"{_S3_XML}Size") or 0),
        }
        for item in found
    ]
    for item in found:
        root.remove(item)
    response_dict["body"] = ElementTree.tostring(root)


class RequestCounter:
    """Counts the HTTP requests a client sends (retries included)."""

    def __init__(self, client: Any) -> None:
        self.count = 0
        self.by_operation: dict[str, int] = {}
        self._client = client
        client.meta.events.register("before-send", self._sent)

    def close(self) -> None:
        self._client.meta.events.unregister("before-send", self._sent)

    def _sent(self, event_name: str = "", **kwargs: Any) -> None:
        self.count += 1
        name = event_name.rsplit(".", 1)[-1]  # before-send.s3.PutObject
        self.by_operation[name] = self.by_operation.get(name, 0) + 1


def sha256_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def gzip_bytes(data: bytes) -> bytes:
    """gzip with no timestamp or name in the header: the same bytes every time."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def join_key(prefix: str, relative: str) -> str:
    return f"{prefix}/{relative}" if prefix else relative


def list_prefix(prefix: str) -> str:
    """What to list for a deploy prefix: ``site`` must not match ``site-old/``."""
    return f"{prefix}/" if prefix else ""


@dataclass(frozen=True)
class Listed:
    etag: str
    size: int


def list_objects(client: Any, bucket: str, prefix: str) -> dict[str, Listed]:
    """Every object whose key starts with ``prefix``, as S3 matches it (so
    pass ``list_prefix(folder)`` for a folder): ListObjectsV2, all pages,
    1,000 keys each."""
    found: dict[str, Listed] = {}
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", ()):
            found[item["Key"]] = Listed(item["ETag"].strip('"'), item["Size"])
    return found


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_not_found(exc: ClientError) -> bool:
    """S3 says no such object (GET answers NoSuchKey; HEAD, having no body, 404)."""
    return error_code(exc) in ("NoSuchKey", "404")


def head_object(client: Any, bucket: str, key: str) -> dict[str, Any] | None:
    """The object's headers and metadata, or None when there is no such object."""
    try:
        return client.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if is_not_found(exc):
            return None
        raise


def delete_objects(client: Any, bucket: str, keys: Iterable[str]) -> int:
    """Delete ``keys`` in batches of 1,000; raises on the first key S3 refuses."""
    deleted = 0
    for batch in _batches(sorted(keys), DELETE_BATCH):
        response = client.delete_objects(
            Bucket=bucket,
            Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
        )
        errors = response.get("Errors") or []
        if errors:
            first = errors[0]
            raise RuntimeError(
                f"S3 refused to delete {len(errors)} objects, e.g. {first.get('Key')}: "
                f"{first.get('Code')} {first.get('Message')}"
            )
        deleted += len(batch)
    return deleted


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
