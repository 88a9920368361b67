"""manage.py serve: serve the live site (build/site) to readers.

lighttpd when it is installed (as in production), else Python's http.server.
Runs in the foreground until Ctrl-C. Django is not involved in serving.

  serve                          run lighttpd in the foreground (config in var/lighttpd.conf)
  serve --write-config PATH      write a production config (port, user, paths from
                                 options and settings) and exit
  serve --reload                 rewrite the redirect rules from redirects.json and
                                 gracefully restart the running lighttpd
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from publisher.lighttpd import (
    AdminProxy,
    deflate_installed,
    lighttpd_config,
    prepare_var_dir,
    reload_lighttpd,
    write_redirect_rules,
)
from publisher.pyserver import python_server
from publisher.redirects_file import RedirectsError, load_redirects
from publisher.releases import live_link

PRODUCTION_HEADER = """\
# lighttpd config for the newsroom site. Generated from settings
# (PUBLISHER_BUILD_DIR={build_dir}, PUBLISHER_VAR_DIR={var_dir}{trusted}) by
#   .venv/bin/python manage.py serve --write-config {path} {args}
# Regenerate it that way rather than edit it (publisher/lighttpd.py holds the template).
# lighttpd writes {var_dir}/lighttpd-deflate (compressed copies) and
# reads {var_dir}/lighttpd.d/*.conf (redirect rules: manage.py serve --reload)."""


def admin_proxy(value: str) -> AdminProxy:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit():
        raise CommandError(f"--admin-proxy {value!r}: expected HOST:PORT, e.g. 127.0.0.1:8000")
    return AdminProxy(host, int(port), trusted=tuple(settings.PUBLISHER_TRUSTED_PROXY))


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
        parser.add_argument(
            "--write-config",
            metavar="PATH",
            help="Write a production lighttpd config to PATH and exit (see scripts/lighttpd.conf).",
        )
        parser.add_argument("--user", help="The user lighttpd runs as (server.username).")
        parser.add_argument("--group", help="The group lighttpd runs as (server.groupname).")
        parser.add_argument(
            "--admin-proxy",
            metavar="HOST:PORT",
            help="Proxy /admin/, /preview/ and the readers' forms at /submit/ to Django "
            "under gunicorn at HOST:PORT.",
        )
        parser.add_argument(
            "--reload",
            action="store_true",
            help="Rewrite the redirect rules from redirects.json and gracefully restart "
            "the running lighttpd.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        build_dir = Path(settings.PUBLISHER_BUILD_DIR)
        docroot = live_link(build_dir)
        var_dir = Path(settings.VAR_DIR)
        if options["write_config"]:
            self.write_config(Path(options["write_config"]), docroot, var_dir, options)
            return
        config = self.config(docroot, var_dir, options)
        if options["print_config"]:
            self.stdout.write(config)
            return
        if options["reload"]:
            self.reload(build_dir, docroot, var_dir)
            return
        if not (docroot / "index.html").is_file():
            raise CommandError(f"{docroot} has no site yet: run `manage.py build` first.")
        lighttpd = shutil.which("lighttpd") or (
            "/usr/sbin/lighttpd" if os.path.exists("/usr/sbin/lighttpd") else None
        )
        if lighttpd and not options["python"]:
            self.run_lighttpd(lighttpd, config, build_dir, docroot, var_dir, options)
        else:
            self.run_python(build_dir, docroot, options)

    def config(self, docroot: Path, var_dir: Path, options: dict[str, Any], **kwargs: Any) -> str:
        kwargs.setdefault("compress", deflate_installed())
        return lighttpd_config(
            docroot,
            options["host"],
            options["port"],
            var_dir,
            user=options["user"],
            group=options["group"],
            admin=admin_proxy(options["admin_proxy"]) if options["admin_proxy"] else None,
            **kwargs,
        )

    def write_config(
        self, path: Path, docroot: Path, var_dir: Path, options: dict[str, Any]
    ) -> None:
        args = ["--host", options["host"], "--port", str(options["port"])]
        for name in ("user", "group", "admin_proxy"):
            if options[name]:
                args += ["--" + name.replace("_", "-"), options[name]]
        header = PRODUCTION_HEADER.format(
            build_dir=settings.PUBLISHER_BUILD_DIR,
            var_dir=var_dir,
            trusted=f", PUBLISHER_TRUSTED_PROXY={','.join(settings.PUBLISHER_TRUSTED_PROXY)}"
            if settings.PUBLISHER_TRUSTED_PROXY
            else "",
            path=path,
            args=shlex.join(args),
        )
        # Production installs mod_deflate (Debian: lighttpd-mod-deflate) whatever this machine has.
        path.write_text(self.config(docroot, var_dir, options, header=header, compress=True))
        self.stdout.write(f"serve: wrote {path}")

    def reload(self, build_dir: Path, docroot: Path, var_dir: Path) -> None:
        try:
            changed = write_redirect_rules(build_dir, var_dir)
        except RedirectsError as exc:
            raise CommandError(str(exc)) from exc
        reloaded = reload_lighttpd(var_dir)
        self.stdout.write(
            f"serve: redirect rules {'rewritten' if changed else 'unchanged'}; "
            + ("lighttpd restarted gracefully" if reloaded else "no running lighttpd found")
        )

    def run_lighttpd(
        self,
        lighttpd: str,
        config: str,
        build_dir: Path,
        docroot: Path,
        var_dir: Path,
        options: dict[str, Any],
    ) -> None:
        prepare_var_dir(var_dir)
        try:
            write_redirect_rules(build_dir, var_dir)
        except RedirectsError as exc:
            raise CommandError(str(exc)) from exc
        path = var_dir / "lighttpd.conf"
        path.write_text(config)
        if not deflate_installed():
            self.stderr.write(
                "serve: no compression: install mod_deflate (Debian: lighttpd-mod-deflate)"
            )
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(f"serve: lighttpd on {url} (config {path}); Ctrl-C to stop")
        self.stdout.flush()
        # Replace this process: Ctrl-C and signals go straight to lighttpd.
        os.execv(lighttpd, [lighttpd, "-D", "-f", str(path)])  # noqa: S606

    def run_python(self, build_dir: Path, docroot: Path, options: dict[str, Any]) -> None:
        try:
            redirects = load_redirects(build_dir)
        except RedirectsError as exc:
            raise CommandError(str(exc)) from exc
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(f"serve: Python http.server on {url}; Ctrl-C to stop")
        self.stdout.flush()
        server = python_server(docroot, options["host"], options["port"], redirects)
        with server, contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
