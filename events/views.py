"""Pages of the events app: agenda, month grid, archive, event page, organizer pages, feed.

Views parse input, check access (events.access), call one service and render.
"""

import calendar
import csv
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from community.models import Municipality, State, User
from core import dates
from core.addresses import canonical_email
from core.concurrency import VersionConflict, page_conflict
from core.forms import attachments_from
from events import access, feeds, ical, selectors, services
from events.forms import (
    COMMON_TIMEZONES,
    AttendeeAddForm,
    EventFilesForm,
    EventForm,
    event_initial,
)
from events.models import EventFormat, EventKind

PAGE_SIZE = 20


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _list_filters(request) -> dict:
    """The filter bar; unknown values are ignored rather than failing the page."""
    kind = request.GET.get("kind", "")
    fmt = request.GET.get("format", "")
    state = request.GET.get("state", "")
    return {
        "kind": kind if kind in EventKind.values else "",
        "format": fmt if fmt in EventFormat.values else "",
        "state": state if state in State.values else "",
        "mine": request.GET.get("mine") == "1",
    }


def _filtered(events, request, filters):
    return selectors.event_filter(
        events,
        kind=filters["kind"],
        format=filters["format"],
        state=filters["state"],
        mine_of=request.user if filters["mine"] else None,
    )


def _list_context(request, filters) -> dict:
    return {
        "filters": filters,
        "kinds": EventKind.choices,
        "formats": EventFormat.choices,
        "states": State.choices,
        "can_create": access.can_create_events(request.user),
    }


@require_safe
def index(request):
    """Upcoming events as an agenda list."""
    filters = _list_filters(request)
    events = _filtered(selectors.event_upcoming(viewer=request.user), request, filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "view": "agenda", **_list_context(request, filters)}
    return render(request, "events/index.html", context)


@require_safe
def archive(request):
    filters = _list_filters(request)
    events = _filtered(selectors.event_archive(viewer=request.user), request, filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "view": "archive", **_list_context(request, filters)}
    return render(request, "events/archive.html", context)


@require_safe
def month(request, year=None, month=None):
    """The month grid: one table row per week, Monday first."""
    today = timezone.localdate()
    if year is None or month is None:
        year, month = today.year, today.month
    if not (1 <= month <= 12 and 1970 <= year <= 2999):
        raise Http404
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    zone = timezone.get_current_timezone()
    first, last = weeks[0][0], weeks[-1][-1] + dt.timedelta(days=1)
    filters = _list_filters(request)
    events = _filtered(
        selectors.event_filter(
            selectors.event_list(viewer=request.user),
            starts_from=dt.datetime.combine(first, dt.time(), zone) - dt.timedelta(days=1),
            starts_before=dt.datetime.combine(last, dt.time(), zone) + dt.timedelta(days=1),
        ),
        request,
        filters,
    )
    by_day: dict[dt.date, list] = {}
    for event in events:
        day, end = event.local_starts_at.date(), event.local_ends_at.date()
        while day <= end:
            by_day.setdefault(day, []).append(event)
            day += dt.timedelta(days=1)
    rows = [
        [
            {
                "date": day,
                "in_month": day.month == month,
                "today": day == today,
                "events": by_day.get(day, []),
            }
            for day in week
        ]
        for week in weeks
    ]
    previous = dt.date(year, month, 1) - dt.timedelta(days=1)
    following = dt.date(year, month, 28) + dt.timedelta(days=7)
    context = {
        "rows": rows,
        "year": year,
        "month": month,
        # Month and day names from Babel, in the reader's language (core/dates.py).
        "month_name": dates.month_name(month),
        "previous": previous,
        "following": following,
        "weekdays": dates.weekday_names(),
        "view": "month",
        **_list_context(request, filters),
    }
    return render(request, "events/month.html", context)


