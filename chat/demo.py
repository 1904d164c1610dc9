"""Demo chat for ``seed_demo``: an open room, one per municipality, a few messages.

Built through the services like everything else; idempotent, because rooms
are looked up before they are created and every demo message has a fixed
``client_id`` (the same one again stores nothing).
"""

from collections.abc import Mapping

from chat import services
from chat.models import Room, RoomKind
from community.demo import DemoNetwork
from community.models import Municipality, User

GENERAL_SLUG = "allgemein"

# (author index among the members, text); authors are taken in e-mail order.
GENERAL_MESSAGES = (
    (0, "Guten Morgen zusammen! Hat schon jemand Erfahrung mit dem **OZG-Antragsassistenten**?"),
    (
        1,
        "Ja, wir in unserer Kommune seit März. Die Schulung für die Sachbearbeitung war das "
        "Wichtigste – gern tausche ich mich dazu aus.",
    ),
    (2, "Kleiner Hinweis: Das nächste Netzwerktreffen steht im Kalender unter _Termine_."),
    (0, "Danke! Ich melde mich per Direktnachricht."),
)
CITY_MESSAGE = "Willkommen im Raum unserer Kommune! Hier stimmen wir uns intern ab."


def seed_chat(members_by_email: Mapping[str, User]) -> dict[str, int]:
    """Create the demo rooms and messages; return what exists afterwards."""
    members = [members_by_email[email] for email in sorted(members_by_email)]
    # By kind as well as slug: a member's private room called "allgemein" is not
    # the network's room, and the demo messages must not go into it.
    # (Open rooms come from the moderation only; each reads for everyone.)
    network = Room.objects.filter(kind=RoomKind.NETWORK)
    general = (
        network.filter(slug=GENERAL_SLUG).first()
        or network.filter(name="Allgemein", created_by__isnull=True).order_by("pk").first()
    )
    if general is None:
        taken = Room.objects.filter(slug=GENERAL_SLUG).exists()
        general = services.room_create(
            created_by=None,
            name="Allgemein",
            kind=RoomKind.NETWORK,
            slug="" if taken else GENERAL_SLUG,
        )
    if members:
        for n, (author_index, text) in enumerate(GENERAL_MESSAGES):
            services.message_post(
                room=general,
                author=members[author_index % len(members)],
                body=text,
                client_id=f"demo-allgemein-{n}",
                rate_limited=False,
            )
    city_rooms = 0
    for municipality in Municipality.objects.order_by("pk"):
        room = services.room_ensure_for_municipality(municipality=municipality)
        city_rooms += 1
        locals_ = [m for m in members if m.municipality_id == municipality.pk]
        if locals_:
            services.message_post(
                room=room,
                author=locals_[0],
                body=CITY_MESSAGE,
                client_id=f"demo-kommune-{municipality.slug}",
                rate_limited=False,
            )
    return {"rooms": 1 + city_rooms, "messages": general.messages.count()}


def seed_demo(network: DemoNetwork) -> dict[str, int]:
    """The command prints no count of the chat's rooms (they follow the municipalities)."""
    seed_chat(network.members)
    return {}
