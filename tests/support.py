"""What test modules share: factories that make content rows, reading a built
site the way a reader's browser would, a live site to publish into, the
admin's forms as a browser posts them, lighttpd on a loopback port, and an S3
bucket as deploy leaves it.

A test module imports its helpers from here, never from another test module;
fixtures shared by several modules live in the conftest.py files.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import json
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as day_time
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from content.demo.camera import PHOTOGRAPHER, camera_photo  # noqa: F401 (for tests)
from content.models import (
    Author,
    Birth,
    Byline,
    Comment,
    CrimeReport,
    Obituary,
    Section,
    Status,
    Story,
    Wedding,
)
from publisher.build import build_site
from publisher.lighttpd import AdminProxy, lighttpd_config, prepare_var_dir, write_redirect_rules
from publisher.models import PublishJob
from publisher.publish import process_queue

ROOT = Path(__file__).resolve().parents[1]

# -- Factories: make_story(headline=...) ---------------------------------------------

# One counter for every helper that makes a row, so names made by different
# helpers in one test never collide on a unique slug.
_seq = itertools.count(1)


def unique_number() -> int:
    return next(_seq)


def make_section(**overrides: Any) -> Section:
    n = unique_number()
    fields = {"name": f"Section {n}", "slug": f"section-{n}", "position": n}
    return Section.objects.create(**{**fields, **overrides})


def make_author(**overrides: Any) -> Author:
    n = unique_number()
    fields = {"name": f"Reporter {n}", "slug": f"reporter-{n}", "title": "Staff Writer"}
    return Author.objects.create(**{**fields, **overrides})


def make_story(authors: list[Author] | None = None, **overrides: Any) -> Story:
    n = unique_number()
    fields = {
        "headline": f"Story number {n}",
        "slug": f"story-{n}",
        "dek": f"What happened in story {n}.",
        "status": Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(hours=n),
        "body": f"First paragraph of story {n}.\n\nSecond paragraph.",
    }
    fields.update(overrides)
    if "section" not in fields:
        fields["section"] = Section.objects.first() or make_section()
    story = Story.objects.create(**fields)
    for position, author in enumerate(authors if authors is not None else [make_author()]):
        Byline.objects.create(story=story, author=author, position=position)
    return story


def make_obituary(**overrides: Any) -> Obituary:
    n = unique_number()
    fields = {
        "full_name": f"Person Number{n}",
        "slug": f"person-{n}",
        "status": Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(hours=n),
        "birth_date": date(1940, 1, 1),
        "death_date": date(2020, 1, 1),
        "age": 80,
        "hometown": "Millbrook",
        "body": f"Obituary {n}.",
    }
    return Obituary.objects.create(**{**fields, **overrides})


def make_town() -> None:
    """The demo town's neighborhoods and street file (content/demo/data/town/):
    crime reports saved after it are placed on its map."""
    from content.demo.town import NEIGHBORHOODS_FILE, STREETS_FILE
    from content.loaders import load_neighborhoods, load_streets

    load_neighborhoods(NEIGHBORHOODS_FILE)
    load_streets(STREETS_FILE)


def make_crime(**overrides: Any) -> CrimeReport:
    n = unique_number()
    fields = {
        "title": f"Incident number {n}",
        "slug": f"incident-{n}",
        "status": Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(hours=n),
        "incident_type": CrimeReport.Incident.THEFT,
        "occurred_at": timezone.now() - timedelta(hours=n + 2),
        "address_block": "400 block of Elm St",
        "neighborhood": "Downtown",
        "case_number": f"2026-{n:06d}",
        "body": f"Report {n}.",
    }
    return CrimeReport.objects.create(**{**fields, **overrides})


def make_comment(item: Any, **overrides: Any) -> Comment:
    """A reader's comment on ``item``, approved unless told otherwise; a
    name with an accent, a text with a line break and a non-breaking space."""
    from content.comments import digest

    n = unique_number()
    fields = {
        "kind": item.kind,
        "item_id": item.pk,
        "name": f"Zoë Reader{n}",
        "email": f"reader{n}@example.org",
        "body": f"Comment {n}: well said.\nThank\u00a0you.",
        "status": Comment.Status.APPROVED,
        "posted_at": timezone.now() - timedelta(minutes=1000 - n % 1000),
    }
    fields.update(overrides)
    fields.setdefault("digest", digest(fields["body"]))
    return Comment.objects.create(**fields)


def make_birth(**overrides: Any) -> Birth:
    n = unique_number()
    fields = {
        "baby_name": f"Baby Number{n}",
        "slug": f"baby-{n}",
        "status": Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(hours=n),
        "birth_date": date(2024, 5, 1),
        "parents": f"Anna and Mark Number{n}",
        "hometown": "Millbrook",
        "weight_pounds": 7,
        "weight_ounces": 4,
        "body": f"Birth {n}.",
    }
    return Birth.objects.create(**{**fields, **overrides})


def make_wedding(**overrides: Any) -> Wedding:
    n = unique_number()
    fields = {
        "partner_one": f"Jo Number{n}",
        "partner_two": f"Sam Other{n}",
        "slug": f"jo-and-sam-{n}",
        "status": Status.PUBLISHED,
        "publish_at": timezone.now() - timedelta(hours=n),
        "announcement": Wedding.Announcement.WEDDING,
        "date": date(2024, 6, 1),
        "place": "First Lutheran Church, Millbrook",
        "body": f"Wedding {n}.",
    }
    return Wedding.objects.create(**{**fields, **overrides})


def make_photo(name: str, size: tuple[int, int] = (16, 12), fmt: str = "JPEG") -> str:
    """A real image file under MEDIA_ROOT (as an upload leaves it); returns
    its name, for a photo field. Each name gets its own colour."""
    path = Path(django_settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    shade = sum(name.encode()) % 256
    data = BytesIO()
    Image.new("RGB", size, (shade, 255 - shade, 128)).save(data, fmt)
    # A new file, as storage makes one (never rewritten in place).
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data.getvalue())
    temporary.replace(path)
    return name


def member_of(group: str, username: str) -> User:
    user = User.objects.create_user(username, password="pw-for-tests-only", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


# -- Reading a built site the way a reader's browser would -------------------------

TEXT_SUFFIXES = {".html", ".xml", ".txt"}


def page_files(root: Path) -> dict[str, Path]:
    """Every rendered page of a release by URL (static and media left out)."""
    out: dict[str, Path] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(("static/", "media/")) or not path.is_file():
            continue
        if path.suffix not in TEXT_SUFFIXES:
            continue
        url = "/" + rel.removesuffix("index.html")
        out[url] = path
    return out


def media_files(root: Path) -> dict[str, str]:
    """Every upload in a release (``media/...``, not its renditions) with the
    SHA-256 of its bytes."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((root / "media").rglob("*"))
        if path.is_file() and not path.relative_to(root).as_posix().startswith(RENDITIONS)
    }


