"""Edits, names and files that cannot break things (issue 16).

Text that leaves the platform in another format (iCalendar, CSV, e-mail
headers, file names) is escaped or refused at that boundary; one-line fields
hold no control, bidirectional or zero-width characters; every API error is
JSON; unknown filter values never answer 500; ``/healthz`` keeps its Redis
connection.
"""

import inspect
import json
from unittest import mock

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from community import services
from tests.security.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def api_client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


# --- /healthz ----------------------------------------------------------------------------
def test_health_checks_reuse_one_redis_connection(client, needs_redis):
    import redis

    made = []
    original = redis.ConnectionPool.make_connection

    def counting(self):
        made.append(self)
        return original(self)

    with mock.patch.object(redis.ConnectionPool, "make_connection", counting):
        for _ in range(10):
            response = client.get("/healthz")
            assert response.status_code == 200
            assert response.json()["redis"] == "ok"
    assert len(made) <= 1


# --- every API error is JSON -------------------------------------------------------------
def test_deeply_nested_json_is_a_json_400_not_a_500(member_api):
    body = "[" * 100_000 + "]" * 100_000
    response = member_api.post("/api/forum/threads/", body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_an_oversized_api_body_is_a_json_413(member_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"title": "x" * 2000, "body": "y"})
    response = member_api.post("/api/forum/threads/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_an_oversized_form_body_to_the_api_is_a_json_413(member_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = member_api.post(
        "/api/forum/threads/", {"title": "x" * 2000, "body": "y"}, format="multipart"
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")


def test_too_many_form_fields_to_the_api_is_a_json_400(member_api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    data = "&".join(f"f{i}=x" for i in range(50))
    response = member_api.post(
        "/api/forum/threads/", data, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith("application/json")


def test_a_request_django_refuses_before_any_view_is_json_under_the_api(member):
    client = Client(HTTP_HOST="angreifer.example")  # DisallowedHost: handler400
    client.force_login(member)
    response = client.get("/api/members/")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


# --- unknown filter values ---------------------------------------------------------------
UNKNOWN_VALUES = [
    "unbekannt-xyz",
    "%_\\'\"<>;--",
    "a\x00b",
    "9" * 40,
    "-1",
    "-99999999999999999999",
]


def _filter_serializer_fields() -> set[str]:
    """Every field of every filter/parameter serializer of the API modules."""
    import chat.serializers
    import community.api
    import directory.api
    import events.serializers
    import forum.api

    names = set()
    modules = (community.api, directory.api, forum.api, events.serializers, chat.serializers)
    for module in modules:
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, serializers.Serializer)
                and cls.__module__ == module.__name__
                and ("Filter" in name or "Params" in name)
            ):
                names.update(cls().fields)
    return names


def _list_endpoints(world) -> dict[str, set[str]]:
    """GET paths of the served schema (path parameters filled), with their query parameters."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    values = {
        "{slug}": {
            "/api/chat/": world.private_room.slug,
            "/api/forum/categories/": world.thread.category.slug,
            "/api/municipalities/": world.wetzlar.slug,
            "/api/expertise/": world.expertise.slug,
        },
        "{id}": {
            "/api/events/": str(world.event.pk),
            "/api/files/": str(world.file.pk),
            "/api/forum/threads/": str(world.thread.pk),
            "/api/forum/posts/": str(world.post.pk),
            "/api/members/": str(world.users["member"].pk),
            "/api/projects/": str(world.project.pk),
        },
        "{seq}": {"/api/chat/": str(world.message_seq)},
    }
    endpoints = {}
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if not operation:
            continue
        filled = path
        for placeholder, by_prefix in values.items():
            if placeholder in filled:
                value = next(v for prefix, v in by_prefix.items() if path.startswith(prefix))
                filled = filled.replace(placeholder, value)
        endpoints[filled] = {
            p["name"] for p in operation.get("parameters", []) if p["in"] == "query"
        }
    return endpoints


def test_unknown_values_in_any_filter_of_any_list_endpoint_never_answer_500(world):
    client = api_client_for(world.users["member"])
    extra = _filter_serializer_fields()
    assert {"expertise", "level", "municipality", "kind", "tool", "after"} <= extra
    failures = []
    for path, params in _list_endpoints(world).items():
        for name in sorted(params | extra):
            for value in UNKNOWN_VALUES:
                response = client.get(path, {name: value})
                if response.status_code >= 500 or not response["Content-Type"].startswith(
                    ("application/json", "text/calendar")
                ):
                    failures.append((path, name, value, response.status_code))
    assert failures == []


def test_an_unknown_expertise_gives_an_empty_list_or_a_400(world):
    client = api_client_for(world.users["member"])
    response = client.get("/api/members/", {"expertise": "gibt-es-nicht"})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["results"] == []


# --- iCalendar, CSV and file names -------------------------------------------------------
def _unfolded_lines(body: bytes) -> list[str]:
    text = body.decode()
    assert "\r" not in text.replace("\r\n", "")  # no bare carriage return anywhere
    return text.replace("\r\n ", "").split("\r\n")


def test_line_breaks_in_an_event_title_cannot_break_or_inject_into_its_ics(world):
    from events.models import Event

    Event.objects.filter(pk=world.event.pk).update(
        title="Treffen\r\nX-INJECTED:1\rEND:VCALENDAR\n", location="Raum\n1"
    )
    client = api_client_for(world.users["coordinator"])
    for url in (f"/api/events/{world.event.pk}/ics", f"/termine/{world.event.pk}/termin.ics"):
        response = client.get(url)
        assert response.status_code == 200, url
        lines = _unfolded_lines(response.content)
        assert not any(line.startswith("X-INJECTED") for line in lines)
        assert lines.count("END:VCALENDAR") == 1
        assert "X-WR-CALNAME:Treffen X-INJECTED:1 END:VCALENDAR" in lines
        assert "SUMMARY:Treffen X-INJECTED:1 END:VCALENDAR" in lines


def test_control_characters_in_a_description_stay_inside_the_description(world):
    from events.models import Event

    Event.objects.filter(pk=world.event.pk).update(description="Eins\rATTENDEE:x\x0bZwei\x85Drei")
    client = api_client_for(world.users["coordinator"])
    response = client.get(f"/api/events/{world.event.pk}/ics")
    assert response.status_code == 200
    lines = _unfolded_lines(response.content)
    assert not any(line.startswith("ATTENDEE") for line in lines)
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert description.startswith("DESCRIPTION:Eins\\nATTENDEE:x\\nZwei\\nDrei")


# --- one-line fields ---------------------------------------------------------------------
BAD_LINES = {
    "line feed": ("Anna\nSchmidt", "control_character"),
    "carriage return": ("Anna\rSchmidt", "control_character"),
    "tab": ("Anna\tSchmidt", "control_character"),
    "bell": ("Anna\x07", "control_character"),
    "C1 control": ("Anna\x85Schmidt", "control_character"),
    "right-to-left override": ("Anna\u202eexe.txt", "invisible_character"),
    "left-to-right isolate": ("Anna\u2066x\u2069", "invisible_character"),
    "zero-width space": ("An\u200bna", "invisible_character"),
    "zero-width joiner": ("An\u200dna", "invisible_character"),
    "byte order mark": ("\ufeffAnna", "invisible_character"),
    "word joiner": ("An\u2060na", "invisible_character"),
}


def _codes(error, field) -> list[str]:
    return [e.code for e in error.error_dict[field]]


@pytest.mark.parametrize("value,code", BAD_LINES.values(), ids=BAD_LINES.keys())
def test_one_line_fields_refuse_control_bidi_and_zero_width_characters(world, value, code):
    from django.core.exceptions import ValidationError

    from chat import services as chat_services
    from events import services as event_services
    from forum import services as forum_services

    member, coordinator = world.users["member"], world.users["coordinator"]
    attempts = {
        "display_name": lambda: services.member_update_profile(member=member, display_name=value),
        "department": lambda: services.member_update_profile(member=member, department=value),
        "position": lambda: services.member_update_profile(member=member, position=value),
        "title": lambda: forum_services.thread_create(
            author=member, category=world.thread.category, title=value, body="Text"
        ),
        "event title": lambda: event_services.event_update(event=world.event, title=value),
        "room name": lambda: chat_services.room_create(
            created_by=member, name=value, kind="private"
        ),
        "project title": lambda: services.project_update(project=world.project, title=value),
        "tools": lambda: services.project_update(project=world.project, tools=[value]),
        "municipality name": lambda: services.municipality_update(
            municipality=world.wetzlar, name=value
        ),
    }
    for label, attempt in attempts.items():
        with pytest.raises(ValidationError) as caught:
            attempt()
        field = label.split()[-1] if label.split()[-1] in ("title", "name") else label
        assert code in _codes(caught.value, field), label
    coordinator.refresh_from_db()
    member.refresh_from_db()
    assert member.display_name == "Anna Schmidt"


def test_the_api_answers_a_bidi_override_in_a_display_name_with_a_field_error(world):
    client = api_client_for(world.users["member"])
    response = client.patch(
        "/api/members/me/",
        json.dumps({"display_name": "Anna\u202egpj.exe"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "display_name" in response.json()


def test_the_api_answers_a_line_break_in_a_thread_title_with_a_field_error(world):
    client = api_client_for(world.users["member"])
    response = client.post(
        "/api/forum/threads/",
        json.dumps({"title": "Hallo\nWelt", "body": "Text", "category": "austausch"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "title" in response.json()


def test_the_profile_page_answers_a_zero_width_name_with_a_form_error(world):
    client = api_client_for(world.users["member"])
    response = client.post(
        "/profil/", {"display_name": "An\u200bna", "department": "", "position": "", "bio": ""}
    )
    assert response.status_code == 200
    assert "display_name" in response.context["form"].errors
    world.users["member"].refresh_from_db()
    assert world.users["member"].display_name == "Anna Schmidt"


def test_an_e_mail_subject_holds_no_control_or_bidi_characters(world, mailoutbox):
    from core import emails
    from events.models import Event

    event = Event.objects.get(pk=world.event.pk)
    event.title = "Treffen\x07\u202eniamod\u200b X"  # as older data may hold it
    emails.send(
        to="anna.schmidt@wetzlar.de",
        template="events/email/event_cancelled",
        context={"member": world.users["member"], "event": event},
    )
    assert [mail.subject for mail in mailoutbox] == ["Abgesagt: Treffen niamod X"]


def test_names_stored_before_the_rule_are_repaired_and_can_be_saved_again(world):
    from django.apps import apps

    from community.models import User
    from core.text import repair_stored_one_line_fields
    from events import services as event_services
    from events.models import Event
    from forum.models import Thread

    Event.objects.filter(pk=world.event.pk).update(title="Treffen\r\nWetzlar\u202e ")
    Thread.objects.filter(pk=world.thread.pk).update(title="\u200bE-Akte\tFragen")
    User.objects.filter(pk=world.users["other"].pk).update(display_name="\u2066\u2069")
    assert repair_stored_one_line_fields(apps) == 3
    event = Event.objects.get(pk=world.event.pk)
    assert event.title == "Treffen Wetzlar"
    assert Thread.objects.get(pk=world.thread.pk).title == "E-Akte Fragen"
    assert User.objects.get(pk=world.users["other"].pk).display_name == "?"
    event_services.event_update(event=event, title=event.title, location="Rathaus")
    assert repair_stored_one_line_fields(apps) == 0
