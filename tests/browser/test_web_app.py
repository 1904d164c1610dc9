"""The platform as a web app in Chromium: manifest, service worker, offline page, push opt-in
(also with a subscription handed out by a push service the test runs: the platform's message
to it is decrypted (RFC 8291) and shown by the worker), and the worker's
``pushsubscriptionchange`` (the renewed subscription reaches the platform; someone else's
cannot be moved).

The push opt-in: the test grants the notifications permission; Chromium then
asks its own push service (Google's FCM) for a subscription, which cannot be
reached from here (no network, background networking off). The page must say
so clearly and store nothing; a subscription that the browser does hand out
reaches the server and its device (test_opting_in_lists_the_device_and_...).
"""

import json

import pytest
from playwright.sync_api import expect

from notifications.models import PushSubscription
from tests.browser.a11y import axe_violations, blocking, describe, new_context
from tests.browser.conftest import sign_in_by_form
from tests.notifications.conftest import service, vapid  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC_KEY = (
    "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"
)


@pytest.fixture
def context(chromium, live_server):
    # bypass_csp: Playwright's wait_for_function evaluates its predicate with eval,
    # which the platform's script-src 'self' forbids (rightly).
    context = chromium.new_context(base_url=live_server.url, locale="de-DE", bypass_csp=True)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def sign_in(page, member):
    sign_in_by_form(page, member.email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Willkommen")


def worker_ready(page) -> str:
    """Wait until the service worker controls the page; return its script address.

    A worker that became active while the page was being navigated to (signing in
    redirects) does not control that page; the next page it does, as in any browser."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("Boolean(navigator.serviceWorker.controller)"):
        page.reload()
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller")
    return page.evaluate("navigator.serviceWorker.controller.scriptURL")


def test_the_manifest_is_linked_and_valid(context, live_server):
    page = context.new_page()
    page.goto("/anmelden/")
    href = page.locator('link[rel="manifest"]').get_attribute("href")
    response = page.request.get(href)
    assert response.ok
    assert response.headers["content-type"] == "application/manifest+json"
    manifest = json.loads(response.text())
    assert manifest["name"] == "Lotsennetz"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/"
    for icon in manifest["icons"]:
        image = page.request.get(icon["src"])
        assert image.ok and image.headers["content-type"] == "image/png"
        assert image.body()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_worker_registers_and_the_offline_page_shows_without_network(context, member):
    page = context.new_page()
    sign_in(page, member)
    assert worker_ready(page).endswith("/sw.js")
    page.goto("/forum/")
    context.set_offline(True)
    page.goto("/termine/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Keine Verbindung")
    expect(page.get_by_role("link", name="Zur Übersicht")).to_be_visible()
    # What the worker keeps: the shell and the offline page, never a member's page.
    kept = page.evaluate(
        """async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const request of await cache.keys()) {
                    urls.push(new URL(request.url).pathname);
                }
            }
            return urls;
        }"""
    )
    assert "/offline/" in kept
    assert all(url == "/offline/" or url.startswith("/static/") for url in kept), kept
    context.set_offline(False)
    page.goto("/termine/")
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Keine Verbindung")


def test_the_profile_says_when_push_is_off(context, member, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = settings.VAPID_SUBJECT = ""
    page = context.new_page()
    sign_in(page, member)
    page.goto("/profil/")
    section = page.locator("[data-push-devices]")
    expect(section).to_contain_text("Push-Benachrichtigungen sind auf dieser Plattform nicht")
    expect(section.get_by_role("button")).to_have_count(0)


def test_opting_in_asks_the_browsers_push_service_and_says_what_happened(context, member, settings):
    settings.VAPID_PUBLIC_KEY = PUBLIC_KEY
    settings.VAPID_PRIVATE_KEY = "nur-fuer-den-test"
    settings.VAPID_SUBJECT = "mailto:betrieb@lotsennetz.example"
    context.grant_permissions(["notifications"])
    page = context.new_page()
    sign_in(page, member)
    page.goto("/profil/")
    worker_ready(page)
    section = page.locator("[data-push-devices]")
    expect(section.get_by_text("Noch kein Gerät eingerichtet.")).to_be_visible()
    section.get_by_role("button", name="Benachrichtigungen auf diesem Gerät").click()
    status = section.get_by_role("status")
    expect(status).not_to_have_text("Einen Moment …", timeout=30_000)
    if PushSubscription.objects.filter(member=member).exists():
        # A browser that reached its push service: the device is listed.
        expect(status).to_have_text("Dieses Gerät ist eingerichtet.")
        expect(section.get_by_role("listitem")).to_contain_text("(dieses Gerät)")
    else:
        expect(status).to_contain_text(
            "Der Push-Dienst Ihres Browsers hat dieses Gerät nicht angenommen"
        )
        expect(section.get_by_text("Noch kein Gerät eingerichtet.")).to_be_visible()


def test_the_profile_lists_the_members_devices_and_removes_one(context, member, settings):
    from notifications import push

    settings.VAPID_PUBLIC_KEY = PUBLIC_KEY
    settings.VAPID_PRIVATE_KEY = "nur-fuer-den-test"
    settings.VAPID_SUBJECT = "mailto:betrieb@lotsennetz.example"
    for n, agent in enumerate(["Firefox/140.0 Android", "Windows Edg/140"]):
        push.push_subscription_save(
            member=member,
            endpoint=f"https://push.example.net/{n}",
            p256dh=PUBLIC_KEY,
            auth="AAAAAAAAAAAAAAAAAAAAAA",
            user_agent=agent,
        )
    page = context.new_page()
    sign_in(page, member)
    page.goto("/profil/")
    devices = page.locator("[data-push-devices]").get_by_role("listitem")
    expect(devices).to_have_count(2)
    page.get_by_role("button", name="Gerät „Firefox auf Android“ entfernen").click()
    expect(devices).to_have_count(1)
    expect(devices).to_contain_text("Edge auf Windows")
    assert list(PushSubscription.objects.values_list("label", flat=True)) == ["Edge auf Windows"]


def test_the_push_section_with_devices_has_no_serious_accessibility_violation(
    chromium, live_server, member, settings, axe_script
):
    from notifications import push

    settings.VAPID_PUBLIC_KEY = PUBLIC_KEY
    settings.VAPID_PRIVATE_KEY = "nur-fuer-den-test"
    settings.VAPID_SUBJECT = "mailto:betrieb@lotsennetz.example"
    push.push_subscription_save(
        member=member,
        endpoint="https://push.example.net/0",
        p256dh=PUBLIC_KEY,
        auth="AAAAAAAAAAAAAAAAAAAAAA",
        user_agent="Firefox/140.0 Android",
    )
    context = new_context(chromium, live_server.url, member, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto("/profil/")
        section = page.locator("[data-push-devices]")
        expect(section.get_by_role("listitem")).to_have_count(1)
        expect(
            section.get_by_role("button", name="Benachrichtigungen auf diesem Gerät")
        ).to_be_visible()
        violations = blocking(axe_violations(page, axe_script))
        assert not violations, describe(violations)
    finally:
        context.close()


# --- pushsubscriptionchange in the service worker --------------------------------------
# Chromium's push service (FCM) cannot be reached here, so the browser never hands out a
# subscription nor replaces one. The test fires the event in the running worker
# (Playwright's ``context.service_workers``) with look-alikes of PushSubscription (script
# cannot make real ones): the worker's own listener runs, and its request goes to the
# live server without a session, as in a browser that renewed the subscription.
FIRE_CHANGE = """async ({oldSubscription, newSubscription}) => {
    const bytes = (text) => {
        const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
        const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
        return Uint8Array.from(raw, (c) => c.charCodeAt(0)).buffer;
    };
    const lookAlike = (s) => s && {
        endpoint: s.endpoint,
        options: {userVisibleOnly: true, applicationServerKey: s.key ? bytes(s.key) : null},
        toJSON: () => ({endpoint: s.endpoint, expirationTime: null,
                        keys: {p256dh: s.p256dh, auth: s.auth}}),
    };
    // A PushSubscriptionChangeEvent where the browser has one (Chromium 156 does),
    // else an ExtendableEvent of the same name; either reaches the same listener.
    // Its subscriptions are the look-alikes, as own properties over the getters.
    const Kind = self.PushSubscriptionChangeEvent || ExtendableEvent;
    const event = new Kind("pushsubscriptionchange");
    Object.defineProperty(event, "oldSubscription", {value: lookAlike(oldSubscription)});
    Object.defineProperty(event, "newSubscription", {value: lookAlike(newSubscription)});
    // waitUntil refuses events the browser did not fire; keep the promise instead.
    const pending = [];
    Object.defineProperty(event, "waitUntil", {value: (promise) => pending.push(promise)});
    // The platform's answers, as the worker's fetch got them.
    const answers = [];
    const realFetch = self.fetch;
    self.fetch = async (...args) => {
        const response = await realFetch(...args);
        answers.push(response.status);
        return response;
    };
    try {
        self.dispatchEvent(event);
        await Promise.all(pending);
    } finally {
        self.fetch = realFetch;
    }
    const kept = await (await caches.open("push-subscription")).match("/push-subscription.json");
    return {listeners: pending.length, kind: Kind.name, answers,
            kept: kept ? await kept.json() : null};
}"""

KEEP_SUBSCRIPTION = """async (record) => {
    const cache = await caches.open("push-subscription");
    await cache.put("/push-subscription.json", new Response(JSON.stringify(record),
        {headers: {"Content-Type": "application/json"}}));
}"""

OLD_ENDPOINT = "https://push.example.net/wpush/alt-geheim"
NEW_ENDPOINT = "https://push.example.net/wpush/neu-geheim"


def _device(member, endpoint):
    from notifications import push
    from tests.notifications.pushservice import BrowserKeys

    keys = BrowserKeys()
    device, _created = push.push_subscription_save(
        member=member,
        endpoint=endpoint,
        p256dh=keys.p256dh,
        auth=keys.auth,
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36",
    )
    return device, keys


def _running_worker(context, member):
    page = context.new_page()
    sign_in(page, member)
    worker_ready(page)
    (worker,) = [w for w in context.service_workers if w.url.endswith("/sw.js")]
    return page, worker


def _row(device):
    stored = PushSubscription.objects.filter(pk=device.pk).first()
    return stored and (stored.member_id, stored.endpoint, stored.p256dh, stored.auth)


def test_the_worker_reports_a_renewed_subscription_from_the_one_it_kept(
    context,
    member,
    vapid,  # noqa: F811
):
    """Chromium's way: the event names no old subscription; the worker takes the one the
    profile kept in Cache Storage and proves it by its auth secret."""
    from tests.notifications.pushservice import BrowserKeys

    device, old_keys = _device(member, OLD_ENDPOINT)
    page, worker = _running_worker(context, member)
    page.evaluate(
        KEEP_SUBSCRIPTION,
        {"endpoint": OLD_ENDPOINT, "auth": old_keys.auth, "key": vapid["VAPID_PUBLIC_KEY"]},
    )
    new_keys = BrowserKeys()

    fired = worker.evaluate(
        FIRE_CHANGE,
        {
            "oldSubscription": None,
            "newSubscription": {
                "endpoint": NEW_ENDPOINT,
                "p256dh": new_keys.p256dh,
                "auth": new_keys.auth,
                "key": vapid["VAPID_PUBLIC_KEY"],
            },
        },
    )

    assert fired["listeners"] == 1, fired
    assert fired["answers"] == [204], fired
    assert _row(device) == (member.pk, NEW_ENDPOINT, new_keys.p256dh, new_keys.auth)
    assert PushSubscription.objects.count() == 1
    # The worker now keeps the new one, for the next change.
    assert fired["kept"] == {
        "endpoint": NEW_ENDPOINT,
        "auth": new_keys.auth,
        "key": vapid["VAPID_PUBLIC_KEY"],
    }


def test_the_worker_reports_a_change_that_names_the_old_subscription(
    context,
    member,
    vapid,  # noqa: F811
):
    """Firefox's way: the event carries the old and the new subscription; nothing kept."""
    from tests.notifications.pushservice import BrowserKeys

    device, old_keys = _device(member, OLD_ENDPOINT)
    _page, worker = _running_worker(context, member)
    new_keys = BrowserKeys()
    key = vapid["VAPID_PUBLIC_KEY"]

    fired = worker.evaluate(
        FIRE_CHANGE,
        {
            "oldSubscription": {
                "endpoint": OLD_ENDPOINT,
                "p256dh": old_keys.p256dh,
                "auth": old_keys.auth,
                "key": key,
            },
            "newSubscription": {
                "endpoint": NEW_ENDPOINT,
                "p256dh": new_keys.p256dh,
                "auth": new_keys.auth,
                "key": key,
            },
        },
    )

    assert fired["answers"] == [204], fired
    assert _row(device) == (member.pk, NEW_ENDPOINT, new_keys.p256dh, new_keys.auth)
    # The VAPID key went through the worker's base64url of applicationServerKey intact.
    assert fired["kept"] == {"endpoint": NEW_ENDPOINT, "auth": new_keys.auth, "key": key}


