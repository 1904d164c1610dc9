"""The one search box (``/api/search/`` and ``/suche/``): only what the caller may open.

Every kind hides from the attacker with an account what the kind's own pages
hide: another city's draft project and internal event, a private room one is
not in or has left, a deactivated member. Bad input answers 200 or 400, never 500.
"""

import datetime as dt

import pytest
from django.utils import timezone

from chat import services as chat_services
from chat.models import Message, Room, RoomKind
from community import services
from community.models import ProjectKind, Role
from directory.federated import search_everything
from events import services as event_services
from events.models import Audience
from forum import services as forum_services
from forum.models import Category
from tests.conftest import PASSWORD
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

WORD = "Zauberwort"


def _category():
    return Category.objects.get_or_create(slug="austausch", defaults={"name": "Austausch"})[0]


@pytest.fixture
def world(make_municipality, make_member, member, taxonomy):
    """Things with the word: some the member (Wetzlar) may open, some not."""
    giessen = make_municipality(name="Gießen", domains=["giessen.example"])
    stranger = make_member(municipality=giessen, display_name="Gerd Gießen", role=Role.COORDINATOR)
    seen, hidden = {}, {}

    colleague = make_member(municipality=giessen, display_name="Carla Kollegin")
    services.member_update_profile(member=colleague, bio=f"Ich kenne das {WORD} gut.")
    seen["member"] = colleague.pk
    gone = make_member(municipality=giessen, display_name="Gustav Gegangen")
    services.member_update_profile(member=gone, bio=f"Auch ich kenne das {WORD}.")
    services.member_deactivate(member=gone)
    hidden["member"] = gone.pk

    public = services.project_create(
        created_by=stranger,
        municipality=giessen,
        title=f"{WORD} für alle",
        kind=ProjectKind.EAKTE,
        is_published=True,
    )
    draft = services.project_create(
        created_by=stranger,
        municipality=giessen,
        title=f"{WORD} im Entwurf",
        kind=ProjectKind.EAKTE,
        is_published=False,
    )
    seen["project"], hidden["project"] = public.pk, draft.pk

    thread = forum_services.thread_create(
        author=stranger, category=_category(), title="Frage", body=f"## Wer kennt das {WORD}?"
    )
    seen["thread"] = thread.pk

    starts = timezone.now() + dt.timedelta(days=7)
    open_event = event_services.event_create(
        created_by=stranger,
        title=f"{WORD} offen",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        hosting_municipality=giessen,
    )
    internal = event_services.event_create(
        created_by=stranger,
        title=f"{WORD} intern",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        hosting_municipality=giessen,
        audience=Audience.MUNICIPALITY,
        audience_municipality=giessen,
    )
    seen["event"], hidden["event"] = open_event.pk, internal.pk

    network = chat_services.room_create(
        created_by=None, name="Allgemein", kind=RoomKind.NETWORK, slug="allgemein"
    )
    said, _ = chat_services.message_post(
        room=network, author=stranger, body=f"{WORD} im Netzwerk", client_id="a"
    )
    secret = chat_services.room_create(created_by=stranger, name="Geheimrat", slug="geheimrat")
    whisper, _ = chat_services.message_post(
        room=secret, author=stranger, body=f"{WORD} geheim", client_id="b"
    )
    left = chat_services.room_create(
        created_by=stranger, name="Ehemals", slug="ehemals", members=[member]
    )
    chat_services.room_leave(room=left, member=member)
    old, _ = chat_services.message_post(
        room=left, author=stranger, body=f"{WORD} nach dem Gehen", client_id="c"
    )
    seen["message"] = said.pk
    hidden["message"] = [whisper.pk, old.pk]
    return seen, hidden


