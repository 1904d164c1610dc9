"""How the search index follows the apps below, which never call the directory.

Community and events send ``member_profiles_changed`` where what a member shows
changes; deleting a search document (an erased or deleted member) drops the
member from the backend's own structures too. A saved or deleted synonym or field
of the taxonomy makes the search forget its cached copy of them.
"""

from django.db.models.signals import post_delete, post_save

from community.models import Expertise, MemberSearchDocument
from community.signals import member_profiles_changed
from directory.models import SearchSynonym
from directory.search import get_backend
from directory.selectors import search_counts_forget, search_tables_forget
from directory.services import search_index_update


def profiles_changed(sender, member_ids, **kwargs) -> None:
    """Rebuild the documents in the sender's transaction: a search after it finds the change."""
    search_index_update(member_ids=member_ids)


def search_document_deleted(sender, instance, **kwargs) -> None:
    """No document left: the backend forgets the member (SQLite's FTS row)."""
    get_backend().index([instance.member_id])
    search_counts_forget()


def search_tables_changed(sender, **kwargs) -> None:
    """A synonym or a field of the taxonomy saved or deleted: searches read them anew."""
    search_tables_forget()


def connect() -> None:
    for model in (SearchSynonym, Expertise):
        for name, signal in (("saved", post_save), ("deleted", post_delete)):
            signal.connect(
                search_tables_changed,
                sender=model,
                dispatch_uid=f"directory-search-tables-{model._meta.label_lower}-{name}",
            )
    member_profiles_changed.connect(profiles_changed, dispatch_uid="directory-profiles-changed")
    post_delete.connect(
        search_document_deleted,
        sender=MemberSearchDocument,
        dispatch_uid="directory-search-document-deleted",
    )
