"""iCalendar files read as a calendar program reads them.

Every file is parsed by a second, independent parser (vobject) and checked for
the properties calendar programs rely on: CRLF, 75-octet folding, VTIMEZONE
for every TZID, stable UIDs, growing SEQUENCE, STATUS:CANCELLED.
"""

import datetime as dt
import re
import zoneinfo

import icalendar
import pytest
import vobject

from events import services
from tests.events.conftest import in_days

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def assert_wellformed(body: bytes) -> None:
    """RFC 5545 §3.1: CRLF after every line, no line longer than 75 octets."""
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines), max(len(line) for line in lines)
    tzids = set(re.findall(rb";TZID=([^:;]+)[:;]", body))
    defined = set(re.findall(rb"\r\nTZID:([^\r]+)\r\n", body))
    assert tzids <= defined, f"TZIDs without VTIMEZONE: {tzids - defined}"


def parse(body: bytes):
    assert_wellformed(body)
    return vobject.readOne(body.decode("utf-8"))


def feed_url(client, member):
    token = services.calendar_feed_token(member=member)
    return f"/termine/feed/{token}.ics"


def test_event_ics_is_served_as_text_calendar_and_parses(member_api, event):
    response = member_api.get(f"/api/events/{event.pk}/ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = parse(response.content)
    vevent = calendar.vevent
    assert vevent.uid.value == event.uid
    assert vevent.summary.value == event.title
    assert int(vevent.sequence.value) == 0
    assert vevent.dtstart.value == event.starts_at
    assert vevent.dtstart.value.tzinfo is not None
    assert vevent.status.value == "CONFIRMED"
    assert calendar.vtimezone.tzid.value == "Europe/Berlin"
    assert vevent.dtstamp.value.utcoffset() == dt.timedelta(0)


def test_online_link_is_only_in_the_file_of_confirmed_participants(
    member_api, member, event, make_member
):
    assert b"meet.example" not in member_api.get(f"/api/events/{event.pk}/ics").content
    services.signup_create(event=event, member=member)
    assert b"meet.example" in member_api.get(f"/api/events/{event.pk}/ics").content.replace(
        b"\r\n ", b""
    )


def test_long_texts_are_folded_at_75_octets_and_unfold_to_the_original(member_api, make_event):
    title = "Digitalisierung im Bürgerbüro – Erfahrungen aus Wetzlar, Gießen und Marburg " * 3
    description = "Ümlaute und Emoji 🗓️ überall. " * 40
    expected = title[:200].strip()
    event = make_event(title=expected, description=description)
    body = member_api.get(f"/api/events/{event.pk}/ics").content
    assert b"\r\n " in body  # folded
    vevent = parse(body).vevent
    assert vevent.summary.value == expected
    assert vevent.description.value.startswith(description.strip())


def test_an_event_across_the_autumn_change_keeps_its_local_times_and_zone(member_api, make_event):
    starts = dt.datetime(2026, 10, 24, 22, tzinfo=BERLIN)
    ends = dt.datetime(2026, 10, 25, 6, tzinfo=BERLIN)
    event = make_event(starts_at=starts, ends_at=ends)
    body = member_api.get(f"/api/events/{event.pk}/ics").content
    assert b"DTSTART;TZID=Europe/Berlin:20261024T220000" in body
    assert b"DTEND;TZID=Europe/Berlin:20261025T060000" in body
    vevent = parse(body).vevent
    assert vevent.dtend.value - vevent.dtstart.value == dt.timedelta(hours=8)  # wall clock
    real = vevent.dtend.value.astimezone(dt.UTC) - vevent.dtstart.value.astimezone(dt.UTC)
    assert real == dt.timedelta(hours=9)  # the night has an extra hour
    # The VTIMEZONE describes the change itself, so clients without tz data agree.
    calendar = icalendar.Calendar.from_ical(body)
    vtimezone = calendar.walk("VTIMEZONE")[0]
    offsets = {c["TZOFFSETTO"].td for c in vtimezone.subcomponents}
    assert {dt.timedelta(hours=1), dt.timedelta(hours=2)} <= offsets


def test_an_event_in_another_zone_brings_its_own_vtimezone(member_api, make_event):
    starts = dt.datetime(2027, 5, 3, 9, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    event = make_event(
        starts_at=starts, ends_at=starts + dt.timedelta(hours=1), timezone="America/New_York"
    )
    body = member_api.get(f"/api/events/{event.pk}/ics").content
    assert b"DTSTART;TZID=America/New_York:20270503T090000" in body
    assert parse(body).vtimezone.tzid.value == "America/New_York"


def test_the_personal_feed_needs_no_session_and_lists_own_events(
    client, member, make_event, organizer
):
    mine = make_event(title="Mein Termin")
    make_event(title="Fremder Termin")
    services.signup_create(event=mine, member=member)
    response = client.get(feed_url(client, member))  # no login
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = parse(response.content)
    assert [e.summary.value for e in calendar.vevent_list] == ["Mein Termin"]


def test_feed_uids_stay_stable_and_sequence_grows_with_changes(client, member, event):
    services.signup_create(event=event, member=member)
    url = feed_url(client, member)
    first = parse(client.get(url).content).vevent
    services.event_update(event=event, starts_at=event.starts_at + dt.timedelta(hours=1))
    second = parse(client.get(url).content).vevent
    services.event_update(event=event, location="Neues Rathaus")
    third = parse(client.get(url).content).vevent
    assert first.uid.value == second.uid.value == third.uid.value == event.uid
    assert [int(v.sequence.value) for v in (first, second, third)] == [0, 1, 2]
    assert first.dtstamp.value <= third.dtstamp.value


def test_a_cancelled_event_stays_in_the_feed_as_cancelled(client, member, event):
    services.signup_create(event=event, member=member)
    url = feed_url(client, member)
    services.event_cancel(event=event)
    vevent = parse(client.get(url).content).vevent
    assert vevent.status.value == "CANCELLED"
    assert int(vevent.sequence.value) == 1


def test_waitlisted_events_are_tentative_in_the_feed(client, event, make_member):
    first, second, third = (make_member() for _ in range(3))
    for person in (first, second, third):
        services.signup_create(event=event, member=person)
    vevent = parse(client.get(feed_url(client, third)).content).vevent
    assert vevent.status.value == "TENTATIVE"


def test_an_empty_feed_is_still_a_valid_calendar(client, member):
    calendar = parse(client.get(feed_url(client, member)).content)
    assert calendar.name == "VCALENDAR"
    assert not hasattr(calendar, "vevent")


def test_renewing_the_feed_kills_the_old_url(client, member):
    old = feed_url(client, member)
    new_token = services.calendar_feed_renew(member=member)
    assert client.get(old).status_code == 404
    assert client.get(f"/termine/feed/{new_token}.ics").status_code == 200


@pytest.mark.parametrize("token", ["x", "abc:def", "", "a" * 300])
def test_unknown_or_forged_feed_tokens_are_404(client, member, token):
    services.calendar_feed_token(member=member)
    assert client.get(f"/termine/feed/{token}.ics").status_code == 404


def test_the_feed_of_a_deactivated_member_is_gone(client, member):
    from community.services import member_deactivate

    url = feed_url(client, member)
    member_deactivate(member=member)
    assert client.get(url).status_code == 404


def test_feed_query_count_does_not_grow_with_events(
    client, member, make_event, django_assert_max_num_queries
):
    url = feed_url(client, member)
    for n in range(2):
        services.signup_create(event=make_event(title=f"T{n}", days=5 + n), member=member)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(2, 8):
        services.signup_create(event=make_event(title=f"T{n}", days=5 + n), member=member)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    body = response.content
    assert len(parse(body).vevent_list) == 8


def test_in_days_helper_is_in_the_future():
    assert in_days(1) > in_days(0)