RENDITIONS = "media/renditions/"


def rendition_files(root: Path) -> dict[str, str]:
    """Every photo rendition in a release, with the SHA-256 of its bytes."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((root / RENDITIONS).rglob("*"))
        if path.is_file()
    }


def photo_src(item: Any) -> str:
    """The <img src> (a JPEG rendition) a live item's page shows its photo with."""
    from publisher import renditions

    return renditions.sources(item.photo_digest, item.photo_width, item.photo_height).src


def file_for(root: Path, url: str) -> Path:
    path = urlsplit(url).path
    return root / (path[1:] + "index.html" if path.endswith("/") else path[1:])


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def links_in(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def internal_path(link: str, site_url: str) -> str | None:
    """The site path a link points at, or None for an external link."""
    if link.startswith(site_url + "/"):
        link = link[len(site_url) :]
    if link.startswith("/") and not link.startswith("//"):
        return urlsplit(link).path
    return None


# -- A live site: built, published into, compared with a full build ------------------


def build(settings) -> Path:
    """``manage.py build``; returns the live site's folder."""
    call_command("build", verbosity=0)
    return Path(settings.PUBLISHER_BUILD_DIR) / "site"


def live_root(settings) -> Path:
    return (Path(settings.PUBLISHER_BUILD_DIR) / "site").resolve()


def snapshot(root: Path) -> dict[str, str]:
    """Every file of a release but the static ones, uploads and the search
    index included."""
    pages = {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] not in ("static", "media")
    }
    return {**pages, **media_files(root), **rendition_files(root)}


