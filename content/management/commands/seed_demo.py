"""``manage.py seed_demo``: a deterministic demo newsroom of any size."""

from __future__ import annotations

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from content.demo.seed import (
    DEFAULT_BIRTHS,
    DEFAULT_WEDDINGS,
    DatabaseNotEmpty,
    SeedError,
    seed_demo,
)


class Command(BaseCommand):
    help = (
        "Fill an empty database with a deterministic demo of The Millbrook Ledger: "
        "the same options always give the same rows and photos."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stories", type=int, default=2000, metavar="N")
        parser.add_argument("--obituaries", type=int, default=300, metavar="N")
        parser.add_argument("--crimes", type=int, default=300, metavar="N")
        parser.add_argument("--births", type=int, default=DEFAULT_BIRTHS, metavar="N")
        parser.add_argument(
            "--weddings",
            type=int,
            default=DEFAULT_WEDDINGS,
            metavar="N",
            help="Wedding and engagement announcements.",
        )
        parser.add_argument("--seed", type=int, default=1, metavar="S")
        parser.add_argument(
            "--anchor",
            metavar="YYYY-MM-DD",
            help="The day content is dated against (default: today). Published items "
            "fall before it, embargoed ones up to 30 days after.",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete all sections, authors and items of every kind first.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Succeed without changing anything when the database already has "
            "content (for set-up scripts that may run twice).",
        )

    def handle(self, *args, **options):
        anchor = self.parse_anchor(options["anchor"])
        counts = [
            options[name] for name in ("stories", "obituaries", "crimes", "births", "weddings")
        ]
        total = sum(n for n in counts if isinstance(n, int) and n > 0)  # seed_demo validates
        show_progress = options["verbosity"] >= 1 and self.stdout.isatty()
        started = time.perf_counter()
        with tqdm(total=total, unit=" items", disable=not show_progress, leave=False) as bar:
            try:
                result = seed_demo(
                    stories=options["stories"],
                    obituaries=options["obituaries"],
                    crimes=options["crimes"],
                    births=options["births"],
                    weddings=options["weddings"],
                    seed=options["seed"],
                    anchor=anchor,
                    replace=options["replace"],
                    progress=bar.update,
                )
            except DatabaseNotEmpty as exc:
                if options["if_empty"]:
                    if options["verbosity"] >= 1:
                        self.stdout.write(f"seed_demo: {exc}; left as it is")
                    return
                raise CommandError(
                    f"{exc}; run with --replace to delete all content first"
                ) from exc
            except SeedError as exc:
                raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        if options["verbosity"] >= 1:
            self.stdout.write(f"seed_demo: {result.describe()} in {elapsed:.1f} s")

    @staticmethod
    def parse_anchor(value: str | date | None) -> date | None:
        if value is None or isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--anchor must be a date like 2024-06-30, not {value!r}") from None
