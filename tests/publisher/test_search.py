"""Reader search: what the index holds after a build and after publishing,
read back from the files readers' browsers download."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from content.models import Status
from publisher import search, searchindex
from publisher.build import build_site
from publisher.headers import cache_control, content_type
from publisher.models import PublishJob
from publisher.pages.registry import registry
from publisher.publish import process_queue
from tests.support import ROOT, make_crime, make_obituary, make_story, page_files


@pytest.fixture(autouse=True)
def _search_on(settings):
    settings.PUBLISHER_SEARCH = True


def live_root(settings) -> Path:
    return (Path(settings.PUBLISHER_BUILD_DIR) / "site").resolve()


def indexed(root: Path) -> dict[str, str]:
    """URL -> what a result shows of it ("title | kind | text"), for every
    record of the archive and of every shard that shards.json lists (the
    files a browser loads; a shard listed replaces its part of the archive)."""
    base = root / search.SEARCH_DIR
    found: dict[str, str] = {}
    manifest = json.loads((base / search.SHARDS_FILE).read_text())
    listed = {shard["name"] for shard in manifest["shards"]}
    for name, records in archived_records(base, manifest).items():
        if name not in listed:
            found.update(records)
    for shard in manifest["shards"]:
        if not shard["version"]:  # nothing left of its part of the archive
            continue
        folder = base / shard["name"] / shard["version"]
        docs = searchindex.unpack((folder / searchindex.DOCS).read_bytes())
        texts = [folder.parent / name for name in docs.pop("texts")]
        records = [r for path in texts for r in searchindex.unpack(path.read_bytes())]
        docs = docs["docs"]
        assert len(records) == len(docs) == shard["records"], shard
        assert len(list(folder.glob("w*.idx"))) == shard["buckets"], shard
        for url, title, kind, _date, text in records:
            found[url] = f"{title} | {kind} | {text}"
    return found


def archived_records(base: Path, manifest: dict) -> dict[str, dict[str, str]]:
    """Shard -> URL -> what a result shows, of the archive's records."""
    if not manifest["archive"]:
        return {}
    folder = base / "archive" / manifest["archive"]["version"]
    directory = searchindex.unpack((folder / searchindex.WORDS).read_bytes())
    group = manifest["group"]
    out: dict[str, dict[str, str]] = {}
    ends = [first for _name, first, _group in directory["shards"][1:]] + [directory["docs"]]
    for (name, first, first_group), end in zip(directory["shards"], ends, strict=True):
        records = out[name] = {}
        for doc in range(end - first):
            texts = searchindex.unpack((folder / f"t{first_group + doc // group}.idx").read_bytes())
            url, title, kind, _date, text = texts[doc % group]
            records[url] = f"{title} | {kind} | {text}"
    return out


def shard_folder(root: Path, name: str) -> str:
    """Where shards.json says a shard's files are, relative to the release."""
    (shard,) = [s for s in search.read_shards(root) if s["name"] == name]
    return f"{search.SEARCH_DIR}/{name}/{shard['version']}"


def every_index_byte(root: Path) -> bytes:
    """All of the search index's files on disk, unpacked: what S3 and readers can get."""
    out = []
    for path in (root / search.SEARCH_DIR).rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            with contextlib.suppress(OSError):
                data = gzip.decompress(data)
            out.append(data.lower())
    return b"\n".join(out)


def start_live_site() -> None:
    build_site(jobs=1)
    PublishJob.objects.update(status=PublishJob.Status.LIVE)


def test_a_build_indexes_every_live_item_and_nothing_else(newsroom, settings):
    start_live_site()
    root = live_root(settings)

    found = indexed(root)

    live = [
        *newsroom["published"],
        newsroom["hostile"],
        *newsroom["obituaries"],
        *newsroom["crimes"],
    ]
    assert sorted(found) == sorted(item.get_absolute_url() for item in live)
    # Lists, archives, fronts, authors' pages: never results.
    assert not any(url in found for url in ["/", "/news/", "/obituaries/", "/crime/", "/search/"])
    everything = every_index_byte(root)
    for words in newsroom["hidden_words"]:
        assert words.lower().encode() not in everything, words


SHOW_SETTING = "from django.conf import settings; print(settings.PUBLISHER_SEARCH)"
MASTHEAD_LINK = '<p class="masthead-search"><a href="/search/">Search</a></p>'


