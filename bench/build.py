"""Benchmark: the full build against django-distill and the template engine alone.

    .venv/bin/python bench/build.py              # 5,000 and 50,000 stories
    .venv/bin/python bench/build.py --quick      # 5,000 stories only
    .venv/bin/python bench/build.py --sizes 1000 --database-url mysql://root@127.0.0.1:3306/x
    .venv/bin/python bench/build.py --quick --against 5cf6dcb --repeat 3
    .venv/bin/python bench/build.py --sizes 10000,50000 --against 2c43702 --repeat 3 \
        --reuse /dev/shm/bench --out /dev/shm/bench/out --skip-distill --skip-floor

For each size (S stories, S/5 obituaries, S/5 crime reports) it seeds a
scratch database with seed_demo, then runs, each in its own process tree:
  build    `manage.py build` (this project), all cores;
  distill  `manage.py distill generate` (django-distill's own command);
  floor    the same templates rendered by Django's template engine alone from
           pre-fetched objects, in one process per core (no queries, no files).
It prints pages/s, the ratios the budgets are stated in (build/distill >= 4,
build/floor >= 0.8), the peak RSS summed over each process tree, the build's
query count, and the 50,000/5,000 memory ratio (budget: within 20%).
Output goes to --out (default /tmp/newsroom-bench, on disk: about 0.8 ms a
file here; --out /dev/shm/... for a RAM disk). Scratch databases are removed.

With --against REV the same database is also built by the engine of commit
REV (checked out beside this one, see bench/against.py), the two builds taking
turns --repeat times; the medians and their ratio are printed, with each
build's CPU time per page (every process of its tree: a figure the other
work on a shared machine disturbs less than pages/s) and the share of that
CPU time spent inside templates (Django's or Jinja2's ``Template.render``).
Both builds are measured by this script (the other tree's engine, this
tree's measuring code). --reuse DIR keeps the seeded databases in DIR
(seeded once, then reused by later runs: 50,000 stories take a while).

Search: builds run with PUBLISHER_SEARCH=false unless --search says otherwise,
so the figures are the pages' own (both trees alike, whatever their default).
--search cold indexes everything in every build (a first build: the build
directory is emptied before each); --search warm builds once unmeasured, then
measures builds that reuse the index shards nothing changed in (the nightly
build). The other tree must know PUBLISHER_SEARCH (2c43702 and later do).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import against
from figures import Figures

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


# -- measuring a process tree ---------------------------------------------------


def _children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_measured(argv: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, int, str]:
    """Run a command; return (seconds, peak summed RSS in MB of its tree, stdout).

    The CPU seconds of its tree (every process it waited for) are left in
    ``run_measured.cpu``."""
    # Start on a quiet disk: the writes of the step before (seeding, the
    # last run's output) would otherwise be flushed during this one.
    os.sync()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            tree, frontier = [], [process.pid]
            while frontier:
                pid = frontier.pop()
                tree.append(pid)
                frontier.extend(_children(pid))
            peak = max(peak, sum(_rss_kb(pid) for pid in tree))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = process.communicate()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run_measured.cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)  # type: ignore[attr-defined]
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed with exit code {process.returncode}")
    return seconds, peak // 1024, out


# -- the measured programs (run as subprocesses of this script) ---------------


def _setup_django() -> None:
    # The tree under test: this one, or the --against checkout (its engine,
    # measured by this script).
    sys.path.insert(0, os.environ.get("BENCH_TREE", str(ROOT)))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publisher.settings")
    import django

    django.setup()


def child_build(jobs: int) -> None:
    """`manage.py build`, counting queries in every process it forks."""
    _setup_django()
    import multiprocessing

    from django.db.backends.signals import connection_created

    from publisher.build import build_site

    queries = multiprocessing.get_context("fork").Value("q", 0)

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        with queries.get_lock():
            queries.value += 1
        return execute(sql, params, many, context)

    def instrument(sender, connection, **kwargs):  # type: ignore[no-untyped-def]
        # Once per connection object: the build closes its connections before
        # forking and each process opens them again, on the same object (its
        # wrappers kept). Appending again counted every query twice.
        if count not in connection.execute_wrappers:
            connection.execute_wrappers.append(count)

    connection_created.connect(instrument)
    from django.db import connections

    template_cpu = _time_templates(multiprocessing.get_context("fork").Value("d", 0.0))
    connections.close_all()
    result = build_site(jobs=jobs)
    print(
        json.dumps(
            {
                "pages": result.pages,
                "seconds": result.seconds,
                "queries": queries.value,
                "template_cpu": template_cpu.value,
            }
        )
    )


def _time_templates(total):  # type: ignore[no-untyped-def]
    """Add the CPU time of every template render (either engine, in every
    process the build forks) to the shared ``total``. The rendering thread's
    own CPU clock: the writer threads beside it are not counted."""
    from django.template.backends import django as django_backend
    from django.template.backends import jinja2 as jinja2_backend

    depth = 0

    def timed(render):  # type: ignore[no-untyped-def]
        def wrapper(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            nonlocal depth
            if depth:  # a render inside a render (counted by the outer one)
                return render(self, *args, **kwargs)
            depth += 1
            started = time.thread_time()
            try:
                return render(self, *args, **kwargs)
            finally:
                depth -= 1
                with total.get_lock():
                    total.value += time.thread_time() - started

        return wrapper

    for backend in (django_backend, jinja2_backend):
        backend.Template.render = timed(backend.Template.render)
    return total


def child_floor(jobs: int, sample: int) -> None:
    """Django's template engine alone: pre-fetched contexts rendered in a loop."""
    _setup_django()
    import multiprocessing

    from publisher.pages.registry import registry

    site = registry().site()
    prepared = []
    for page in registry().pages:
        count = page.count(site)
        contexts = []
        for params, context in page.contexts(site):
            contexts.append((params, context))
            if len(contexts) >= sample:
                break
        if contexts:
            prepared.append((page, count, contexts))
    site.nav_html  # noqa: B018  (rendered once, as a build does)

    def warm_up() -> None:
        # Template caches only: one page of each type, left out of the timing.
        # The rest render once per process from cold objects, as in a build
        # (a second render would find summaries and dates already computed).
        for index, (page, count, contexts) in enumerate(prepared):
            page.render(site, *contexts[0])
            prepared[index] = (page, count, contexts[1:] or contexts)

    def rate_of(page, contexts) -> float:  # type: ignore[no-untyped-def]
        def loop(_: int) -> None:
            for params, context in contexts:
                page.render(site, params, context)

        mp = multiprocessing.get_context("fork")
        workers = [mp.Process(target=loop, args=(i,)) for i in range(jobs)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return jobs * len(contexts) / (time.perf_counter() - started)

    warm_up()
    total_pages = sum(count for _, count, _ in prepared)
    seconds = sum(count / rate_of(page, contexts) for page, count, contexts in prepared)
    print(json.dumps({"pages": total_pages, "pages_per_second": total_pages / seconds}))


# -- orchestration --------------------------------------------------------------


def reused_database(directory: str, size: int) -> tuple[str, bool]:
    """(URL, already seeded) of the kept SQLite database of ``size`` stories."""
    Path(directory).mkdir(parents=True, exist_ok=True)
    path = Path(directory) / f"newsroom-bench-{size}.sqlite3"
    return f"sqlite:///{path}", path.is_file()


def scratch_database(base_url: str | None, size: int) -> str:
    if not base_url:
        path = Path(f"/tmp/newsroom-bench-{size}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    name = f"newsroom_bench_{size}"
    _mysql(
        base_url, f"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name} CHARACTER SET utf8mb4"
    )
    return base_url.rsplit("/", 1)[0] + "/" + name


def drop_database(base_url: str | None, url: str) -> None:
    if not base_url:
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        _mysql(base_url, f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]}")


def _mysql(base_url: str, sql: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    argv = ["mariadb", "--protocol=tcp", f"-h{parts.hostname}", f"-P{parts.port or 3306}"]
    argv += [f"-u{parts.username or 'root'}", "-e", sql]
    env = dict(os.environ, MYSQL_PWD=parts.password or "")
    subprocess.run(argv, check=True, env=env)


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def count_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file() and p.suffix in {".html", ".xml", ".txt"})


def trees(args: argparse.Namespace) -> list[tuple[str, Path]]:
    """This tree, and the one of --against, in the order they take turns."""
    out = [("this", ROOT)]
    if args.against:
        out.append(("against", against.checkout(args.against)))
    return out


def median_run(runs: list[tuple[float, int, dict]]) -> tuple[float, int, dict]:
    """The run of median time (its memory and counts with it)."""
    return sorted(runs, key=lambda run: run[0])[len(runs) // 2]


def bench_size(size: int, args: argparse.Namespace) -> dict:
    out = Path(args.out) / str(size)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    if args.reuse:
        url, seeded = reused_database(args.reuse, size)
    else:
        url, seeded = scratch_database(args.database_url, size), False
    env = dict(
        os.environ,
        DATABASE_URL=url,
        PUBLISHER_BUILD_DIR=str(out / "build"),
        PUBLISHER_MEDIA_ROOT=str(
            Path(args.reuse) / f"media-{size}" if args.reuse else out / "media"
        ),
        PYTHONPATH=str(ROOT),
        PUBLISHER_SEARCH="false" if args.search == "off" else "true",
    )
    try:
        if not seeded:
            print(f"[{size:,} stories] seeding…", flush=True)
            manage(env, "migrate", "--noinput", "-v0")
            manage(
                env, "seed_demo", "--stories", str(size), "--obituaries", str(size // 5),
                "--crimes", str(size // 5), "--seed", "1", "--anchor", "2026-11-01", "-v0",
            )  # fmt: skip
        runs: dict[str, list[tuple[float, int, dict]]] = {"this": [], "against": []}
        for turn in range(args.repeat):
            for which, tree in trees(args):
                print(f"[{size:,} stories] build --jobs {args.jobs} ({which}, {turn + 1})…")
                # (The floor below reads the static files this tree's build collected.)
                build_dir = out / ("build" if which == "this" else f"build-{which}")
                tree_env = dict(
                    env,
                    PYTHONPATH=str(tree),
                    BENCH_TREE=str(tree),
                    PUBLISHER_BUILD_DIR=str(build_dir),
                )
                argv = [PYTHON, __file__, "_build", str(args.jobs)]
                if args.search == "cold":
                    shutil.rmtree(build_dir, ignore_errors=True)
                elif args.search == "warm" and turn == 0:
                    run_measured(argv, tree_env, cwd=tree)  # the index to reuse
                seconds, rss, stdout = run_measured(argv, tree_env, cwd=tree)
                build = json.loads(stdout.strip().splitlines()[-1])
                build["cpu"] = run_measured.cpu  # type: ignore[attr-defined]
                runs[which].append((seconds, rss, build))
                print(
                    f"  {build['pages'] / seconds:,.0f} pages/s, {rss} MB, "
                    f"{1000 * build['cpu'] / build['pages']:.2f} CPU ms/page, "
                    f"templates {build['template_cpu'] / build['cpu']:.0%} of CPU",
                    flush=True,
                )
        row = {"size": size, **_figures("build", runs["this"])}
        row["pages"], row["queries"] = row.pop("build_pages"), row.pop("build_queries")
        if runs["against"]:
            row.update(_figures("against", runs["against"]))
        if not args.skip_floor:
            print(f"[{size:,} stories] floor…", flush=True)
            _, floor_rss, stdout = run_measured(
                [PYTHON, __file__, "_floor", str(args.jobs), str(args.sample)], env
            )
            row["floor_pps"] = json.loads(stdout.strip().splitlines()[-1])["pages_per_second"]
        if not args.skip_distill:
            print(f"[{size:,} stories] distill generate…", flush=True)
            target = out / "distill"
            seconds, rss, _ = run_measured(
                [PYTHON, "manage.py", "distill", "generate", "--output-directory", str(target),
                 "--force", "--quiet", "--exclude-staticfiles"],
                env,
            )  # fmt: skip
            row.update(
                distill_pages=count_files(target),
                distill_s=seconds,
                distill_pps=count_files(target) / seconds,
                distill_rss=rss,
            )
        return row
    finally:
        if not args.reuse:
            drop_database(args.database_url, url)
        if not args.keep_output:
            shutil.rmtree(out, ignore_errors=True)


def _figures(which: str, runs: list[tuple[float, int, dict]]) -> dict:
    """A tree's median build (by time), and the median CPU per page and
    template share of its runs."""
    seconds, rss, build = median_run(runs)

    def median(values: list[float]) -> float:
        return sorted(values)[len(values) // 2]

    return {
        f"{which}_pages": build["pages"],
        f"{which}_s": seconds,
        f"{which}_pps": build["pages"] / seconds,
        f"{which}_rss": rss,
        f"{which}_queries": build["queries"],
        f"{which}_cpu_ms": median([1000 * b["cpu"] / b["pages"] for _, _, b in runs]),
        f"{which}_templates": median([b["template_cpu"] / b["cpu"] for _, _, b in runs]),
    }


def report(rows: list[dict], args: argparse.Namespace) -> None:
    print()
    print(f"output on {args.out}; {args.jobs} jobs; {os.cpu_count()} cores; database "
          f"{'SQLite' if not args.database_url else 'MariaDB'}")  # fmt: skip
    head = (
        f"{'stories':>8} {'pages':>7} {'build p/s':>10} {'distill p/s':>12} {'floor p/s':>10} "
        f"{'÷distill':>9} {'÷floor':>7} {'build MB':>9} {'distill MB':>11} {'queries':>8} "
        f"{'pages/query':>12}"
    )
    print(head)
    for row in rows:
        distill = row.get("distill_pps")
        floor = row.get("floor_pps")
        print(
            f"{row['size']:>8,} {row['pages']:>7,} {row['build_pps']:>10,.0f} "
            f"{distill or 0:>12,.0f} {floor or 0:>10,.0f} "
            f"{(row['build_pps'] / distill) if distill else 0:>8.1f}× "
            f"{(row['build_pps'] / floor) if floor else 0:>6.0%} {row['build_rss']:>9,} "
            f"{row.get('distill_rss', 0):>11,} {row['queries']:>8,} "
            f"{row['pages'] / max(1, row['queries']):>12,.0f}"
        )
    if len(rows) > 1:
        print(
            f"memory, {rows[-1]['size']:,} vs {rows[0]['size']:,} stories: "
            f"{rows[-1]['build_rss'] / rows[0]['build_rss']:.2f}× (budget: within 1.20×)"
        )
    if args.against:
        rev = against.label(args.against)
        print()
        print(f"against {rev} (median of {args.repeat}, taking turns, same database):")
        print(f"{'stories':>8} {'pages':>7} {'this p/s':>9} {rev + ' p/s':>12} {'ratio':>6} "
              f"{'this MB':>8} {rev + ' MB':>11} {'CPU ms/page':>12} {rev:>8} {'ratio':>6} "
              f"{'templates':>10} {rev:>8}")  # fmt: skip
        for row in rows:
            print(
                f"{row['size']:>8,} {row['pages']:>7,} {row['build_pps']:>9,.0f} "
                f"{row['against_pps']:>12,.0f} {row['build_pps'] / row['against_pps']:>5.2f}× "
                f"{row['build_rss']:>8,} {row['against_rss']:>11,} "
                f"{row['build_cpu_ms']:>12.2f} {row['against_cpu_ms']:>8.2f} "
                f"{row['against_cpu_ms'] / row['build_cpu_ms']:>5.2f}× "
                f"{row['build_templates']:>10.0%} {row['against_templates']:>8.0%}"
            )
    print("budgets: build ≥ 4× distill, ≥ 80% of floor, < 250 MB, ≥ 50 pages per query")
    if args.figures:
        for path in figures(rows, args).write(Path(args.figures)):
            print(f"figures: {path}")


def figures(rows: list[dict], args: argparse.Namespace) -> Figures:
    """The run's figures as files (``--figures DIR``): pages/s against stories."""
    columns = ["stories", "pages", "build pages/s", "build peak MB", "queries"]
    table = [
        [r["size"], r["pages"], round(r["build_pps"]), r["build_rss"], r["queries"]] for r in rows
    ]
    series = {"this tree": [(r["size"], r["build_pps"]) for r in rows]}
    for key, label in (("distill_pps", "distill generate"), ("floor_pps", "template floor")):
        if all(r.get(key) for r in rows):
            series[label] = [(r["size"], r[key]) for r in rows]
    if args.against:
        rev = against.label(args.against)
        columns.append(f"{rev} pages/s")
        for line, r in zip(table, rows, strict=True):
            line.append(round(r["against_pps"]))
        series[rev] = [(r["size"], r["against_pps"]) for r in rows]
    return Figures(
        name="build",
        title="Full build: pages per second against archive size",
        x_label="stories in the archive",
        y_label="pages per second",
        columns=columns,
        rows=table,
        series=series,
        note=f"output on {args.out}; {args.jobs} jobs; {os.cpu_count()} cores; database "
        f"{'SQLite' if not args.database_url else 'MariaDB'}; medians of {args.repeat}",
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_build":
        child_build(int(sys.argv[2]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_floor":
        child_floor(int(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5000,50000", help="stories per run, comma-separated")
    parser.add_argument("--quick", action="store_true", help="only 5,000 stories")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--database-url", default=None, help="mysql://… (default: SQLite)")
    parser.add_argument("--out", default="/tmp/newsroom-bench")
    parser.add_argument(
        "--sample", type=int, default=400, help="contexts per page type for the floor"
    )
    parser.add_argument("--skip-distill", action="store_true")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument(
        "--reuse", metavar="DIR", help="keep the seeded SQLite databases in DIR and reuse them"
    )
    parser.add_argument("--keep-output", action="store_true")
    parser.add_argument("--against", metavar="REV", help="also build with the engine of REV")
    parser.add_argument("--repeat", type=int, default=1, help="builds of each tree, in turns")
    parser.add_argument(
        "--search",
        choices=("off", "cold", "warm"),
        default="off",
        help="the reader search index: none (default), all of it, or the nightly build's",
    )
    parser.add_argument(
        "--figures", metavar="DIR", help="also write the figures as JSON, CSV and an SVG chart"
    )
    args = parser.parse_args()
    sizes = [5000] if args.quick else [int(s) for s in args.sizes.split(",")]
    rows = [bench_size(size, args) for size in sizes]
    report(rows, args)


if __name__ == "__main__":
    main()
