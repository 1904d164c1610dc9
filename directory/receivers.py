"""How the search index follows the apps below, which never call the directory.

Community and events send ``member_profiles_changed`` where what a member shows
changes; deleting a search document (an erased or deleted member) drops the
member from the backend's own structures too.
"""

from django.db.models.signals import post_delete

from community.models import MemberSearchDocument
from community.signals import member_profiles_changed
from directory.search import get_backend
from directory.services import search_index_update


def profiles_changed(sender, member_ids, **kwargs) -> None:
    """Rebuild the documents in the sender's transaction: a search after it finds the change."""
    search_index_update(member_ids=member_ids)


def search_document_deleted(sender, instance, **kwargs) -> None:
    """No document left: the backend forgets the member (SQLite's FTS row)."""
    get_backend().index([instance.member_id])


def connect() -> None:
    member_profiles_changed.connect(profiles_changed, dispatch_uid="directory-profiles-changed")
    post_delete.connect(
        search_document_deleted,
        sender=MemberSearchDocument,
        dispatch_uid="directory-search-document-deleted",
    )
