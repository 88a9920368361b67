"""The manifest beside each backup."""

from __future__ import annotations

import pytest

from publisher.backups.errors import BackupRefused
from publisher.backups.manifest import Manifest


def test_a_manifest_reads_back_and_garbage_is_refused():
    manifest = Manifest(
        key="k",
        engine="mysql",
        database="newsroom",
        server_version="10.11",
        database_bytes=1,
        sha256="a" * 64,
        bytes=2,
        raw_bytes=3,
        tables=["t"],
        created_at="2026-11-28T09:15:00+00:00",
        tool="mariadb-dump",
        seconds=0.1,
    )
    assert Manifest.from_json(manifest.to_json()) == manifest
    with pytest.raises(BackupRefused, match="unreadable"):
        Manifest.from_json(b'{"key": "k"}')
    with pytest.raises(BackupRefused, match="unreadable"):
        Manifest.from_json(b"\x1f\x8b not json")
