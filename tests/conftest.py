"""Shared fixtures: every test gets its own build directory and media root."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import call_command
from django.test import override_settings


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """Static files collected (and fingerprinted) once for the whole session."""
    root = tmp_path_factory.mktemp("static-collected")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture(autouse=True)
def _isolated_dirs(settings, tmp_path, collected_static):
    """Each test renders into its own build directory, never the real build/."""
    settings.PUBLISHER_BUILD_DIR = tmp_path / "build"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = collected_static
    # Publishing on save runs inside the saving thread in tests, so a test
    # never races a background publisher. Tests of the thread backend set it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Pagefind runs only in the tests of search (tests/publisher/test_search.py
    # and the browser day), which turn it on: every other build stays fast.
    settings.PUBLISHER_SEARCH = False


@pytest.fixture
def subprocess_env(settings):
    """Environment for running manage.py in a subprocess against the test database."""
    import os

    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        url = f"mysql://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        PUBLISHER_BUILD_DIR=str(settings.PUBLISHER_BUILD_DIR),
        PUBLISHER_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        PUBLISHER_PAGE_SIZE=str(settings.PUBLISHER_PAGE_SIZE),
        PUBLISHER_SITE_URL=settings.PUBLISHER_SITE_URL,
    )
    return env


_bucket_numbers = itertools.count(1)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint():
    """An S3-compatible server (moto's server mode) over HTTP on loopback."""
    import socket
    import subprocess
    import sys
    import time

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        else:
            raise RuntimeError("moto server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    """A fresh bucket on the S3 server; boto3 finds it through its own variables,
    exactly as a user points it at AWS or MinIO."""
    from types import SimpleNamespace

    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    bucket = f"newsroom-test-{next(_bucket_numbers)}"
    client.create_bucket(Bucket=bucket)
    yield SimpleNamespace(client=client, bucket=bucket, endpoint=s3_endpoint)