def _add_hits(author, n: int, *, tag: str = "") -> None:
    """``n`` things of every kind with the word that ``member`` (Wetzlar) may open."""
    room = Room.objects.filter(slug="allgemein").first() or chat_services.room_create(
        created_by=None, name="Allgemein", kind=RoomKind.NETWORK, slug="allgemein"
    )
    starts = timezone.now() + dt.timedelta(days=3)
    for i in range(n):
        label = f"{WORD} {tag}{i}"
        services.member_create(
            email=f"viele{tag}{i}@{author.municipality.slug}.example",
            display_name=f"Viele {tag}{i}",
            municipality=author.municipality,
            password=PASSWORD,
            bio=f"Ich kenne das {WORD}.",
        )
        services.project_create(
            created_by=author,
            municipality=author.municipality,
            title=label,
            kind=ProjectKind.EAKTE,
            is_published=True,
        )
        forum_services.thread_create(author=author, category=_category(), title=label, body="Text")
        event_services.event_create(
            created_by=author,
            title=label,
            starts_at=starts + dt.timedelta(days=i),
            ends_at=starts + dt.timedelta(days=i, hours=2),
            hosting_municipality=author.municipality,
        )
        chat_services.message_post(room=room, author=author, body=label, client_id=f"v{tag}{i}")


@pytest.fixture
def grow(make_member):
    """Adds three things of every kind with the word (for the query-count checks)."""
    author = make_member(display_name="Noch Jemand", role=Role.COORDINATOR)
    rounds = iter(range(100))
    return lambda: _add_hits(author, 3, tag=f"g{next(rounds)}-")


def _found(response) -> set[tuple[str, int]]:
    assert response.status_code == 200, response.content
    return {(r["type"], r["id"]) for r in response.json()["results"]}


def test_the_api_finds_each_kind_the_member_may_open(member_api, world):
    seen, _hidden = world
    found = _found(member_api.get("/api/search/", {"q": WORD, "page_size": 100}))
    for kind, pk in seen.items():
        assert (kind, pk) in found, kind


def test_the_api_hides_what_the_member_may_not_open(member_api, world):
    _seen, hidden = world
    found = _found(member_api.get("/api/search/", {"q": WORD, "page_size": 100}))
    assert ("member", hidden["member"]) not in found
    assert ("project", hidden["project"]) not in found
    assert ("event", hidden["event"]) not in found
    for pk in hidden["message"]:
        assert ("message", pk) not in found


def test_the_contract_shape_best_first_and_plain_snippets(member_api, world):
    body = member_api.get("/api/search/", {"q": WORD, "page_size": 100}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == len(body["results"]) >= 5
    for hit in body["results"]:
        assert set(hit) == {"type", "id", "title", "snippet", "url", "score"}
        assert "<" not in hit["snippet"] and "##" not in hit["snippet"]
        assert hit["url"].startswith("/")
    scores = [hit["score"] for hit in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_type_narrows_to_the_kinds_asked_for(member_api, world):
    found = _found(member_api.get("/api/search/?q=" + WORD + "&type=event&type=project"))
    assert found and {kind for kind, _pk in found} <= {"event", "project"}
    found = _found(member_api.get("/api/search/", {"q": WORD, "type": "thread,message"}))
    assert found and {kind for kind, _pk in found} <= {"thread", "message"}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": ""},
        {"q": "   "},
        {"q": "x" * 5000},
        {"q": "a\x00b"},
        {"q": WORD + "\x00"},
        {"q": "enaio " * 1000},
        {"q": '& | ! :* "'},
        {"q": "!!! ??? ..."},
        {"q": WORD, "type": "x"},
    ],
)
def test_bad_input_gets_400_with_a_reason(member_api, params):
    response = member_api.get("/api/search/", params)
    assert response.status_code == 400
    assert response.json()


@pytest.mark.parametrize(
    "q",
    [
        "der die das und",
        "akte & enaio | !c:* <-> 'xy'",
        "'; DROP TABLE forum_post; --",
        "enaio:* & !akte",
        "Москва E-Akte 東京 مرحبا",
        '"unbalanced',
        f'{WORD} & | ! :* "',
        f"Москва {WORD} 東京",
    ],
)
def test_odd_queries_answer_200(member_api, world, q):
    response = member_api.get("/api/search/", {"q": q})
    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results"}


def test_anonymous_callers_get_nothing(api_client, world):
    assert api_client.get("/api/search/", {"q": WORD}).status_code in {401, 403}


