"""Signals that community sends for the apps above it (issue 17: community calls no app).

Higher layers connect receivers in their ``AppConfig.ready()``; community only
sends. Both signals go out inside the service's transaction, with ``send``
(not ``send_robust``): what a receiver keeps in step (the project's chat room)
is then saved or rolled back together with the project, and a receiver's error
fails the change as if the service had done the work itself.
"""

from django.dispatch import Signal

# A member was invited into a project (not yet a member).
# Arguments: ``invitation`` (ProjectInvitation), ``by`` (User or None).
project_invited = Signal()

#: A project was created or changed, or its members changed (an invitation
#: accepted): ``project`` is saved, its members are current. Sent by
#: ``project_create``, ``project_update`` and ``project_invitation_accept``.
project_changed = Signal()

#: A project is about to be deleted (``project`` still exists with its pk).
#: Sent by ``project_delete``.
project_deleted = Signal()

#: A coordinator proposed an identity provider for their municipality, or a change to
#: the approved one (issue 21); administrators should look at it. Arguments:
#: ``provider`` (OidcProvider, saved), ``by`` (the proposing coordinator).
oidc_proposed = Signal()
