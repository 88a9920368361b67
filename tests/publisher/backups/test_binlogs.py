"""Backups to the minute on MariaDB: dumps that record their binlog position,
binlogs shipped to S3 with manifests, restores to a moment proven equal table
by table, and the refusals (a gap, a moment out of range, a corrupt binlog).

Every test runs against a MariaDB server of its own with binary logging on
(``binlog_server``) and the moto S3 server; the Django test database is not
used, so these run once, in the MariaDB run of the suite."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from publisher.backups.binlogs import list_binlogs, ship_binlogs, spool_files
from publisher.backups.config import BackupSettings
from publisher.backups.errors import BackupRefused
from publisher.backups.keys import manifest_key
from publisher.backups.pitr import Target, run_restore_to
from publisher.backups.retention import list_backups
from publisher.backups.store import run_backup
from tests.publisher.backups.support import closed_port, put_object, read_object


@pytest.fixture(autouse=True)
def _mariadb_run_only():
    if connection.vendor != "mysql":
        pytest.skip("binary logs are MariaDB's: these run in the MariaDB run of the suite")


STORY_TABLE = """CREATE TABLE story (
    id INT PRIMARY KEY AUTO_INCREMENT,
    headline VARCHAR(200) NOT NULL,
    body LONGTEXT NOT NULL,
    photo LONGBLOB,
    publish_at DATETIME(6) NOT NULL
) ENGINE=InnoDB"""
OBITUARY_TABLE = """CREATE TABLE obituary (
    id INT PRIMARY KEY AUTO_INCREMENT,
    full_name VARCHAR(200) NOT NULL,
    died DATE
) ENGINE=InnoDB"""


class Newsroom:
    """A database on the binlog server that editors keep writing to."""

    def __init__(self, server, name):
        self.server, self.name = server, name
        self.db = server.database(name)
        self.connection = server.connect(name)
        self.cursor = self.connection.cursor()
        self.saves = 0
        self.cursor.execute(STORY_TABLE)
        self.cursor.execute(OBITUARY_TABLE)

    def save_story(self):
        self.saves += 1
        n = self.saves
        self.cursor.execute(
            "INSERT INTO story (headline, body, photo, publish_at) VALUES (%s, %s, %s, %s)",
            [
                f"Zoë Ibáñez wins the Ørsted prize, take {n}",
                f"First line\nSecond\u00a0line with a non-breaking space\r\n{'ü' * n}",
                bytes(range(256)) * (n % 3),
                datetime(2026, 12, 7, 16, n % 60, 0, 123456),
            ],
        )
        if n % 3 == 0:
            self.cursor.execute(
                "UPDATE story SET headline = CONCAT(headline, ' (corrected)') WHERE id = %s",
                [n - 1],
            )
        if n % 5 == 0:
            self.cursor.execute("DELETE FROM story WHERE id = %s", [n - 4])
        if n % 2 == 0:
            self.cursor.execute(
                "INSERT INTO obituary (full_name, died) VALUES (%s, %s)",
                [f"José Müller-Öztürk {n}", "2026-12-01"],
            )

    def fingerprints(self):
        """Rows and CHECKSUM TABLE of every table, as a comparison sees them."""
        cursor = self.server.connect(self.name).cursor()
        cursor.execute("SHOW FULL TABLES WHERE Table_type = 'BASE TABLE'")
        tables = sorted(row[0] for row in cursor.fetchall())
        found = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM `{table}`")  # noqa: S608 (listed above)
            (rows,) = cursor.fetchone()
            cursor.execute(f"CHECKSUM TABLE `{table}`")
            found[table] = (rows, cursor.fetchone()[1])
        cursor.connection.close()
        return found


def settings_for(s3) -> BackupSettings:
    return BackupSettings(bucket=s3.bucket, prefix="backups", time_zone="America/Chicago")


def next_second() -> datetime:
    """Wait for the clock to pass a whole second; that second (binlog events
    carry whole seconds: everything before it is in, nothing after)."""
    moment = math.floor(time.time()) + 1
    while time.time() < moment + 0.05:
        time.sleep(0.05)
    return datetime.fromtimestamp(moment, UTC)


@pytest.fixture
def newsroom(binlog_server):
    room = Newsroom(binlog_server, binlog_server.new_database())
    yield room
    room.connection.close()


def test_a_dump_records_where_it_stands_in_the_binary_log(newsroom, s3):
    newsroom.save_story()
    result = run_backup(newsroom.db, settings_for(s3), s3=s3.client)
    manifest = json.loads(read_object(s3, manifest_key(result.key)))
    (file, position, *_), gtid = (
        newsroom.server.sql("SHOW MASTER STATUS")[0],
        manifest["gtid_position"],
    )
    assert manifest["binlog_file"] == file
    assert manifest["binlog_position"] == position
    assert gtid == newsroom.server.sql("SELECT @@gtid_binlog_pos")[0][0]


def test_shipping_uploads_each_finished_binlog_once_with_its_manifest(newsroom, s3, tmp_path):
    conf = settings_for(s3)
    run_backup(newsroom.db, conf, s3=s3.client)
    newsroom.save_story()
    first = ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)
    assert first.problems == []
    assert len(first.shipped) == 1  # the binlog the dump stands in, rotated by the run
    manifest = first.shipped[0]
    assert manifest.transactions >= 1
    assert manifest.last_gtid and manifest.first_event <= manifest.last_event
    stored = json.loads(read_object(s3, manifest_key(manifest.key)))
    assert stored["sha256"] == manifest.sha256
    assert datetime.fromisoformat(stored["last_event"]) >= datetime.now(UTC) - timedelta(minutes=1)

    again = ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)
    assert [m.number for m in again.shipped] == [manifest.number + 1]  # only the new one
    assert spool_files(tmp_path, newsroom.name) == []  # nothing left waiting


def test_a_restore_to_a_moment_equals_the_database_at_that_moment_table_by_table(
    newsroom, s3, tmp_path
):
    conf = settings_for(s3)
    for _ in range(5):
        newsroom.save_story()
    run_backup(newsroom.db, conf, s3=s3.client)
    for _ in range(7):
        newsroom.save_story()
    ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)  # one shipped mid-way
    for _ in range(6):
        newsroom.save_story()
    at_moment = newsroom.fingerprints()
    moment = next_second()
    for _ in range(9):  # the editors keep writing after the moment
        newsroom.save_story()
    newsroom.cursor.execute("ALTER TABLE obituary ADD COLUMN town VARCHAR(80)")
    newsroom.save_story()
    ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)
    assert newsroom.fingerprints() != at_moment

    result = run_restore_to(
        newsroom.db, conf, Target(time=moment), confirm=lambda q: True, s3=s3.client
    )

    assert newsroom.fingerprints() == at_moment
    assert result.replay.transactions > 0
    assert len(result.replay.files) == 2


def test_restoring_into_another_database_leaves_the_live_one_alone(newsroom, s3, tmp_path):
    conf = settings_for(s3)
    newsroom.save_story()
    run_backup(newsroom.db, conf, s3=s3.client)
    newsroom.save_story()
    newsroom.save_story()
    at_moment = newsroom.fingerprints()
    moment = next_second()
    newsroom.cursor.execute("DELETE FROM obituary")  # the obituary we want back
    ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)
    live = newsroom.fingerprints()
    copy = f"{newsroom.name}_copy"

    asked = []
    run_restore_to(
        newsroom.db, conf, Target(time=moment), confirm=asked.append, into=copy, s3=s3.client
    )

    assert asked == []  # nothing live is replaced, so nothing to confirm
    assert newsroom.fingerprints() == live
    assert (
        Newsroom.fingerprints(type("R", (), {"server": newsroom.server, "name": copy})) == at_moment
    )
    with pytest.raises(BackupRefused, match="already exists"):
        run_restore_to(
            newsroom.db, conf, Target(time=moment), confirm=bool, into=copy, s3=s3.client
        )


def test_a_restore_to_a_gtid_stops_right_after_that_transaction(newsroom, s3, tmp_path):
    conf = settings_for(s3)
    run_backup(newsroom.db, conf, s3=s3.client)
    newsroom.save_story()
    (gtid,) = newsroom.server.sql("SELECT @@gtid_binlog_pos")[0]
    at_gtid = newsroom.fingerprints()
    newsroom.save_story()
    ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)

    run_restore_to(newsroom.db, conf, Target(gtid=gtid), confirm=lambda q: True, s3=s3.client)

    assert newsroom.fingerprints() == at_gtid


def test_a_moment_outside_the_recoverable_range_is_refused_stating_the_range(
    newsroom, s3, tmp_path
):
    conf = settings_for(s3)
    run_backup(newsroom.db, conf, s3=s3.client)
    newsroom.save_story()
    ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)
    before = newsroom.fingerprints()
    for moment in (datetime.now(UTC) - timedelta(days=1), datetime.now(UTC) + timedelta(hours=1)):
        with pytest.raises(BackupRefused, match=r"outside the recoverable range: \d{4}-\d\d-\d\d"):
            run_restore_to(newsroom.db, conf, Target(time=moment), confirm=bool, s3=s3.client)
    assert newsroom.fingerprints() == before


def test_a_corrupt_binlog_is_refused_by_its_checksum_before_anything_is_replayed(
    newsroom, s3, tmp_path
):
    conf = settings_for(s3)
    run_backup(newsroom.db, conf, s3=s3.client)
    newsroom.save_story()
    moment = next_second()
    newsroom.save_story()
    shipped = ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client).shipped[0]
    body = bytearray(read_object(s3, shipped.key))
    body[len(body) // 2] ^= 0x01
    put_object(s3, shipped.key, bytes(body))
    before = newsroom.fingerprints()
    asked = []

    with pytest.raises(BackupRefused, match=f"{shipped.key} is corrupt.*nothing was replayed"):
        run_restore_to(newsroom.db, conf, Target(time=moment), confirm=asked.append, s3=s3.client)

    assert asked == []  # refused before the question
    assert newsroom.fingerprints() == before


def test_a_missing_binlog_in_the_chain_is_reported_and_refused_naming_it(newsroom, s3, tmp_path):
    conf = settings_for(s3)
    run_backup(newsroom.db, conf, s3=s3.client)
    for _ in range(3):
        newsroom.save_story()
        ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)
    moment = next_second()
    newsroom.save_story()
    chain = list_binlogs(conf, newsroom.name, s3=s3.client)
    lost = chain[1]
    s3.client.delete_object(Bucket=s3.bucket, Key=lost.key)
    # ... and the server no longer has it either (expired before it was shipped)
    newsroom.server.sql(f"PURGE BINARY LOGS TO '{chain[2].name}'")

    report = ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)
    assert any(f"gap: {lost.name} is neither in S3 nor on the server" in p for p in report.problems)
    with pytest.raises(BackupRefused, match=f"the binlog {lost.name} is not in S3"):
        run_restore_to(newsroom.db, conf, Target(time=moment), confirm=bool, s3=s3.client)


def test_with_s3_unreachable_binlogs_wait_on_disk_and_ship_when_it_returns(newsroom, s3, tmp_path):
    import boto3
    from botocore.config import Config

    conf = settings_for(s3)
    run_backup(newsroom.db, conf, s3=s3.client)
    newsroom.save_story()
    ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)
    down = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{closed_port()}",
        config=Config(retries={"max_attempts": 1}, connect_timeout=1),
    )
    newsroom.save_story()
    at_moment = newsroom.fingerprints()
    moment = next_second()
    newsroom.save_story()
    newsroom.server.sql("SET GLOBAL binlog_expire_logs_seconds = 3600")
    try:
        outage = ship_binlogs(newsroom.db, conf, tmp_path, s3=down)
        assert any("S3 is unreachable" in p for p in outage.problems)
        assert any("cannot lose them" in w for w in outage.warnings)
        held = [p.name for p in spool_files(tmp_path, newsroom.name)]
        assert held == outage.waiting and held
        # The server's expiry runs meanwhile: the binlogs are gone from it.
        (active,) = newsroom.server.sql("SHOW MASTER STATUS")[0][:1]
        newsroom.server.sql(f"PURGE BINARY LOGS TO '{active}'")
    finally:
        newsroom.server.sql("SET GLOBAL binlog_expire_logs_seconds = 0")

    back = ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)

    assert back.problems == []
    assert set(held) <= {m.name for m in back.shipped}
    assert spool_files(tmp_path, newsroom.name) == []
    run_restore_to(newsroom.db, conf, Target(time=moment), confirm=lambda q: True, s3=s3.client)
    assert newsroom.fingerprints() == at_moment


def test_a_killed_upload_never_counts_and_the_next_run_ships_it_again(newsroom, s3, tmp_path):
    conf = settings_for(s3)
    run_backup(newsroom.db, conf, s3=s3.client)
    newsroom.save_story()
    shipped = ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client).shipped[0]
    # As if the shipper had been killed after the object, before the manifest:
    s3.client.delete_object(Bucket=s3.bucket, Key=manifest_key(shipped.key))
    put_object(s3, shipped.key, b"half a binlog")
    assert not list_binlogs(conf, newsroom.name, s3=s3.client)[0].verified

    again = ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)

    assert shipped.name in [m.name for m in again.shipped]
    assert all(b.verified for b in list_binlogs(conf, newsroom.name, s3=s3.client))
    assert list_backups(conf, newsroom.name, s3=s3.client)  # the dump is untouched


def test_the_server_requirements_name_what_a_server_or_user_lacks(binlog_server):
    from publisher.backups.binlogs import server_requirements

    root = binlog_server.connect()
    assert [found[0] for found in server_requirements(root.cursor())] == ["publisher.W104"]
    binlog_server.sql(
        "CREATE USER IF NOT EXISTS 'editor_only'@'127.0.0.1'",
        "GRANT SELECT, INSERT ON *.* TO 'editor_only'@'127.0.0.1'",
    )
    import MySQLdb

    user = MySQLdb.connect(host="127.0.0.1", port=binlog_server.port, user="editor_only")
    (lacking,) = [f for f in server_requirements(user.cursor()) if f[0] == "publisher.W105"]
    assert "BINLOG MONITOR, RELOAD, REPLICATION SLAVE" in lacking[1]
    user.close()
    root.close()


def test_the_drill_fails_naming_the_table_a_change_outside_the_binlog_touched(
    newsroom, s3, tmp_path
):
    from publisher.backups.drill import run_drill

    conf = settings_for(s3)
    newsroom.save_story()
    run_backup(newsroom.db, conf, s3=s3.client)
    newsroom.save_story()
    ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)
    # Someone changed a row with binary logging off for their session: no
    # binlog holds it, so no restore can bring it back.
    newsroom.cursor.execute("SET SESSION sql_log_bin = 0")
    newsroom.cursor.execute("UPDATE obituary SET full_name = 'Changed by hand'")
    newsroom.cursor.execute("SET SESSION sql_log_bin = 1")

    result = run_drill(newsroom.db, conf, tmp_path, s3=s3.client, record=tmp_path / "drill.json")

    assert not result.ok
    assert "differs from the live database" in result.problem and "obituary" in result.problem
    assert [t.name for t in result.tables if not t.ok] == ["obituary"]
    assert json.loads((tmp_path / "drill.json").read_text())["ok"] is False
    databases = [row[0] for row in newsroom.server.sql("SHOW DATABASES")]
    assert not [d for d in databases if "_backup_" in d]


def test_binlogs_older_than_the_oldest_kept_dump_are_pruned(newsroom, s3, tmp_path):
    conf = settings_for(s3)
    run_backup(newsroom.db, conf, s3=s3.client)
    for _ in range(2):
        newsroom.save_story()
        ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)
    old = [b.name for b in list_binlogs(conf, newsroom.name, s3=s3.client)]
    # A second dump the same day: retention keeps only the day's newest.
    newest = run_backup(newsroom.db, conf, s3=s3.client)
    assert len(newest.pruned) == 1
    assert newest.manifest is not None
    start = newest.manifest.binlog_file

    result = ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)

    assert result.pruned == [name for name in old if name < start]
    kept = [b.name for b in list_binlogs(conf, newsroom.name, s3=s3.client)]
    assert kept and min(kept) == start
    assert all(b.verified for b in list_binlogs(conf, newsroom.name, s3=s3.client))


def test_a_restore_to_a_moment_never_replays_across_an_earlier_restore(newsroom, s3, tmp_path):
    from publisher.backups.restore import run_restore

    conf = settings_for(s3)
    run_backup(newsroom.db, conf, s3=s3.client)
    newsroom.save_story()
    run_restore(newsroom.db, conf, "latest", confirm=lambda q: True, s3=s3.client)
    newsroom.save_story()
    moment = next_second()
    ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)
    before = newsroom.fingerprints()

    with pytest.raises(BackupRefused, match="a replay cannot cross a restore"):
        run_restore_to(newsroom.db, conf, Target(time=moment), confirm=bool, s3=s3.client)
    assert newsroom.fingerprints() == before
    # A dump taken after the restore starts a chain that can be replayed.
    run_backup(newsroom.db, conf, s3=s3.client)
    newsroom.save_story()
    at_moment = newsroom.fingerprints()
    moment = next_second()
    newsroom.save_story()
    ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)
    run_restore_to(newsroom.db, conf, Target(time=moment), confirm=lambda q: True, s3=s3.client)
    assert newsroom.fingerprints() == at_moment


@pytest.mark.parametrize(
    ("statement", "names"),
    [
        (b"ALTER TABLE `newsroom`.story ADD c INT", True),
        (b"alter table newsroom.story add c int", True),
        (b"DROP DATABASE IF EXISTS `newsroom`", True),
        (b"ALTER TABLE story ADD c INT", False),
        (b"ALTER TABLE newsroom_old.story ADD c INT", False),
        (b"CREATE TABLE newsroomx (a INT)", False),
    ],
)
def test_statements_that_name_the_live_database_itself_are_spotted(statement, names):
    from publisher.backups.pitr import names_database

    assert names_database(statement, "newsroom") is names


def test_a_replay_that_would_run_a_statement_naming_the_live_database_is_refused(
    newsroom, s3, tmp_path
):
    conf = settings_for(s3)
    run_backup(newsroom.db, conf, s3=s3.client)
    newsroom.save_story()
    early = next_second()
    # An operator's statement naming the database: replayed into the scratch
    # copy it would run against the live one.
    newsroom.cursor.execute(f"ALTER TABLE `{newsroom.name}`.obituary ADD COLUMN town VARCHAR(80)")
    newsroom.save_story()
    late = next_second()
    ship_binlogs(newsroom.db, conf, tmp_path, s3=s3.client)
    before = newsroom.fingerprints()

    with pytest.raises(BackupRefused, match="names the live database .* itself"):
        run_restore_to(newsroom.db, conf, Target(time=late), confirm=bool, s3=s3.client)
    assert newsroom.fingerprints() == before
    run_restore_to(newsroom.db, conf, Target(time=early), confirm=lambda q: True, s3=s3.client)


def test_a_binlog_cut_short_or_altered_is_never_read_as_sound(newsroom, tmp_path):
    from publisher.backups.binlog import BinlogDamaged, read_binlog
    from publisher.backups.binlogs import fetch_binlog

    newsroom.save_story()
    (name, *_), *_ = newsroom.server.sql("SHOW MASTER STATUS")
    newsroom.server.sql("FLUSH BINARY LOGS")
    path = fetch_binlog(newsroom.db, name, tmp_path)
    sound = read_binlog(path)
    assert sound.rotated and sound.transactions
    data = path.read_bytes()
    path.write_bytes(data[:-7])
    with pytest.raises(BinlogDamaged, match="cut short"):
        read_binlog(path)
    altered = bytearray(data)
    altered[sound.transactions[-1].end - 30] ^= 0x40
    path.write_bytes(bytes(altered))
    with pytest.raises(BinlogDamaged, match="fails its CRC32"):
        read_binlog(path)
