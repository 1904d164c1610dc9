"""The chat pages: the room list, a conversation, and the forms behind them.

The conversation is rendered on the server (readable without JavaScript, and
a plain form posts messages); static/js/chat.js then takes over the socket.
"""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from chat import access, selectors, services
from chat.models import MAX_BODY_LENGTH
from community import access as community_access
from core.markdown import markdown_to_text
from core.search_text import query_terms
from core.snippets import highlight, snippet

PAGE_MESSAGES = 50
SEARCH_QUERY_LENGTH = 200


def _strings() -> dict[str, str]:
    """Texts for static/js/chat.js, translated here (passed with json_script)."""
    return {
        "deleted": _("Nachricht gelöscht"),
        "deletedAccount": _("Gelöschtes Konto"),
        "edited": _("bearbeitet"),
        "edit": _("Bearbeiten"),
        "delete": _("Löschen"),
        "save": _("Speichern"),
        "cancel": _("Abbrechen"),
        "confirmDelete": _("Diese Nachricht löschen?"),
        "newMessage": _("Neue Nachricht von %(name)s: %(text)s"),
        "typing": _("%(names)s schreibt …"),
        "online": _("Online: %(names)s"),
        "onlineMore": _("Online: %(names)s und %(more)s weitere (%(count)s insgesamt)"),
        "connecting": _("Verbindung wird aufgebaut …"),
        "reconnecting": _("Verbindung unterbrochen. Neuer Versuch in %(seconds)s Sekunden …"),
        "refused": _("Kein Zugang zu diesem Raum. Bitte laden Sie die Seite neu."),
        "sending": _("wird gesendet …"),
        "rateLimited": _("Zu viele Nachrichten auf einmal – sie werden gleich erneut gesendet."),
        "closed": _("Dieser Raum ist geschlossen."),
        "failed": _("Das hat nicht geklappt. Bitte versuchen Sie es erneut."),
        "editLabel": _("Nachricht bearbeiten"),
        "conflict": _(
            "Diese Nachricht wurde inzwischen anderswo geändert. Ihr Text ist noch nicht "
            "gespeichert; er steht weiter im Feld. Speichern Sie erneut, um ihn zu übernehmen."
        ),
        "conflictStored": _("Gespeichert ist jetzt:"),
    }


def _rooms(request, current=None):
    rooms = list(selectors.room_list_for(member=request.user))
    for room in rooms:
        room.title = selectors.room_title(room, viewer=request.user)
        room.is_current = current is not None and room.pk == current.pk
    return rooms


@require_safe
def index(request):
    return render(request, "chat/index.html", {"rooms": _rooms(request)})


@require_safe
def room(request, slug):
    room = access.access_room(request.user, slug)
    services.room_open(room=room, member=request.user)
    anchor = _seq(request.GET.get("nachricht"))
    if anchor is not None:
        # A jump from a search: the message amid its neighbours; the socket's sync brings the rest.
        rows, has_more = selectors.messages_around(room=room, seq=anchor, limit=PAGE_MESSAGES)
    else:
        rows, has_more = selectors.messages_before(room=room, before=None, limit=PAGE_MESSAGES)
    rooms = _rooms(request, current=room)
    context = {
        "anchor": anchor,
        "room": room,
        "title": selectors.room_title(room, viewer=request.user),
        "rooms": rooms,
        "chat_messages": rows,
        "has_more": has_more,
        "last_seq": rows[-1].seq if rows else room.last_seq,
        "oldest_seq": rows[0].seq if rows else room.last_seq + 1,
        "client_id": uuid.uuid4().hex,
        "max_length": MAX_BODY_LENGTH,
        "can_moderate": access.can_moderate(request.user, room),
        "muted": any(r.muted for r in rooms if r.pk == room.pk),
        # Who can read what one writes here, shown before the composer.
        "readers": list(selectors.room_members(room=room)) if room.by_membership else None,
        "strings": _strings(),
    }
    return render(request, "chat/room.html", context)


def _seq(value) -> int | None:
    """A message number from the address, or None (anything else is ignored)."""
    try:
        seq = int(value)
    except (TypeError, ValueError):
        return None
    return seq if 0 < seq < 2**63 else None


@require_safe
def search(request, slug):
    """Search in one room; each hit links to the message in its context."""
    room = access.access_room(request.user, slug)
    q = " ".join(request.GET.get("q", "").replace("\x00", " ").split())[:SEARCH_QUERY_LENGTH]
    terms = query_terms(q)
    hits = selectors.message_search(viewer=request.user, terms=terms, room=room) if terms else []
    return render(
        request,
        "chat/search.html",
        {
            "room": room,
            "title": selectors.room_title(room, viewer=request.user),
            "q": q,
            "terms": terms,
            "hits": [(m, highlight(snippet(markdown_to_text(m.body), terms), terms)) for m in hits],
        },
    )


@require_POST
def send(request, slug):
    """Without JavaScript: the form carries a client_id, so a double submit stores one."""
    room = access.access_room(request.user, slug)
    try:
        services.message_post(
            room=room,
            author=request.user,
            body=request.POST.get("body", ""),
            client_id=request.POST.get("client_id", ""),
            attachments=request.POST.getlist("attachments")[:11] or None,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("chat:room", slug=room.slug)


@require_POST
def delete_message(request, slug, seq):
    room = access.access_room(request.user, slug)
    message = access.access_message(request.user, room, seq)
    if not (
        access.can_change_message(request.user, message) or access.can_moderate(request.user, room)
    ):
        raise Http404
    services.message_delete(message=message)
    messages.success(request, _("Die Nachricht wurde gelöscht."))
    return redirect("chat:room", slug=room.slug)


@require_POST
def mute(request, slug):
    room = access.access_room(request.user, slug)
    muted = request.POST.get("muted") == "1"
    services.room_membership_update(room=room, member=request.user, muted=muted)
    messages.success(
        request,
        _("Der Raum ist stumm geschaltet.") if muted else _("Der Raum benachrichtigt wieder."),
    )
    return redirect("chat:room", slug=room.slug)


@require_POST
def leave(request, slug):
    room = access.access_room(request.user, slug)
    services.room_leave(room=room, member=request.user)
    messages.success(request, _("Sie haben den Raum „%(name)s“ verlassen.") % {"name": room.name})
    return redirect("chat:index")


@require_POST
def close(request, slug):
    room = access.access_room(request.user, slug)
    if not access.can_moderate(request.user, room):
        raise Http404
    services.room_close(room=room)
    messages.success(request, _("Der Raum ist geschlossen."))
    return redirect("chat:room", slug=room.slug)


@require_POST
def direct(request, handle):
    """ "Kontakt aufnehmen": open (or reuse) the direct conversation with a member."""
    other = community_access.access_member_by_handle(request.user, handle)
    if other.pk == request.user.pk:
        return redirect("chat:index")
    room = services.direct_room_open(member=request.user, others=[other])
    return redirect(reverse("chat:room", kwargs={"slug": room.slug}))
