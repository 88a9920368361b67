"""The search script readers' browsers run (publisher/static/publisher/search-index.js),
run by Node against a built site served over HTTP: what a reader's query finds."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from publisher import search
from publisher.build import build_site
from publisher.models import PublishJob
from publisher.publish import process_queue
from tests.support import ROOT, make_crime, make_obituary, make_story

SCRIPT = ROOT / "publisher/static/publisher/search-index.js"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (scripts/setup)")

# Runs each query of argv[3] (JSON: [[query, filters], ...]) and prints, per
# query, the results' data and the filter counts.
RUNNER = """
const [script, base, queries] = process.argv.slice(1);
const { openIndex } = await import(script);
const index = await openIndex(base);
const out = [];
for (const [query, filters] of JSON.parse(queries)) {
  const { results, filters: counts } = await index.search(query, filters);
  const shown = await Promise.all(results.map((r) => r.data()));
  out.push({ results: shown, counts });
}
console.log(JSON.stringify(out));
"""


@pytest.fixture(autouse=True)
def _search_on(settings):
    settings.PUBLISHER_SEARCH = True


@pytest.fixture
def served(settings):
    """The live site over HTTP on loopback; yields its base URL."""
    Path(settings.PUBLISHER_BUILD_DIR).mkdir(parents=True, exist_ok=True)
    QuietHandler.fail_once = set()
    handler = functools.partial(QuietHandler, directory=str(Path(settings.PUBLISHER_BUILD_DIR)))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/site"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    # Paths that answer 503 once (a server hiccup), then as usual.
    fail_once: set[str] = set()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        for suffix in list(self.fail_once):
            if self.path.endswith(suffix):
                self.fail_once.discard(suffix)
                self.send_error(503)
                return
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


def find(base: str, *queries: str | tuple[str, dict]) -> list[dict]:
    asked = [[q, {}] if isinstance(q, str) else list(q) for q in queries]
    done = subprocess.run(
        [
            NODE,
            "--input-type=module",
            "-e",
            RUNNER,
            str(SCRIPT),
            f"{base}/search/index/",
            json.dumps(asked),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def urls(found: dict) -> list[str]:
    return [result["url"] for result in found["results"]]


def start_live_site() -> None:
    build_site(jobs=1)
    PublishJob.objects.update(status=PublishJob.Status.LIVE)


def test_a_reader_finds_items_by_their_words_in_any_form(db, served):
    hale = make_obituary(
        full_name="Margaret (Lindqvist) Hale", hometown="Harlan", body="She taught piano."
    )
    cafe = make_story(
        headline="Café Zoë opens on Main Street",
        body="The owners say the cities' bakeries inspired them.",
        publish_at=timezone.now() - timedelta(days=2),
    )
    fire = make_crime(title="Barn fires reported", body="Firefighters came from Harlan.")
    start_live_site()

    found = find(
        served,
        "lindqvist",  # a maiden name, in parentheses
        "LINDQVIST hale",  # case; every word must be found
        "lindqvist piano",
        "lindqvist zebra",  # one word no item has: nothing
        "cafe zoe",  # accents as typed or not
        "Café",
        "city bakery",  # "cities", "bakeries"
        "fire",  # the start of a word: fires, firefighters
        "harlan",
        ("harlan", {"kind": "Obituary"}),
        "the",  # too common to index: nothing, not everything
    )

    assert urls(found[0]) == [hale.get_absolute_url()]
    assert urls(found[1]) == urls(found[2]) == [hale.get_absolute_url()]
    assert urls(found[3]) == []
    assert urls(found[4]) == urls(found[5]) == [cafe.get_absolute_url()]
    assert urls(found[6]) == [cafe.get_absolute_url()]
    assert urls(found[7]) == [fire.get_absolute_url()]
    # The name in the hometown field and in a crime's body: both, counted by kind.
    assert sorted(urls(found[8])) == sorted([hale.get_absolute_url(), fire.get_absolute_url()])
    assert found[8]["counts"]["kind"] == {"Obituary": 1, "Crime report": 1}
    assert urls(found[9]) == [hale.get_absolute_url()]
    assert found[9]["counts"]["kind"] == {"Obituary": 1}
    assert urls(found[10]) == []


def test_a_result_shows_title_kind_date_and_an_excerpt_with_the_words_marked(db, served):
    story = make_story(
        headline="Council <b>votes</b> on the levy",
        body=("Some words first. " * 20) + "The quarrystone levy passed, 5<6 and 7>2.",
        publish_at=timezone.now() - timedelta(days=1),
    )
    start_live_site()

    (found,) = find(served, "quarrystone")

    (result,) = found["results"]
    assert result["url"] == story.get_absolute_url()
    assert result["meta"] == {
        "title": story.headline,
        "kind": "Story",
        "date": timezone.localtime(story.publish_at).date().isoformat(),
    }
    assert "<mark>quarrystone</mark>" in result["excerpt"]
    assert result["excerpt"].startswith("… ")  # from near the word, not the top
    # Text, never markup: the script's only tags are its marks.
    assert "5&#60;6 and 7&#62;2" in result["excerpt"]
    assert "<" not in result["excerpt"].replace("<mark>", "").replace("</mark>", "")


def test_the_headline_ranks_before_the_body_and_newer_before_older(db, served):
    body_only = make_story(
        headline="Budget talks", body="A word on the gazebo.", publish_at=timezone.now()
    )
    older = make_story(
        headline="Gazebo repairs", body="Paint.", publish_at=timezone.now() - timedelta(days=3)
    )
    newer = make_story(
        headline="Gazebo reopens", body="Paint.", publish_at=timezone.now() - timedelta(days=1)
    )
    start_live_site()

    (found,) = find(served, "gazebo")

    assert urls(found) == [
        newer.get_absolute_url(),
        older.get_absolute_url(),
        body_only.get_absolute_url(),
    ]


def test_a_search_started_before_a_publish_reads_the_new_shards_list(db, served, settings):
    make_story(headline="Heronword sighted", publish_at=timezone.now() - timedelta(days=1))
    start_live_site()
    # A script that read shards.json before this publish asks for a folder
    # that is gone: it reads the list again and searches the new folder.
    runner = RUNNER.replace(
        "const out = [];",
        "const out = [];\n"
        "await index.search('heronword');\n"
        "console.log('ready');\n"
        "await new Promise((resolve) => process.stdin.once('data', resolve));",
    )
    base = f"{served}/search/index/"
    node = subprocess.Popen(
        [NODE, "--input-type=module", "-e", runner, str(SCRIPT), base, '[["heronword", {}]]'],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert node.stdout.readline() == "ready\n", node.stderr.read()
        before = search.read_shards(Path(settings.PUBLISHER_BUILD_DIR) / "site")
        second = make_story(headline="Heronword nests", publish_at=timezone.now())
        process_queue()
        after = search.read_shards(Path(settings.PUBLISHER_BUILD_DIR) / "site")
        assert before[0]["version"] != after[0]["version"]
        out, err = node.communicate("go\n", timeout=60)
    finally:
        node.kill()
    assert node.returncode == 0, err
    (found,) = json.loads(out)
    assert second.get_absolute_url() in urls(found)


def test_a_file_that_failed_to_load_is_fetched_again_by_the_next_search(db, served):
    story = make_story(headline="Osprey nest returns", publish_at=timezone.now())
    start_live_site()
    QuietHandler.fail_once = {".idx"}  # the first index file asked for
    runner = RUNNER.replace(
        "const out = [];",
        "const out = [];\n"
        "const failed = await index.search('osprey').then(() => 'found', (e) => String(e));\n"
        "if (!failed.includes('503')) throw new Error(`not a failure: ${failed}`);",
    )
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", runner, str(SCRIPT), f"{served}/search/index/",
         '[["osprey", {}]]'],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (found,) = json.loads(done.stdout)
    assert urls(found) == [story.get_absolute_url()]
