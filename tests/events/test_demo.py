"""The demo events (events.demo.seed_events), as seed_demo will load them."""

import pytest
from django.utils import timezone

from community.models import Role
from events.demo import EVENTS, seed_events
from events.models import Event, Signup

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_network(make_municipality, make_member):
    municipalities = {}
    for demo in EVENTS:
        if demo.host not in municipalities:
            municipalities[demo.host] = make_municipality(
                name=demo.host.title(), domains=[f"{demo.host}.example"]
            )
    emails = {demo.organizer for demo in EVENTS} | {e for d in EVENTS for e in d.participants}
    members = {}
    for email in sorted(emails):
        slug = email.split("@")[1].removesuffix(".example")
        municipality = municipalities.get(slug) or make_municipality(
            name=slug.title(), domains=[f"{slug}.example"]
        )
        municipalities[slug] = municipality
        members[email] = make_member(email=email, municipality=municipality, role=Role.COORDINATOR)
    return members, municipalities


def test_demo_events_have_upcoming_past_and_cancelled_ones_and_load_once(demo_network):
    members, municipalities = demo_network
    assert seed_events(members, municipalities) == len(EVENTS)
    assert seed_events(members, municipalities) == 0
    now = timezone.now()
    assert Event.objects.filter(starts_at__gt=now).count() >= 3
    assert Event.objects.filter(ends_at__lt=now).count() >= 2
    assert Event.objects.filter(status="cancelled").count() == 1
    full = Event.objects.get(title="Netzwerktreffen Mittelhessen")
    assert (full.seats_taken, Signup.objects.filter(event=full, status="waitlisted").count()) == (
        3,
        2,
    )


def test_demo_events_skip_missing_members(db):
    assert seed_events({}, {}) == 0


def test_demo_events_fit_the_demo_network_of_seed_demo(db):
    from community.management.commands.seed_demo import seed_members, seed_municipalities
    from community.models import User

    municipalities, _new = seed_municipalities()
    seed_members(municipalities)
    members = {m.email: m for m in User.objects.all()}
    assert seed_events(members, municipalities) == len(EVENTS)
    for demo in EVENTS:
        event = Event.objects.get(title=demo.title)
        signed_up = Signup.objects.filter(event=event).exclude(status="cancelled").count()
        assert signed_up == len(demo.participants), demo.title
