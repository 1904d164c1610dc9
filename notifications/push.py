"""Web Push: the bell's news on the member's devices, even with the site closed.

A browser that opted in (``PushSubscription``) gets a short JSON message
``{title, body, url, tag}`` for the notification kinds in ``PUSH_KINDS`` and for
direct messages (``push_send`` from chat). What it shows is what the bell shows:
the notification's one-line text, never a post or a message.

Messages are encrypted for the browser (aes128gcm, RFC 8291) and signed with
the operator's VAPID key (RFC 8292) by pywebpush; without ``VAPID_PUBLIC_KEY``,
``VAPID_PRIVATE_KEY`` and ``VAPID_SUBJECT`` push is off. Sending happens after
the commit, never in the request: bell entries through a job of the outbox
(``notifications.jobs``), ``push_send`` on the pool of this process
(``notifications.background``): a slow push service delays nobody, and each call has a
timeout. A subscription the
push service no longer knows (404, 410) is deleted.
"""

import base64
import binascii
import hmac
import json
import logging
import re
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from pywebpush import WebPushException, webpush

from community.models import User
from notifications import background, jobs
from notifications.models import Notification, PushSubscription

logger = logging.getLogger(__name__)

# What reaches a device, and the title it carries there; the body is the bell's text.
PUSH_KINDS = {
    "chat.direct": _("Direktnachricht"),
    "chat.mention": _("Erwähnung im Chat"),
    "forum.mention": _("Erwähnung im Forum"),
    "forum.reply": _("Neue Antwort im Forum"),
    "events.promoted": _("Platz frei: Sie sind nachgerückt"),
}
MAX_SUBSCRIPTIONS_PER_MEMBER = 20
# A push service keeps an undelivered message this long (a device that was off).
TTL_SECONDS = 24 * 60 * 60
BODY_LENGTH = 200

_P256DH_BYTES = 65  # an uncompressed P-256 point (RFC 8291, section 3.2)
_AUTH_BYTES = 16
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


# --- configuration ------------------------------------------------------------------
def push_enabled() -> bool:
    """True when the operator configured a VAPID key pair and a contact."""
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY and settings.VAPID_SUBJECT)


def public_key() -> str:
    """The VAPID public key for ``pushManager.subscribe`` (empty when push is off)."""
    return settings.VAPID_PUBLIC_KEY if push_enabled() else ""


# --- subscriptions ------------------------------------------------------------------
def _b64url_bytes(value: object, field: str, length: int) -> bytes:
    invalid = ValidationError(
        {field: ValidationError(_("Kein gültiger Schlüssel."), code="invalid")}
    )
    if not isinstance(value, str) or not _BASE64URL.match(value) or len(value) > 100:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as exc:
        raise invalid from exc
    if len(raw) != length:
        raise invalid
    return raw


def _validate_endpoint(endpoint: object) -> str:
    invalid = ValidationError(
        {
            "endpoint": ValidationError(
                _("Die Adresse muss eine https-Adresse eines Push-Dienstes sein."), code="invalid"
            )
        }
    )
    if not isinstance(endpoint, str) or not 0 < len(endpoint) <= 1000:
        raise invalid
    try:
        parts = urlsplit(endpoint)
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
    except ValueError as exc:
        raise invalid from exc
    if (
        parts.scheme != "https"
        or not parts.hostname
        or parts.username
        or parts.password
        or any(c.isspace() or ord(c) < 32 for c in endpoint)
    ):
        raise invalid
    if not push_service_allowed(parts.hostname):
        raise ValidationError(
            {
                "endpoint": ValidationError(
                    _("Diese Adresse gehört zu keinem bekannten Push-Dienst."),
                    code="unknown_service",
                )
            }
        )
    return endpoint


def push_service_allowed(host: str) -> bool:
    """Only the browsers' push services (settings.PUSH_SERVICE_HOSTS) receive requests."""
    host = host.lower().rstrip(".")
    for allowed in settings.PUSH_SERVICE_HOSTS:
        if (allowed.startswith(".") and host.endswith(allowed)) or host == allowed:
            return True
    return False