def start_live_site() -> None:
    """A full build, with the jobs the fixture's saves queued counted as done."""
    build_site(jobs=1)
    PublishJob.objects.update(status=PublishJob.Status.LIVE)


def assert_same_as_full_build(settings, tmp_path) -> None:
    """The oracle: after publishing the queue, the live site holds the very
    files a full build of the same database writes."""
    process_queue()
    fresh = build_site(build_dir=tmp_path / f"oracle-{random.random()}", jobs=1).release
    incremental, full = snapshot(live_root(settings)), snapshot(fresh)
    missing = sorted(set(full) - set(incremental))
    extra = sorted(set(incremental) - set(full))
    differ = sorted(k for k in set(full) & set(incremental) if full[k] != incremental[k])
    assert (missing, extra, differ) == ([], [], []), (missing[:5], extra[:5], differ[:5])


# -- The admin's forms, as an editor's browser posts them ----------------------------


def admin_url(model_name: str, view: str, *args: Any) -> str:
    return reverse(f"admin:content_{model_name}_{view}", args=args)


def page_text(response) -> str:
    return response.content.decode()


def publish_fields(**overrides: Any) -> dict[str, Any]:
    return {
        "status": Status.DRAFT,
        "publish_at_0": "2024-05-01",
        "publish_at_1": "09:00:00",
        **overrides,
    }


def story_form(authors: list[Author], **overrides: Any) -> dict[str, Any]:
    """The POST an editor's browser sends from the story add form."""
    data = {
        "headline": "Council approves budget",
        "dek": "",
        "body": "The council voted 5-2.",
        "photo_alt": "",
        "photo_caption": "",
        "photo_credit": "",
        "slug": "council-approves-budget",
        **publish_fields(),
        "bylines-TOTAL_FORMS": str(len(authors)),
        "bylines-INITIAL_FORMS": "0",
        "bylines-MIN_NUM_FORMS": "1",
        "bylines-MAX_NUM_FORMS": "1000",
    }
    for i, author in enumerate(authors):
        data[f"bylines-{i}-author"] = author.pk
        data[f"bylines-{i}-position"] = i
    data.update(overrides)
    data.setdefault("section", make_section().pk)
    return data


def obituary_form(**overrides: Any) -> dict[str, Any]:
    return {
        "full_name": "Ada Miller",
        "birth_date": "1931-03-04",
        "death_date": "2024-04-28",
        "age": "",
        "hometown": "Millbrook",
        "service_time_0": "",
        "service_time_1": "",
        "service_place": "",
        "body": "",
        "photo_alt": "",
        "slug": "ada-miller",
        **publish_fields(),
        **overrides,
    }


def crime_form(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Bicycle stolen",
        "incident_type": "theft",
        "occurred_at_0": "2024-04-30",
        "occurred_at_1": "22:15:00",
        "address_block": "400 block of Elm St",
        "neighborhood": "",
        "latitude": "",
        "longitude": "",
        "case_number": "24-00123",
        "body": "",
        "slug": "bicycle-stolen",
        **publish_fields(),
        **overrides,
    }


# -- Serving: lighttpd on a free loopback port, fetched without following redirects --

