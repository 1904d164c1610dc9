"""Dates in templates, by the active language (core/dates.py): ``{% load dates %}``.

``{{ value|datetime_short }}``, ``{{ value|datetime_long:zone }}``,
``{{ value|date_medium }}``, ``{{ value|date_long }}``, ``{{ value|time_short }}``
and ``{% when start end zone %}`` for an event's span. Empty values give "".
"""

from django import template

from core import dates

register = template.Library()


def _filter(function):
    def apply(value, zone=None):
        if value in (None, ""):
            return ""
        return function(value, zone or None)

    apply.__name__ = function.__name__
    return register.filter(function.__name__, apply)


for _function in (
    dates.datetime_short,
    dates.datetime_long,
    dates.date_medium,
    dates.date_long,
    dates.time_short,
):
    _filter(_function)


@register.simple_tag
def when(start, end, zone=None) -> str:
    return dates.when(start, end, zone or None)
