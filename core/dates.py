"""Dates and times as the active language writes them, the same way on every page.

Django's ``date`` filter with a fixed format ("l, j. F Y, H:i") wrote German
order and punctuation into the English pages ("Wednesday, 16. December 2026,
14:00 h"). Babel knows each language's own patterns (CLDR), the same data the
browser's ``Intl.DateTimeFormat`` uses, so a chat message formatted live in
JavaScript (dateStyle "medium", timeStyle "short") reads exactly as the
server writes it after a reload.

Every helper takes an aware datetime and an optional zone (an event's own);
without one, the current time zone.
"""

import datetime as dt
import zoneinfo

from babel.dates import (
    format_date,
    format_skeleton,
    format_time,
    get_datetime_format,
    get_day_names,
    get_month_names,
)
from django.conf import settings
from django.utils import timezone, translation

NARROW_NO_BREAK_SPACE = "\u202f"


def babel_locale() -> str:
    """The active language as a Babel locale ("de", "en")."""
    return translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE)


def _local(value: dt.datetime, zone=None) -> dt.datetime:
    if isinstance(zone, str):
        zone = zoneinfo.ZoneInfo(zone)
    if timezone.is_aware(value):
        return timezone.localtime(value, zone)
    return value


def _join(date_text: str, time_text: str) -> str:
    """The language's own glue of a date and a time ("{1}, {0}")."""
    pattern = get_datetime_format("medium", locale=babel_locale())
    return pattern.replace("{1}", date_text).replace("{0}", time_text)


def time_short(value: dt.datetime | dt.time, zone=None) -> str:
    """ "14:00" / "2:00 PM"."""
    if isinstance(value, dt.datetime):
        value = _local(value, zone)
        text = format_time(value, "short", tzinfo=value.tzinfo, locale=babel_locale())
    else:
        text = format_time(value, "short", locale=babel_locale())
    # CLDR 42+ puts a narrow no-break space before "PM"; browsers differ (Chromium
    # writes a plain space), so both sides write a plain one (static/js/chat.js).
    return text.replace(NARROW_NO_BREAK_SPACE, " ")


def date_medium(value: dt.date | dt.datetime, zone=None) -> str:
    """ "16.12.2026" / "Dec 16, 2026"."""
    if isinstance(value, dt.datetime):
        value = _local(value, zone).date()
    return format_date(value, "medium", locale=babel_locale())


def date_long(value: dt.date | dt.datetime, zone=None) -> str:
    """ "16. Dezember 2026" / "December 16, 2026"."""
    if isinstance(value, dt.datetime):
        value = _local(value, zone).date()
    return format_date(value, "long", locale=babel_locale())


def datetime_short(value: dt.datetime, zone=None) -> str:
    """ "16.12.2026, 14:00" / "Dec 16, 2026, 2:00 PM": lists, chat, notifications."""
    local = _local(value, zone)
    return _join(date_medium(local.date()), time_short(local))


def datetime_long(value: dt.datetime, zone=None) -> str:
    """ "Mittwoch, 16. Dezember 2026, 14:00" / "Wednesday, December 16, 2026, 2:00 PM"."""
    local = _local(value, zone)
    return _join(format_date(local.date(), "full", locale=babel_locale()), time_short(local))


def when(start: dt.datetime, end: dt.datetime, zone=None) -> str:
    """An event's time span; the end without its date on the same day."""
    first, last = _local(start, zone), _local(end, zone)
    if first.date() == last.date():
        return f"{datetime_long(first)} – {time_short(last)}"
    return f"{datetime_long(first)} – {datetime_long(last)}"


def month_year(value: dt.date) -> str:
    """ "Dezember 2026" / "December 2026"."""
    return format_skeleton("yMMMM", value, locale=babel_locale())


def weekday_names() -> list[str]:
    """Monday to Sunday, in full."""
    names = get_day_names("wide", context="stand-alone", locale=babel_locale())
    return [names[day] for day in range(7)]


def month_name(month: int) -> str:
    """ "Dezember" / "December" (1 to 12), as a title names it."""
    return get_month_names("wide", context="stand-alone", locale=babel_locale())[month]
