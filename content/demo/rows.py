"""Writing demo rows: in batches, with the ids and timestamps they carry.

Rows go in through bulk_create, which skips ``Model.save()`` and signals: the
generators set ``body_html`` themselves, and nothing is queued for publishing,
so run ``build`` afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.management.color import no_style
from django.db import connection, models

from content.models import (
    Author,
    Birth,
    Byline,
    Comment,
    CrimeReport,
    Neighborhood,
    Obituary,
    Section,
    Story,
    StreetSegment,
    Wedding,
)
from publisher.pages.keyset import chunks

# Children first, so no foreign key ever points at a deleted row.
CONTENT_MODELS: tuple[type[models.Model], ...] = (
    Comment,
    Byline,
    Story,
    Obituary,
    CrimeReport,
    Birth,
    Wedding,
    Author,
    Section,
    StreetSegment,
    Neighborhood,
)


def delete_content() -> None:
    """Delete every section, author, byline and item, one statement per table.

    Plain SQL rather than ``QuerySet.delete()``, which would load every story to
    cascade and send a ``post_delete`` signal for each: the site is about to be
    replaced wholesale, so there is nothing for a listener to republish.
    """
    # A reply points at the comment it answers: unhooked first, so the one
    # DELETE never meets a row that another row still references.
    Comment.objects.exclude(parent=None).update(parent=None)
    with connection.cursor() as cursor:
        for model in CONTENT_MODELS:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (our own table names)


def bulk_create_stamped(model: type[models.Model], objs: list) -> None:
    """bulk_create, keeping the created_at/updated_at that the objects carry.

    bulk_create runs every field's pre_save, where auto_now_add/auto_now stamp
    the wall clock over our values, so they are written again straight after.
    One executemany of a plain UPDATE: bulk_update would do the same through a
    CASE expression per row and takes ten times as long as the inserts.
    """
    stamps = [(obj.created_at, obj.updated_at) for obj in objs]
    model.objects.bulk_create(objs, batch_size=len(objs))
    opts, qn = model._meta, connection.ops.quote_name
    created, updated = opts.get_field("created_at"), opts.get_field("updated_at")
    sql = (
        f"UPDATE {qn(opts.db_table)} SET {qn(created.column)} = %s, "  # noqa: S608 (our own names)
        f"{qn(updated.column)} = %s WHERE {qn(opts.pk.column)} = %s"
    )
    params = [
        (
            created.get_db_prep_value(created_at, connection),
            updated.get_db_prep_value(updated_at, connection),
            obj.pk,
        )
        for obj, (created_at, updated_at) in zip(objs, stamps, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    for obj, (created_at, updated_at) in zip(objs, stamps, strict=True):
        obj.created_at, obj.updated_at = created_at, updated_at


def insert(
    model: type[models.Model],
    rows: Iterable[models.Model],
    report: Callable[[int], object],
    batch_size: int,
) -> None:
    for batch in chunks(rows, batch_size):
        bulk_create_stamped(model, batch)
        report(len(batch))


def insert_stories(
    rows: Iterable[tuple[Story, list[Byline]]],
    report: Callable[[int], object],
    batch_size: int,
) -> int:
    """Write stories with their bylines, a batch at a time; return the byline count."""
    bylines = 0
    for batch in chunks(rows, batch_size):
        bulk_create_stamped(Story, [story for story, _ in batch])
        batch_bylines = [byline for _, story_bylines in batch for byline in story_bylines]
        Byline.objects.bulk_create(batch_bylines, batch_size=batch_size)
        bylines += len(batch_bylines)
        report(len(batch))
    return bylines


def reset_sequences() -> None:
    # Rows carry explicit ids (so two seedings match id for id); PostgreSQL's
    # sequences do not notice, SQLite's and MariaDB's counters do (no SQL).
    sql = connection.ops.sequence_reset_sql(no_style(), list(CONTENT_MODELS))
    if sql:
        with connection.cursor() as cursor:
            for statement in sql:
                cursor.execute(statement)
