"""The docs' screenshots, made from a small demo in Chromium (``scripts/docs``).

Seeds a small newsroom into a scratch directory, builds it, serves the site
with lighttpd (``manage.py serve``) and the admin with Django, and has
Debian's chromium (Playwright, as ``tests/e2e/`` drives it) take each picture
the docs show: the front page, a story on a phone, the admin's story editor,
History, a takedown request, the community desk's queues. Each is stored as
WebP (Pillow) in the directory given, named as the docs' ``{screenshot}``
directive names it. Nothing here touches the checkout's own database.

    .venv/bin/python docs/screenshots.py build/docs-shots
"""

from __future__ import annotations

import io
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            raise SystemExit(f"screenshots: a server stopped (exit {process.returncode})")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"screenshots: nothing listens on port {port}")


def scratch_env(scratch: Path, **extra: str) -> dict[str, str]:
    """The environment of a newsroom kept wholly in ``scratch`` (database,
    var/, build/, media), never the checkout's own: here and for the docs'
    console examples (docs/conftest.py)."""
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{scratch / 'newsroom.sqlite3'}",
        "PUBLISHER_VAR_DIR": str(scratch / "var"),
        "PUBLISHER_BUILD_DIR": str(scratch / "build"),
        "PUBLISHER_MEDIA_ROOT": str(scratch / "media"),
        "PUBLISHER_SUBMISSIONS_ROOT": str(scratch / "submissions"),
        **extra,
    }


def save(png: bytes, target: Path, width: int | None = None) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if width and image.width > width:
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
    image.save(target, "WEBP", quality=78, method=6)


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="newsroom-docs-shots-"))
    site_port, admin_port = free_port(), free_port()
    password = secrets.token_urlsafe(12)
    env = scratch_env(
        scratch,
        PUBLISHER_SITE_URL=f"http://127.0.0.1:{site_port}",
        PUBLISHER_SEARCH="false",
        DJANGO_DEBUG="true",
        DJANGO_SUPERUSER_PASSWORD=password,
    )

    def manage(*args: str) -> None:
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)

    manage("migrate", "--noinput", "-v0")
    manage("seed_demo", "--stories", "80", "--obituaries", "10", "--crimes", "10",
           "--births", "4", "--weddings", "4", "--seed", "1", "-v0")  # fmt: skip
    manage("shell", "--no-imports", "-c", SETUP)
    manage("build", "--no-progress", "-v0")
    servers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{admin_port}", "--noreload"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(site_port),
             "--admin-proxy", f"127.0.0.1:{admin_port}"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ),
    ]  # fmt: skip
    try:
        wait_for(admin_port, servers[0])
        wait_for(site_port, servers[1])
        site = f"http://127.0.0.1:{site_port}"
        admin = f"http://127.0.0.1:{admin_port}"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                shoot(browser, site, admin, password, out)
            finally:
                browser.close()
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
        subprocess.run(["rm", "-rf", str(scratch)], check=False)


# Run in the scratch database before the build: the editor, a reader's
# submission and comment waiting, a takedown request received.
SETUP = """
import os
from django.contrib.auth import get_user_model
from content.models import Story
User = get_user_model()
user, _ = User.objects.get_or_create(username="editor", defaults={"is_staff": True, "is_superuser": True})
user.set_password(os.environ["DJANGO_SUPERUSER_PASSWORD"])
user.save()
story = Story.objects.published().order_by("-publish_at").first()
from records.models import TakedownRequest
TakedownRequest.objects.create(requester="A. Reader", contact="reader@example.com", kind="story",
    object_id=story.pk, reason="My name is in this story about a minor traffic stop; I ask that it be removed.")
from desk.models import Submission
Submission.objects.create(kind="tip", name="Anna Quist", email="anna@example.com",
    fields={"body": "The footbridge on Mill Road has been closed for a week."})
Submission.objects.create(kind="letter", name="Ben Ortiz", email="ben@example.com",
    fields={"subject": "Keep the library open on Sundays",
            "body": "The library is where my children learned to read.", "hometown": "Millbrook"})
from content.comments import digest
from content.models import Comment
for name, body in (("Carol Lind", "The new playground is wonderful; thank you to every donor."),
                   ("Dan Moe", "Will the bridge be open again before the school year starts?")):
    Comment.objects.create(kind="story", item_id=story.pk, name=name, email=name.split()[0].lower() + "@example.org",
        body=body, digest=digest(body), held_for="first comment")
"""


def shoot(browser, site: str, admin: str, password: str, out: Path) -> None:
    desktop = browser.new_context(viewport=DESKTOP)
    page = desktop.new_page()
    page.goto(site + "/")
    save(page.screenshot(), out / "site-front.webp", width=1024)
    story_url = page.locator("main a[href*='/news/20']").first.get_attribute("href")

    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    phone_page = phone.new_page()
    phone_page.goto(site + story_url)
    save(phone_page.screenshot(), out / "story-phone.webp", width=390)
    phone.close()

    page.goto(admin + "/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(admin + "/admin/")
    save(page.screenshot(), out / "admin-home.webp", width=1024)
    page.goto(admin + "/admin/content/story/")
    save(page.screenshot(), out / "admin-story-list.webp", width=1024)
    page.locator("#result_list tbody th a").first.click()
    page.wait_for_load_state()
    save(page.screenshot(), out / "admin-story-editor.webp", width=1024)
    editor_url = page.url
    page.goto(editor_url.rstrip("/").removesuffix("/change") + "/history/")
    save(page.screenshot(), out / "admin-history.webp", width=1024)
    for name, path in (
        ("admin-takedowns", "/admin/records/takedownrequest/"),
        ("admin-submissions", "/admin/desk/submission/"),
        ("admin-comments", "/admin/desk/commentqueue/"),
    ):
        page.goto(admin + path)
        save(page.screenshot(), out / f"{name}.webp", width=1024)
    page.goto(admin + "/admin/records/takedownrequest/")
    link = page.locator("#result_list tbody th a").first
    if link.count():
        link.click()
        page.wait_for_load_state()
        save(page.screenshot(full_page=False), out / "admin-takedown.webp", width=1024)
    desktop.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "build" / "docs-shots"))
