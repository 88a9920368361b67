"""The background file writer the build renders into."""

from __future__ import annotations

import pytest

from publisher.files import FileWriter


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
