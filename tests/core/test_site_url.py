"""Links that leave the page follow the address the platform is served at (issue 20).

``make run PORT=8123`` used to write ``127.0.0.1:8000`` into every e-mail,
.ics file and feed address. Now a request's own (allowed) host is the base;
outside a request the last one served; ``SITE_URL`` set explicitly wins.
"""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command

from community.models import EmailFrequency, Role
from core import site
from events import services as events
from notifications import services as notifications
from tests.events.conftest import in_days

pytestmark = pytest.mark.django_db

HOST = "127.0.0.1:8123"


@pytest.fixture
def follow_requests(settings):
    """The production rule: SITE_URL not set in the environment."""
    settings.SITE_URL_EXPLICIT = False
    settings.SITE_URL = "http://127.0.0.1:8000"
    site._remembered = None
    cache.delete(site.CACHE_KEY)
    yield
    site._remembered = None


def links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s/]+", text)


def test_an_invitation_mail_names_the_host_the_coordinator_used(
    client, coordinator, municipality, follow_requests, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/einladen/",
            {
                "email": "lena.koch@wetzlar.de",
                "display_name": "Lena Koch",
                "municipality": municipality.slug,
                "role": Role.MEMBER,
            },
            HTTP_HOST=HOST,
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert links(message.body) and set(links(message.body)) == {f"http://{HOST}"}


def test_a_password_reset_mail_names_the_host_asked_at(client, member, follow_requests):
    client.post("/passwort-vergessen/", {"email": member.email}, HTTP_HOST=HOST)
    (message,) = mail.outbox
    assert set(links(message.body)) == {f"http://{HOST}"}


def test_the_ics_file_and_the_feed_address_name_the_host(
    client, member, coordinator, follow_requests
):
    event = events.event_create(
        created_by=coordinator,
        title="Treffen",
        starts_at=in_days(3),
        ends_at=in_days(3, hour=12),
        hosting_municipality=coordinator.municipality,
    )
    client.force_login(member)
    ics = client.get(f"/termine/{event.pk}/termin.ics", HTTP_HOST=HOST).content.decode()
    assert f"URL:http://{HOST}/termine/{event.pk}/" in ics.replace("\r\n ", "")
    assert "127.0.0.1:8000" not in ics.replace("\r\n ", "")
    page = client.get("/termine/kalender-abo/", HTTP_HOST=HOST).content.decode()
    assert f"http://{HOST}/termine/feed/" in page
    assert f"webcal://{HOST}/termine/feed/" in page
    assert "127.0.0.1:8000" not in page


def test_a_digest_sent_by_cron_names_the_address_last_served(
    client, member, make_member, follow_requests
):
    client.force_login(member)
    assert client.get("/", HTTP_HOST=HOST).status_code == 200
    community_member = make_member(display_name="Dora Digest")
    notifications.email_notifications_set(member=community_member, frequency=EmailFrequency.DAILY)
    notifications.notification_create(
        recipient=community_member,
        actor=member,
        kind="forum.reply",
        text="Antwort",
        url="/forum/beitrag/1/",
        thread_key="t",
        thread_title="Thema",
    )
    mail.outbox.clear()
    call_command("send_notification_digest", "daily")
    (digest,) = mail.outbox
    assert set(links(digest.body)) == {f"http://{HOST}"}


def test_a_forged_host_is_refused_and_never_becomes_a_link(client, member, follow_requests):
    response = client.get("/anmelden/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert site.site_url() == "http://127.0.0.1:8000"


def test_without_any_request_the_configured_address_is_used(follow_requests):
    assert site.site_url() == "http://127.0.0.1:8000"


def test_an_explicit_site_url_wins_over_the_request(client, member, settings):
    settings.SITE_URL_EXPLICIT = True
    settings.SITE_URL = "https://lotsennetz.example.de"
    client.post("/passwort-vergessen/", {"email": member.email}, HTTP_HOST=HOST)
    (message,) = mail.outbox
    assert set(links(message.body)) == {"https://lotsennetz.example.de"}
