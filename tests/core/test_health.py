"""The health endpoint for load balancers: database and Redis, nothing else."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_health_is_open_without_an_account_and_reports_the_services(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["redis"] in ("ok", "not configured")
    assert "no-cache" in response["Cache-Control"]


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_health_says_unavailable_when_redis_is_unreachable(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"] == "unavailable"
