"""Deploy at scale and under faults: over 1,000 objects, multipart uploads, an
S3 server that fails mid-deploy (a proxy in front of moto that starts
answering 500), and transient errors that retries absorb."""

from __future__ import annotations

import http.client
import http.server
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from publisher.deploy.manifest import MANIFEST_NAME
from publisher.deploy.sync import deploy_site
from publisher.s3 import RequestCounter, make_client
from tests.support import PLAIN_SITE, bucket_state, keys, write_site

ROOT = Path(__file__).resolve().parents[2]


class FlakyS3(http.server.ThreadingHTTPServer):
    """An HTTP proxy to the S3 server that answers 500 (or 503 SlowDown) when told to.

    ``fail_after_puts=N``: the first N PUTs go through, then every request
    fails until ``heal()`` -- a server going down mid-deploy.
    ``fail_first_puts=N``: the first N PUTs get a 503, the rest go through --
    the transient errors a retry is for.
    """

    daemon_threads = True

    def __init__(
        self, upstream: str, fail_after_puts: int | None = None, fail_first_puts: int = 0
    ) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.fail_after_puts = fail_after_puts
        self.fail_first_puts = fail_first_puts
        self.puts = 0
        self.failed = 0
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def heal(self) -> None:
        with self.lock:
            self.fail_after_puts = None
            self.fail_first_puts = 0

    def verdict(self, method: str) -> int | None:
        with self.lock:
            if method == "PUT":
                self.puts += 1
                if self.puts <= self.fail_first_puts:
                    self.failed += 1
                    return 503
            if self.fail_after_puts is not None and self.puts > self.fail_after_puts:
                self.failed += 1
                return 500
        return None

    def __enter__(self) -> FlakyS3:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FlakyS3

    def log_message(self, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                chunk = self.rfile.read(size)
                self.rfile.readline()
                if size == 0:
                    break
                chunks.append(chunk)
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _proxy(self) -> None:
        body = self._body()
        status = self.server.verdict(self.command)
        if status is not None:
            code = "SlowDown" if status == 503 else "InternalError"
            error = f"<Error><Code>{code}</Code><Message>injected</Message></Error>".encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(error)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(error)
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() != "transfer-encoding"}
        headers["Content-Length"] = str(len(body))
        upstream = http.client.HTTPConnection(*self.server.upstream, timeout=60)
        try:
            upstream.request(self.command, self.path, body, headers)
            response = upstream.getresponse()
            data = response.read()
        finally:
            upstream.close()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        length = response.getheader("Content-Length") if self.command == "HEAD" else None
        self.send_header("Content-Length", length or str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _proxy


@pytest.fixture
def site(settings, s3) -> Path:
    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_PREFIX = "site"
    settings.PUBLISHER_CLOUDFRONT_DISTRIBUTION_ID = ""
    return write_site(Path(settings.PUBLISHER_BUILD_DIR) / "site", PLAIN_SITE)


def many_pages(count: int) -> dict[str, bytes]:
    return {f"archive/page-{n:04d}.html": f"<p>page {n}</p>".encode() for n in range(count)}


def test_a_site_of_more_than_1000_objects_redeploys_and_deletes_past_the_first_listing_page(
    site, s3
):
    write_site(site, many_pages(1100))
    total = len(PLAIN_SITE) + 1100
    first = deploy_site()
    assert len(first.uploaded) == total

    client = make_client()
    counter = RequestCounter(client)
    second = deploy_site(client=client, list_bucket=True)

    assert (len(second.uploaded), second.unchanged, second.deleted) == (0, total, [])
    assert counter.by_operation == {"GetObject": 1, "ListObjectsV2": 2}

    for n in range(1095, 1100):  # listed on the second page
        (site / f"archive/page-{n:04d}.html").unlink()
    third = deploy_site(list_bucket=True)

    assert third.uploaded == []
    assert third.deleted == [f"site/archive/page-{n:04d}.html" for n in range(1095, 1100)]
    assert len(keys(s3, "site/")) == total - 5 + 1  # and the manifest


def test_a_multipart_object_is_not_uploaded_again(site, s3, settings):
    big = Path(settings.PUBLISHER_BUILD_DIR) / "site/media/video/council.mp4"
    big.parent.mkdir(parents=True)
    big.write_bytes(bytes(range(256)) * (6 * 1024 * 4))  # 6 MB
    threshold = 5 * 1024 * 1024

    deploy_site(multipart_threshold=threshold)
    etag = s3.client.head_object(Bucket=s3.bucket, Key="site/media/video/council.mp4")["ETag"]
    assert "-" in etag  # a multipart ETag: not the MD5 of the bytes

    again = deploy_site(multipart_threshold=threshold)
    assert again.uploaded == []

    # Even with the manifest lost, the object's own metadata says it is current.
    s3.client.delete_object(Bucket=s3.bucket, Key=f"site/{MANIFEST_NAME}")
    client = make_client()
    counter = RequestCounter(client)
    without_manifest = deploy_site(multipart_threshold=threshold, client=client)
    assert without_manifest.uploaded == []
    assert "UploadPart" not in counter.by_operation
    assert counter.by_operation["PutObject"] == 1  # the manifest, written again


def test_a_server_failing_mid_deploy_exits_non_zero_deletes_nothing_and_a_rerun_converges(
    site, s3, settings, subprocess_env
):
    stale = {"site/old-page.html": b"gone from the site", "site/older/index.html": b"gone"}
    write_site(site, {key.removeprefix("site/"): body for key, body in stale.items()})
    deploy_site()  # an earlier deploy uploaded them: they are the site's to delete
    for key in stale:
        (site / key.removeprefix("site/")).unlink()
    write_site(site, many_pages(40))
    env = {
        **subprocess_env,
        "PUBLISHER_S3_BUCKET": s3.bucket,
        "PUBLISHER_S3_PREFIX": "site",
        "AWS_MAX_ATTEMPTS": "2",
    }

    with FlakyS3(s3.endpoint, fail_after_puts=15) as flaky:
        failed = subprocess.run(
            [sys.executable, "manage.py", "deploy", "--no-progress"],
            cwd=ROOT,
            env={**env, "AWS_ENDPOINT_URL": flaky.url},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert failed.returncode == 1
        assert "nothing was deleted" in failed.stderr
        assert flaky.failed > 0
        assert set(stale) <= keys(s3, "site/")  # nothing deleted
        assert 0 < len(keys(s3, "site/")) - len(stale) - len(PLAIN_SITE) - 1 < 40

        flaky.heal()
        rerun = subprocess.run(
            [sys.executable, "manage.py", "deploy", "--no-progress"],
            cwd=ROOT,
            env={**env, "AWS_ENDPOINT_URL": flaky.url},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert rerun.returncode == 0, rerun.stderr
    assert ", 2 deleted" in rerun.stdout

    clean = f"{s3.bucket}-clean"
    s3.client.create_bucket(Bucket=clean)
    settings.PUBLISHER_S3_BUCKET = clean
    deploy_site()
    assert bucket_state(s3) == bucket_state(s3, clean)


def test_transient_errors_are_retried_with_backoff(site, s3, monkeypatch):
    with FlakyS3(s3.endpoint, fail_first_puts=3) as flaky:
        monkeypatch.setenv("AWS_ENDPOINT_URL", flaky.url)
        result = deploy_site()

    assert flaky.failed == 3
    assert len(result.uploaded) == len(PLAIN_SITE)
    assert keys(s3, "site/") == {f"site/{f}" for f in PLAIN_SITE} | {f"site/{MANIFEST_NAME}"}