def test_the_api_costs_the_same_queries_for_more_data(
    member_api, world, grow, django_assert_num_queries
):
    assert_constant_queries(
        member_api,
        f"/api/search/?q={WORD}",
        grow,
        django_assert_num_queries,
        status=200,
        warm_up=True,
    )


# --- the results page ---------------------------------------------------------------
def test_every_page_has_the_search_box(member_client):
    page = member_client.get("/forum/").content.decode()
    assert 'role="search"' in page and 'action="/suche/"' in page
    assert 'id="site-search-q"' in page and 'for="site-search-q"' in page


def test_the_page_groups_hits_by_kind_and_marks_the_words(member_client, world):
    page = member_client.get("/suche/", {"q": WORD}).content.decode()
    for heading in ("Menschen", "Projekte", "Forum", "Termine", "Chat"):
        assert f">{heading}</h2>" in page
    assert f"<mark>{WORD}</mark>" in page
    assert "## Wer" not in page and "Wer kennt das" in page


def test_the_page_hides_what_the_member_may_not_open(member_client, world):
    page = member_client.get("/suche/", {"q": WORD}).content.decode()
    for hidden in ("Gustav Gegangen", "im Entwurf", "intern", "geheim", "nach dem Gehen"):
        assert hidden not in page, hidden


def test_user_html_in_a_hit_stays_text(member_client, member, taxonomy):
    forum_services.thread_create(
        author=member,
        category=_category(),
        title=f"<img src=x onerror=alert(1)> {WORD}",
        body=f"<script>alert(1)</script> {WORD}",
    )
    page = member_client.get("/suche/", {"q": WORD}).content.decode()
    assert "<img src=x" not in page and "<script>alert" not in page


@pytest.mark.parametrize(
    "q",
    [
        "x" * 5000,
        "!!! ???",
        "der die das",
        "a\x00b",
        f"{WORD}\x00",
        "enaio:* & !akte",
        '& | ! :* "',
        "Москва 東京",
        f"Москва {WORD} مرحبا",
        "",
    ],
)
def test_the_page_answers_odd_queries_without_error(member_client, world, q):
    response = member_client.get("/suche/", {"q": q, "type": "nonsense"})
    assert response.status_code == 200
    page = response.content.decode()
    if q:  # a hit, "nothing found", or why the query was not run
        assert (
            'class="search-hit' in page
            or "Nichts gefunden." in page
            or "mindestens ein Wort" in page
            or "Die Suche ist zu lang" in page
        )


def test_the_api_ranks_title_matches_above_text_matches(member_api, member, make_member):
    """Projects and events: the word in the title beats the word in the text, even when
    the text match is newer; among title matches the coming event comes first."""
    stranger = make_member(display_name="Noch Jemand", role=Role.COORDINATOR)
    in_title = services.project_create(
        created_by=stranger,
        municipality=stranger.municipality,
        title=f"{WORD} im Titel",
        kind=ProjectKind.EAKTE,
        is_published=True,
    )
    in_text = services.project_create(
        created_by=stranger,
        municipality=stranger.municipality,
        title="Etwas anderes",
        body=f"Hier steht das {WORD} nur im Text.",
        kind=ProjectKind.EAKTE,
        is_published=True,
    )
    now = timezone.now()

    def event(title, description, days):
        starts = now + dt.timedelta(days=days)
        return event_services.event_create(
            created_by=stranger,
            title=title,
            description=description,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=2),
            hosting_municipality=stranger.municipality,
        )

    text_soon = event("Treffen", f"Es geht um das {WORD}.", 1)
    title_later = event(f"{WORD} später", "", 60)
    title_soon = event(f"{WORD} bald", "", 3)
    title_past = event(f"{WORD} vorbei", "", -3)
    found = member_api.get("/api/search/", {"q": WORD, "type": "project,event"}).json()
    order = [(r["type"], r["id"]) for r in found["results"]]
    projects = [pk for kind, pk in order if kind == "project"]
    events = [pk for kind, pk in order if kind == "event"]
    assert projects == [in_title.pk, in_text.pk]
    assert events == [title_soon.pk, title_later.pk, title_past.pk, text_soon.pk]


