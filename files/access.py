"""Who may see and manage a stored file.

An unattached file: its uploader only. An attached file: whoever may see (or
manage) the object it is attached to, as the app of that object registered it
(files.registry); an unregistered kind or a deleted object: nobody. Missing
and forbidden look the same (Http404).
"""

import uuid

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404

from files import registry
from files.models import StoredFile


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _target(file: StoredFile):
    """The object the file is attached to; None when it is gone (or its model is)."""
    try:
        return file.attached_to
    except (AttributeError, ObjectDoesNotExist):
        return None


def can_view(user, file: StoredFile) -> bool:
    if not _active(user):
        return False
    if not file.is_attached:
        return file.uploader_id == user.pk
    target = _target(file)
    rules = registry.attachable(type(target)) if target is not None else None
    return bool(rules and rules.can_view(user, target))


def can_manage(user, file: StoredFile) -> bool:
    """May delete it: the uploader, or whoever may manage the object it is attached to."""
    if not can_view(user, file):
        return False
    if file.uploader_id == user.pk:
        return True
    target = _target(file)
    rules = registry.attachable(type(target)) if target is not None else None
    return bool(rules and rules.can_manage(user, target))


def access_file(user, file_id) -> StoredFile:
    """The file, or Http404 whether it is missing or hidden from this user."""
    try:
        key = file_id if isinstance(file_id, uuid.UUID) else uuid.UUID(str(file_id))
    except (ValueError, TypeError, AttributeError):
        raise Http404 from None
    file = StoredFile.objects.filter(pk=key).first()
    if file is None or not can_view(user, file):
        raise Http404
    return file
