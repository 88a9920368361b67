"""The readers' forms: one per kind of submission.

Every text has a length limit; a photo gets the admin's own checks
(``content.uploads``: JPEG, PNG, WebP or GIF by content, the size and pixel
caps); an announcement is checked by its item's own ``clean()`` (a birth
date in the future, ounces without pounds, a wedding without a day), so
nothing passes here that the admin would refuse once it is a draft.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from content.models import Birth, Obituary, Wedding
from content.uploads import PhotoFormField
from desk.models import Submission
from desk.retention import room_for

log = logging.getLogger(__name__)

# Longest texts a reader may send (a long obituary runs to a few thousand
# words; a letter to the editor to a few hundred).
OBITUARY_CHARS = 20_000
MESSAGE_CHARS = 3_000
TIP_CHARS = 5_000
LETTER_CHARS = 3_000

PHOTOS_FULL_MESSAGE = (
    "We cannot take more photos just now: send it without the photo, and email "
    "the photo to {email}."
)

HONEYPOT = "website"
HONEYPOT_MESSAGE = (
    "This form looked as if a program had filled it in, so it was not sent. If you are "
    "a person, send it again: your browser may have filled in a box that is hidden."
)


ONE_LINE_MESSAGE = (
    "Keep this on one line: it has a line break or another invisible control character."
)
# Right-to-left overrides and isolates: they reorder how the text around them
# reads (in the newsroom's mail too), and no name needs them.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def one_line(value: str) -> None:
    """Refuse what would start a new line, or reorder one, in the newsroom's
    mail and the admin: controls (CR, LF, tab, NEL…), line and paragraph
    separators, bidirectional overrides."""
    for char in value:
        if unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in BIDI_CONTROLS:
            raise ValidationError(ONE_LINE_MESSAGE, code="control_character")


def text(label: str, max_length: int, required: bool = True, **kwargs: Any) -> forms.CharField:
    """A one-line text: a name, a place, a phone number."""
    return forms.CharField(
        label=label, max_length=max_length, required=required, validators=[one_line], **kwargs
    )


def long_text(label: str, max_length: int, required: bool = True, **kwargs: Any):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=forms.Textarea(attrs={"rows": 8}),
        **kwargs,
    )


class TrapInput(forms.TextInput):
    """Never shows what was typed: a person sending the form again (after
    their browser filled the hidden box) sends it empty."""

    def format_value(self, value: Any) -> None:
        return None


class DateInput(forms.DateInput):
    input_type = "date"


class SubmissionForm(forms.Form):
    """The sender and the honeypot; each kind adds its own fields."""

    kind: ClassVar[str]
    title: ClassVar[str]
    intro: ClassVar[str] = ""
    # The fields that describe the item (kept in Submission.fields).
    item_fields: ClassVar[tuple[str, ...]] = ()
    # Whether we must be able to reach the sender (to check before printing).
    contact_required: ClassVar[bool] = True

    name = text("Your name", 120, help_text="Never printed unless you say so in your text.")
    email = forms.EmailField(label="Your email", max_length=254, required=False)
    phone = text("Your phone", 40, required=False)
    # A box people never see (hidden by the stylesheet) and bots fill in.
    website = forms.CharField(
        label="Leave this empty",
        required=False,
        max_length=200,
        widget=TrapInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The kind's own fields first, in item order, the photo with its
        # description; then the sender and the trap.
        described = [name for name in self.item_fields if name != "photo_alt"]
        self.order_fields([*described, "photo", "photo_alt"])

    def clean_website(self) -> str:
        value = self.cleaned_data.get(HONEYPOT, "")
        if value:
            raise ValidationError(HONEYPOT_MESSAGE, code="honeypot")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.contact_required and not (data.get("email") or data.get("phone")):
            self.add_error(
                "email",
                "Give an email address or a phone number: we check every submission "
                "with its sender before it is printed.",
            )
        return data

    @property
    def fields_for_item(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.item_fields}

    def submission(self) -> Submission:
        """The unsaved submission this valid form describes."""
        data = self.cleaned_data
        return Submission(
            kind=self.kind,
            name=data.get("name", ""),
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            fields={k: v for k, v in self.fields_for_item.items() if v not in (None, "")},
            photo=data.get("photo") or "",
        )


class AnnouncementForm(SubmissionForm):
    """A form whose submission becomes an item: checked as that item."""

    model: ClassVar[type]

    photo = PhotoFormField(
        label="Photo (optional)",
        required=False,
        help_text="A JPEG, PNG, WebP or GIF, at most 15 MB.",
    )
    photo_alt = text(
        "Describe the photo",
        250,
        required=False,
        help_text="For readers who cannot see it, e.g. “A sleeping baby in a knitted cap”.",
    )

    def clean_photo(self) -> Any:
        photo = self.cleaned_data.get("photo")
        if photo and not room_for(photo.size):
            # Photos waiting for an editor fill PUBLISHER_SUBMISSIONS_MAX_MB:
            # a flood, or a queue nobody has worked through.
            log.warning("submitted photos are at PUBLISHER_SUBMISSIONS_MAX_MB: one refused")
            raise ValidationError(
                PHOTOS_FULL_MESSAGE.format(email=settings.PUBLISHER_NEWSROOM_EMAIL),
                code="photos_full",
            )
        return photo

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        columns = {field.name for field in self.model._meta.concrete_fields}
        item = self.model(
            **{k: v for k, v in self.fields_for_item.items() if k in data and k in columns},
            photo=data.get("photo") or "",
        )
        try:
            item.clean()
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


class BirthForm(AnnouncementForm):
    kind = Submission.Kind.BIRTH
    model = Birth
    title = "Announce a birth"
    intro = "Tell us about a new baby. Birth announcements are free and run online."
    item_fields = (
        "baby_name",
        "birth_date",
        "parents",
        "hometown",
        "weight_pounds",
        "weight_ounces",
        "body",
        "photo_alt",
    )

    baby_name = text("Baby's name", 160)
    birth_date = forms.DateField(label="Date of birth", widget=DateInput)
    parents = text("Parents", 250, help_text="As you want it printed, e.g. “Anna and Mark Berg”.")
    hometown = text("Hometown", 120)
    weight_pounds = forms.IntegerField(
        label="Weight: pounds", min_value=0, max_value=20, required=False
    )
    weight_ounces = forms.IntegerField(
        label="Weight: ounces", min_value=0, max_value=15, required=False
    )
    body = long_text("Anything else (optional)", MESSAGE_CHARS, required=False)


class WeddingForm(AnnouncementForm):
    kind = Submission.Kind.WEDDING
    model = Wedding
    title = "Announce a wedding or engagement"
    intro = "Share the news of a wedding or an engagement. Announcements are free and run online."
    item_fields = (
        "partner_one",
        "partner_two",
        "announcement",
        "date",
        "place",
        "body",
        "photo_alt",
    )

    partner_one = text("First partner's name", 160)
    partner_two = text("Second partner's name", 160)
    announcement = forms.ChoiceField(
        label="Kind of announcement",
        choices=Wedding.Announcement.choices,
        widget=forms.RadioSelect,
    )
    date = forms.DateField(
        label="Date",
        required=False,
        widget=DateInput,
        help_text="The wedding day; for an engagement, the planned date if set.",
    )
    place = text(
        "Place", 200, required=False, help_text="e.g. “St. Mark's Lutheran Church, Millbrook”."
    )
    body = long_text("Anything else (optional)", MESSAGE_CHARS, required=False)


class ObituaryForm(AnnouncementForm):
    kind = Submission.Kind.OBITUARY
    model = Obituary
    title = "Send an obituary"
    intro = (
        "For families and funeral homes. We check every obituary with its sender before it runs."
    )
    item_fields = (
        "sent_by",
        "full_name",
        "birth_date",
        "death_date",
        "hometown",
        "service_time",
        "service_place",
        "body",
        "photo_alt",
    )

    sent_by = forms.ChoiceField(
        label="You are",
        choices=[
            ("family", "Family"),
            ("funeral-home", "A funeral home"),
            ("other", "Someone else"),
        ],
    )
    full_name = text("Full name of the deceased", 160)
    birth_date = forms.DateField(label="Date of birth", required=False, widget=DateInput)
    death_date = forms.DateField(label="Date of death", widget=DateInput)
    hometown = text("Hometown", 120, required=False)
    service_time = forms.DateTimeField(
        label="Service: date and time",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    service_place = text("Service: place", 200, required=False)
    body = long_text("The obituary", OBITUARY_CHARS)


class TipForm(SubmissionForm):
    kind = Submission.Kind.TIP
    title = "Send a news tip"
    intro = "Seen something we should look into? Tell us. You may leave your name out."
    item_fields = ("body",)
    contact_required = False

    name = text("Your name (optional)", 120, required=False)
    body = long_text("What should we know?", TIP_CHARS)


class LetterForm(SubmissionForm):
    kind = Submission.Kind.LETTER
    title = "Write a letter to the editor"
    intro = (
        "Letters run with the writer's name and town. We call or email to confirm "
        "every letter before it is printed."
    )
    item_fields = ("subject", "body", "hometown")

    hometown = text("Your town", 120)
    subject = text("Subject", 150)
    body = long_text("Your letter", LETTER_CHARS)


FORMS: dict[str, type[SubmissionForm]] = {
    form.kind: form for form in (ObituaryForm, BirthForm, WeddingForm, TipForm, LetterForm)
}
