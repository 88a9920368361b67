"""Benchmark: backups to the minute on a MariaDB of its own (binary logging on).

    .venv/bin/python bench/pitr.py [--stories 10000] [--scale 10] [--edits 2000]
                                   [--phases rto,rpo,shipper] [--root /dev/shm/pitr]

- RTO: the demo newsroom (`seed_demo --stories N`), a dump, then a day of
  edits (`--edits` story saves, one transaction each) shipped as binlogs; the
  time of `restore --to` the last edit into a new database (downloads and
  checks, dump load, replay, CHECK TABLE). Then the same with the stories
  copied (bylines not) until there are `--scale` times as many.
- RPO: a steady stream of saves (one a second) while the shipper runs, once
  as cron does it (`backup --binlogs` every 60 s) and once as a service
  (`--follow --interval 15`); `backups --drill` at spaced moments reports how
  old the newest shipped change was (the drill itself ships, so drills are
  spaced more than one shipping interval apart).
- Shipper: CPU seconds and resident memory of `backup --binlogs --follow`
  over 60 s idle and 60 s under the stream of saves; and one cron run's wall
  time and peak memory.

The server, its data directory and the S3 server (moto) live under `--root`
(a RAM disk by default) and go away at the end.
"""

# SQL here names only the benchmark's own database, and the S3 keys are
# dummies for a loopback moto server.
# ruff: noqa: S608, S106

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publisher.settings")

from bench.backup import WRAPPER, start_s3, tree_rss  # noqa: E402
from publisher.backups.binlogs import ship_binlogs  # noqa: E402
from publisher.backups.config import BackupSettings  # noqa: E402
from publisher.backups.pitr import Target, run_restore_to  # noqa: E402
from publisher.backups.store import run_backup  # noqa: E402
from tests.publisher.backups import binlog_server  # noqa: E402

NAME = "newsroom_bench"


def s3_client(endpoint: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )


def manage_env(server, endpoint: str, bucket: str, root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=server.url(NAME),
        BACKUP_S3_BUCKET=bucket,
        BACKUP_S3_PREFIX="backups",
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        PUBLISHER_VAR_DIR=str(root / "var"),
        PUBLISHER_MEDIA_ROOT=str(root / "media"),
        PUBLISHER_BUILD_DIR=str(root / "build"),
        BACKUP_BINLOG_SPOOL=str(root / "var" / "binlogs"),
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def database_mb(server) -> float:
    (size,) = server.sql(
        "SELECT SUM(DATA_LENGTH + INDEX_LENGTH) FROM information_schema.TABLES "
        f"WHERE TABLE_SCHEMA = '{NAME}'"
    )[0]
    return float(size) / 1e6


def edits(server, count: int, rate: float = 0.0, stop: threading.Event | None = None) -> int:
    """Story saves: a body rewritten and the update time moved, one transaction each."""
    connection = server.connect(NAME)
    cursor = connection.cursor()
    cursor.execute("SELECT MIN(id), MAX(id) FROM content_story")
    low, high = cursor.fetchone()
    rng = random.Random(1)
    done = 0
    while done < count and not (stop and stop.is_set()):
        story = rng.randint(low, high)
        cursor.execute(
            "UPDATE content_story SET body = CONCAT(body, %s), updated_at = %s WHERE id = %s",
            [f"\n\nUpdate {done}: the council met again.", datetime.now(UTC), story],
        )
        done += 1
        if rate:
            time.sleep(1 / rate)
    connection.close()
    return done


def grow(server, scale: int) -> None:
    """Copy the stories (and their bylines) until there are ``scale`` times as many."""
    connection = server.connect(NAME)
    cursor = connection.cursor()
    cursor.execute("SHOW COLUMNS FROM content_story")
    columns = [row[0] for row in cursor.fetchall() if row[0] != "id"]
    cursor.execute("SELECT MAX(id) FROM content_story")
    (top,) = cursor.fetchone()
    for copy in range(1, scale):
        picked = ", ".join(
            f"CONCAT(LEFT(slug, 110), '-c{copy}')" if c == "slug" else f"`{c}`" for c in columns
        )
        names = ", ".join(f"`{c}`" for c in columns)
        cursor.execute(
            f"INSERT INTO content_story (id, {names}) SELECT id + {top * copy}, {picked} "
            f"FROM content_story WHERE id <= {top}"
        )
    connection.close()


def measure_rto(server, conf: BackupSettings, s3, root: Path, edit_count: int) -> dict[str, float]:
    for item in s3.list_objects_v2(Bucket=conf.bucket).get("Contents", []):
        s3.delete_object(Bucket=conf.bucket, Key=item["Key"])
    db = server.database(NAME)
    run_backup(db, conf, s3=s3)
    started = time.perf_counter()
    edits(server, edit_count)
    edit_seconds = time.perf_counter() - started
    ship_binlogs(db, conf, root / "spool", s3=s3)
    moment = datetime.fromtimestamp(time.time() // 1, UTC)  # the last edits' second
    ship_binlogs(db, conf, root / "spool", s3=s3)
    copy = f"{NAME}_rto_{int(time.time())}"
    started = time.perf_counter()
    result = run_restore_to(
        db, conf, Target(time=moment), confirm=bool, into=copy, s3=s3, scratch_dir=root
    )
    rto = time.perf_counter() - started
    server.sql(f"DROP DATABASE `{copy}`")
    return {
        "database_mb": database_mb(server),
        "rto_s": rto,
        "transactions": result.replay.transactions,
        "edit_s": edit_seconds,
    }


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def shipper(env: dict[str, str], interval: float) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "backup",
            "--binlogs",
            "--follow",
            f"--interval={interval}",
            "-v0",
        ],
        cwd=ROOT,
        env=env,
    )


