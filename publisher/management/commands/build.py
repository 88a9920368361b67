"""manage.py build: render the whole site and switch build/site to it."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from publisher.build import build_site
from publisher.locks import BuildLocked
from publisher.publish import process_queue
from publisher.render import RenderError
from publisher.search import SearchError


class Command(BaseCommand):
    help = "Render the whole site into a new release and make it live atomically."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="How many releases to keep (default PUBLISHER_KEEP_RELEASES).",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="Render with this many processes (default PUBLISHER_BUILD_JOBS, "
            "or one per CPU core).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Never show a progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["keep"] is not None and options["keep"] < 1:
            raise CommandError("--keep must be at least 1 (the live release).")
        if options["jobs"] is not None and options["jobs"] < 1:
            raise CommandError("--jobs must be at least 1.")
        bar = self._progress_bar(options)
        try:
            result = build_site(
                keep=options["keep"],
                on_total=(lambda total: setattr(bar, "total", total)) if bar is not None else None,
                progress=bar.update if bar is not None else None,
                jobs=options["jobs"],
            )
        except (RenderError, SearchError, BuildLocked) as exc:
            raise CommandError(f"build failed, live site unchanged: {exc}") from exc
        finally:
            if bar is not None:
                bar.close()
        if result.catch_up:
            # Saves published into the old release while this build ran.
            process_queue()
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"build: {result.pages:,} pages in {result.seconds:.1f} s "
                f"({result.pages_per_second:,.0f} pages/s) -> {result.release}"
            )
        for name, problem in sorted(result.photo_problems.items()):
            self.stderr.write(
                f"build: photo {name} could not be resized ({problem}); "
                "its item's page is shown without it. Upload the photo again."
            )
        if options["verbosity"] >= 2:
            for name, count in result.by_type.items():
                self.stdout.write(f"  {name}: {count:,}")

    def _progress_bar(self, options: dict[str, Any]) -> tqdm | None:
        if options["no_progress"] or options["verbosity"] < 1 or not sys.stderr.isatty():
            return None
        return tqdm(total=None, unit="page", desc="build", file=sys.stderr, leave=False)
