"""publisher/files.py: the background file writer the build renders into, and
``write_atomic``: a reader sees the old file or the new one, never a part.

Publishing rewrites pages of the live site while readers fetch them, so a
page is replaced by a rename (a new file), never rewritten in place.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from publisher.files import FileWriter, write_atomic
from publisher.publish import process_queue
from tests.support import ROOT, file_for, live_root


def test_the_writer_makes_directories_and_writes_every_file(tmp_path):
    with FileWriter(tmp_path) as writer:
        for i in range(300):
            writer.write(f"news/2026/{i % 7:02d}/story-{i}/index.html", f"story {i}".encode())
        writer.write("index.html", b"home")
        writer.write("index.html", b"home, again")  # rewritten in place
    assert writer.files_written == 302
    assert (tmp_path / "index.html").read_bytes() == b"home, again"
    for i in range(300):
        page = tmp_path / f"news/2026/{i % 7:02d}/story-{i}/index.html"
        assert page.read_bytes() == f"story {i}".encode()


def test_a_failed_write_is_raised_to_the_caller(tmp_path):
    (tmp_path / "news").write_text("a file where a directory must go")
    writer = FileWriter(tmp_path)
    writer.write("news/story/index.html", b"x")
    with pytest.raises(NotADirectoryError):
        writer.close()


def test_a_rewrite_is_a_new_file_so_a_reader_holding_the_old_one_keeps_its_bytes(tmp_path):
    page = tmp_path / "news/index.html"
    write_atomic(page, b"<h1>Old headline</h1>")
    old_inode = page.stat().st_ino
    with open(page, "rb") as reader:
        write_atomic(page, b"<h1>New headline, longer than the old one</h1>")
        assert reader.read() == b"<h1>Old headline</h1>"
    assert page.stat().st_ino != old_inode
    assert page.read_bytes() == b"<h1>New headline, longer than the old one</h1>"
    assert sorted(p.name for p in page.parent.iterdir()) == ["index.html"]


def write_under_a_file_size_limit(
    path: Path, data_size: int, limit: int
) -> subprocess.CompletedProcess:
    """``write_atomic`` in a process whose files may not grow past ``limit``
    bytes: the kernel refuses the write midway (EFBIG), a real failure like
    a full disk, after part of the new bytes reached the disk."""
    code = textwrap.dedent(
        f"""
        import resource, signal
        from pathlib import Path
        from publisher.files import write_atomic
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an error, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
        write_atomic(Path({str(path)!r}), b"n" * {data_size})
        """
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_a_write_that_fails_midway_leaves_the_old_file_and_no_temporary_file(tmp_path):
    page = tmp_path / "news/index.html"
    write_atomic(page, b"old page " * 100)
    done = write_under_a_file_size_limit(page, data_size=1_000_000, limit=64 * 1024)
    assert done.returncode != 0 and "File too large" in done.stderr, done.stderr
    assert page.read_bytes() == b"old page " * 100
    assert sorted(p.name for p in page.parent.iterdir()) == ["index.html"]


def test_a_write_refused_before_any_byte_leaves_the_old_file_and_no_temporary_file(tmp_path):
    page = tmp_path / "index.html"
    write_atomic(page, b"old page")
    try:
        write_atomic(page, "text, not bytes")  # type: ignore[arg-type]
    except TypeError:
        pass
    else:
        raise AssertionError("a str was written as a page")
    assert page.read_bytes() == b"old page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html"]


def test_a_reader_of_a_live_page_during_a_publish_keeps_reading_the_old_page(live, settings):
    story = live["published"][3]
    page = file_for(live_root(settings), story.get_absolute_url())
    old = page.read_bytes()
    with open(page, "rb") as reader:
        story.headline = "Corrected while a reader was reading"
        story.save()
        process_queue()
        assert reader.read() == old
    assert "Corrected while a reader was reading" in page.read_text()
    assert sorted(p.name for p in page.parent.iterdir()) == ["index.html"]
