"""The one reader of the checkout's ``.env`` (no Django in here).

``manage.py``, the WSGI entry point and ``scripts/with-env`` (for cron's and
the shell scripts' use) all read the settings file through ``load_env_file``,
with dotenv rules (python-dotenv, interpolation off): a value arrives exactly
as written, spaces, quotes, ``$`` and backticks included. Nothing in the file
is ever evaluated by a shell, so ``PUBLISHER_SITE_NAME=The Millbrook Ledger``
is a name, not a command, and ``$`` in a password stays a ``$``.

A variable already in the environment wins over the file, so an operator can
override one setting for one run (``DJANGO_DEBUG=true manage.py ...``).

Run as a script, it runs a command with the file's settings added:
``python publisher/envfile.py --env-file PATH COMMAND [ARG...]`` (that is what
``scripts/with-env`` does).
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

from dotenv import dotenv_values
from dotenv.parser import parse_stream

ENV_FILE_NAME = ".env"


class EnvFileError(ValueError):
    """The env file has a line that is not ``NAME=value``; the message says where."""


def read_env_file(path: Path) -> dict[str, str]:
    """The settings in ``path`` ({} if there is no such file), values literal.

    A line that dotenv cannot read is an error, not skipped: a skipped
    ``DATABASE_URL`` would quietly mean the default database."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise EnvFileError(f"{path}: cannot be read ({exc})") from exc
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            line = binding.original.string.strip()
            raise EnvFileError(
                f"{path}, line {binding.original.line}: {line[:60]!r} is not NAME=value "
                "(quote a value with ' or \" if it has a quote, a # or a line break)"
            )
    values = dotenv_values(stream=io.StringIO(text), interpolate=False)
    # A bare NAME (no "=") sets nothing, as in a shell.
    return {name: value for name, value in values.items() if value is not None}


def load_env_file(path: Path, environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Add the settings in ``path`` to ``environ`` (``os.environ``), never
    replacing a variable that is already set; the names added."""
    environ = os.environ if environ is None else environ
    added = []
    for name, value in read_env_file(path).items():
        if name not in environ:
            environ[name] = value
            added.append(name)
    return added


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] != "--env-file":
        sys.stderr.write("usage: envfile.py --env-file PATH COMMAND [ARG...]\n")
        return 2
    try:
        load_env_file(Path(argv[1]))
    except EnvFileError as exc:
        sys.stderr.write(f"Configuration error: {exc}\n")
        return 2
    try:
        os.execvp(argv[2], argv[2:])  # noqa: S606
    except OSError as exc:
        sys.stderr.write(f"with-env: cannot run {argv[2]!r}: {exc}\n")
        return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
