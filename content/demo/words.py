"""The demo's vocabulary, read from the data files beside this module.

A flat list is ``data/<group>/<name>.txt``, one entry a line; anything with
structure (templates, sections, palettes) is TOML. Order matters: the
generator draws from these lists with a seeded random, so reordering or
adding an entry changes every demo seeded from it (and two sites seeded alike
still match).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

# Beside the code, wherever it is installed.
DATA = Path(__file__).parent / "data"


class DemoDataError(ValueError):
    """A data file the generator cannot use; the message names the file."""


def lines(name: str, root: Path = DATA) -> tuple[str, ...]:
    """The entries of ``<root>/<name>.txt``, one a line; blank lines are skipped."""
    path = root / f"{name}.txt"
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        if line != line.strip():
            # A stray space would end up in headlines and slugs unseen.
            raise DemoDataError(f"{path}, line {number}: space at the start or end of {line!r}")
        entries.append(line)
    if not entries:
        raise DemoDataError(f"{path}: no entries")
    return tuple(entries)


def toml(name: str, root: Path = DATA) -> dict[str, Any]:
    """The contents of ``<root>/<name>.toml``."""
    path = root / f"{name}.toml"
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise DemoDataError(f"{path}: {exc}") from exc


# People. Reporters and the players in stories have modern first names, the
# town's officials a generation older as well, the dead in obituaries older still.
MODERN_FEMALE = lines("names/female")
MODERN_MALE = lines("names/male")
MODERN_FIRST = MODERN_FEMALE + MODERN_MALE
ADULT_FIRST = MODERN_FIRST + lines("names/adult")
OLD_FEMALE_FIRST = lines("names/old_female")
OLD_MALE_FIRST = lines("names/old_male")
LAST_NAMES = lines("names/last")

# Places in and around Millbrook.
TOWNS = lines("places/towns")
CITIES = lines("places/cities")
NEIGHBORHOODS = lines("places/neighborhoods")
# "Elm St": the name, then the abbreviation crime reports use.
STREETS = tuple(tuple(street.rsplit(" ", 1)) for street in lines("places/streets"))
PARKS = lines("places/parks")
SCHOOLS = lines("places/schools")
CHURCHES = lines("places/churches")

# What stories are about.
BUSINESS_KINDS = lines("things/business_kinds")
BUSINESS_WORDS = lines("things/business_words")
FACTORIES = lines("things/factories")
CONTRACTORS = lines("things/contractors")
PROJECTS = lines("things/projects")
ROAD_WORK = lines("things/road_work")
ORGS = lines("things/orgs")
EVENTS = lines("things/events")
CAUSES = lines("things/causes")
PLAYS = lines("things/plays")
SUBJECTS = lines("things/subjects")
CONTESTS = lines("things/contests")
MEMORIES = lines("things/memories")
FORECASTS = lines("things/forecasts")
