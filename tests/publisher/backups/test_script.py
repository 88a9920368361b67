"""scripts/backup, cron's entry point: a lock, a log, silence on success, an exit
status and a message on failure."""

from __future__ import annotations

import fcntl
import subprocess
import time

import pytest

from tests.publisher.backups.support import ROOT, backup_keys, keys, manage_env

pytestmark = pytest.mark.django_db(transaction=True)


def run_script(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / "scripts" / "backup"), *args],
        cwd="/",  # it finds the checkout itself, as cron runs it
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def script_env(subprocess_env, s3, tmp_path):
    return manage_env(subprocess_env, s3, PUBLISHER_VAR_DIR=str(tmp_path / "var"))


def test_a_good_run_stores_a_backup_prints_nothing_and_logs_it(newsroom, s3, script_env, tmp_path):
    run = run_script(script_env)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
    assert len(backup_keys(s3)) == 1
    log = (tmp_path / "var" / "log" / "backup.log").read_text()
    assert " start\n" in log
    assert "backup: " in log and backup_keys(s3)[0] in log
    assert log.rstrip().endswith(" done")


def test_a_failed_run_exits_non_zero_and_says_why_for_crons_mail(s3, script_env, tmp_path):
    script_env["BACKUP_S3_BUCKET"] = ""
    run = run_script(script_env)
    assert run.returncode == 1
    assert "BACKUP_S3_BUCKET is not set" in run.stderr
    assert "backup: FAILED (exit 1); log: " in run.stderr
    assert "FAILED (exit 1)" in (tmp_path / "var" / "log" / "backup.log").read_text()


def test_a_second_run_while_one_holds_the_lock_stops_at_once(s3, script_env, tmp_path):
    (tmp_path / "var").mkdir()
    with open(tmp_path / "var" / "backup.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a run in progress
        started = time.monotonic()
        run = run_script(script_env)
    assert run.returncode != 0
    assert "another backup is still running" in run.stderr
    assert time.monotonic() - started < 5
    assert keys(s3) == []


def test_cron_runs_the_script_nightly():
    lines = (ROOT / "scripts" / "crontab").read_text().splitlines()
    (line,) = [line for line in lines if line.rstrip().endswith("scripts/backup")]
    minute, hour, *_ = line.split()
    assert (minute, hour) == ("30", "2")
