"""Benchmark: `manage.py backup` against `mariadb-dump | gzip > file` by hand.

    .venv/bin/python bench/backup.py [--sizes 20,500]

For each size (MB of InnoDB data + indexes) it makes a scratch MariaDB database
(`bench_backup_<size>mb_<pid>`, dropped afterwards) holding newspaper-like
text, starts an S3 server (moto, on loopback), then times

- by hand: the same mariadb-dump command piped through `gzip` (level 6) into a file;
- ours: `manage.py backup` in a subprocess (dump -> gzip -> SHA-256 -> S3 multipart),

best of two runs each (and, once, the start-up cost: a backup of an empty
database), and the peak memory of the backup's process tree: the
largest single process (getrusage RUSAGE_CHILDREN of a fresh wrapper) and the
sum over the tree (sampled from /proc every 20 ms). Memory should be flat in
the size of the database; time within 1.5x of the hand-made pipe.
"""

# SQL here names only the benchmark's own scratch databases, and the S3 keys
# are dummies for a loopback moto server.
# ruff: noqa: S608, S106

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from publisher.backups.config import Database  # noqa: E402 (after the path is set)
from publisher.backups.mysql import dump_command, find_dump_tool, option_file  # noqa: E402

MYSQL = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def connect(database: str | None = None):
    import MySQLdb

    return MySQLdb.connect(**MYSQL, **({"database": database} if database else {}), autocommit=True)


def vocabulary(rng: random.Random) -> list[str]:
    syllables = ["ba", "cor", "den", "el", "fa", "gri", "ho", "in", "ju", "ka", "lo", "mer",
                 "no", "ol", "pa", "qui", "ra", "sto", "tu", "ur", "vin", "wa", "yo", "zen"]  # fmt: skip
    common = "the of and to in a is that for on was with he it as at by from council mayor "
    common += "school board police street county said would new year city town water road"
    words = common.split()
    words += ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(600)]
    return words


def article(rng: random.Random, words: list[str]) -> tuple[str, str]:
    headline = " ".join(rng.choice(words) for _ in range(rng.randint(5, 12))).capitalize()
    paragraphs = [
        " ".join(rng.choice(words) for _ in range(rng.randint(30, 90))).capitalize() + "."
        for _ in range(rng.randint(2, 6))
    ]
    return headline, "\n\n".join(paragraphs)


def database_bytes(cursor, name: str) -> int:
    cursor.execute(f"ANALYZE TABLE `{name}`.articles")
    cursor.fetchall()
    cursor.execute(
        "SELECT SUM(DATA_LENGTH + INDEX_LENGTH) FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = %s",
        [name],
    )
    return int(cursor.fetchone()[0] or 0)


def make_database(name: str, megabytes: int) -> int:
    """A database of about ``megabytes`` MB: 2,000 articles, then doubled by
    INSERT ... SELECT (new headlines' prefixes, so rows differ), then topped up."""
    rng = random.Random(megabytes)
    words = vocabulary(rng)
    connection = connect()
    cursor = connection.cursor()
    cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    cursor.execute(
        f"CREATE TABLE `{name}`.articles (id INT AUTO_INCREMENT PRIMARY KEY, "
        "headline VARCHAR(255) NOT NULL, body MEDIUMTEXT NOT NULL, "
        "published DATETIME NOT NULL, KEY (published)) ENGINE=InnoDB"
    )
    if megabytes == 0:  # an empty database: what a backup costs before any data
        connection.close()
        return 0
    rows = [(*article(rng, words), "2020-01-01 00:00:00") for _ in range(2000)]
    cursor.executemany(
        f"INSERT INTO `{name}`.articles (headline, body, published) VALUES (%s, %s, %s)", rows
    )
    target = megabytes * 1_000_000
    copy = (
        f"INSERT INTO `{name}`.articles (headline, body, published) "
        "SELECT CONCAT(LEFT(MD5(RAND()), 6), ' ', headline), body, "
        f"published + INTERVAL FLOOR(RAND() * 2000) DAY FROM `{name}`.articles"
    )
    while (size := database_bytes(cursor, name)) * 2 <= target:
        cursor.execute(copy)
    cursor.execute(f"SELECT COUNT(*) FROM `{name}`.articles")
    count = cursor.fetchone()[0]
    missing = int(count * (target - size) / size)
    if missing > 0:
        cursor.execute(copy + f" LIMIT {missing}")
    size = database_bytes(cursor, name)
    connection.close()
    return size


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_s3() -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return server, f"http://127.0.0.1:{port}"
        time.sleep(0.05)
    server.kill()
    raise RuntimeError("moto server did not start")


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants, now."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def run_ours(env: dict[str, str]) -> tuple[float, int, int]:
    """Seconds, peak RSS of the largest process, peak RSS of the whole tree."""
    started = time.perf_counter()
    wrapper = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, sys.executable, "manage.py", "backup", "-v0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    peak_tree = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not stop.wait(0.02):
            # The wrapper itself is tiny; what counts is below it.
            peak_tree = max(peak_tree, tree_rss(wrapper.pid))

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, _ = wrapper.communicate()
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if wrapper.returncode != 0:
        raise RuntimeError(f"manage.py backup failed (exit {wrapper.returncode})")
    return seconds, int(out.strip()) * 1024, peak_tree


