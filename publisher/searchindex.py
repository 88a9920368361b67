"""The search index's file format: one shard's records in, its files out (no Django).

Readers search in their browser (``publisher/static/publisher/search-index.js``
reads these files), so the format is made for what a browser downloads: a
search fetches, per shard, only the bucket of words its terms can be in, the
shard's small list of dates and filter values, and the text of the results it
shows. Every file is gzipped JSON (``.idx``: served as bytes, never compressed
again; the script unpacks it), written in a fixed order from the records
alone, so the same records give the same bytes on every run.

A shard's files (under ``search/index/<shard>/``)::

    <version>/docs.idx
                    {"filters": {"kind": ["Obituary", "Story"], ...},
                     "docs": [["2026-11-03", [0, 2, -1]], ...], "texts": [...]}
                    each record's date and its filter values (indexes into
                    ``filters``, names sorted; -1: none), oldest first, and
                    the names of the text files
    <version>/w<N>.idx
                    one bucket of words: {"word": [posting, ...]}, a posting
                    (gap << 6) | weight: the item's position in ``docs`` as
                    the gap from the one before, and the word's weight there;
                    a word is in bucket fnv1a(word[:3]) % buckets
    t-<digest>.idx  what results show of GROUP records in a row:
                    [[url, title, kind, date, text], ...] (text: the fields
                    and the body, for the excerpt)

All but the newest shards are also merged into the archive (``merge_archive``;
under ``search/index/archive/<version>/``), so that a search fetches a few
files however many shards there are::

    words.idx       {"pages": [first word of each page, ...], "shards":
                     [[name, first item, first text file], ...], "filters":
                     {"kind": [...], ...}, "combo": [filter names], "combos":
                     [[value index, ...], ...], "runs": {"year": [[first
                     item, value index], ...]}, "docs": item count}
    p<N>.idx        one page of words, in order: {"word": [posting, ...]}, a
                    posting ((gap * len(combos) + combo) << 6) | weight,
                    the items numbered across the shards, oldest first
    t<N>.idx        the shards' text files, numbered across them

``<version>`` is a digest of the folder's files (the archive's: of its
shards' versions), and a text file is named by its content (or by its place
in the archive's folder): a new index is new names, so every file can be
cached for good.
A new or edited item changes the folder (the buckets its words are in) and
one text file; the other text files stay.

A term of three letters or more finds every word it begins ("fire" finds
"fires", "firefighter"); a shorter one, only itself. Its other number is
found only as a whole word ("fires" finds "fire", never "first"). Common
English words are not indexed (a search ignores them too). Text is folded
(lower case, NFKD, marks dropped) before it is cut into words, here and in
the script alike.
"""

from __future__ import annotations

import gzip
import hashlib
import heapq
import html
import operator
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import Any, NamedTuple

import orjson
from isal import igzip

FORMAT = 3
SUFFIX = ".idx"
DOCS = f"docs{SUFFIX}"
# Records per text file: a result page (20 results) fetches at most 20 of
# them; fewer per file would mean more files to write.
GROUP = 8
# About how many bytes of words (as JSON, before gzip) one bucket holds: a
# search fetches one bucket per term per shard.
BUCKET_BYTES = 24_000
PREFIX = 3  # a word's bucket is chosen by its first letters
PACK_LEVEL = 2  # ISA-L's gzip levels are 0-3
# Kept whole for excerpts up to this many characters of an item's text.
TEXT_LIMIT = 20_000

# Weights: where a word is found. A body's count is capped so a long item
# does not bury a short one that names it in the headline.
IN_TITLE = 20
IN_FIELDS = 6
BODY_CAP = 9
WEIGHT_BITS = 6  # a posting is (id gap << WEIGHT_BITS) | weight; weights < 64

# Too common to find anything by (and most of an index's bytes).
COMMON_WORDS = """a an and are as at be but by for from had has have he her his i in is it
its of on or she that the their them they this to was were which with"""
STOPWORDS = frozenset(COMMON_WORDS.split())

_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"[^\W_]+")  # letters and digits, in any script
# Punctuation common in news copy: dashes, curly quotes, an ellipsis, a
# no-break space (none of them in a word).
_MARKS = re.compile("[\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u00a0]")
# ASCII letters and digits as themselves, other ASCII characters as spaces
# (a table of all 256 bytes; only ASCII text is translated).
_ASCII_GAPS = bytes(b if b > 0x7F or chr(b).isalnum() else 0x20 for b in range(256))


def text_of(markup: str) -> str:
    """The words of an HTML fragment, tags dropped, entities decoded."""
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())


