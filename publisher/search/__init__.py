"""Reader search: index files of the live items, written with the pages.

Readers search in their browser against static files (``/search/``), so the
site stays flat. What is indexed is declared by the page types: every
``DetailPage`` with ``searchable = True`` gives a ``search_record`` for each
live item (the same ``queryset`` its pages show, so a draft, an embargoed,
unpublished or deleted item is never in it). Lists, archives and fronts are
never indexed.

The index is cut into shards by publish time (``PUBLISHER_SEARCH_SHARD``:
year, quarter or month, in the newsroom's time zone). Publishing re-indexes
only the shards its changes touch; a build indexes the shards on every core
(one process a shard at a time, so memory follows the shard, not the
archive) and links from the live release every shard nothing changed in;
then it merges every shard but the two newest into the archive, one folder
whose words a search fetches a page at a time however many shards there
are (``archive``). The format is ``publisher.searchindex``'s; the browser
reads it with ``publisher/static/publisher/search-index.js``. Under the
release::

    search/index/shards.json            the archive's folder, and the shards
                                        beside it, newest first, and where
                                        each one's files are (revalidated)
    search/index/archive/<version>/…    the old shards merged (cached for good)
    search/index/<shard>/<version>/…    one shard's files, in a folder named
                                        by their content (cached for good)
    search/index/<shard>/.shard.json    not served: what the shard indexed
    search/index/<shard>/.words-<v>     not served: its words, to merge

A re-indexed shard is a new folder: its files go in first, ``shards.json``
that names it next, and the old folder last. An unpublished item's text
leaves the index in the same publish that takes its page down (a reader
whose search began a moment before finds the old folder gone; the script
then reads ``shards.json`` again).

The package, one concern a module: ``shards`` (what is indexed, and the
shard of each item), ``stamps`` (what a build reuses a shard by),
``spool`` (the records a render keeps for the indexers), ``folders`` (a
shard's files in a release, ``shards.json``), ``archive`` (the old shards
merged into one folder), ``build`` (a build's
planning and indexing) and ``publish`` (a publish's re-indexing).
"""

from publisher.search.archive import read_archive
from publisher.search.build import IndexPlan, plan_index, write_index
from publisher.search.folders import (
    SEARCH_DIR,
    SHARD_STATE,
    SHARDS_FILE,
    SearchError,
    SearchResult,
    read_shards,
)
from publisher.search.publish import reindex
from publisher.search.shards import (
    affected_shards,
    enabled,
    records,
    searchable_pages,
    shard_of,
    shard_span,
)
from publisher.search.spool import Spool
from publisher.search.stamps import shard_stamp, site_shards

__all__ = [
    "SEARCH_DIR",
    "SHARDS_FILE",
    "SHARD_STATE",
    "IndexPlan",
    "SearchError",
    "SearchResult",
    "Spool",
    "affected_shards",
    "enabled",
    "plan_index",
    "read_archive",
    "read_shards",
    "records",
    "reindex",
    "searchable_pages",
    "shard_of",
    "shard_span",
    "shard_stamp",
    "site_shards",
    "write_index",
]
