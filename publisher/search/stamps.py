"""A shard's stamp: a digest of what decides its records, read from the
rows without building a record, by which a build reuses a shard."""

from __future__ import annotations

import functools
import hashlib
import inspect
from typing import Any

from django.conf import settings
from django.db.models import Max, Min

from publisher import searchindex
from publisher.pages.base import Site
from publisher.pages.detail import DetailPage
from publisher.search.shards import searchable_pages, shard_span, shards_between


def site_shards(site: Site) -> list[str]:
    """Every shard that holds a live item, newest first."""
    return sorted(stamp_shards(site)[0], reverse=True)


def stamp_shards(site: Site) -> tuple[dict[str, list[DetailPage]], dict[str, str]]:
    """The searchable page types with a live item in each shard, and each
    shard's stamp (``shard_stamp``, the same digest): a query per kind for
    the span of its items, then its stamp's rows in each shard of that span
    (none: the kind has no item there, and a build asks nothing more of it)."""
    code = _code_version().encode()
    found: dict[str, list[DetailPage]] = {}
    digests: dict[str, Any] = {}
    for page in searchable_pages():
        span = page.model.objects.published(site.now).aggregate(
            first=Min("publish_at"), last=Max("publish_at")
        )
        if span["first"] is None:
            continue
        for shard in shards_between(span["first"], span["last"]):
            if _stamp_kind(page, site, shard, digests, code):
                found.setdefault(shard, []).append(page)
    return found, {shard: digest.hexdigest() for shard, digest in digests.items()}


def _stamp_kind(page: DetailPage, site: Site, shard: str, digests: dict, code: bytes) -> bool:
    """Add a kind's rows in a shard to the shard's stamp (``digests[shard]``,
    begun at its first row); whether the kind has any there."""
    start, end = shard_span(shard)
    marker = f"\0{page.name}\0".encode()
    for row in page.search_fingerprint(site, start, end):
        if marker:  # the kind's first row in the shard
            digest = digests.get(shard) or digests.setdefault(shard, hashlib.sha256(code))
        digest.update(marker + repr(row).encode())
        marker = b""
    return not marker


def shard_stamp(site: Site, shard: str) -> str:
    """A digest of what decides a shard's records, read from the rows without
    building a record: each live item's id, ``updated_at`` and its page's
    ``search_depends`` (a byline's names, a section's), plus the code that
    makes records and the format that indexes them. A build reuses a shard
    by it (``stamp_shards`` computes the same for every shard at once).

    Every save stamps ``updated_at`` (``auto_now``); a bulk ``update()`` of
    indexed fields must stamp it too (or change this code) for the next
    build to see the change."""
    code = _code_version().encode()
    digests: dict[str, Any] = {}
    for page in searchable_pages():  # a kind with no item in the shard adds nothing
        _stamp_kind(page, site, shard, digests, code)
    return digests.get(shard, hashlib.sha256(code)).hexdigest()


def _code_version() -> str:
    """What else decides the records: the format that indexes them, the
    time zone that dates them, the kinds' labels and the source of the code
    that makes them (a change re-indexes every shard once)."""
    labels = [
        f"{page.name}:{page.kind}:{page.registry.kinds[page.kind].label}"
        for page in searchable_pages()
    ]
    kinds = tuple(type(page) for page in searchable_pages())
    return "\0".join([str(searchindex.FORMAT), settings.TIME_ZONE, *labels, _source_of(kinds)])


@functools.cache
def _source_of(kinds: tuple[type, ...]) -> str:
    modules = {searchindex, inspect.getmodule(DetailPage)}
    modules.update(inspect.getmodule(cls) for kind in kinds for cls in kind.__mro__)
    parts = []
    for module in sorted((m for m in modules if m is not None), key=lambda m: m.__name__):
        try:
            parts.append(inspect.getsource(module))
        except (OSError, TypeError):  # no source (builtins, a frozen build): its name
            parts.append(module.__name__)
    return "\0".join(parts)
