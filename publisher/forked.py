"""Jobs shared out among forked processes, this one working too.

Each process claims the next job from a shared counter, so one big job and
many small ones still spread evenly; this process takes its share as well
(one process fewer holding the same memory). The workers are forked, so
they inherit everything set up before (and must not share its database
connections: close them first); they get SIGKILL if this process dies, so
nothing is left writing into a build that was given up.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import queue
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from django.db import connections

J = TypeVar("J")
R = TypeVar("R")


class WorkerError(RuntimeError):
    """A job failed in a worker process (its message), or a worker died."""


def die_with_parent() -> None:
    """Linux: this (forked) process gets SIGKILL when its parent dies, so a
    killed build leaves no orphan writing into its abandoned release."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Claims:
    """Jobs 0 to ``count`` - 1, handed out one at a time to whichever
    process asks next (a counter in shared memory); ``failed`` set by any
    process stops the others from starting new ones."""

    def __init__(self, context: Any, count: int) -> None:
        self.count = count
        self.next = context.Value("q", 0)
        self.failed = context.Value("b", 0)

    def __iter__(self) -> Iterator[int]:
        while True:
            with self.next.get_lock():
                index = self.next.value
                if index >= self.count or self.failed.value:
                    return
                self.next.value = index + 1
            yield index


def share_out(jobs: Sequence[J], work: Callable[[J], R], processes: int) -> Iterator[R]:
    """``work(job)`` for every job, on ``processes`` processes, this one
    included; yields each result (this process's as it makes them, the
    others' after). A job that raises stops the others from starting new
    ones: raised here as it is, from a worker as WorkerError."""
    context = multiprocessing.get_context("fork")
    claims = Claims(context, len(jobs))
    results = context.Queue()
    children = [
        context.Process(target=_worker, args=(jobs, work, claims, results), daemon=True)
        for _ in range(max(0, processes - 1))
    ]
    if children:
        connections.close_all()  # each process opens its own
    for child in children:
        child.start()
    try:
        for index in claims:
            yield work(jobs[index])
        yield from _collect(children, results)
    except BaseException:
        claims.failed.value = 1
        for child in children:
            child.terminate()
        raise
    finally:
        for child in children:
            child.join()


def _worker(jobs: Sequence[J], work: Callable[[J], R], claims: Claims, results: Any) -> None:
    die_with_parent()
    try:
        for index in claims:
            results.put(("result", work(jobs[index])))
        results.put(("done", None))
    except BaseException as exc:  # reported to the parent, which raises it
        claims.failed.value = 1
        results.put(("error", str(exc) or type(exc).__name__))
        raise SystemExit(1) from None
    finally:
        connections.close_all()


def _collect(children: list, results: Any) -> Iterator[Any]:
    pending = len(children)
    while pending:
        try:
            kind, payload = results.get(timeout=0.2)
        except queue.Empty:
            if not any(child.is_alive() for child in children) and results.empty():
                break
            continue
        if kind == "error":
            raise WorkerError(payload)
        if kind == "done":
            pending -= 1
        else:
            yield payload
    if pending:
        codes = ", ".join(str(child.exitcode) for child in children if child.exitcode)
        raise WorkerError(f"a worker process died (exit code {codes or 'unknown'})")