def _validate_keys(p256dh: object, auth: object) -> None:
    point = _b64url_bytes(p256dh, "p256dh", _P256DH_BYTES)
    _b64url_bytes(auth, "auth", _AUTH_BYTES)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as exc:
        raise ValidationError(
            {"p256dh": ValidationError(_("Kein gültiger Schlüssel."), code="invalid")}
        ) from exc


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"))
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str) -> str:
    """A short name for the device list ("Firefox auf Android"), never the whole header."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    if not browser and "Safari/" in user_agent:
        browser = "Safari"
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if browser and system:
        return str(_("%(browser)s auf %(system)s") % {"browser": browser, "system": system})
    return browser or system or str(_("Unbekanntes Gerät"))


def push_subscription_save(
    *, member: User, endpoint: object, p256dh: object, auth: object, user_agent: str = ""
) -> tuple[PushSubscription, bool]:
    """Remember this browser for the member; returns it and whether it is new.

    The endpoint names one browser: subscribing it again (e.g. after another
    member signed in on the same device) moves it to the caller, so nobody
    receives another member's news on a device they no longer use.
    """
    endpoint = _validate_endpoint(endpoint)
    _validate_keys(p256dh, auth)
    fields = {"member": member, "p256dh": p256dh, "auth": auth, "label": device_label(user_agent)}
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                others = PushSubscription.objects.filter(member=member).exclude(endpoint=endpoint)
                if others.count() >= MAX_SUBSCRIPTIONS_PER_MEMBER:
                    raise ValidationError(
                        _("Sie haben schon %(n)s Geräte eingerichtet; entfernen Sie zuerst eines.")
                        % {"n": MAX_SUBSCRIPTIONS_PER_MEMBER},
                        code="too_many",
                    )
                return PushSubscription.objects.update_or_create(endpoint=endpoint, defaults=fields)
        except IntegrityError:  # the same browser subscribed twice at once
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _same_secret(given: object, stored: str) -> bool:
    """The browser's auth secret, compared in constant time (however it was padded)."""
    try:
        given_bytes = _b64url_bytes(given, "old_auth", _AUTH_BYTES)
        stored_bytes = _b64url_bytes(stored, "auth", _AUTH_BYTES)
    except ValidationError:
        return False
    return hmac.compare_digest(given_bytes, stored_bytes)


def push_subscription_replace(
    *, old_endpoint: object, old_auth: object, endpoint: object, p256dh: object, auth: object
) -> PushSubscription | None:
    """The browser replaced its subscription (``pushsubscriptionchange`` in the service
    worker): the new one takes the old one's place, for the same member and device.

    The worker asks without a session, so the old subscription is the credential:
    its endpoint *and* its auth secret, which only the browser and this platform
    know (a push service, a log or anyone else who learnt the endpoint never sees
    the secret). None when they name no subscription of an active member: missing
    and forbidden look the same. The new endpoint must be a known push service
    (``PUSH_SERVICE_HOSTS``) like any other; one that belongs to another member is
    refused, never moved, and the old endpoint is gone afterwards (a replay: None).
    """
    endpoint = _validate_endpoint(endpoint)
    _validate_keys(p256dh, auth)
    if not isinstance(old_endpoint, str) or not 0 < len(old_endpoint) <= 1000:
        return None
    taken = ValidationError(
        {
            "endpoint": ValidationError(
                _("Diese Adresse gehört schon zu einem anderen Gerät."), code="taken"
            )
        }
    )
    with transaction.atomic():
        old = (
            PushSubscription.objects.select_for_update()
            .select_related("member")
            .filter(endpoint=old_endpoint)
            .first()
        )
        if old is None or not old.member.is_active or not _same_secret(old_auth, old.auth):
            return None
        if endpoint != old.endpoint:
            other = PushSubscription.objects.filter(endpoint=endpoint).first()
            if other is not None and other.member_id != old.member_id:
                raise taken
            if other is not None:  # the member's page registered the new one already
                old.delete()
                old = other
        old.endpoint, old.p256dh, old.auth = endpoint, p256dh, auth
        try:
            with transaction.atomic():
                old.save(update_fields=["endpoint", "p256dh", "auth"])
        except IntegrityError as exc:  # the same new endpoint registered meanwhile
            raise taken from exc
    return old


def push_subscription_list(*, member: User) -> QuerySet[PushSubscription]:
    return PushSubscription.objects.filter(member=member).order_by("-created_at", "-pk")


@transaction.atomic
def push_subscription_delete(*, member: User, pk: int) -> bool:
    """Forget one of the member's devices; another member's is not found (False)."""
    deleted, _rows = PushSubscription.objects.filter(member=member, pk=pk).delete()
    return bool(deleted)


# --- sending ------------------------------------------------------------------------
def notification_payload(notification: Notification) -> dict:
    """What a device shows for a bell notification: what the bell shows, nothing more."""
    return {
        "title": str(PUSH_KINDS.get(notification.kind, settings.SITE_NAME)),
        "body": notification.display_text[:BODY_LENGTH],
        "url": notification.url if notification.url.startswith("/") else "/",
        "tag": (notification.thread_key or f"notification.{notification.pk}")[:100],
    }


def _submit(function: Callable, *args) -> None:
    """One job for the threads after the commit (``notifications.background``)."""
    background.submit(function, *args)


