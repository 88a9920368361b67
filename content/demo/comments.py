"""Demo readers' comments and guestbook entries: approved ones under the
newest stories and obituaries (some with a reply), and a few waiting in the
community desk's queue, as a morning's moderation finds them.

Names with accents, a non-breaking space and a text with a line break, so
the pages and the queue show the real case. Dated after their item and
before the anchor, from the seed's own stream: the same seed gives the same
rows, tokens included.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from content.comments import digest
from content.comments import render as render_comment
from content.models import Comment, Obituary, Story

STORIES_WITH_COMMENTS = 12
OBITUARIES_WITH_GUESTBOOKS = 6
WAITING = 5

NAMES = [
    "Zoë Ångström",
    "José Núñez",
    "Siobhán O\u2019Brien",
    "Nguyễn Thị\u00a0Lan",
    "Margit Kővári",
    "Ana\u00a0María López",
    "Björn Lindqvist",
    "Chloé Dubois",
    "Łukasz Wójcik",
    "Dana Whitfield",
    "Renée Fontaine",
    "Tomás Ó Súilleabháin",
]
STORY_REMARKS = [
    "Thank you for covering this. The council meeting ran late and most of us missed the vote.",
    "I drove past on Tuesday and the crews were already out.\nGood to see it fixed before winter.",
    "Does anyone know whether the library will keep its Saturday hours?",
    "My grandmother used to tell stories about this place. Glad it is being kept.",
    "The agenda is on the county's site (https://example.org/agenda) for anyone who wants to read it.",
    "Well reported. More of this, please.",
    "We were there with the kids and it was a lovely afternoon.",
    "I disagree with the board, but I appreciate that the paper printed both sides.",
]
REPLIES = [
    "Same here: thank you for saying it.",
    "The library's hours are posted on its door: Saturdays until noon.",
    "Good point; I had not thought of it that way.",
]
CONDOLENCES = [
    "Our family remembers her kindness at the church suppers. Rest in peace.",
    "He coached my son in Little League and never missed a game.\nOur deepest sympathy.",
    "Thinking of all of you this week. She will be missed on Main Street.",
    "A gentle, generous man. Our prayers are with the family.",
    "I worked beside her at the mill for twenty years. What a laugh she had.",
]
HELD = [
    ("first", "First time writing in: the crosswalk by the school needs a light."),
    ("word", "Cheap loans and casino bonuses here."),
    ("links", "See https://a.example.org https://b.example.org https://c.example.org"),
]


def comment_rows(rng: random.Random, anchor_start: datetime, first_id: int) -> list[Comment]:
    """The demo's comments on the newest items published before
    ``anchor_start``, numbered from ``first_id`` (replies after the comment
    they answer, so one insert holds both)."""
    stories = list(
        Story.objects.published(at=anchor_start)
        .order_by("-publish_at", "-pk")
        .values_list("pk", "publish_at")[:STORIES_WITH_COMMENTS]
    )
    obituaries = list(
        Obituary.objects.published(at=anchor_start)
        .order_by("-publish_at", "-pk")
        .values_list("pk", "publish_at")[:OBITUARIES_WITH_GUESTBOOKS]
    )
    rows: list[Comment] = []
    for kind, items, texts in (
        (Comment.Kind.STORY, stories, STORY_REMARKS),
        (Comment.Kind.OBITUARY, obituaries, CONDOLENCES),
    ):
        for item_id, published in items:
            for n in range(rng.randint(1, 4)):
                text = rng.choice(texts)
                rows.append(_comment(rng, kind, item_id, published, anchor_start, text, n))
    # A reply under some of the stories' comments, a day later at most.
    for i, parent in enumerate(list(rows)):
        if parent.kind == Comment.Kind.STORY and rng.random() < 0.3:
            later = parent.posted_at + timedelta(days=1)
            reply = _comment(
                rng,
                parent.kind,
                parent.item_id,
                parent.posted_at,
                later,
                rng.choice(REPLIES),
                100 + i,
            )
            reply.parent = parent
            rows.append(reply)
    # The queue's morning: a few waiting, each held for a reason it shows.
    for n in range(min(WAITING, len(stories))):
        item_id, published = stories[n]
        held, text = HELD[n % len(HELD)]
        row = _comment(rng, Comment.Kind.STORY, item_id, published, anchor_start, text, 90 + n)
        row.status, row.held_for, row.decided_at = Comment.Status.PENDING, held, None
        rows.append(row)
    rows.sort(key=lambda c: (c.posted_at, c.kind, c.item_id))
    for pk, row in enumerate(rows, start=first_id):
        row.pk = pk
    for row in rows:  # the parent has its id now
        if row.parent is not None:
            row.parent_id = row.parent.pk
    return rows


def _comment(
    rng: random.Random,
    kind: str,
    item_id: int,
    after: datetime,
    before: datetime,
    text: str,
    n: int,
) -> Comment:
    name = rng.choice(NAMES)
    window = max(60, int((min(before, after + timedelta(days=3)) - after).total_seconds()))
    posted = after + timedelta(seconds=rng.randrange(30, window))
    first = name.split()[0].casefold().encode("ascii", "ignore").decode()
    email = f"{first}.{item_id}.{n}@example.org"
    return Comment(
        kind=kind,
        item_id=item_id,
        name=name,
        email=email,
        body=text,
        body_html=render_comment(text),
        digest=digest(text),
        status=Comment.Status.APPROVED,
        posted_at=posted,
        decided_at=posted + timedelta(minutes=rng.randrange(5, 240)),
        reason="",
        token=f"{rng.getrandbits(256):064x}"[:43],
    )