@pytest.mark.parametrize("environ,on", [({}, "True"), ({"PUBLISHER_SEARCH": "false"}, "False")])
def test_search_is_on_unless_switched_off(tmp_path, environ, on):
    said = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW_SETTING],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PUBLISHER_VAR_DIR": str(tmp_path), **environ},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert said.stdout.split()[-1:] == [on], said.stderr


def test_every_page_links_to_search_from_its_masthead(newsroom, settings):
    start_live_site()
    root = live_root(settings)

    pages = {url: path for url, path in page_files(root).items() if path.suffix == ".html"}
    # Every page a reader lands on (a redirect left at a moved address is
    # not one: it only points on).
    assert pages
    without = [url for url, path in pages.items() if MASTHEAD_LINK not in path.read_text()]
    assert without == []
    assert "Search is not switched on" not in (root / "search/index.html").read_text()


def test_search_off_writes_no_index_and_no_page_links_to_search(newsroom, settings):
    settings.PUBLISHER_SEARCH = False
    start_live_site()
    root = live_root(settings)
    make_story(headline="Searchless story", publish_at=timezone.now() - timedelta(minutes=5))
    process_queue()

    assert not (root / search.SEARCH_DIR).exists()
    pages = page_files(root)
    assert not [url for url, path in pages.items() if 'href="/search/"' in path.read_text()]
    assert "Search is not switched on" in (root / "search/index.html").read_text()


def test_a_result_shows_title_kind_and_date_and_finds_each_kinds_own_fields(newsroom, settings):
    story = make_story(
        headline="Mill levy passes",
        dek="Voters approve the school levy",
        body="The **levy** passed by 212 votes.",
        publish_at=timezone.now() - timedelta(days=1),
    )
    obit = make_obituary(
        full_name="Margaret (Lindqvist) Hale",
        hometown="Harlan",
        service_place="St. Olaf Lutheran Church",
        body="She taught piano.",
    )
    crime = make_crime(
        title="Catalytic converter stolen",
        address_block="700 block of Quarry Rd",
        neighborhood="Riverside Flats",
        body="Reported Tuesday.",
    )
    start_live_site()

    found = indexed(live_root(settings))

    author = story.bylines.first().author.name
    assert found[story.get_absolute_url()].startswith("Mill levy passes | Story | ")
    for words in ["Voters approve the school levy", "passed by 212 votes", author]:
        assert words in found[story.get_absolute_url()]
    assert found[obit.get_absolute_url()].startswith("Margaret (Lindqvist) Hale | Obituary | ")
    for words in ["Harlan", "St. Olaf Lutheran Church", "She taught piano"]:
        assert words in found[obit.get_absolute_url()]
    assert found[crime.get_absolute_url()].startswith(
        "Catalytic converter stolen | Crime report | "
    )
    for words in ["Theft", "700 block of Quarry Rd", "Riverside Flats", "Reported Tuesday"]:
        assert words in found[crime.get_absolute_url()]


def test_the_records_carry_the_filters_readers_narrow_by(newsroom, settings):
    start_live_site()
    site = registry().site()
    story = newsroom["published"][0]
    shard = search.shard_of(story.publish_at)

    record = next(r for r in search.records(site, shard) if r.url == story.get_absolute_url())

    year = str(timezone.localtime(story.publish_at).year)
    assert record.filters == {"kind": "Story", "section": story.section.name, "year": year}
    assert record.date == timezone.localtime(story.publish_at).date().isoformat()


def test_publishing_a_story_makes_its_words_searchable_and_unpublishing_removes_them(
    newsroom, settings
):
    start_live_site()
    root = live_root(settings)

    story = make_story(
        headline="Zebra mussels found in Mill Creek",
        body="Quaggaword in the creek.",
        publish_at=timezone.now() - timedelta(minutes=5),
    )
    result = process_queue()

    assert "Quaggaword" in indexed(root)[story.get_absolute_url()]
    shard = search.shard_of(story.publish_at)
    assert f"{search.SEARCH_DIR}/{search.SHARDS_FILE}" in result.written
    assert f"{shard_folder(root, shard)}/{searchindex.DOCS}" in result.written
    # Only its own shard was indexed again.
    shards = {
        p.split("/")[2] for p in result.written if p.startswith("search/") and p.count("/") > 2
    }
    assert shards == {shard}

    story.status = Status.DRAFT
    story.save()
    process_queue()

    assert story.get_absolute_url() not in indexed(root)
    # Its text left the index files in the same publish, not only the listing.
    assert b"quaggaword" not in every_index_byte(root)


