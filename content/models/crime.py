"""Crime reports, placed on the map at block level."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from content.locate import locate
from content.models.commenting import commenting_field
from content.models.publishable import Publishable
from content.neighborhoods import Location

BLOCK_ADDRESS = re.compile(r"^(\d*00 block of \S.*|\S.* (and|&) \S.*)$", re.IGNORECASE)


class CrimeReport(Publishable):
    class Incident(models.TextChoices):
        ASSAULT = "assault", "Assault"
        BURGLARY = "burglary", "Burglary"
        DUI = "dui", "Driving under the influence"
        FRAUD = "fraud", "Fraud"
        THEFT = "theft", "Theft"
        VANDALISM = "vandalism", "Vandalism"
        VEHICLE_THEFT = "vehicle-theft", "Vehicle theft"
        OTHER = "other", "Other"

    title = models.CharField(max_length=200)
    incident_type = models.CharField(max_length=20, choices=Incident.choices)
    occurred_at = models.DateTimeField("occurred at")
    address_block = models.CharField(
        "block-level address",
        max_length=200,
        help_text="“400 block of Elm St” or “Elm St and 5th Ave”; never a house number.",
    )
    neighborhood = models.CharField(
        "neighborhood as reported",
        max_length=120,
        blank=True,
        help_text="As the police give it; readers see the neighborhood the map finds.",
    )
    case_number = models.CharField(max_length=40, blank=True, db_index=True)
    comments = commenting_field()
    # Where it is on the map (content.locate): the middle of the block, or the
    # corner, never a house. None when the address does not geocode.
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(
        null=True,
        blank=True,
        help_text="Set both by hand to place a report the street file does not know "
        "(moved to the middle of the nearest block); clear both to geocode the address.",
    )
    location = models.CharField(
        "placed by",
        max_length=12,
        choices=Location.choices,
        default=Location.NOT_FOUND,
        editable=False,
    )
    location_note = models.CharField(max_length=300, blank=True, editable=False)
    located_in = models.ForeignKey(
        "content.Neighborhood",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="crimes",
        verbose_name="neighborhood on the map",
    )

    kind = "crime"

    class Meta(Publishable.Meta):
        verbose_name = "crime report"
        permissions = [("publish_crimereport", "Can publish crime reports")]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, located: bool = False, **kwargs: Any) -> None:
        # Placed on the map on every save (a few indexed queries): a script's
        # save is placed like the admin's. ``located``: already done.
        if not located:
            locate(self)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.address_block and not BLOCK_ADDRESS.match(self.address_block.strip()):
            raise ValidationError(
                {
                    "address_block": "Give a block-level address such as “400 block of "
                    "Elm St” or an intersection such as “Elm St and 5th Ave”, "
                    "never a house number."
                }
            )
        if self.occurred_at and self.occurred_at > timezone.now():
            raise ValidationError({"occurred_at": "This time is in the future."})
