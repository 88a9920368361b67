"""Shared fixtures: every test gets its own build directory and media root."""

from __future__ import annotations

import itertools
import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from content.models import Status
from tests.support import (
    free_port,
    make_author,
    make_crime,
    make_obituary,
    make_photo,
    make_section,
    make_story,
    make_town,
)


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
    # Search is on only in the tests of search (tests/publisher/test_search.py,
    # records and the browser day), which turn it on: other builds stay lean.
    # NEWSROOM_TEST_SEARCH=on runs every test with search on, as the product's
    # default is (a check before a release; the suite takes longer).
    settings.PUBLISHER_SEARCH = os.environ.get("NEWSROOM_TEST_SEARCH") == "on"


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
        PUBLISHER_SEARCH="true" if settings.PUBLISHER_SEARCH else "false",
    )
    return env


_bucket_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def s3_endpoint():
    """An S3-compatible server (moto's server mode) over HTTP on loopback."""
    import socket
    import subprocess
    import sys
    import time

    port = free_port()
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


@pytest.fixture
def newsroom(db, settings):
    """A small newsroom with every kind of page, and things readers must not see."""
    settings.PUBLISHER_PAGE_SIZE = 5
    make_town()
    now = timezone.now()
    news = make_section(name="Local News", slug="local-news", position=0)
    sports = make_section(name="Sports", slug="sports", position=1)
    make_section(name="Weather", slug="weather", position=2)  # no stories yet
    ann, bob = (
        make_author(name="Ann Archer", slug="ann-archer"),
        make_author(name="Bob Baker", slug="bob-baker"),
    )
    make_author(name="Cy Newcomer", slug="cy-newcomer")  # no stories yet
    published = []
    for i in range(14):
        published.append(
            make_story(
                authors=[ann, bob] if i % 3 == 0 else [ann if i % 2 else bob],
                section=news if i % 4 else sports,
                headline=f"Council story {i}",
                slug=f"council-story-{i}",
                publish_at=now - timedelta(days=9 * i, hours=1),
            )
        )
    hostile = make_story(
        authors=[ann],
        section=news,
        headline="Headline <script>alert('h')</script> here",
        slug="hostile-story",
        body="Text <script>alert('b')</script> <img src=x onerror=alert(1)> "
        "[click](javascript:alert(1)) <a href='JAVASCRIPT:alert(2)'>x</a>",
        publish_at=now - timedelta(days=2),
    )
    draft = make_story(
        authors=[ann],
        section=news,
        headline="Secret draft headline",
        slug="secret-draft",
        status=Status.DRAFT,
        publish_at=now - timedelta(days=1),
    )
    embargoed = make_story(
        authors=[bob],
        section=sports,
        headline="Embargoed scoop headline",
        slug="embargoed-scoop",
        publish_at=now + timedelta(days=2),
    )
    unpublished = make_story(
        authors=[bob],
        section=sports,
        headline="Retracted story headline",
        slug="retracted-story",
        publish_at=now - timedelta(days=5),
    )
    unpublished.status = Status.DRAFT
    unpublished.save()
    obits = [
        make_obituary(
            full_name=f"Ada Person{i}",
            slug=f"ada-person-{i}",
            publish_at=now - timedelta(days=11 * i, hours=2),
        )
        for i in range(7)
    ]
    make_obituary(full_name="Draft Obitperson", slug="draft-obit", status=Status.DRAFT)
    hidden_obit = make_obituary(
        full_name="Embargoed Obitperson", slug="embargoed-obit", publish_at=now + timedelta(hours=3)
    )
    crimes = [
        make_crime(
            title=f"Bicycle theft {i}",
            slug=f"bicycle-theft-{i}",
            publish_at=now - timedelta(days=13 * i, hours=3),
        )
        for i in range(6)
    ]
    make_crime(title="Draft crime title", slug="draft-crime", status=Status.DRAFT)
    make_crime(
        title="Embargoed crime title", slug="embargoed-crime", publish_at=now + timedelta(days=1)
    )
    # Photos: one a story and an obituary share, one two stories share, and
    # ones only items readers must not see use.
    with_photo = [
        (published[0], "photos/lead.jpg"),
        (obits[0], "photos/lead.jpg"),
        (published[1], "photos/council.png"),
        (published[2], "photos/shared.jpg"),
        (published[3], "photos/shared.jpg"),
        (draft, "photos/draft-photo.jpg"),
        (embargoed, "photos/embargoed-photo.jpg"),
        (unpublished, "photos/retracted-photo.jpg"),
        (hidden_obit, "obituaries/embargoed-portrait.jpg"),
    ]
    for item, name in with_photo:
        item.photo = make_photo(name, fmt="PNG" if name.endswith(".png") else "JPEG")
        item.photo_alt = f"Photo for {item}"
        item.save()
    return {
        "sections": [news, sports],
        "published": published,
        "hostile": hostile,
        "hidden_stories": [draft, embargoed, unpublished],
        "obituaries": obits,
        "crimes": crimes,
        "hidden_words": [
            "Secret draft headline",
            "secret-draft",
            "Embargoed scoop headline",
            "embargoed-scoop",
            "Retracted story headline",
            "retracted-story",
            "Draft Obitperson",
            "draft-obit",
            "Embargoed Obitperson",
            "embargoed-obit",
            "Draft crime title",
            "draft-crime",
            "Embargoed crime title",
            "embargoed-crime",
            "draft-photo",
            "embargoed-photo",
            "retracted-photo",
            "embargoed-portrait",
        ],
        "live_media": ["photos/council.png", "photos/lead.jpg", "photos/shared.jpg"],
    }
