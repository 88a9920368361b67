"""The newsroom as it runs in production, for a real browser.

lighttpd (``manage.py serve --admin-proxy``) serves the built site and
forwards ``/admin/`` and ``/preview/`` to Django under gunicorn, so editors
and readers use one address, as they do in production. Debian's chromium,
driven by Playwright, is the editors' and the readers' browser.
"""

from __future__ import annotations

import contextlib
import importlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from publisher.build import build_site

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# Playwright's own browser download is not used: Debian's chromium is (scripts/setup dev).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"Debian's chromium is not at {CHROMIUM} (scripts/setup dev installs it)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float = 2.0) -> bool:
    """Ask ``predicate`` again and again until it is true or ``timeout`` seconds
    have passed; whether it became true. It is always asked at least once."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    log: Path

    def wait_for(self, port: int, timeout: float = 20.0) -> None:
        def listening() -> bool:
            assert self.process.poll() is None, f"{self.name} exited:\n{self.log.read_text()}"
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        assert wait_until(listening, timeout), f"{self.name} is not listening on {port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@dataclass
class Newsroom:
    """The running newsroom: the site (and, through its proxy, the admin) at ``url``."""

    url: str
    env: dict[str, str]  # for manage.py in a subprocess, as cron runs it
    artifacts: Path

    def at(self, path: str) -> str:
        return self.url + path

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )


def ensure_newsroom_groups() -> None:
    """Reporters and Editors, as migration 0003 makes them.

    A transactional test that ran earlier flushed the tables, and with them
    the rows data migrations made; then make them again, with the migration's
    own code.
    """
    if Group.objects.filter(name__in=["Reporters", "Editors"]).count() == 2:
        return
    migration = importlib.import_module("content.migrations.0003_newsroom_groups")
    state = MigrationLoader(connection).project_state(("content", "0003_newsroom_groups"))
    migration.create_groups(state.apps, None)
    # And the later migrations' rights: the births and weddings, the submissions queue.
    for app, name, grant in [
        ("content", "0008_births_and_weddings", "grant"),
        ("desk", "0002_newsroom_rights", "grant"),
        ("desk", "0005_comment_rights", "grant"),
    ]:
        later = importlib.import_module(f"{app}.migrations.{name}")
        getattr(later, grant)(MigrationLoader(connection).project_state((app, name)).apps, None)


def member_of(group: str, username: str, password: str) -> User:
    user = User.objects.create_user(username, password=password, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def newsroom_site(transactional_db, settings, subprocess_env, tmp_path) -> Iterator[Newsroom]:
    """A seeded newsroom, built, served by lighttpd with the admin (gunicorn)
    behind it; publishing on save runs in the gunicorn process after commit."""
    site_port, admin_port = free_port(), free_port()
    site_url = f"http://127.0.0.1:{site_port}"
    settings.PUBLISHER_SITE_URL = site_url  # canonical links and feeds of the build
    build_dir = Path(settings.PUBLISHER_BUILD_DIR)
    artifacts = ARTIFACTS / connection.vendor
    shutil.rmtree(artifacts, ignore_errors=True)
    artifacts.mkdir(parents=True)
    env = {
        **subprocess_env,
        "PUBLISHER_SITE_URL": site_url,
        "PUBLISHER_VAR_DIR": str(tmp_path / "var"),
        "PUBLISHER_TASKS": "thread",
        "PUBLISHER_SEARCH": "true",
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECRET_KEY": "e2e-only-secret-key-" + "x" * 40,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    settings.PUBLISHER_SEARCH = True  # the day searches, as readers do
    ensure_newsroom_groups()
    call_command("seed_demo", stories=60, obituaries=10, crimes=10, seed=5, replace=True)
    build_site(jobs=1)
    # Where Django looks for the collected static files' manifest (the admin's
    # pages name the fingerprinted files lighttpd serves from the release).
    (build_dir / "static-collected").symlink_to(settings.STATIC_ROOT)

    servers: list[Server] = []

    def start(name: str, args: list[str]) -> Server:
        log = artifacts / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        server = Server(name, process, log)
        servers.append(server)
        return server

    try:
        admin = start(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{admin_port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--graceful-timeout",
                "5",
                # Not the one control socket in $HOME that every gunicorn shares.
                "--no-control-socket",
                "publisher.wsgi:application",
            ],
        )
        site = start(
            "lighttpd",
            [
                sys.executable,
                "manage.py",
                "serve",
                "--port",
                str(site_port),
                "--admin-proxy",
                f"127.0.0.1:{admin_port}",
            ],
        )
        admin.wait_for(admin_port)
        site.wait_for(site_port)
        yield Newsroom(url=site_url, env=env, artifacts=artifacts)
    finally:
        for server in reversed(servers):
            server.stop()


CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator:
    # Fixtures read it on teardown, to keep screenshots of a failure.
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


@pytest.fixture
def browser(monkeypatch) -> Iterator[Browser]:
    # Playwright's sync API keeps an asyncio loop running in this thread, and
    # Django refuses ORM calls from a thread with a running loop; the test's
    # own ORM calls are plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def close(context: BrowserContext, request: pytest.FixtureRequest, name: str) -> None:
    """Close a browser profile; if the test failed, keep what its pages showed."""
    if request.node.stash.get(CALL_FAILED, False):
        directory = ARTIFACTS / connection.vendor / "failed"
        directory.mkdir(parents=True, exist_ok=True)
        for number, page in enumerate(context.pages, start=1):
            with contextlib.suppress(PlaywrightError):  # a crashed page: nothing to keep
                page.screenshot(path=directory / f"{name}-{number}.png", full_page=True)
    context.close()


@pytest.fixture
def reader(browser, request) -> Iterator[Page]:
    """A reader's browser. Pages are cached for five minutes (Cache-Control);
    this reader reloads, so it sees what lighttpd serves now."""
    context = browser.new_context(extra_http_headers={"Cache-Control": "no-cache"})
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        close(context, request, "reader")


@pytest.fixture
def new_context(browser, request) -> Iterator[Callable[[], BrowserContext]]:
    """Fresh browser profiles (no cookies): one per person at the keyboard."""
    contexts: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    try:
        yield make
    finally:
        for number, context in enumerate(contexts, start=1):
            close(context, request, f"context-{number}")