def run_by_hand(name: str, out: Path) -> float:
    """`mariadb-dump <same flags> name | gzip > out`, timed."""
    tool = find_dump_tool()
    with option_file(Database("mysql", name, host="127.0.0.1", port=3306, user="root")) as cnf:
        started = time.perf_counter()
        with open(out, "wb") as target:
            dump = subprocess.Popen(dump_command(tool, cnf, name), stdout=subprocess.PIPE)
            gzip = subprocess.Popen(["gzip", "-6"], stdin=dump.stdout, stdout=target)
            assert dump.stdout is not None
            dump.stdout.close()
            gzip.wait()
            dump.wait()
        seconds = time.perf_counter() - started
    if dump.returncode or gzip.returncode:
        raise RuntimeError("mariadb-dump | gzip failed")
    return seconds


def backup_env(name: str, endpoint: str, bucket: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"mysql://root@127.0.0.1:3306/{name}",
        BACKUP_S3_BUCKET=bucket,
        BACKUP_S3_PREFIX="bench",
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
    )
    return env


def startup(endpoint: str, client, bucket: str) -> float:
    """Seconds `manage.py backup` takes for an empty database: Python, Django,
    boto3 and the S3 round trips, the same whatever the size."""
    name = f"bench_backup_0mb_{os.getpid()}"
    try:
        make_database(name, 0)
        best = min(run_ours(backup_env(name, endpoint, bucket))[0] for _ in range(3))
        empty_bucket(client, bucket)
        return best
    finally:
        connection = connect()
        connection.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        connection.close()


def empty_bucket(client, bucket: str) -> None:
    for item in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        client.delete_object(Bucket=bucket, Key=item["Key"])


def measure(megabytes: int, endpoint: str, client, bucket: str) -> dict[str, float]:
    name = f"bench_backup_{megabytes}mb_{os.getpid()}"
    try:
        print(f"  making {name} ...", file=sys.stderr, flush=True)
        size = make_database(name, megabytes)
        env = backup_env(name, endpoint, bucket)
        hand, ours, largest, tree = [], [], 0, 0
        with tempfile.TemporaryDirectory(prefix="bench-backup-") as scratch:
            out = Path(scratch) / "dump.sql.gz"
            for _ in range(2):
                print("  by hand ...", file=sys.stderr, flush=True)
                hand.append(run_by_hand(name, out))
                gzip_bytes = out.stat().st_size
                out.unlink()
                print("  manage.py backup ...", file=sys.stderr, flush=True)
                seconds, one, whole = run_ours(env)
                ours.append(seconds)
                largest, tree = max(largest, one), max(tree, whole)
                manifests = [
                    item["Key"]
                    for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])
                    if item["Key"].endswith(".manifest.json")
                ]
                manifest = json.loads(
                    client.get_object(Bucket=bucket, Key=manifests[-1])["Body"].read()
                )
                empty_bucket(client, bucket)
        return {
            "size": megabytes,
            "database_bytes": size,
            "raw_bytes": manifest["raw_bytes"],
            "gzip_bytes": manifest["bytes"],
            "hand_gzip_bytes": gzip_bytes,
            "hand_s": min(hand),
            "ours_s": min(ours),
            "largest_rss": largest,
            "tree_rss": tree,
        }
    finally:
        connection = connect()
        connection.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="20,500", help="Database sizes in MB (default 20,500).")
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]

    import boto3

    server, endpoint = start_s3()
    try:
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            region_name="us-east-1",
        )
        bucket = "bench-backup"
        client.create_bucket(Bucket=bucket)
        print("start-up:", file=sys.stderr, flush=True)
        fixed = startup(endpoint, client, bucket)
        results = []
        for megabytes in sizes:
            print(f"{megabytes} MB:", file=sys.stderr, flush=True)
            results.append(measure(megabytes, endpoint, client, bucket))
    finally:
        server.terminate()
        server.wait(timeout=10)

    mb = 1_000_000
    print(
        f"{'size':>6} {'InnoDB':>9} {'dump':>9} {'gzip':>8} {'by hand':>8} {'backup':>8} "
        f"{'ratio':>6} {'-start':>6} {'peak RSS':>9} {'tree RSS':>9}"
    )
    for r in results:
        print(
            f"{r['size']:>3} MB {r['database_bytes'] / mb:>6.0f} MB {r['raw_bytes'] / mb:>6.0f} MB "
            f"{r['gzip_bytes'] / mb:>5.0f} MB {r['hand_s']:>7.1f}s {r['ours_s']:>7.1f}s "
            f"{r['ours_s'] / r['hand_s']:>5.2f}x {(r['ours_s'] - fixed) / r['hand_s']:>5.2f}x "
            f"{r['largest_rss'] / mb:>6.0f} MB "
            f"{r['tree_rss'] / mb:>6.0f} MB"
        )
    print(
        f"start-up (manage.py backup of an empty database): {fixed:.2f} s; "
        "'-start' is the ratio without it"
    )
    if len(results) > 1:
        small, large = results[0], results[-1]
        print(
            f"memory, {large['size']} MB vs {small['size']} MB: largest process "
            f"{large['largest_rss'] / small['largest_rss']:.2f}x, tree "
            f"{large['tree_rss'] / small['tree_rss']:.2f}x (budget: flat); time ratio "
            f"budget 1.5x"
        )


if __name__ == "__main__":
    main()
