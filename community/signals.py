"""Open sockets end with the credential that opened them (core.ws_auth).

One small receiver per credential model: when API tokens move to a model of
their own, point ``token_ended`` at it (and register it with
``ws_auth.register_token_auth`` in ``CommunityConfig.ready``) and nothing
else changes. The event goes out on commit, so a rolled-back logout closes nothing.
"""

from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete

from community.models import ApiToken, User
from core import realtime


def _sockets_end_on_commit(group: str) -> None:
    realtime.send_on_commit(group, {"type": realtime.SOCKET_ENDED})


def session_ended(sender, instance, **kwargs) -> None:
    """Logout (the session is flushed), password change, sessions ended by a service."""
    _sockets_end_on_commit(realtime.credential_group("session", instance.pk))


def token_ended(sender, instance, **kwargs) -> None:
    """A revoked or renewed API token, or every token of a deactivated member."""
    _sockets_end_on_commit(realtime.credential_group("token", instance.pk))


def member_deleted(sender, instance, **kwargs) -> None:
    """A member row deleted outright (the admin's delete): their sessions outlive it."""
    _sockets_end_on_commit(realtime.member_sockets_group(instance.pk))


def connect() -> None:
    post_delete.connect(session_ended, sender=Session, dispatch_uid="sockets-session-ended")
    post_delete.connect(member_deleted, sender=User, dispatch_uid="sockets-member-deleted")
    post_delete.connect(token_ended, sender=ApiToken, dispatch_uid="sockets-token-ended")
