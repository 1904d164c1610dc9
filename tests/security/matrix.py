"""The authorization matrix: for every URL pattern, per method, what each role gets.

Each row: the URL (built from the world of ``tests/security/world.py``) and,
per HTTP method, eight outcome letters in the order of ``ROLES`` (anonymous,
member of another municipality, a second member of that municipality, its
coordinator, member, coordinator, moderator, administrator); see
``tests/security/harness.py`` for the letters. A method a row does not name
must answer ``LNNNNNNN`` (sign-in first, then 405). The same matrix is the
table in docs/security.md (``python -m tests.security.docs`` prints it).

The world: the member and the coordinator belong to Wetzlar, which owns the
private chat room, the unpublished project and the event for Wetzlar's members
only; "other", "other2" and "other_coordinator" belong to Gießen and must see
none of them. Anna (member) has invited Otto ("other") into the published
project: only he may answer that invitation.
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


ANY = "LNNNNNNN"

ROWS: dict[str, Row] = {
    # --- public: health, legal pages, language, sign-in and account recovery ---------------
    "healthz": Row(lambda w: "/healthz"),
    "webmanifest": Row(lambda w: "/manifest.webmanifest"),
    "service_worker": Row(lambda w: "/sw.js"),
    "offline": Row(lambda w: "/offline/"),
    "favicon": Row(lambda w: "/favicon.ico"),
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
    "oidc_callback": Row(
        lambda w: "/anmelden/oidc/callback/?code=abc&state=def",
        note="no sign-in started in this browser: 400 with a reason",
    ),
    "oidc_link": Row(
        lambda w: "/anmelden/oidc/verknuepfen/", note="no provider sign-in waiting: 400"
    ),
    "second_factor_signin": Row(
        lambda w: "/anmelden/zweiter-faktor/", note="without a password first: back to sign-in"
    ),
    "second_factor_signin_passkey_options": Row(
        lambda w: "/anmelden/zweiter-faktor/passkey/optionen/",
        note="without a password first: 403",
    ),
    "second_factor_signin_passkey": Row(
        lambda w: "/anmelden/zweiter-faktor/passkey/", note="without a password first: 403"
    ),
    # --- community pages ------------------------------------------------------------------
    "dashboard": Row(lambda w: "/"),
    "start_thread_read": Row(
        lambda w: f"/start/thema/{w.thread.pk}/gelesen/", note="every member reads every thread"
    ),
    "start_notification_read": Row(
        lambda w: f"/start/benachrichtigung/{w.notification.pk}/gelesen/",
        note="marks only the member's own notification read",
    ),
    "start_room_read": Row(
        lambda w: f"/start/raum/{w.private_room.slug}/gelesen/",
        note="private room: its members only",
        body={"POST": lambda w: {"bis": w.message_seq}},
    ),
    "file_download": Row(
        lambda w: w.file.get_absolute_url(), note="an unattached file: its uploader only"
    ),
    "file_thumbnail": Row(
        lambda w: f"/dateien/{w.file.pk}/vorschau/", note="a PDF has no thumbnail: 404 for all"
    ),
    "search": Row(lambda w: "/suche/?q=Akte"),
    "member_list": Row(lambda w: "/menschen/"),
    "member_detail": Row(lambda w: f"/menschen/{_u(w, 'member').handle}/"),
    "profile_edit": Row(lambda w: "/profil/"),
    "expertise_edit": Row(lambda w: "/profil/erfahrung/"),
    "password_change": Row(lambda w: "/profil/passwort/"),
    "api_token_revoke": Row(
        lambda w: f"/profil/zugangsschluessel/{w.api_token.pk}/widerrufen/",
        note="own tokens only",
    ),
    "second_factor_manage": Row(lambda w: "/profil/zweiter-faktor/"),
    "second_factor_totp_setup": Row(lambda w: "/profil/zweiter-faktor/app/"),
    "second_factor_totp_remove": Row(
        lambda w: "/profil/zweiter-faktor/app/entfernen/", note="own only; needs password or code"
    ),
    "second_factor_passkey_options": Row(lambda w: "/profil/zweiter-faktor/passkeys/optionen/"),
    "second_factor_passkey_register": Row(
        lambda w: "/profil/zweiter-faktor/passkeys/", note="no authenticator's answer: 400"
    ),
    "second_factor_passkey_remove": Row(
        lambda w: f"/profil/zweiter-faktor/passkeys/{w.passkey.pk}/entfernen/",
        note="own passkeys only; needs password or code",
    ),
    "second_factor_recovery_codes": Row(
        lambda w: "/profil/zweiter-faktor/wiederherstellungscodes/",
        note="needs password or code",
    ),
    "qualification_add": Row(lambda w: "/profil/qualifizierung/"),
    "qualification_confirm": Row(lambda w: f"/qualifizierung/{w.qualification.pk}/bestaetigen/"),
    "qualification_delete": Row(lambda w: f"/qualifizierung/{w.qualification.pk}/entfernen/"),
    "expertise_detail": Row(lambda w: f"/fachgebiete/{w.expertise.slug}/"),
    "project_list": Row(lambda w: "/projekte/"),
    "project_create": Row(lambda w: "/projekte/neu/"),
    "project_detail": Row(lambda w: f"/projekte/{w.draft.pk}/", note="unpublished project"),
    "project_edit": Row(lambda w: f"/projekte/{w.project.pk}/bearbeiten/"),
    "project_documents": Row(
        lambda w: f"/projekte/{w.draft.pk}/unterlagen/",
        note="unpublished project; no file sent: back to the page",
    ),
    "project_invitation_accept": Row(
        lambda w: f"/projekte/{w.project.pk}/einladung/annehmen/", note="Otto is invited"
    ),
    "project_invitation_decline": Row(
        lambda w: f"/projekte/{w.project.pk}/einladung/ablehnen/", note="Otto is invited"
    ),
    "tool_detail": Row(lambda w: f"/werkzeuge/{w.tool.key}/"),
    "invite": Row(lambda w: "/einladen/"),
    "municipality_oidc": Row(
        lambda w: f"/kommunen/{w.wetzlar.slug}/identitaetsanbieter/",
        note="Wetzlar's coordinator proposes, an administrator approves; empty form: 400",
    ),
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
    "chat:search": Row(lambda w: f"/chat/{w.private_room.slug}/suche/?q=x", note="private room"),
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
    "events:add_documents": Row(
        lambda w: f"/termine/{w.event.pk}/unterlagen/",
        note="before the start: organizers only; no file sent: back to the page",
    ),
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
    "api_member_tokens": Row(lambda w: "/api/members/me/tokens/", note="own tokens only"),
    "api_member_token": Row(
        lambda w: f"/api/members/me/tokens/{w.api_token.pk}/", note="own tokens only"
    ),
    "api_member_totp": Row(
        lambda w: "/api/members/me/totp/",
        note="a new, unconfirmed secret; DELETE: nobody here has an authenticator app (404)",
    ),
    "api_member_factors": Row(lambda w: "/api/members/me/factors/", note="own factors only"),
    "api_member_passkey": Row(
        lambda w: f"/api/members/me/passkeys/{w.passkey.pk}/",
        note="own passkeys only; no password or code sent: 400",
    ),
    "api_member_totp_confirm": Row(
        lambda w: "/api/members/me/totp/confirm/", note="no code sent: 400"
    ),
    "api_notifications": Row(lambda w: "/api/notifications/"),
    "api_push": Row(lambda w: "/api/push/"),
    "api_push_subscriptions": Row(
        lambda w: "/api/push/subscriptions/", note="own devices only; empty body: 400"
    ),
    "api_push_subscription": Row(
        lambda w: f"/api/push/subscriptions/{w.push_subscription.pk}/", note="own devices only"
    ),
    "api_push_subscription_change": Row(
        lambda w: "/api/push/subscriptions/change/",
        note="public: the old subscription (endpoint and auth secret) is the credential; "
        "empty body: 400",
    ),
    "api_file_upload": Row(lambda w: "/api/files/", note="the body lacks the file: 400"),
    "api_file_detail": Row(
        lambda w: f"/api/files/{w.file.pk}/", note="an unattached file: its uploader only"
    ),
    "api_notifications_read": Row(lambda w: "/api/notifications/read/"),
    "municipality-list": Row(lambda w: "/api/municipalities/"),
    "municipality-detail": Row(lambda w: f"/api/municipalities/{w.wetzlar.slug}/"),
    "search-list": Row(lambda w: "/api/search/?q=Akte"),
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
    "project-invitation-accept": Row(
        lambda w: f"/api/projects/{w.project.pk}/invitation/accept/", note="Otto is invited"
    ),
    "project-attachments": Row(
        lambda w: f"/api/projects/{w.draft.pk}/attachments/",
        note="unpublished project; its people add documents",
        body={"POST": lambda w: {"attachments": []}},
    ),
    "project-invitation-decline": Row(
        lambda w: f"/api/projects/{w.project.pk}/invitation/decline/", note="Otto is invited"
    ),
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
    "event-list": Row(
        lambda w: "/api/events/",
        note="an event for Wetzlar's members only",
        body={
            "POST": lambda w: {
                "title": "Nur für Wetzlar",
                "starts_at": "2027-03-01T10:00:00+01:00",
                "ends_at": "2027-03-01T12:00:00+01:00",
                "audience": "municipality",
                "audience_municipality": w.wetzlar.slug,
            }
        },
    ),
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
    "event-attachments": Row(
        lambda w: f"/api/events/{w.event.pk}/attachments/",
        note="before the start: organizers only",
        body={"POST": lambda w: {"attachments": []}},
    ),
}

# Groups: patterns covered by one representative row.
ADMIN_ROW = Row(lambda w: "/admin/", note="Django admin, all of admin/ (staff only)")


# A public page that only shows: everyone may read it, nobody may send to it.
PUBLIC_READ_ONLY = {
    "GET": "OOOOOOOO",
    **dict.fromkeys(["POST", "PUT", "PATCH", "DELETE"], "NNNNNNNN"),
}

# Observed and reviewed outcomes (see docs/security.md for the reasoning). A method
# missing from a row answers ANY: pages that only show take GET and HEAD, nothing else.
EXPECT: dict[str, dict[str, str]] = {
    "healthz": PUBLIC_READ_ONLY,
    "webmanifest": PUBLIC_READ_ONLY,
    "service_worker": PUBLIC_READ_ONLY,
    "offline": PUBLIC_READ_ONLY,
    "favicon": PUBLIC_READ_ONLY,
    "legal_impressum": PUBLIC_READ_ONLY,
    "legal_datenschutz": PUBLIC_READ_ONLY,
    "legal_barrierefreiheit": PUBLIC_READ_ONLY,
    "set_language": {
        "GET": "OOOOOOOO",
        "POST": "OOOOOOOO",
        "PUT": "OOOOOOOO",
        "PATCH": "OOOOOOOO",
        "DELETE": "OOOOOOOO",
    },
    "login": {
        "GET": "OOOOOOOO",
        "POST": "OOOOOOOO",
        "PUT": "OOOOOOOO",
        "PATCH": "NOOOOOOO",
        "DELETE": "NOOOOOOO",
    },
    "logout": {"POST": "LLLLLLLL"},
    "signup": {
        "GET": "OOOOOOOO",
        "POST": "OOOOOOOO",
        "PUT": "NNNNNNNN",
        "PATCH": "NNNNNNNN",
        "DELETE": "NNNNNNNN",
    },
    "signup_confirm": {
        "GET": "HHHHHHHH",
        "POST": "HHHHHHHH",
        "PUT": "NNNNNNNN",
        "PATCH": "NNNNNNNN",
        "DELETE": "NNNNNNNN",
    },
    "invitation_accept": {
        "GET": "HHHHHHHH",
        "POST": "HHHHHHHH",
        "PUT": "NNNNNNNN",
        "PATCH": "NNNNNNNN",
        "DELETE": "NNNNNNNN",
    },
    "password_reset": {
        "GET": "OOOOOOOO",
        "POST": "OOOOOOOO",
        "PUT": "OOOOOOOO",
        "PATCH": "NNNNNNNN",
        "DELETE": "NNNNNNNN",
    },
    "password_reset_done": PUBLIC_READ_ONLY,
    "password_reset_confirm": {
        "GET": "OOOOOOOO",
        "POST": "OOOOOOOO",
        "PUT": "OOOOOOOO",
        "PATCH": "OOOOOOOO",
        "DELETE": "OOOOOOOO",
    },
    "password_reset_complete": PUBLIC_READ_ONLY,
    "dashboard": {"GET": "LOOOOOOO"},
    "start_thread_read": {"POST": "LOOOOOOO"},
    "start_notification_read": {"POST": "LOOOOOOO"},
    "start_room_read": {"POST": "LHHHOOHH"},
    "file_download": {"GET": "LHHHOHHH"},
    "file_thumbnail": {"GET": "LHHHHHHH"},
    "member_list": {"GET": "LOOOOOOO"},
    "member_detail": {"GET": "LOOOOOOO"},
    "profile_edit": {"GET": "LOOOOOOO", "POST": "LOOOOOOO"},
    "expertise_edit": {"GET": "LOOOOOOO", "POST": "LOOOOOOO"},
    "qualification_add": {"GET": "LOOOOOOO", "POST": "LOOOOOOO"},
    "qualification_confirm": {"POST": "LFFFFOFO"},
    "qualification_delete": {"POST": "LFFFOFFF"},
    "expertise_detail": {"GET": "LOOOOOOO"},
    "project_list": {"GET": "LOOOOOOO"},
    "project_create": {"GET": "LOOOOOOO", "POST": "LOOOOOOO"},
    "project_detail": {"GET": "LHHHOOHO"},
    "project_edit": {"GET": "LFFFOOFO", "POST": "LFFFOOFO"},
    "project_documents": {"POST": "LHHHOOHO"},
    "project_invitation_accept": {"POST": "LOHHHHHH"},
    "project_invitation_decline": {"POST": "LOHHHHHH"},
    "tool_detail": {"GET": "LOOOOOOO"},
    "invite": {"GET": "LFFOFOFO", "POST": "LFFOFOFO"},
    "municipality_oidc": {"GET": "LHHHHOHO", "POST": "LHHHHBHB"},
    "notifications": {"GET": "LOOOOOOO"},
    "notification_open": {"POST": "LOOOOOOO"},
    "notifications_read": {"POST": "LOOOOOOO"},
    "notification_settings": {"POST": "LOOOOOOO"},
    "search": {"GET": "LOOOOOOO"},
    "forum:index": {"GET": "LOOOOOOO"},
    "forum:search": {"GET": "LOOOOOOO"},
    "forum:thread_create": {"GET": "LOOOOOOO", "POST": "LOOOOOOO"},
    "forum:preview": {"POST": "LOOOOOOO"},
    "forum:mentions": {"GET": "LOOOOOOO"},
    "forum:moderation": {"GET": "LHHHHHOO"},
    "forum:category": {"GET": "LOOOOOOO"},
    "forum:watch_category": {"POST": "LOOOOOOO"},
    "forum:watch_tag": {"POST": "LOOOOOOO"},
    "forum:thread": {"GET": "LOOOOOOO"},
    "forum:reply": {"GET": "LOOOOOOO", "POST": "LOOOOOOO"},
    "forum:watch": {"POST": "LOOOOOOO"},
    "forum:thread_moderate": {"POST": "LHHHHHOO"},
    "forum:post": {"GET": "LOOOOOOO"},
    "forum:post_edit": {"GET": "LFFFOFOO", "POST": "LFFFOFOO"},
    "forum:post_delete": {"POST": "LFFFOFOO"},
    "forum:history": {"GET": "LOOOOOOO"},
    "forum:react": {"POST": "LOOOOOOO"},
    "forum:solution": {"POST": "LFFFOFOO"},
    "forum:flag": {"GET": "LOOOOOOO", "POST": "LOOOOOOO"},
    "forum:post_hide": {"GET": "LHHHHHOO", "POST": "LHHHHHBB"},
    "forum:post_unhide": {"POST": "LHHHHHOO"},
    "forum:flag_resolve": {"POST": "LHHHHHOO"},
    "chat:index": {"GET": "LOOOOOOO"},
    "chat:direct": {"POST": "LOOOOOOO"},
    "chat:room": {"GET": "LHHHOOHH"},
    "chat:send": {"POST": "LHHHOOHH"},
    "chat:search": {"GET": "LHHHOOHH"},
    "chat:mute": {"POST": "LHHHOOHH"},
    "chat:leave": {"POST": "LHHHOOHH"},
    "chat:close": {"POST": "LHHHHHHH"},
    "chat:delete": {"POST": "LHHHOHHH"},
    "events:index": {"GET": "LOOOOOOO"},
    "events:month_current": {"GET": "LOOOOOOO"},
    "events:month": {"GET": "LOOOOOOO"},
    "events:archive": {"GET": "LOOOOOOO"},
    "events:create": {"GET": "LFFOFOOO", "POST": "LFFOFOOO"},
    "events:feed_settings": {"GET": "LOOOOOOO", "POST": "LOOOOOOO"},
    "password_change": {"GET": "LOOOOOOO", "POST": "LOOOOOOO"},
    "api_token_revoke": {"POST": "LHHHOHHH"},
    "events:feed": PUBLIC_READ_ONLY,
    "events:detail": {"GET": "LHHHOOOO"},
    "events:ics": {"GET": "LHHHOOOO"},
    "events:edit": {"GET": "LHHHFOOO", "POST": "LHHHFOOO"},
    "events:add_documents": {"POST": "LHHHFOOO"},
    "events:signup": {"POST": "LHHHOOOO"},
    "events:cancel_signup": {"POST": "LHHHOOOO"},
    "events:attendees": {"GET": "LHHHFOOO", "POST": "LHHHFOOO"},
    "events:attendees_csv": {"GET": "LHHHFOOO"},
    "events:attendee_remove": {"POST": "LHHHFOOO"},
    "events:close_signups": {"POST": "LHHHFOOO"},
    "events:cancel": {"GET": "LHHHFOOO", "POST": "LHHHFOOO"},
    "api_schema": {"GET": "LOOOOOOO"},
    "api_docs": {"GET": "LOOOOOOO"},
    "api_token": {
        "GET": "NNNNNNNN",
        "POST": "BBBBBBBB",
        "PUT": "NNNNNNNN",
        "PATCH": "NNNNNNNN",
        "DELETE": "NNNNNNNN",
    },
    "api_notifications": {"GET": "LOOOOOOO"},
    "api_push": {"GET": "LOOOOOOO"},
    "api_push_subscriptions": {"GET": "LOOOOOOO", "POST": "LBBBBBBB"},
    "api_push_subscription": {"DELETE": "LHHHOHHH"},
    "api_push_subscription_change": {
        "GET": "NNNNNNNN",
        "POST": "BBBBBBBB",
        "PUT": "NNNNNNNN",
        "PATCH": "NNNNNNNN",
        "DELETE": "NNNNNNNN",
    },
    "api_file_upload": {"POST": "LBBBBBBB"},
    "api_file_detail": {"GET": "LHHHOHHH", "DELETE": "LHHHOHHH"},
    "api_notifications_read": {"POST": "LOOOOOOO"},
    "api_member_tokens": {"GET": "LOOOOOOO"},
    "api_member_token": {"DELETE": "LHHHOHHH"},
    "api_member_totp": {"POST": "LOOOOOOO", "DELETE": "LHHHHHHH"},
    "api_member_factors": {"GET": "LOOOOOOO"},
    "api_member_passkey": {"DELETE": "LHHHBHHH"},
    "api_member_totp_confirm": {"POST": "LBBBBBBB"},
    # Public (the provider sends the browser back before anyone is signed in): without a
    # sign-in begun in this browser, 400 with a reason; other methods 405 for all.
    "oidc_callback": {
        "GET": "BBBBBBBB",
        **dict.fromkeys(["POST", "PUT", "PATCH", "DELETE"], "NNNNNNNN"),
    },
    "oidc_link": {
        "GET": "BBBBBBBB",
        "POST": "BBBBBBBB",
        **dict.fromkeys(["PUT", "PATCH", "DELETE"], "NNNNNNNN"),
    },
    # Public (the half-signed-in have no session yet): other methods are 405 for all.
    "second_factor_signin": {
        "GET": "LLLLLLLL",
        "POST": "LLLLLLLL",
        **dict.fromkeys(["PUT", "PATCH", "DELETE"], "NNNNNNNN"),
    },
    "second_factor_signin_passkey_options": {
        "POST": "LFFFFFFF",
        **dict.fromkeys(["GET", "PUT", "PATCH", "DELETE"], "NNNNNNNN"),
    },
    "second_factor_signin_passkey": {
        "POST": "LFFFFFFF",
        **dict.fromkeys(["GET", "PUT", "PATCH", "DELETE"], "NNNNNNNN"),
    },
    "second_factor_manage": {"GET": "LOOOOOOO"},
    "second_factor_totp_setup": {"GET": "LOOOOOOO", "POST": "LOOOOOOO"},
    "second_factor_totp_remove": {"POST": "LOOOOOOO"},
    "second_factor_passkey_options": {"POST": "LOOOOOOO"},
    "second_factor_passkey_register": {"POST": "LBBBBBBB"},
    "second_factor_passkey_remove": {"POST": "LHHHOHHH"},
    "second_factor_recovery_codes": {"POST": "LOOOOOOO"},
    "municipality-list": {
        "GET": "LOOOOOOO",
        "POST": "LFFFFFFB",
        "PUT": "LFFFFFFN",
        "PATCH": "LFFFFFFN",
        "DELETE": "LFFFFFFN",
    },
    "municipality-detail": {
        "GET": "LOOOOOOO",
        "POST": "LFFFFFFN",
        "PUT": "LFFFFFFN",
        "PATCH": "LFFFFFFO",
        "DELETE": "LFFFFFFN",
    },
    "search-list": {"GET": "LOOOOOOO"},
    "member-list": {"GET": "LOOOOOOO", "POST": "LFFFFOFO"},
    "member-me": {"GET": "LOOOOOOO", "PATCH": "LOOOOOOO"},
    "member-detail": {"GET": "LOOOOOOO", "PATCH": "LFFFFFFO", "DELETE": "LFFFFFFO"},
    "expertise-list": {"GET": "LOOOOOOO"},
    "expertise-detail": {"GET": "LOOOOOOO"},
    "project-list": {"GET": "LOOOOOOO", "POST": "LFFFOOFO"},
    "project-detail": {"GET": "LHHHOOHO", "PATCH": "LHHHOOHO", "DELETE": "LHHHOOHO"},
    "project-invitation-accept": {"POST": "LOHHHHHH"},
    "project-attachments": {"POST": "LHHHOOHO"},
    "project-invitation-decline": {"POST": "LOHHHHHH"},
    "forum-category-list": {"GET": "LOOOOOOO"},
    "forum-category-detail": {"GET": "LOOOOOOO"},
    "forum-thread-list": {"GET": "LOOOOOOO", "POST": "LOOOOOOO"},
    "forum-thread-detail": {"GET": "LOOOOOOO", "PATCH": "LFFFOFOO"},
    "forum-thread-posts": {"GET": "LOOOOOOO", "POST": "LOOOOOOO"},
    "forum-post-detail": {"GET": "LOOOOOOO", "PATCH": "LFFFOFOO", "DELETE": "LFFFOFOO"},
    "forum-post-flag": {"POST": "LOOOOOOO"},
    "forum-post-hide": {"POST": "LFFFFFOO"},
    "forum-post-reactions": {"POST": "LOOOOBOO"},
    "forum-post-solution": {"POST": "LFFFOFOO"},
    "api_chat_rooms": {"GET": "LOOOOOOO", "POST": "LOOOOOOO"},
    "api_chat_room": {"GET": "LHHHOOHH"},
    "api_chat_messages": {"GET": "LHHHOOHH"},
    "api_chat_message": {"GET": "LHHHOOHH", "PATCH": "LHHHOFHH", "DELETE": "LHHHOFHH"},
    "api_chat_membership": {"PATCH": "LHHHOOHH", "DELETE": "LHHHOOHH"},
    "api_chat_close": {"POST": "LHHHFFHH"},
    "api_chat_direct": {"POST": "LOOOOBOO"},
    "event-list": {"GET": "LOOOOOOO", "POST": "LFFFFOOO"},
    "event-feed": {"GET": "LOOOOOOO", "POST": "LOOOOOOO"},
    "event-detail": {"GET": "LHHHOOOO", "PATCH": "LHHHFOOO", "DELETE": "LHHHFOOO"},
    "api_event_ics": {"GET": "LHHHOOOO"},
    "event-attendees": {"GET": "LHHHFOOO", "POST": "LHHHFOOO"},
    "event-attendee-remove": {"DELETE": "LHHHFOOO"},
    "event-signup": {"POST": "LHHHBOOO", "DELETE": "LHHHOBBB"},
    "event-attachments": {"POST": "LHHHFOOO"},
    "api_chat_room_members": {"GET": "LHHHOOHH"},
    "admin": {
        "GET": "LLLLLLLO",
        "POST": "LLLLLLLO",
        "PUT": "LLLLLLLO",
        "PATCH": "LLLLLLLO",
        "DELETE": "LLLLLLLO",
    },
    "privacy": {"GET": "LOOOOOOO"},
    "privacy_export": {"GET": "LOOOOOOO"},
    "account_erase": {"POST": "LBBBBBBB"},
    "forum:thread_edit": {"GET": "LFFFOFOO", "POST": "LFFFOFOO"},
    "forum:thread_history": {"GET": "LOOOOOOO"},
    "forum:thread_row": {"GET": "LOOOOOOO"},
    "forum:post_fragment": {"GET": "LOOOOOOO"},
    "member-export": {"GET": "LOOOOOOO"},
}
