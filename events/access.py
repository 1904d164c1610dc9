"""Who may see, create and manage events.

A missing event and one the user may not see look the same: Http404.

Who creates events: coordinators (hosted by their own municipality),
moderators and administrators. Who manages an event (edit, cancel, close
signups, see and change the attendee list): its organizers, moderators and
administrators.
"""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from community.models import Role, User
from events.models import Audience, Event


def visible_q(user: User) -> Q:
    """Events meant for the user's audience, plus those the user organizes."""
    if user.is_moderator:
        return Q()
    q = Q(audience=Audience.NETWORK)
    if user.municipality_id:
        q |= Q(audience=Audience.STATE, audience_state=user.municipality.state)
        q |= Q(audience=Audience.MUNICIPALITY, audience_municipality_id=user.municipality_id)
    organized = Event.organizers.through.objects.filter(event_id=OuterRef("pk"), user_id=user.pk)
    return q | Q(Exists(organized))


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
    from events import selectors

    if not user.is_authenticated:
        raise Http404
    events = queryset if queryset is not None else selectors.event_list(viewer=user)
    try:
        return events.get(pk=parse_id(event_id))
    except Event.DoesNotExist as exc:
        raise Http404 from exc
