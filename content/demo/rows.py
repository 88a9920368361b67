"""Writing demo rows: in batches, with the ids and timestamps they carry.

Rows go in with one ``executemany`` of plain tuples a batch (no ``Model.save()``,
no signals, no query compiler): the generators set ``body_html`` themselves,
and nothing is queued for publishing, so run ``build`` afterwards.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo

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


# Fields whose Python value is already what the database driver takes: the
# rest (dates, times, files, ...) go through the field's own preparation.
_PLAIN_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.BooleanField,
    models.CharField,
    models.FloatField,
    models.ForeignKey,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SlugField,
    models.SmallIntegerField,
    models.TextField,
)


@functools.cache
def _insert_plan(
    model: type[models.Model], vendor: str
) -> tuple[str, tuple[tuple[str, Callable[[object], object] | None], ...]]:
    """The INSERT statement for every concrete column of ``model`` and, for each
    column, the attribute it comes from and how to prepare its value."""
    opts, qn = model._meta, connection.ops.quote_name
    fields = opts.concrete_fields
    columns = ", ".join(qn(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {qn(opts.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 (our own names)

    def prepare(f: models.Field) -> Callable[[object], object] | None:
        if type(f) in _PLAIN_FIELDS:
            return None
        if type(f) is models.DateTimeField:
            return _datetime_param(f, connection.timezone)
        return lambda value: f.get_db_prep_save(value, connection)

    return sql, tuple((f.attname, prepare(f)) for f in fields)


def _datetime_param(f: models.DateTimeField, db_zone: tzinfo) -> Callable[[object], object]:
    """What the backend's adapt_datetimefield_value makes of an aware datetime
    (the database's local time as text), at a tenth of its cost; anything
    else goes the field's own way."""

    def param(value: object) -> object:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return str(value.astimezone(db_zone).replace(tzinfo=None))
        return f.get_db_prep_save(value, connection)

    return param


def insert_objects(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Write unsaved instances as they are, with one ``executemany`` of tuples.

    Cheaper than bulk_create, which compiles a parameter per value through the
    query compiler, and runs every field's pre_save, where auto_now_add and
    auto_now would stamp the wall clock over the created_at/updated_at the
    objects carry: here every column is written with the instance's own value.
    """
    sql, plan = _insert_plan(model, connection.vendor)
    rows = [
        tuple(
            value if prepare is None else prepare(value)
            for attname, prepare in plan
            for value in (obj.__dict__[attname],)
        )
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def insert(
    model: type[models.Model],
    rows: Iterable[models.Model],
    report: Callable[[int], object],
    batch_size: int,
) -> None:
    for batch in chunks(rows, batch_size):
        insert_objects(model, batch)
        report(len(batch))


def insert_stories(
    rows: Iterable[tuple[Story, list[Byline]]],
    report: Callable[[int], object],
    batch_size: int,
) -> int:
    """Write stories with their bylines, a batch at a time; return the byline count."""
    bylines = 0
    for batch in chunks(rows, batch_size):
        insert_objects(Story, [story for story, _ in batch])
        batch_bylines = [byline for _, story_bylines in batch for byline in story_bylines]
        insert_objects(Byline, batch_bylines)
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
