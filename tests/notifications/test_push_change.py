"""A browser replaced its push subscription (``pushsubscriptionchange``): the service
worker reports the new one, without a session, and proves the old one by its
endpoint and auth secret. Someone who only knows an endpoint takes nothing over.
"""

import pytest
from django.test import override_settings

from notifications import push
from notifications.models import PushSubscription
from tests.notifications.pushservice import BrowserKeys

pytestmark = pytest.mark.django_db

CHANGE = "/api/push/subscriptions/change/"
OLD = "https://push.example.net/wpush/alt-geheim"
NEW = "https://push.example.net/wpush/neu-geheim"


def _subscribe(member, endpoint=OLD) -> tuple[PushSubscription, BrowserKeys]:
    keys = BrowserKeys()
    subscription, _created = push.push_subscription_save(
        member=member,
        endpoint=endpoint,
        p256dh=keys.p256dh,
        auth=keys.auth,
        user_agent="Mozilla/5.0 (Android 15; Mobile; rv:140.0) Gecko/140.0 Firefox/140.0",
    )
    return subscription, keys


def _change(client, *, old_endpoint=OLD, old_auth, endpoint=NEW, keys=None):
    keys = keys or BrowserKeys()
    body = {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": keys.p256dh, "auth": keys.auth},
        "old_endpoint": old_endpoint,
        "old_auth": old_auth,
    }
    return client.post(CHANGE, body, format="json")


def _unchanged(subscription: PushSubscription) -> bool:
    stored = PushSubscription.objects.get(pk=subscription.pk)
    return (stored.endpoint, stored.p256dh, stored.auth, stored.member_id) == (
        subscription.endpoint,
        subscription.p256dh,
        subscription.auth,
        subscription.member_id,
    )


def test_the_renewed_subscription_replaces_the_old_one_without_a_session(api_client, member, vapid):
    device, old_keys = _subscribe(member)
    new_keys = BrowserKeys()

    response = _change(api_client, old_auth=old_keys.auth, keys=new_keys)

    assert response.status_code == 204, response.content
    stored = PushSubscription.objects.get()
    assert stored.pk == device.pk
    assert stored.member == member
    assert stored.label == "Firefox auf Android"
    assert (stored.endpoint, stored.p256dh, stored.auth) == (NEW, new_keys.p256dh, new_keys.auth)


def test_the_old_secret_may_come_without_padding_or_with_it(api_client, member, vapid):
    _device, old_keys = _subscribe(member)

    response = _change(api_client, old_auth=old_keys.auth.rstrip("=") + "==")

    assert response.status_code == 204, response.content


def test_the_next_push_goes_to_the_new_subscription_encrypted_for_its_keys(
    api_client, member, service, vapid, inline, django_capture_on_commit_callbacks
):
    _device, old_keys = _subscribe(member, service.endpoint("alt"))
    new_keys = BrowserKeys()
    response = _change(
        api_client,
        old_endpoint=service.endpoint("alt"),
        old_auth=old_keys.auth,
        endpoint=service.endpoint("neu"),
        keys=new_keys,
    )
    assert response.status_code == 204

    push.push_send(member_ids=[member.pk], payload={"title": "t", "body": "b", "url": "/"})

    assert [sent.path for sent in service.received] == ["/push/neu"]
    assert new_keys.decrypt(service.received[0].body)["body"] == "b"


# --- attackers --------------------------------------------------------------------------
def test_knowing_the_endpoint_without_its_secret_takes_nothing_over(
    api_client, member, make_member, vapid
):
    victim, _keys = _subscribe(member)
    attacker_device, attacker_keys = _subscribe(make_member(), "https://push.example.net/wpush/a")

    for old_auth in (attacker_keys.auth, BrowserKeys().auth, "", "x" * 22, "!" * 22):
        response = _change(api_client, old_auth=old_auth)
        assert response.status_code in (400, 404), (old_auth, response.status_code)

    assert _unchanged(victim)
    assert _unchanged(attacker_device)
    assert not PushSubscription.objects.filter(endpoint=NEW).exists()


def test_a_signed_in_member_gains_nothing_by_their_session(member_api, make_member, vapid):
    other = make_member()
    victim, _keys = _subscribe(other)

    response = _change(member_api, old_auth=BrowserKeys().auth)

    assert response.status_code == 404
    assert _unchanged(victim)