def test_an_edit_replaces_the_old_words_and_a_deleted_item_leaves_the_index(newsroom, settings):
    start_live_site()
    root = live_root(settings)
    obit = newsroom["obituaries"][1]

    obit.full_name = "Ada (Brightwater) Person1"
    obit.save()
    process_queue()
    assert "Brightwater" in indexed(root)[obit.get_absolute_url()]

    obit.full_name = "Ada Person1"
    obit.save()
    process_queue()
    assert b"brightwater" not in every_index_byte(root)

    url = obit.get_absolute_url()
    obit.delete()
    process_queue()
    assert url not in indexed(root)


def test_a_drafts_and_an_embargoed_items_words_are_never_indexed_until_they_go_live(
    newsroom, settings
):
    start_live_site()
    root = live_root(settings)

    make_story(headline="Okapiword draft", status=Status.DRAFT)
    make_story(headline="Narwhalword embargoed", publish_at=timezone.now() + timedelta(hours=2))
    process_queue()

    everything = every_index_byte(root)
    assert b"okapiword" not in everything
    assert b"narwhalword" not in everything


def test_publishing_leaves_the_same_index_as_a_full_build(
    newsroom, settings, tmp_path, monkeypatch
):
    monkeypatch.setattr(search.build, "LOOSE", 1)  # every shard but the newest in the archive
    old = make_story(headline="Quarry reopens", publish_at=timezone.now() - timedelta(days=200))
    gone = make_story(
        headline="Alone in its quarter", publish_at=timezone.now() - timedelta(days=600)
    )
    start_live_site()
    old.headline = "Quarry reopens, corrected"
    old.save()
    gone.delete()
    story = newsroom["published"][3]
    story.headline = "Council story 3, corrected"
    story.save()
    moved = newsroom["crimes"][2]
    moved.publish_at = timezone.now() - timedelta(days=400)  # into another shard
    moved.save()
    newsroom["obituaries"][0].delete()
    process_queue()

    fresh = build_site(build_dir=tmp_path / "oracle", jobs=1).release

    # Readers find the same at once (a shard of the archive re-indexed is
    # listed beside it), and the next build merges the archive again: the
    # same files, byte for byte (the stamps and the index itself).
    live = live_root(settings)
    archived = search.read_archive(live)["shards"]
    assert [s["name"] for s in search.read_shards(live) if s["name"] in archived]
    assert indexed(live) == indexed(fresh)
    nightly = build_site(jobs=1).release
    assert index_files(nightly) == index_files(fresh)


def index_files(root: Path) -> dict[str, bytes]:
    base = root / search.SEARCH_DIR
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in base.rglob("*") if p.is_file()}


