"""The start page and its actions; each action returns to the start page.

Signing up for an event posts to the event's own signup view, which returns
here through its ``next`` (events.views.signup).
"""

from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from chat import access as chat_access
from chat import selectors as chat_selectors
from chat import services as chat_services
from community import services as community_services
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
    previous_visit = community_services.member_start_page_visit(member=request.user)
    page = selectors.start_page(viewer=request.user, previous_visit=previous_visit)
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
def room_read(request, slug):
    """Mark a chat room read up to the message the start page showed (``bis``), not
    beyond: what arrived since stays unread. Only rooms the member is in (else 404)."""
    room = chat_access.access_room_as_member(request.user, slug)
    try:
        seq = int(request.POST.get("bis", ""))
    except ValueError:
        seq = -1
    if not 0 <= seq <= MAX_ID:
        return HttpResponseBadRequest(_("Bis zu welcher Nachricht? „bis“ fehlt oder ist ungültig."))
    chat_services.room_membership_update(room=room, member=request.user, last_read_seq=seq)
    messages.success(
        request,
        _("„%(title)s“ ist als gelesen markiert.")
        % {"title": chat_selectors.room_title(room, viewer=request.user)},
    )
    return redirect("dashboard")
