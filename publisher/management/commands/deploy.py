"""manage.py deploy: sync the live site (build/site) to PUBLISHER_S3_BUCKET."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from publisher.deploy.errors import DeployError
from publisher.deploy.plan import DeployResult
from publisher.deploy.sync import deploy_site


def human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


class Command(BaseCommand):
    help = "Upload what changed in build/site to S3, then delete what is gone."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the plan; upload and delete nothing."
        )
        parser.add_argument(
            "--max-deletes",
            type=int,
            default=None,
            help="Refuse to delete more objects than this (default PUBLISHER_S3_MAX_DELETES).",
        )
        parser.add_argument(
            "--force", action="store_true", help="Delete however many objects are gone."
        )
        parser.add_argument(
            "--no-gzip",
            action="store_true",
            help="Store text uncompressed (default: PUBLISHER_S3_GZIP).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Never show a progress bar.")
        parser.add_argument(
            "--list",
            action="store_true",
            dest="list_bucket",
            help="List the bucket and trust the manifest only where the listing agrees: "
            "finds objects deleted or replaced behind the deploy's back (default: trust the "
            "manifest the last deploy left, without listing, once a deploy has listed).",
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Hash every file, list the bucket and check every object in it with a "
            "HEAD, trusting neither the local record nor the manifest (default: hash only "
            "the files changed since the last deploy, compare with the manifest).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["max_deletes"] is not None and options["max_deletes"] < 0:
            raise CommandError("--max-deletes cannot be negative.")
        bar = self._progress_bar(options)
        try:
            result = deploy_site(
                dry_run=options["dry_run"],
                max_deletes=options["max_deletes"],
                force=options["force"],
                gzip=False if options["no_gzip"] else None,
                on_total=(lambda total: setattr(bar, "total", total)) if bar is not None else None,
                progress=bar.update if bar is not None else None,
                verify=options["verify"],
                list_bucket=options["list_bucket"],
            )
        except DeployError as exc:
            raise CommandError(f"deploy failed: {exc}") from exc
        finally:
            if bar is not None:
                bar.close()
        if result.dry_run:
            self.print_plan(result)
        elif options["verbosity"] >= 2:
            for key in result.uploaded:
                self.stdout.write(f"  uploaded {key}")
            for key in result.deleted:
                self.stdout.write(f"  deleted {key}")
        if options["verbosity"] >= 2:
            for key in result.left_alone:
                self.stdout.write(f"  left alone {key} (not uploaded by a deploy of this site)")
        if options["verbosity"] >= 1 or result.dry_run:
            self.stdout.write(self.summary(result))

    def print_plan(self, result: DeployResult) -> None:
        for key in result.uploaded:
            self.stdout.write(f"upload {key}")
        for key in result.deleted:
            self.stdout.write(f"delete {key}")
        if result.refused_deletes:
            self.stdout.write(
                f"(a real deploy would refuse these {len(result.deleted):,} deletes: "
                "more than --max-deletes; add --force)"
            )

    @staticmethod
    def summary(result: DeployResult) -> str:
        verb = "would upload" if result.dry_run else "uploaded"
        line = (
            f"deploy{' (dry run)' if result.dry_run else ''}: "
            f"{len(result.uploaded):,} {verb}, {result.unchanged:,} unchanged, "
            f"{len(result.deleted):,} {'would delete' if result.dry_run else 'deleted'}, "
            f"{human_bytes(result.bytes)} in {result.seconds:.1f} s "
            f"({result.requests:,} requests) -> {result.location}; "
            f"{result.hashed:,} files hashed"
            + ("" if result.listed else "; the bucket not listed (the manifest trusted)")
        )
        if result.invalidation:
            line += f"; CloudFront invalidation {result.invalidation}"
        if result.left_alone:
            line += (
                f"; {len(result.left_alone):,} objects under the prefix left alone: "
                "not uploaded by this site (-v2 lists them)"
            )
        return line

    def _progress_bar(self, options: dict[str, Any]) -> tqdm | None:
        if (
            options["no_progress"]
            or options["dry_run"]
            or options["verbosity"] < 1
            or not sys.stderr.isatty()
        ):
            return None
        return tqdm(total=None, unit="object", desc="deploy", file=sys.stderr, leave=False)