def test_a_build_makes_the_index_from_the_rows_its_render_read(newsroom, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.PUBLISHER_SEARCH = False
    with CaptureQueriesContext(connection) as without:
        build_site(jobs=1)
    settings.PUBLISHER_SEARCH = True
    with CaptureQueriesContext(connection) as searched:
        release = build_site(jobs=1).release  # nothing to reuse: every shard indexed

    site = registry().site()
    kinds, shards = len(search.searchable_pages()), len(search.site_shards(site))
    assert shards > 1
    # Only the stamps (one query per kind and shard) and the shards (one per
    # kind) more: no item's row is read again for its record.
    assert len(searched) - len(without) <= kinds * (shards + 1)
    assert len(indexed(release)) == len(newsroom["published"]) + 1 + len(
        newsroom["obituaries"]
    ) + len(newsroom["crimes"])
    assert not list(release.rglob(".spool"))  # the records kept during the render: gone


@pytest.mark.django_db(transaction=True)  # other processes see the rows
def test_two_builds_of_the_same_database_write_the_same_index_bytes(newsroom, settings, tmp_path):
    start_live_site()
    first = index_files(live_root(settings))

    # A first build elsewhere (nothing to reuse), on two processes.
    again = index_files(build_site(build_dir=tmp_path / "again", jobs=2).release)

    assert again == first
    assert len(first) > 10


def test_a_publish_that_stopped_half_way_is_mended_by_the_next(newsroom, settings):
    start_live_site()
    root = live_root(settings)
    story = newsroom["published"][0]
    shard = search.shard_of(story.publish_at)
    # As a publish leaves it when it dies after the shard's new state and
    # before shards.json: the two name different folders.
    state_file = root / search.SEARCH_DIR / shard / search.SHARD_STATE
    state = json.loads(state_file.read_text())
    state_file.write_text(json.dumps({**state, "version": "0123456789abcdef"}))

    story.headline = "Council story 0, mended"
    story.save()
    result = process_queue()

    assert "Council story 0, mended" in indexed(root)[story.get_absolute_url()]
    # The whole shard is pushed again (what the bucket holds is not known).
    folder = shard_folder(root, shard)
    assert {f"{folder}/{name}" for name in ("docs.idx", "w0.idx")} <= set(result.written)


def test_a_shard_left_empty_is_unlisted_and_its_files_removed(db, settings):
    old = make_story(headline="Lonely story", publish_at=timezone.now() - timedelta(days=800))
    make_story(headline="Recent story")
    start_live_site()
    root = live_root(settings)
    shard = search.shard_of(old.publish_at)
    folder = shard_folder(root, shard)

    old.delete()
    result = process_queue()

    assert shard not in [s["name"] for s in search.read_shards(root)]
    assert not (root / search.SEARCH_DIR / shard).exists()
    assert f"{folder}/{searchindex.DOCS}" in result.removed
    assert "Lonely story" not in str(indexed(root))


def test_a_build_reuses_the_live_releases_shards_that_did_not_change(newsroom, settings):
    start_live_site()
    first = live_root(settings)
    story = newsroom["published"][0]
    story.headline = "Council story 0, edited"
    story.save()
    changed = search.shard_of(story.publish_at)

    second = build_site(jobs=1).release

    for shard in search.read_shards(second):
        docs = f"{shard_folder(second, shard['name'])}/{searchindex.DOCS}"
        same_file = (first / docs).exists() and (
            (first / docs).stat().st_ino == (second / docs).stat().st_ino
        )
        assert same_file == (shard["name"] != changed), shard
    assert "Council story 0, edited" in indexed(second)[story.get_absolute_url()]


def test_a_build_indexes_again_a_shard_whose_byline_or_section_names_changed(newsroom, settings):
    # The stories' own rows (and updated_at) stay as they were: only the
    # names their records show changed.
    start_live_site()
    story = newsroom["published"][0]
    author = story.bylines.first().author
    type(author).objects.filter(pk=author.pk).update(name="Wilhelmina Quillfeather")
    type(story.section).objects.filter(pk=story.section_id).update(name="Quarrynews")

    second = build_site(jobs=1).release

    found = indexed(second)[story.get_absolute_url()]
    assert "Wilhelmina Quillfeather" in found
    record = next(
        r
        for r in search.records(registry().site(), search.shard_of(story.publish_at))
        if r.url == story.get_absolute_url()
    )
    assert record.filters["section"] == "Quarrynews"
    assert b"quarrynews" in every_index_byte(second)


@pytest.mark.parametrize(
    "period,moment,name,start,end",
    [
        ("quarter", (2026, 11, 28), "2026-q4", (2026, 10, 1), (2027, 1, 1)),
        ("quarter", (2026, 1, 1), "2026-q1", (2026, 1, 1), (2026, 4, 1)),
        ("month", (2026, 12, 31), "2026-12", (2026, 12, 1), (2027, 1, 1)),
        ("year", (1999, 7, 4), "1999", (1999, 1, 1), (2000, 1, 1)),
    ],
)
def test_a_shard_spans_its_period_in_the_newsrooms_time_zone(
    settings, period, moment, name, start, end
):
    from datetime import datetime

    settings.PUBLISHER_SEARCH_SHARD = period
    at = timezone.make_aware(datetime(*moment, 0, 30))
    assert search.shard_of(at) == name
    assert search.shard_span(name) == (
        timezone.make_aware(datetime(*start)),
        timezone.make_aware(datetime(*end)),
    )


@pytest.mark.parametrize(
    "text",
    [
        "Plain ASCII: 3.5% (and) under_score, e-mail; CAPITALS & digits 2026",
        "A dash\u2014and \u201ccurly\u201d quotes\u2026 \u2018tis O\u2019Brien\u2013Hale\u00a0Jr.",
        "Caf\u00e9 r\u00e9sum\u00e9 na\u00efve \u2014 Zo\u00eb's \u00dcber-Stra\u00dfe",
        "\u0391\u0398\u0397\u039d\u0391 \u041c\u043e\u0441\u043a\u0432\u0430 \u5317\u4eac \ufb01ne \u0130stanbul",
        "tab\tnew\nline\r\n\u3000ideographic\u2003em space",
        "Gu\u0301stafson, Zo\u0308e and Nguye\u0302\u0303n (accents typed as marks)",
        "\u0928\u092e\u0938\u094d\u0924\u0947 \u20dd circled",
        "",
    ],
)
def test_words_are_found_as_the_unicode_pattern_finds_them_whatever_the_script(text):
    """The index's fast tokenizer gives what its definition does: runs of
    letters and digits in any script, in the text lower-cased, decomposed and
    stripped of its marks."""
    import re

    expected = re.findall(r"[^\W_]+", searchindex.fold(text))
    assert searchindex._words(text) == expected


def test_an_accent_typed_as_a_mark_of_its_own_leaves_the_word_whole():
    """ "Gu" + U+0301 + "stafson" (as some keyboards and pasted text give it)
    is the word Gústafson is: one word, indexed as "gustafson"."""
    assert searchindex._words("Gu\u0301stafson") == ["gustafson"]
    assert searchindex._words("G\u00fastafson") == ["gustafson"]
    assert searchindex._words("\u0130stanbul") == ["istanbul"]


def test_index_files_are_served_with_long_caching_only_where_the_name_changes_with_content():
    immutable = "public, max-age=31536000, immutable"
    for path in [
        "/search/index/2026-q4/3fa9c1b2d4e5f607/w3.idx",
        "/search/index/2026-q4/t-3fa9c1b2d4e5f607.idx",
        "/search/index/2026-q4/3fa9c1b2d4e5f607/docs.idx",
    ]:
        assert (content_type(path), cache_control(path)) == ("application/octet-stream", immutable)
    for path in [
        "/search/index/shards.json",
        "/search/index/2026-q4/docs.idx",
        "/search/index/2026-q4/t-3fa9c1b2.idx",
    ]:
        assert "must-revalidate" in cache_control(path), path
    assert content_type("/search/index/shards.json") == "application/json; charset=utf-8"


def test_a_failing_index_fails_the_build_and_leaves_the_live_site(newsroom, settings, monkeypatch):
    start_live_site()
    live = live_root(settings)
    story = newsroom["published"][0]
    story.headline = "Council story 0, edited"
    story.save()  # its shard is indexed again

    def broken(records):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(searchindex, "index_shard", broken)
    with pytest.raises(search.SearchError, match=r"search index of \d{4}-q\d: .*No space left"):
        build_site(jobs=1)
    # On every core (a shard may fail in a worker process): the command
    # says what failed, and that the live site is as it was.
    with pytest.raises(CommandError, match=r"live site unchanged: search index of .*No space left"):
        call_command("build", "--jobs", "2", "--no-progress", verbosity=0)

    assert live_root(settings) == live
    assert indexed(live)


@pytest.mark.django_db(transaction=True)  # other processes see the rows
def test_a_shard_failing_in_a_worker_process_fails_the_build_and_says_which(
    newsroom, settings, monkeypatch
):
    start_live_site()
    live = live_root(settings)
    monkeypatch.setattr(search.stamps, "_code_version", lambda: "changed")  # every shard again
    parent, index_shard = os.getpid(), searchindex.index_shard

    def broken_in_workers(records):
        time.sleep(0.05)  # each process takes a shard
        if os.getpid() != parent:
            raise OSError(28, "No space left on device")
        return index_shard(records)

    monkeypatch.setattr(searchindex, "index_shard", broken_in_workers)
    with pytest.raises(CommandError, match=r"live site unchanged: search index of .*No space left"):
        call_command("build", "--jobs", "2", "--no-progress", verbosity=0)

    assert live_root(settings) == live
    assert indexed(live)


def test_deploy_uploads_the_index_with_its_headers_and_the_list_after_the_data(
    newsroom, settings, s3
):
    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_PREFIX = "site"
    settings.PUBLISHER_CLOUDFRONT_DISTRIBUTION_ID = ""
    call_command("build", verbosity=0)
    root = live_root(settings)
    data = f"{shard_folder(root, search.read_shards(root)[0]['name'])}/w0.idx"

    call_command("deploy", verbosity=0, no_progress=True)

    head = s3.client.head_object(Bucket=s3.bucket, Key=f"site/{data}")
    assert (head["ContentType"], head["CacheControl"], head.get("ContentEncoding")) == (
        "application/octet-stream",
        "public, max-age=31536000, immutable",
        None,  # gzip already: the script unpacks it itself
    )
    listing = s3.client.head_object(Bucket=s3.bucket, Key=f"site/{search.SEARCH_DIR}/shards.json")
    assert "must-revalidate" in listing["CacheControl"]
    # Never uploaded: what the build keeps beside each shard.
    keys = s3.client.list_objects_v2(Bucket=s3.bucket, Prefix="site/search/")["Contents"]
    assert not [o["Key"] for o in keys if search.SHARD_STATE in o["Key"]]
    from publisher.deploy.local import SEARCH_NAMES_GROUP, upload_group

    assert upload_group(f"{search.SEARCH_DIR}/shards.json") == SEARCH_NAMES_GROUP
    assert upload_group(data) < SEARCH_NAMES_GROUP


def test_publishing_pushes_a_shards_new_files_and_removes_the_old_from_the_bucket(
    newsroom, settings, s3
):
    from publisher.deploy.sync import deploy_site

    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_PREFIX = "site"
    settings.PUBLISHER_CLOUDFRONT_DISTRIBUTION_ID = ""
    start_live_site()
    deploy_site()
    root = live_root(settings)
    story = newsroom["published"][0]
    shard = search.shard_of(story.publish_at)
    old = shard_folder(root, shard)

    story.headline = "Council story 0, in the bucket"
    story.save()
    process_queue()

    def keys() -> set[str]:
        pages = s3.client.get_paginator("list_objects_v2").paginate(
            Bucket=s3.bucket, Prefix=f"site/{search.SEARCH_DIR}/"
        )
        return {o["Key"][len("site/") :] for page in pages for o in page.get("Contents", [])}

    new = shard_folder(root, shard)
    assert new != old
    got = s3.client.get_object(Bucket=s3.bucket, Key=f"site/{search.SEARCH_DIR}/shards.json")
    assert got["ContentEncoding"] == "gzip"  # text: compressed for the browser to unpack
    listed = json.loads(gzip.decompress(got["Body"].read()))
    assert {s["name"]: s["version"] for s in listed["shards"]}[shard] == new.rsplit("/", 1)[1]
    # What a browser fetches is in the bucket, and the old folder is gone.
    served = {
        p.relative_to(root).as_posix()
        for p in (root / search.SEARCH_DIR).rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    assert keys() == served
    assert not [key for key in keys() if key.startswith(old + "/")]


def test_replaced_index_files_do_not_count_towards_the_delete_limit(settings, s3):
    settings.PUBLISHER_S3_BUCKET = s3.bucket
    settings.PUBLISHER_S3_PREFIX = "site"
    settings.PUBLISHER_CLOUDFRONT_DISTRIBUTION_ID = ""
    root = Path(settings.PUBLISHER_BUILD_DIR) / "site"
    old = [f"search/index/2026-q4/3fa9c1b2d4e5f607/w{n}.idx" for n in range(2)]
    old.append("search/index/2026-q4/t-3fa9c1b2d4e5f607.idx")
    for relative in ["index.html", "a/index.html", "b/index.html", *old]:
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(b"x" * 100)
    call_command("deploy", verbosity=0, no_progress=True)
    for relative in old:
        (root / relative).unlink()

    call_command("deploy", "--max-deletes", "1", verbosity=0, no_progress=True)

    listed = s3.client.list_objects_v2(Bucket=s3.bucket, Prefix="site/search/").get("Contents", [])
    assert listed == []
    (root / "a/index.html").unlink()
    (root / "b/index.html").unlink()
    with pytest.raises(Exception, match="refusing to delete 2 objects"):
        call_command("deploy", "--max-deletes", "1", verbosity=0, no_progress=True)


def test_an_unknown_shard_period_stops_every_command_with_what_to_set(tmp_path):
    from tests.support import check_with

    result = check_with(tmp_path, PUBLISHER_SEARCH_SHARD="week")

    assert result.returncode != 0
    assert "PUBLISHER_SEARCH_SHARD='week' is not one of: year, quarter, month" in result.stderr
