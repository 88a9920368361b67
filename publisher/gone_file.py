"""``<build dir>/gone.json``: the addresses of items taken down for good,
``{"/crime/2026/01/02/a-report/": "2026-11-28T16:00:00+00:00", ...}`` (path:
when it was removed), read and checked for the servers. No Django in here.

``publisher.pages.gone`` writes it from the Gone table and leaves a short
page at each address. lighttpd answers each with 410 Gone and that page
(``publisher.lighttpd.gone_rules``), the Python fallback server the same;
S3 cannot set a status, so the page alone is there.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from publisher.redirects_file import SITE_PATH, RedirectsError, read_json_object

GONE_FILE = "gone.json"


class GoneError(RedirectsError):
    """gone.json cannot be used; the message says which entry and why (a
    RedirectsError: the servers' rules cannot be written from it either)."""


def load_gone(build_dir: Path) -> dict[str, str]:
    """``<build_dir>/gone.json`` checked: {path: removal time}; ``{}`` when
    there is no such file."""
    path = Path(build_dir) / GONE_FILE
    raw = read_json_object(path, GoneError, "{path: removal time}")
    for old, when in raw.items():
        if not isinstance(old, str) or not SITE_PATH.match(old) or not old.endswith("/"):
            raise GoneError(f"{path}: {old!r} is not a page path like /news/a-story/")
        if old == "/" or old.startswith(("/static/", "/media/")):
            raise GoneError(f"{path}: {old!r} cannot be gone")
        try:
            datetime.fromisoformat(when)
        except (TypeError, ValueError) as exc:
            raise GoneError(f"{path}: {old!r} has no removal time ({when!r})") from exc
    return dict(sorted(raw.items()))
