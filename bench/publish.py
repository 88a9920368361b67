"""Benchmark: publishing one story, from commit to the last file written.

    .venv/bin/python bench/publish.py                 # 1,000, 20,000 and 50,000 stories
    .venv/bin/python bench/publish.py --sizes 1000    # one size

For each size it seeds a scratch SQLite database (S stories, S/5 obituaries,
S/5 crime reports), runs a full build, then times, five times each:
  edit   a live story's headline is changed and saved;
  new    a new story is created and published.
Edits go to stories of the busiest month (the biggest archive page). At
20,000 stories the sitemap is one file of about 29,000 URLs; at 50,000 it is
an index of part files.
The time runs from the save's commit to the return of the publish (every
affected file written). Budget: under one second, and no slower at 50,000
stories than at 1,000. The build's output is on --out (default on disk).
With --against REV the same is measured with the engine of commit REV
(checked out beside this one, see bench/against.py), on a database seeded
alike.
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

import against
from figures import Figures

ROOT = Path(__file__).resolve().parents[1]


def child(repeats: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publisher.settings")
    import django

    django.setup()
    from django.utils import timezone

    from content.models import Author, Byline, Section, Story
    from publisher.publish import process_queue

    # Edits go to stories of the busiest month: its archive page is the
    # biggest page a save rewrites.
    by_month: dict[tuple[int, int], list[int]] = {}
    for pk, when in Story.objects.published().values_list("pk", "publish_at"):
        local = timezone.localtime(when)
        by_month.setdefault((local.year, local.month), []).append(pk)
    busiest = max(by_month.values(), key=len)
    story_ids = sorted(busiest)[:: max(1, len(busiest) // repeats)]
    timings: dict[str, list[tuple[float, int, float]]] = {"edit": [], "new": []}
    for i in range(repeats):
        story = Story.objects.get(pk=story_ids[i])
        story.headline = f"{story.headline} (updated {i})"
        started, cpu = time.perf_counter(), time.process_time()
        story.save()
        result = process_queue()
        timings["edit"].append(
            (time.perf_counter() - started, len(result.written), time.process_time() - cpu)
        )

        started, cpu = time.perf_counter(), time.process_time()
        new = Story.objects.create(
            headline=f"Bench story {i}", slug=f"bench-story-{i}", status="published",
            section=Section.objects.first(), body="Just in.",
        )  # fmt: skip
        Byline.objects.create(story=new, author=Author.objects.first())
        result = process_queue()
        timings["new"].append(
            (time.perf_counter() - started, len(result.written), time.process_time() - cpu)
        )
    for kind, runs in timings.items():
        seconds = [s for s, _, _ in runs]
        files = [n for _, n, _ in runs]
        cpu_seconds = statistics.median(c for _, _, c in runs)
        print(
            f"{kind} {statistics.median(seconds):.3f} {max(seconds):.3f} "
            f"{statistics.median(files):.0f} {cpu_seconds:.3f}"
        )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        child(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,20000,50000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default="/tmp/newsroom-bench-publish")
    parser.add_argument("--against", metavar="REV", help="also publish with the engine of REV")
    parser.add_argument(
        "--figures", metavar="DIR", help="also write the figures as JSON, CSV and an SVG chart"
    )
    args = parser.parse_args()
    trees = [("this", ROOT)]
    if args.against:
        trees.append((against.label(args.against), against.checkout(args.against)))
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        for which, tree in trees:
            for kind, median, worst, files in measure(size, tree, args):
                rows.append((size, which, kind, median, worst, files))
    print()
    print(f"{'stories':>8} {'engine':>8} {'change':>7} {'median s':>9} {'worst s':>8} {'files':>6}")
    for size, which, kind, median, worst, files in rows:
        print(f"{size:>8,} {which:>8} {kind:>7} {median:>9.3f} {worst:>8.3f} {files:>6}")
    print("budget: under 1 s from commit to the last file, flat from 1,000 to 50,000 stories")
    if args.figures:
        for path in figures(rows, args).write(Path(args.figures)):
            print(f"figures: {path}")


def figures(rows: list[tuple], args: argparse.Namespace) -> Figures:
    """The run's figures as files (``--figures DIR``): seconds against stories."""
    series: dict[str, list[tuple[float, float]]] = {}
    for size, which, kind, median, _worst, _files in rows:
        series.setdefault(f"{kind} ({which})", []).append((size, median))
    return Figures(
        name="publish",
        title="Publishing one story: commit to last file against archive size",
        x_label="stories in the archive",
        y_label="seconds (median)",
        columns=["stories", "engine", "change", "median s", "worst s", "files"],
        rows=[list(row) for row in rows],
        series=series,
        note=f"output on {args.out}; medians of {args.repeats}; SQLite",
    )


def measure(size: int, tree: Path, args: argparse.Namespace) -> list[tuple[str, float, float, int]]:
    """Seed, build and time the publishes with the code of ``tree``."""
    out = Path(args.out) / str(size)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{out / 'db.sqlite3'}",
        PUBLISHER_BUILD_DIR=str(out / "build"),
        PUBLISHER_MEDIA_ROOT=str(out / "media"),
        PUBLISHER_TASKS="immediate",
        PYTHONPATH=str(tree),
    )

    def manage(*argv: str) -> None:
        subprocess.run([sys.executable, "manage.py", *argv], cwd=tree, env=env, check=True)

    print(f"[{size:,} stories] seeding and building ({tree.name})…", flush=True)
    manage("migrate", "-v0")
    manage("seed_demo", "--stories", str(size), "--obituaries", str(size // 5),
           "--crimes", str(size // 5), "--seed", "1", "--anchor", "2026-11-01", "-v0")  # fmt: skip
    manage("build", "--no-progress", "-v0")
    # Saves queue work for "immediate" publishing; the child times the publish itself.
    env_child = dict(env, PUBLISHER_TASKS="database")
    out_text = subprocess.run(
        [sys.executable, str(tree / "bench" / "publish.py"), "_child", str(args.repeats)],
        cwd=tree, env=env_child, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    shutil.rmtree(out, ignore_errors=True)
    rows = []
    for line in out_text.strip().splitlines():
        kind, median, worst, files = line.split()[:4]
        rows.append((kind, float(median), float(worst), int(files)))
    return rows


if __name__ == "__main__":
    main()
