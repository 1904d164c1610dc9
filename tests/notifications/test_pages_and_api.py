"""The bell in the header, the notifications page and /api/notifications/."""

import pytest

from notifications.models import Notification
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


# --- another member's notifications stay theirs ----------------------------------------
def test_another_members_notification_cannot_be_opened(client, member, other, notify):
    theirs = notify(other, actor=member, url="/geheim/")
    client.force_login(member)
    response = client.post(f"/benachrichtigungen/{theirs.pk}/oeffnen/")
    assert response.status_code == 302
    assert response["Location"] == "/benachrichtigungen/"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_api_lists_and_marks_only_the_callers_notifications(member_api, member, other, notify):
    theirs = notify(other, actor=member, text="Für Olaf")
    data = member_api.get("/api/notifications/").json()
    assert data == {"unread_count": 0, "results": []}
    response = member_api.post("/api/notifications/read/", {"ids": [theirs.pk]}, format="json")
    assert response.json() == {"marked": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_signed_out_visitors_see_no_notifications(client, api_client, member, notify):
    notify(member)
    assert client.get("/benachrichtigungen/").status_code == 302
    assert api_client.get("/api/notifications/").status_code in {401, 403}


# --- the bell and the page -----------------------------------------------------------------
def test_the_bell_counts_unread_notifications(client, member, notify):
    notification = notify(member)
    client.force_login(member)
    page = client.get("/").content.decode()
    assert 'id="notification-count">1<' in page
    response = client.post(f"/benachrichtigungen/{notification.pk}/oeffnen/")
    assert response["Location"] == notification.url
    assert (
        'id="notification-count" hidden>0<' in client.get("/benachrichtigungen/").content.decode()
    )


def test_opening_a_notification_never_leads_off_the_site(member_client, member, notify):
    note = notify(member, url="https://example.org/")
    response = member_client.post(f"/benachrichtigungen/{note.pk}/oeffnen/")
    assert response["Location"] == "/"


def test_all_can_be_marked_read_at_once(member_client, member, notify):
    notify(member, thread="a")
    notify(member, thread="b")
    response = member_client.post("/benachrichtigungen/gelesen/")
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()


def test_email_preference_is_validated(member_client, member):
    member_client.post("/benachrichtigungen/einstellungen/", {"email_notifications": "hourly"})
    member.refresh_from_db()
    assert member.email_notifications == "immediately"
    member_client.post("/benachrichtigungen/einstellungen/", {"email_notifications": "weekly"})
    member.refresh_from_db()
    assert member.email_notifications == "weekly"


def test_the_page_queries_do_not_grow(member_client, member, notify, django_assert_num_queries):
    notify(member)

    def grow():
        for n in range(20):
            notify(member, text=f"Neu {n}", thread=f"Thema {n}")

    assert_constant_queries(
        member_client, "/benachrichtigungen/", grow, django_assert_num_queries, status=200
    )


# --- the API ---------------------------------------------------------------------------------
def test_notifications_api_lists_and_marks_read(member_api, member, notify):
    notify(member)
    data = member_api.get("/api/notifications/").json()
    assert data["unread_count"] == 1 and data["results"][0]["kind"] == "forum.reply"
    assert set(data["results"][0]) == {
        "id",
        "kind",
        "text",
        "url",
        "thread_key",
        "created_at",
        "is_read",
    }
    assert (
        member_api.post("/api/notifications/read/", {"ids": "x"}, format="json").status_code == 400
    )
    assert member_api.post("/api/notifications/read/", {}, format="json").json() == {"marked": 1}


def test_the_api_queries_do_not_grow(member_api, member, notify, django_assert_num_queries):
    notify(member)

    def grow():
        for n in range(20):
            notify(member, text=f"Neu {n}", thread=f"Thema {n}")

    assert_constant_queries(
        member_api, "/api/notifications/", grow, django_assert_num_queries, status=200
    )