def test_a_worker_holding_someone_elses_endpoint_moves_nothing(
    context,
    member,
    make_member,
    vapid,  # noqa: F811
):
    """Mallory's browser knows Anna's endpoint (not its secret), or renews into it."""
    from tests.notifications.pushservice import BrowserKeys

    anna_device, _anna_keys = _device(member, OLD_ENDPOINT)
    mallory = make_member(display_name="Mallory Maier")
    mallory_device, mallory_keys = _device(mallory, "https://push.example.net/wpush/mallory")
    before = {_row(anna_device), _row(mallory_device)}
    page, worker = _running_worker(context, mallory)
    key = vapid["VAPID_PUBLIC_KEY"]
    new_keys = BrowserKeys()
    fresh = {"endpoint": NEW_ENDPOINT, "p256dh": new_keys.p256dh, "auth": new_keys.auth}

    # 1. Anna's endpoint with Mallory's own secret, kept as if the profile had stored it.
    guessed = {"endpoint": OLD_ENDPOINT, "auth": mallory_keys.auth, "key": key}
    page.evaluate(KEEP_SUBSCRIPTION, guessed)
    fired = worker.evaluate(FIRE_CHANGE, {"oldSubscription": None, "newSubscription": fresh})
    assert fired["answers"] == [404], fired
    assert fired["kept"] == guessed  # refused: the worker keeps what it had
    # 2. The same in the event itself.
    fired = worker.evaluate(
        FIRE_CHANGE,
        {
            "oldSubscription": {**guessed, "p256dh": mallory_keys.p256dh},
            "newSubscription": fresh,
        },
    )
    assert fired["answers"] == [404], fired
    # 3. Mallory's own subscription, renewed into Anna's endpoint.
    own = {
        "endpoint": mallory_device.endpoint,
        "auth": mallory_keys.auth,
        "p256dh": mallory_keys.p256dh,
        "key": key,
    }
    fired = worker.evaluate(
        FIRE_CHANGE,
        {
            "oldSubscription": own,
            "newSubscription": {**fresh, "endpoint": OLD_ENDPOINT},
        },
    )
    assert fired["answers"] == [400], fired  # another member's endpoint: refused, not moved
    assert fired["kept"] == guessed

    assert {_row(anna_device), _row(mallory_device)} == before
    assert not PushSubscription.objects.filter(endpoint=NEW_ENDPOINT).exists()


