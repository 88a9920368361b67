"""After a deploy: one CloudFront invalidation for the paths it changed
(PUBLISHER_CLOUDFRONT_DISTRIBUTION_ID), so readers do not wait out the cache."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable
from urllib.parse import quote

from botocore.exceptions import BotoCoreError, ClientError

from publisher import s3
from publisher.deploy.errors import DeployError
from publisher.headers import SEARCH_DATA
from publisher.paths import url_path

INVALIDATE_ALL_ABOVE = 1000  # paths; past that one "/*" costs less and does the same


def invalidation_paths(relatives: Iterable[str]) -> list[str]:
    """The URLs readers use for these files: /news/ as well as /news/index.html.
    Not the search index's data files: they are named by their content, so
    one changed is a new name no cache holds (each path costs money past
    CloudFront's free 1,000 a month, and a publish writes dozens of them)."""
    paths: set[str] = set()
    for relative in relatives:
        if re.search(SEARCH_DATA, "/" + relative):
            continue
        paths.add("/" + quote(relative))
        paths.add(quote(url_path(relative)))
    if len(paths) > INVALIDATE_ALL_ABOVE:
        return ["/*"]
    return sorted(paths)


def invalidate(distribution: str, relatives: Iterable[str]) -> str:
    """One CloudFront invalidation for the changed paths; returns its id."""
    paths = invalidation_paths(relatives)
    client = s3.make_client("cloudfront", pool=1)
    try:
        response = client.create_invalidation(
            DistributionId=distribution,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": paths},
                "CallerReference": f"newsroom-deploy-{time.time_ns()}-{os.getpid()}",
            },
        )
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(
            f"the bucket is up to date, but the CloudFront invalidation failed ({exc}); "
            f'invalidate by hand: aws cloudfront create-invalidation --distribution-id {distribution} --paths "/*"'
        ) from exc
    return response["Invalidation"]["Id"]
