"""The operator's side of backups to the minute: `backup --binlogs`,
`restore --to`, `backups --drill` run as cron and an operator run them
(manage.py in a subprocess) against a MariaDB with binary logging."""

from __future__ import annotations

import json
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.publisher.backups.support import ROOT, manage_env
from tests.publisher.backups.test_binlogs import Newsroom, next_second

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _mariadb_run_only():
    if connection.vendor != "mysql":
        pytest.skip("binary logs are MariaDB's: these run in the MariaDB run of the suite")


@pytest.fixture
def newsroom(binlog_server):
    room = Newsroom(binlog_server, binlog_server.new_database())
    yield room
    room.connection.close()


@pytest.fixture
def env(newsroom, s3, subprocess_env, tmp_path):
    """manage.py's environment: the binlog server's database, the test bucket."""
    return manage_env(
        subprocess_env,
        s3,
        DATABASE_URL=newsroom.server.url(newsroom.name),
        PUBLISHER_VAR_DIR=str(tmp_path / "var"),
        BACKUP_BINLOG_SPOOL=str(tmp_path / "var" / "binlogs"),
        TIME_ZONE="America/Chicago",
    )


@pytest.fixture
def manage(env):
    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=300,
        )
        if check:
            assert done.returncode == 0, done.stderr
        return done

    return run


def test_an_operator_restores_the_database_to_a_minute_of_the_day(newsroom, manage):
    for _ in range(4):
        newsroom.save_story()
    manage("backup")
    for _ in range(4):
        newsroom.save_story()
    newsroom.server.sql("FLUSH BINARY LOGS")
    planned = manage("backup", "--binlogs", "--dry-run")
    assert "backup --binlogs: would ship 1, pruned 0" in planned.stdout
    shipped = manage("backup", "--binlogs")
    assert "backup --binlogs: shipped 2, waiting 0" in shipped.stdout  # + the one it rotated
    listed = manage("backups").stdout
    assert "binlogs: 2 verified (binlog.0000" in listed and "newest change " in listed
    newsroom.save_story()
    at_moment = newsroom.fingerprints()
    moment = next_second().astimezone(ZoneInfo("America/Chicago"))
    for _ in range(3):
        newsroom.save_story()
    manage("backup", "--binlogs")
    when = f"{moment:%Y-%m-%d %H:%M:%S}"

    unanswered = manage("restore", "--to", when, check=False)
    assert unanswered.returncode != 0
    assert "restore cancelled: nothing was changed" in unanswered.stderr
    assert newsroom.fingerprints() != at_moment

    done = manage("restore", "--to", when, "--yes")

    assert newsroom.fingerprints() == at_moment
    assert f"as at {when} C" in done.stdout  # CST or CDT, newsroom time
    assert "Run `manage.py build`" in done.stdout


REFUSALS = [
    (["--to", "yesterday at five"], 'is not a time: give it as "2026-12-07 16:58"'),
    (["--to", "2001-01-01 10:00"], "is outside the recoverable range: "),
    (["--to-gtid", "0-1"], "is not a GTID"),
    (["latest", "--to", "2001-01-01 10:00"], "--to picks the backup itself"),
    (["--into", "copy"], "--into goes with --to or --to-gtid"),
]


def test_a_restore_to_a_moment_refuses_bad_input_saying_why(newsroom, manage):
    manage("backup")
    newsroom.save_story()
    manage("backup", "--binlogs")
    before = newsroom.fingerprints()

    for args, message in REFUSALS:
        done = manage("restore", *args, "--yes", check=False)
        assert done.returncode != 0, args
        assert message in done.stderr, (args, done.stderr)
    assert newsroom.fingerprints() == before


def test_the_drill_proves_the_newest_point_restores_and_records_rpo_and_rto(
    newsroom, manage, tmp_path
):
    newsroom.save_story()
    manage("backup")
    for _ in range(5):
        newsroom.save_story()
    manage("backup", "--binlogs")
    newsroom.save_story()  # not shipped yet: the drill ships it

    done = manage("backups", "--drill")

    assert "tables equal to live, rows and CHECKSUM TABLE; RPO " in done.stdout
    recorded = json.loads((tmp_path / "var" / "backup-drill.json").read_text())
    assert recorded["ok"] is True
    assert recorded["rpo_seconds"] < 60 and recorded["rto_seconds"] > 0
    assert {t["name"] for t in recorded["tables"]} == {"story", "obituary"}
    assert all(t["ok"] and t["live_checksum"] for t in recorded["tables"])
    databases = [row[0] for row in newsroom.server.sql("SHOW DATABASES")]
    assert not [d for d in databases if "_backup_" in d]  # the scratch copy is gone


def test_a_failed_drill_mails_the_newsroom_and_fails_loudly(backup_bucket, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.BACKUP_BINLOG_SPOOL = tmp_path / "binlogs"
    settings.BACKUP_ALERT_EMAIL = "editor@example.com"
    # The test suite's own MariaDB runs without binary logs: nothing to drill.
    with pytest.raises(CommandError, match="backups --drill FAILED"):
        call_command("backups", drill=True, verbosity=0)

    (message,) = mail.outbox
    assert message.to == ["editor@example.com"]
    assert "Backup drill FAILED" in message.subject
    recorded = json.loads((tmp_path / "backup-drill.json").read_text())
    assert recorded["ok"] is False and recorded["problem"]


def test_check_warns_when_the_server_writes_no_binary_logs(backup_bucket):
    from io import StringIO

    out = StringIO()
    # The test suite's own MariaDB runs without binary logs.
    call_command("check", stdout=out, stderr=out)
    assert "publisher.W101" in out.getvalue()
    assert "log_bin, binlog_format=ROW" in out.getvalue()


def test_the_minutely_shipper_runs_while_the_nightly_dump_holds_its_lock(
    newsroom, manage, env, tmp_path
):
    import fcntl

    manage("backup")
    newsroom.save_story()
    var = tmp_path / "var"
    var.mkdir(exist_ok=True)
    with open(var / "backup.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a long nightly dump is running
        run = subprocess.run(
            [str(ROOT / "scripts" / "backup"), "--binlogs"],
            cwd="/",
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
    log = (var / "log" / "binlogs.log").read_text()
    assert "backup --binlogs: shipped 1, waiting 0" in log


def test_the_following_shipper_ships_within_seconds_and_stops_on_sigterm(newsroom, manage, env):
    import signal
    import time

    from publisher.backups.binlogs import list_binlogs
    from publisher.backups.config import BackupSettings

    manage("backup")
    conf = BackupSettings(bucket=env["BACKUP_S3_BUCKET"], prefix="backups")
    follower = subprocess.Popen(
        [sys.executable, "manage.py", "backup", "--binlogs", "--follow", "--interval", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        newsroom.save_story()
        (gtid,) = newsroom.server.sql("SELECT @@gtid_binlog_pos")[0]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            shipped = list_binlogs(conf, newsroom.name, s3=_client(env))
            if any(b.manifest and b.manifest.last_gtid == gtid for b in shipped):
                break
            time.sleep(0.5)
        else:
            pytest.fail("the save was not shipped within a minute")
    finally:
        follower.send_signal(signal.SIGTERM)
        out, err = follower.communicate(timeout=60)
    assert follower.returncode == 0, err
    assert "backup --binlogs: shipped" in out


def _client(env):
    import boto3

    return boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"])
