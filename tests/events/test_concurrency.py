"""Signups under load, with real concurrent requests against real servers.

Two daphne processes (as in production, several workers share one
PostgreSQL) serve the test database; a pool of threads, each an HTTP client
with its own member's token, fires the requests at the same moment. Nothing is
mocked: the row lock, the waiting-list renumbering and the CHECK constraint
are what keeps the numbers right.

PostgreSQL allows 100 connections here and every in-flight request holds one,
so at most ``IN_FLIGHT`` requests run at once; all of them are released together.
"""

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from community import services as community_services
from events import services
from events.models import Event, Signup, SignupStatus
from tests.events.conftest import in_days
from tests.servers import daphne

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

MEMBERS = 200
SEATS = 50
IN_FLIGHT = 40


def request(address: str, method: str, path: str, token: str) -> tuple[int, dict | None]:
    req = urllib.request.Request(
        f"http://{address}{path}",
        method=method,
        data=b"" if method != "GET" else None,
        headers={"Authorization": f"Token {token}", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            body = response.read()
            return response.status, json.loads(body) if body else None
    except urllib.error.HTTPError as exc:
        return exc.code, {"error": exc.read().decode(errors="replace")}


def all_at_once(calls):
    """Run ``calls`` (callables) from threads released together; return their results."""
    start = threading.Barrier(len(calls))
    gate = threading.BoundedSemaphore(IN_FLIGHT)

    def run(call):
        start.wait()
        with gate:
            return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.fixture
def crowd(make_municipality, admin_member):
    town = make_municipality(name="Großstadt", domains=["grossstadt.de"])
    members = []
    for n in range(MEMBERS):
        member = community_services.member_create(
            email=f"lotse{n}@grossstadt.de",
            display_name=f"Lotse {n}",
            municipality=town,
            password="Lotsen-Passwort-2026",
        )
        members.append((member, community_services.member_token(member=member)))
    event = services.event_create(
        created_by=admin_member,
        title="Großes Netzwerktreffen",
        starts_at=in_days(14),
        ends_at=in_days(14, hour=16),
        capacity=SEATS,
    )
    return event, members


def test_200_simultaneous_signups_for_50_seats_and_concurrent_cancellations(needs_postgres, crowd):
    event, members = crowd
    with daphne() as first, daphne() as second:
        servers = [first, second]
        signup_path = f"/api/events/{event.pk}/signup/"
        results = all_at_once(
            [
                (lambda i=i, token=token: request(servers[i % 2], "POST", signup_path, token))
                for i, (_member, token) in enumerate(members)
            ]
        )
        assert [code for code, _body in results] == [201] * MEMBERS, [
            r for r in results if r[0] != 201
        ][:3]

        # Exactly 50 seats, 150 on the waiting list at 1..150: no gaps, no duplicates.
        answers = [body for _code, body in results]
        confirmed = [a for a in answers if a["status"] == "confirmed"]
        waitlisted = [a for a in answers if a["status"] == "waitlisted"]
        assert len(confirmed) == SEATS
        assert all(a["position"] is None for a in confirmed)
        assert sorted(a["position"] for a in waitlisted) == list(range(1, MEMBERS - SEATS + 1))

        signups = Signup.objects.filter(event=event)
        assert signups.filter(status=SignupStatus.CONFIRMED).count() == SEATS
        queue = list(
            signups.filter(status=SignupStatus.WAITLISTED).order_by("position", "created_at")
        )
        assert [s.position for s in queue] == list(range(1, MEMBERS - SEATS + 1))
        # The strict order: the list is the order in which the lock was granted.
        assert [s.created_at for s in queue] == sorted(s.created_at for s in queue)
        latest_seat = max(
            signups.filter(status=SignupStatus.CONFIRMED).values_list("created_at", flat=True)
        )
        assert latest_seat < queue[0].created_at
        event.refresh_from_db()
        assert event.seats_taken == SEATS

        # Ten seat holders and five people from the back of the list cancel at once.
        token_of = {member.pk: token for member, token in members}
        seated_before = set(
            signups.filter(status=SignupStatus.CONFIRMED).values_list("member_id", flat=True)
        )
        seat_holders = sorted(seated_before)[:10]
        leaving_queue = [queue[i].member_id for i in (19, 59, 99, 139, 149)]
        leavers = seat_holders + leaving_queue
        results = all_at_once(
            [
                (lambda i=i, pk=pk: request(servers[i % 2], "DELETE", signup_path, token_of[pk]))
                for i, pk in enumerate(leavers)
            ]
        )
        assert [code for code, _body in results] == [204] * len(leavers), results[:3]

        # Each seat freed promoted exactly one person: the first ten of the list.
        seated_after = set(
            signups.filter(status=SignupStatus.CONFIRMED).values_list("member_id", flat=True)
        )
        assert len(seated_after) == SEATS
        assert seated_before - seated_after == set(seat_holders)
        assert seated_after - seated_before == {s.member_id for s in queue[:10]}
        remaining = [s.member_id for s in queue[10:] if s.member_id not in set(leaving_queue)]
        after = list(
            signups.filter(status=SignupStatus.WAITLISTED)
            .order_by("position")
            .values_list("member_id", "position")
        )
        assert after == [(pk, n) for n, pk in enumerate(remaining, start=1)]
        assert len(after) == MEMBERS - SEATS - 10 - 5
        event.refresh_from_db()
        assert event.seats_taken == SEATS

        # What a member sees through the API agrees with the database.
        code, body = request(first, "GET", f"/api/events/{event.pk}/", members[0][1])
        assert code == 200
        assert (body["confirmed_count"], body["waitlist_count"]) == (SEATS, len(after))


def test_one_member_hammering_signup_gets_exactly_one_signup(needs_postgres, crowd):
    event, members = crowd
    _member, token = members[0]
    with daphne() as address:
        results = all_at_once(
            [
                lambda: request(address, "POST", f"/api/events/{event.pk}/signup/", token)
                for _ in range(20)
            ]
        )
    codes = sorted(code for code, _body in results)
    assert codes == [201] + [400] * 19
    assert Signup.objects.filter(event=event).count() == 1
    assert Event.objects.get(pk=event.pk).seats_taken == 1


def test_simultaneous_signups_never_overbook_on_either_database(make_member, admin_member):
    """The same guarantee, smaller, on whatever database this run uses (SQLite too)."""
    people = [make_member() for _ in range(30)]
    tokens = [community_services.member_token(member=p) for p in people]
    event = services.event_create(
        created_by=admin_member,
        title="Kleines Treffen",
        starts_at=in_days(3),
        ends_at=in_days(3, hour=12),
        capacity=10,
    )
    path = f"/api/events/{event.pk}/signup/"
    with daphne() as address:
        results = all_at_once([lambda t=t: request(address, "POST", path, t) for t in tokens])
    assert [code for code, _body in results] == [201] * 30
    statuses = sorted((b["status"], b["position"] or 0) for _c, b in results)
    assert statuses == [("confirmed", 0)] * 10 + [("waitlisted", n) for n in range(1, 21)]
    assert Event.objects.get(pk=event.pk).seats_taken == 10
