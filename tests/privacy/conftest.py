"""A small network around Anna: everything she can leave a trace in, built through services."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from chat import services as chat_services
from chat.models import RoomKind
from community import services
from community.models import Role
from events import services as event_services
from forum import services as forum_services
from notifications import services as notification_services
from tests.community.second_factor_helpers import clock  # noqa: F401 - the fixture
from tests.forum.conftest import _category


@pytest.fixture
def world(member, make_member, municipality, taxonomy):
    """Anna (``member``) and Bernd, who share a thread, a private room and an event."""
    anna = member
    bernd = make_member(  # coordinator: he hosts the event in his municipality below
        municipality=municipality,
        display_name="Bernd Becker",
        email="bernd.becker@wetzlar.de",
        role=Role.COORDINATOR,
    )
    carla = make_member(display_name="Carla Conrad", email="carla.conrad@giessen.example")
    services.member_set_expertise(
        member=anna, expertise={"e-akte-dms": 3}, learning=["ozg-onlinedienste"]
    )
    services.qualification_add(member=anna, programme="Digitallotsen-Seminar Hessen")
    project = services.project_create(
        created_by=anna,
        municipality=municipality,
        title="E-Akte im Bauamt",
        kind="eakte",
        members=[anna, bernd],
        tools=["enaio"],
    )
    services.project_invitation_accept(project=project, member=bernd)
    category = _category("austausch")
    thread = forum_services.thread_create(
        author=bernd, category=category, title="Scanstraße gesucht", body="Wer scannt wie?"
    )
    answer = forum_services.post_create(
        author=anna, thread=thread, body="Wir scannen mit der Annas-Scan-Lösung. @bernd-becker"
    )
    mention = forum_services.post_create(
        author=bernd, thread=thread, body=f"Danke @{anna.handle}, das hilft!"
    )
    forum_services.reaction_toggle(member=anna, post=mention, kind="thanks")
    forum_services.thread_mark_read(member=anna, thread=thread, number=3)
    forum_services.flag_create(member=anna, post=mention, reason="Nur ein Test")
    own_thread = forum_services.thread_create(
        author=anna,
        category=category,
        title="Annas Frage zur E-Rechnung",
        body="Wie macht ihr das?",
    )
    room = chat_services.room_create(
        created_by=anna, name="Bauamt intern", kind=RoomKind.PRIVATE, members=[anna, bernd, carla]
    )
    chat_services.message_post(
        room=room, author=anna, body="Annas Nachricht", client_id="a-1", rate_limited=False
    )
    chat_services.message_post(
        room=room,
        author=bernd,
        body="Bernds geheime Nachricht",
        client_id="b-1",
        rate_limited=False,
    )
    direct = chat_services.direct_room_open(member=bernd, others=[anna])
    chat_services.message_post(
        room=direct, author=bernd, body="Bernd privat an Anna", client_id="b-2", rate_limited=False
    )
    chat_services.message_post(
        room=direct, author=anna, body="Anna privat an Bernd", client_id="a-2", rate_limited=False
    )
    starts = timezone.now() + dt.timedelta(days=7)
    event = event_services.event_create(
        created_by=bernd,
        title="Netzwerktreffen Mittelhessen",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        capacity=1,
        hosting_municipality=municipality,
    )
    event_services.signup_create(event=event, member=anna)
    event_services.signup_create(event=event, member=carla)  # waits for Anna's seat
    notification_services.notification_create(
        recipient=anna, kind="test", text="Für Anna", url="/forum/", actor=bernd
    )
    notification_services.notification_create(
        recipient=bernd, kind="test", text="Anna Schmidt hat Sie erwähnt", url="/", actor=anna
    )
    services.member_token(member=anna)
    return SimpleNamespace(
        anna=anna,
        bernd=bernd,
        carla=carla,
        project=project,
        thread=thread,
        own_thread=own_thread,
        answer=answer,
        mention=mention,
        room=room,
        direct=direct,
        event=event,
    )