def test_an_unknown_old_endpoint_is_a_404(api_client, member, vapid):
    _device, keys = _subscribe(member)

    response = _change(api_client, old_endpoint=OLD + "-anders", old_auth=keys.auth)

    assert response.status_code == 404
    assert PushSubscription.objects.get().endpoint == OLD


def test_a_replayed_change_finds_nothing_to_replace(api_client, member, vapid):
    _device, keys = _subscribe(member)
    assert _change(api_client, old_auth=keys.auth).status_code == 204

    again = _change(
        api_client, old_auth=keys.auth, endpoint="https://push.example.net/wpush/dritte"
    )

    assert again.status_code == 404
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [NEW]


def test_a_deactivated_members_device_is_not_renewed(api_client, member, vapid):
    from community import services as community_services

    device, keys = _subscribe(member)
    community_services.member_deactivate(member=member)

    response = _change(api_client, old_auth=keys.auth)

    assert response.status_code == 404
    assert _unchanged(device)


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://10.0.0.1/wpush/abc",
        "https://169.254.169.254/latest/meta-data",
        "https://intranet.example.org/wpush/abc",
        "https://fcm.googleapis.com.evil.example/fcm/send/abc",
        "http://push.example.net/wpush/abc",
    ],
)
def test_the_new_endpoint_must_be_a_known_push_service(api_client, member, vapid, endpoint):
    device, keys = _subscribe(member)

    response = _change(api_client, old_auth=keys.auth, endpoint=endpoint)

    assert response.status_code == 400, response.content
    assert response.json()["endpoint"]
    assert _unchanged(device)


def test_another_members_endpoint_is_not_moved_by_a_change(api_client, member, make_member, vapid):
    mine, keys = _subscribe(member)
    theirs, _their_keys = _subscribe(make_member(), NEW)

    response = _change(api_client, old_auth=keys.auth)

    assert response.status_code == 400
    assert "anderen Gerät" in response.json()["endpoint"][0]
    assert _unchanged(mine)
    assert _unchanged(theirs)


def test_a_new_endpoint_the_member_registered_already_takes_the_old_ones_place(
    api_client, member, vapid
):
    _old, old_keys = _subscribe(member)
    already, _keys = _subscribe(member, NEW)
    new_keys = BrowserKeys()

    response = _change(api_client, old_auth=old_keys.auth, keys=new_keys)

    assert response.status_code == 204
    stored = PushSubscription.objects.get()
    assert stored.pk == already.pk
    assert stored.auth == new_keys.auth


# --- bad input and limits ---------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        {},
        [],
        {"endpoint": NEW, "keys": {"p256dh": "a", "auth": "b"}},
        {"endpoint": NEW, "keys": {"p256dh": "a", "auth": "b"}, "old_endpoint": OLD},
        {"endpoint": 7, "keys": {}, "old_endpoint": OLD, "old_auth": "x"},
        {"endpoint": NEW, "keys": [], "old_endpoint": "a" * 1001, "old_auth": "x"},
        {
            "endpoint": NEW,
            "keys": {"p256dh": "a", "auth": "b"},
            "old_endpoint": "\x00",
            "old_auth": "x",
        },
    ],
)
def test_a_malformed_change_is_a_400(api_client, member, vapid, body):
    device, _keys = _subscribe(member)

    response = api_client.post(CHANGE, body, format="json")

    assert response.status_code == 400, response.content
    assert _unchanged(device)


def test_with_push_off_no_change_is_taken(api_client, member, vapid, settings):
    device, keys = _subscribe(member)
    settings.VAPID_SUBJECT = ""

    response = _change(api_client, old_auth=keys.auth)

    assert response.status_code == 409
    assert response.json()["code"] == "push_disabled"
    assert _unchanged(device)


def test_guessing_is_limited_per_address(api_client, member, vapid, settings):
    device, _keys = _subscribe(member)
    limits = {**settings.RATE_LIMITS, "push_change_address": (3, 3600)}

    with override_settings(RATE_LIMITS=limits):
        answers = [_change(api_client, old_auth=BrowserKeys().auth).status_code for _ in range(4)]

    assert answers == [404, 404, 404, 429]
    assert _unchanged(device)


def test_only_post_is_answered(api_client, member_api, vapid):
    assert api_client.get(CHANGE).status_code == 405
    assert member_api.get(CHANGE).status_code == 405
