""".env is read by one reader with dotenv rules, by cron's lines, the systemd
unit, scripts/ and manage.py alike: values arrive literally, nothing is run."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from publisher.envfile import EnvFileError, load_env_file, read_env_file

ROOT = Path(__file__).resolve().parents[2]

# Values a shell would break on, expand or run.
SITE_NAME = 'The Millbrook Ledger\'s "Weekend" $HOME edition'
SECRET = "k3y$PATH`touch {pwned}`$(touch {pwned})'\"\\x"
AWS_SECRET = "s3cr$t `touch {pwned}` with spaces"


def write_env(path: Path, **values: str) -> None:
    """An operator's .env: values written plainly where dotenv allows it."""
    lines = []
    for name, value in values.items():
        if "'" in value:  # dotenv: a double-quoted value, backslash and quote escaped
            value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        lines.append(f"{name}={value}")
    path.write_text("\n".join(lines) + "\n")


def test_values_arrive_literally(tmp_path):
    env = tmp_path / ".env"
    env.write_text(
        "# a comment\n"
        "PUBLISHER_SITE_NAME=The Millbrook Ledger\n"
        "A='single $HOME `id`'\n"
        'B="double $HOME `id` \\"quoted\\""\n'
        "export C=exported\n"
        "D=${HOME}/x\n"
        "BARE\n"
    )
    assert read_env_file(env) == {
        "PUBLISHER_SITE_NAME": "The Millbrook Ledger",
        "A": "single $HOME `id`",
        "B": 'double $HOME `id` "quoted"',
        "C": "exported",
        "D": "${HOME}/x",  # no interpolation
    }


def test_a_variable_already_set_wins_over_the_file(tmp_path):
    env = tmp_path / ".env"
    env.write_text("DJANGO_DEBUG=false\nTIME_ZONE=UTC\n")
    environ = {"DJANGO_DEBUG": "true"}
    assert load_env_file(env, environ) == ["TIME_ZONE"]
    assert environ == {"DJANGO_DEBUG": "true", "TIME_ZONE": "UTC"}


def test_no_file_is_no_settings(tmp_path):
    assert read_env_file(tmp_path / ".env") == {}


def test_a_line_it_cannot_read_is_an_error_naming_the_line(tmp_path):
    env = tmp_path / ".env"
    env.write_text("TIME_ZONE=UTC\nDATABASE_URL='mysql://u:p@h/db\nDJANGO_DEBUG=false\n")
    with pytest.raises(EnvFileError, match=r"\.env, line 2: .*is not NAME=value"):
        read_env_file(env)


# -- Through the real entry points ------------------------------------------------


@pytest.fixture
def checkout(tmp_path):
    """A checkout at another path (as /srv/newsroom): its own manage.py and
    scripts/, the code and the virtualenv shared with this one."""
    root = tmp_path / "newsroom"
    root.mkdir()
    shutil.copy2(ROOT / "manage.py", root / "manage.py")
    shutil.copytree(ROOT / "scripts", root / "scripts")
    for name in ("publisher", "content", "desk", "records"):
        (root / name).symlink_to(ROOT / name)
    (root / ".venv").symlink_to((ROOT / ".venv").resolve())
    return root


