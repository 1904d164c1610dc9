"""The bell for events: promotions from the waiting list and cancellations.

Called by events.services inside their transactions; the notifications
service rings the bell and sends e-mail per the member's choice on commit.
The events app's own e-mails for the same occasions are sent by its services.
"""

from django.utils.translation import gettext as _

from notifications.services import notification_create


def _thread(event) -> dict:
    # events.services mails these occasions itself; the bell must not mail them again.
    return {
        "thread_key": f"events.event.{event.pk}",
        "thread_title": event.title,
        "mailed_elsewhere": True,
    }


def member_promoted(*, signup) -> None:
    """``signup.member`` moved up from the waiting list and now holds a seat."""
    event = signup.event
    notification_create(
        recipient=signup.member,
        kind="events.promoted",
        text=_("Sie sind von der Warteliste nachgerückt: %(title)s") % {"title": event.title},
        url=event.get_absolute_url(),
        **_thread(event),
    )


def event_cancelled(*, event, members, by) -> None:
    """``event`` was cancelled; ``members`` are everybody signed up and the organizers."""
    for member in members:
        notification_create(
            recipient=member,
            kind="events.cancelled",
            text=_("Abgesagt: %(title)s") % {"title": event.title},
            url=event.get_absolute_url(),
            actor=by,
            **_thread(event),
        )