def push_wait(timeout: float = 30) -> None:
    """Wait for the pushes under way (tests, and a management command before it exits)."""
    background.wait(timeout)


def push_send(*, member_ids: Iterable[int] | Callable[[], Iterable[int]], payload: dict) -> None:
    """Push ``payload`` to every device of these members, off the caller's thread.

    Call it after the commit. ``member_ids`` may be a function, called in the
    push thread, for callers that must not query (chat's event loop).
    """
    if not push_enabled():
        return
    _submit(_deliver, member_ids, payload)


def _rendered(payload: dict, language: str) -> str:
    """The message as JSON, its (lazy) texts in the member's language."""
    with translation.override(language):
        return json.dumps({key: str(value) for key, value in payload.items()})


def _subscriptions(member_ids):
    """The active members' devices, each with its member's language (one query)."""
    return PushSubscription.objects.filter(
        member_id__in=list(member_ids), member__is_active=True
    ).annotate(member_language=F("member__language"))


def _deliver(member_ids, payload: dict) -> None:
    ids = list(member_ids() if callable(member_ids) else member_ids)
    if not ids:
        return
    data: dict[str, str] = {}
    for subscription in _subscriptions(ids):
        language = subscription.member_language or settings.LANGUAGE_CODE
        if language not in data:
            data[language] = _rendered(payload, language)
        _send_one(subscription, data[language])


def _send_one(subscription: PushSubscription, data: str) -> None:
    if not push_service_allowed(urlsplit(subscription.endpoint).hostname or ""):
        return  # stored before the operator narrowed PUSH_SERVICE_HOSTS
    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=data,
            vapid_private_key=settings.VAPID_PRIVATE_KEY,
            # pywebpush adds aud (the endpoint's origin) and exp to this dict.
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            timeout=settings.PUSH_TIMEOUT_SECONDS,
            ttl=TTL_SECONDS,
        )
    except WebPushException as exc:
        if exc.status_code in (404, 410):
            # The browser unsubscribed or the subscription expired: never again.
            PushSubscription.objects.filter(
                pk=subscription.pk, endpoint=subscription.endpoint
            ).delete()
        else:
            logger.warning("push service refused a message (status %s)", exc.status_code or "none")
        return
    except requests.RequestException as exc:
        logger.warning("push service unreachable: %s", type(exc).__name__)
        return
    PushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=timezone.now())


PUSH_JOB = "notifications.push"


def _push_job(notification_ids: list[int]) -> None:
    """New or renewed bell entries of a pushed kind go to their members' devices.

    A job of the outbox (``notifications.jobs``), written with the entries by
    ``notifications.services`` for the entries of members with a device, so
    the request reads no entry for Web Push. The job reads them again
    (``_pushed_entries``: one withdrawn or read since is left out) and the
    messages leave after its transaction committed: at most once (a device
    shows a message of the same ``tag`` once anyway). Each speaks its member's
    language (``User.language``), as the live bell does."""
    if not push_enabled() or not notification_ids:
        return
    entries = _pushed_entries(list(notification_ids))
    if entries:
        transaction.on_commit(lambda: _send_entries(entries))


def _pushed_entries(notification_ids: list[int]) -> list[Notification]:
    """The unread entries of a pushed kind whose member is active and has a device.

    One query in the push thread; an entry withdrawn (or read) since its event
    is not among them, and entries of members without a device are never read."""
    return list(
        Notification.objects.filter(
            pk__in=notification_ids,
            kind__in=list(PUSH_KINDS),
            read_at__isnull=True,
            recipient__is_active=True,
        )
        .filter(Exists(PushSubscription.objects.filter(member_id=OuterRef("recipient_id"))))
        .only(
            "id",
            "recipient_id",
            "kind",
            "text",
            "text_template",
            "text_args",
            "url",
            "thread_key",
            "thread_title",
            "item_count",
        )
        .order_by("recipient_id", "pk")
    )


def _deliver_many(notification_ids: list[int]) -> None:
    _send_entries(_pushed_entries(notification_ids))


def _send_entries(entries: list[Notification]) -> None:
    by_member: dict[int, list[Notification]] = {}
    for notification in entries:
        by_member.setdefault(notification.recipient_id, []).append(notification)
    if not by_member:
        return
    rendered: dict[tuple[int, str], str] = {}
    for subscription in _subscriptions(by_member):
        language = subscription.member_language or settings.LANGUAGE_CODE
        for notification in by_member[subscription.member_id]:
            key = (notification.pk, language)
            if key not in rendered:
                with translation.override(language):
                    rendered[key] = _rendered(notification_payload(notification), language)
            _send_one(subscription, rendered[key])


def connect() -> None:
    jobs.register(PUSH_JOB, _push_job)
