from rest_framework import pagination

from community.selectors import RankedPaginator


class PageNumberPagination(pagination.PageNumberPagination):
    """``{"count", "next", "previous", "results"}`` with ``?page_size=`` up to 100."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class MemberSearchPagination(PageNumberPagination):
    """The member search's pages, counted in the query that ranks them."""

    django_paginator_class = RankedPaginator
