"""E-mail addresses: as typed for sending, canonical for identity.

One person has one account, whatever the spelling of their address. Mail goes
to the address as typed (``normalize_email``: only the domain, which is
case-insensitive, is lowercased, as Django's own ``normalize_email`` does).
Who an address *is* is its canonical form (``canonical_email``): Unicode NFKC
normalisation and case folding of the whole address, the Turkish dotted and
dotless i on plain "i", and the domain in the ASCII form that Django's mail
sending delivers to (IDNA, as ``django.utils.encoding.punycode``). So "Anna",
"ANNA", "Ａnna" (fullwidth), "ſam" (long s) and "Karl" (Kelvin sign) are the
same person as their ASCII spellings; the database keeps the canonical form
unique, and sign-in, sign-up, invitations, password reset and the sign-in
lockout all look accounts up by it.

No imports from the models: the models, the migrations and the throttling use it.
"""

import unicodedata
from collections import defaultdict
from collections.abc import Iterable

# The only letters beyond ASCII that Unicode's simple case mappings (and so
# PostgreSQL's upper()/lower() and Python's case-insensitive regular
# expressions) put on an ASCII letter are these four; casefold() takes care of
# "ſ" (U+017F) and "K" (U+212A), these two it leaves alone.
_ONTO_ASCII = str.maketrans({"\u0130": "i", "\u0131": "i"})  # İ ı

CANONICAL_EMAIL_MAX_LENGTH = 320  # 64 (local part) + 1 + 255 (domain)


def normalize_email(email: str) -> str:
    """The address to send to: as typed, without surrounding blanks, domain lowercased."""
    local, at, domain = (email or "").strip().rpartition("@")
    if not at:
        return domain
    return f"{local}@{domain.lower()}"


def _fold(value: str) -> str:
    value = unicodedata.normalize("NFKC", value).translate(_ONTO_ASCII)
    return unicodedata.normalize("NFKC", value.casefold())


def canonical_domain(domain: str) -> str:
    """The domain as mail is delivered to it: folded, then IDNA's ASCII form."""
    folded = _fold((domain or "").strip()).rstrip(".")
    try:
        # The codec Django's mail sending uses (django.utils.encoding.punycode).
        return folded.encode("idna").decode("ascii").lower()
    except UnicodeError:  # not a valid host name; validation refuses it elsewhere
        return folded


def canonical_email(email: str) -> str:
    """The identity of an address: one string for all spellings of one mailbox."""
    local, at, domain = (email or "").strip().rpartition("@")
    if not at:
        return _fold(domain)
    return f"{_fold(local)}@{canonical_domain(domain)}"


def email_domain(email: str) -> str:
    """The canonical domain of an address (what ``EmailDomain.domain`` is compared with)."""
    return canonical_email(email).rpartition("@")[2]


def canonical_collisions(rows: Iterable[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Groups of accounts (id, address) whose addresses share one canonical form."""
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for pk, email in rows:
        groups[canonical_email(email)].append((pk, email))
    return [sorted(group) for _canonical, group in sorted(groups.items()) if len(group) > 1]


def collision_report(collisions: list[list[tuple[int, str]]]) -> str:
    """What an operator reads when existing accounts are one person spelled twice."""
    lines = [
        "Some member accounts have addresses that differ only in spelling (case, Unicode "
        "look-alikes) and so belong to one mailbox. Nothing was changed. Decide for each "
        "group which account is the real one, then erase or re-address the others (Django "
        "admin: change the address, or the action 'Auf Antrag löschen'), and migrate again.",
    ]
    for group in collisions:
        lines.append(f"- canonical {canonical_email(group[0][1])!r}:")
        lines.extend(f"    account id={pk} address={email!r}" for pk, email in group)
    return "\n".join(lines)


class AddressCollisionError(RuntimeError):
    """Existing accounts are one mailbox spelled differently; the message says which."""