def test_the_page_costs_the_same_queries_for_more_data(
    member_client, world, grow, django_assert_num_queries
):
    assert_constant_queries(
        member_client,
        f"/suche/?q={WORD}",
        grow,
        django_assert_num_queries,
        status=200,
        warm_up=True,
    )


# --- every hit, a page at a time ------------------------------------------------------
KINDS = ["member", "project", "thread", "event", "message"]


@pytest.fixture
def many(world, make_member):
    """Seven more things of every kind with the word, besides the world's."""
    author = make_member(display_name="Viel Schreiber", role=Role.COORDINATOR)
    _add_hits(author, 7)


def _all_pages(api, params) -> tuple[list[dict], int]:
    """Every hit, following ``next`` from the first page; and the first page's count."""
    response = api.get("/api/search/", params)
    assert response.status_code == 200, response.content
    body = response.json()
    count, hits = body["count"], list(body["results"])
    while body["next"]:
        response = api.get(body["next"])
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["count"] == count
        hits += body["results"]
    return hits, count


@pytest.mark.parametrize("kind", KINDS)
def test_paging_one_kind_with_next_reaches_every_hit_once_in_rank_order(member_api, many, kind):
    whole = member_api.get("/api/search/", {"q": WORD, "type": kind, "page_size": 100}).json()
    assert whole["count"] == len(whole["results"]) >= 8
    hits, count = _all_pages(member_api, {"q": WORD, "type": kind, "page_size": 3})
    ids = [hit["id"] for hit in hits]
    assert count == whole["count"] and len(ids) == len(set(ids)) == count
    assert ids == [hit["id"] for hit in whole["results"]]
    assert {hit["type"] for hit in hits} == {kind}
    scores = [hit["score"] for hit in whole["results"]]
    assert scores[0] == 1.0 and scores == sorted(scores, reverse=True)


def test_chat_messages_are_the_newest_candidates_counted_with_a_plus(
    member_api, member_client, many, monkeypatch
):
    """The header search looks for chat messages among the newest ``SEARCH_CANDIDATES``
    matches (the query that finds them counts them); the page says there are more."""
    monkeypatch.setattr("chat.selectors.SEARCH_CANDIDATES", 3)
    newest = list(
        Message.objects.filter(body__icontains=WORD).order_by("-pk").values_list("pk", flat=True)
    )
    assert len(newest) > 3
    hits, count = _all_pages(member_api, {"q": WORD, "type": "message", "page_size": 2})
    assert count == 3 and sorted(hit["id"] for hit in hits) == sorted(newest[:3])
    page = member_client.get("/suche/", {"q": WORD}).content.decode()
    assert 'Chat <span class="count">(3+)</span>' in page


def test_paging_the_merged_list_reaches_every_hit_once_best_first(member_api, many, monkeypatch):
    monkeypatch.setattr("chat.selectors.SEARCH_CANDIDATES", 3)
    counts = {
        kind: member_api.get("/api/search/", {"q": WORD, "type": kind}).json()["count"]
        for kind in KINDS
    }
    hits, count = _all_pages(member_api, {"q": WORD, "page_size": 4})
    found = [(hit["type"], hit["id"]) for hit in hits]
    assert count == sum(counts.values()) == len(found) == len(set(found))
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True)
    firsts = {}
    for hit in hits:
        firsts.setdefault(hit["type"], hit["score"])
    assert firsts == dict.fromkeys(KINDS, 1.0)  # each kind's best is 1
    two = member_api.get("/api/search/", {"q": WORD, "type": "event,project", "page_size": 5})
    assert two.json()["count"] == counts["event"] + counts["project"]


@pytest.mark.parametrize("kind", [*KINDS, None])
def test_no_page_shows_what_the_member_may_not_open(member_api, world, kind):
    """A page at a time, down to the last one: no draft or internal thing of another
    city, no private room, no room the member left, no deactivated member."""
    _seen, hidden = world
    params = {"q": WORD, "page_size": 1} | ({"type": kind} if kind else {})
    hits, _count = _all_pages(member_api, params)
    found = {(hit["type"], hit["id"]) for hit in hits}
    forbidden = {("message", pk) for pk in hidden["message"]} | {
        (k, pk) for k, pk in hidden.items() if k != "message"
    }
    assert found and not found & forbidden