@require_safe
def detail(request, pk):
    event = access.access_event(request.user, pk)
    can_manage = access.can_manage_event(request.user, event)
    context = {
        "event": event,
        "can_manage": can_manage,
        "online_url": event.online_url
        if access.can_see_online_url(request.user, event, event.my_status)
        else "",
        "seats": {
            "id": event.pk,
            "capacity": event.capacity,
            "confirmed_count": event.confirmed_count,
            "waitlist_count": event.waitlist_count,
            "signups_closed": event.signups_closed,
            "status": event.status,
        },
        "ws_path": f"/ws/events/{event.pk}/",
        "chat_room": selectors.event_chat_room(event=event, viewer=request.user),
        # The documents (prefetched with the event) and whether the viewer may add some.
        "documents": list(event.attachments.all()),
        "can_add_documents": access.can_add_event_files(request.user, event),
    }
    return render(request, "events/detail.html", context)


@require_POST
def add_documents(request, pk):
    """Participants (from the start on) and organizers add documents to the event."""
    event = access.access_event(request.user, pk)
    if not access.can_add_event_files(request.user, event):
        raise PermissionDenied
    form = EventFilesForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("attachments", [])))
        return redirect(event)
    try:
        services.event_files_add(
            event=event, member=request.user, attachments=form.cleaned_data["attachments"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Die Unterlagen sind hinzugefügt."))
    return redirect(event)


def _next_or(request, default):
    """Back to where the form came from (``next``, a path of this site: the start
    page signs up here), otherwise ``default``; anything else is ignored."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


@require_POST
def signup(request, pk):
    event = access.access_event(request.user, pk)
    try:
        result = services.signup_create(event=event, member=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if result.position:
            messages.success(
                request,
                _("Der Termin ist ausgebucht: Sie stehen auf Platz %(position)s der Warteliste.")
                % {"position": result.position},
            )
        else:
            messages.success(request, _("Sie sind angemeldet. Ihr Platz ist bestätigt."))
    return _next_or(request, event)


@require_POST
def cancel_signup(request, pk):
    event = access.access_event(request.user, pk)
    try:
        services.signup_cancel(event=event, member=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Sie sind abgemeldet."))
    return redirect(event)


def _managed(request, pk):
    event = access.access_event(request.user, pk)
    if not access.can_manage_event(request.user, event):
        raise PermissionDenied
    return event


@require_http_methods(["GET", "POST"])
def attendees(request, pk):
    event = _managed(request, pk)
    form = AttendeeAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        member = User.objects.filter(
            email_canonical=canonical_email(form.cleaned_data["email"]), is_active=True
        ).first()
        if member is None:
            form.add_error("email", _("Unter dieser Adresse gibt es kein aktives Mitglied."))
        else:
            try:
                services.signup_create(event=event, member=member, added_by=request.user)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(
                    request, _("%(name)s ist eingetragen.") % {"name": member.display_name}
                )
                return redirect("events:attendees", pk=event.pk)
    context = {"event": event, "signups": selectors.attendee_list(event=event), "form": form}
    return render(request, "events/attendees.html", context)


@require_POST
def attendee_remove(request, pk, member_id):
    event = _managed(request, pk)
    member = User.objects.filter(pk=access.parse_id(member_id)).first()
    if member is None:
        raise Http404
    try:
        services.signup_cancel(event=event, member=member, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s ist ausgetragen.") % {"name": member.display_name})
    return redirect("events:attendees", pk=event.pk)


@require_safe
def attendees_csv(request, pk):
    event = _managed(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"teilnehmende-{event.pk}.csv"
    )
    response.write("\ufeff")  # spreadsheet programs then read UTF-8 correctly
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        [
            _("Name"),
            _("E-Mail-Adresse"),
            _("Kommune"),
            _("Status"),
            _("Wartelistenplatz"),
            _("angemeldet am"),
        ]
    )
    zone = event.zone
    for signup in selectors.attendee_list(event=event):
        writer.writerow(
            [
                _csv_safe(signup.member.display_name),
                _csv_safe(signup.member.email),
                _csv_safe(signup.member.municipality.name if signup.member.municipality else ""),
                signup.get_status_display(),
                signup.position or "",
                signup.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return response


def _csv_safe(value: str) -> str:
    """No formula injection: a cell starting with = + - @ is read as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@require_POST
def close_signups(request, pk):
    event = _managed(request, pk)
    closed = request.POST.get("closed") == "1"
    try:
        services.event_set_signups_closed(event=event, closed=closed)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Die Anmeldung ist geschlossen.") if closed else _("Die Anmeldung ist wieder offen."),
        )
    return redirect(event)


@require_http_methods(["GET", "POST"])
def cancel_event(request, pk):
    event = _managed(request, pk)
    if request.method == "POST":
        services.event_cancel(event=event, by=request.user)
        messages.success(request, _("Der Termin ist abgesagt; alle Angemeldeten sind informiert."))
        return redirect(event)
    return render(request, "events/cancel.html", {"event": event})


def _form_data(form, user) -> dict:
    """The form's wall-clock times, read in the chosen zone (ValidationError on DST gaps)."""
    data = dict(form.cleaned_data)
    data.pop("version", None)  # the edit's precondition, not a field of the event
    tz_name = data["timezone"]
    for name in ("starts_at", "ends_at", "signup_deadline"):
        if data.get(name) is not None:
            data[name] = services.local_to_aware(data[name], tz_name, field=name)
    if data.get("hosting_municipality") is None and not access.can_host_in(user, None):
        data["hosting_municipality"] = user.municipality
    return data


@require_http_methods(["GET", "POST"])
def create(request):
    if not access.can_create_events(request.user):
        raise PermissionDenied
    form = EventForm(
        request.POST or None,
        host_choices=access.host_choices(request.user),
        audience_choices=access.audience_choices(request.user),
        initial={"timezone": "Europe/Berlin", "hosting_municipality": request.user.municipality},
    )
    if request.method == "POST" and form.is_valid():
        try:
            event = services.event_create(created_by=request.user, **_form_data(form, request.user))
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Der Termin ist angelegt."))
            return redirect(event)
    context = {"form": form, "timezones": COMMON_TIMEZONES, "event": None}
    return render(request, "events/form.html", context)


@require_http_methods(["GET", "POST"])
def edit(request, pk):
    event = _managed(request, pk)
    host_choices = access.host_choices(request.user)
    # An event already meant for another municipality keeps its audience when edited.
    audience_choices = access.audience_choices(request.user) | Municipality.objects.filter(
        pk=event.audience_municipality_id
    ).only("pk", "name", "slug")
    form = EventForm(
        request.POST or None,
        host_choices=host_choices,
        audience_choices=audience_choices,
        initial=event_initial(event),
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = _form_data(form, request.user)
        data["attachments"] = attachments_from(form, request.POST)
        try:
            services.event_update(
                event=event,
                expected_version=form.cleaned_data["version"],
                by=request.user,
                **data,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except VersionConflict as exc:
            stored = EventForm(
                request.POST,
                host_choices=host_choices,
                audience_choices=audience_choices,
                initial=event_initial(exc.current),
            )
            conflict = page_conflict(form, stored, version=exc.current.version)
        else:
            messages.success(request, _("Der Termin ist gespeichert."))
            return redirect(event)
    context = {"form": form, "timezones": COMMON_TIMEZONES, "event": event, "conflict": conflict}
    return render(request, "events/form.html", context)


@require_http_methods(["GET", "POST"])
def feed_settings(request):
    """The personal feed URL, to paste into a calendar program; renewable."""
    if request.method == "POST":
        token = services.calendar_feed_renew(member=request.user)
        messages.success(request, _("Die Abo-Adresse ist erneuert; die alte gilt nicht mehr."))
        return redirect("events:feed_settings")
    token = services.calendar_feed_token(member=request.user)
    feed_url = feeds.feed_url(token)
    # webcal:// opens the subscription dialog of the calendar program directly.
    webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    return render(
        request, "events/feed_settings.html", {"feed_url": feed_url, "webcal_url": webcal_url}
    )


@login_not_required
@require_safe
def feed(request, token):
    """The personal calendar feed; the secret token in the URL is the only credential."""
    member = feeds.calendar_feed_member(token)
    if member is None:
        raise Http404
    response = HttpResponse(
        feeds.feed_calendar(member=member), content_type="text/calendar; charset=utf-8"
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_safe
def event_ics(request, pk):
    """Download link on the event page (the API's /api/events/<id>/ics for sessions too)."""
    event = access.access_event(request.user, pk)
    response = HttpResponse(
        ical.event_calendar(event, viewer=request.user),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"termin-{event.pk}.ics"
    )
    return response