class _Marks(dict):
    """A ``str.translate`` table that drops every mark (Unicode's categories
    Mn, Mc, Me: what the script's ``\\p{M}`` strips) and keeps the rest, each
    code point looked up once."""

    def __missing__(self, point: int) -> int | None:
        kept = None if unicodedata.category(chr(point))[0] == "M" else point
        self[point] = kept
        return kept


_DROP_MARKS = _Marks()


def fold(text: str) -> str:
    """Text as the index keeps its words: lower case, decomposed (NFKD), marks
    dropped (café: cafe). Done before the text is cut into words, so an
    accent typed as a mark of its own ("Gu" + U+0301 + "stafson") leaves the
    word whole; the script folds a query the same way."""
    text = text.lower()
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).translate(_DROP_MARKS)


def _words(text: str) -> list[str]:
    """The words of a text as the index keeps them: ``_WORD``'s matches in
    the folded text (``fold``), in order, found faster. Most copy is ASCII
    but for its dashes and curly quotes; those become spaces (as ``_WORD``
    splits at them too), then ASCII punctuation does, in one pass over the
    bytes. Only a text with other characters (café) is folded and read by
    the Unicode pattern."""
    lowered = text.lower()
    if not lowered.isascii():
        lowered = _MARKS.sub(" ", lowered)
        if not lowered.isascii():
            folded = fold(lowered)
            if not folded.isascii():
                return _WORD.findall(folded)
            lowered = folded
    return lowered.encode().translate(_ASCII_GAPS).decode().split()


def _counts(text: str) -> dict[str, int]:
    """How often each indexed word is in a text (capped at BODY_CAP)."""
    counts = Counter(_words(text))
    for word in STOPWORDS.intersection(counts):
        dict.__delitem__(counts, word)  # (Counter's own del is slower)
    if counts and max(counts.values()) > BODY_CAP:
        for word in [word for word, count in counts.items() if count > BODY_CAP]:
            counts[word] = BODY_CAP
    return counts


def _found(text: str) -> set[str]:
    """The indexed words of a short text, once each."""
    return set(_words(text)) - STOPWORDS


