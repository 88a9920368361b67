#!/usr/bin/env python
"""The entry point for every operation: build, seed_demo, runserver, ..."""

import os
import sys


def main() -> int:
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
