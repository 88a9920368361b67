"""Benchmark: reader search in the build, in publishing and in the browser.

    .venv/bin/python bench/search.py                  # 5,000 and 50,000 stories
    .venv/bin/python bench/search.py --sizes 5000 20000
    .venv/bin/python bench/search.py --sizes 5000 --no-browser --rounds 3
    .venv/bin/python bench/search.py --sizes 50000 --seeded /dev/shm/seed-{size}.sqlite3 \
        --out /dev/shm/bench-search
    .venv/bin/python bench/search.py --sizes 10000 50000 250000 --against e28faa1 \
        --seeded /dev/shm/seed-{size}.sqlite3 --out /dev/shm/bench-search

For each size (S stories, S/5 obituaries, S/5 crime reports, seeded by
seed_demo into a scratch SQLite database, or copied from --seeded) it
measures, each in its own process tree (peak RSS summed over the tree, the
indexing processes included; CPU seconds are user+sys of every process of
the tree, which a machine shared with other work disturbs less than wall time):
  build       `manage.py build` with PUBLISHER_SEARCH=false, then =true into an
              empty build directory (cold: every shard indexed), then =true
              again (warm: unchanged shards linked from the live release, as
              the nightly build finds them), --rounds times in turn (medians);
              the budget is cold/off <= 1.30 and peak memory < 250 MB at
              50,000 stories;
  index       publisher.search.write_index alone, on every core as a build
              runs it (seconds, CPU ms per item, peak memory);
  publish     Save-to-searchable: a new story saved with publishing inside
              the save (PUBLISHER_TASKS=immediate), from save() to its words
              in the live index, median of 5, and the same with search off;
  bytes       index bytes per item, and (with Chromium) the requests and bytes
              a reader's browser downloads for a first search of one word
              (--query, "council") and of ten words (--long-query) on
              `python -m http.server` (everything after the page itself),
              each in a new browser.

With --against REV the same database is also built by the engine of commit
REV (bench/against.py: checked out beside this tree), its cold builds taking
turns with this tree's, and its site searched the same way: the report gives
this tree's figures over REV's. Say where --out lived (disk or /dev/shm).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import against
from build import (
    PYTHON,
    ROOT,
    _setup_django,
    drop_database,
    manage,
    run_measured,
    scratch_database,
)

# Ten words of the demo's copy: a query pasted or typed at length.
LONG_QUERY = "council budget school road water fire police park library vote"


def run_tree(
    argv: list[str], env: dict[str, str], cwd: Path = ROOT
) -> tuple[float, float, int, str]:
    """Run a command; return (seconds, CPU seconds of its whole tree, peak
    summed RSS in MB, stdout): ``build.run_measured``, with its CPU figure."""
    seconds, rss, out = run_measured(argv, env, cwd)
    return seconds, run_measured.cpu, rss, out  # type: ignore[attr-defined]


def child_index() -> None:
    """write_index alone, into a scratch directory."""
    _setup_django()
    import resource

    from publisher import search
    from publisher.pages.registry import registry

    out = Path(os.environ["BENCH_OUT"])
    shutil.rmtree(out, ignore_errors=True)
    site = registry().site()
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_SELF)
    result = search.write_index(out, site, jobs=os.cpu_count() or 1)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    indexers = resource.getrusage(resource.RUSAGE_CHILDREN)
    files = [p for p in (out / search.SEARCH_DIR).rglob("*") if p.is_file()]
    shard_bytes = sum(
        p.stat().st_size for p in files if len(p.relative_to(out / search.SEARCH_DIR).parts) > 1
    )
    print(
        json.dumps(
            {
                "seconds": seconds,
                "records": result.records,
                "shards": result.shards,
                "files": len(files),
                "bytes": sum(p.stat().st_size for p in files),
                "shard_bytes": shard_bytes,
                # During write_index only: this process (stamps, one share
                # of the shards) and the forked indexers.
                "parent_cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                "indexers_cpu": indexers.ru_utime + indexers.ru_stime,
            }
        )
    )


def child_publish(repeat: int) -> None:
    """Save a story (publishing runs inside the save) and time it until its
    words are in the live index."""
    _setup_django()
    from django.conf import settings

    from content.models import Author, Section, Status, Story
    from publisher import search, searchindex
    from publisher.releases import live_release

    section, author = Section.objects.first(), Author.objects.first()
    times = []
    for n in range(repeat):
        word = f"benchword{n}x{os.getpid()}"
        started = time.perf_counter()
        story = Story(
            headline=f"Bench story {word}",
            slug=f"bench-{word}",
            section=section,
            status=Status.PUBLISHED,
            body=f"The {word} appears here.",
        )
        story.save()
        times.append(time.perf_counter() - started)
        story.bylines.create(author=author, position=0)
        if settings.PUBLISHER_SEARCH:
            # In the bucket a browser would fetch for the word, of the
            # folder shards.json names.
            root = live_release(Path(settings.PUBLISHER_BUILD_DIR))
            name = search.shard_of(story.publish_at)
            (shard,) = [s for s in search.read_shards(root) if s["name"] == name]
            bucket = searchindex.bucket_of(word, shard["buckets"])
            path = root / search.SEARCH_DIR / name / shard["version"] / f"w{bucket}.idx"
            assert word in searchindex.unpack(path.read_bytes()), "not searchable"
    print(json.dumps({"seconds": statistics.median(times), "all": times}))


def first_searches(site_dir: Path, args: argparse.Namespace) -> dict:
    """The one-word and the ten-word first search, each in a new browser."""
    return {
        "one": first_search_bytes(site_dir, args.query),
        "ten": first_search_bytes(site_dir, args.long_query),
    }


def first_search_bytes(site_dir: Path, query: str) -> dict:
    """What a browser downloads for a first search, served by http.server."""
    import socket

    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [PYTHON, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=site_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium")
            page = browser.new_page()
            seen: list[tuple[str, int]] = []
            page.goto(f"http://127.0.0.1:{port}/search/")
            page.wait_for_load_state("networkidle")
            page.on(
                "requestfinished", lambda r: seen.append((r.url, r.sizes()["responseBodySize"]))
            )
            started = time.perf_counter()
            page.fill("#search-q", query)
            page.click("button[type=submit]")
            page.wait_for_function(
                "() => /results? for|No results/.test(document.querySelector('[data-status]').textContent)",
                timeout=120_000,
            )
            seconds = time.perf_counter() - started
            page.wait_for_load_state("networkidle")
            browser.close()
    finally:
        server.terminate()
        server.wait()
    kinds: dict[str, int] = {}
    for url, size in seen:
        name = url.split("?")[0].rsplit("/", 1)[-1]
        # The kind of file: words.idx, p*.idx, w*.idx, t*.idx, docs.idx, shards.json…
        kind = re.sub(r"-[0-9a-f]+|\d+", "*", name)
        kinds[kind] = kinds.get(kind, 0) + max(size, 0)
    return {
        "requests": len(seen),
        "bytes": sum(max(size, 0) for _, size in seen),
        "by_type": kinds,
        "seconds": seconds,
    }


def bench_size(size: int, args: argparse.Namespace) -> dict:
    out = Path(args.out) / str(size)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    seeded = Path(args.seeded.format(size=size)) if args.seeded else None
    if seeded is not None:
        # A copy: publishing adds stories to it.
        url = f"sqlite:///{out / 'bench.sqlite3'}"
        shutil.copyfile(seeded, out / "bench.sqlite3")
    else:
        url = scratch_database(None, size)
    media = args.seeded_media.format(size=size) if seeded and args.seeded_media else out / "media"
    env = dict(
        os.environ,
        DATABASE_URL=url,
        PUBLISHER_MEDIA_ROOT=str(media),
        PUBLISHER_TASKS="immediate",
        DJANGO_SETTINGS_MODULE="publisher.settings",
    )
    row: dict = {"size": size}
    try:
        if seeded is None:
            print(f"[{size:,} stories] seeding…", flush=True)
            manage(env, "migrate", "-v0")
            manage(
                env, "seed_demo", "--stories", str(size), "--obituaries", str(size // 5),
                "--crimes", str(size // 5), "--seed", "1", "--anchor", "2026-11-01", "-v0",
            )  # fmt: skip
        build = [PYTHON, "manage.py", "build", "--no-progress", "--keep", "2"]
        runs: dict[str, list] = {"off": [], "cold": [], "warm": []}
        steps = [
            ("off", "false", out / "off", ROOT),
            ("cold", "true", out / "on", ROOT),
            ("warm", "true", out / "on", ROOT),
        ]
        if args.against:
            runs["against_cold"] = []
            steps.append(("against_cold", "true", out / "against", against.checkout(args.against)))
        for turn in range(args.rounds):
            # In turn, so that the others' load on a shared machine falls on each alike.
            shutil.rmtree(out / "on", ignore_errors=True)
            shutil.rmtree(out / "against", ignore_errors=True)
            for name, search_on, build_dir, tree in steps:
                print(f"[{size:,}] build {turn + 1}/{args.rounds}, search {name}…", flush=True)
                step_env = dict(env, PUBLISHER_SEARCH=search_on, PUBLISHER_BUILD_DIR=str(build_dir))
                seconds, cpu, rss, _ = run_tree(build, step_env, tree)
                runs[name].append((seconds, cpu, rss))
        for name, measured in runs.items():
            row[f"build_{name}"] = [statistics.median(m[i] for m in measured) for i in range(3)]
        row["build_runs"] = runs
        print(f"[{size:,}] index alone…", flush=True)
        index_env = dict(env, BENCH_OUT=str(out / "index-only"), PYTHONPATH=str(ROOT))
        seconds, cpu, rss, stdout = run_tree([PYTHON, __file__, "_index"], index_env)
        row["index"] = {**json.loads(stdout.strip().splitlines()[-1]), "rss": rss, "cpu": cpu}
        shutil.rmtree(out / "index-only", ignore_errors=True)
        for name, search_on, build_dir in [
            ("publish_off", "false", out / "off"),
            ("publish_on", "true", out / "on"),
        ]:
            print(f"[{size:,}] {name}…", flush=True)
            step_env = dict(
                env,
                PUBLISHER_SEARCH=search_on,
                PUBLISHER_BUILD_DIR=str(build_dir),
                PYTHONPATH=str(ROOT),
            )
            _, _, stdout = run_measured([PYTHON, __file__, "_publish", str(args.repeat)], step_env)
            row[name] = json.loads(stdout.strip().splitlines()[-1])["seconds"]
        if args.browser:
            print(f"[{size:,}] first searches in Chromium…", flush=True)
            row["first_search"] = first_searches((out / "on" / "site").resolve(), args)
            if args.against:
                site = (out / "against" / "site").resolve()
                row["against_search"] = first_searches(site, args)
    finally:
        if seeded is None:
            drop_database(None, url)
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    return row


def _search_text(found: dict | None) -> str:
    if not found:
        return "-"
    return f"{found['requests']} req / {found['bytes'] / 1024:,.0f} KB ({found['seconds']:.2f} s)"


def bench_index_only(size: int, args: argparse.Namespace) -> dict:
    """--index-only: the index written alone from a seeded database, then
    searched in Chromium on a copy of --page-from's search page and static
    files (no build: for sizes whose builds take too long to rerun)."""
    out = Path(args.out) / str(size)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    shutil.copyfile(args.seeded.format(size=size), out / "bench.sqlite3")
    env = dict(
        os.environ,
        DATABASE_URL=f"sqlite:///{out / 'bench.sqlite3'}",
        DJANGO_SETTINGS_MODULE="publisher.settings",
        BENCH_OUT=str(out / "index-only"),
        PYTHONPATH=str(ROOT),
    )
    row: dict = {"size": size}
    print(f"[{size:,}] index alone…", flush=True)
    seconds, cpu, rss, stdout = run_tree([PYTHON, __file__, "_index"], env)
    row["index"] = {**json.loads(stdout.strip().splitlines()[-1]), "rss": rss, "cpu": cpu}
    if args.browser and args.page_from:
        page = Path(args.page_from).resolve()
        site = out / "site"
        shutil.copytree(page / "static", site / "static")
        (site / "search").mkdir()
        shutil.copyfile(page / "search" / "index.html", site / "search" / "index.html")
        os.replace(out / "index-only" / "search" / "index", site / "search" / "index")
        print(f"[{size:,}] first searches in Chromium…", flush=True)
        row["first_search"] = first_searches(site, args)
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    return row


def report_index_only(rows: list[dict]) -> None:
    print()
    print("stories | index alone s (CPU s)/MB | records | shards | first one-word | ten-word")
    for row in rows:
        index, found = row["index"], row.get("first_search") or {}
        print(
            f"{row['size']:,} | {index['seconds']:.1f} ({index['cpu']:.1f})/{index['rss']} | "
            f"{index['records']:,} | {index['shards']} | {_search_text(found.get('one'))} | "
            f"{_search_text(found.get('ten'))}"
        )
        for name in ("one", "ten"):
            if found.get(name):
                print(f"    {name}: by type {json.dumps(found[name]['by_type'])}")
    print(json.dumps(rows))


def report(rows: list[dict]) -> None:
    print()
    print(
        "stories | build off s (CPU s)/MB | search cold s (CPU s)/MB, ratio wall (CPU) | "
        "warm s (CPU s)/MB, ratio wall (CPU) | index alone s (CPU s)/MB, CPU ms/item | "
        "records | shards | bytes/item | save->searchable s (off)"
    )
    for row in rows:
        off_s, off_cpu, off_mb = row["build_off"]
        cold_s, cold_cpu, cold_mb = row["build_cold"]
        warm_s, warm_cpu, warm_mb = row["build_warm"]
        index = row["index"]
        records = max(1, index["records"])
        per_item = index["shard_bytes"] / records
        print(
            f"{row['size']:,} | {off_s:.1f} ({off_cpu:.1f})/{off_mb} | "
            f"{cold_s:.1f} ({cold_cpu:.1f})/{cold_mb}, {cold_s / off_s:.2f} ({cold_cpu / off_cpu:.2f}) | "
            f"{warm_s:.1f} ({warm_cpu:.1f})/{warm_mb}, {warm_s / off_s:.2f} ({warm_cpu / off_cpu:.2f}) | "
            f"{index['seconds']:.1f} ({index['cpu']:.1f})/{index['rss']}, "
            f"{index['cpu'] / records * 1000:.2f} | "
            f"{index['records']:,} | {index['shards']} | {per_item:,.0f} | "
            f"{row['publish_on']:.2f} ({row['publish_off']:.2f})"
        )
    print()
    print("stories | first one-word search | first ten-word search | (against) one | ten | ratios")
    for row in rows:
        mine, theirs = row.get("first_search") or {}, row.get("against_search") or {}
        ratios = ""
        if mine and theirs:
            ratios = ", ".join(
                f"{q}: requests {mine[q]['requests'] / max(1, theirs[q]['requests']):.2f}, "
                f"bytes {mine[q]['bytes'] / max(1, theirs[q]['bytes']):.2f}"
                for q in ("one", "ten")
            )
        if "build_against_cold" in row:
            a_s, a_cpu, a_mb = row["build_against_cold"]
            cold_s, cold_cpu, cold_mb = row["build_cold"]
            ratios += (
                f"; cold build wall {cold_s / a_s:.2f}, CPU {cold_cpu / a_cpu:.2f}, "
                f"memory {cold_mb / a_mb:.2f}"
            )
        print(
            f"{row['size']:,} | {_search_text(mine.get('one'))} | {_search_text(mine.get('ten'))} | "
            f"{_search_text(theirs.get('one'))} | {_search_text(theirs.get('ten'))} | {ratios}"
        )
        for name, found in [("one", mine.get("one")), ("ten", mine.get("ten"))]:
            if found:
                print(f"    {name}: by type {json.dumps(found['by_type'])}")
    print(json.dumps(rows))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_index":
        child_index()
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_publish":
        child_publish(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--out", default="/tmp/newsroom-bench-search")
    parser.add_argument("--repeat", type=int, default=5, help="saves timed per publish step")
    parser.add_argument("--rounds", type=int, default=1, help="off/cold/warm builds, in turn")
    parser.add_argument(
        "--seeded",
        help="a seeded SQLite file to copy instead of seeding, {size} in its name "
        "(seed_demo --stories S --obituaries S/5 --crimes S/5 --seed 1 --anchor 2026-11-01)",
    )
    parser.add_argument("--seeded-media", help="the uploads of --seeded, {size} in its name")
    parser.add_argument("--query", default="council", help="the one-word search")
    parser.add_argument("--long-query", default=LONG_QUERY, help="the ten-word search")
    parser.add_argument("--against", help="a revision whose engine is measured too, in turns")
    parser.add_argument("--no-browser", dest="browser", action="store_false")
    parser.add_argument("--keep", action="store_true", help="keep the builds under --out")
    parser.add_argument(
        "--index-only",
        action="store_true",
        help="no builds: the index alone (from --seeded), searched on --page-from's search page",
    )
    parser.add_argument("--page-from", help="a built site whose search page and static files serve")
    args = parser.parse_args()
    if args.index_only and not args.seeded:
        parser.error("--index-only needs --seeded")
    rows = []
    for size in args.sizes:
        rows.append((bench_index_only if args.index_only else bench_size)(size, args))
        print(json.dumps(rows[-1]), flush=True)  # each size's figures as soon as they are in
    (report_index_only if args.index_only else report)(rows)


if __name__ == "__main__":
    main()
