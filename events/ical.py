"""iCalendar (RFC 5545) for one event and for a member's personal feed.

Built with ``icalendar``, which writes CRLF line endings and folds lines at 75
octets. Every TZID used gets its VTIMEZONE (``add_missing_timezones``), limited
to the years the calendar spans so the feed stays small. UIDs never change;
SEQUENCE grows with every relevant change (events.services), DTSTAMP is the
time of the last change, and cancelled events stay in the feed as
STATUS:CANCELLED so calendar programs remove or strike them.
"""

import datetime as dt
import re
from collections.abc import Iterable

import icalendar
from django.utils.translation import gettext as _

from community.models import User
from core.markdown import markdown_to_plain_text
from core.site import absolute_url
from events import access
from events.models import Event, EventFormat, SignupStatus

PRODID = "-//Lotsennetz//Termine//DE"

# Every text leaves through these two: icalendar escapes line breaks only in TEXT
# properties it knows (not in X-WR-CALNAME or NAME, where an unescaped one
# aborts the whole file), and no calendar program wants other control characters.
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _line(value: str) -> icalendar.vText:
    """One line of text: line breaks and control characters become single spaces."""
    value = _CONTROLS.sub(" ", _LINE_BREAKS.sub(" ", value or ""))
    return icalendar.vText(" ".join(value.split()))


def _text(value: str) -> icalendar.vText:
    """Text with paragraphs: every kind of line break is ``\\n`` (escaped by vText)."""
    value = _LINE_BREAKS.sub("\n", value or "")
    return icalendar.vText(_CONTROLS.sub(" ", value.replace("\t", " ")))


def _location(event: Event) -> str:
    parts = [event.location, " ".join(event.address.split())]
    return ", ".join(p for p in parts if p)


def _description(event: Event, online_url: str) -> str:
    lines = []
    if event.description:
        lines.append(markdown_to_plain_text(event.description))  # calendars show no Markdown
    if event.agenda_items.all():
        lines.append(_("Programm:"))
        for item in event.agenda_items.all():
            time = item.starts_at.strftime("%H:%M")
            if item.ends_at:
                time += "–" + item.ends_at.strftime("%H:%M")
            speaker = f" ({item.speaker})" if item.speaker else ""
            lines.append(f"{time} {item.title}{speaker}")
    if online_url:
        lines.append(_("Online-Teilnahme: %(url)s") % {"url": online_url})
    lines.append(absolute_url(event.get_absolute_url()))
    return "\n\n".join(lines)


def vevent(event: Event, *, viewer: User) -> icalendar.Event:
    my_status = getattr(event, "my_status", None)
    online_url = (
        event.online_url
        if event.online_url and access.can_see_online_url(viewer, event, my_status)
        else ""
    )
    component = icalendar.Event()
    component.add("uid", event.uid)
    component.add("dtstamp", event.updated_at.astimezone(dt.UTC))
    component.add("sequence", event.sequence)
    component.add("summary", _line(event.title))
    component.add("dtstart", event.local_starts_at)
    component.add("dtend", event.local_ends_at)
    component.add("created", event.created_at.astimezone(dt.UTC))
    component.add("last-modified", event.updated_at.astimezone(dt.UTC))
    component.add("url", absolute_url(event.get_absolute_url()))
    component.add("categories", [_line(str(event.get_kind_display()))])
    location = _location(event)
    if event.format == EventFormat.ONLINE:
        location = online_url or _("online")
    if location:
        component.add("location", _line(location))
    component.add("description", _text(_description(event, online_url)))
    if event.is_cancelled:
        component.add("status", "CANCELLED")
    elif my_status == SignupStatus.WAITLISTED:
        component.add("status", "TENTATIVE")
    else:
        component.add("status", "CONFIRMED")
    return component


def calendar(events: Iterable[Event], *, viewer: User, name: str) -> bytes:
    """An iCalendar file with the given events, as bytes ready to serve."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _line(name))
    cal.add("name", _line(name))
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    first = last = None
    for event in events:
        cal.add_component(vevent(event, viewer=viewer))
        start, end = event.local_starts_at.date(), event.local_ends_at.date()
        first = start if first is None else min(first, start)
        last = end if last is None else max(last, end)
    if first is not None:
        cal.add_missing_timezones(
            first_date=first - dt.timedelta(days=366), last_date=last + dt.timedelta(days=366)
        )
    return cal.to_ical()


def event_calendar(event: Event, *, viewer: User) -> bytes:
    return calendar([event], viewer=viewer, name=event.title)


def feed_calendar(events: Iterable[Event], *, member: User) -> bytes:
    return calendar(events, viewer=member, name=_("Lotsennetz – meine Termine"))
