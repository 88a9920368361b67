"""Settings come from the environment, strictly, and bad ones say what to set."""

from __future__ import annotations

import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from publisher.env import EnvError, env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "word,value", [("true", True), ("False", False), ("1", True), ("off", False)]
)
def test_env_bool_reads_the_usual_words(monkeypatch, word, value):
    monkeypatch.setenv("X_FLAG", word)
    assert env_bool("X_FLAG", not value) is value


@pytest.mark.parametrize("word", ["maybe", "Flase", "2"])
def test_env_bool_refuses_anything_else(monkeypatch, word):
    monkeypatch.setenv("X_FLAG", word)
    with pytest.raises(EnvError, match="X_FLAG.*true or false"):
        env_bool("X_FLAG", False)


def test_env_int_and_list(monkeypatch):
    monkeypatch.setenv("X_N", "seven")
    with pytest.raises(EnvError, match="X_N='seven' is not a whole number"):
        env_int("X_N", 1)
    monkeypatch.setenv("X_N", "0")
    with pytest.raises(EnvError, match="at least 1"):
        env_int("X_N", 1, minimum=1)
    monkeypatch.setenv("X_L", " a, b ,,c ")
    assert env_list("X_L", []) == ["a", "b", "c"]


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG='maybe' is not a boolean"),
        (
            "PUBLISHER_SITE_URL",
            "news.example.com",
            "PUBLISHER_SITE_URL='news.example.com' is not an absolute",
        ),
        ("PUBLISHER_SITE_URL", "https://example.com/paper/", "has a path"),
        ("DATABASE_URL", "oracle-ish://x", "DATABASE_URL="),
        ("PUBLISHER_KEEP_RELEASES", "0", "PUBLISHER_KEEP_RELEASES='0' must be at least 1"),
        ("PUBLISHER_TRUSTED_PROXY", "tls.example.com", "not an IP address or network"),
    ],
)
def test_a_bad_setting_stops_start_up_with_a_message_naming_it(name, value, message, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PUBLISHER_VAR_DIR": str(tmp_path), name: value}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("Configuration error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_build_dir_that_cannot_be_created_fails_the_system_check(settings, tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    settings.PUBLISHER_BUILD_DIR = tmp_path / "a-file" / "build"
    with pytest.raises(Exception, match="publisher.E001"):
        call_command("check")


def test_media_inside_the_build_dir_fails_the_system_check(settings):
    settings.MEDIA_ROOT = Path(settings.PUBLISHER_BUILD_DIR) / "media"
    with pytest.raises(Exception, match="publisher.E002"):
        call_command("check")


def test_a_trusted_proxy_without_djangos_https_proxy_setting_is_a_warning(settings):
    settings.PUBLISHER_TRUSTED_PROXY = ["127.0.0.1"]
    out = StringIO()
    call_command("check", stderr=out)
    assert "publisher.W003" in out.getvalue()
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    out = StringIO()
    call_command("check", stderr=out)
    assert "publisher.W003" not in out.getvalue()


def test_env_example_lists_every_setting_read_from_the_environment():
    source = (ROOT / "publisher" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', source))
    listed = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "no settings found: the pattern is stale"
    assert read <= listed, f"missing from .env.example: {sorted(read - listed)}"
