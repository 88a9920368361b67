"""Benchmark: what keeping a revision adds to a save's path to the live page.

    .venv/bin/python bench/revisions.py                  # 1,000 and 20,000 stories
    .venv/bin/python bench/revisions.py --sizes 1000 --repeats 21

Seeds a scratch SQLite database like bench/publish.py, builds it, then in one
process edits a live story's headline and publishes, again and again,
alternating between revisions kept (the normal path: records.revisions'
hook writes a revision and versions of the story and its byline) and not
kept (the hook disconnected). Interleaving cancels the load of a shared
machine; the figure is the ratio of the medians, from the save to the last
file written. Budget: revisions add at most 10%.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(repeats: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publisher.settings")
    import django

    django.setup()
    from django.db.models.signals import post_save
    from reversion.models import Version

    from content.models import Story
    from publisher.publish import process_queue
    from records import revisions

    ids = list(Story.objects.published().order_by("-publish_at").values_list("pk", flat=True)[:50])
    timings: dict[str, list[float]] = {"kept": [], "not kept": []}
    for i in range(repeats):
        order = ["kept", "not kept"] if i % 2 else ["not kept", "kept"]
        for mode in order:
            if mode == "not kept":
                post_save.disconnect(sender=Story, dispatch_uid=f"revision-{Story}")
            story = Story.objects.get(pk=ids[i % len(ids)])
            story.headline = f"{story.headline[:150]} ({mode} {i})"
            before = Version.objects.count()
            started = time.perf_counter()
            story.save()
            process_queue()
            timings[mode].append(time.perf_counter() - started)
            kept = Version.objects.count() - before
            # Nothing, or the story and its bylines.
            assert (kept == 0) if mode == "not kept" else (kept >= 2), (mode, kept)
            if mode == "not kept":
                post_save.connect(
                    revisions._keep_revision, sender=Story, dispatch_uid=f"revision-{Story}"
                )
    kept, bare = (statistics.median(timings[m]) for m in ("kept", "not kept"))
    print(f"{kept:.4f} {bare:.4f} {kept / bare:.3f}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        child(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,20000")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--out", default="/tmp/newsroom-bench-revisions")
    args = parser.parse_args()
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        out = Path(args.out) / str(size)
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        env = dict(
            os.environ,
            DATABASE_URL=f"sqlite:///{out / 'db.sqlite3'}",
            PUBLISHER_BUILD_DIR=str(out / "build"),
            PUBLISHER_MEDIA_ROOT=str(out / "media"),
            PUBLISHER_TASKS="database",
        )

        def manage(*argv: str, env: dict = env) -> None:
            subprocess.run([sys.executable, "manage.py", *argv], cwd=ROOT, env=env, check=True)

        print(f"[{size:,} stories] seeding and building…", flush=True)
        manage("migrate", "-v0")
        manage("seed_demo", "--stories", str(size), "--obituaries", str(size // 5),
               "--crimes", str(size // 5), "--seed", "1", "--anchor", "2026-11-01", "-v0")  # fmt: skip
        manage("build", "--no-progress", "-v0")
        line = subprocess.run(
            [sys.executable, str(Path(__file__)), "_child", str(args.repeats)],
            cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True,
        ).stdout.split()  # fmt: skip
        shutil.rmtree(out, ignore_errors=True)
        rows.append((size, *map(float, line)))
    print()
    print(f"{'stories':>8} {'kept s':>8} {'not kept s':>11} {'ratio':>6}")
    for size, kept, bare, ratio in rows:
        print(f"{size:>8,} {kept:>8.4f} {bare:>11.4f} {ratio:>6.3f}")
    print("budget: revisions add at most 10% to a save's path to the live page (ratio <= 1.10)")


if __name__ == "__main__":
    main()