def test_a_deactivated_member_gets_no_page(api_client, client, world, member):
    token = services.member_token(member=member)
    client.force_login(member)
    services.member_deactivate(member=member)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.get("/api/search/", {"q": WORD, "type": "member", "page": 2})
    assert response.status_code == 401
    page = client.get("/suche/", {"q": WORD, "type": "member", "page": 2})
    assert page.status_code == 302 and "Carla" not in page.content.decode()


def test_the_page_of_another_city_hides_its_internal_event(
    api_client, world, make_member, make_municipality
):
    """The Gießen event for Gießen only: a member of a third city never sees it paging."""
    _seen, hidden = world
    other = make_member(municipality=make_municipality(name="Marburg"))
    api_client.force_authenticate(other)
    hits, _count = _all_pages(api_client, {"q": WORD, "type": "event", "page_size": 1})
    assert hits and ("event", hidden["event"]) not in {(h["type"], h["id"]) for h in hits}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"page": "abc"}, 404),
        ({"page": "0"}, 404),
        ({"page": "-1"}, 404),
        ({"page": "999"}, 404),
        ({"page": "999", "type": "member"}, 404),
        ({"page": "2", "page_size": "100", "type": "thread"}, 404),
        ({"type": "member,nonsense"}, 400),
        ({"type": "members"}, 400),
    ],
)
def test_bad_pages_and_types_get_4xx_with_a_reason(member_api, world, params, status):
    response = member_api.get("/api/search/", {"q": WORD, **params})
    assert response.status_code == status
    assert response.json()


def test_a_page_size_above_100_answers_without_error(member_api, many):
    body = member_api.get("/api/search/", {"q": WORD, "page_size": 1000}).json()
    assert 25 < body["count"] <= 100  # more than the default page size of 25
    assert len(body["results"]) == body["count"] and body["next"] is None


def test_a_page_size_of_nonsense_gets_the_default(member_api, world):
    response = member_api.get("/api/search/", {"q": WORD, "page_size": "abc"})
    assert response.status_code == 200


def test_an_empty_search_answers_an_empty_first_page(member_api, world):
    body = member_api.get("/api/search/", {"q": "Nirgendwowort", "page": 1}).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize("kind", [*KINDS, None])
def test_a_deeper_page_costs_the_same_queries_for_more_data(
    member_api, many, grow, kind, django_assert_num_queries
):
    url = f"/api/search/?q={WORD}&page=2&page_size=3" + (f"&type={kind}" if kind else "")
    assert_constant_queries(
        member_api, url, grow, django_assert_num_queries, status=200, warm_up=True
    )


# --- the results page: each kind's best, then all of one kind -------------------------------
def test_the_page_links_to_all_hits_of_a_kind_with_their_count(member_client, many):
    page = member_client.get("/suche/", {"q": WORD}).content.decode()
    assert page.count('class="search-hit') == 5 * 5  # each kind's best five
    assert "Alle 8 Forenthemen anzeigen" in page and "Alle 8 Termine anzeigen" in page
    assert f'href="/suche/?q={WORD}&amp;type=thread"' in page
    assert 'aria-label="Arten von Treffern"' in page
    assert f'<a href="/suche/?q={WORD}" aria-current="page">Alle' in page


def test_one_kind_is_paged_through_keeping_query_and_kind(member_client, many):
    first = member_client.get("/suche/", {"q": WORD, "type": "event"}).content.decode()
    assert ">Termine</h2>" in first and "1–8 von 8 Treffern" in first
    assert f'href="/suche/?q={WORD}&amp;type=event" aria-current="page"' in first
    assert 'name="type" value="event"' in first  # a new search stays in the kind
    assert "Alle 8" not in first

    projects = member_client.get("/suche/", {"q": WORD, "type": "project"}).content.decode()
    assert "1–8 von 8 Treffern" in projects


