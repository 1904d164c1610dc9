"""Hooks for the platform's notifications (the bell), filled in by the forum issue.

The events app calls these inside its transactions; they do nothing yet. The
notifications system replaces the bodies (creating notifications and sending
``community.realtime.NOTIFICATION_NEW`` on commit) without touching events.
E-mails for the same occasions are sent by events.services already.
"""


def member_promoted(*, signup) -> None:
    """``signup.member`` moved up from the waiting list and now holds a seat."""


def event_cancelled(*, event, members, by) -> None:
    """``event`` was cancelled; ``members`` are everybody signed up and the organizers."""
