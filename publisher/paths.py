"""URL <-> file: the one mapping between a site path and the file serving it.

The build writes ``/a/b/`` as ``a/b/index.html``; lighttpd, the Python
server and S3 serve that file for that address. No Django in here.
"""

from __future__ import annotations


def file_path(url: str) -> str:
    """The file, relative to the document root, that serves ``url``.

    Refuses anything that could land outside the document root: the slug
    validators keep such values out of the admin, and this keeps them out of
    the build whatever way they reached the database.
    """
    if not url.startswith("/") or "\\" in url or "\0" in url:
        raise ValueError(f"unsafe URL for a static file: {url!r}")
    segments = url[1:].split("/")
    inner = segments[:-1] if url.endswith("/") else segments
    if any(seg in ("", ".", "..") or seg.startswith(".") for seg in inner):
        raise ValueError(f"unsafe URL for a static file: {url!r}")
    return url[1:] + "index.html" if url.endswith("/") else url[1:]


def url_path(relative: str) -> str:
    """The site path a file under the document root answers: the inverse of
    ``file_path`` (``a/b/index.html`` -> ``/a/b/``)."""
    if relative == "index.html" or relative.endswith("/index.html"):
        return "/" + relative[: -len("index.html")]
    return "/" + relative
