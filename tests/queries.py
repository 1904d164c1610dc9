"""Query-count checks shared by the page and API tests."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def assert_constant_queries(client, url, grow, django_assert_num_queries):
    """``url`` runs as many queries after ``grow()`` added data as before."""
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    grow()
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
