"""The one search box (``/api/search/`` and ``/suche/``): only what the caller may open.

Every kind hides from the attacker with an account what the kind's own pages
hide: another city's draft project and internal event, a private room one is
not in or has left, a deactivated member. Bad input answers 200 or 400, never 500.
"""

import datetime as dt

import pytest
from django.utils import timezone

from chat import services as chat_services
from chat.models import RoomKind
from community import services
from community.models import ProjectKind, Role
from events import services as event_services
from events.models import Audience
from forum import services as forum_services
from forum.models import Category
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
    member_api, world, make_member, member, django_assert_num_queries
):
    stranger = make_member(display_name="Noch Jemand")

    def grow():
        for n in range(3):
            services.project_create(
                created_by=stranger,
                municipality=stranger.municipality,
                title=f"{WORD} {n}",
                kind=ProjectKind.EAKTE,
                is_published=True,
            )
            forum_services.thread_create(
                author=stranger, category=_category(), title=f"{WORD} {n}", body="Text"
            )

    assert_constant_queries(
        member_api, f"/api/search/?q={WORD}", grow, django_assert_num_queries, status=200
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
    member_client, world, make_member, django_assert_num_queries
):
    stranger = make_member(display_name="Noch Jemand")

    def grow():
        for n in range(3):
            services.project_create(
                created_by=stranger,
                municipality=stranger.municipality,
                title=f"{WORD} {n}",
                kind=ProjectKind.EAKTE,
                is_published=True,
            )
            forum_services.thread_create(
                author=stranger, category=_category(), title=f"{WORD} {n}", body="Text"
            )

    assert_constant_queries(
        member_client, f"/suche/?q={WORD}", grow, django_assert_num_queries, status=200
    )
