"""Benchmark: one story page from lighttpd vs the same page rendered by Django.

    .venv/bin/python bench/serve.py [--stories 2000] [--duration 10] [--connections 32]

Seeds a demo newsroom into a scratch SQLite database, builds it, then runs
wrk (installed with apt-get when missing) on loopback against

- lighttpd serving the built file, with the config `manage.py serve` writes;
- gunicorn running Django (``publisher.wsgi``), rendering the page from the
  database through the page registry's view on every request,

after checking both answer with the same bytes. Prints requests per second
and the ratio; the budget (DESIGN.md) is 50x or more.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BUDGET = 50


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"bench: nothing listening on port {port}")


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() != 0:
        raise SystemExit("bench: wrk is missing: sudo apt-get install wrk")
    print("bench: installing wrk (apt-get install wrk)", flush=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "/usr/bin/wrk"


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def wrk(binary: str, url: str, duration: int, connections: int, threads: int) -> float:
    output = subprocess.run(
        [binary, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if match is None or errors:
        raise SystemExit(f"bench: wrk failed against {url}:\n{output}")
    return float(match.group(1))


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (loopback)
        return response.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn workers (default: gunicorn's advice, 2 x cores + 1)",
    )
    args = parser.parse_args()
    wrk_binary = ensure_wrk()
    lighttpd = shutil.which("lighttpd") or "/usr/sbin/lighttpd"
    threads = min(2, os.cpu_count() or 1)

    with tempfile.TemporaryDirectory(prefix="bench-serve-") as scratch:
        work = Path(scratch)
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
            "PUBLISHER_BUILD_DIR": str(work / "build"),
            "PUBLISHER_MEDIA_ROOT": str(work / "media"),
            "PUBLISHER_VAR_DIR": str(work / "var"),
            "DJANGO_SECRET_KEY": "bench-only",
            "DJANGO_DEBUG": "false",
        }
        print(f"bench: seeding {args.stories:,} stories and building ...", flush=True)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo", "--stories", str(args.stories), "--seed", "1")
        print("bench: " + manage(env, "build", "--no-progress").strip(), flush=True)
        site = work / "build/site"
        story_file = sorted(site.glob("news/2*/*/*/*/index.html"))[-1]
        story = "/" + story_file.parent.relative_to(site).as_posix() + "/"

        static_port, django_port = free_port(), free_port()
        (work / "var/lighttpd.d").mkdir(parents=True, exist_ok=True)
        config = work / "var/lighttpd.conf"
        config.write_text(manage(env, "serve", "--print-config", "--port", str(static_port)))
        servers = [
            subprocess.Popen([lighttpd, "-D", "-f", str(config)]),
            subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "gunicorn",
                    "--bind",
                    f"127.0.0.1:{django_port}",
                    "--workers",
                    str(args.workers),
                    "--log-level",
                    "warning",
                    "publisher.wsgi:application",
                ],
                cwd=ROOT,
                env=env,
            ),
        ]
        try:
            wait_for(static_port)
            wait_for(django_port)
            static_url = f"http://127.0.0.1:{static_port}{story}"
            django_url = f"http://127.0.0.1:{django_port}{story}"
            if fetch(static_url) != fetch(django_url):
                raise SystemExit("bench: lighttpd and Django disagree about " + story)
            print(
                f"bench: {story} ({story_file.stat().st_size:,} bytes), wrk -t{threads} "
                f"-c{args.connections} -d{args.duration}s, gunicorn --workers {args.workers}",
                flush=True,
            )
            static_rps = wrk(wrk_binary, static_url, args.duration, args.connections, threads)
            django_rps = wrk(wrk_binary, django_url, args.duration, args.connections, threads)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)
    ratio = static_rps / django_rps
    verdict = "within budget" if ratio >= BUDGET else "OVER BUDGET"
    print(
        f"serve: lighttpd {static_rps:,.0f} req/s, Django under gunicorn {django_rps:,.0f} req/s: "
        f"{ratio:,.0f}x (budget {BUDGET}x: {verdict})"
    )


if __name__ == "__main__":
    main()