def test_one_kind_pages_with_page_links(member_client, many, monkeypatch):
    monkeypatch.setattr("directory.views.SEARCH_PAGE_SIZE", 3)
    first = member_client.get("/suche/", {"q": WORD, "type": "thread"}).content.decode()
    assert "1–3 von 8 Treffern" in first and 'rel="next"' in first
    assert f"q={WORD}&amp;type=thread&amp;page=2" in first
    last = member_client.get("/suche/", {"q": WORD, "type": "thread", "page": 3})
    page = last.content.decode()
    assert "7–8 von 8 Treffern" in page and 'rel="prev"' in page and 'rel="next"' not in page
    assert "Seite 3" in page  # in the title too
    # Nonsense pages show a page rather than an error: the first, or the last.
    assert (
        "1–3 von 8"
        in member_client.get("/suche/?q=" + WORD + "&type=thread&page=abc").content.decode()
    )
    assert (
        "7–8 von 8"
        in member_client.get("/suche/?q=" + WORD + "&type=thread&page=999").content.decode()
    )


@pytest.mark.parametrize("kind", KINDS)
def test_the_kind_pages_hide_what_the_member_may_not_open(member_client, world, kind):
    page = member_client.get("/suche/", {"q": WORD, "type": kind}).content.decode()
    assert 'class="search-hit' in page
    for hidden in ("Gustav Gegangen", "im Entwurf", "intern", "geheim", "nach dem Gehen"):
        assert hidden not in page, hidden


@pytest.mark.parametrize("kind", KINDS)
def test_a_kind_page_costs_the_same_queries_for_more_data(
    member_client, many, grow, kind, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr("directory.views.SEARCH_PAGE_SIZE", 3)
    url = f"/suche/?q={WORD}&type={kind}&page=2"
    assert_constant_queries(
        member_client, url, grow, django_assert_num_queries, status=200, warm_up=True
    )


def test_the_page_speaks_english_too(member_client, many):
    page = member_client.get("/suche/", {"q": WORD}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Show all 8 forum threads" in page and 'aria-label="Kinds of results"' in page
    kind = member_client.get(
        "/suche/", {"q": WORD, "type": "event"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "1–8 of 8 results" in kind


@pytest.mark.django_db(transaction=True)
def test_kinds_read_side_by_side_find_the_same_as_one_after_another(member_api, many, monkeypatch):
    """Outside a transaction (as a request in production) the kinds are read in threads,
    each with a pooled connection of its own that it hands back; the answer is the
    one the kinds give one after another."""
    import threading

    from django.db import connection

    from directory import federated

    if not connection.settings_dict.get("OPTIONS", {}).get("pool"):
        pytest.skip("side by side only with a connection pool (PostgreSQL)")
    threads = set()
    window = federated._Projects.window

    def recording(self, start, stop):
        threads.add(threading.get_ident())
        return window(self, start, stop)

    monkeypatch.setattr(federated._Projects, "window", recording)
    answers = {}
    for parallel in (False, True):
        monkeypatch.setattr(federated, "PARALLEL", parallel)
        answers[parallel] = [
            member_api.get("/api/search/", {"q": WORD, "page_size": size}).json()
            for size in (4, 100)
        ]
    assert answers[True] == answers[False] and answers[True][1]["count"] > 25
    assert threading.get_ident() in threads and len(threads) > 1  # in threads as well


def test_a_thread_hit_leads_to_its_best_matching_post(member, make_member, taxonomy):
    """The forum kind ranks a thread by its best matching post and links to that post,
    whichever post of the thread it is; a deleted one is not linked."""
    author = make_member(email="schreiberin@giessen.de")
    thread = forum_services.thread_create(
        author=author, category=_category(), title="Frage", body=f"Kennt wer {WORD}?"
    )
    best = forum_services.post_create(
        author=author, thread=thread, body=f"{WORD}: {WORD} hier, {WORD} dort, {WORD} überall."
    )
    forum_services.post_create(author=author, thread=thread, body="Danke!")

    def hit():
        found = search_everything(viewer=member, q=WORD, kinds=["thread"])
        hits = found.hits[0:5]
        assert [h.id for h in hits] == [thread.pk]
        return hits[0]

    assert hit().url == best.get_absolute_url()
    forum_services.post_delete(member=author, post=best)
    assert hit().url == thread.posts.get(number=1).get_absolute_url()
