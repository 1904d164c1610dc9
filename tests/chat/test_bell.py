"""The chat and the bell (issue 20): direct messages notify, deletions take back,
only who can open a room hears of it, and the navigation counts unread rooms."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chat import selectors, services
from community.models import EmailFrequency
from notifications import services as notification_services
from notifications.models import Notification
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


def say(room, author, body, client_id):
    message, _created = services.message_post(
        room=room, author=author, body=body, client_id=client_id, rate_limited=False
    )
    return message


@pytest.fixture
def olaf(make_member):
    return make_member(display_name="Olaf Otto")


@pytest.fixture
def direct(member, olaf):
    return services.direct_room_open(member=olaf, others=[member])


def bell(member):
    return list(Notification.objects.filter(recipient=member).order_by("pk"))


# --- direct messages ------------------------------------------------------------------------
def test_a_direct_message_rings_the_recipients_bell_and_mails_them(
    direct, member, olaf, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = say(direct, olaf, "Hallo Anna", "1")
    (entry,) = bell(member)
    assert entry.kind == "chat.direct"
    assert entry.display_text == "Olaf Otto hat Ihnen eine Direktnachricht geschrieben"
    assert entry.url == f"/chat/{direct.slug}/#m{first.seq}"
    assert bell(olaf) == []  # not of their own doing
    assert [m.to for m in mail.outbox] == [[member.email]]
    with django_capture_on_commit_callbacks(execute=True):
        say(direct, olaf, "Noch etwas", "2")
    (entry,) = bell(member)  # collapsed, and no second mail while unread
    assert entry.item_count == 2
    assert entry.display_text.startswith("2 neue Direktnachrichten in „")
    assert len(mail.outbox) == 1


def test_a_direct_message_waits_for_the_digest_of_a_daily_member(
    direct, member, olaf, django_capture_on_commit_callbacks
):
    notification_services.email_notifications_set(member=member, frequency=EmailFrequency.DAILY)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        say(direct, olaf, "Hallo Anna", "1")
        say(direct, olaf, "Noch etwas", "2")
    assert mail.outbox == []
    assert notification_services.notification_digest_send(frequency=EmailFrequency.DAILY) == 1
    assert "2 neue Direktnachrichten" in mail.outbox[0].body


def test_opening_the_conversation_reads_its_entry(direct, member, olaf, member_client):
    say(direct, olaf, "Hallo Anna", "1")
    assert member_client.get(reverse("chat:room", args=[direct.slug])).status_code == 200
    (entry,) = bell(member)
    assert entry.is_read


def test_a_muted_or_left_conversation_rings_no_bell(direct, member, olaf):
    services.room_membership_update(room=direct, member=member, muted=True)
    say(direct, olaf, "Hallo", "1")
    assert bell(member) == []
    services.room_membership_update(room=direct, member=member, muted=False)
    services.room_leave(room=direct, member=member)
    say(direct, olaf, "Noch da?", "2")
    assert bell(member) == []


def test_deleting_a_direct_message_counts_it_no_more(direct, member, olaf):
    first = say(direct, olaf, "eins", "1")
    second = say(direct, olaf, "zwei", "2")
    services.message_delete(message=second)
    (entry,) = bell(member)
    assert entry.item_count == 1
    services.message_delete(message=first)
    assert bell(member) == []


# --- mentions ---------------------------------------------------------------------------------
def test_deleting_a_message_withdraws_its_mention(network_room, member, olaf):
    message = say(network_room, olaf, f"@{member.handle} schau mal", "1")
    (entry,) = bell(member)
    assert entry.kind == "chat.mention"
    services.message_delete(message=message)
    assert bell(member) == []


def test_a_member_of_another_municipality_never_hears_of_a_city_room(
    city_room, member, olaf, make_member, make_municipality
):
    stranger = make_member(municipality=make_municipality(name="Anderswo"), display_name="Sven")
    say(city_room, member, f"@{stranger.handle} @{olaf.handle} hallo", "1")
    assert bell(stranger) == []
    assert selectors.unread_room_count(member=stranger) == 0


def test_nobody_outside_a_private_room_hears_of_it(private_room, member, olaf):
    say(private_room, member, f"@{olaf.handle} hallo", "1")
    assert bell(olaf) == []
    assert selectors.unread_room_count(member=olaf) == 0


def test_a_member_removed_from_a_room_hears_no_more_of_it(private_room, member, olaf):
    services.room_add_members(room=private_room, members=[olaf])
    say(private_room, member, f"@{olaf.handle} willkommen", "1")
    assert len(bell(olaf)) == 1
    services.room_remove_members(room=private_room, members=[olaf])
    assert bell(olaf) == []  # what they can no longer open left their bell
    say(private_room, member, f"@{olaf.handle} noch da?", "2")
    assert bell(olaf) == []
    assert selectors.unread_room_count(member=olaf) == 0


# --- the navigation's unread count -----------------------------------------------------------
def nav_count(client) -> str | None:
    html = client.get(reverse("dashboard")).content.decode()
    shown = re.search(r'id="chat-unread-count"( hidden)?>(\d+)<', html)
    return None if shown is None or shown.group(1) else shown.group(2)


def test_the_navigation_counts_unread_rooms_until_opened(
    member_client, member, olaf, network_room, direct
):
    assert nav_count(member_client) is None
    services.room_visit(room=network_room, member=member)
    say(network_room, olaf, "Neu im Netz", "1")
    say(direct, olaf, "Neu für dich", "2")
    say(direct, olaf, "Und noch was", "3")
    assert nav_count(member_client) == "2"
    member_client.get(reverse("chat:room", args=[direct.slug]))
    assert nav_count(member_client) == "1"
    services.room_membership_update(room=network_room, member=member, muted=True)
    assert nav_count(member_client) is None


def test_the_navigation_count_costs_one_query_however_many_rooms(
    member_client, member, make_member, django_assert_num_queries
):
    def grow():
        for n in range(6):
            other = make_member(display_name=f"Person {n}")
            room = services.direct_room_open(member=other, others=[member])
            say(room, other, "Hallo", f"g{n}")

    first = make_member(display_name="Erste Person")
    say(services.direct_room_open(member=first, others=[member]), first, "Hallo", "f")
    response = assert_constant_queries(
        member_client, reverse("dashboard"), grow, django_assert_num_queries, status=200
    )
    assert 'id="chat-unread-count">7<' in response.content.decode()
    with CaptureQueriesContext(connection) as queries:
        assert selectors.unread_room_count(member=member) == 7
    assert len(queries.captured_queries) == 1
