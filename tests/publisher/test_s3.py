"""publisher/s3.py: the S3 helpers deploy and backups share, against an S3
server over HTTP (moto's server mode)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from publisher.s3 import (
    DELETE_BATCH,
    delete_objects,
    error_code,
    gzip_bytes,
    head_object,
    is_not_found,
    list_objects,
    list_prefix,
    make_client,
)


def put(s3, key: str, body: bytes = b"x") -> None:
    s3.client.put_object(Bucket=s3.bucket, Key=key, Body=body)


def test_a_folder_of_more_than_a_thousand_objects_is_listed_and_deleted_whole(s3):
    keys = [f"backups/main/{n:04d}.sql.gz" for n in range(DELETE_BATCH + 5)]
    for key in keys:
        put(s3, key, b"dump")
    put(s3, "backups/main-old/0000.sql.gz")
    client = make_client()

    listed = list_objects(client, s3.bucket, list_prefix("backups/main"))
    assert sorted(listed) == keys  # every page, and not main-old/
    assert {item.size for item in listed.values()} == {4}
    assert all(item.etag and '"' not in item.etag for item in listed.values())

    assert delete_objects(client, s3.bucket, listed) == len(keys)  # two batches
    assert sorted(list_objects(client, s3.bucket, "")) == ["backups/main-old/0000.sql.gz"]


def test_a_deploys_lean_listing_reads_every_key_as_botocore_does(s3):
    # Keys S3 sends URL-encoded (botocore asks for that and decodes them):
    # spaces, plus signs, ampersands, accents, a name like a tag; and past
    # one page of 1,000.
    odd = ["site/a b.html", "site/a+b.html", "site/&amp;.html", "site/Gu\u0301stafson/é.html",
           "site/<b>.html", "site/100%.html", "site/line\tfeed.txt"]  # fmt: skip
    for key in odd + [f"site/news/{n:04d}/index.html" for n in range(DELETE_BATCH + 2)]:
        put(s3, key, key.encode())

    plain = list_objects(make_client(), s3.bucket, "site/")
    lean = list_objects(make_client(raw_times=True), s3.bucket, "site/")

    assert lean == plain
    assert set(odd) <= set(lean) and len(lean) == len(odd) + DELETE_BATCH + 2


def test_an_empty_prefix_lists_the_whole_bucket(s3):
    put(s3, "a.html")
    put(s3, "site/b.html")
    assert sorted(list_objects(make_client(), s3.bucket, list_prefix(""))) == [
        "a.html",
        "site/b.html",
    ]


def test_head_object_answers_none_for_a_missing_object_and_the_headers_otherwise(s3):
    s3.client.put_object(Bucket=s3.bucket, Key="a.html", Body=b"hi", Metadata={"mark": "site/"})
    client = make_client()
    assert head_object(client, s3.bucket, "missing.html") is None
    head = head_object(client, s3.bucket, "a.html")
    assert head is not None
    assert head["ContentLength"] == 2
    assert head["Metadata"] == {"mark": "site/"}


def test_a_missing_object_reads_as_not_found_for_get_and_head_alike(s3):
    client = make_client()
    for call in (client.get_object, client.head_object):
        with pytest.raises(ClientError) as caught:
            call(Bucket=s3.bucket, Key="missing.html")
        assert is_not_found(caught.value), error_code(caught.value)


def test_a_missing_bucket_is_not_taken_for_a_missing_object(s3):
    client = make_client()
    with pytest.raises(ClientError) as caught:
        client.get_object(Bucket=f"{s3.bucket}-nonexistent-bucket", Key="a.html")
    assert error_code(caught.value) == "NoSuchBucket"
    assert not is_not_found(caught.value)


def test_gzip_bytes_are_the_same_every_time():
    assert gzip_bytes(b"<p>same</p>" * 100) == gzip_bytes(b"<p>same</p>" * 100)
