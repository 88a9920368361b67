"""The optional spam service (Akismet through the ``akismet`` library): off
by default; when on, it can only hold a comment back, and a service that
does not answer loses nothing.

The service is a stand-in Akismet on a loopback port that speaks Akismet's
HTTP API (``/1.1/comment-check``); the library is the real one, pointed at
it by the HTTP client it is given."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import httpx
import pytest
from django.utils import timezone

from content.models import Comment
from desk import spam
from tests.desk.test_comments import SITE, form, post
from tests.support import free_port, make_comment, make_story

pytestmark = pytest.mark.django_db
KEY = "0123456789ab"


class StandIn(BaseHTTPRequestHandler):
    """Akismet's answers: "true" for a text with "casino" (plus the
    ``discard`` hint with "blatant"), "false" otherwise, "invalid" for a
    wrong key."""

    calls: list[dict[str, str]] = []

    def do_POST(self) -> None:  # noqa: N802 (the handler's API)
        length = int(self.headers.get("Content-Length", 0))
        fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        fields["path"] = self.path
        type(self).calls.append(fields)
        headers = {}
        if fields.get("api_key") != KEY:
            body = "invalid"
        elif "casino" in fields.get("comment_content", ""):
            body = "true"
            if "blatant" in fields["comment_content"]:
                headers["X-akismet-pro-tip"] = "discard"
        else:
            body = "false"
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args) -> None:
        pass


class ToLoopback(httpx.HTTPTransport):
    """Sends what the library addresses to rest.akismet.com to a local port."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return super().handle_request(request)


@pytest.fixture
def service(settings, monkeypatch):
    """The stand-in, running; the key set; the library's client pointed at it."""
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), StandIn)
    StandIn.calls = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    monkeypatch.setattr(
        spam, "http_client", lambda: httpx.Client(transport=ToLoopback(port), timeout=2)
    )
    settings.PUBLISHER_AKISMET_KEY = KEY
    yield StandIn.calls
    server.shutdown()
    server.server_close()


@pytest.fixture
def story():
    return make_story(headline="Fair opens", publish_at=timezone.now() - timedelta(hours=2))


def trust(email: str = "zoe@example.org") -> None:
    """Three approved comments: the commenter's next ones go up at once."""
    for _ in range(3):
        make_comment(make_story(), email=email, posted_at=timezone.now() - timedelta(hours=1))


def test_off_by_default_no_request_is_made(client, settings, story, monkeypatch):
    assert settings.PUBLISHER_AKISMET_KEY == ""
    monkeypatch.setattr(spam, "http_client", lambda: pytest.fail("the service was called"))
    trust()
    assert post(client, form(story, body="Lovely fair.")).status_code == 302
    assert Comment.objects.latest("id").status == "approved"


def test_ham_from_a_trusted_commenter_goes_up_and_the_service_is_told_the_reader(
    client, service, story
):
    trust()
    response = post(
        client,
        form(story, body="Lovely fair."),
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone)",
        HTTP_REFERER=SITE + story.get_absolute_url(),
    )
    assert response.status_code == 302
    assert Comment.objects.latest("id").status == "approved"
    (call,) = service
    assert call["path"] == "/1.1/comment-check"
    assert call["user_ip"] == "203.0.113.9" and call["user_agent"] == "Mozilla/5.0 (iPhone)"
    assert call["permalink"] == SITE + story.get_absolute_url()
    assert call["comment_author"] == "Zoë Ångström" and call["comment_type"] == "comment"


def test_spam_waits_for_an_editor_who_sees_why(client, service, story, admin_client):
    trust()
    assert post(client, form(story, body="Win at the casino tonight.")).status_code == 302
    comment = Comment.objects.latest("id")
    assert comment.status == "pending" and "service" in comment.held_for
    queue = admin_client.get("/admin/desk/commentqueue/").content.decode()
    assert "The spam service (Akismet) says spam" in queue


def test_blatant_spam_is_kept_as_spam_and_the_reader_sees_the_usual_confirmation(
    client, service, story
):
    response = post(client, form(story, body="blatant casino casino"), follow=True)
    assert response.status_code == 200
    assert 'data-status="waiting"' in response.content.decode()
    comment = Comment.objects.get()
    assert comment.status == "spam" and "service" in comment.held_for
    assert not Comment.objects.filter(status="pending").exists()


def test_a_service_that_does_not_answer_holds_the_comment_and_loses_nothing(
    client, settings, story, monkeypatch
):
    settings.PUBLISHER_AKISMET_KEY = KEY
    closed = free_port()  # nothing listens there
    monkeypatch.setattr(
        spam, "http_client", lambda: httpx.Client(transport=ToLoopback(closed), timeout=1)
    )
    trust()
    assert post(client, form(story, body="Lovely fair.")).status_code == 302
    comment = Comment.objects.latest("id")
    assert comment.status == "pending" and comment.held_for == "unchecked"
    assert comment.body == "Lovely fair."


def test_a_refused_key_holds_the_comment(client, settings, service, story):
    settings.PUBLISHER_AKISMET_KEY = "wrong-key"
    trust()
    assert post(client, form(story, body="Lovely fair.")).status_code == 302
    assert Comment.objects.latest("id").held_for == "unchecked"
