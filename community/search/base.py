from django.db.models import QuerySet


class SearchBackend:
    """The interface of a search backend.

    ``index`` brings the vendor's structures up to date for documents already
    saved; ``search`` keeps the members matching ``terms`` and annotates each
    with ``text_rank`` between 0 and 1.
    """

    vendor = ""
    #: "Akten" finds "Akte", "Schulungen" finds "Schulung".
    supports_stemming = False
    #: "Ubergabe" finds "Übergabe".
    supports_umlaut_folding = False
    #: "Dienstplanug" finds "Dienstplanung".
    supports_typo_tolerance = False

    def index(self, member_ids: list[int]) -> None:
        raise NotImplementedError

    def search(self, members: QuerySet, terms: list[str]) -> QuerySet:
        raise NotImplementedError
