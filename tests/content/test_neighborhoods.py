"""Crime by neighborhood: the loaders refuse bad files, block addresses are
placed on their block (or listed as not on the map), both databases put
every demo report in the same neighborhood, and publishing a moved report
rewrites both neighborhoods as a full build would."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from content import geo
from content.demo.seed import seed_demo
from content.demo.town import STREETS_FILE
from content.locate import CONTAINS_SQL, neighborhood_at, point_wkt, python_locator
from content.models import CrimeReport, Location, Neighborhood, Status
from publisher.publish import process_queue
from tests.support import (
    admin_url,
    assert_same_as_full_build,
    crime_form,
    file_for,
    live_root,
    make_crime,
    make_town,
    start_live_site,
)

SEGMENTS = geo.read_streets(STREETS_FILE)


def feature(name, ring, slug=None):
    return {
        "type": "Feature",
        "properties": {"name": name, "slug": slug or name.lower().replace(" ", "-")},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def write(tmp_path, *features):
    path = tmp_path / "hoods.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return path


SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]


def test_a_block_address_lands_in_the_middle_of_its_block_never_on_a_house():
    found = geo.geocode("1400 block of Main St", SEGMENTS)
    # Main St is row 4 of the grid; its 1400 block runs from 13th to 14th St.
    assert found.status == geo.FOUND
    assert found.point == (round(-93.62 + 13.5 * 0.0025, 6), round(41.58 + 4 * 0.0018, 6))
    assert geo.geocode("1400 block of main street.", SEGMENTS).point == found.point


def test_a_corner_is_where_the_two_streets_meet():
    found = geo.geocode("Main St and 5th St", SEGMENTS)
    assert found.point == (round(-93.62 + 4 * 0.0025, 6), round(41.58 + 4 * 0.0018, 6))
    assert geo.geocode("Main St & 5th Street", SEGMENTS).point == found.point


@pytest.mark.parametrize(
    ("address", "status", "says"),
    [
        ("100 block of Park Ave", geo.AMBIGUOUS, "2 places"),
        ("3900 block of Main St", geo.NOT_FOUND, "no 3900 block"),
        ("100 block of Hickory Ln", geo.NOT_FOUND, "no street named 'Hickory Ln'"),
        ("Main St and Elm St", geo.NOT_FOUND, "never meet"),
    ],
)
def test_an_address_that_does_not_geocode_says_why(address, status, says):
    found = geo.geocode(address, SEGMENTS)
    assert (found.status, found.point) == (status, None)
    assert says in found.note


def test_a_point_set_by_hand_moves_to_the_middle_of_the_nearest_block():
    # A few metres from a house on the 1400 block of Main St.
    middle = geo.geocode("1400 block of Main St", SEGMENTS).point
    assert geo.snap_to_block(middle[0] + 0.0004, middle[1] + 0.0001, SEGMENTS) == middle


@pytest.mark.parametrize(
    ("features", "says"),
    [
        # A bow tie: the ring crosses itself.
        ([feature("Bow Tie", [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]])], "Bow Tie"),
        ([feature("Open Ring", [[0, 0], [1, 0], [1, 1], [0, 1]])], "not closed"),
        (
            [
                feature("Left", SQUARE),
                feature("Right", [[0.5, 0], [2, 0], [2, 1], [0.5, 1], [0.5, 0]]),
            ],
            "Left and Right overlap",
        ),
        ([feature("Far", [[0, 0], [200, 0], [200, 1], [0, 1], [0, 0]])], "not a WGS84"),
    ],
)
def test_the_loader_refuses_a_broken_boundary_file_naming_the_feature(db, tmp_path, features, says):
    path = write(tmp_path, *features)
    with pytest.raises(CommandError, match=says):
        call_command("load_neighborhoods", str(path), stdout=StringIO())
    assert not Neighborhood.objects.exists()


def test_the_bow_tie_is_refused_as_crossing_itself(tmp_path):
    path = write(tmp_path, feature("Bow Tie", [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]))
    with pytest.raises(geo.BoundaryError, match="crosses itself"):
        geo.read_boundaries(path)


def test_neighbors_may_share_a_border_and_a_dry_run_changes_nothing(db, tmp_path):
    path = write(
        tmp_path,
        feature("Left", SQUARE),
        feature("Right", [[1, 0], [2, 0], [2, 1], [1, 1], [1, 0]]),
    )
    out = StringIO()
    call_command("load_neighborhoods", str(path), "--dry-run", stdout=out)
    assert "2 neighborhoods added" in out.getvalue() and "dry run" in out.getvalue()
    assert not Neighborhood.objects.exists()
    call_command("load_neighborhoods", str(path), stdout=StringIO())
    assert sorted(Neighborhood.objects.values_list("slug", flat=True)) == ["left", "right"]


def test_a_point_on_a_shared_border_goes_to_the_first_slug_and_outside_is_none(db):
    make_town()
    ids = dict(Neighborhood.objects.values_list("slug", "id"))
    # Maple Ave (row 7) is the border of Downtown (south) and North End (north).
    on_border = geo.geocode("900 block of Maple Ave", SEGMENTS).point
    assert neighborhood_at(*on_border) == ids["downtown"]
    # Where four meet (8th St and Main St... the corner of Downtown, Depot
    # District, Fairgrounds and Prairie Heights): the first slug of the four.
    corner = geo.geocode("Main St and 9th St", SEGMENTS).point
    assert neighborhood_at(*corner) == ids["depot-district"]
    # Mill Rd runs on east, out of town.
    assert neighborhood_at(*geo.geocode("2300 block of Mill Rd", SEGMENTS).point) is None


def test_both_ways_put_every_demo_report_in_the_same_neighborhood(db):
    seed_demo(stories=0, obituaries=0, crimes=600, births=0, weddings=0, seed=5)
    twin = python_locator()
    placed = CrimeReport.objects.exclude(longitude__isnull=True)
    compared = 0
    for crime in placed:
        from_db = neighborhood_at(crime.longitude, crime.latitude)
        assert from_db == twin(crime.longitude, crime.latitude) == crime.located_in_id, crime
        compared += 1
    total = CrimeReport.objects.count()
    assert 0.8 * total < compared < total  # a share does not geocode, as in life
    unmapped = CrimeReport.objects.filter(longitude__isnull=True)
    assert set(unmapped.values_list("location", flat=True)) == {"not-found", "ambiguous"}


@pytest.mark.skipif(connection.vendor != "mysql", reason="MariaDB's SPATIAL INDEX")
def test_the_point_in_polygon_query_uses_the_spatial_index(db):
    make_town()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE content_neighborhood")
        cursor.fetchall()
        cursor.execute("EXPLAIN " + CONTAINS_SQL, [point_wkt(-93.6, 41.59), geo.TOLERANCE])
        columns = [c[0] for c in cursor.description]
        plan = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    assert plan[0]["key"] == "content_neighborhood_boundary_spatial", plan


def test_a_report_that_does_not_geocode_is_saved_and_listed_not_on_the_map(admin_client, db):
    make_town()
    crime = make_crime(address_block="100 block of Park Ave")
    crime.refresh_from_db()
    assert (crime.location, crime.longitude, crime.located_in) == ("ambiguous", None, None)
    assert "2 places" in crime.location_note
    placed = make_crime(title="Placed on its block", address_block="400 block of Elm St")
    page = admin_client.get("/admin/content/crimereport/?map=unmapped").content.decode()
    assert crime.title in page and placed.title not in page
    assert "Not on the map" in page


def test_moving_a_report_rewrites_both_neighborhoods_as_a_full_build_would(
    newsroom, settings, tmp_path
):
    start_live_site()
    root = live_root(settings)
    crime = newsroom["crimes"][0]
    assert crime.located_in.slug == "westgate"  # the 400 block of Elm St
    before = file_for(root, "/crime/neighborhoods/downtown/").read_text()
    assert crime.title not in before

    crime.address_block = "1000 block of Elm St"  # a corrected address: Downtown
    crime.save()
    process_queue()

    crime.refresh_from_db()
    assert crime.located_in.slug == "downtown"
    assert crime.title in file_for(root, "/crime/neighborhoods/downtown/").read_text()
    assert crime.title not in file_for(root, "/crime/neighborhoods/westgate/").read_text()
    page = file_for(root, crime.get_absolute_url()).read_text()
    assert 'href="/crime/neighborhoods/downtown/">Downtown</a>' in page
    assert "<svg" in page
    assert_same_as_full_build(settings, tmp_path)


def test_unpublishing_a_report_takes_it_off_its_neighborhood_and_the_counts(
    newsroom, settings, tmp_path
):
    start_live_site()
    root = live_root(settings)
    crime = newsroom["crimes"][1]
    assert crime.title in file_for(root, "/crime/neighborhoods/westgate/").read_text()
    crime.status = Status.DRAFT
    crime.save()
    process_queue()
    assert crime.title not in file_for(root, "/crime/neighborhoods/westgate/").read_text()
    assert crime.title not in file_for(root, "/feeds/crime/westgate.xml").read_text()
    assert crime.title not in file_for(root, "/crime/neighborhoods/westgate.csv").read_text()
    assert_same_as_full_build(settings, tmp_path)


def test_the_index_map_is_accessible_and_links_every_neighborhood(newsroom, settings):
    start_live_site()
    html = file_for(live_root(settings), "/crime/neighborhoods/").read_text()
    assert 'role="img" aria-labelledby="map-title"' in html
    assert '<title id="map-title">' in html
    for slug in dict(Neighborhood.objects.values_list("slug", "name")):
        assert html.count(f'href="/crime/neighborhoods/{slug}/"') == 2  # map and table
    assert '<th scope="row">Not on the map</th>' in html
    assert '<th scope="row">Outside the city</th>' in html


def test_a_point_set_by_hand_on_the_form_is_kept_on_its_block_until_cleared(admin_client):
    make_town()
    middle = geo.geocode("1400 block of Main St", SEGMENTS).point
    # The street file does not know the address; the editor puts the point
    # by hand, a few metres from a house on the 1400 block of Main St.
    form = crime_form(
        address_block="100 block of Hickory Ln",
        latitude=str(middle[1] + 0.0001),
        longitude=str(middle[0] + 0.0004),
    )
    response = admin_client.post(admin_url("crimereport", "add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    crime = CrimeReport.objects.get()
    assert (crime.location, crime.longitude, crime.latitude) == (Location.HAND, *middle)
    assert crime.located_in.slug == "riverside"

    # Cleared: the address is geocoded again (and is not on the map).
    change = {**form, "latitude": "", "longitude": ""}
    response = admin_client.post(admin_url("crimereport", "change", crime.pk), change)
    assert response.status_code == 302
    crime.refresh_from_db()
    assert (crime.location, crime.longitude, crime.located_in) == (Location.NOT_FOUND, None, None)


def test_editing_an_older_report_rewrites_its_page_and_the_first_pages_map_and_counts(
    newsroom, settings, tmp_path
):
    for i in range(12):  # newer reports push the older ones onto numbered pages
        # Times of their own: the factory's default ages with every item made before.
        make_crime(
            title=f"Newer incident {i}",
            slug=f"newer-incident-{i}",
            publish_at=timezone.now() - timedelta(hours=i + 1),
            occurred_at=timezone.now() - timedelta(hours=i + 2),
        )
    start_live_site()
    root = live_root(settings)
    crime = newsroom["crimes"][2]  # 26 days old: on the map and in the table
    first = file_for(root, "/crime/neighborhoods/westgate/").read_text()
    assert crime.title not in first.split("<h2>Reports, newest first</h2>")[1]
    assert '<th scope="col">Vandalism</th>' not in first

    crime.incident_type = CrimeReport.Incident.VANDALISM
    crime.save()
    process_queue()

    first = file_for(root, "/crime/neighborhoods/westgate/").read_text()
    assert '<th scope="col">Vandalism</th>' in first
    assert_same_as_full_build(settings, tmp_path)


def test_a_busy_neighborhood_stays_paginated_and_its_map_shows_the_newest_points(
    newsroom, settings, monkeypatch
):
    from content.pages import neighborhoods as neighborhood_pages

    monkeypatch.setattr(neighborhood_pages, "MAP_POINTS", 3)  # stands for 500
    for i in range(12):
        make_crime(
            title=f"Busy night {i}",
            slug=f"busy-night-{i}",
            address_block="Elm St and 2nd St",
            publish_at=timezone.now() - timedelta(hours=i + 1),
            occurred_at=timezone.now() - timedelta(hours=i + 2),
        )
    start_live_site()
    root = live_root(settings)
    html = file_for(root, "/crime/neighborhoods/westgate/").read_text()
    assert html.count("<circle") == 3
    assert "(the newest 3 shown)" in html
    assert 'rel="next" href="/crime/neighborhoods/westgate/page/' in html
    assert file_for(root, "/crime/neighborhoods/westgate/page/2/").exists()


def test_the_sitemap_lists_the_neighborhood_pages(newsroom, settings):
    start_live_site()
    root = live_root(settings)
    listed = "".join(path.read_text() for path in root.glob("sitemap*.xml"))
    listed += "".join(path.read_text() for path in root.glob("sitemaps/*.xml"))
    assert "/crime/neighborhoods/</loc>" in listed
    for slug in Neighborhood.objects.values_list("slug", flat=True):
        assert f"/crime/neighborhoods/{slug}/</loc>" in listed
