"""The publish task, run through Django's task API (django-tasks on 5.2).

``publish_queue`` publishes everything due in the queue (``PublishJob``
rows). It is enqueued after each commit that changes content. Where it runs
is the TASKS setting (``PUBLISHER_TASKS``):

- ``thread`` (default, ``publisher.taskbackend.ThreadBackend``): in the same process, on a background thread, right
  after the commit; no extra process to run. Enqueues that arrive while a
  publish is running collapse into one more run, so a burst of saves makes a
  couple of renders, not one each.
- ``database``: django-tasks-db's database backend; run
  ``manage.py db_worker`` (systemd) or ``db_worker --batch`` from cron.
- ``immediate``: synchronously inside the request (tests, debugging).
"""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

from publisher.publish import process_queue

log = logging.getLogger(__name__)


@task()
def publish_queue() -> dict[str, Any]:
    result = process_queue()
    return {
        "jobs": result.jobs,
        "written": len(result.written),
        "removed": len(result.removed),
        "seconds": round(result.seconds, 3),
        "full_build": result.full_build,
    }


def enqueue_publish(**kwargs: Any) -> None:
    """Receiver of ``publisher.changes.publish_requested`` (after a commit)."""
    publish_queue.enqueue()
