"""A django-tasks backend that runs tasks on a background thread of this process.

The embedded default for publishing on save: no extra process to run, and
the editor's request does not wait for the render.
"""

from __future__ import annotations

import atexit
import threading
import time
from typing import Any

from django.db import connections
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import Task, TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id


class ThreadBackend(ImmediateBackend):
    """Runs tasks one at a time on a daemon thread of this process.

    A task already waiting (same function and arguments) is not queued twice:
    everything it would do, the waiting run does. And a run starts once
    enqueues have paused for ``QUIET`` seconds (at most ``MAX_DELAY`` after
    the first), so an editor's burst of saves becomes one or two renders.
    """

    QUIET = 0.15
    MAX_DELAY = 0.5

    def __init__(self, alias: str, params: dict) -> None:
        super().__init__(alias, params)
        self._lock = threading.Condition()
        self._waiting: list[TaskResult] = []
        self._busy = False
        self._thread: threading.Thread | None = None
        self._last_enqueue = 0.0

    def enqueue(self, task: Task, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        with self._lock:
            self._last_enqueue = time.monotonic()
            for waiting in self._waiting:
                if (waiting.task.func, waiting.args, waiting.kwargs) == (task.func, args, kwargs):
                    return waiting
            self._waiting.append(result)
            if self._thread is None or not self._thread.is_alive():
                if self._thread is None:
                    # A command that saved content finishes its publish before exiting.
                    atexit.register(self.wait, 120.0)
                self._thread = threading.Thread(
                    target=self._run, name="publisher-tasks", daemon=True
                )
                self._thread.start()
            self._lock.notify_all()
        return result

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._waiting:
                    self._busy = False
                    self._lock.notify_all()
                    return
                self._busy = True
                started = time.monotonic()
                while (pause := self.QUIET - (time.monotonic() - self._last_enqueue)) > 0:
                    if time.monotonic() - started >= self.MAX_DELAY:
                        break
                    self._lock.wait(pause)
                result = self._waiting.pop(0)
            try:
                self._execute_task(result)
            finally:
                connections.close_all()  # this thread's own connections

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until nothing is waiting or running (for tests and shutdown)."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._waiting and not self._busy, timeout)
