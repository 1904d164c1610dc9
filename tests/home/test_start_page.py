"""The start page shows a member what is new for them, section by section, with one action each.

All data is made through the services of the apps; the member is Anna Schmidt of
Wetzlar (Hesse), with expertise in the E-Akte.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from chat import services as chat_services
from chat.models import RoomKind
from community import services as community_services
from community.models import Role, User
from events import services as event_services
from events.models import Audience, Signup, SignupStatus
from forum import services as forum_services
from forum.models import ReadState
from notifications import services as notification_services
from notifications.models import Notification
from tests.events.conftest import in_days
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

START = "/"


def sections(response) -> str:
    return response.content.decode()


def heading_ids(response) -> set[str]:
    text = sections(response)
    return {
        name
        for name in (
            "start-threads-heading",
            "start-mentions-heading",
            "start-my-events-heading",
            "start-open-events-heading",
            "start-members-heading",
            "start-projects-heading",
            "start-rooms-heading",
            "start-first-heading",
        )
        if f'id="{name}"' in text
    }


# --- the empty network -----------------------------------------------------------------
def test_a_new_member_with_nothing_new_is_shown_the_first_steps_with_links(anna_client):
    response = anna_client.get(START)

    assert response.status_code == 200
    assert heading_ids(response) == {"start-first-heading"}
    text = sections(response)
    assert "Ihre ersten Schritte" in text
    assert f'href="{reverse("profile_edit")}"' in text
    assert f'href="{reverse("member_list")}"' in text
    assert f'href="{reverse("forum:thread_create")}?kategorie=austausch"' in text


def test_the_first_steps_ask_for_the_fields_of_expertise_when_none_are_given(member_client, member):
    response = member_client.get(START)

    assert f'href="{reverse("expertise_edit")}"' in sections(response)


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(START)
    assert response.status_code == 302
    assert "/anmelden/" in response["Location"]


# --- forum ---------------------------------------------------------------------------
def test_unread_threads_the_member_watches_or_took_part_in_are_listed(
    anna_client, anna, peter, make_thread
):
    own = make_thread(anna, title="Annas Frage zur E-Akte")
    forum_services.post_create(author=peter, thread=own, body="Eine Antwort von Peter.")
    joined = make_thread(peter, title="Peters Thema mit Annas Antwort")
    forum_services.post_create(author=anna, thread=joined, body="Anna antwortet.")
    forum_services.post_create(author=peter, thread=joined, body="Peter dankt.")
    make_thread(peter, title="Ein fremdes Thema")
    make_thread(anna, title="Annas Thema ohne Antwort")

    text = sections(anna_client.get(START))

    assert "Annas Frage zur E-Akte" in text
    assert "Peters Thema mit Annas Antwort" in text
    assert "Ein fremdes Thema" not in text
    assert "Annas Thema ohne Antwort" not in text
    assert "1 neuer Beitrag" in text


def test_marking_a_thread_read_returns_to_the_start_page_and_it_is_gone(
    anna_client, anna, peter, make_thread
):
    thread = make_thread(anna, title="Annas Frage zur E-Akte")
    forum_services.post_create(author=peter, thread=thread, body="Eine Antwort von Peter.")

    response = anna_client.post(reverse("start_thread_read", args=[thread.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert ReadState.objects.get(member=anna, thread=thread).last_read_number == 2
    assert "start-threads-heading" not in heading_ids(anna_client.get(START))


def test_marking_read_needs_a_post_and_an_existing_thread(anna_client, anna, make_thread):
    thread = make_thread(anna)
    assert anna_client.get(reverse("start_thread_read", args=[thread.pk])).status_code == 405
    assert anna_client.post(reverse("start_thread_read", args=[thread.pk + 999])).status_code == 404
    assert anna_client.post(f"/start/thema/{2**63}/gelesen/").status_code == 404


def test_the_forms_carry_a_csrf_token(anna, peter, make_thread, client):
    from django.test import Client

    thread = make_thread(anna)
    forum_services.post_create(author=peter, thread=thread, body="Antwort")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(anna)
    page = strict.get(START)
    assert "csrfmiddlewaretoken" in sections(page)
    refused = strict.post(reverse("start_thread_read", args=[thread.pk]))
    assert refused.status_code == 403


# --- mentions and replies --------------------------------------------------------------
def test_unread_mentions_and_replies_are_listed_and_other_kinds_are_not(
    anna_client, anna, peter, make_thread
):
    thread = make_thread(peter, title="Digitale Bauanträge")
    forum_services.post_create(
        author=peter, thread=thread, body="@anna-schmidt, wie macht ihr das?"
    )
    notification_services.notification_create(
        recipient=anna, kind="events.promoted", text="Sie sind nachgerückt.", url="/termine/"
    )

    text = sections(anna_client.get(START))

    mention = Notification.objects.get(recipient=anna, kind="forum.mention")
    assert mention.text in text
    assert f'href="{mention.url}"' in text
    assert "Sie sind nachgerückt." not in text


def test_marking_a_mention_read_returns_to_the_start_page(anna_client, anna, peter, make_thread):
    thread = make_thread(peter, title="Digitale Bauanträge")
    forum_services.post_create(author=peter, thread=thread, body="@anna-schmidt, hilf mir!")
    mention = Notification.objects.get(recipient=anna, kind="forum.mention")

    response = anna_client.post(reverse("start_notification_read", args=[mention.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    mention.refresh_from_db()
    assert mention.is_read
    assert mention.text not in sections(anna_client.get(START))


def test_a_member_cannot_mark_someone_elses_notification_read(anna_client, peter, make_thread):
    thread = make_thread(peter, title="Digitale Bauanträge")
    foreign = notification_services.notification_create(
        recipient=peter,
        kind="forum.reply",
        text="Eine Antwort für Peter",
        url=thread.get_absolute_url(),
        thread_key=f"forum.thread.{thread.pk}",
    )

    response = anna_client.post(reverse("start_notification_read", args=[foreign.pk]))

    assert response.status_code == 302
    foreign.refresh_from_db()
    assert not foreign.is_read


def _mention(anna, n, *, at):
    return notification_services.notification_create(
        recipient=anna, kind="forum.mention", text=f"Erwähnung Nummer {n}", url="/forum/", at=at
    )


def test_an_older_unread_mention_shows_however_many_read_ones_are_newer(anna_client, anna):
    long_ago = timezone.now() - dt.timedelta(days=3)
    _mention(anna, 0, at=long_ago)
    newer = [_mention(anna, n, at=long_ago + dt.timedelta(minutes=n)) for n in range(1, 26)]
    notification_services.notifications_mark_read(member=anna, ids=[m.pk for m in newer])

    text = sections(anna_client.get(START))

    assert "Erwähnung Nummer 0<" in text
    assert "Erwähnung Nummer 25<" not in text


def test_the_mentions_cost_the_same_queries_however_many_read_ones_are_newer(
    anna_client, anna, django_assert_num_queries
):
    long_ago = timezone.now() - dt.timedelta(days=3)
    _mention(anna, 0, at=long_ago)
    made = {"n": 0}

    def read_mentions(count):
        ids = []
        for _ in range(count):
            made["n"] += 1
            ids.append(_mention(anna, made["n"], at=long_ago + dt.timedelta(minutes=made["n"])).pk)
        notification_services.notifications_mark_read(member=anna, ids=ids)

    read_mentions(2)
    response = assert_constant_queries(
        anna_client, START, lambda: read_mentions(40), django_assert_num_queries, status=200
    )

    assert "Erwähnung Nummer 0<" in sections(response)


# --- events ----------------------------------------------------------------------------
def _event(created_by, title, **fields):
    starts_at = fields.pop("starts_at", in_days(fields.pop("days", 7)))
    fields.setdefault("hosting_municipality", created_by.municipality)
    return event_services.event_create(
        created_by=created_by,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        **fields,
    )


def test_the_next_events_the_member_signed_up_for_are_listed(
    anna_client, anna, giessen_coordinator
):
    joined = _event(giessen_coordinator, "Netzwerktreffen Mittelhessen", capacity=10)
    event_services.signup_create(event=joined, member=anna)
    full = _event(giessen_coordinator, "Ausgebuchtes Seminar", capacity=1)
    event_services.signup_create(event=full, member=giessen_coordinator)
    event_services.signup_create(event=full, member=anna)  # waiting list
    past = _event(giessen_coordinator, "Vergangenes Treffen", days=-3)
    Signup.objects.create(event=past, member=anna, status=SignupStatus.CONFIRMED)

    response = anna_client.get(START)

    assert "start-my-events-heading" in heading_ids(response)
    text = sections(response)
    assert "Netzwerktreffen Mittelhessen" in text
    assert "Platz bestätigt" in text
    assert "Platz 1 der Warteliste" in text
    assert "Vergangenes Treffen" not in text


def test_open_seats_are_offered_in_the_members_state_or_fields_only(
    anna_client,
    anna,
    giessen_coordinator,
    offenburg_coordinator,
    make_thread,
    make_member,
    giessen,
    taxonomy,
):
    _event(giessen_coordinator, "Treffen in Gießen", capacity=10)
    _event(offenburg_coordinator, "Treffen in Offenburg", capacity=10)
    tagged = make_thread(
        offenburg_coordinator,
        title="E-Akte-Werkstatt",
        tags=[taxonomy.get(slug="e-akte-dms")],
    )
    _event(offenburg_coordinator, "E-Akte-Werkstatt in Offenburg", forum_thread=tagged)
    _event(
        giessen_coordinator,
        "Nur für Gießen",
        audience=Audience.MUNICIPALITY,
        audience_municipality=giessen,
    )
    full = _event(giessen_coordinator, "Volles Treffen", capacity=1)
    event_services.signup_create(event=full, member=make_member(municipality=giessen))
    _event(giessen_coordinator, "Geschlossene Anmeldung", signups_closed=True)
    _event(giessen_coordinator, "Schon vorbei", days=-2)

    text = sections(anna_client.get(START))

    assert "Treffen in Gießen" in text
    assert "E-Akte-Werkstatt in Offenburg" in text
    assert "Treffen in Offenburg<" not in text
    assert "Nur für Gießen" not in text
    assert "Volles Treffen" not in text
    assert "Geschlossene Anmeldung" not in text
    assert "Schon vorbei" not in text


def test_a_moderator_is_not_offered_another_municipalitys_internal_event(
    client, make_member, municipality, giessen_coordinator, giessen
):
    moderator = make_member(municipality=municipality, role=Role.MODERATOR)
    _event(
        giessen_coordinator,
        "Nur für Gießen",
        audience=Audience.MUNICIPALITY,
        audience_municipality=giessen,
    )
    _event(giessen_coordinator, "Offen für alle in Hessen", capacity=5)
    client.force_login(moderator)

    text = sections(client.get(START))

    assert "Offen für alle in Hessen" in text
    assert "Nur für Gießen" not in text


def _sign_up_from_start(client, event, next_url="/"):
    """What the start page's "Anmelden" button posts: the event's own signup view."""
    return client.post(reverse("events:signup", args=[event.pk]), {"next": next_url}, follow=True)


def test_the_start_page_signs_up_through_the_events_own_view_with_next(
    anna_client, anna, giessen_coordinator
):
    event = _event(giessen_coordinator, "Treffen in Gießen", capacity=10)

    text = sections(anna_client.get(START))

    assert f'action="{reverse("events:signup", args=[event.pk])}"' in text
    assert '<input type="hidden" name="next" value="/">' in text


def test_signing_up_from_the_start_page_returns_to_it(anna_client, anna, giessen_coordinator):
    event = _event(giessen_coordinator, "Treffen in Gießen", capacity=10)

    response = _sign_up_from_start(anna_client, event)

    assert response.redirect_chain == [(reverse("dashboard"), 302)]
    assert Signup.objects.get(event=event, member=anna).status == SignupStatus.CONFIRMED
    text = sections(response)
    assert "Ihr Platz ist bestätigt" in text
    assert "start-my-events-heading" in heading_ids(response)
    assert "start-open-events-heading" not in heading_ids(response)


def test_signing_up_twice_shows_the_reason_and_stays_on_the_start_page(
    anna_client, anna, giessen_coordinator
):
    event = _event(giessen_coordinator, "Treffen in Gießen", capacity=10)
    event_services.signup_create(event=event, member=anna)

    response = _sign_up_from_start(anna_client, event)

    assert response.redirect_chain == [(reverse("dashboard"), 302)]
    assert "schon angemeldet" in sections(response)


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "http://testserver/",
        "termine/",
        "",
    ],
)
def test_a_next_leading_off_the_site_is_ignored_and_the_event_page_follows(
    anna_client, anna, giessen_coordinator, next_url
):
    event = _event(giessen_coordinator, "Treffen in Gießen", capacity=10)

    response = anna_client.post(reverse("events:signup", args=[event.pk]), {"next": next_url})

    assert response.status_code == 302
    assert response["Location"] == event.get_absolute_url()
    assert Signup.objects.filter(event=event, member=anna).exists()


def test_signing_up_for_an_event_one_may_not_see_is_a_404(
    anna_client, anna, giessen_coordinator, giessen
):
    internal = _event(
        giessen_coordinator,
        "Nur für Gießen",
        audience=Audience.MUNICIPALITY,
        audience_municipality=giessen,
    )

    response = anna_client.post(reverse("events:signup", args=[internal.pk]), {"next": "/"})

    assert response.status_code == 404
    assert not Signup.objects.filter(event=internal, member=anna).exists()


def test_the_start_page_has_no_signup_view_of_its_own(anna, giessen_coordinator):
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("start_event_signup", args=[1])


# --- new members and projects ----------------------------------------------------------
def _member_in(make_member, municipality, name, expertise=None, days_ago=0):
    member = make_member(municipality=municipality, display_name=name)
    if expertise:
        community_services.member_set_expertise(member=member, expertise=expertise)
    if days_ago:
        User.objects.filter(pk=member.pk).update(
            date_joined=timezone.now() - dt.timedelta(days=days_ago)
        )
    return member


def test_new_members_in_the_members_fields_are_listed(
    anna_client, anna, make_member, giessen, taxonomy
):
    _member_in(make_member, giessen, "Gisela Neu", {"e-akte-dms": 2})
    _member_in(make_member, giessen, "Otto Anderes", {"datenschutz": 2})
    _member_in(make_member, giessen, "Lore Lange-dabei", {"e-akte-dms": 3}, days_ago=40)

    text = sections(anna_client.get(START))

    assert "Gisela Neu" in text
    assert "Otto Anderes" not in text
    assert "Lore Lange-dabei" not in text


def test_new_projects_in_the_members_fields_are_listed_but_not_unpublished_foreign_ones(
    anna_client, anna, make_member, giessen, municipality, peter, taxonomy
):
    gisela = _member_in(make_member, giessen, "Gisela Neu", {"e-akte-dms": 2})
    community_services.project_create(
        created_by=gisela, municipality=giessen, title="E-Akte im Bauamt Gießen", kind="eakte"
    )
    community_services.project_create(
        created_by=gisela,
        municipality=giessen,
        title="Geheimer Entwurf aus Gießen",
        kind="eakte",
        is_published=False,
    )
    community_services.member_set_expertise(member=peter, expertise={"e-akte-dms": 1})
    community_services.project_create(
        created_by=peter,
        municipality=municipality,
        title="Entwurf aus Wetzlar",
        kind="eakte",
        is_published=False,
    )
    otto = _member_in(make_member, giessen, "Otto Anderes", {"datenschutz": 2})
    community_services.project_create(
        created_by=otto, municipality=giessen, title="Datenschutz-Schulung", kind="training"
    )

    text = sections(anna_client.get(START))

    assert "E-Akte im Bauamt Gießen" in text
    assert "Entwurf aus Wetzlar" in text  # a draft of her own municipality she may open
    assert "Geheimer Entwurf aus Gießen" not in text
    assert "Datenschutz-Schulung" not in text


# --- chat ------------------------------------------------------------------------------
def _room(creator, name, members):
    return chat_services.room_create(
        created_by=creator, name=name, kind=RoomKind.PRIVATE, members=members
    )


def _say(room, author, body, n):
    chat_services.message_post(
        room=room, author=author, body=body, client_id=f"{room.slug}-{n}", rate_limited=False
    )


def test_rooms_with_unread_messages_are_listed_but_not_foreign_or_muted_ones(
    anna_client, anna, peter, make_member, municipality
):
    ours = _room(peter, "Projektgruppe E-Akte", [anna])
    _say(ours, peter, "Neuigkeiten!", 1)
    _say(ours, peter, "Noch mehr.", 2)
    theirs = _room(peter, "Geheimer Raum", [make_member(municipality=municipality)])
    _say(theirs, peter, "Nicht für Anna.", 1)
    quiet = _room(peter, "Stummer Raum", [anna])
    _say(quiet, peter, "Leise.", 1)
    chat_services.room_membership_update(room=quiet, member=anna, muted=True)
    read = _room(peter, "Gelesener Raum", [anna])
    _say(read, peter, "Schon gesehen.", 1)
    chat_services.room_open(room=read, member=anna)

    text = sections(anna_client.get(START))

    assert "Projektgruppe E-Akte" in text
    assert "2 ungelesen" in text
    assert "Geheimer Raum" not in text
    assert "Stummer Raum" not in text
    assert "Gelesener Raum" not in text


# --- cost ------------------------------------------------------------------------------
def test_the_start_page_costs_the_same_queries_with_2_and_with_20_items_per_section(
    anna_client,
    anna,
    peter,
    make_thread,
    make_member,
    giessen,
    giessen_coordinator,
    django_assert_num_queries,
):
    made = {"n": 0}

    def populate(count):
        for _ in range(count):
            made["n"] += 1
            n = made["n"]
            thread = make_thread(anna, title=f"Annas Frage Nummer {n}")
            forum_services.post_create(author=peter, thread=thread, body=f"@anna-schmidt {n}")
            joined = _event(giessen_coordinator, f"Angemeldet {n}", capacity=10, days=5 + n)
            event_services.signup_create(event=joined, member=anna)
            _event(giessen_coordinator, f"Freie Plätze {n}", capacity=10, days=5 + n)
            newcomer = _member_in(make_member, giessen, f"Neu Nummer {n}", {"e-akte-dms": 2})
            community_services.project_create(
                created_by=newcomer, municipality=giessen, title=f"Projekt {n}", kind="eakte"
            )
            room = _room(peter, f"Raum {n}", [anna])
            _say(room, peter, f"Hallo @anna-schmidt {n}", 1)

    populate(2)
    first = anna_client.get(START)
    assert heading_ids(first) == {
        "start-threads-heading",
        "start-mentions-heading",
        "start-my-events-heading",
        "start-open-events-heading",
        "start-members-heading",
        "start-projects-heading",
        "start-rooms-heading",
    }

    response = assert_constant_queries(
        anna_client, START, lambda: populate(18), django_assert_num_queries, status=200
    )

    assert made["n"] == 20
    assert sections(response).count('class="notification"') == 7 * 5


# --- language --------------------------------------------------------------------------
def test_the_start_page_speaks_english_to_a_member_who_chose_it(anna_client, anna):
    from django.conf import settings

    anna_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    text = sections(anna_client.get(START))

    assert "Your first steps" in text
    assert "Introduce yourself in the forum" in text


def test_the_new_sections_and_the_rooms_action_speak_english_too(
    anna_client, anna, peter, make_member, giessen, taxonomy
):
    from django.conf import settings

    _member_in(make_member, giessen, "Gisela Neu", {"e-akte-dms": 2})
    room = _room(peter, "Projektgruppe E-Akte", [anna])
    _say(room, peter, "Neuigkeiten!", 1)
    anna_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    text = sections(anna_client.get(START))

    assert "In the last 14 days" in text
    assert "Mark as read" in text


# --- new since the last visit ----------------------------------------------------------
def test_a_first_visit_shows_the_newcomers_of_the_last_two_weeks(
    anna_client, anna, make_member, giessen, taxonomy
):
    _member_in(make_member, giessen, "Gisela Zehn-Tage", {"e-akte-dms": 2}, days_ago=10)

    text = sections(anna_client.get(START))

    assert "Gisela Zehn-Tage" in text
    assert "In den letzten 14 Tagen" in text


def test_after_an_earlier_visit_only_what_is_newer_than_it_is_shown(
    anna_client, anna, make_member, giessen, taxonomy
):
    community_services.member_start_page_visit(
        member=anna, now=timezone.now() - dt.timedelta(days=3)
    )
    _member_in(make_member, giessen, "Gisela Zehn-Tage", {"e-akte-dms": 2}, days_ago=10)
    _member_in(make_member, giessen, "Gustav Gestern", {"e-akte-dms": 2}, days_ago=1)

    text = sections(anna_client.get(START))

    assert "Gustav Gestern" in text
    assert "Gisela Zehn-Tage" not in text
    assert "Seit Ihrem letzten Besuch am" in text


def test_a_reload_within_the_visit_still_shows_what_was_new_since_the_visit_before(
    anna_client, anna, make_member, giessen, taxonomy
):
    community_services.member_start_page_visit(
        member=anna, now=timezone.now() - dt.timedelta(days=3)
    )
    _member_in(make_member, giessen, "Gustav Gestern", {"e-akte-dms": 2}, days_ago=1)

    anna_client.get(START)
    again = sections(anna_client.get(START))

    assert "Gustav Gestern" in again


def test_showing_the_start_page_remembers_the_visit(anna_client, anna):
    anna_client.get(START)

    anna.refresh_from_db()
    assert anna.start_page_seen_at is not None
    assert anna.start_page_previous_visit_at is None


def test_a_visit_ends_after_half_an_hour_without_the_start_page(anna):
    start = timezone.now() - dt.timedelta(hours=5)
    visit = community_services.member_start_page_visit

    assert visit(member=anna, now=start) is None
    assert visit(member=anna, now=start + dt.timedelta(minutes=20)) is None
    assert visit(member=anna, now=start + dt.timedelta(minutes=45)) is None
    assert visit(member=anna, now=start + dt.timedelta(hours=2)) == start + dt.timedelta(minutes=45)
    assert visit(member=anna, now=start + dt.timedelta(hours=2, minutes=5)) == (
        start + dt.timedelta(minutes=45)
    )
    anna.refresh_from_db()
    assert anna.start_page_previous_visit_at == start + dt.timedelta(minutes=45)
    assert anna.start_page_seen_at == start + dt.timedelta(hours=2, minutes=5)


# --- marking a chat room read ----------------------------------------------------------
def _read_room(client, room, seq=None):
    bis = room.last_seq if seq is None else seq
    return client.post(reverse("start_room_read", args=[room.slug]), {"bis": bis})


def _membership(room, member):
    from chat.models import RoomMembership

    return RoomMembership.objects.filter(room=room, member=member).first()


def test_a_room_with_unread_messages_offers_mark_read_up_to_the_last_one_shown(
    anna_client, anna, peter
):
    room = _room(peter, "Projektgruppe E-Akte", [anna])
    _say(room, peter, "Neuigkeiten!", 1)

    text = sections(anna_client.get(START))

    assert f'action="{reverse("start_room_read", args=[room.slug])}"' in text
    assert '<input type="hidden" name="bis" value="1">' in text
    assert 'Als gelesen markieren<span class="visually-hidden"> – „Projektgruppe E-Akte“' in text


def test_marking_a_room_read_returns_to_the_start_page_and_quiets_its_mentions(
    anna_client, anna, peter
):
    room = _room(peter, "Projektgruppe E-Akte", [anna])
    _say(room, peter, "Hallo @anna-schmidt", 1)
    _say(room, peter, "Noch etwas.", 2)
    room.refresh_from_db()

    response = _read_room(anna_client, room)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert _membership(room, anna).last_read_seq == 2
    assert not Notification.objects.filter(
        recipient=anna, kind="chat.mention", read_at__isnull=True
    ).exists()
    page = anna_client.get(START)
    assert "„Projektgruppe E-Akte“ ist als gelesen markiert." in sections(page)
    assert "start-rooms-heading" not in heading_ids(page)


def test_a_message_that_came_after_the_page_was_shown_stays_unread(anna_client, anna, peter):
    room = _room(peter, "Projektgruppe E-Akte", [anna])
    _say(room, peter, "Gesehen.", 1)
    _say(room, peter, "Danach gekommen.", 2)

    _read_room(anna_client, room, seq=1)

    assert _membership(room, anna).last_read_seq == 1
    assert "1 ungelesen" in sections(anna_client.get(START))


def test_marking_a_room_read_needs_a_post_a_message_number_and_a_csrf_token(anna, peter):
    from django.test import Client

    room = _room(peter, "Projektgruppe E-Akte", [anna])
    _say(room, peter, "Neuigkeiten!", 1)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(anna)
    url = reverse("start_room_read", args=[room.slug])

    assert strict.get(url).status_code == 405
    assert strict.post(url, {"bis": 1}).status_code == 403
    client = Client()
    client.force_login(anna)
    for bad in ("", "eins", "-1", str(2**63)):
        assert client.post(url, {"bis": bad}).status_code == 400
    assert _membership(room, anna).last_read_seq == 0


def test_a_room_of_another_municipality_cannot_be_marked_read(
    anna_client, anna, giessen, giessen_coordinator
):
    room = chat_services.room_ensure_for_municipality(municipality=giessen)
    _say(room, giessen_coordinator, "Nur für Gießen.", 1)

    response = _read_room(anna_client, room)

    assert response.status_code == 404
    assert _membership(room, anna) is None


def test_a_private_room_the_member_is_not_in_cannot_be_marked_read(
    anna_client, anna, peter, make_member, municipality
):
    room = _room(peter, "Geheimer Raum", [make_member(municipality=municipality)])
    _say(room, peter, "Nicht für Anna.", 1)

    response = _read_room(anna_client, room)

    assert response.status_code == 404
    assert _membership(room, anna) is None


def test_a_room_the_member_left_cannot_be_marked_read(anna_client, anna, peter):
    private = _room(peter, "Verlassener Raum", [anna])
    network = chat_services.room_create(created_by=None, name="Alle", kind=RoomKind.NETWORK)
    for room in (private, network):
        chat_services.room_open(room=room, member=anna)
        _say(room, peter, "Nach dem Abschied.", 1)
        chat_services.room_leave(room=room, member=anna)
        room.refresh_from_db()

        response = _read_room(anna_client, room)

        assert response.status_code == 404, room.kind
        assert _membership(room, anna).last_read_seq == 0


def test_marking_an_open_room_read_never_joins_it(anna_client, anna, peter):
    network = chat_services.room_create(created_by=None, name="Alle", kind=RoomKind.NETWORK)
    _say(network, peter, "Für alle.", 1)

    response = _read_room(anna_client, network)

    assert response.status_code == 404
    assert _membership(network, anna) is None


def test_a_moderator_cannot_mark_another_municipalitys_room_read(
    client, make_member, municipality, giessen, giessen_coordinator
):
    moderator = make_member(municipality=municipality, role=Role.MODERATOR)
    room = chat_services.room_ensure_for_municipality(municipality=giessen)
    _say(room, giessen_coordinator, "Nur für Gießen.", 1)
    client.force_login(moderator)

    response = _read_room(client, room)

    assert response.status_code == 404
    assert _membership(room, moderator) is None


def test_a_deactivated_member_cannot_mark_a_room_read(client, anna, peter):
    room = _room(peter, "Projektgruppe E-Akte", [anna])
    _say(room, peter, "Neuigkeiten!", 1)
    client.force_login(anna)
    community_services.member_deactivate(member=anna)

    response = _read_room(client, room)

    assert response.status_code == 302
    assert "/anmelden/" in response["Location"]
    assert _membership(room, anna).last_read_seq == 0
