"""Demo events for ``manage.py seed_demo``: a few upcoming and past ones, with signups.

Built through events.services like real events. Idempotent: an event whose
title already exists is left alone. Dates are relative to today, so the demo
always has something upcoming and something in the archive. Members and
municipalities that are missing from the demo network are skipped.
"""

import datetime as dt
import zoneinfo
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone

from community.demo import DemoNetwork
from events import services
from events.models import Event, EventStatus

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


class DemoEvent(NamedTuple):
    title: str
    kind: str
    format: str
    days_from_now: int
    start: tuple[int, int]
    hours: float
    organizer: str  # e-mail
    host: str  # municipality slug
    capacity: int | None
    location: str
    description: str
    agenda: tuple[tuple[str, str, str, str], ...] = ()
    participants: tuple[str, ...] = ()  # e-mails, in signup order
    cancelled: bool = False
    audience_state: str = ""


# fmt: off
EVENTS: tuple[DemoEvent, ...] = (
    DemoEvent(
        "Netzwerktreffen Mittelhessen", "netzwerktreffen", "hybrid", 9, (10, 0), 4,
        "anna.schmidt@wetzlar.example", "wetzlar", 3, "Neues Rathaus Wetzlar, Sitzungssaal",
        "Unser Treffen der Digitallots*innen aus Mittelhessen: **Erfahrungen mit der E-Akte**, "
        "Austausch und Mittagessen. Online-Teilnahme ist möglich.",
        (("10:00", "10:30", "Begrüßung und Vorstellungsrunde", "Anna Schmidt"),
         ("10:30", "12:00", "E-Akte im Alltag: was wirklich hilft", "Lena Becker-Wolff"),
         ("12:00", "13:00", "Mittagessen", ""),
         ("13:00", "14:00", "Offene Runde", "")),
        ("lena.becker-wolff@marburg.example", "juergen.hofmann@wetzlar.example",
         "oezlem.yilmaz@wetzlar.example", "martina.schneider@fulda.example",
         "sebastian.weiss@giessen.example"),
        audience_state="HE",
    ),
    DemoEvent(
        "Webinar: XRechnung ohne Papierstapel", "webinar", "online", 16, (14, 0), 1.5,
        "lena.becker-wolff@marburg.example", "marburg", None, "",
        "Paul Schäfer zeigt, wie die Stadtkasse Marburg E-Rechnungen annimmt und freigibt.",
        (("14:00", "14:45", "Vom Posteingang zur Freigabe", "Paul Schäfer"),
         ("14:45", "15:30", "Fragen und Antworten", "")),
        ("florian.koehler@limburg.example", "matthias.wolf@offenburg.example"),
    ),
    DemoEvent(
        "Workshop: Online-Formulare verständlich schreiben", "workshop", "in_person", 30,
        (9, 30), 6, "johanna.kuehn@offenburg.example", "offenburg", 12, "Rathaus Offenburg",
        "Ein Tag lang Formulare aus der Praxis überarbeiten: leichte Sprache, barrierefrei.",
        participants=("elif.sahin@offenburg.example",),
    ),
    DemoEvent(
        "Seminar Datenschutz im Außendienst", "seminar", "in_person", 21, (9, 0), 3,
        "daniel.fischer@offenbach.example", "offenbach", 20, "Rathaus Offenbach",
        "Leider abgesagt – ein neuer Termin folgt.",
        cancelled=True,
    ),
    DemoEvent(
        "Netzwerktreffen Frühjahr", "netzwerktreffen", "in_person", -40, (10, 0), 5,
        "anna.schmidt@wetzlar.example", "wetzlar", 30, "Stadthalle Wetzlar",
        "Rückblick: über 25 Kommunen, drei Praxisberichte und viele neue Kontakte.",
        participants=("lena.becker-wolff@marburg.example", "daniel.fischer@offenbach.example"),
    ),
    DemoEvent(
        "Webinar: Tablets im Bauhof", "webinar", "online", -12, (15, 0), 1,
        "martina.schneider@fulda.example", "fulda", None, "",
        "Lukas Braun zeigt die Geräteverwaltung für die Tablets der Kolonnen.",
    ),
)
# fmt: on


def _time(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def seed_events(members_by_email: dict, municipalities_by_slug: dict) -> int:
    """Create the missing demo events; return how many are new."""
    created = 0
    today = timezone.localdate()
    for demo in EVENTS:
        organizer = members_by_email.get(demo.organizer)
        host = municipalities_by_slug.get(demo.host)
        if organizer is None or Event.objects.filter(title=demo.title).exists():
            continue
        day = today + dt.timedelta(days=demo.days_from_now)
        starts_at = dt.datetime.combine(day, dt.time(*demo.start), BERLIN)
        ends_at = starts_at + dt.timedelta(hours=demo.hours)
        past = demo.days_from_now < 0
        # Past demo events are created as if they had been upcoming, then moved back.
        create_start = starts_at if not past else starts_at + dt.timedelta(days=400)
        try:
            event = services.event_create(
                created_by=organizer,
                title=demo.title,
                kind=demo.kind,
                format=demo.format,
                description=demo.description,
                starts_at=create_start,
                ends_at=create_start + (ends_at - starts_at),
                location=demo.location,
                online_url="https://meet.example/lotsennetz" if demo.format != "in_person" else "",
                capacity=demo.capacity,
                audience="state" if demo.audience_state else "network",
                audience_state=demo.audience_state,
                hosting_municipality=host,
                agenda=[
                    {"starts_at": _time(s), "ends_at": _time(e), "title": t, "speaker": p}
                    for s, e, t, p in demo.agenda
                ],
            )
        except ValidationError:
            continue
        for email in demo.participants:
            member = members_by_email.get(email)
            if member is not None:
                services.signup_create(event=event, member=member)
        if past:
            Event.objects.filter(pk=event.pk).update(starts_at=starts_at, ends_at=ends_at)
        if demo.cancelled and event.status != EventStatus.CANCELLED:
            services.event_cancel(event=event)
        created += 1
    return created


def seed_demo(network: DemoNetwork) -> dict[str, int]:
    return {"Termine": seed_events(network.members, network.municipalities)}
