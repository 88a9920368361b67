"""The search script readers' browsers run (publisher/static/publisher/search-index.js),
run by Node against a built site served over HTTP: what a reader's query finds."""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import subprocess
import threading
import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from publisher import search, searchindex
from publisher.build import build_site
from publisher.models import PublishJob
from publisher.publish import process_queue
from tests.support import ROOT, make_crime, make_obituary, make_story

SCRIPT = ROOT / "publisher/static/publisher/search-index.js"
NODE = shutil.which("node")
# How many words of a query the script searches for.
MAX_TERMS = int(re.search(r"MAX_TERMS = (\d+);", SCRIPT.read_text()).group(1))

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed (scripts/setup)")

# Runs each query of argv[3] (JSON: [[query, filters], ...]) and prints, per
# query, the results' data, the filter counts and how many of its words were
# searched for (and which were left out).
RUNNER = """
const [script, base, queries] = process.argv.slice(1);
const { openIndex } = await import(script);
const index = await openIndex(base);
const out = [];
for (const [query, filters] of JSON.parse(queries)) {
  const found = await index.search(query, filters);
  const { results, filters: counts } = found;
  const shown = await Promise.all(results.map((r) => r.data()));
  out.push({ results: shown, counts, searched: found.searched, left: found.left });
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
    QuietHandler.asked = []
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
    # Every path asked for, in order (what a reader's browser downloads).
    asked: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.asked.append(self.path)
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


def folded_words(text: str) -> set[str]:
    """The words of a text as a reader means them, computed here on its own:
    lower case, accents dropped (whatever form they were typed in)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    return set(re.findall(r"[^\W_]+", plain))


def test_a_word_finds_the_words_it_begins_and_its_other_number_only_whole(db, served):
    texts = {
        "barn": ("Barn fires reported", "Two fires in one week on the ridge."),
        "first": ("First day of school", "The first bell rang at eight."),
        "chief": ("Fire chief retires", "A fire truck led the parade."),
        "storm": ("Firestorm warning issued", "Dry grass and wind."),
        "street": ("Lincoln Street repaved", "Crews worked overnight."),
        "linda": ("Linda Hale wins the spelling bee", "She spelled quixotic."),
        "power": ("Power lines down after storm", "A line crew came from Harlan."),
        "wire": ("Crews string a new line", "Wire was strung by noon."),
        "fair": ("Charles Street fair returns", "Booths and music."),
        "charlotte": ("Charlotte visits the library", "A talk on quilts."),
        "city": ("City council meets", "The agenda was short."),
        "cities": ("Two cities compared", "Rents rose in both."),
        "boxes": ("Boxes of books donated", "The library sorted them."),
        "box": ("Box office record", "The cinema sold out."),
    }
    stories = {
        key: make_story(
            headline=headline,
            dek="",
            body=body,
            publish_at=timezone.now() - timedelta(days=n + 1),
        )
        for n, (key, (headline, body)) in enumerate(texts.items())
    }
    start_live_site()
    # Each query as typed (found as the start of a word) and its other number
    # (found only as a whole word).
    other = {"fires": "fire", "lines": "line", "charles": "charle", "city": "cities",
             "cities": "city", "boxes": "box", "box": None, "fire": "fires"}  # fmt: skip

    found = find(served, *other)

    for (query, number), result in zip(other.items(), found, strict=True):
        expected = {
            stories[key].get_absolute_url()
            for key, (headline, body) in texts.items()
            if any(
                word.startswith(query) or word == number
                for word in folded_words(f"{headline} {body}")
            )
        }
        assert set(urls(result)) == expected, query
    by_query = dict(zip(other, found, strict=True))
    # What the old cut-and-prefix found, never again.
    assert stories["first"].get_absolute_url() not in urls(by_query["fires"])
    assert stories["street"].get_absolute_url() not in urls(by_query["lines"])
    assert stories["linda"].get_absolute_url() not in urls(by_query["lines"])
    assert stories["charlotte"].get_absolute_url() not in urls(by_query["charles"])
    assert stories["chief"].get_absolute_url() in urls(by_query["fires"])  # "fire", whole


def test_an_accent_typed_as_a_mark_of_its_own_finds_what_the_accented_letter_does(db, served):
    composed = make_obituary(full_name="Anna G\u00fastafson", body="She kept bees.")
    decomposed = make_story(
        headline="Bees at the fair",
        body="Gu\u0301stafson hives won a ribbon.",  # as pasted from some keyboards
        publish_at=timezone.now() - timedelta(days=1),
    )
    start_live_site()

    found = find(served, "Gu\u0301stafson", "G\u00fastafson", "gustafson", "GU\u0301STAFSON bees")

    both = sorted([composed.get_absolute_url(), decomposed.get_absolute_url()])
    for result in found:
        assert sorted(urls(result)) == both
    (story,) = [r for r in found[0]["results"] if r["url"] == decomposed.get_absolute_url()]
    assert "<mark>Gu\u0301stafson</mark>" in story["excerpt"]


PASTED = """quarterly reports show municipal water usage climbed during august while
volunteers repaired fencing near riverside park several neighbors questioned whether
zoning variances granted last spring ignored drainage studies commissioned years
earlier engineers estimated replacement pumps would cost roughly eighty thousand
dollars although grant funding might offset half pending approval from regional
planners meanwhile library trustees postponed renovations citing supply delays
unexpected asbestos findings plus staffing shortages residents may comment online
before october meetings resume downtown inside historic armory building beside
fountain square parking remains limited weekday evenings so carpools encouraged
organizers noted childcare available upon request kindly rsvp"""


