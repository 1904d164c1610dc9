"""Searching threads over the API: ``GET /api/forum/threads/?q=``."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum import services

pytestmark = pytest.mark.django_db


def titles(response):
    assert response.status_code == 200, response.json()
    return [t["title"] for t in response.json()["results"]]


@pytest.fixture
def scanners(make_thread, other, member):
    thread = make_thread(other, title="Welche Dokumentenscanner nutzt ihr?", body="Für die E-Akte.")
    other_thread = make_thread(other, title="Dienstplanung", body="Schichten im Bürgerbüro")
    services.post_create(author=member, thread=other_thread, body="Wir planen mit Excel.")
    return thread, other_thread


def test_q_finds_threads_by_title_and_by_any_post(member_api, scanners):
    assert titles(member_api.get("/api/forum/threads/?q=Dokumentenscanner")) == [
        "Welche Dokumentenscanner nutzt ihr?"
    ]
    # A reply's words find its thread; stems and umlauts as in the member search.
    assert titles(member_api.get("/api/forum/threads/?q=excel")) == ["Dienstplanung"]
    assert titles(member_api.get("/api/forum/threads/?q=Burgerburo")) == ["Dienstplanung"]
    assert titles(member_api.get("/api/forum/threads/?q=Faxgerät")) == []


def test_hidden_and_deleted_posts_are_not_searched(member_api, scanners, moderator, member):
    _, planning = scanners
    reply = planning.posts.get(number=2)
    services.post_hide(moderator=moderator, post=reply, reason="Test")
    assert titles(member_api.get("/api/forum/threads/?q=excel")) == []


def test_q_combines_with_the_other_filters_and_blank_means_all(member_api, scanners):
    assert titles(member_api.get("/api/forum/threads/?q=excel&category=e-akte")) == []
    assert len(titles(member_api.get("/api/forum/threads/?q=%20"))) == 2


def test_bad_queries_are_4xx_with_a_reason(member_api):
    response = member_api.get("/api/forum/threads/", {"q": "x" * 201})
    assert response.status_code == 400 and "q" in response.json()
    assert titles(member_api.get("/api/forum/threads/", {"q": "\x00'\"%_*()"})) == []


def test_search_queries_do_not_grow_with_results(
    member_api, make_thread, other, django_assert_num_queries
):
    make_thread(other, title="Scanner eins", body="Scanner")
    url = "/api/forum/threads/?q=Scanner"
    with CaptureQueriesContext(connection) as few:
        assert member_api.get(url).status_code == 200
    for n in range(15):
        make_thread(other, title=f"Scanner {n}", body="Scanner", tags=[])
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(titles(member_api.get(url))) == 16


def test_typos_in_titles_are_forgiven_on_postgresql(needs_postgres, member_api, scanners):
    found = titles(member_api.get("/api/forum/threads/?q=Dokumnetenscanner"))
    assert found == ["Welche Dokumentenscanner nutzt ihr?"]


def test_sqlite_search_is_exact_about_typos(member_api, scanners):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's behaviour; PostgreSQL forgives typos (test above)")
    # No trigrams on SQLite: a typo finds nothing, and the search says no more than it can.
    assert titles(member_api.get("/api/forum/threads/?q=Dokumnetenscanner")) == []
    # Prefixes of four letters and more still match.
    assert titles(member_api.get("/api/forum/threads/?q=Dokumenten")) == [
        "Welche Dokumentenscanner nutzt ihr?"
    ]
