"""manage.py serve: serve the live site (build/site) to readers on loopback.

lighttpd when it is installed (as in production), else Python's http.server.
Runs in the foreground until Ctrl-C. Django is not involved in serving.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from publisher.releases import live_link
from publisher.serve import lighttpd_config, python_server


class Command(BaseCommand):
    help = "Serve build/site with lighttpd (or Python's http.server) in the foreground."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8080)
        parser.add_argument(
            "--python",
            action="store_true",
            help="Use Python's http.server even if lighttpd is installed.",
        )
        parser.add_argument(
            "--print-config", action="store_true", help="Print the lighttpd config and exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        docroot = live_link(Path(settings.PUBLISHER_BUILD_DIR))
        var_dir = Path(settings.VAR_DIR)
        var_dir.mkdir(parents=True, exist_ok=True)
        config = lighttpd_config(docroot, options["host"], options["port"], var_dir)
        if options["print_config"]:
            self.stdout.write(config)
            return
        if not (docroot / "index.html").is_file():
            raise CommandError(f"{docroot} has no site yet: run `manage.py build` first.")
        url = f"http://{options['host']}:{options['port']}/"
        lighttpd = shutil.which("lighttpd") or (
            "/usr/sbin/lighttpd" if os.path.exists("/usr/sbin/lighttpd") else None
        )
        if lighttpd and not options["python"]:
            path = var_dir / "lighttpd.conf"
            path.write_text(config)
            self.stdout.write(f"serve: lighttpd on {url} (config {path}); Ctrl-C to stop")
            self.stdout.flush()
            # Replace this process: Ctrl-C and signals go straight to lighttpd.
            os.execv(lighttpd, [lighttpd, "-D", "-f", str(path)])  # noqa: S606
        self.stdout.write(f"serve: Python http.server on {url}; Ctrl-C to stop")
        self.stdout.flush()
        server = python_server(docroot, options["host"], options["port"])
        with server, contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
