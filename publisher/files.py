"""Writing rendered files (no Django in here).

Rendering is CPU work and writing small files is disk latency, so writes go
to a small pool of threads while the caller renders the next page. Errors in
a write are raised in the caller at the next submit or at ``close()``.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` so a reader sees the old file or the new one, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def write_file(path: str | os.PathLike, data: bytes) -> None:
    """Write a file where no reader looks yet (a release being built), its
    folders made if missing: in place, with no name of its own first."""
    try:
        fd = os.open(path, _CREATE, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, _CREATE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


class FileWriter:
    """Writes files under ``root`` in background threads, with bounded memory.

    Files are handed over ``batch`` at a time: each hand-over wakes a thread
    that then competes with the renderer for the interpreter, so fewer,
    bigger hand-overs leave more of it to rendering.
    """

    def __init__(
        self, root: Path, threads: int = 2, max_pending: int = 256, batch: int = 16
    ) -> None:
        self.root = root
        self.bytes_written = 0
        self.files_written = 0
        self._base = str(root)
        self._batch_size = batch
        self._batch: list[tuple[str, bytes]] = []
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="writer")
        self._slots = threading.BoundedSemaphore(max(1, max_pending // batch))
        self._errors: list[BaseException] = []

    def _write_all(self, files: list[tuple[str, bytes]]) -> None:
        try:
            for relative, data in files:
                self._write(relative, data)
        finally:
            self._slots.release()

    def _write(self, relative: str, data: bytes) -> None:
        # Plain strings and descriptors: this runs once per page, beside the
        # render, and remembers nothing (a set of directories made would
        # grow with the site). A missing directory shows as FileNotFoundError.
        write_file(os.path.join(self._base, relative), data)

    def _done(self, future: Future) -> None:
        if future.cancelled():
            return
        error = future.exception()
        if error is not None:
            self._errors.append(error)

    def write(self, relative: str, data: bytes) -> None:
        if self._errors:
            raise self._errors[0]
        self.files_written += 1
        self.bytes_written += len(data)
        self._batch.append((relative, data))
        if len(self._batch) >= self._batch_size:
            self._hand_over()

    def _hand_over(self) -> None:
        if not self._batch:
            return
        files, self._batch = self._batch, []
        self._slots.acquire()
        self._pool.submit(self._write_all, files).add_done_callback(self._done)

    def close(self) -> None:
        """Wait for every pending write; raise the first error, if any."""
        self._hand_over()
        self._pool.shutdown(wait=True)
        if self._errors:
            raise self._errors[0]

    def __enter__(self) -> FileWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is None:
            self.close()
        else:
            self._pool.shutdown(wait=True, cancel_futures=True)
