"""Signups, the waiting list and the rules around them (events.services)."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from events import services
from events.models import Event, Signup, SignupStatus
from tests.events.conftest import in_days

pytestmark = pytest.mark.django_db


def statuses(event):
    return [
        (s.member.display_name, s.status, s.position)
        for s in Signup.objects.filter(event=event)
        .exclude(status=SignupStatus.CANCELLED)
        .order_by("status", "position", "pk")
    ]


def waitlist(event):
    return list(
        Signup.objects.filter(event=event, status=SignupStatus.WAITLISTED)
        .order_by("position")
        .values_list("member__display_name", "position")
    )


def seats_agree(event):
    event.refresh_from_db()
    confirmed = Signup.objects.filter(event=event, status=SignupStatus.CONFIRMED).count()
    return event.seats_taken == confirmed


@pytest.fixture
def people(make_member):
    return [make_member(display_name=f"Person {n}") for n in range(1, 7)]


def test_signups_are_confirmed_while_seats_are_free_then_waitlisted_in_order(event, people):
    results = [services.signup_create(event=event, member=p) for p in people[:5]]
    assert [(r.status, r.position) for r in results] == [
        ("confirmed", None),
        ("confirmed", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
        ("waitlisted", 3),
    ]
    assert seats_agree(event)


def test_unlimited_capacity_confirms_everybody(make_event, people):
    event = make_event(capacity=None)
    for person in people:
        assert services.signup_create(event=event, member=person).status == "confirmed"
    assert seats_agree(event)


def test_cancelling_a_seat_promotes_exactly_the_first_waitlisted_and_closes_the_gap(
    event, people, django_capture_on_commit_callbacks
):
    for person in people[:5]:
        services.signup_create(event=event, member=person)
    with django_capture_on_commit_callbacks(execute=True):
        promoted = services.signup_cancel(event=event, member=people[0])
    assert promoted.member == people[2]
    assert promoted.status == "confirmed" and promoted.position is None
    assert waitlist(event) == [("Person 4", 1), ("Person 5", 2)]
    assert seats_agree(event)
    assert [m.to for m in mail.outbox] == [[people[2].email]]
    assert "Platz" in mail.outbox[0].subject


def test_leaving_the_waiting_list_moves_the_people_behind_up(event, people):
    for person in people[:6]:
        services.signup_create(event=event, member=person)
    assert services.signup_cancel(event=event, member=people[3]) is None  # position 2
    assert waitlist(event) == [("Person 3", 1), ("Person 5", 2), ("Person 6", 3)]
    assert seats_agree(event)


def test_a_cancelled_signup_can_sign_up_again_at_the_end_of_the_list(event, people):
    for person in people[:4]:
        services.signup_create(event=event, member=person)
    services.signup_cancel(event=event, member=people[2])
    again = services.signup_create(event=event, member=people[2])
    assert (again.status, again.position) == ("waitlisted", 2)


def test_double_signup_is_refused(event, member):
    services.signup_create(event=event, member=member)
    with pytest.raises(ValidationError) as exc:
        services.signup_create(event=event, member=member)
    assert exc.value.code == "already_signed_up"
    assert Signup.objects.filter(event=event, member=member).count() == 1


def test_signup_after_the_deadline_is_refused(make_event, member):
    event = make_event(signup_deadline=timezone.now() + dt.timedelta(seconds=1))
    Event.objects.filter(pk=event.pk).update(
        signup_deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    with pytest.raises(ValidationError) as exc:
        services.signup_create(event=event, member=member)
    assert exc.value.code == "deadline_passed"
    assert not Signup.objects.exists()


def test_signup_for_a_cancelled_event_is_refused(event, member):
    services.event_cancel(event=event)
    with pytest.raises(ValidationError) as exc:
        services.signup_create(event=event, member=member)
    assert exc.value.code == "event_cancelled"


def test_signup_for_a_past_event_is_refused(make_event, member):
    event = make_event(starts_at=in_days(-3), ends_at=in_days(-3) + dt.timedelta(hours=1))
    with pytest.raises(ValidationError) as exc:
        services.signup_create(event=event, member=member)
    assert exc.value.code == "event_past"


def test_closed_signups_refuse_members_but_organizers_still_add_people(event, member, organizer):
    services.event_set_signups_closed(event=event, closed=True)
    with pytest.raises(ValidationError) as exc:
        services.signup_create(event=event, member=member)
    assert exc.value.code == "signups_closed"
    added = services.signup_create(event=event, member=member, added_by=organizer)
    assert added.status == "confirmed" and added.added_by == organizer


def test_organizers_adding_people_never_exceed_the_capacity(event, people, organizer):
    for person in people[:3]:
        services.signup_create(event=event, member=person, added_by=organizer)
    assert statuses(event)[-1] == ("Person 3", "waitlisted", 1)


def test_cancelling_without_a_signup_is_refused(event, member):
    with pytest.raises(ValidationError) as exc:
        services.signup_cancel(event=event, member=member)
    assert exc.value.code == "not_signed_up"


def test_capacity_cannot_drop_below_the_confirmed_seats(event, people):
    for person in people[:2]:
        services.signup_create(event=event, member=person)
    with pytest.raises(ValidationError) as exc:
        services.event_update(event=event, capacity=1)
    assert exc.value.error_dict["capacity"][0].code == "capacity_below_confirmed"
    event.refresh_from_db()
    assert event.capacity == 2


def test_more_capacity_moves_people_up_from_the_waiting_list_at_once(event, people):
    for person in people[:6]:
        services.signup_create(event=event, member=person)
    services.event_update(event=event, capacity=4)
    assert waitlist(event) == [("Person 5", 1), ("Person 6", 2)]
    assert seats_agree(event)
    services.event_update(event=event, capacity=None)
    assert waitlist(event) == []
    assert seats_agree(event)


def test_the_database_refuses_an_overbooked_event(event, people):
    for person in people[:2]:
        services.signup_create(event=event, member=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(seats_taken=3)


def test_the_database_refuses_two_active_signups_of_one_member(event, member):
    services.signup_create(event=event, member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signup.objects.create(
            event=event, member=member, status=SignupStatus.WAITLISTED, position=9
        )


def test_the_database_refuses_two_waitlisted_on_one_position(event, people):
    for person in people[:3]:
        services.signup_create(event=event, member=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signup.objects.create(
            event=event, member=people[4], status=SignupStatus.WAITLISTED, position=1
        )


def test_the_database_refuses_an_event_that_ends_before_it_starts(event):
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(ends_at=event.starts_at - dt.timedelta(hours=1))


def test_the_database_refuses_a_capacity_of_zero(event):
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(capacity=0)


def test_cancelling_an_event_tells_everybody_and_bumps_the_sequence(
    event, people, organizer, django_capture_on_commit_callbacks
):
    for person in people[:3]:
        services.signup_create(event=event, member=person)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=event, by=organizer)
    event.refresh_from_db()
    assert event.status == "cancelled" and event.sequence == 1
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([p.email for p in people[:3]] + [organizer.email])
    assert all("Abgesagt" in m.subject for m in mail.outbox)


def test_a_cancelled_event_cannot_be_changed(event):
    services.event_cancel(event=event)
    with pytest.raises(ValidationError) as exc:
        services.event_update(event=event, title="Neu")
    assert exc.value.code == "event_cancelled"


def test_sequence_grows_only_with_changes_calendar_programs_show(event):
    services.event_update(event=event, signups_closed=True, capacity=5)
    event.refresh_from_db()
    assert event.sequence == 0
    services.event_update(event=event, title="Neuer Titel")
    services.event_update(event=event, starts_at=event.starts_at + dt.timedelta(hours=1))
    services.event_update(event=event, agenda=[{"starts_at": dt.time(10), "title": "Start"}])
    event.refresh_from_db()
    assert event.sequence == 3


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"ends_at": in_days(7, hour=9)}, "ends_at", "ends_before_starts"),
        ({"timezone": "Europe/Wetzlar"}, "timezone", "invalid_timezone"),
        ({"timezone": ""}, "timezone", None),
        ({"audience": "state"}, "audience_state", "required"),
        ({"audience": "municipality"}, "audience_municipality", "required"),
        ({"capacity": 0}, "capacity", "capacity_too_low"),
        ({"signup_deadline": in_days(30)}, "signup_deadline", "deadline_after_end"),
    ],
)
def test_bad_event_input_is_refused_and_nothing_is_stored(
    make_event, fields, field, code, organizer
):
    with pytest.raises(ValidationError) as exc:
        make_event(starts_at=in_days(7), **fields)
    assert field in exc.value.error_dict
    if code:
        assert code in [e.code for e in exc.value.error_dict[field]]
    assert not Event.objects.exists()


def test_agenda_slots_must_end_after_they_start(make_event):
    with pytest.raises(ValidationError) as exc:
        make_event(agenda=[{"starts_at": dt.time(11), "ends_at": dt.time(10), "title": "X"}])
    assert "agenda" in exc.value.error_dict
    assert not Event.objects.exists()


# --- time zones ---------------------------------------------------------------------
def test_wall_clock_times_are_read_in_the_events_zone_across_the_autumn_change():
    before = services.local_to_aware(dt.datetime(2026, 10, 24, 10), "Europe/Berlin", field="x")
    after = services.local_to_aware(dt.datetime(2026, 10, 25, 10), "Europe/Berlin", field="x")
    assert before.utcoffset() == dt.timedelta(hours=2)
    assert after.utcoffset() == dt.timedelta(hours=1)
    assert after.astimezone(dt.UTC) - before.astimezone(dt.UTC) == dt.timedelta(hours=25)


def test_a_time_skipped_by_the_spring_change_is_refused():
    with pytest.raises(ValidationError) as exc:
        services.local_to_aware(dt.datetime(2027, 3, 28, 2, 30), "Europe/Berlin", field="starts_at")
    assert exc.value.error_dict["starts_at"][0].code == "nonexistent_time"


def test_a_time_that_exists_twice_in_autumn_is_refused():
    with pytest.raises(ValidationError) as exc:
        services.local_to_aware(
            dt.datetime(2026, 10, 25, 2, 30), "Europe/Berlin", field="starts_at"
        )
    assert exc.value.error_dict["starts_at"][0].code == "ambiguous_time"


def test_an_event_over_the_autumn_change_lasts_its_real_duration(make_event):
    starts = services.local_to_aware(dt.datetime(2026, 10, 24, 22), "Europe/Berlin", field="x")
    ends = services.local_to_aware(dt.datetime(2026, 10, 25, 6), "Europe/Berlin", field="x")
    event = make_event(starts_at=starts, ends_at=ends)
    event.refresh_from_db()
    assert event.ends_at - event.starts_at == dt.timedelta(hours=9)
    assert event.local_starts_at.hour == 22 and event.local_ends_at.hour == 6


# --- reminders ----------------------------------------------------------------------
def test_reminders_go_once_to_confirmed_participants_of_tomorrows_events(
    make_event, people, django_capture_on_commit_callbacks
):
    tomorrow = make_event(capacity=1, starts_at=timezone.now() + dt.timedelta(hours=20))
    later = make_event(starts_at=timezone.now() + dt.timedelta(days=3))
    services.signup_create(event=tomorrow, member=people[0])
    services.signup_create(event=tomorrow, member=people[1])  # waitlisted: no reminder
    services.signup_create(event=later, member=people[2])
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reminders_send() == 0
    assert [m.to for m in mail.outbox] == [[people[0].email]]
    assert "Erinnerung" in mail.outbox[0].subject
    assert Signup.objects.get(member=people[0]).reminded_at is not None


def test_the_reminder_command_runs_the_service(make_event, member):
    from django.core.management import call_command

    event = make_event(starts_at=timezone.now() + dt.timedelta(hours=2))
    services.signup_create(event=event, member=member)
    call_command("send_event_reminders")
    call_command("send_event_reminders")
    assert Signup.objects.get(member=member).reminded_at is not None
