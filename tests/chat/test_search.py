"""Search in a room and across one's rooms, and the jump to a message in its context."""

import pytest

from chat import services
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db


def _say(room, author, body, n):
    return services.message_post(
        room=room, author=author, body=body, client_id=f"c{n}", rate_limited=False
    )[0]


@pytest.fixture
def other(make_member):
    return make_member(display_name="Olaf Otto")


def test_search_in_a_room_finds_its_messages_and_links_into_context(
    member_client, member, network_room
):
    message = _say(network_room, member, "Wir nutzen **enaio** seit 2023", 1)
    page = member_client.get("/chat/allgemein/suche/", {"q": "enaio"}).content.decode()
    assert f"/chat/allgemein/?nachricht={message.seq}#nachricht-{message.seq}" in page
    assert "Wir nutzen <mark>enaio</mark> seit 2023" in page and "**" not in page


def test_the_jump_shows_the_message_among_its_neighbours(member_client, member, network_room):
    for n in range(1, 131):
        _say(network_room, member, f"Nachricht {n}", n)
    page = member_client.get("/chat/allgemein/", {"nachricht": 10}).content.decode()
    assert 'id="nachricht-10" class="chat-message chat-own chat-anchor"' in page
    assert 'id="nachricht-1"' in page and 'id="nachricht-130"' not in page
    # Nonsense in the address: the newest messages, as without it.
    for value in ("x", "-1", "9" * 40, "\x00"):
        page = member_client.get("/chat/allgemein/", {"nachricht": value})
        assert page.status_code == 200 and 'id="nachricht-130"' in page.content.decode()


def test_a_private_room_is_not_searchable_by_outsiders(client, member, other):
    room = services.room_create(created_by=other, name="Geheimrat", slug="geheimrat")
    _say(room, other, "enaio geheim", 1)
    client.force_login(member)
    assert client.get("/chat/geheimrat/suche/", {"q": "enaio"}).status_code == 404
    page = client.get("/suche/", {"q": "enaio", "type": "message"}).content.decode()
    assert "geheim" not in page


def test_a_member_who_left_no_longer_finds_the_rooms_messages(client, member, other):
    room = services.room_create(created_by=other, name="Runde", slug="runde", members=[member])
    _say(room, other, "enaio vorher", 1)
    client.force_login(member)
    page = client.get("/suche/", {"q": "enaio", "type": "message"}).content.decode()
    assert "<mark>enaio</mark> vorher" in page
    services.room_leave(room=room, member=member)
    assert client.get("/chat/runde/suche/", {"q": "enaio"}).status_code == 404
    page = client.get("/suche/", {"q": "enaio", "type": "message"}).content.decode()
    assert "vorher" not in page


def test_another_citys_room_stays_closed(client, member, make_member, make_municipality):
    elsewhere = make_member(municipality=make_municipality(name="Gießen"))
    room = services.room_ensure_for_municipality(municipality=elsewhere.municipality)
    _say(room, elsewhere, "enaio in Gießen", 1)
    client.force_login(member)
    assert client.get(f"/chat/{room.slug}/suche/", {"q": "enaio"}).status_code == 404
    page = client.get("/suche/", {"q": "enaio", "type": "message"}).content.decode()
    assert "in Gießen" not in page


ODD_QUERIES = [
    "x" * 5000,
    "!!!",
    ".,;:-_!?()[]{}",
    "a\x00b",
    "enaio\x00akte",
    "enaio:* & !x",
    '& | ! :* "',
    '"unbalanced',
    "der die das und",
    "Москва",
    "Москва enaio 東京 مرحبا",
    "",
]


@pytest.mark.parametrize("q", ODD_QUERIES)
def test_odd_queries_answer_200(member_client, member, network_room, q):
    _say(network_room, member, "enaio und die Akte", 1)
    response = member_client.get("/chat/allgemein/suche/", {"q": q})
    assert response.status_code == 200
    page = response.content.decode()
    # A hit, "nothing found", or the hint to type a word (an empty field: just the form).
    assert not q or (
        "nachricht=1" in page
        or "Nichts gefunden." in page
        or "mindestens ein Wort mit zwei Buchstaben" in page
    )


def test_a_long_query_is_cut_and_still_finds(member_client, member, network_room):
    _say(network_room, member, "Wir nutzen enaio", 1)
    page = member_client.get("/chat/allgemein/suche/", {"q": "enaio " * 1000}).content.decode()
    assert "nachricht=1" in page


def test_punctuation_only_asks_for_a_word(member_client, member, network_room):
    _say(network_room, member, "!!! ???", 1)
    page = member_client.get("/chat/allgemein/suche/", {"q": "!!! ???"}).content.decode()
    assert "mindestens ein Wort mit zwei Buchstaben" in page and "nachricht=1" not in page


def test_whole_words_come_before_parts_of_words(member_client, member, network_room):
    part = _say(network_room, member, "Die Papierakten sind weg", 1)
    whole = _say(network_room, member, "Die Akte liegt im Amt", 2)
    newest_part = _say(network_room, member, "Noch mehr Papierakten", 3)
    page = member_client.get("/chat/allgemein/suche/", {"q": "akte"}).content.decode()
    positions = [page.index(f"nachricht={m.seq}#") for m in (whole, newest_part, part)]
    assert positions == sorted(positions)


def test_the_room_search_costs_the_same_queries_for_more_messages(
    member_client, member, network_room, django_assert_num_queries
):
    _say(network_room, member, "enaio eins", 1)

    def grow():
        for n in range(2, 8):
            _say(network_room, member, f"enaio {n}", n)

    assert_constant_queries(
        member_client,
        "/chat/allgemein/suche/?q=enaio",
        grow,
        django_assert_num_queries,
        status=200,
    )


@pytest.mark.parametrize("recent", [0, 2, 3, 5, 100])
@pytest.mark.parametrize("dense, walk", [(20, 40_000), (0, 1), (0, 3), (1, 2), (0, 100)])
def test_the_newest_matches_are_found_however_many_are_among_the_newest_messages(
    member, other, network_room, monkeypatch, recent, dense, walk
):
    """The search reads the newest messages first and the older ones only where those
    hold too few matches (PostgreSQL), along the key where the newest held many
    (``DENSE_MATCHES``), then through the index: the newest matches either way, in
    order, ``ENAIO`` as ``enaio``, and never a message of a room the member may not read."""
    from chat import selectors

    secret = services.room_create(created_by=other, name="Geheimrat", slug="geheimrat")
    bodies = ["enaio eins", "nichts", "ENAIO zwei", "Papershift", "enaio drei", "enaio-Akte"]
    said = [_say(network_room, member, body, n) for n, body in enumerate(bodies)]
    _say(secret, other, "enaio geheim", 99)
    _say(network_room, member, "noch nichts", 100)
    monkeypatch.setattr(selectors, "RECENT_MESSAGES", recent)
    monkeypatch.setattr(selectors, "DENSE_MATCHES", dense)
    monkeypatch.setattr(selectors, "WALK_MESSAGES", walk)
    expected = [m.pk for m in reversed(said) if "enaio" in m.body.lower()]
    for n in (1, 3, 10):
        found = selectors._newest_matches(viewer=member, terms=["enaio"], room=None, n=n)
        assert [pk for pk, _body in found] == expected[:n]
    found = selectors._newest_matches(viewer=member, terms=["enaio", "akte"], room=None, n=5)
    assert [pk for pk, _body in found] == [said[5].pk]
