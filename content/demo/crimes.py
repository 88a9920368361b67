"""Demo crime reports, from the templates in ``data/crimes.toml``.

Addresses are block-level ("the 1200 block of Elm St") or an intersection,
never a house number.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from django.utils import timezone

from content.demo.text import body_html, clock, weekday
from content.demo.timeline import Slugs, timeline
from content.demo.town import Town
from content.demo.words import DATA, NEIGHBORHOODS, TOWNS, DemoDataError, toml
from content.models import CrimeReport

_DATA = toml("crimes")
STORES: list[str] = _DATA["stores"]
TARGETS: list[str] = _DATA["targets"]
OUTCOMES: list[str] = _DATA["outcomes"]
TIPS: list[str] = _DATA["tips"]
# Incident type -> weight, titles, openings, details.
CRIMES: dict[str, dict] = _DATA["incident"]
if unknown := set(CRIMES) - set(CrimeReport.Incident.values):
    raise DemoDataError(
        f"{DATA / 'crimes.toml'}: {', '.join(sorted(unknown))} not an incident type; "
        f"use one of {', '.join(CrimeReport.Incident.values)}"
    )


def crime_rows(
    rng: random.Random, n: int, anchor: date, span: int, town: Town
) -> Iterator[CrimeReport]:
    """Reports on the town's blocks (``content.demo.town``), placed on its map."""
    tz = timezone.get_default_timezone()
    slug_of = {pk: slug for slug, pk in town.ids.items()}
    slugs = Slugs("crime")
    incidents = list(CRIMES)
    weights = [CRIMES[incident]["weight"] for incident in incidents]
    case_numbers: dict[int, int] = {}
    for crime_id, when in enumerate(timeline(rng, n, anchor, span, (15, 4 * 60)), start=1):
        occurred_at = when.created_at - timedelta(seconds=rng.randint(20 * 60, 48 * 3600))
        occurred = timezone.localtime(occurred_at, tz)
        incident = rng.choices(incidents, weights)[0]
        spec = CRIMES[incident]

        address_block = town.address(rng)
        where = (
            f"in the {address_block}" if " block of " in address_block else f"at {address_block}"
        )
        street = address_block.split(" block of ")[-1].split(" and ")[0]
        placed = town.place(address_block)
        hood = placed.get("located_in_id")
        typed = town.names[slug_of[hood]] if hood is not None else rng.choice(NEIGHBORHOODS)
        # Case numbers run on through the year, with gaps for the calls that
        # never make the paper.
        year = occurred.year
        case_numbers[year] = case_numbers.get(year, rng.randint(100, 400)) + rng.randint(1, 30)
        case_number = f"{year}-{case_numbers[year]:06d}"

        values = {
            "where": where,
            "street": street,
            "neighborhood": typed,
            "store": rng.choice(STORES),
            "target": rng.choice(TARGETS),
            "town": rng.choice(("Millbrook", "Millbrook", *TOWNS)),
            "amount": f"${rng.randint(4, 90) * 100:,}",
            "count": str(rng.randint(2, 9)),
            "age": str(rng.randint(18, 67)),
            "time": clock(occurred),
            "weekday": weekday(occurred.date()),
            "case": case_number,
        }
        title = rng.choice(spec["titles"]).format(**values)
        blocks = [rng.choice(spec["openings"]).format(**values)]
        if rng.random() < 0.8:
            blocks.append(rng.choice(spec["details"]).format(**values))
        if rng.random() < 0.7:
            blocks.append(rng.choice(OUTCOMES).format(**values))
        if rng.random() < 0.6:
            blocks.append(rng.choice(TIPS).format(**values))
        yield CrimeReport(
            id=crime_id,
            slug=slugs(title),
            status=when.status,
            publish_at=when.publish_at,
            created_at=when.created_at,
            updated_at=when.updated_at,
            title=title,
            incident_type=incident,
            occurred_at=occurred_at,
            address_block=address_block,
            neighborhood=typed,
            **placed,
            case_number=case_number,
            body="\n\n".join(blocks),
            body_html=body_html(blocks),
        )