LIGHTTPD = shutil.which("lighttpd") or "/usr/sbin/lighttpd"
needs_lighttpd = pytest.mark.skipif(not Path(LIGHTTPD).exists(), reason="lighttpd not installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (http on loopback)
    try:
        with opener.open(request, timeout=5) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def wait_for(port: int) -> None:
    for _ in range(200):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing listening on {port}")


@contextmanager
def lighttpd(
    build_dir: Path, var_dir: Path, admin: AdminProxy | None = None
) -> Iterator[tuple[str, subprocess.Popen]]:
    """lighttpd on a free loopback port serving build_dir/site, as `manage.py serve` runs it."""
    port = free_port()
    docroot = build_dir / "site"
    prepare_var_dir(var_dir)
    write_redirect_rules(build_dir, var_dir)
    config = var_dir / "lighttpd.conf"
    config.write_text(lighttpd_config(docroot, "127.0.0.1", port, var_dir, admin=admin))
    server = subprocess.Popen([LIGHTTPD, "-D", "-f", str(config)])
    try:
        wait_for(port)
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.terminate()
        server.wait(timeout=10)


# -- An S3 bucket as deploy leaves it (the bucket is the s3 fixture's) ---------------

# A site as plain files: every kind of file the build writes, no database.
PLAIN_SITE: dict[str, bytes] = {
    "index.html": b"<h1>Front page</h1>",
    "404.html": b"<h1>Page not found</h1>",
    "robots.txt": b"User-agent: *\n",
    "sitemap.xml": b"<urlset></urlset>",
    "feeds/news.xml": b"<rss></rss>",
    "news/index.html": b"<h1>All news</h1>",
    "news/local-news/index.html": b"<h1>Local News</h1>",
    "news/2026/01/02/council-meets/index.html": b"<h1>Council meets</h1>" * 20,
    "obituaries/2026/01/ada-person/index.html": b"<h1>Ada Person</h1>",
    "static/content/site.css": b"body { color: black }" * 20,
    "static/content/site.b24cde7f953f.css": b"body { color: black }" * 20,
    "media/photos/scene.jpg": b"\xff\xd8\xff\xe0 not really a jpeg",
}


def write_site(root: Path, files: dict[str, bytes]) -> Path:
    for relative, body in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return root


def keys(s3: Any, prefix: str = "") -> set[str]:
    found = set()
    for page in s3.client.get_paginator("list_objects_v2").paginate(
        Bucket=s3.bucket, Prefix=prefix
    ):
        found.update(item["Key"] for item in page.get("Contents", ()))
    return found


def bucket_state(s3: Any, bucket: str | None = None) -> dict[str, tuple]:
    """Every object with what a reader (or S3's website endpoint) would get."""
    state = {}
    bucket = bucket or s3.bucket
    for page in s3.client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", ()):
            head = s3.client.head_object(Bucket=bucket, Key=item["Key"])
            state[item["Key"]] = (
                head["ETag"],
                head["ContentLength"],
                head.get("ContentType"),
                head.get("CacheControl"),
                head.get("ContentEncoding"),
                head.get("WebsiteRedirectLocation"),
                head.get("Metadata", {}).get("fingerprint"),
            )
    return state


def body_of(s3: Any, key: str) -> bytes:
    response = s3.client.get_object(Bucket=s3.bucket, Key=key)
    body = response["Body"].read()
    return gzip.decompress(body) if response.get("ContentEncoding") == "gzip" else body


def make_distribution(cloudfront: Any, bucket: str) -> str:
    """A CloudFront distribution (moto's) in front of ``bucket``; its id."""
    return cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": f"newsroom-{bucket}",
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "bucket",
                        "DomainName": f"{bucket}.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "bucket",
                "ViewerProtocolPolicy": "allow-all",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
            },
        }
    )["Distribution"]["Id"]


def put(s3: Any, key: str, body: bytes = b"not ours", **metadata: str) -> None:
    """An object put there by someone else (another application, a backup)."""
    s3.client.put_object(Bucket=s3.bucket, Key=key, Body=body, Metadata=metadata)


def one_page_of_each_type(registry: Any) -> dict[str, str]:
    """The URL of the first page of each page type the dev server routes, by
    page type (redirects are not routed: servers answer them with a 301)."""
    site = registry.site()
    urls: dict[str, str] = {}
    for page in registry.pages:
        if not page.routes():
            continue
        params = next(iter(page.params(site)), None)
        if params is not None:
            urls[page.name] = page.url(params)
    return urls