# --- opting in on a browser whose push service answers ----------------------------------
# Chromium's own push service (FCM) cannot be reached here. The page's PushManager is
# replaced (an init script, before push.js runs) by one whose push service hands out a
# subscription at the test's receiver (tests/notifications/pushservice.py) with keys the
# test holds, as a browser's would: everything else (permission, the worker, the profile's
# button, the API, the platform's encryption and signature) is the real thing.
PUSH_SERVICE_IN_PAGE = """(subscription) => {
    let current = null;
    const encode = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer)))
        .replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
    PushManager.prototype.subscribe = async function (options) {
        const key = options.applicationServerKey;
        const raw = key instanceof ArrayBuffer ? key : key.buffer;
        window.subscribedWith = {key: encode(raw), userVisibleOnly: options.userVisibleOnly};
        current = {
            endpoint: subscription.endpoint,
            expirationTime: null,
            options: {userVisibleOnly: true, applicationServerKey: raw},
            toJSON: () => ({endpoint: subscription.endpoint, expirationTime: null,
                            keys: {p256dh: subscription.p256dh, auth: subscription.auth}}),
            unsubscribe: async () => { current = null; return true; },
        };
        return current;
    };
    PushManager.prototype.getSubscription = async function () { return current; };
}"""

SHOW_PUSH = """async (message) => {
    const event = new ExtendableEvent("push");
    Object.defineProperty(event, "data", {value: {json: () => message}});
    const pending = [];
    Object.defineProperty(event, "waitUntil", {value: (promise) => pending.push(promise)});
    self.dispatchEvent(event);
    await Promise.all(pending);
    const shown = await self.registration.getNotifications();
    return shown.map((n) => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url}));
}"""


