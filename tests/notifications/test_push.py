"""Web Push: what reaches a device, encrypted for it alone and signed by the operator.

The push service is a local HTTPS server (tests/notifications/pushservice.py);
each test decrypts what the platform sent with the browser's own key.
"""

import time
from urllib.parse import urlsplit

import pytest
from django.utils import translation

from community.models import User
from notifications import push
from notifications.models import PushSubscription
from tests.notifications.pushservice import BrowserKeys, b64url, vapid_claims
from tests.queries import assert_constant_queries

pytestmark = pytest.mark.django_db

SUBJECT = "mailto:betrieb@lotsennetz.example"
PAYLOAD = {"title": "t", "body": "b", "url": "/", "tag": "x"}


@pytest.fixture
def device(member, service, vapid):
    keys = BrowserKeys()
    subscription, created = push.push_subscription_save(
        member=member,
        endpoint=service.endpoint(),
        p256dh=keys.p256dh,
        auth=keys.auth,
        user_agent="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/140.0 Safari/537.36",
    )
    assert created
    subscription.keys = keys
    return subscription


# --- what is sent --------------------------------------------------------------------
def test_a_forum_reply_reaches_the_device_encrypted_for_it_alone(
    member, device, service, vapid, notify, inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(member, text="Olaf Otto hat in „Erstes Thema“ geantwortet.")
    assert len(service.received) == 1
    sent = service.received[0]
    assert sent.path == "/push/geraet-1"
    assert sent.headers["content-encoding"] == "aes128gcm"
    assert int(sent.headers["ttl"]) == push.TTL_SECONDS
    assert device.keys.decrypt(sent.body) == {
        "title": "Neue Antwort im Forum",
        "body": "Olaf Otto hat in „Erstes Thema“ geantwortet.",
        "url": notification.url,
        "tag": "test.Erstes Thema",
    }
    # Another browser's key cannot read it.
    with pytest.raises(Exception):  # noqa: B017 - http_ece raises a plain Exception type
        BrowserKeys().decrypt(sent.body)
    device.refresh_from_db()
    assert device.last_success_at is not None


def test_the_vapid_signature_names_the_push_service_and_the_operator(
    member, device, service, vapid, notify, inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, kind="forum.mention")
    claims = vapid_claims(service.received[0].headers["authorization"], vapid["VAPID_PUBLIC_KEY"])
    assert claims["aud"] == service.origin
    assert claims["sub"] == SUBJECT
    assert time.time() < claims["exp"] <= time.time() + 24 * 60 * 60


@pytest.mark.parametrize(
    "kind,title",
    [
        ("forum.mention", "Erwähnung im Forum"),
        ("chat.mention", "Erwähnung im Chat"),
        ("events.promoted", "Platz frei: Sie sind nachgerückt"),
    ],
)
def test_mentions_and_promotions_are_pushed(
    kind, title, member, device, service, notify, inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, kind=kind, text="kurz")
    assert device.keys.decrypt(service.received[0].body)["title"] == title


def test_other_notifications_ring_the_bell_but_are_not_pushed(
    member, device, service, notify, inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, kind="forum.flag")
        notify(member, kind="project.invitation")
    assert service.received == []


def test_nothing_is_pushed_before_the_commit(member, device, service, notify, inline):
    notify(member)  # the test's transaction never commits
    assert service.received == []


def test_a_promotion_from_the_waiting_list_is_pushed_with_the_events_address(
    member, device, service, inline, django_capture_on_commit_callbacks
):
    from notifications.services import notification_create

    with django_capture_on_commit_callbacks(execute=True):
        notification_create(
            recipient=member,
            kind="events.promoted",
            text="Sie sind von der Warteliste nachgerückt: Netzwerktreffen",
            url="/termine/7/",
            thread_key="events.event.7",
            mailed_elsewhere=True,
        )
    assert device.keys.decrypt(service.received[0].body) == {
        "title": "Platz frei: Sie sind nachgerückt",
        "body": "Sie sind von der Warteliste nachgerückt: Netzwerktreffen",
        "url": "/termine/7/",
        "tag": "events.event.7",
    }


def test_a_long_text_is_cut_and_a_foreign_address_becomes_the_start_page(
    member, device, service, notify, inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, text="x" * 300, url="https://example.org/")
    payload = device.keys.decrypt(service.received[0].body)
    assert len(payload["body"]) == push.BODY_LENGTH
    assert payload["url"] == "/"


# --- what the push service answers ------------------------------------------------------
@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_no_longer_knows_is_removed(
    status, member, device, service, notify, inline, django_capture_on_commit_callbacks
):
    service.status = status
    with django_capture_on_commit_callbacks(execute=True):
        notify(member)
    assert not PushSubscription.objects.filter(pk=device.pk).exists()


@pytest.mark.parametrize("status", [429, 500])
def test_a_push_service_in_trouble_keeps_the_subscription(
    status, member, device, service, notify, inline, django_capture_on_commit_callbacks
):
    service.status = status
    with django_capture_on_commit_callbacks(execute=True):
        notify(member)
    device.refresh_from_db()
    assert device.last_success_at is None


def test_an_unreachable_push_service_harms_nobody(
    member, device, service, settings, notify, inline, django_capture_on_commit_callbacks
):
    settings.PUSH_TIMEOUT_SECONDS = 1
    import threading

    service.hold = threading.Event()  # answers only after the timeout
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(member)
    assert notification.pk
    assert PushSubscription.objects.filter(pk=device.pk).exists()


def test_without_vapid_keys_nothing_is_pushed(
    member, device, service, settings, notify, inline, django_capture_on_commit_callbacks
):
    settings.VAPID_PRIVATE_KEY = ""
    with django_capture_on_commit_callbacks(execute=True):
        notify(member)
    assert service.received == []


def test_a_deactivated_member_gets_nothing(
    member, device, service, inline, django_capture_on_commit_callbacks
):
    member.is_active = False
    member.save(update_fields=["is_active"])
    push.push_send(
        member_ids=[member.pk], payload={"title": "t", "body": "b", "url": "/", "tag": "x"}
    )
    assert service.received == []


@pytest.mark.django_db(transaction=True)
def test_the_push_leaves_from_a_thread_of_its_own_without_holding_up_the_sender(
    member, device, service
):
    import threading

    service.hold = threading.Event()
    push.push_send(
        member_ids=[member.pk], payload={"title": "t", "body": "b", "url": "/", "tag": "x"}
    )
    # Back here while the push service still holds its answer.
    assert service.arrived.wait(10)
    assert not service.hold.is_set()
    service.hold.set()
    push.push_wait()
    device.refresh_from_db()
    assert device.last_success_at is not None


# --- the API: validation and ownership ------------------------------------------------
def _body(endpoint, keys=None):
    keys = keys or BrowserKeys()
    return {"endpoint": endpoint, "keys": {"p256dh": keys.p256dh, "auth": keys.auth}}


def test_a_browser_registers_its_subscription(member_api, member, vapid):
    body = _body("https://push.example.net/abc") | {"expirationTime": None}
    response = member_api.post(
        "/api/push/subscriptions/",
        body,
        format="json",
        HTTP_USER_AGENT="Mozilla/5.0 (Android 15; Mobile; rv:140.0) Gecko/140.0 Firefox/140.0",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) == {"id", "endpoint", "label", "created_at", "last_success_at"}
    assert data["label"] == "Firefox auf Android"
    again = member_api.post("/api/push/subscriptions/", body, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == data["id"]
    assert PushSubscription.objects.get().member == member


def test_the_push_settings_name_the_public_key(member_api, vapid, settings):
    assert member_api.get("/api/push/").json() == {
        "enabled": True,
        "public_key": vapid["VAPID_PUBLIC_KEY"],
    }
    settings.VAPID_SUBJECT = ""
    assert member_api.get("/api/push/").json() == {"enabled": False, "public_key": None}


def test_without_vapid_keys_no_subscription_is_taken(member_api, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = settings.VAPID_SUBJECT = ""
    response = member_api.post(
        "/api/push/subscriptions/", _body("https://push.example.net/abc"), format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "push_disabled"
    assert not PushSubscription.objects.exists()


def _bad_point() -> str:
    return b64url(b"\x04" + b"\x01" * 64)  # the right length, but not on the curve


@pytest.mark.parametrize(
    "body,field",
    [
        (_body("http://push.example.net/abc"), "endpoint"),
        (_body("javascript:alert(1)"), "endpoint"),
        (_body("https:///nohost"), "endpoint"),
        (_body("https://user:pw@push.example.net/abc"), "endpoint"),
        (_body("https://push.example.net:99999/abc"), "endpoint"),
        (_body("https://push.example.net/" + "a" * 1000), "endpoint"),
        (_body("https://push.example.net/a b"), "endpoint"),
        ({"endpoint": "https://push.example.net/abc"}, "keys"),
        ({"endpoint": 7, "keys": {"p256dh": "a", "auth": "b"}}, "endpoint"),
        (
            _body("https://push.example.net/abc") | {"keys": {"p256dh": "!!!", "auth": "x"}},
            "p256dh",
        ),
        (
            _body("https://push.example.net/abc")
            | {"keys": {"p256dh": b64url(b"\x04" * 33), "auth": b64url(b"a" * 16)}},
            "p256dh",
        ),
        (
            _body("https://push.example.net/abc")
            | {"keys": {"p256dh": BrowserKeys().p256dh, "auth": b64url(b"a" * 15)}},
            "auth",
        ),
        (
            _body("https://push.example.net/abc")
            | {"keys": {"p256dh": _bad_point(), "auth": b64url(b"a" * 16)}},
            "p256dh",
        ),
        ([], None),
    ],
)
def test_a_bad_subscription_is_refused_with_the_field_named(member_api, vapid, body, field):
    response = member_api.post("/api/push/subscriptions/", body, format="json")
    assert response.status_code == 400, response.content
    if field:
        assert field in str(response.json())
    assert not PushSubscription.objects.exists()


def test_members_see_and_remove_only_their_own_devices(
    member_api, member, make_member, vapid, api_client
):
    other = make_member()
    mine, _ = push.push_subscription_save(
        member=member, endpoint="https://push.example.net/mine", **_keys()
    )
    theirs, _ = push.push_subscription_save(
        member=other, endpoint="https://push.example.net/theirs", **_keys()
    )
    listed = member_api.get("/api/push/subscriptions/").json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    foreign = member_api.delete(f"/api/push/subscriptions/{theirs.pk}/")
    missing = member_api.delete("/api/push/subscriptions/999999/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert PushSubscription.objects.filter(pk=theirs.pk).exists()
    assert member_api.delete(f"/api/push/subscriptions/{mine.pk}/").status_code == 204
    assert not PushSubscription.objects.filter(pk=mine.pk).exists()
    api_client.force_authenticate(None)
    assert api_client.get("/api/push/subscriptions/").status_code in {401, 403}


def test_a_device_subscribed_again_by_another_member_moves_to_them(member, make_member, vapid):
    other = make_member()
    first, _ = push.push_subscription_save(
        member=member, endpoint="https://push.example.net/shared", **_keys()
    )
    second, created = push.push_subscription_save(
        member=other, endpoint="https://push.example.net/shared", **_keys()
    )
    assert not created and second.pk == first.pk
    assert list(PushSubscription.objects.values_list("member", flat=True)) == [other.pk]


def test_a_member_has_at_most_twenty_devices(member_api, member, vapid):
    for n in range(push.MAX_SUBSCRIPTIONS_PER_MEMBER):
        push.push_subscription_save(
            member=member, endpoint=f"https://push.example.net/{n}", **_keys()
        )
    response = member_api.post(
        "/api/push/subscriptions/", _body("https://push.example.net/one-more"), format="json"
    )
    assert response.status_code == 400
    assert "too_many" in str(response.json()) or "Geräte" in str(response.json())


def test_the_device_list_queries_do_not_grow(
    member_client, member, vapid, django_assert_num_queries
):
    push.push_subscription_save(member=member, endpoint="https://push.example.net/0", **_keys())

    def grow():
        for n in range(1, 15):
            push.push_subscription_save(
                member=member, endpoint=f"https://push.example.net/{n}", **_keys()
            )

    assert_constant_queries(
        member_client, "/api/push/subscriptions/", grow, django_assert_num_queries, status=200
    )


def _keys() -> dict:
    keys = BrowserKeys()
    return {"p256dh": keys.p256dh, "auth": keys.auth}


# --- direct messages (chat) -----------------------------------------------------------
def test_a_direct_message_reaches_the_other_persons_device_without_its_text(
    member, make_member, device, service, inline, django_capture_on_commit_callbacks
):
    from chat import services as chat_services

    olaf = make_member(display_name="Olaf Otto")
    room = chat_services.direct_room_open(member=olaf, others=[member])
    with django_capture_on_commit_callbacks(execute=True):
        message, _created = chat_services.message_post(
            room=room, author=olaf, body="Das Passwort ist geheim123", client_id="c1"
        )
    assert len(service.received) == 1
    payload = device.keys.decrypt(service.received[0].body)
    assert payload == {
        "title": "Direktnachricht",
        "body": "Olaf Otto hat Ihnen eine Direktnachricht geschrieben",
        "url": f"/chat/{room.slug}/#m{message.seq}",
        "tag": f"chat.room.{room.pk}",
    }
    assert b"geheim123" not in service.received[0].body


def test_the_author_and_a_muted_conversation_get_no_push(
    member, make_member, device, service, inline, django_capture_on_commit_callbacks
):
    from chat import services as chat_services

    olaf = make_member(display_name="Olaf Otto")
    room = chat_services.direct_room_open(member=member, others=[olaf])
    with django_capture_on_commit_callbacks(execute=True):
        chat_services.message_post(room=room, author=member, body="Hallo", client_id="c1")
    chat_services.room_membership_update(room=room, member=member, muted=True)
    with django_capture_on_commit_callbacks(execute=True):
        chat_services.message_post(room=room, author=olaf, body="Hallo zurück", client_id="c2")
    assert service.received == []


# --- the operator's settings ------------------------------------------------------------
def test_the_system_check_accepts_a_pair_from_vapid_keys_and_refuses_a_mix(vapid, settings):
    from notifications.checks import check_vapid_keys

    assert check_vapid_keys() == []
    settings.VAPID_PUBLIC_KEY = BrowserKeys().p256dh  # another key's public half
    assert [m.id for m in check_vapid_keys()] == ["notifications.E001"]
    settings.VAPID_PRIVATE_KEY = "kein-schluessel!"
    assert [m.id for m in check_vapid_keys()] == ["notifications.E001"]
    settings.VAPID_SUBJECT = "betrieb@example.de"
    assert "notifications.E002" in [m.id for m in check_vapid_keys()]
    settings.VAPID_SUBJECT = ""
    assert [m.id for m in check_vapid_keys()] == ["notifications.W001"]
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    assert check_vapid_keys() == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://10.0.0.1/wpush/abc",
        "https://localhost/wpush/abc",
        "https://169.254.169.254/latest/meta-data",
        "https://intranet.example.org/wpush/abc",
        "https://fcm.googleapis.com.evil.example/fcm/send/abc",
        "https://evilpush.apple.com.example/abc",
    ],
)
def test_a_subscription_may_point_only_to_a_known_push_service(member_api, vapid, endpoint):
    """The browser names the endpoint; without a list of push services a member could
    make the platform send requests to any host, internal ones included."""
    response = member_api.post("/api/push/subscriptions/", _body(endpoint), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["endpoint"]
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc:def",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAA",
        "https://web.push.apple.com/QGx",
        "https://db5p.notify.windows.com/w/?token=abc",
    ],
)
def test_the_browsers_push_services_are_known(endpoint):
    assert push.push_service_allowed(urlsplit(endpoint).hostname)


def test_one_event_is_pushed_to_a_german_and_an_english_device_each_in_its_language(
    member, make_member, device, service, vapid, notify, inline, django_capture_on_commit_callbacks
):
    english = make_member()
    User.objects.filter(pk=english.pk).update(language="en")
    keys = BrowserKeys()
    push.push_subscription_save(
        member=english, endpoint=service.endpoint("geraet-2"), p256dh=keys.p256dh, auth=keys.auth
    )
    for _ in range(2):  # the second collapses into "2 neue Antworten …"
        with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
            notify(member, thread="Thema")  # caused by an English request
            notify(english, thread="Thema")
    last = {sent.path: sent.body for sent in service.received}
    german_message = device.keys.decrypt(last["/push/geraet-1"])
    english_message = keys.decrypt(last["/push/geraet-2"])
    assert (german_message["title"], german_message["body"]) == (
        "Neue Antwort im Forum",
        "2 neue Antworten in „Thema“",
    )
    assert (english_message["title"], english_message["body"]) == (
        "New reply in the forum",
        "2 new replies in “Thema”",
    )
