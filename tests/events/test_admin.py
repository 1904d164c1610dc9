"""The admin shows events and signups but leaves seats to the services."""

import pytest

from events import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, admin_member):
    admin_member.is_superuser = True
    admin_member.save()
    client.force_login(admin_member)
    return client


def test_admin_pages_for_events_open(admin_client_, event, member):
    services.signup_create(event=event, member=member)
    services.calendar_feed_token(member=member)
    for path in (
        "/admin/events/event/",
        f"/admin/events/event/{event.pk}/change/",
        "/admin/events/signup/",
        "/admin/events/calendarfeed/",
    ):
        assert admin_client_.get(path).status_code == 200, path


def test_signups_cannot_be_added_or_changed_in_the_admin(admin_client_):
    assert admin_client_.get("/admin/events/signup/add/").status_code == 403
    assert admin_client_.get("/admin/events/event/add/").status_code == 403