def cron_env(home: Path) -> dict[str, str]:
    """What cron gives a job: hardly anything (and nothing of pytest's)."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LOGNAME": "root", "SHELL": "/bin/sh"}


def crontab_commands(checkout: Path) -> list[list[str]]:
    """The command of each line of scripts/crontab, for this checkout, as
    cron runs it: ``$SHELL -c COMMAND`` (SHELL from the crontab, else /bin/sh)."""
    shell = "/bin/sh"
    commands = []
    for line in (checkout / "scripts" / "crontab").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" in line.split()[0]:
            name, _, value = line.partition("=")
            if name.strip() == "SHELL":
                shell = value.strip()
            continue
        command = line.split(None, 5)[5]
        commands.append(command.replace("/srv/newsroom", str(checkout)))
    return [[shell, "-c", command] for command in commands]


def run(command: str | list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    argv = ["/bin/sh", "-c", command] if isinstance(command, str) else command
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_crontabs_own_lines_read_env_literally(checkout, tmp_path, s3):
    pwned = tmp_path / "pwned"
    backups = f"{s3.bucket}-backups"
    s3.client.create_bucket(Bucket=backups)
    write_env(
        checkout / ".env",
        DATABASE_URL=f"sqlite:///{tmp_path}/var/newsroom.sqlite3",
        PUBLISHER_VAR_DIR=str(tmp_path / "var"),
        PUBLISHER_BUILD_DIR=str(tmp_path / "build"),
        PUBLISHER_MEDIA_ROOT=str(tmp_path / "media"),
        PUBLISHER_SITE_NAME=SITE_NAME,
        DJANGO_SECRET_KEY=SECRET.format(pwned=pwned),
        PUBLISHER_S3_BUCKET=s3.bucket,
        PUBLISHER_S3_PREFIX="www",
        PUBLISHER_S3_GZIP="false",
        BACKUP_S3_BUCKET=backups,
        AWS_ENDPOINT_URL=s3.endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY=AWS_SECRET.format(pwned=pwned),
        AWS_DEFAULT_REGION="us-east-1",
    )
    env = cron_env(tmp_path)
    migrate = run(".venv/bin/python manage.py migrate -v0", checkout, env)
    assert migrate.returncode == 0, migrate.stderr

    commands = crontab_commands(checkout)
    assert len(commands) == 11
    for command in commands:
        result = run(command, tmp_path, env)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", ""), command

    # What Django saw.
    seen = run(
        ".venv/bin/python manage.py shell --no-imports -c "
        + shlex.quote(
            "import json, os; from django.conf import settings; print(json.dumps("
            "[settings.PUBLISHER_SITE_NAME, settings.SECRET_KEY, os.environ['AWS_SECRET_ACCESS_KEY']]))"
        ),
        checkout,
        env,
    )
    assert json.loads(seen.stdout) == [
        SITE_NAME,
        SECRET.format(pwned=pwned),
        AWS_SECRET.format(pwned=pwned),
    ]
    assert not pwned.exists(), "a backtick or $( ) in .env was run"
    # ... and what each line did with it: the build, the deploy, the backup.
    page = (tmp_path / "build" / "site" / "index.html").read_text()
    assert "Millbrook Ledger&#39;s &#34;Weekend&#34; $HOME edition" in page
    uploaded = s3.client.get_object(Bucket=s3.bucket, Key="www/index.html")["Body"].read()
    assert uploaded.decode() == page
    listing = s3.client.list_objects_v2(Bucket=backups).get("Contents", [])
    assert [obj["Key"] for obj in listing if obj["Key"].endswith(".sqlite3.gz")]
    assert " done\n" in (tmp_path / "var" / "log" / "backup.log").read_text()


def test_the_systemd_unit_runs_manage_py_which_reads_env(checkout, tmp_path):
    unit = dict(
        line.split("=", 1)
        for line in (checkout / "scripts" / "newsroom-publisher.service").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert "EnvironmentFile" not in unit  # systemd's quoting rules are not dotenv's
    assert unit["WorkingDirectory"] == "/srv/newsroom"
    argv = shlex.split(unit["ExecStart"].replace("/srv/newsroom", str(checkout)))
    pwned = tmp_path / "pwned"
    write_env(
        checkout / ".env",
        DATABASE_URL=f"sqlite:///{tmp_path}/var/newsroom.sqlite3",
        PUBLISHER_VAR_DIR=str(tmp_path / "var"),
        PUBLISHER_TASKS="database",
        DJANGO_SECRET_KEY=SECRET.format(pwned=pwned),
    )
    env = cron_env(tmp_path)
    assert run(".venv/bin/python manage.py migrate -v0", checkout, env).returncode == 0
    # The unit's own command, told to stop once the queue is empty.
    worker = subprocess.run(
        [*argv, "--batch"], cwd=checkout, env=env, capture_output=True, text=True, timeout=120
    )
    assert worker.returncode == 0, worker.stderr
    assert (tmp_path / "var" / "newsroom.sqlite3").exists()
    assert not pwned.exists()


def test_a_broken_env_file_stops_every_entry_point_with_the_line(checkout, tmp_path):
    (checkout / ".env").write_text("TIME_ZONE=UTC\nDJANGO_SECRET_KEY='unterminated\n")
    env = cron_env(tmp_path)
    for command in (".venv/bin/python manage.py check", "scripts/with-env true", "scripts/backup"):
        result = run(command, checkout, env)
        assert result.returncode == 2, command
        assert "Configuration error: " in result.stderr and ".env, line 2" in result.stderr, command


def test_with_env_runs_the_command_with_the_files_settings(checkout, tmp_path):
    write_env(checkout / ".env", PUBLISHER_SITE_NAME=SITE_NAME, TIME_ZONE="UTC")
    env = {**cron_env(tmp_path), "TIME_ZONE": "Europe/Paris"}
    result = run(
        'scripts/with-env sh -c \'printf "%s|%s" "$PUBLISHER_SITE_NAME" "$TIME_ZONE"\'',
        checkout,
        env,
    )
    assert result.stdout == f"{SITE_NAME}|Europe/Paris"
    assert os.access(checkout / "scripts" / "with-env", os.X_OK)
