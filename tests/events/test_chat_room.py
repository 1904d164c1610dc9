"""Each event has a chat room for its organizers and confirmed participants."""

import datetime as dt

import pytest
from django.utils import timezone

from chat.models import Room, RoomKind
from community.models import Role
from events import services
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def members_of(room):
    return set(
        room.memberships.filter(left_at__isnull=True).values_list("member__display_name", flat=True)
    )


@pytest.fixture
def event(make_member, municipality):
    organizer = make_member(
        municipality=municipality, role=Role.COORDINATOR, display_name="Olga Organisation"
    )
    starts = timezone.now() + dt.timedelta(days=7)
    return services.event_create(
        created_by=organizer,
        title="Netzwerktreffen Mittelhessen",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        capacity=1,
        hosting_municipality=municipality,
    )


def test_the_room_follows_confirmed_signups_and_the_waiting_list(
    event, make_member, member_client, member
):
    room = Room.objects.get(kind=RoomKind.EVENT, object_id=event.pk)
    assert members_of(room) == {"Olga Organisation"}
    services.signup_create(event=event, member=member)
    waiting = make_member(display_name="Wanda Warteliste")
    services.signup_create(event=event, member=waiting)
    assert members_of(room) == {"Olga Organisation", "Anna Schmidt"}  # not the waiting list
    page = member_client.get(f"/termine/{event.pk}/").content.decode()
    assert f"/chat/{room.slug}/" in page
    services.signup_cancel(event=event, member=member)
    assert members_of(room) == {"Olga Organisation", "Wanda Warteliste"}  # moved up, moved in
    assert f"/chat/{room.slug}/" not in member_client.get(f"/termine/{event.pk}/").content.decode()


def test_moving_up_and_a_cancelled_event_ring_the_bell(event, make_member, member):
    services.signup_create(event=event, member=member)
    waiting = make_member(display_name="Wanda Warteliste")
    services.signup_create(event=event, member=waiting)
    services.signup_cancel(event=event, member=member)
    assert list(Notification.objects.filter(recipient=waiting).values_list("kind", flat=True)) == [
        "events.promoted"
    ]
    organizer = event.organizers.get()
    services.event_cancel(event=event, by=organizer)
    assert Notification.objects.filter(kind="events.cancelled", recipient=waiting).count() == 1
    assert not Notification.objects.filter(kind="events.cancelled", recipient=organizer).exists()


def test_an_event_links_its_forum_thread(event, member_client, member):
    from forum import services as forum_services
    from forum.models import Category

    organizer = event.organizers.get()
    thread = forum_services.thread_create(
        author=organizer,
        category=Category.objects.exclude(moderators_only_threads=True).first(),
        title="Wer kommt zum Netzwerktreffen?",
        body="Bitte hier Fragen sammeln.",
    )
    services.event_update(event=event, forum_thread=thread)
    page = member_client.get(f"/termine/{event.pk}/").content.decode()
    assert thread.get_absolute_url() in page
    assert "Wer kommt zum Netzwerktreffen?" in page


def test_a_forum_thread_number_that_does_not_exist_is_refused(event):
    from events.forms import EventForm

    form = EventForm({"forum_thread": "999999"})
    form.is_valid()
    assert "forum_thread" in form.errors
