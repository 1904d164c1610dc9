"""A small network for the security tests, built through the services like the app builds it.

Two municipalities: Wetzlar (member, coordinator) and Gießen (two members,
"other" and "other2", and its coordinator). Moderator and administrator belong
to a third one. Wetzlar has a private chat room, an unpublished project (which
the forum thread links) and an event meant only for its own members; those must
stay invisible to Gießen. Anna has invited Otto (Gießen) into the published
project; he has not answered yet.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from chat import services as chat_services
from chat.models import RoomKind
from community import services
from community.models import Expertise, Role
from events import services as event_services
from files import services as file_services
from forum import services as forum_services
from forum.models import Category
from notifications import push
from notifications import services as notification_services
from tests.conftest import PASSWORD
from tests.files import samples

# A valid P-256 point (the curve's generator) as a browser's push key.
PUSH_P256DH = (
    "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU"
)

ROLES = (
    "anonymous",
    "other",
    "other2",
    "other_coordinator",
    "member",
    "coordinator",
    "moderator",
    "admin",
)
ROLE_TITLES = {
    "anonymous": "anonym",
    "other": "Mitglied einer anderen Kommune",
    "other2": "zweites Mitglied der anderen Kommune",
    "other_coordinator": "Koordination der anderen Kommune",
    "member": "Mitglied",
    "coordinator": "Koordination",
    "moderator": "Moderation",
    "admin": "Administration",
}


def forum_categories() -> None:
    """The categories of forum migration 0002 (a transactional test may have flushed them)."""
    from importlib import import_module

    data = import_module("forum.migrations.0002_search_and_categories")
    for position, (slug, name, description, moderators_only) in enumerate(data.CATEGORIES):
        Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "position": position,
                "moderators_only_threads": moderators_only,
            },
        )


def expertise_taxonomy() -> None:
    from community.taxonomy import EXPERTISE_TAXONOMY

    for position, (slug, name, description) in enumerate(EXPERTISE_TAXONOMY):
        Expertise.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )


@dataclass
class World:
    users: dict = field(default_factory=dict)
    wetzlar: object = None
    giessen: object = None
    project: object = None  # published, Wetzlar
    draft: object = None  # unpublished, Wetzlar
    private_room: object = None  # member + coordinator of Wetzlar
    city_room: object = None  # Wetzlar's municipality room
    network_room: object = None
    event: object = None  # audience: Wetzlar only
    thread: object = None  # by the member
    post: object = None  # the thread's first post, by the member
    reply: object = None  # by the coordinator
    flag: object = None
    qualification: object = None
    notification: object = None
    expertise: object = None
    tool: object = None
    feed_token: str = ""
    api_token: object = None  # the member's
    push_subscription: object = None  # the member's device for Web Push
    passkey: object = None  # the member's
    message_seq: int = 0
    file: object = None  # the member's upload, not attached to anything yet


def build_world() -> World:
    forum_categories()
    expertise_taxonomy()
    w = World()
    w.wetzlar = services.municipality_create(
        name="Wetzlar", state="HE", email_domains=["wetzlar.de"], population=53000
    )
    w.giessen = services.municipality_create(
        name="Gießen", state="HE", email_domains=["giessen.de"]
    )
    elsewhere = services.municipality_create(name="Kassel", state="HE", email_domains=["kassel.de"])
    people = {
        "member": ("anna.schmidt@wetzlar.de", "Anna Schmidt", w.wetzlar, Role.MEMBER),
        "coordinator": ("jonas.weber@wetzlar.de", "Jonas Weber", w.wetzlar, Role.COORDINATOR),
        "other": ("otto.olsen@giessen.de", "Otto Olsen", w.giessen, Role.MEMBER),
        "other2": ("greta.gross@giessen.de", "Greta Groß", w.giessen, Role.MEMBER),
        "other_coordinator": ("karl.koch@giessen.de", "Karl Koch", w.giessen, Role.COORDINATOR),
        "moderator": ("mara.moderation@kassel.de", "Mara Moderation", elsewhere, Role.MODERATOR),
        "admin": ("ada.admin@kassel.de", "Ada Admin", elsewhere, Role.ADMIN),
    }
    for role, (email, name, municipality, role_value) in people.items():
        w.users[role] = services.member_create(
            email=email,
            display_name=name,
            municipality=municipality,
            role=role_value,
            password=PASSWORD,
            department="Digitalisierung",
            position="Lotsin",
            bio="Ich mag **Akten**.",
        )
    member, coordinator = w.users["member"], w.users["coordinator"]
    w.expertise = Expertise.objects.order_by("position").first()
    services.member_set_expertise(
        member=member, expertise={w.expertise.slug: 2}, learning=[w.expertise.slug]
    )
    w.project = services.project_create(
        created_by=member,
        municipality=w.wetzlar,
        title="E-Akte im Bürgerbüro",
        kind="eakte",
        tools=["enaio"],
        members=[member],
        body="Öffentlich.",
        is_published=True,
    )
    w.draft = services.project_create(
        created_by=member,
        municipality=w.wetzlar,
        title="Geheimer Entwurf Wetzlar",
        kind="eakte",
        tools=["geheimtool"],
        members=[member],
        body="Noch nicht veröffentlicht.",
        is_published=False,
    )
    w.tool = w.project.tools.get()
    # Anna asks Otto (Gießen) into the published project; he has not answered yet.
    services.project_update(project=w.project, by=member, members=[member, w.users["other"]])
    w.private_room = chat_services.room_create(
        created_by=member,
        name="Vertrauliche Runde Wetzlar",
        kind=RoomKind.PRIVATE,
        members=[coordinator],
    )
    message, _new = chat_services.message_post(
        room=w.private_room, author=member, body="Nur für uns.", client_id="m1"
    )
    w.message_seq = message.seq
    w.city_room = chat_services.room_ensure_for_municipality(municipality=w.wetzlar)
    w.network_room = chat_services.room_create(
        created_by=w.users["moderator"], name="Offener Austausch", kind=RoomKind.NETWORK
    )
    starts = timezone.localtime() + dt.timedelta(days=7)
    w.event = event_services.event_create(
        created_by=coordinator,
        title="Internes Treffen Wetzlar",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        audience="municipality",
        audience_municipality=w.wetzlar,
        hosting_municipality=w.wetzlar,
        format="online",
        online_url="https://meet.example/wetzlar-intern",
        capacity=10,
    )
    event_services.signup_create(event=w.event, member=member)
    w.thread = forum_services.thread_create(
        author=member,
        category=Category.objects.get(slug="austausch"),
        title="Erfahrungen mit der E-Akte",
        body="Wer hat schon umgestellt?",
        project=w.draft,  # Wetzlar's draft: its title must not show to Gießen
    )
    w.post = w.thread.posts.get()
    w.reply = forum_services.post_create(
        author=coordinator, thread=w.thread, body=f"Wir! @{member.handle}"
    )
    w.flag = forum_services.flag_create(member=coordinator, post=w.post, reason="Doppelt")
    w.qualification = services.qualification_add(member=member, programme="Digitallotsen 2025")
    w.notification = notification_services.notification_create(
        recipient=member, kind="test", text="Hallo Anna", url="/forum/", actor=coordinator
    )
    w.feed_token = event_services.calendar_feed_token(member=member)
    services.member_token(member=member, label="Matrix")
    w.api_token = member.api_tokens.get(label="Matrix")
    w.push_subscription, _created = push.push_subscription_save(
        member=member,
        endpoint="https://push.example.net/matrix",
        p256dh=PUSH_P256DH,
        auth="AAAAAAAAAAAAAAAAAAAAAA",
    )
    # A stored passkey as py_webauthn would leave it (no authenticator in this world).
    w.passkey = member.passkeys.create(credential_id="matrix", public_key=b"-", name="Matrix")
    w.file = file_services.file_upload(
        uploader=member,
        upload=samples.upload("Ablauf.pdf", samples.pdf()),
    )
    return w