def check_with(var_dir: Path, **environ: str) -> subprocess.CompletedProcess:
    """``manage.py check`` in a clean environment plus ``environ``."""
    env = {"PATH": "/usr/bin:/bin", "PUBLISHER_VAR_DIR": str(var_dir), **environ}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def image_bytes(fmt: str, size: tuple[int, int] = (8, 6), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format=fmt)
    return buffer.getvalue()


# -- The demo newsroom (seed_demo) -------------------------------------------------

ANCHOR = date(2024, 6, 30)
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The kinds seeded before births and weddings existed (their rows must not change).
DEMO_MODELS = (Section, Author, Story, Byline, Obituary, CrimeReport, Comment)


def demo_rows() -> dict[str, list[tuple]]:
    """Every column of every content row, ids included, in id order."""
    return {
        model.__name__: list(
            model.objects.order_by("pk").values_list(
                *(field.attname for field in model._meta.concrete_fields)
            )
        )
        for model in DEMO_MODELS
    }


def anchor_start() -> datetime:
    return datetime.combine(ANCHOR, day_time(), tzinfo=timezone.get_default_timezone())


# -- Reader submissions (desk): the forms as a reader's browser posts them -----------

SUBMIT_FIELDS: dict[str, dict[str, str]] = {
    "birth": {
        "baby_name": "Nora Quist",
        "birth_date": "2024-04-02",
        "parents": "Anna and Mark Quist",
        "hometown": "Millbrook",
        "weight_pounds": "8",
        "weight_ounces": "12",
        "body": "Nora joins big brother Theo.",
        "photo_alt": "",
    },
    "wedding": {
        "partner_one": "Jo Lind",
        "partner_two": "Sam Ekberg",
        "announcement": "wedding",
        "date": "2024-06-01",
        "place": "First Lutheran Church, Millbrook",
        "body": "A reception followed at the Grange.",
        "photo_alt": "",
    },
    "obituary": {
        "sent_by": "funeral-home",
        "full_name": "Walter Brandt",
        "birth_date": "1931-03-04",
        "death_date": "2024-04-28",
        "hometown": "Millbrook",
        "service_time": "2024-05-03T14:00",
        "service_place": "St. Mark's Lutheran Church",
        "body": "Walter farmed east of town for sixty years.",
        "photo_alt": "",
    },
    "tip": {"body": "The footbridge on Mill Road has been closed for a week."},
    "letter": {
        "subject": "Keep the library open on Sundays",
        "body": "The library is where my children learned to read.",
        "hometown": "Millbrook",
    },
}


def submit_form(kind: str, **overrides: Any) -> dict[str, Any]:
    """The POST a reader's browser sends from /submit/<kind>/."""
    return {
        "name": "Anna Quist",
        "email": "anna@example.com",
        "phone": "",
        "website": "",
        **SUBMIT_FIELDS[kind],
        **overrides,
    }


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


# -- The Nu HTML Checker (npm vnu-jar, installed by scripts/setup dev) ---------------

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def nu_html_checker(files: list[Path]) -> list[dict]:
    """The checker's messages for ``files`` (one Java start for all of them)."""
    java = shutil.which("java")
    if java is None:
        pytest.skip(
            "java is missing: the Nu HTML Checker needs a JRE (scripts/setup dev installs one)"
        )
    assert VNU_JAR.is_file(), f"{VNU_JAR} is missing: run scripts/setup dev (it runs npm ci)"
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(result.stderr)["messages"]


# -- Camera-like photos (metadata a reader must never get) ---------------------------


def assert_no_camera_metadata(data: bytes) -> None:
    """``data`` is an image with no EXIF, GPS, Artist, XMP or comment left."""
    assert PHOTOGRAPHER.encode() not in data
    assert b"xmpmeta" not in data and b"XMP-Creator" not in data
    assert b"porch" not in data
    assert b"Exif\x00\x00" not in data and b"eXIf" not in data
    with Image.open(BytesIO(data)) as image:
        exif = image.getexif()
        assert not exif.get_ifd(0x8825), "a GPS position is left"
        assert 0x013B not in exif and 0x0112 not in exif
        assert not {"exif", "xmp", "comment", "XML:com.adobe.xmp"} & set(image.info)
