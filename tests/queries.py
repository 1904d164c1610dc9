"""Query-count checks shared by the page and API tests."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def assert_constant_queries(
    client, url, grow, django_assert_num_queries, *, status, large_url=None, warm_up=False
):
    """``url`` runs as many queries after ``grow()`` added data as before.

    The caller states the ``status`` (a code or a set of codes) it expects, and both
    requests must answer with it: a redirect to the sign-in page or a 404 costs the
    same for any amount of data, so comparing two of them proves nothing.
    ``large_url`` is asked instead of ``url`` after ``grow()`` (e.g. a bigger page size).
    ``warm_up``: both are counted after one request has filled what a running site
    keeps cached (the search's synonyms and taxonomy), as every request but the first
    finds it.
    """
    expected = {status} if isinstance(status, int) else set(status)
    if warm_up:
        client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code in expected, (url, response.status_code)
    grow()
    large_url = large_url or url
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(large_url)
    assert response.status_code in expected, (large_url, response.status_code)
    return response
