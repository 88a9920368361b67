"""Benchmark: crime by neighborhood.

    .venv/bin/python bench/crime.py locate [--reports 10000] [--rounds 3] [--grid 0]
    .venv/bin/python bench/crime.py build [--stories 10000] [--crimes 2000] [--rounds 3]

``locate``: places N demo addresses as a save does (geocode against the
street file in the database, then the neighborhood of the point), on SQLite
(shapely) and on MariaDB with the SPATIAL INDEX and without it (IGNORE
INDEX), taking turns round by round; prints the medians, the ratios and the
share of addresses mapped. ``--grid K`` adds K x K small made-up polygons
east of the town (more polygons for the index to skip); MariaDB at
``BENCH_MYSQL_URL`` (default mysql://root@127.0.0.1:3306/newsroom_crime_bench).

``build``: seeds a demo into a scratch SQLite file and builds it with the
neighborhood page types and without them, taking turns; prints the medians,
the ratio, and the bytes of /crime/neighborhoods/ (plain and gzip).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MYSQL = os.environ.get("BENCH_MYSQL_URL", "mysql://root@127.0.0.1:3306/newsroom_crime_bench")
SCRATCH = Path("/tmp/newsroom-bench-crime")
NEIGHBORHOOD_PAGES = (
    "neighborhood",
    "neighborhoods",
    "feed_neighborhood",
    "neighborhood_geojson",
    "neighborhood_csv",
)


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publisher.settings")
    import django

    django.setup()


def child_prepare(grid: int) -> None:
    """Migrate, load the town (and a grid of extra polygons)."""
    setup_django()
    from django.core.management import call_command

    from content import geo
    from content.demo.town import load_town
    from content.models import Neighborhood

    call_command("migrate", verbosity=0)
    load_town()
    extra = []
    for i in range(grid):
        for j in range(grid):
            west, south = -93.50 + i * 0.001, 41.58 + j * 0.001
            ring = [(west, south), (west + 0.001, south), (west + 0.001, south + 0.001)]
            ring += [(west, south + 0.001), (west, south)]
            polygon = geo.Polygon([geo.rounded(x, y) for x, y in ring])
            extra.append(
                Neighborhood(
                    name=f"Grid {i}-{j}", slug=f"grid-{i}-{j}", boundary=geo.polygon_wkt(polygon)
                )
            )
    Neighborhood.objects.bulk_create(extra, batch_size=500)


def child_locate(reports: int, ignore_index: bool) -> None:
    setup_django()
    import random

    from content import locate
    from content.models import CrimeReport

    # The town's addresses as the demo draws them.
    town = _town_in_memory()
    rng = random.Random("bench/crime")
    addresses = [town.address(rng) for _ in range(reports)]
    if ignore_index:
        locate.CONTAINS_SQL = locate.CONTAINS_SQL.replace(
            "content_neighborhood WHERE",
            "content_neighborhood IGNORE INDEX (content_neighborhood_boundary_spatial) WHERE",
        )
    twin = None if locate.spatial() else locate.python_locator()
    started = time.perf_counter()
    mapped = 0
    for address in addresses:
        crime = CrimeReport(address_block=address)
        locate.locate(crime, twin)
        mapped += crime.longitude is not None
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "mapped": mapped, "reports": reports}))


def _town_in_memory():
    from content import geo
    from content.demo.town import NEIGHBORHOODS_FILE, STREETS_FILE, Town

    boundaries = geo.read_boundaries(NEIGHBORHOODS_FILE)
    segments = geo.read_streets(STREETS_FILE)
    corners: dict = {}
    for s in segments:
        for end in (s.start, s.end):
            corners.setdefault(end, set()).add(s.street)
    pairs = sorted(tuple(sorted(v))[:2] for v in corners.values() if len(v) >= 2)
    return Town(segments, geo.Locator(boundaries), {}, {}, pairs)


def run(args: list[str], database_url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url}
    out = subprocess.run(
        [sys.executable, __file__, *args], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1]) if out.strip() else {}


def bench_locate(reports: int, rounds: int, grid: int) -> None:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    sqlite = f"sqlite:///{SCRATCH}/locate.sqlite3"
    (SCRATCH / "locate.sqlite3").unlink(missing_ok=True)
    subprocess.run(
        ["mysql", "-uroot", "-h127.0.0.1", "-e", "DROP DATABASE IF EXISTS newsroom_crime_bench;"
         " CREATE DATABASE newsroom_crime_bench CHARACTER SET utf8mb4"],
        check=True,
    )  # fmt: skip
    for url in (sqlite, MYSQL):
        run(["_prepare", str(grid)], url)
    modes = {
        "SQLite, shapely": (sqlite, "0"),
        "MariaDB, spatial index": (MYSQL, "0"),
        "MariaDB, no index": (MYSQL, "1"),
    }
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    mapped = 0
    for i in range(rounds):
        order = list(modes) if i % 2 == 0 else list(reversed(modes))
        for mode in order:
            url, ignore = modes[mode]
            result = run(["_locate", str(reports), ignore], url)
            times[mode].append(result["seconds"])
            mapped = result["mapped"]
    base = statistics.median(times["MariaDB, spatial index"])
    print(f"locate {reports:,} reports, {10 + grid * grid} polygons, {rounds} rounds (medians):")
    for mode, values in times.items():
        median = statistics.median(values)
        print(
            f"  {mode:24} {median:7.2f} s  {reports / median:8.0f} reports/s  "
            f"{median / base:.2f}x the indexed MariaDB"
        )
    print(f"  mapped: {mapped:,} of {reports:,} ({mapped / reports:.1%})")


def child_build(without: bool, out: str) -> None:
    setup_django()
    from content import pages
    from publisher.build import build_site
    from publisher.pages import registry

    if without:
        kept = [p for p in pages.REGISTRY.pages if p.name not in NEIGHBORHOOD_PAGES]
        pages.REGISTRY.pages = kept
        pages.REGISTRY.by_name = {p.name: p for p in kept}
        registry.registry.cache_clear()
    started = time.perf_counter()
    result = build_site(build_dir=Path(out))
    elapsed = time.perf_counter() - started
    index = result.release / "crime" / "neighborhoods" / "index.html"
    data = index.read_bytes() if index.exists() else b""
    pages_written = sum(1 for p in result.release.rglob("*") if p.is_file())
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "files": pages_written,
                "index_bytes": len(data),
                "index_gzip": len(gzip.compress(data, 9)) if data else 0,
            }
        )
    )


def bench_build(stories: int, crimes: int, rounds: int) -> None:
    SCRATCH.mkdir(parents=True, exist_ok=True)
    db = SCRATCH / f"build-{stories}-{crimes}.sqlite3"
    url = f"sqlite:///{db}"
    if not db.exists():
        env = {**os.environ, "DATABASE_URL": url}
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True)
        subprocess.run(
            [*manage, "seed_demo", "--stories", str(stories), "--crimes", str(crimes),
             "--obituaries", "300", "--seed", "1", "--anchor", "2026-12-01"],
            env=env, check=True,
        )  # fmt: skip
    times: dict[str, list[float]] = {"with": [], "without": []}
    last: dict[str, dict] = {}
    for i in range(rounds):
        for mode in ("with", "without") if i % 2 == 0 else ("without", "with"):
            out = SCRATCH / f"out-{mode}"
            result = run(["_build", "1" if mode == "without" else "0", str(out)], url)
            times[mode].append(result["seconds"])
            last[mode] = result
    with_, without = (statistics.median(times[m]) for m in ("with", "without"))
    print(f"build of {stories:,} stories and {crimes:,} crime reports, {rounds} rounds (medians):")
    print(f"  with neighborhood pages    {with_:7.2f} s  {last['with']['files']:,} files")
    print(f"  without                    {without:7.2f} s  {last['without']['files']:,} files")
    print(f"  ratio {with_ / without:.3f} ({(with_ - without) / without:+.1%})")
    print(
        f"  /crime/neighborhoods/: {last['with']['index_bytes']:,} bytes, "
        f"{last['with']['index_gzip']:,} gzipped"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        command, *rest = sys.argv[1:]
        if command == "_prepare":
            child_prepare(int(rest[0]))
        elif command == "_locate":
            child_locate(int(rest[0]), rest[1] == "1")
        elif command == "_build":
            child_build(rest[0] == "1", rest[1])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("locate", "build"))
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--grid", type=int, default=0)
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--crimes", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.what == "locate":
        bench_locate(args.reports, args.rounds, args.grid)
    else:
        bench_build(args.stories, args.crimes, args.rounds)


if __name__ == "__main__":
    main()
