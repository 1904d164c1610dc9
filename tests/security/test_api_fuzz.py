"""A bounded schemathesis run against the project's own OpenAPI schema.

The schema is the one ``/api/schema/`` serves; every operation gets a few
deterministic examples (``derandomize``), sent as a signed-in member with a
token through Django's WSGI handler (so the test database is the one the
requests see). Checks: no 500, and every answer as the schema describes it.
"""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from community import services
from tests.security.world import build_world

MAX_EXAMPLES = 3  # per operation: about 190 requests in all


@pytest.fixture
def fuzz_world(db):
    """The world and the member's token; the WSGI handler must not close the test's
    database connection after each request (Django's test client holds it open the same way)."""
    world = build_world()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield world, services.member_token(member=world.users["member"])
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def project_schema() -> dict:
    """What /api/schema/ serves (SpectacularAPIView runs this generator), as JSON data."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated).decode())


schema = schemathesis.openapi.from_dict(project_schema())
schema.app = WSGIHandler()


@pytest.mark.django_db
def test_the_schema_above_is_the_one_the_api_serves(fuzz_world):
    world, _token = fuzz_world
    client = Client()
    client.force_login(world.users["member"])
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
def test_the_api_never_answers_500_and_always_as_its_schema_says(case, fuzz_world):
    _world, token = fuzz_world
    response = case.call(headers={"Authorization": f"Token {token}"})
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
