"""``<build dir>/redirects.json``: the redirects publishing leaves when a page's
URL changes, ``{"/old/path/": "/new/path/", ...}``, read and checked for the
servers. No Django in here.

``publisher.pages.redirects`` writes it from the Redirect table; lighttpd gets
a 301 rule for each entry (``publisher.lighttpd.write_redirect_rules``), the
Python fallback server answers them itself, and the S3 deploy uploads a
redirect object for each.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from publisher.paths import file_path

REDIRECTS_FILE = "redirects.json"
# Site paths only: what slugs and routes produce. No quotes, spaces, '%' or
# '$', so a path can go into lighttpd's config and an S3 header as it is.
_SEGMENT = r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*"
SITE_PATH = re.compile(rf"^/(?:{_SEGMENT}/)*(?:{_SEGMENT})?$")


class RedirectsError(ValueError):
    """redirects.json cannot be used; the message says which entry and why."""


def read_json_object(path: Path, error: type[ValueError], shape: str) -> dict:
    """The JSON object in ``path`` ({} when there is no file), or ``error``
    saying why it cannot be used."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise error(f"{path}: not readable JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise error(f"{path}: expected an object {shape}")
    return raw


def load_redirects(build_dir: Path) -> dict[str, str]:
    """``<build_dir>/redirects.json`` checked, chains followed (a -> b -> c
    becomes a -> c); ``{}`` when there is no such file.

    The file is the whole truth: an old path in it is redirected even though
    publishing leaves a small page there too (the fallback where a real
    redirect is not possible); a path that is a page again must leave it."""
    path = Path(build_dir) / REDIRECTS_FILE
    raw = read_json_object(path, RedirectsError, "{old path: new path}")
    for old, new in raw.items():
        for value in (old, new):
            if not isinstance(value, str) or not SITE_PATH.match(value):
                raise RedirectsError(f"{path}: {value!r} is not a site path like /news/a-story/")
        if old == "/" or old.startswith(("/static/", "/media/")):
            raise RedirectsError(f"{path}: {old!r} cannot be redirected")
    resolved: dict[str, str] = {}
    for old in raw:
        seen, target = {old}, raw[old]
        while target in raw:
            if target in seen:
                raise RedirectsError(f"{path}: {old!r} redirects in a loop")
            seen.add(target)
            target = raw[target]
        resolved[old] = target
    return dict(sorted(resolved.items()))


def redirect_file(old: str) -> str:
    """The file (relative to the document root) a redirect stands in for."""
    return file_path(old)
