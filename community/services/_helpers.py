"""Helpers shared by the service modules.

Text helpers and the live sender live in core (issue 17); they are named here
too because the service modules and their callers import them from here.
"""

from core.realtime import group_send as _group_send  # the one live sender (issue 17)
from core.text import GERMAN_TRANSLITERATION, german_slugify, normalize_domain
from core.tokens import hash_token

__all__ = [
    "GERMAN_TRANSLITERATION",
    "_group_send",
    "german_slugify",
    "hash_token",
    "normalize_domain",
]
