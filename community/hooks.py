"""Hooks for the layers above: community says what happened, it calls no app above it.

A higher app (notifications, chat, …) connects its receivers in its
``AppConfig.ready()``. Signals are sent inside the service's transaction, so a
receiver's writes commit or roll back with it.
"""

from django.dispatch import Signal

# A member was invited into a project (not yet a member).
# Arguments: ``invitation`` (ProjectInvitation), ``by`` (User or None).
project_invited = Signal()
