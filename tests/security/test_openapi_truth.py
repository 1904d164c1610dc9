"""The OpenAPI schema tells the truth, to a member and to an administrator.

A bounded schemathesis run over every operation of the schema that
``/api/schema/`` serves, once as an ordinary member and once as an
administrator without a municipality (as ``createsuperuser`` makes one),
each with an ``Authorization: Token``. Every answer must be no 500, carry a
status code the operation declares, a declared content type, and a body that
matches the declared schema of that status code.

Each operation is tried on a few deterministic examples (seeded, derandomized)
in every phase schemathesis has (the schema's examples, boundary values,
fuzzing); path parameters and references in bodies are, some of the time, the
world's real objects, so the answers that succeed are checked too, not only the
refusals. Every example runs in a savepoint that is rolled back afterwards and
with empty throttling counters: an example that deactivates the acting
account, deletes a room or demotes the administrator leaves nothing behind for
the next one, so destructive operations need no exclusion.
"""

import json
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from community import services
from community.models import User
from tests.conftest import PASSWORD, clear_cache
from tests.security.world import World, build_world

MAX_EXAMPLES = 4  # fuzzing examples per operation and actor; the other phases add their own
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ACTORS = ("member", "admin")


def project_schema() -> dict:
    """What /api/schema/ serves (SpectacularAPIView runs this generator), as JSON data."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated).decode())


schema = schemathesis.openapi.from_dict(project_schema())
schema.app = WSGIHandler()
# Methods an operation does not have only meet Django's 405; the checks above skip them.
schema.config.phases.coverage.unexpected_methods = set()


@dataclass
class Actor:
    name: str
    user: User
    token: str
    world: World

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Token {self.token}"}


# The world of the actor whose operations run now; the hooks below read it.
CURRENT: dict[str, Actor] = {}


def _known_path_values(path: str, name: str) -> list:
    """Real values for a path parameter: the objects of the world this path names."""
    actor = CURRENT["actor"]
    world, users = actor.world, actor.world.users
    if name == "member_id":
        return [users["member"].pk, users["other"].pk]
    if name == "seq":
        return [world.message_seq]
    segments = path.split("/")  # ["", "api", "forum", "posts", "{id}", ...]
    resource = "/".join(segments[2:4]) if segments[2] in ("chat", "forum") else segments[2]
    return {
        "chat/rooms": [world.private_room.slug, world.city_room.slug, world.network_room.slug],
        "events": [world.event.pk],
        "expertise": [world.expertise.slug],
        "files": [world.file.pk],
        "forum/categories": ["austausch"],
        "forum/posts": [world.post.pk, world.reply.pk],
        "forum/threads": [world.thread.pk],
        "members": [users["member"].pk, users["other"].pk, actor.user.pk],
        "municipalities": [world.wetzlar.slug, world.giessen.slug],
        "projects": [world.project.pk, world.draft.pk],
    }.get(resource, [])


@schema.hook
def flatmap_path_parameters(ctx, path_parameters):
    """Now and then the world's real objects instead of generated ids and slugs."""
    if not path_parameters or "actor" not in CURRENT:
        return st.just(path_parameters)
    real = dict(path_parameters)
    for name in path_parameters:
        values = _known_path_values(ctx.operation.path, name)
        if values:
            real[name] = values[0]
    choices = [path_parameters, real]
    for name in path_parameters:
        for value in _known_path_values(ctx.operation.path, name)[1:]:
            choices.append({**real, name: value})
    return st.sampled_from(choices)


def _known_body_values() -> dict:
    world = CURRENT["actor"].world
    return {
        "municipality": world.wetzlar.slug,
        "category": "austausch",
        "members": [world.users["member"].pk],
        "expertise": [{"slug": world.expertise.slug, "level": "basic"}],
        "learning": [world.expertise.slug],
        "room": world.network_room.slug,
    }


@schema.hook
def flatmap_body(ctx, body):
    """Now and then a body whose references name real objects (so creation can succeed)."""
    if not isinstance(body, dict) or "actor" not in CURRENT:
        return st.just(body)
    known = _known_body_values()
    real = {key: known.get(key, value) for key, value in body.items()}
    if real == body:
        return st.just(body)
    return st.sampled_from([body, real])


@pytest.fixture(scope="module", params=ACTORS)
def actor(request, django_db_setup, django_db_blocker):
    """One world per actor, in a transaction rolled back at the end of the module.

    The WSGI handler must not close the test's database connection after each
    request (Django's test client holds it open the same way).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            if request.param == "admin":
                # As `createsuperuser` makes one: no municipality.
                user = User.objects.create_superuser(
                    email="root@lotsennetz.example", password=PASSWORD
                )
            else:
                user = world.users["member"]
            CURRENT["actor"] = Actor(
                name=request.param,
                user=user,
                token=services.member_token(member=user),
                world=world,
            )
            yield CURRENT["actor"]
        finally:
            CURRENT.clear()
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_the_schema_above_is_the_one_the_api_serves(member):
    client = Client()
    client.force_login(member)
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert json.loads(response.content) == project_schema()


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_what_the_schema_declares(case, actor):
    with transaction.atomic():
        clear_cache()
        response = case.call(headers=actor.headers)
        transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "limit_name"),
    [
        (
            "/api/forum/threads/",
            {"category": "austausch", "title": "Noch ein Thema", "body": "Text"},
            "forum_thread",
        ),
        ("/api/forum/threads/{id}/posts/", {"body": "Noch eine Antwort"}, "forum_post"),
    ],
)
def test_a_rate_limited_answer_is_the_declared_429(actor, path, body, limit_name):
    """The fuzzing above starts every example with empty counters and never meets it."""
    from django.conf import settings as django_settings

    operation = schema[path]["POST"]
    path_parameters = {"id": actor.world.thread.pk} if "{id}" in path else None
    with transaction.atomic():
        clear_cache()
        for _sent in range(django_settings.RATE_LIMITS[limit_name][0] + 1):
            case = operation.Case(
                path_parameters=path_parameters, body=body, media_type="application/json"
            )
            response = case.call(headers=actor.headers)
            assert response.status_code in (201, 429)
        transaction.set_rollback(True)
    assert response.status_code == 429
    case.validate_response(response, checks=CHECKS)