def test_a_pasted_long_query_stops_at_its_first_word_nothing_has(db, served, monkeypatch, settings):
    # Small buckets, so that each word of a query is in a bucket of its own,
    # as in a large archive; items in three shards (quarters).
    monkeypatch.setattr(searchindex, "BUCKET_BYTES", 10)
    monkeypatch.setattr(searchindex, "PAGE_BYTES", 10)
    monkeypatch.setattr(search.build, "LOOSE", 2)
    for months in (0, 4, 8, 12):
        make_story(
            headline="Council weighs the levy",
            body="Members argued about roads, culverts, budgets and snowplows.",
            publish_at=timezone.now() - timedelta(days=30 * months + 1),
        )
    start_live_site()
    live = Path(settings.PUBLISHER_BUILD_DIR) / "site"
    shards = search.read_shards(live)
    assert len(shards) == 2 and all(s["buckets"] > 8 for s in shards)
    assert len(search.read_archive(live)["shards"]) == 2
    # A paragraph pasted whole: a hundred words, "zanzibarite" in no item.
    pasted = f"council zanzibarite {PASTED}"
    assert len(pasted.split()) == 100

    QuietHandler.asked = []
    (found,) = find(served, pasted)

    assert found["results"] == []
    index_files = [path for path in QuietHandler.asked if path.endswith(".idx")]
    # Per shard, and in the archive: the bucket (the page) of "council",
    # then of "zanzibarite" (which no item has); never a later word's, never
    # the dates and filters of docs.idx. And the archive's list of pages.
    assert len(index_files) <= 2 * len(shards) + 3, index_files
    assert not [path for path in index_files if path.endswith("/docs.idx")]
    assert found["searched"] == MAX_TERMS
    # (less the common words a search ignores: "from")
    assert found["left"] == [w for w in pasted.split() if w != "from"][MAX_TERMS:]


def test_only_the_first_words_of_a_long_query_are_searched_for(db, served):
    words = [
        "alder",
        "birch",
        "cedar",
        "dogwood",
        "elm",
        "fir",
        "ginkgo",
        "hawthorn",
        "ivy",
        "juniper",
    ]
    assert len(words) == MAX_TERMS
    story = make_story(
        headline="Trees of the town green",
        body=f"The survey counted {', '.join(words)}.",
        publish_at=timezone.now() - timedelta(days=1),
    )
    start_live_site()

    # A word after the first MAX_TERMS is not searched for: no item has
    # "zanzibarite", yet the story is found, and the reader is told.
    (found,) = find(served, " ".join([*words, "zanzibarite"]))

    assert urls(found) == [story.get_absolute_url()]
    assert found["searched"] == MAX_TERMS
    assert found["left"] == ["zanzibarite"]


def test_the_old_shards_are_searched_as_one_archive_whatever_their_number(
    db, served, monkeypatch, settings
):
    monkeypatch.setattr(search.build, "LOOSE", 2)
    stories = [
        make_story(
            headline=f"Council meets, part {quarter}",
            body=f"The council passed the levy. Quarter {quarter}.",
            publish_at=timezone.now() - timedelta(days=92 * quarter + 1),
        )
        for quarter in range(8)
    ]
    start_live_site()
    live = Path(settings.PUBLISHER_BUILD_DIR) / "site"
    assert len(search.read_archive(live)["shards"]) == 6

    QuietHandler.asked = []
    (found,) = find(served, "council")

    # Every part, newest first (the same score), with its excerpt and the
    # filters' counts across the archive and the newer shards.
    assert urls(found) == [story.get_absolute_url() for story in stories]
    assert "<mark>council</mark>" in found["results"][7]["excerpt"]
    assert found["results"][7]["meta"]["title"] == "Council meets, part 7"
    years = {str(timezone.localtime(s.publish_at).year) for s in stories}
    assert set(found["counts"]["year"]) == years
    assert sum(found["counts"]["year"].values()) == 8
    assert found["counts"]["kind"] == {"Story": 8}
    # The archive's six shards: its list of pages and one page of words.
    archive = [path for path in QuietHandler.asked if "/archive/" in path]
    assert len([path for path in archive if re.search(r"/(words|p\d+)\.idx$", path)]) == 2

    # Narrowed by a filter the archive keeps.
    oldest_year = str(timezone.localtime(stories[7].publish_at).year)
    (narrowed,) = find(served, ("council", {"year": oldest_year}))
    assert stories[7].get_absolute_url() in urls(narrowed)
    assert all(
        str(timezone.localtime(s.publish_at).year) == oldest_year
        for s in stories
        if s.get_absolute_url() in urls(narrowed)
    )

    # An old story edited and another deleted: found as they are now at
    # once, before any build merges the archive again.
    stories[6].headline = "Quarry reopens"
    stories[6].save()
    url = stories[5].get_absolute_url()
    stories[5].delete()
    process_queue()
    council, quarry = find(served, "council", "quarry")
    assert url not in urls(council)
    assert len(urls(council)) == 7
    assert urls(quarry) == [stories[6].get_absolute_url()]
    assert quarry["results"][0]["meta"]["title"] == "Quarry reopens"