def watch(process: subprocess.Popen, seconds: float) -> tuple[float, int]:
    """CPU seconds used by ``process`` (and its children so far) and its peak tree RSS."""
    before = cpu_seconds(process.pid)
    peak, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.1)
    return cpu_seconds(process.pid) - before, peak


def cron_loop(env: dict[str, str], stop: threading.Event, every: float = 60.0) -> None:
    while not stop.is_set():
        manage(env, "backup", "--binlogs", "-v0")
        stop.wait(every)


def drill_rpo(server, conf, s3, root: Path) -> float:
    from publisher.backups.drill import run_drill

    result = run_drill(server.database(NAME), conf, root / "spool", s3=s3)
    if not result.ok:
        raise RuntimeError(result.problem)
    assert result.rpo_seconds is not None
    return result.rpo_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=10000)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--edits", type=int, default=2000)
    parser.add_argument("--phases", default="rto,rpo,shipper")
    parser.add_argument("--root", default="/dev/shm" if Path("/dev/shm").is_dir() else None)
    parser.add_argument("--drills", type=int, default=3)
    args = parser.parse_args()
    phases = set(args.phases.split(","))
    import django

    django.setup()
    root = Path(tempfile.mkdtemp(prefix="pitr-bench-", dir=args.root))
    server = binlog_server.start(root)
    s3_server, endpoint = start_s3()
    try:
        s3 = s3_client(endpoint)
        s3.create_bucket(Bucket="bench")
        conf = BackupSettings(bucket="bench", prefix="backups", time_zone="America/Chicago")
        env = manage_env(server, endpoint, "bench", root)
        server.sql(
            f"CREATE DATABASE {NAME} CHARACTER SET utf8mb4",
            "SET GLOBAL binlog_expire_logs_seconds = 604800",
        )
        # Time zone tables, as scripts/test loads them (migrate's check E003).
        zones = subprocess.run(
            ["mariadb-tzinfo-to-sql", "/usr/share/zoneinfo"],
            capture_output=True,
            check=True,
        ).stdout
        subprocess.run(
            ["mariadb", "--no-defaults", "-h127.0.0.1", f"-P{server.port}", "-uroot", "mysql"],
            input=zones,
            check=True,
        )
        started = time.perf_counter()
        manage(env, "migrate", "-v0")
        manage(env, "seed_demo", "--stories", str(args.stories), "--seed", "1")
        print(
            f"seeded {args.stories:,} stories in {time.perf_counter() - started:.0f} s "
            f"({database_mb(server):.0f} MB); data on {args.root or 'disk'}",
            flush=True,
        )
        if "rto" in phases:
            small = measure_rto(server, conf, s3, root, args.edits)
            print(
                f"RTO {args.stories:,} stories ({small['database_mb']:.0f} MB) + "
                f"{small['transactions']:,} edits: {small['rto_s']:.1f} s",
                flush=True,
            )
        if "shipper" in phases:
            manage(env, "backup", "-v0")
            edits(server, 200)  # a few minutes' worth of saves to ship
            started = time.perf_counter()
            wrapped = subprocess.run(
                [sys.executable, "-c", WRAPPER, sys.executable, "manage.py", "backup", "--binlogs"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            one = time.perf_counter() - started
            cron_rss = int(wrapped.stdout.strip()) * 1024
            print(
                f"shipper, one cron run (200 saves to ship): {one:.2f} s wall, "
                f"peak RSS {cron_rss / 1e6:.0f} MB (largest process)",
                flush=True,
            )
            proc = shipper(env, 15)
            time.sleep(5)
            idle_cpu, idle_rss = watch(proc, 60)
            stop = threading.Event()
            writer = threading.Thread(target=edits, args=(server, 10**9, 20.0, stop))
            writer.start()
            load_cpu, load_rss = watch(proc, 60)
            stop.set()
            writer.join()
            proc.terminate()
            proc.wait()
            print(
                f"shipper --follow (15 s): idle {idle_cpu / 60 * 100:.2f} % of a core, "
                f"{idle_rss / 1e6:.0f} MB; under 20 saves/s {load_cpu / 60 * 100:.2f} % of a "
                f"core, {load_rss / 1e6:.0f} MB",
                flush=True,
            )
        if "rpo" in phases:
            for label, interval, follow in (
                ("cron, every 60 s", 60.0, False),
                ("--follow, 15 s", 15.0, True),
            ):
                stop = threading.Event()
                writer = threading.Thread(target=edits, args=(server, 10**9, 1.0, stop))
                writer.start()
                if follow:
                    proc = shipper(env, interval)
                    loop = None
                else:
                    loop = threading.Thread(target=cron_loop, args=(env, stop, interval))
                    loop.start()
                rng = random.Random(2)
                rpos = []
                time.sleep(interval + 5)
                for _ in range(args.drills):
                    time.sleep(rng.uniform(0, interval))
                    rpos.append(drill_rpo(server, conf, s3, root))
                    time.sleep(interval + 2)  # the drill shipped: let the shipper lead again
                stop.set()
                writer.join()
                if follow:
                    proc.terminate()
                    proc.wait()
                elif loop:
                    loop.join()
                print(
                    f"RPO under 1 save/s, shipper {label}: drills measured "
                    f"{', '.join(f'{r:.0f}' for r in rpos)} s (median {statistics.median(rpos):.0f}, "
                    f"max {max(rpos):.0f})",
                    flush=True,
                )
        if "rto" in phases and args.scale > 1:
            grow(server, args.scale)
            big = measure_rto(server, conf, s3, root, args.edits)
            print(
                f"RTO {args.stories * args.scale:,} stories ({big['database_mb']:.0f} MB) + "
                f"{big['transactions']:,} edits: {big['rto_s']:.1f} s "
                f"({big['rto_s'] / small['rto_s']:.1f}x the {args.stories:,}-story database)",
                flush=True,
            )
    finally:
        s3_server.terminate()
        binlog_server.stop(server)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