def test_opting_in_lists_the_device_and_a_direct_message_reaches_it_encrypted_for_it(
    context,
    member,
    make_member,
    service,  # noqa: F811
    vapid,  # noqa: F811
):
    from chat import services as chat_services
    from notifications import push
    from tests.notifications.pushservice import BrowserKeys

    keys = BrowserKeys()
    endpoint = service.endpoint("chromium")
    handed_out = {"endpoint": endpoint, "p256dh": keys.p256dh, "auth": keys.auth}
    context.add_init_script(script=f"({PUSH_SERVICE_IN_PAGE})({json.dumps(handed_out)})")
    context.grant_permissions(["notifications"])
    page = context.new_page()
    sign_in(page, member)
    page.goto("/profil/")
    worker_ready(page)
    section = page.locator("[data-push-devices]")
    section.get_by_role("button", name="Benachrichtigungen auf diesem Gerät").click()
    expect(section.get_by_role("status")).to_have_text("Dieses Gerät ist eingerichtet.")
    expect(section.get_by_role("listitem")).to_contain_text("(dieses Gerät)")
    # Subscribed with the operator's public key, for visible notifications only.
    assert page.evaluate("window.subscribedWith") == {
        "key": vapid["VAPID_PUBLIC_KEY"],
        "userVisibleOnly": True,
    }
    device = PushSubscription.objects.get(member=member)
    assert (device.endpoint, device.p256dh, device.auth) == (endpoint, keys.p256dh, keys.auth)
    # Kept for the worker's pushsubscriptionchange.
    kept = page.evaluate(
        """async () => (await (await caches.open("push-subscription"))
            .match("/push-subscription.json")).json()"""
    )
    assert kept == {"endpoint": endpoint, "auth": keys.auth, "key": vapid["VAPID_PUBLIC_KEY"]}

    # Olaf writes to Anna: the platform pushes to the receiver, encrypted for this device.
    olaf = make_member(display_name="Olaf Otto")
    room = chat_services.direct_room_open(member=olaf, others=[member])
    message, _created = chat_services.message_post(
        room=room, author=olaf, body="Das Passwort ist geheim123", client_id="push-1"
    )
    push.push_wait()
    assert service.arrived.wait(15)
    (sent,) = service.received
    assert sent.path == "/push/chromium"
    assert sent.headers["content-encoding"] == "aes128gcm"
    assert b"geheim123" not in sent.body
    payload = keys.decrypt(sent.body)
    assert payload == {
        "title": "Direktnachricht",
        "body": "Olaf Otto hat Ihnen eine Direktnachricht geschrieben",
        "url": f"/chat/{room.slug}/#m{message.seq}",
        "tag": f"chat.room.{room.pk}",
    }

    # What arrived, handed to the worker as the browser would: a notification to the room.
    (worker,) = [w for w in context.service_workers if w.url.endswith("/sw.js")]
    shown = worker.evaluate(SHOW_PUSH, payload)
    assert shown == [
        {
            "title": "Direktnachricht",
            "body": "Olaf Otto hat Ihnen eine Direktnachricht geschrieben",
            "tag": f"chat.room.{room.pk}",
            "url": f"/chat/{room.slug}/#m{message.seq}",
        }
    ]
