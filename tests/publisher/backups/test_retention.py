"""Retention: which backups survive pruning, as a pure function of their dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from publisher.backups.config import BackupSettings
from publisher.backups.keys import backup_key, manifest_key
from publisher.backups.retention import StoredBackup, plan_prune, select_to_keep
from publisher.backups.store import run_backup
from tests.publisher.backups.support import backup_keys, clone_backup, keys, live_db, put_object


def at(day: str, clock: str = "03:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}:00+00:00")


def nightly(first: str, last: str, clock: str = "02:30") -> list[datetime]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [at(str(start + timedelta(days=n)), clock) for n in range((end - start).days + 1)]


def days(kept: set[datetime]) -> list[str]:
    return sorted(str(t.date()) for t in kept)


def test_it_keeps_nothing_of_nothing():
    assert select_to_keep([], 7, 4, 12) == set()


def test_daily_keeps_the_last_n_days():
    kept = select_to_keep(nightly("2026-11-01", "2026-11-10"), daily=7, weekly=0, monthly=0)
    assert days(kept) == [f"2026-11-{d:02d}" for d in range(4, 11)]


def test_daily_keeps_the_newest_backup_of_each_day():
    times = [at("2026-11-09", "03:00"), at("2026-11-09", "15:00"), at("2026-11-10", "01:00")]
    kept = select_to_keep(times, daily=2, weekly=0, monthly=0)
    assert kept == {at("2026-11-09", "15:00"), at("2026-11-10", "01:00")}


def test_days_without_a_backup_do_not_use_up_the_count():
    times = [at("2026-11-01"), at("2026-11-05"), at("2026-11-09")]
    assert days(select_to_keep(times, daily=2, weekly=0, monthly=0)) == ["2026-11-05", "2026-11-09"]


def test_weekly_keeps_the_newest_of_each_iso_week_across_a_new_year():
    # 2025-12-29 and 2026-01-02 are both in ISO week 2026-W01.
    times = [at("2025-12-22"), at("2025-12-29"), at("2026-01-02")]
    assert days(select_to_keep(times, daily=0, weekly=2, monthly=0)) == [
        "2025-12-22",
        "2026-01-02",
    ]


def test_monthly_keeps_the_newest_of_each_month():
    kept = select_to_keep(nightly("2026-01-01", "2026-04-15"), daily=0, weekly=0, monthly=3)
    assert days(kept) == ["2026-02-28", "2026-03-31", "2026-04-15"]


def test_the_default_rules_keep_exactly_this_set_of_eighteen_months_of_nightly_backups():
    kept = select_to_keep(nightly("2025-01-01", "2026-06-30"), daily=7, weekly=4, monthly=12)
    assert days(kept) == [
        # monthly: the newest of each of the last twelve months
        "2025-07-31",
        "2025-08-31",
        "2025-09-30",
        "2025-10-31",
        "2025-11-30",
        "2025-12-31",
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
        "2026-05-31",
        # weekly: ISO weeks 24 and 25 (weeks 26 and 27 are already kept as days)
        "2026-06-14",
        "2026-06-21",
        # daily: the last seven days (the 30th is also June's and week 27's)
        "2026-06-24",
        "2026-06-25",
        "2026-06-26",
        "2026-06-27",
        "2026-06-28",
        "2026-06-29",
        "2026-06-30",
    ]


def test_the_newest_backup_is_kept_even_when_every_count_is_zero():
    times = nightly("2026-11-01", "2026-11-03")
    assert select_to_keep(times, daily=0, weekly=0, monthly=0) == {at("2026-11-03", "02:30")}


def test_the_same_moment_twice_counts_once():
    assert select_to_keep([at("2026-11-01")] * 3, 7, 4, 12) == {at("2026-11-01")}


def stored(when: datetime, verified: bool = True) -> StoredBackup:
    return StoredBackup(key=f"k/{when:%Y%m%dT%H%M%S}", created=when, bytes=1, verified=verified)


def test_pruning_counts_the_newsrooms_days_not_utcs():
    # 04:30 UTC on 1 March is still 28 February in Chicago.
    late_february = stored(datetime(2026, 3, 1, 4, 30, tzinfo=UTC))
    march = stored(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    chicago = BackupSettings(
        "b", keep_daily=0, keep_weekly=0, keep_monthly=2, time_zone="America/Chicago"
    )
    utc = BackupSettings("b", keep_daily=0, keep_weekly=0, keep_monthly=2, time_zone="UTC")
    now = datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert plan_prune([late_february, march], chicago, now).delete == []
    assert plan_prune([late_february, march], utc, now).delete == [late_february]


@pytest.mark.parametrize("age,deleted", [(timedelta(hours=2), False), (timedelta(days=2), True)])
def test_unverified_leftovers_go_once_they_are_a_day_old(age, deleted):
    now = datetime(2026, 11, 28, 3, tzinfo=UTC)
    good = stored(now)
    leftover = stored(now - age, verified=False)
    plan = plan_prune([good, leftover], BackupSettings("b"), now)
    assert plan.keep == [good]
    assert (leftover in plan.delete) is deleted


def test_unverified_backups_never_take_a_place_in_the_count():
    now = datetime(2026, 11, 28, 3, tzinfo=UTC)
    older = stored(now - timedelta(days=1))
    unverified = stored(now - timedelta(hours=1), verified=False)
    newest = stored(now)
    plan = plan_prune(
        [older, unverified, newest],
        BackupSettings("b", keep_daily=2, keep_weekly=0, keep_monthly=0),
        now,
    )
    assert plan.keep == [older, newest]
    assert plan.delete == []


# Listing and pruning in the bucket


@pytest.mark.django_db(transaction=True)
def test_backups_lists_each_backup_with_its_size_and_whether_it_counts(newsroom, backup_bucket):
    call_command("backup", verbosity=0)
    (good,) = backup_keys(backup_bucket)
    db = live_db()
    # What a run that died before its manifest leaves behind.
    died = backup_key("backups", db.label, db.engine, datetime.now(UTC) - timedelta(hours=1))
    put_object(backup_bucket, died, b"\x1f\x8b half a dump")
    out = StringIO()
    call_command("backups", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert died in lines[0] and "UNVERIFIED (no manifest" in lines[0]
    assert good in lines[1] and lines[1].endswith("verified") and " kB " in lines[1]
    assert lines[2].startswith(f"backups: 2 in s3://{backup_bucket.bucket}/backups ")
    assert "1 verified" in lines[2]


@pytest.mark.django_db(transaction=True)
def test_pruning_after_a_backup_keeps_exactly_the_retention_set(newsroom, backup_bucket):
    db = live_db()
    keep_all = BackupSettings(backup_bucket.bucket, keep_daily=99, keep_monthly=99)
    seed = run_backup(db, keep_all, now=datetime(2026, 4, 1, 9, tzinfo=UTC)).key
    dated = {
        day: clone_backup(backup_bucket, seed, datetime.fromisoformat(f"{day}T09:00:00+00:00"))
        for day in [
            "2026-04-15",
            "2026-04-30",
            "2026-05-20",
            "2026-06-20",
            "2026-06-22",
            "2026-06-27",
            "2026-06-28",
            "2026-06-29",
        ]
    }
    rules = BackupSettings(
        backup_bucket.bucket, keep_daily=3, keep_weekly=2, keep_monthly=3, time_zone="UTC"
    )
    result = run_backup(db, rules, now=datetime(2026, 6, 30, 9, tzinfo=UTC))
    kept = {key for key in backup_keys(backup_bucket)}
    # daily: 06-28, 06-29, 06-30; weekly: week 27 (06-30) and week 26 (06-28);
    # monthly: June (06-30), May (05-20), April (04-30).
    assert kept == {
        result.key,
        dated["2026-06-29"],
        dated["2026-06-28"],
        dated["2026-05-20"],
        dated["2026-04-30"],
    }
    assert {b.key for b in result.pruned} == {
        seed,
        dated["2026-04-15"],
        dated["2026-06-20"],
        dated["2026-06-22"],
        dated["2026-06-27"],
    }
    assert all(manifest_key(key) in keys(backup_bucket) for key in kept)
    assert len(keys(backup_bucket)) == 2 * len(kept)  # no manifest left without its dump


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_deletes_nothing_and_names_what_the_real_run_then_deletes(
    newsroom, backup_bucket, settings
):
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, settings.BACKUP_KEEP_MONTHLY = 2, 0, 0
    call_command("backup", verbosity=0)
    (first,) = backup_keys(backup_bucket)
    for days in (1, 2, 3):
        clone_backup(backup_bucket, first, datetime.now(UTC) - timedelta(days=days))
    before = keys(backup_bucket)
    out = StringIO()
    call_command("backup", dry_run=True, stdout=out)
    assert keys(backup_bucket) == before
    would = {line.removeprefix("would delete ") for line in out.getvalue().splitlines()[:-1]}
    assert out.getvalue().splitlines()[-1].startswith("backup (dry run): would store s3://")
    call_command("backup", verbosity=0)
    assert would == set(before) - set(keys(backup_bucket)) - {manifest_key(k) for k in before}
    assert len(would) == 3  # four older backups, one day of them kept besides today's
