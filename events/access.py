"""Who may see, create and manage events.

A missing event and one the user may not see look the same: Http404.

Who creates events: coordinators (hosted by their own municipality),
moderators and administrators. Who manages an event (edit, cancel, close
signups, see and change the attendee list): its organizers, moderators and
administrators.
"""

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from community.models import Municipality, Role, User
from events.models import Audience, Event, Signup, SignupStatus

# Which events a user may see is ``Event.objects.visible_to(user)`` (events.models).


def can_create_events(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_moderator or (user.role == Role.COORDINATOR and user.municipality_id))
    )


def can_host_in(user: User, municipality) -> bool:
    """Coordinators host in their own municipality; moderators and admins anywhere."""
    if user.is_moderator:
        return True
    return municipality is not None and user.is_coordinator_of(municipality)


def can_address(user: User, audience: str, state: str, municipality_id: int | None) -> bool:
    """Whose calendar an event may go into: moderators and admins address anyone;
    everyone else the whole network, their own state or their own municipality.

    (Hosting in one's own municipality is not enough: the audience decides whose
    internal calendar shows the event.)
    """
    if user.is_moderator:
        return True
    if audience == Audience.NETWORK:
        return True
    if user.municipality_id is None:
        return False
    if audience == Audience.STATE:
        return state == user.municipality.state
    if audience == Audience.MUNICIPALITY:
        return municipality_id == user.municipality_id
    return False


def may_address_change(user: User, data: dict, event: Event | None = None) -> bool:
    """Whether an audience given in ``data`` (over ``event``'s current one) is allowed.

    Incomplete audiences pass (the service names the missing field), and so does
    an event's unchanged audience, even one its editor could not address today.
    """
    audience = data.get("audience", event.audience if event else Audience.NETWORK)
    state = data.get("audience_state", event.audience_state if event else "")
    municipality = data.get("audience_municipality", event.audience_municipality if event else None)
    if audience != Audience.MUNICIPALITY:
        municipality = None
    if audience != Audience.STATE:
        state = ""
    if (audience == Audience.STATE and not state) or (
        audience == Audience.MUNICIPALITY and municipality is None
    ):
        return True
    municipality_id = getattr(municipality, "pk", None)
    if event is not None and (audience, state, municipality_id) == (
        event.audience,
        event.audience_state,
        event.audience_municipality_id,
    ):
        return True
    return can_address(user, audience, state, municipality_id)


def host_choices(user: User) -> QuerySet[Municipality]:
    """The municipalities the event form offers as host (and as audience)."""
    if user.is_moderator:
        return Municipality.objects.only("pk", "name", "slug")
    return Municipality.objects.filter(pk=user.municipality_id).only("pk", "name", "slug")


def is_organizer(user: User, event: Event) -> bool:
    annotated = getattr(event, "is_organizer", None)
    if annotated is not None:
        return bool(annotated)
    return event.organizers.filter(pk=user.pk).exists()


def can_manage_event(user: User, event: Event) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_moderator or is_organizer(user, event)


def can_see_online_url(user: User, event: Event, my_status: str | None) -> bool:
    return my_status == "confirmed" or can_manage_event(user, event)


MAX_ID = 2**63 - 1


def parse_id(value) -> int:
    """A database id from a URL, or Http404: no 500 for ids the database cannot hold."""
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise Http404 from exc
    if not 0 < number <= MAX_ID:
        raise Http404
    return number


def access_event(user: User, event_id, queryset=None) -> Event:
    """The event if the user may see it; Http404 otherwise, also for bad ids."""
    if not user.is_authenticated:
        raise Http404
    events = queryset if queryset is not None else Event.objects.as_seen_by(user)
    try:
        return events.get(pk=parse_id(event_id))
    except Event.DoesNotExist as exc:
        raise Http404 from exc


# --- documents ("Unterlagen", registered with files.registry in EventsConfig.ready) ------
# Organizers (and moderators) attach documents at any time, before and after the
# event. Participants with a confirmed seat add their own once the event has
# begun (what they bring or write down there: slides, minutes, photos of the
# flip chart), never before: until then the event's page is the organizers'.
# Nobody adds to a cancelled event. Whoever may see the event sees its documents.
def can_see_event_files(user: User, event: Event) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return Event.objects.visible_to(user).filter(pk=event.pk).exists()


def can_manage_event_files(user: User, event: Event) -> bool:
    """Organizers and moderators remove any document; an uploader their own (files)."""
    return can_manage_event(user, event)


def is_confirmed_participant(user: User, event: Event) -> bool:
    return Signup.objects.filter(
        event=event, member_id=user.pk, status=SignupStatus.CONFIRMED
    ).exists()


def can_add_event_files(user: User, event: Event) -> bool:
    """Organizers at any time; confirmed participants from the event's start on."""
    if not user.is_authenticated or not user.is_active or event.is_cancelled:
        return False
    if can_manage_event(user, event):
        return True
    return event.starts_at <= timezone.now() and is_confirmed_participant(user, event)
