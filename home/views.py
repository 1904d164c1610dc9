"""The start page and its actions; each action returns to the start page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from events import access as event_access
from events import services as event_services
from forum import selectors as forum_selectors
from forum import services as forum_services
from home import selectors
from notifications import services as notification_services

MAX_ID = 2**63 - 1


def _id(value: int) -> int:
    """A database id from the URL, or 404 (the converter only promises digits)."""
    if not 0 < value <= MAX_ID:
        raise Http404
    return value


@require_safe
def dashboard(request):
    page = selectors.start_page(viewer=request.user)
    return render(request, "home/start.html", {"start": page})


@require_POST
def thread_read(request, pk):
    """Mark a forum thread read up to its last post (and quiet the bell for it)."""
    thread = forum_selectors.thread_for_member(thread_id=_id(pk))
    if thread is None:
        raise Http404
    forum_services.thread_visit(member=request.user, thread=thread, number=thread.post_count)
    messages.success(request, _("„%(title)s“ ist als gelesen markiert.") % {"title": thread.title})
    return redirect("dashboard")


@require_POST
def notification_read(request, pk):
    """Mark one of the member's own notifications read; another's stays untouched."""
    notification_services.notifications_mark_read(member=request.user, ids=[_id(pk)])
    messages.success(request, _("Als gelesen markiert."))
    return redirect("dashboard")


@require_POST
def event_signup(request, pk):
    event = event_access.access_event(request.user, pk)
    try:
        signup = event_services.signup_create(event=event, member=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if signup.position:
            messages.success(
                request,
                _("„%(title)s“: Sie stehen auf Platz %(position)s der Warteliste.")
                % {"title": event.title, "position": signup.position},
            )
        else:
            messages.success(
                request,
                _("Sie sind für „%(title)s“ angemeldet. Ihr Platz ist bestätigt.")
                % {"title": event.title},
            )
    return redirect("dashboard")
