#!/usr/bin/env python
"""The entry point for every operation: build, seed_demo, runserver, ..."""

import os
import sys
from pathlib import Path


def main() -> int:
    # Settings from the checkout's .env (dotenv rules, values literal; a
    # variable already set wins), so cron, systemd and a shell all see the
    # same values without evaluating the file.
    from publisher.envfile import ENV_FILE_NAME, EnvFileError, load_env_file

    try:
        load_env_file(Path(__file__).resolve().parent / ENV_FILE_NAME)
    except EnvFileError as exc:
        sys.stderr.write(f"Configuration error: {exc}\n")
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publisher.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A bad setting: say what to set, without a traceback.
        sys.stderr.write(f"Configuration error: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
