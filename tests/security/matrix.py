"""The authorization matrix: for every URL pattern, per method, what each role gets.

Each row: the URL (built from the world of ``tests/security/world.py``) and,
per HTTP method, six outcome letters in the order of ``ROLES`` (anonymous,
member of another municipality, member, coordinator, moderator, administrator);
see ``tests/security/harness.py`` for the letters. A method a row does not
name must answer ``LNNNNN`` (sign-in first, then 405). The same matrix is the
table in docs/security.md (``python -m tests.security.docs`` prints it).

The world: the member and the coordinator belong to Wetzlar, which owns the
private chat room, the unpublished project and the event for Wetzlar's members
only; "other" belongs to Gießen and must see none of them.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Row:
    path: object  # callable(world) -> str
    expect: dict = field(default_factory=dict)
    note: str = ""
    body: dict = field(default_factory=dict)  # method -> callable(world) -> request data


def _u(w, role):
    return w.users[role]


ANY = "LNNNNN"

ROWS: dict[str, Row] = {
    # --- public: health, legal pages, language, sign-in and account recovery ---------------
    "healthz": Row(lambda w: "/healthz"),
    "legal_impressum": Row(lambda w: "/impressum/"),
    "legal_datenschutz": Row(lambda w: "/datenschutz/"),
    "legal_barrierefreiheit": Row(lambda w: "/barrierefreiheit/"),
    "set_language": Row(lambda w: "/sprache/"),
    "login": Row(lambda w: "/anmelden/"),
    "logout": Row(lambda w: "/abmelden/"),
    "signup": Row(lambda w: "/registrieren/"),
    "signup_confirm": Row(lambda w: "/registrieren/ungueltig/"),
    "invitation_accept": Row(lambda w: "/einladung/ungueltig/"),
    "password_reset": Row(lambda w: "/passwort-vergessen/"),
    "password_reset_done": Row(lambda w: "/passwort-vergessen/gesendet/"),
    "password_reset_confirm": Row(lambda w: "/passwort-neu/MQ/ungueltig/"),
    "password_reset_complete": Row(lambda w: "/passwort-neu/fertig/"),
    # --- community pages ------------------------------------------------------------------
    "dashboard": Row(lambda w: "/"),
    "member_list": Row(lambda w: "/menschen/"),
    "member_detail": Row(lambda w: f"/menschen/{_u(w, 'member').handle}/"),
    "profile_edit": Row(lambda w: "/profil/"),
    "expertise_edit": Row(lambda w: "/profil/erfahrung/"),
    "qualification_add": Row(lambda w: "/profil/qualifizierung/"),
    "qualification_confirm": Row(lambda w: f"/qualifizierung/{w.qualification.pk}/bestaetigen/"),
    "qualification_delete": Row(lambda w: f"/qualifizierung/{w.qualification.pk}/entfernen/"),
    "expertise_detail": Row(lambda w: f"/fachgebiete/{w.expertise.slug}/"),
    "project_list": Row(lambda w: "/projekte/"),
    "project_create": Row(lambda w: "/projekte/neu/"),
    "project_detail": Row(lambda w: f"/projekte/{w.draft.pk}/", note="unpublished project"),
    "project_edit": Row(lambda w: f"/projekte/{w.project.pk}/bearbeiten/"),
    "tool_detail": Row(lambda w: f"/werkzeuge/{w.tool.key}/"),
    "invite": Row(lambda w: "/einladen/"),
    "notifications": Row(lambda w: "/benachrichtigungen/"),
    "notification_open": Row(lambda w: f"/benachrichtigungen/{w.notification.pk}/oeffnen/"),
    "notifications_read": Row(lambda w: "/benachrichtigungen/gelesen/"),
    "notification_settings": Row(lambda w: "/benachrichtigungen/einstellungen/"),
    "privacy": Row(lambda w: "/profil/daten/", note="own data only"),
    "privacy_export": Row(lambda w: "/profil/daten/export/", note="own data only"),
    "account_erase": Row(lambda w: "/profil/loeschen/", note="own account only"),
    # --- forum pages --------------------------------------------------------------------
    "forum:index": Row(lambda w: "/forum/"),
    "forum:search": Row(lambda w: "/forum/suche/?q=Akte"),
    "forum:thread_create": Row(lambda w: "/forum/neu/"),
    "forum:preview": Row(lambda w: "/forum/vorschau/"),
    "forum:mentions": Row(lambda w: "/forum/erwaehnen/?q=an"),
    "forum:moderation": Row(lambda w: "/forum/moderation/"),
    "forum:category": Row(lambda w: "/forum/kategorie/austausch/"),
    "forum:watch_category": Row(lambda w: "/forum/kategorie/austausch/beobachten/"),
    "forum:watch_tag": Row(lambda w: f"/forum/fachgebiet/{w.expertise.slug}/beobachten/"),
    "forum:thread": Row(lambda w: f"/forum/thema/{w.thread.pk}/"),
    "forum:thread_edit": Row(lambda w: f"/forum/thema/{w.thread.pk}/bearbeiten/"),
    "forum:thread_history": Row(lambda w: f"/forum/thema/{w.thread.pk}/versionen/"),
    "forum:thread_row": Row(lambda w: f"/forum/thema/{w.thread.pk}/zeile/"),
    "forum:reply": Row(lambda w: f"/forum/thema/{w.thread.pk}/antworten/"),
    "forum:watch": Row(lambda w: f"/forum/thema/{w.thread.pk}/beobachten/"),
    "forum:thread_moderate": Row(lambda w: f"/forum/thema/{w.thread.pk}/moderieren/"),
    "forum:post": Row(lambda w: f"/forum/beitrag/{w.post.pk}/"),
    "forum:post_edit": Row(lambda w: f"/forum/beitrag/{w.post.pk}/bearbeiten/"),
    "forum:post_delete": Row(lambda w: f"/forum/beitrag/{w.post.pk}/loeschen/"),
    "forum:history": Row(lambda w: f"/forum/beitrag/{w.post.pk}/versionen/"),
    "forum:post_fragment": Row(lambda w: f"/forum/beitrag/{w.post.pk}/html/"),
    "forum:react": Row(lambda w: f"/forum/beitrag/{w.reply.pk}/reaktion/"),
    "forum:solution": Row(lambda w: f"/forum/beitrag/{w.reply.pk}/loesung/"),
    "forum:flag": Row(lambda w: f"/forum/beitrag/{w.reply.pk}/melden/"),
    "forum:post_hide": Row(lambda w: f"/forum/beitrag/{w.reply.pk}/ausblenden/"),
    "forum:post_unhide": Row(lambda w: f"/forum/beitrag/{w.reply.pk}/einblenden/"),
    "forum:flag_resolve": Row(lambda w: f"/forum/meldung/{w.flag.pk}/erledigt/"),
    # --- chat pages ---------------------------------------------------------------------
    "chat:index": Row(lambda w: "/chat/"),
    "chat:direct": Row(lambda w: f"/chat/direkt/{_u(w, 'coordinator').handle}/"),
    "chat:room": Row(lambda w: f"/chat/{w.private_room.slug}/", note="private room"),
    "chat:send": Row(lambda w: f"/chat/{w.private_room.slug}/senden/"),
    "chat:mute": Row(lambda w: f"/chat/{w.private_room.slug}/stumm/"),
    "chat:leave": Row(lambda w: f"/chat/{w.private_room.slug}/verlassen/"),
    "chat:close": Row(lambda w: f"/chat/{w.private_room.slug}/schliessen/"),
    "chat:delete": Row(
        lambda w: f"/chat/{w.private_room.slug}/nachricht/{w.message_seq}/loeschen/"
    ),
    # --- event pages --------------------------------------------------------------------
    "events:index": Row(lambda w: "/termine/"),
    "events:month_current": Row(lambda w: "/termine/monat/"),
    "events:month": Row(lambda w: "/termine/monat/2026/11/"),
    "events:archive": Row(lambda w: "/termine/archiv/"),
    "events:create": Row(lambda w: "/termine/neu/"),
    "events:feed_settings": Row(lambda w: "/termine/kalender-abo/"),
    "events:feed": Row(lambda w: f"/termine/feed/{w.feed_token}.ics", note="secret URL"),
    "events:detail": Row(lambda w: f"/termine/{w.event.pk}/", note="event for Wetzlar only"),
    "events:ics": Row(lambda w: f"/termine/{w.event.pk}/termin.ics"),
    "events:edit": Row(lambda w: f"/termine/{w.event.pk}/bearbeiten/"),
    "events:signup": Row(lambda w: f"/termine/{w.event.pk}/anmelden/"),
    "events:cancel_signup": Row(lambda w: f"/termine/{w.event.pk}/abmelden/"),
    "events:attendees": Row(lambda w: f"/termine/{w.event.pk}/teilnehmende/"),
    "events:attendees_csv": Row(lambda w: f"/termine/{w.event.pk}/teilnehmende.csv"),
    "events:attendee_remove": Row(
        lambda w: f"/termine/{w.event.pk}/teilnehmende/{_u(w, 'member').pk}/austragen/"
    ),
    "events:close_signups": Row(lambda w: f"/termine/{w.event.pk}/anmeldung-schliessen/"),
    "events:cancel": Row(lambda w: f"/termine/{w.event.pk}/absagen/"),
    # --- API ----------------------------------------------------------------------------
    "api_schema": Row(lambda w: "/api/schema/"),
    "api_docs": Row(lambda w: "/api/docs/"),
    "api_token": Row(lambda w: "/api/auth/token/"),
    "api_notifications": Row(lambda w: "/api/notifications/"),
    "api_notifications_read": Row(lambda w: "/api/notifications/read/"),
    "municipality-list": Row(lambda w: "/api/municipalities/"),
    "municipality-detail": Row(lambda w: f"/api/municipalities/{w.wetzlar.slug}/"),
    "member-list": Row(
        lambda w: "/api/members/",
        body={
            "POST": lambda w: {
                "email": "neu@wetzlar.de",
                "display_name": "Neu Zugang",
                "municipality": w.wetzlar.slug,
            }
        },
    ),
    "member-me": Row(lambda w: "/api/members/me/"),
    "member-export": Row(lambda w: "/api/members/me/export/", note="own data only"),
    "member-detail": Row(lambda w: f"/api/members/{_u(w, 'member').pk}/"),
    "expertise-list": Row(lambda w: "/api/expertise/"),
    "expertise-detail": Row(lambda w: f"/api/expertise/{w.expertise.slug}/"),
    "project-list": Row(
        lambda w: "/api/projects/",
        body={"POST": lambda w: {"title": "Neu", "kind": "eakte", "municipality": w.wetzlar.slug}},
    ),
    "project-detail": Row(lambda w: f"/api/projects/{w.draft.pk}/", note="unpublished project"),
    "forum-category-list": Row(lambda w: "/api/forum/categories/"),
    "forum-category-detail": Row(lambda w: "/api/forum/categories/austausch/"),
    "forum-thread-list": Row(
        lambda w: "/api/forum/threads/",
        body={"POST": lambda w: {"category": "austausch", "title": "Neu", "body": "Text"}},
    ),
    "forum-thread-detail": Row(lambda w: f"/api/forum/threads/{w.thread.pk}/"),
    "forum-thread-posts": Row(
        lambda w: f"/api/forum/threads/{w.thread.pk}/posts/",
        body={"POST": lambda w: {"body": "Antwort"}},
    ),
    "forum-post-detail": Row(
        lambda w: f"/api/forum/posts/{w.post.pk}/", body={"PATCH": lambda w: {"body": "Neu"}}
    ),
    "forum-post-flag": Row(
        lambda w: f"/api/forum/posts/{w.reply.pk}/flag/",
        body={"POST": lambda w: {"reason": "Unpassend"}},
    ),
    "forum-post-hide": Row(
        lambda w: f"/api/forum/posts/{w.reply.pk}/hide/",
        body={"POST": lambda w: {"reason": "Unpassend"}},
    ),
    "forum-post-reactions": Row(
        lambda w: f"/api/forum/posts/{w.reply.pk}/reactions/",
        body={"POST": lambda w: {"reaction": "thanks"}},
    ),
    "forum-post-solution": Row(lambda w: f"/api/forum/posts/{w.reply.pk}/solution/"),
    "api_chat_rooms": Row(
        lambda w: "/api/chat/rooms/", body={"POST": lambda w: {"name": "Neuer Raum"}}
    ),
    "api_chat_room": Row(lambda w: f"/api/chat/rooms/{w.private_room.slug}/", note="private room"),
    "api_chat_messages": Row(lambda w: f"/api/chat/rooms/{w.private_room.slug}/messages/"),
    "api_chat_room_members": Row(
        lambda w: f"/api/chat/rooms/{w.private_room.slug}/members/", note="who can read"
    ),
    "api_chat_message": Row(
        lambda w: f"/api/chat/rooms/{w.private_room.slug}/messages/{w.message_seq}/",
        body={"PATCH": lambda w: {"body": "Korrigiert"}},
    ),
    "api_chat_membership": Row(lambda w: f"/api/chat/rooms/{w.private_room.slug}/membership/"),
    "api_chat_close": Row(lambda w: f"/api/chat/rooms/{w.private_room.slug}/close/"),
    "api_chat_direct": Row(
        lambda w: "/api/chat/direct/",
        body={"POST": lambda w: {"members": [w.users["coordinator"].handle]}},
    ),
    "event-list": Row(lambda w: "/api/events/"),
    "event-feed": Row(lambda w: "/api/events/feed/"),
    "event-detail": Row(lambda w: f"/api/events/{w.event.pk}/", note="event for Wetzlar only"),
    "api_event_ics": Row(lambda w: f"/api/events/{w.event.pk}/ics"),
    "event-attendees": Row(
        lambda w: f"/api/events/{w.event.pk}/attendees/",
        body={"POST": lambda w: {"member": w.users["coordinator"].pk}},
    ),
    "event-attendee-remove": Row(
        lambda w: f"/api/events/{w.event.pk}/attendees/{_u(w, 'member').pk}/"
    ),
    "event-signup": Row(lambda w: f"/api/events/{w.event.pk}/signup/"),
}

# Groups: patterns covered by one representative row.
ADMIN_ROW = Row(lambda w: "/admin/", note="Django admin, all of admin/ (staff only)")


# A public page that only shows: everyone may read it, nobody may send to it.
PUBLIC_READ_ONLY = {
    "GET": "OOOOOO",
    **dict.fromkeys(["POST", "PUT", "PATCH", "DELETE"], "NNNNNN"),
}

# Observed and reviewed outcomes (see docs/security.md for the reasoning). A method
# missing from a row answers ANY: pages that only show take GET and HEAD, nothing else.
EXPECT: dict[str, dict[str, str]] = {
    "healthz": PUBLIC_READ_ONLY,
    "legal_impressum": PUBLIC_READ_ONLY,
    "legal_datenschutz": PUBLIC_READ_ONLY,
    "legal_barrierefreiheit": PUBLIC_READ_ONLY,
    "set_language": {
        "GET": "OOOOOO",
        "POST": "OOOOOO",
        "PUT": "OOOOOO",
        "PATCH": "OOOOOO",
        "DELETE": "OOOOOO",
    },
    "login": {
        "GET": "OOOOOO",
        "POST": "OOOOOO",
        "PUT": "OOOOOO",
        "PATCH": "NOOOOO",
        "DELETE": "NOOOOO",
    },
    "logout": {"POST": "LLLLLL"},
    "signup": {
        "GET": "OOOOOO",
        "POST": "OOOOOO",
        "PUT": "NNNNNN",
        "PATCH": "NNNNNN",
        "DELETE": "NNNNNN",
    },
    "signup_confirm": {
        "GET": "HHHHHH",
        "POST": "HHHHHH",
        "PUT": "NNNNNN",
        "PATCH": "NNNNNN",
        "DELETE": "NNNNNN",
    },
    "invitation_accept": {
        "GET": "HHHHHH",
        "POST": "HHHHHH",
        "PUT": "NNNNNN",
        "PATCH": "NNNNNN",
        "DELETE": "NNNNNN",
    },
    "password_reset": {
        "GET": "OOOOOO",
        "POST": "OOOOOO",
        "PUT": "OOOOOO",
        "PATCH": "NNNNNN",
        "DELETE": "NNNNNN",
    },
    "password_reset_done": PUBLIC_READ_ONLY,
    "password_reset_confirm": {
        "GET": "OOOOOO",
        "POST": "OOOOOO",
        "PUT": "OOOOOO",
        "PATCH": "OOOOOO",
        "DELETE": "OOOOOO",
    },
    "password_reset_complete": PUBLIC_READ_ONLY,
    "dashboard": {"GET": "LOOOOO"},
    "member_list": {"GET": "LOOOOO"},
    "member_detail": {"GET": "LOOOOO"},
    "profile_edit": {"GET": "LOOOOO", "POST": "LOOOOO"},
    "expertise_edit": {"GET": "LOOOOO", "POST": "LOOOOO"},
    "qualification_add": {"GET": "LOOOOO", "POST": "LOOOOO"},
    "qualification_confirm": {"POST": "LFFOFO"},
    "qualification_delete": {"POST": "LFOFFF"},
    "expertise_detail": {"GET": "LOOOOO"},
    "project_list": {"GET": "LOOOOO"},
    "project_create": {"GET": "LOOOOO", "POST": "LOOOOO"},
    "project_detail": {"GET": "LHOOHO"},
    "project_edit": {"GET": "LFOOFO", "POST": "LFOOFO"},
    "tool_detail": {"GET": "LOOOOO"},
    "invite": {"GET": "LFFOFO", "POST": "LFFOFO"},
    "notifications": {"GET": "LOOOOO"},
    "notification_open": {"POST": "LOOOOO"},
    "notifications_read": {"POST": "LOOOOO"},
    "notification_settings": {"POST": "LOOOOO"},
    "forum:index": {"GET": "LOOOOO"},
    "forum:search": {"GET": "LOOOOO"},
    "forum:thread_create": {"GET": "LOOOOO", "POST": "LOOOOO"},
    "forum:preview": {"POST": "LOOOOO"},
    "forum:mentions": {"GET": "LOOOOO"},
    "forum:moderation": {"GET": "LHHHOO"},
    "forum:category": {"GET": "LOOOOO"},
    "forum:watch_category": {"POST": "LOOOOO"},
    "forum:watch_tag": {"POST": "LOOOOO"},
    "forum:thread": {"GET": "LOOOOO"},
    "forum:reply": {"GET": "LOOOOO", "POST": "LOOOOO"},
    "forum:watch": {"POST": "LOOOOO"},
    "forum:thread_moderate": {"POST": "LHHHOO"},
    "forum:post": {"GET": "LOOOOO"},
    "forum:post_edit": {"GET": "LFOFOO", "POST": "LFOFOO"},
    "forum:post_delete": {"POST": "LFOFOO"},
    "forum:history": {"GET": "LOOOOO"},
    "forum:react": {"POST": "LOOOOO"},
    "forum:solution": {"POST": "LFOFOO"},
    "forum:flag": {"GET": "LOOOOO", "POST": "LOOOOO"},
    "forum:post_hide": {"GET": "LHHHOO", "POST": "LHHHBB"},
    "forum:post_unhide": {"POST": "LHHHOO"},
    "forum:flag_resolve": {"POST": "LHHHOO"},
    "chat:index": {"GET": "LOOOOO"},
    "chat:direct": {"POST": "LOOOOO"},
    "chat:room": {"GET": "LHOOHH"},
    "chat:send": {"POST": "LHOOHH"},
    "chat:mute": {"POST": "LHOOHH"},
    "chat:leave": {"POST": "LHOOHH"},
    "chat:close": {"POST": "LHHHHH"},
    "chat:delete": {"POST": "LHOHHH"},
    "events:index": {"GET": "LOOOOO"},
    "events:month_current": {"GET": "LOOOOO"},
    "events:month": {"GET": "LOOOOO"},
    "events:archive": {"GET": "LOOOOO"},
    "events:create": {"GET": "LFFOOO", "POST": "LFFOOO"},
    "events:feed_settings": {"GET": "LOOOOO", "POST": "LOOOOO"},
    "events:feed": PUBLIC_READ_ONLY,
    "events:detail": {"GET": "LHOOOO"},
    "events:ics": {"GET": "LHOOOO"},
    "events:edit": {"GET": "LHFOOO", "POST": "LHFOOO"},
    "events:signup": {"POST": "LHOOOO"},
    "events:cancel_signup": {"POST": "LHOOOO"},
    "events:attendees": {"GET": "LHFOOO", "POST": "LHFOOO"},
    "events:attendees_csv": {"GET": "LHFOOO"},
    "events:attendee_remove": {"POST": "LHFOOO"},
    "events:close_signups": {"POST": "LHFOOO"},
    "events:cancel": {"GET": "LHFOOO", "POST": "LHFOOO"},
    "api_schema": {"GET": "LOOOOO"},
    "api_docs": {"GET": "LOOOOO"},
    "api_token": {
        "GET": "NNNNNN",
        "POST": "BBBBBB",
        "PUT": "NNNNNN",
        "PATCH": "NNNNNN",
        "DELETE": "NNNNNN",
    },
    "api_notifications": {"GET": "LOOOOO"},
    "api_notifications_read": {"POST": "LOOOOO"},
    "municipality-list": {
        "GET": "LOOOOO",
        "POST": "LFFFFB",
        "PUT": "LFFFFN",
        "PATCH": "LFFFFN",
        "DELETE": "LFFFFN",
    },
    "municipality-detail": {
        "GET": "LOOOOO",
        "POST": "LFFFFN",
        "PUT": "LFFFFN",
        "PATCH": "LFFFFO",
        "DELETE": "LFFFFN",
    },
    "member-list": {"GET": "LOOOOO", "POST": "LFFOFO"},
    "member-me": {"GET": "LOOOOO", "PATCH": "LOOOOO"},
    "member-detail": {"GET": "LOOOOO", "PATCH": "LFFFFO", "DELETE": "LFFFFO"},
    "expertise-list": {"GET": "LOOOOO"},
    "expertise-detail": {"GET": "LOOOOO"},
    "project-list": {"GET": "LOOOOO", "POST": "LFOOFO"},
    "project-detail": {"GET": "LHOOHO", "PATCH": "LHOOHO", "DELETE": "LHOOHO"},
    "forum-category-list": {"GET": "LOOOOO"},
    "forum-category-detail": {"GET": "LOOOOO"},
    "forum-thread-list": {"GET": "LOOOOO", "POST": "LOOOOO"},
    "forum-thread-detail": {"GET": "LOOOOO", "PATCH": "LFOFOO"},
    "forum-thread-posts": {"GET": "LOOOOO", "POST": "LOOOOO"},
    "forum-post-detail": {"GET": "LOOOOO", "PATCH": "LFOFOO", "DELETE": "LFOFOO"},
    "forum-post-flag": {"POST": "LOOOOO"},
    "forum-post-hide": {"POST": "LFFFOO"},
    "forum-post-reactions": {"POST": "LOOBOO"},
    "forum-post-solution": {"POST": "LFOFOO"},
    "api_chat_rooms": {"GET": "LOOOOO", "POST": "LOOOOO"},
    "api_chat_room": {"GET": "LHOOHH"},
    "api_chat_messages": {"GET": "LHOOHH"},
    "api_chat_room_members": {"GET": "LHOOHH"},
    "api_chat_message": {"GET": "LHOOHH", "PATCH": "LHOFHH", "DELETE": "LHOFHH"},
    "api_chat_membership": {"PATCH": "LHOOHH", "DELETE": "LHOOHH"},
    "api_chat_close": {"POST": "LHFFHH"},
    "api_chat_direct": {"POST": "LOOBOO"},
    "event-list": {"GET": "LOOOOO", "POST": "LFFBBB"},
    "event-feed": {"GET": "LOOOOO", "POST": "LOOOOO"},
    "event-detail": {"GET": "LHOOOO", "PATCH": "LHFOOO", "DELETE": "LHFOOO"},
    "api_event_ics": {"GET": "LHOOOO"},
    "event-attendees": {"GET": "LHFOOO", "POST": "LHFOOO"},
    "event-attendee-remove": {"DELETE": "LHFOOO"},
    "event-signup": {"POST": "LHBOOO", "DELETE": "LHOBBB"},
    "admin": {
        "GET": "LLLLLO",
        "POST": "LLLLLO",
        "PUT": "LLLLLO",
        "PATCH": "LLLLLO",
        "DELETE": "LLLLLO",
    },
    "privacy": {"GET": "LOOOOO"},
    "privacy_export": {"GET": "LOOOOO"},
    "account_erase": {"POST": "LBBBBB"},
    "forum:thread_edit": {"GET": "LFOFOO", "POST": "LFOFOO"},
    "forum:thread_history": {"GET": "LOOOOO"},
    "forum:thread_row": {"GET": "LOOOOO"},
    "forum:post_fragment": {"GET": "LOOOOO"},
    "member-export": {"GET": "LOOOOO"},
}
