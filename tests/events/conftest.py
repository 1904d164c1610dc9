"""Fixtures for the events tests; events and signups are made through the services."""

import datetime as dt

import pytest
from django.utils import timezone

from community.models import Role
from events import services


def in_days(days: float, hour: int = 10) -> dt.datetime:
    """A moment ``days`` from now at ``hour`` o'clock Berlin time."""
    local = timezone.localtime() + dt.timedelta(days=days)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def organizer(make_member, municipality):
    return make_member(
        municipality=municipality, role=Role.COORDINATOR, display_name="Olga Organisation"
    )


@pytest.fixture
def make_event(organizer):
    def make(*, created_by=None, days=7, hours=2, **fields):
        starts_at = fields.pop("starts_at", None) or in_days(days)
        ends_at = fields.pop("ends_at", None) or starts_at + dt.timedelta(hours=hours)
        fields.setdefault("title", "Netzwerktreffen Mittelhessen")
        fields.setdefault("hosting_municipality", (created_by or organizer).municipality)
        return services.event_create(
            created_by=created_by or organizer, starts_at=starts_at, ends_at=ends_at, **fields
        )

    return make


@pytest.fixture
def event(make_event):
    return make_event(
        capacity=2, format="hybrid", location="Rathaus Wetzlar", online_url="https://meet.example/x"
    )


@pytest.fixture
def organizer_api(api_client, organizer):
    api_client.force_authenticate(organizer)
    return api_client


# The Playwright browser of tests/browser, for the browser test of this app.
from tests.browser.conftest import chromium  # noqa: E402, F401
