"""Signals of the community app, and the receivers that end sockets.

``member_profiles_changed``: what members show others changed; the layers
above keep their copies in step (the directory's search index, registered in
``DirectoryConfig.ready()``), so community never calls them.

Open sockets end with the credential that opened them (core.ws_auth).

One small receiver per credential model: when API tokens move to a model of
their own, point ``token_ended`` at it (and register it with
``ws_auth.register_token_auth`` in ``CommunityConfig.ready``) and nothing
else changes. The event goes out on commit, so a rolled-back logout closes nothing.
"""

from collections.abc import Iterable

from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete
from django.dispatch import Signal

from community.models import ApiToken, User
from core import realtime

#: Sent inside the writing transaction with ``member_ids`` whenever a member's
#: name, profile, expertise, municipality, projects (with their tools) or the
#: events they lead changed, or the member was (de)activated.
member_profiles_changed = Signal()


def member_profiles_changed_send(*, member_ids: Iterable[int]) -> None:
    """Tell the layers above that these members show something new."""
    member_profiles_changed.send(sender=None, member_ids=sorted(set(member_ids)))


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
