"""Benchmark: deploying an unchanged site to S3 -- seconds and requests.

    .venv/bin/python bench/deploy.py [--pages 10000] [--site DIR]

Starts an S3 server (moto's server mode) on loopback, writes a site of
``--pages`` story pages (about 5 KB each, at real story URLs, plus the
static files a build collects) -- or takes a built site with ``--site`` --
deploys it once, then deploys it again unchanged and reports the second
deploy: seconds, and every HTTP request it sent, by operation (counted with
a botocore event hook). The budget (DESIGN.md): no PUT and no DELETE.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_pages(root: Path, pages: int) -> None:
    words = ["council", "school", "budget", "river", "bridge", "mayor", "festival", "vote"]
    rng = random.Random(1)
    for n in range(pages):
        path = root / f"news/2026/{n % 12 + 1:02d}/{n % 28 + 1:02d}/story-{n:05d}/index.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        body = " ".join(rng.choice(words) for _ in range(800))
        path.write_text(f"<!doctype html><title>Story {n}</title><p>{body}</p>\n")
    (root / "index.html").write_text("<!doctype html><title>Front page</title>\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--site", type=Path, help="a built site (e.g. build/site) instead")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    port = free_port()
    moto = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        os.environ.update(
            AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 (a local fake S3)
            AWS_DEFAULT_REGION="us-east-1",
            PUBLISHER_S3_BUCKET="bench-site",
            PUBLISHER_S3_PREFIX="site",
            PUBLISHER_BUILD_DIR=str(scratch / "build"),
            PUBLISHER_VAR_DIR=str(scratch / "var"),
            DJANGO_SECRET_KEY="bench-only",  # noqa: S106
            DATABASE_URL=f"sqlite:///{scratch / 'unused.sqlite3'}",
            DJANGO_SETTINGS_MODULE="publisher.settings",
        )
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        from publisher.deploy.sync import deploy_site
        from publisher.s3 import RequestCounter, make_client

        if args.site:
            site = args.site.resolve()
            description = f"{site}"
        else:
            site = scratch / "build/site"
            write_pages(site, args.pages)
            call_command("collectstatic", interactive=False, verbosity=0)
            shutil.copytree(settings.STATIC_ROOT, site / "static")
            description = f"{args.pages:,} story pages + static files"
        files = sum(1 for p in site.rglob("*") if p.is_file())

        for attempt in range(100):
            try:
                make_client().create_bucket(Bucket="bench-site")
                break
            except Exception:
                if attempt == 99:
                    raise
                time.sleep(0.1)

        started = time.perf_counter()
        first = deploy_site(site)
        first_seconds = time.perf_counter() - started

        client = make_client()
        counter = RequestCounter(client)
        started = time.perf_counter()
        again = deploy_site(site, client=client)
        seconds = time.perf_counter() - started
    finally:
        moto.terminate()
        moto.wait(timeout=10)
        shutil.rmtree(scratch, ignore_errors=True)

    operations = ", ".join(
        f"{name} {count}" for name, count in sorted(counter.by_operation.items())
    )
    print(
        f"bench: {description} ({files:,} files); first deploy: {len(first.uploaded):,} "
        f"uploaded in {first_seconds:.1f} s ({first.requests:,} requests)"
    )
    puts = counter.by_operation.get("PutObject", 0) + counter.by_operation.get("UploadPart", 0)
    deletes = counter.by_operation.get("DeleteObjects", 0)
    print(
        f"deploy (unchanged): {len(again.uploaded)} uploaded, {again.unchanged:,} unchanged, "
        f"{len(again.deleted)} deleted in {seconds:.2f} s; {counter.count} requests "
        f"({operations}); {puts} PUT, {deletes} DELETE"
    )


if __name__ == "__main__":
    main()
