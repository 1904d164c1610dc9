"""Private helpers shared by several subjects of the services: free slugs and handles."""

from community.models import (
    ErasedHandle,
    User,
    handle_digest,
)
from community.services._helpers import german_slugify


def _unique_slug(
    model, field: str, base: str, fallback: str, max_length: int, *, retired=None
) -> str:
    """A free slug from ``base``; ``retired(candidate)`` True also counts as taken."""
    base = (german_slugify(base) or fallback)[: max_length - 6].strip("-") or fallback
    candidate, n = base, 1
    while model.objects.filter(**{field: candidate}).exists() or (
        retired is not None and retired(candidate)
    ):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _handle_erased(handle: str) -> bool:
    return ErasedHandle.objects.filter(digest=handle_digest(handle)).exists()


def unique_handle(display_name: str) -> str:
    """A free handle from the name; an erased member's handle is never free again."""
    return _unique_slug(User, "handle", display_name, "mitglied", 60, retired=_handle_erased)