def bucket_of(word: str, buckets: int) -> int:
    """FNV-1a (32 bits) of the word's first letters' code points, modulo ``buckets``.
    The script computes the same."""
    h = 0x811C9DC5
    for char in word[:PREFIX]:
        h = ((h ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
    return h % buckets


class Record(NamedTuple):
    """What readers can find of one item, and what a result shows of it.

    ``words`` are the item's plain-text fields (a headline's dek, a name, an
    address), ``html`` its body; all of them are searched, the title most,
    and the kind too ("obituary").
    ``kind`` and ``date`` (ISO) are shown with each result; ``filters`` are
    what readers narrow results by (``{"section": "Sports"}``).

    A tuple: a build makes one per item and keeps it on disk until its
    shard is indexed, and a tuple is the cheapest to make, keep and read back.
    """

    url: str
    title: str
    kind: str
    date: str
    words: tuple[str, ...] = ()
    html: str = ""
    filters: dict[str, str] | None = None

    def fields(self) -> str:
        return "\n".join(part.strip() for part in self.words if part and part.strip())

    def body(self) -> str:
        return text_of(self.html) if self.html else ""


@dataclass
class Shard:
    """One shard's files: ``files`` (docs and buckets, name -> bytes) go in a
    folder named ``version``; ``texts`` (name -> bytes, named by content) go
    beside it, where the next version shares those that did not change.
    ``run``: its words in order with their postings (not served: what the
    archive is merged from, ``merge_archive``)."""

    files: dict[str, bytes]
    texts: dict[str, bytes]
    records: int
    run: bytes = b""

    @property
    def version(self) -> str:
        return _digest(self.files)

    @property
    def buckets(self) -> int:
        return sum(1 for name in self.files if name.startswith("w"))


def _digest(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256(str(FORMAT).encode())
    for name in sorted(files):
        digest.update(f"\0{name}\0".encode())
        digest.update(files[name])
    return digest.hexdigest()[:16]


def pack(value: Any) -> bytes:
    """Gzipped JSON, the same bytes for the same value (keys sorted, no time
    stamp). orjson and ISA-L's gzip: a quarter of the standard library's
    CPU for these files, and any gzip reader unpacks them."""
    return igzip.compress(orjson.dumps(value, option=orjson.OPT_SORT_KEYS), PACK_LEVEL, mtime=0)


def unpack(data: bytes) -> Any:
    return orjson.loads(gzip.decompress(data))


def index_shard(records: Iterable[Record]) -> Shard:
    """The files of one shard, from its records (in any order: they are
    numbered oldest first, so a new item changes one text file, not all)."""
    postings: defaultdict[str, list[int]] = defaultdict(list)
    dates: list[str] = []
    filter_values: list[dict[str, str]] = []
    texts: list[list[str]] = []
    for doc, record in enumerate(sorted(records, key=lambda r: (r.date, r.url))):
        title, fields, body = record.title.strip(), record.fields(), record.body()
        weights = _counts(body)
        for word in _found(f"{fields}\n{record.kind}"):
            weights[word] = weights.get(word, 0) + IN_FIELDS
        for word in _found(title):
            weights[word] = weights.get(word, 0) + IN_TITLE
        code = doc << WEIGHT_BITS
        for word, weight in weights.items():
            postings[word].append(code | weight)
        dates.append(record.date)
        filter_values.append(record.filters or {})
        text = "\n".join(part for part in (fields, body) if part)
        texts.append([record.url, record.title, record.kind, record.date, text[:TEXT_LIMIT]])
    groups = {}
    for start in range(0, len(texts), GROUP):
        data = pack(texts[start : start + GROUP])
        groups[f"t-{hashlib.sha256(data).hexdigest()[:16]}{SUFFIX}"] = data
    files = {DOCS: pack(_docs(dates, filter_values, list(groups)))}
    run = _run(postings)  # before the buckets make the postings gaps
    for number, bucket in enumerate(_buckets(postings)):
        files[f"w{number}{SUFFIX}"] = pack(bucket)
    return Shard(files=files, texts=groups, records=len(texts), run=run)


def _run(postings: dict[str, list[int]]) -> bytes:
    """A shard's words in order, one line each: [word, [(doc << 6) | weight, ...]].
    Not gzipped: a merge reads every shard's at once, and a gzip reader's
    state (a few hundred KB) times hundreds of shards would be the build's
    memory."""
    return b"\n".join(orjson.dumps([word, postings[word]]) for word in sorted(postings))


def read_run(path: Any) -> Iterator[tuple[str, list[int]]]:
    """The words of a shard's run file, in order, read as they are needed."""
    with open(path, "rb") as lines:
        for line in lines:
            word, codes = orjson.loads(line)
            yield word, codes


def _docs(dates: list[str], filter_values: list[dict[str, str]], texts: list[str]) -> dict:
    names = sorted({name for values in filter_values for name, v in values.items() if v})
    tables = {
        name: sorted({values[name] for values in filter_values if values.get(name)})
        for name in names
    }
    positions = {name: {value: i for i, value in enumerate(tables[name])} for name in names}
    docs = [
        [date, [positions[name][values[name]] if values.get(name) else -1 for name in names]]
        for date, values in zip(dates, filter_values, strict=True)
    ]
    return {"format": FORMAT, "filters": tables, "docs": docs, "texts": texts}


def _buckets(postings: dict[str, list[int]]) -> list[dict[str, list[int]]]:
    """The words cut into buckets of about BUCKET_BYTES each (a power of two
    of them), each word's ids as gaps from the one before."""
    size = 0
    mask = -1 << WEIGHT_BITS  # a posting's id, still shifted
    for entry in postings.values():
        if len(entry) > 1:  # each code less the one before's id (the map is
            # read whole before the slice is replaced)
            entry[1:] = map(operator.sub, entry[1:], map(operator.and_, entry, repeat(mask)))
        size += 6 * len(entry)  # about the JSON bytes of a posting and its comma
    size += sum(len(word) + 4 for word in postings)
    count = 1
    while size / count > BUCKET_BYTES:
        count *= 2
    buckets: list[dict[str, list[int]]] = [{} for _ in range(count)]
    for word, entry in postings.items():
        buckets[bucket_of(word, count)][word] = entry
    return buckets


# -- The archive: the old shards' words in one directory ------------------------

WORDS = f"words{SUFFIX}"
# About how many bytes of postings (as JSON, before gzip) one page of the
# archive's words holds: a search fetches the pages its terms are on.
PAGE_BYTES = 48_000


class ArchivePart(NamedTuple):
    """One shard merged into the archive: its name, its docs (``docs.idx``'s
    value, read when needed) and its run (``Shard.run``'s lines)."""

    name: str
    docs: Callable[[], dict]
    words: Callable[[], Iterator[tuple[str, list[int]]]]


def merge_archive(parts: list[ArchivePart]) -> Iterator[tuple[str, bytes]]:
    """The archive's files from its shards (oldest first), as (name, bytes):
    the pages of words, then ``words.idx``. Its items are numbered across
    the shards, oldest first (so a higher number is a newer item), and a
    posting is ``((gap * combos + combo) << 6) | weight``: the gap from the
    item before, the item's filter values (an index into ``combos``) and
    the word's weight there; a filter whose values come in long runs (a
    year) is kept as runs instead (``runs``: [first item, value]). Read one
    shard's docs and one line of each run at a time: the archive's size
    never sits in memory."""
    shards, filters, run_counts, total = _archive_docs(parts)
    run_names = sorted(name for name, runs in run_counts.items() if runs * 8 <= total)
    combo_names = sorted(name for name in filters if name not in run_names)
    combos: dict[tuple[int, ...], int] = {}
    combo_of: list[int] = []
    runs_of: dict[str, list[list[int]]] = {name: [] for name in run_names}
    for part in parts:
        docs = part.docs()
        positions = _positions(docs, filters)
        for _date, values in docs["docs"]:
            key = tuple(positions[name](values) for name in combo_names)
            for name, runs in runs_of.items():
                value = positions[name](values)
                if not runs or runs[-1][1] != value:
                    runs.append([len(combo_of), value])
            combo_of.append(combos.setdefault(key, len(combos)))
    # Combos numbered by their values, not as met: the same rows, the same bytes.
    order = sorted(combos)
    renumber = {combos[key]: number for number, key in enumerate(order)}
    combo_of = [renumber[number] for number in combo_of]
    count = max(1, len(order))
    pages: list[str] = []
    page: dict[str, list[int]] = {}
    size = 0
    for word, postings in _merged_words(parts, shards, combo_of, count):
        if not page:
            pages.append(word)
        page[word] = postings
        size += len(word) + 4 + 7 * len(postings)
        if size >= PAGE_BYTES:
            yield f"p{len(pages) - 1}{SUFFIX}", pack(page)
            page, size = {}, 0
    if page:
        yield f"p{len(pages) - 1}{SUFFIX}", pack(page)
    yield (
        WORDS,
        pack(
            {
                "format": FORMAT,
                "docs": total,
                "shards": shards,
                "filters": filters,
                "combo": combo_names,
                "combos": [list(key) for key in order],
                "runs": runs_of,
                "pages": pages,
            }
        ),
    )


def _archive_docs(parts: list[ArchivePart]) -> tuple[list, dict, dict[str, int], int]:
    """Each shard's first item and first text file in the archive, every
    filter's values (sorted), and how many runs of values each filter has
    (counted, not kept: a filter whose values change at every item would
    keep a pair per item)."""
    shards = []
    values: defaultdict[str, set[str]] = defaultdict(set)
    total = groups = 0
    for part in parts:
        docs = part.docs()
        shards.append([part.name, total, groups])
        total += len(docs["docs"])
        groups += len(docs["texts"])
        for name, table in docs["filters"].items():
            values[name].update(table)
    filters = {name: sorted(values[name]) for name in sorted(values)}
    counts = dict.fromkeys(filters, 0)
    last: dict[str, int | None] = dict.fromkeys(filters)
    for part in parts:
        docs = part.docs()
        positions = _positions(docs, filters)
        for _date, row in docs["docs"]:
            for name in counts:
                value = positions[name](row)
                if value != last[name]:
                    counts[name] += 1
                    last[name] = value
    return shards, filters, counts, total


def _positions(docs: dict, filters: dict[str, list[str]]) -> dict[str, Callable]:
    """For each archive filter, the function from a shard's doc's filter
    values to the value's index in the archive's table (-1: none)."""
    names = sorted(docs["filters"])
    found = {}
    for name, table in filters.items():
        if name not in docs["filters"]:
            found[name] = lambda values: -1
            continue
        at = names.index(name)
        index = {value: table.index(value) for value in docs["filters"][name]}
        mapping = [index[value] for value in docs["filters"][name]]
        found[name] = lambda values, at=at, mapping=mapping: (
            mapping[values[at]] if values[at] >= 0 else -1
        )
    return found


def _numbered(words: Iterator[tuple[str, list[int]]], number: int) -> Iterator[tuple]:
    for word, codes in words:
        yield word, number, codes


def _merged_words(
    parts: list[ArchivePart], shards: list, combo_of: list[int], count: int
) -> Iterator[tuple[str, list[int]]]:
    """Every word of the archive in order, with its postings across the shards."""
    lines = [_numbered(part.words(), number) for number, part in enumerate(parts)]
    word, postings, before = None, [], 0
    for found, number, codes in heapq.merge(*lines):
        if found != word:
            if word is not None:
                yield word, postings
            word, postings, before = found, [], 0
        first = shards[number][1]
        for code in codes:
            doc = first + (code >> WEIGHT_BITS)
            postings.append((((doc - before) * count + combo_of[doc]) << WEIGHT_BITS) | (code & 63))
            before = doc
    if word is not None:
        yield word, postings
