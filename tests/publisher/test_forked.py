"""Jobs shared out among forked processes (publisher.forked)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from publisher import forked


def wait_for(path: Path, timeout: float = 10.0) -> None:
    """Until a worker has been at work (it leaves ``path``)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, "no worker process took a job"
        time.sleep(0.005)


def worker_then(marker: Path, in_worker: Callable[[int], Any]) -> Callable[[int], Any]:
    """A job that, in this process, waits for a worker to have taken one
    (and returns the job), and in a worker leaves ``marker`` first and then
    does ``in_worker``."""
    parent = os.getpid()

    def work(job: int) -> Any:
        if os.getpid() == parent:
            wait_for(marker)
            return job
        marker.touch()
        return in_worker(job)

    return work


def test_every_job_is_done_once_and_this_process_takes_its_share(tmp_path):
    parent, marker = os.getpid(), tmp_path / "worker-ran"

    def work(job: int) -> tuple[int, int]:
        if os.getpid() == parent:
            wait_for(marker)
        else:
            marker.touch()
        return job, os.getpid()

    results = list(forked.share_out(range(40), work, processes=2))

    assert sorted(job for job, _pid in results) == list(range(40))
    pids = {pid for _job, pid in results}
    assert parent in pids
    assert len(pids) == 2


def test_one_process_is_this_one_alone():
    assert list(forked.share_out([1, 2, 3], lambda job: (job, os.getpid()), 1)) == [
        (1, os.getpid()),
        (2, os.getpid()),
        (3, os.getpid()),
    ]


def test_a_job_failing_in_a_worker_is_raised_here_and_no_new_job_starts(tmp_path):
    done: list[int] = []  # this process's jobs

    def fail(job: int) -> int:
        raise OSError(28, "No space left on device")

    def job_here_or_failing_there(job: int) -> int:
        done.append(job)
        time.sleep(0.01)  # the worker fails while this process is at a job
        return job

    work = worker_then(tmp_path / "ran", fail)
    with pytest.raises(forked.WorkerError, match="No space left on device"):
        list(forked.share_out(range(40), lambda job: work(job_here_or_failing_there(job)), 2))
    assert len(done) < 5  # not the 39 jobs left


def test_a_job_failing_here_stops_the_workers_and_is_raised_as_it_is():
    parent = os.getpid()

    def work(job: int) -> int:
        if os.getpid() == parent:
            raise KeyError("the parent's own job")
        time.sleep(0.01)
        return job

    with pytest.raises(KeyError, match="the parent's own job"):
        list(forked.share_out(range(40), work, processes=3))


def test_a_worker_that_dies_is_reported_not_waited_for(tmp_path):
    def die(job: int) -> int:
        os._exit(3)

    with pytest.raises(forked.WorkerError, match="died.*3"):
        list(forked.share_out(range(10), worker_then(tmp_path / "ran", die), processes=2))
