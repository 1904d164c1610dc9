"""System checks of the Web Push settings: a wrong key would fail every push, silently."""

import base64
import binascii

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core import checks


def _b64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


@checks.register(checks.Tags.compatibility)
def check_vapid_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    values = {
        "VAPID_PUBLIC_KEY": settings.VAPID_PUBLIC_KEY,
        "VAPID_PRIVATE_KEY": settings.VAPID_PRIVATE_KEY,
        "VAPID_SUBJECT": settings.VAPID_SUBJECT,
    }
    if not any(values.values()):
        return []  # push is off, as documented
    missing = [name for name, value in values.items() if not value]
    if missing:
        return [
            checks.Warning(
                f"Web Push is off: {', '.join(missing)} not set.",
                hint="Set all three (manage.py vapid_keys) or none.",
                id="notifications.W001",
            )
        ]
    errors = []
    try:
        private = ec.derive_private_key(
            int.from_bytes(_b64url(settings.VAPID_PRIVATE_KEY), "big"), ec.SECP256R1()
        )
        public = private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        if len(_b64url(settings.VAPID_PRIVATE_KEY)) != 32 or public != _b64url(
            settings.VAPID_PUBLIC_KEY
        ):
            raise ValueError("not a pair")
    except (binascii.Error, ValueError):
        errors.append(
            checks.Error(
                "VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are not one P-256 key pair in base64url.",
                hint="Make a new pair with manage.py vapid_keys.",
                id="notifications.E001",
            )
        )
    if not settings.VAPID_SUBJECT.startswith(("mailto:", "https://")):
        errors.append(
            checks.Error(
                "VAPID_SUBJECT must be a mailto: or https: address (RFC 8292).",
                id="notifications.E002",
            )
        )
    return errors
