"""Benchmark: readers' comments.

    .venv/bin/python bench/comments.py                         # 10,000 stories, 50,000 comments
    .venv/bin/python bench/comments.py --stories 2000 --comments 10000 --rounds 2

It seeds a scratch SQLite database (S stories, S/5 obituaries, S/5 crime
reports, then C comments and guestbook entries spread over them, a fifth
of them replies) and measures:
  build     `manage.py build` with every comment approved against none
            (the same rows, pending), taking turns --rounds times: time and
            peak memory of the build's process tree (budget: the build
            budgets, 150 MB);
  approve   an editor approves a waiting comment: from the call to the
            last file of the publish written, the comment on its page
            (median of --repeats; budget under 1 s);
  post      a comment POSTed to lighttpd, forwarded to Django under
            gunicorn (1 worker, 2 threads), to its 302 (median of 30);
  queue     the admin's queue page with 10,000 comments waiting: its
            queries and time (median of 5).
Output goes to --out (default on disk, /tmp/newsroom-bench-comments; a
/dev/shm path for a RAM disk). The scratch folder is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import build as buildbench

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publisher.settings")
    import django

    django.setup()


# -- the measured programs (subprocesses of this script) ------------------------


def child_seed_comments(count: int) -> None:
    """``count`` comments over the live stories and obituaries (pending)."""
    _django()
    import random

    from django.utils import timezone

    from content.comments import digest, render
    from content.models import Comment, Obituary, Story

    rng = random.Random(7)
    items = [("story", pk) for pk in Story.objects.published().values_list("pk", flat=True)]
    items += [("obituary", pk) for pk in Obituary.objects.published().values_list("pk", flat=True)]
    now = timezone.now()
    rows, tops = [], []
    for n in range(count):
        kind, pk = rng.choice(items)
        body = f"Comment {n}: thank you for this, see https://example.org/{n}.\nWell written."
        rows.append(
            Comment(
                kind=kind, item_id=pk, name=f"Reader Ñame {n}", email=f"r{n}@example.org",
                body=body, body_html=render(body), digest=digest(body), token=f"bench-{n}",
                status="pending", posted_at=now - timezone.timedelta(minutes=count - n),
            )
        )  # fmt: skip
    Comment.objects.bulk_create(rows, batch_size=2000)
    # A fifth are replies to an earlier comment on the same item.
    first: dict[tuple[str, int], int] = {}
    replies = []
    for pk, kind, item_id in Comment.objects.order_by("id").values_list("id", "kind", "item_id"):
        key = (kind, item_id)
        if key in first and pk % 5 == 0:
            replies.append(Comment(pk=pk, parent_id=first[key]))
        first.setdefault(key, pk)
    Comment.objects.bulk_update(replies, ["parent"], batch_size=2000)
    tops.append(len(replies))
    print(json.dumps({"comments": count, "replies": len(replies)}))


def child_set_status(status: str) -> None:
    _django()
    from content.models import Comment

    print(Comment.objects.update(status=status))


def child_approve(repeats: int) -> None:
    """Approve a waiting comment on a live story and publish, ``repeats`` times."""
    _django()
    from django.contrib.auth.models import User

    from content.models import Comment, Story
    from desk.comment_moderation import approve
    from publisher.paths import file_path
    from publisher.publish import process_queue

    editor = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "bench", "bench@example.org", "x"
    )
    live = Path(os.environ["PUBLISHER_BUILD_DIR"]) / "site"
    stories = list(Story.objects.published().order_by("-publish_at")[: repeats * 7 : 7])
    seconds, files, edits = [], [], []
    for n, story in enumerate(stories):
        # For scale on this machine now: a headline edit's publish, in turn.
        story.headline = f"{story.headline} ({n})"
        started = time.perf_counter()
        story.save()
        process_queue()
        edits.append(time.perf_counter() - started)
        comment = Comment.objects.create(
            kind="story", item_id=story.pk, name="Bench Reader", email=f"b{n}@example.org",
            body=f"Approved comment {n}", digest=f"bench-approve-{n}", status="pending",
        )  # fmt: skip
        started = time.perf_counter()
        approve([comment], editor)
        result = process_queue()
        seconds.append(time.perf_counter() - started)
        files.append(len(result.written))
        page = (live / file_path(story.get_absolute_url())).read_text()
        assert f'id="comment-{comment.pk}"' in page, "the comment is not on its page"
    print(json.dumps({"median": statistics.median(seconds), "worst": max(seconds),
                      "files": statistics.median(files), "edit": statistics.median(edits)}))  # fmt: skip


def child_queue(waiting: int, repeats: int) -> None:
    """The queue page with ``waiting`` comments waiting: queries and time."""
    _django()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from content.models import Comment

    Comment.objects.update(status="approved")  # the builds left them either way
    ids = list(Comment.objects.order_by("-id").values_list("id", flat=True)[:waiting])
    Comment.objects.filter(id__in=ids).update(status="pending")
    user = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "bench", "bench@example.org", "x"
    )
    # The admin's pages name static files; no collectstatic's manifest here.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
    client = Client(HTTP_HOST="127.0.0.1")  # one of the default ALLOWED_HOSTS
    client.force_login(user)
    url = "/admin/desk/commentqueue/?status__exact=pending"
    seconds, queries = [], 0
    for _ in range(repeats):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            seconds.append(time.perf_counter() - started)
        assert response.status_code == 200
        queries = len(captured)
    print(json.dumps({"median": statistics.median(seconds), "queries": queries,
                      "waiting": Comment.objects.filter(status="pending").count()}))  # fmt: skip


# -- the parent ----------------------------------------------------------------------


def child(argv: list[str], env: dict[str, str]) -> dict:
    out = subprocess.run(
        [PYTHON, __file__, *argv], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def manage(env: dict[str, str], *argv: str) -> None:
    subprocess.run([PYTHON, "manage.py", *argv], cwd=ROOT, env=env, check=True)


def post_through_lighttpd(env: dict[str, str], out: Path, count: int) -> dict:
    os.environ.update(env)  # this process reads the scratch database too
    _django()
    from content.models import Story
    from tests.support import free_port, wait_for  # loopback ports, as the tests find them

    site_port, admin_port = free_port(), free_port()
    site = f"http://127.0.0.1:{site_port}"
    env = dict(env, PUBLISHER_SITE_URL=site, DJANGO_ALLOWED_HOSTS="127.0.0.1",
               PUBLISHER_COMMENT_RATE="100000/h", PUBLISHER_VAR_DIR=str(out / "var"),
               PUBLISHER_COMMENTS_DAYS="0",  # the demo's stories are weeks old: keep them open
               DJANGO_SECRET_KEY="bench-only-" + "x" * 50)  # fmt: skip
    logs = (out / "servers.log").open("w")
    gunicorn = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "--bind", f"127.0.0.1:{admin_port}", "--workers", "1",
         "--threads", "2", "--no-control-socket", "publisher.wsgi:application"],
        cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    lighttpd = subprocess.Popen(
        [PYTHON, "manage.py", "serve", "--port", str(site_port), "--admin-proxy",
         f"127.0.0.1:{admin_port}"],
        cwd=ROOT, env=env, stdout=logs, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for(admin_port)
        wait_for(site_port)
        story = Story.objects.published().order_by("-publish_at").first()
        opener = urllib.request.build_opener(NoRedirect)
        seconds = []
        for n in range(count):
            data = urllib.parse.urlencode(
                {"kind": "story", "item": story.pk, "name": "Zoë Post", "email": f"p{n}@example.org",
                 "body": f"Posted through lighttpd {n}, see https://example.org/{n}"}
            ).encode()  # fmt: skip
            request = urllib.request.Request(  # noqa: S310 (loopback)
                site + "/submit/comment/", data=data, method="POST", headers={"Origin": site}
            )
            started = time.perf_counter()
            try:
                opener.open(request, timeout=30)
                status = 200
            except urllib.error.HTTPError as answer:
                status = answer.code
            seconds.append(time.perf_counter() - started)
            assert status == 302, f"POST answered {status}"
        return {"median": statistics.median(seconds), "worst": max(seconds)}
    finally:
        for process in (lighttpd, gunicorn):
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        logs.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        name, *rest = sys.argv[1:]
        {
            "_seed": lambda: child_seed_comments(int(rest[0])),
            "_status": lambda: child_set_status(rest[0]),
            "_approve": lambda: child_approve(int(rest[0])),
            "_queue": lambda: child_queue(int(rest[0]), int(rest[1])),
        }[name]()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--out", default="/tmp/newsroom-bench-comments")
    args = parser.parse_args()
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{out / 'db.sqlite3'}",
        PUBLISHER_BUILD_DIR=str(out / "build"),
        PUBLISHER_MEDIA_ROOT=str(out / "media"),
        PUBLISHER_SEARCH="false",
        PUBLISHER_TASKS="database",  # the approve child publishes itself
    )
    print(f"seeding {args.stories:,} stories and {args.comments:,} comments…", flush=True)
    manage(env, "migrate", "-v0")
    manage(env, "seed_demo", "--stories", str(args.stories), "--obituaries",
           str(args.stories // 5), "--crimes", str(args.stories // 5), "--seed", "1",
           "--anchor", "2026-11-01", "-v0")  # fmt: skip
    print(child(["_seed", str(args.comments)], env), flush=True)

    builds: dict[str, list[tuple[float, int]]] = {"none": [], "approved": []}
    for round_ in range(args.rounds):
        order = ["none", "approved"] if round_ % 2 == 0 else ["approved", "none"]
        for which in order:
            subprocess.run(
                [PYTHON, __file__, "_status", "pending" if which == "none" else "approved"],
                cwd=ROOT, env=env, check=True, capture_output=True,
            )  # fmt: skip
            seconds, peak, _ = buildbench.run_measured(
                [PYTHON, "manage.py", "build", "--no-progress", "-v0"], env
            )
            builds[which].append((seconds, peak))
            print(f"build {which}: {seconds:.1f} s, {peak} MB", flush=True)
    approve = child(["_approve", str(args.repeats)], env)
    print(f"approve: {approve}", flush=True)
    post = post_through_lighttpd(env, out, 30)
    print(f"post: {post}", flush=True)
    queue = child(["_queue", "10000", "5"], env)
    print(f"queue: {queue}", flush=True)

    none_s = statistics.median(s for s, _ in builds["none"])
    with_s = statistics.median(s for s, _ in builds["approved"])
    none_mb = statistics.median(m for _, m in builds["none"])
    with_mb = statistics.median(m for _, m in builds["approved"])
    print()
    print(f"build, no comments:       {none_s:7.1f} s {none_mb:5} MB (median of {args.rounds})")
    print(f"build, {args.comments:,} approved: {with_s:7.1f} s {with_mb:5} MB "
          f"({with_s / none_s:.2f}x time, {with_mb - none_mb:+} MB)")  # fmt: skip
    print(f"approve -> live:          {approve['median'] * 1000:7.0f} ms median "
          f"(worst {approve['worst'] * 1000:.0f} ms, {approve['files']:.0f} files; a headline "
          f"edit's publish, in turn: {approve['edit'] * 1000:.0f} ms)")  # fmt: skip
    print(f"POST via lighttpd+gunicorn: {post['median'] * 1000:5.0f} ms median "
          f"(worst {post['worst'] * 1000:.0f} ms)")  # fmt: skip
    print(f"queue, {queue['waiting']:,} waiting:   {queue['median'] * 1000:7.0f} ms median, "
          f"{queue['queries']} queries")  # fmt: skip
    print(f"output on {out} ({'RAM disk' if str(out).startswith('/dev/shm') else 'disk'})")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
