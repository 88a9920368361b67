"""Removed items: an address of an item taken down for good answers 410
Gone with a short page saying it was removed and when (``noindex``).

The newsroom decides what is removed: it records each address of the item
in the Gone table (``mark_gone``) in the same transaction as the save that
takes the item off the site; the publish that follows writes the page at
each address and ``build/gone.json`` for the servers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.http import Http404, HttpResponse

from publisher.files import write_atomic
from publisher.gone_file import GONE_FILE
from publisher.headers import file_headers
from publisher.models import Gone, Redirect
from publisher.pages.base import Change, Context, Page, Site, Unit
from publisher.pages.routes import Params


def mark_gone(kind: str, object_id: int, paths: Iterable[str], when: datetime) -> list[str]:
    """Record ``paths`` (the item's address, and the old ones that redirected
    to it) as removed at ``when``; returns every address of the item now gone.
    Call it in the transaction that takes the item off the site."""
    paths = set(paths)
    paths |= set(Redirect.objects.filter(new_path__in=paths).values_list("old_path", flat=True))
    for path in sorted(paths):
        Gone.objects.update_or_create(
            path=path, defaults={"kind": kind, "object_id": object_id, "removed_at": when}
        )
    return sorted(
        paths
        | set(
            Gone.objects.filter(kind=kind, object_id=object_id, named=True).values_list(
                "path", flat=True
            )
        )
    )


def retire_addresses(kind: str, object_id: int, paths: Iterable[str], when: datetime) -> list[str]:
    """Old addresses of an item that hold a name taken out of it: they answer
    410 Gone for good, with no page of their own (the site's ``410.html``),
    and leave the redirects (redirects.json, lighttpd's rules, the bucket's
    redirect objects), so nothing readers can reach is named after the
    person. The item stays live at its other addresses. Call it in the
    transaction that changes the item."""
    paths = sorted(set(paths))
    for path in paths:
        Gone.objects.update_or_create(
            path=path,
            defaults={"kind": kind, "object_id": object_id, "removed_at": when, "named": True},
        )
    Redirect.objects.filter(old_path__in=paths).delete()
    return paths


class GonePage(Page):
    """The page at a removed item's address: "removed on <date>". lighttpd
    (and the Python server, and the dev server) answer it with status 410;
    S3 serves it as it is."""

    name = "gone"
    route = ""

    def url(self, params: Params) -> str:
        return params["path"]

    def routes(self) -> list[tuple[str, str, Callable[[], list[Params] | None]]]:
        return []  # the items' own routes answer these addresses

    def params(self, site: Site) -> Iterator[Params]:
        for path in paths_with_pages().values_list("path", flat=True):
            yield {"path": path}

    def count(self, site: Site) -> int:
        return paths_with_pages().count()

    def unit_contexts(self, site: Site, unit: Unit) -> Iterator[tuple[Params, Context]]:
        for path, when in paths_with_pages().values_list("path", "removed_at"):
            yield {"path": path}, {"removed_at": when}

    def context(self, site: Site, params: Params) -> Context:
        # A named address has no page: a file there would carry the name.
        when = (
            paths_with_pages()
            .filter(path=params["path"])
            .values_list("removed_at", flat=True)
            .first()
        )
        if when is None:
            raise Http404("not a removed address")
        return {"removed_at": when}

    def answer(self, site: Site, path: str) -> HttpResponse | None:
        """The dev server's answer at a removed address: 410 and the page."""
        params = {"path": path if path.endswith("/") else path + "/"}
        when = Gone.objects.filter(path=params["path"]).values_list("removed_at", flat=True)
        if not when:
            return None
        body = self.render(site, params, {"removed_at": when[0]})
        return HttpResponse(body, status=410, headers=file_headers(params["path"]))

    def apply(self, site: Site, changes: list[Change]) -> frozenset[str]:
        """An item live again gives its addresses back (its page, or the
        redirects publishing leaves, answer them again); returns those.
        One query when nothing is gone (every publish asks)."""
        mine = Q(pk__in=[])
        for change in changes:
            now = change.now(site) if change.kind in self.registry.kinds else None
            if now is not None:
                page = self.registry.detail(change.kind)
                # Not its named addresses: those are gone for good.
                mine |= Q(kind=change.kind, object_id=change.id, named=False)
                mine |= Q(path=page.url(page.params_for(now)))
        retaken = frozenset(Gone.objects.filter(mine).values_list("path", flat=True))
        if retaken:
            Gone.objects.filter(path__in=retaken).delete()
        return retaken

    def pages_gone(
        self, site: Site, changes: list[Change], retaken: frozenset[str]
    ) -> Iterable[Params]:
        """The removed addresses of the changed items, and those ``apply``
        gave back (which render as 404: removed, unless a page is there)."""
        items = Q(pk__in=[])
        for change in changes:
            if change.id is not None and change.kind in self.registry.kinds:
                items |= Q(kind=change.kind, object_id=change.id)
        paths = set(retaken) | set(Gone.objects.filter(items).values_list("path", flat=True))
        return [{"path": path} for path in sorted(paths)]


def paths_with_pages() -> Any:
    """The removed addresses that get the removed page (not the named ones)."""
    return Gone.objects.filter(named=False).order_by("path")


def write_gone_file(build_dir: Path) -> None:
    """``build/gone.json``: {path: removal time}, for lighttpd and the Python server."""
    gone = {
        path: when.isoformat()
        for path, when in Gone.objects.order_by("path").values_list("path", "removed_at")
    }
    data = json.dumps(gone, indent=1, sort_keys=True).encode() + b"\n"
    write_atomic(build_dir / GONE_FILE, data)
