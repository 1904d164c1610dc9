"""Cross-cutting helpers of the services (text, tokens, live delivery).

They stay here, names unchanged, until they move to core/ (issue 17)."""

import hashlib
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils.text import slugify


def normalize_domain(domain: str) -> str:
    return (domain or "").strip().lower().lstrip("@").rstrip(".")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


GERMAN_TRANSLITERATION = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def german_slugify(value: str) -> str:
    """ "Gießen" → "giessen", "Müller" → "mueller" (slugify alone drops the letters)."""
    return slugify((value or "").translate(GERMAN_TRANSLITERATION))


def _group_send(group: str, event: dict) -> None:
    """Deliver a live event; a failure loses nothing (the bell reloads from the DB)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        logging.getLogger("community.services").exception("live delivery to %s failed", group)
