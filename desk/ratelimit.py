"""How many posts one address may make: the readers' forms' rate limit.

Counted in the database, one row per address and period, with a
conditional ``UPDATE … SET count = count + 1 WHERE count < limit``: the
database does the read and the write in one step, so a burst of parallel
posts (several gunicorn workers, several hosts) cannot slip past the limit,
as it did with a cache that read a count and then wrote it back. A post
that reaches the form's own save needs the database anyway.
"""

from __future__ import annotations

import time

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest

from desk.client import client_address
from desk.models import PostCount

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/h"`` -> (10, 3600); ``"5/15m"`` -> (5, 900): posts per seconds."""
    count, per = rate.split("/")
    return int(count), int(per[:-1] or 1) * UNIT_SECONDS[per[-1]]


def over_the_limit(request: HttpRequest, group: str, rate: str) -> bool:
    """Count one post from the request's address (``desk.client``) in
    ``group``; True when it is one too many for ``rate`` (and not counted).

    The one function every reader's form calls (submissions, comments,
    guestbooks), each with its own group name.
    """
    return take_turn(f"{group} {client_address(request)}", rate)


def take_turn(key: str, rate: str, now: float | None = None) -> bool:
    """Count one post for ``key``; True when the period's posts are used up."""
    limit, seconds = parse_rate(rate)
    if limit == 0:
        return True
    now = time.time() if now is None else now
    period = int(now) // seconds * seconds
    rows = PostCount.objects.filter(key=key, period=period)
    if rows.filter(count__lt=limit).update(count=F("count") + 1):
        return False
    if rows.exists():
        return True
    try:
        with transaction.atomic():
            PostCount.objects.create(key=key, period=period, ends=period + seconds, count=1)
    except IntegrityError:
        # Another post from the same address made the row first: count on it.
        return not rows.filter(count__lt=limit).update(count=F("count") + 1)
    # A new period for this address: forget the periods that are over.
    PostCount.objects.filter(ends__lte=int(now)).delete()
    return False
