"""Every page of the platform at desktop (1280 × 800) and phone size (390 × 844), in
Chromium against daphne (so the sockets of chat, forum, events and the bell connect as
in production): axe-core finds no serious or critical issue, the browser logs no error,
no request fails or is answered 4xx/5xx, nothing scrolls sideways, the tab is titled
"… – Lotsennetz", and on the phone every control of the header and of the content is
finger-sized (44 × 44 CSS px; inline links in text are exempt, as in tests/browser/test_phone.py).

The pages are looked at as served, under the platform's Content-Security-Policy: axe-core
comes in as an init script of the browser context (not subject to the page's policy),
so a script or style the policy blocks shows as a console error here.

``PAGES`` names each page by its URL name; ``test_every_page_is_listed`` checks that every
URL name of the site is either in ``PAGES`` or in ``NOT_PAGES`` with the reason it is not
a page (POST-only actions, downloads, feeds, JSON, redirects), so a new page cannot be
forgotten here.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from chat import services as chat_services
from community import services as community_services
from community.models import Role
from events import services as event_services
from files import services as file_services
from forum import services as forum_services
from tests.browser.a11y import axe_violations, blocking, describe, new_context
from tests.browser.conftest import AXE_SCRIPT, sign_in_by_form
from tests.browser.test_accessibility import network  # noqa: F401 (fixture)
from tests.browser.test_phone import CONTENT_CONTROLS, HEADER_CONTROLS, small_targets
from tests.browser.test_rough_edges import watch
from tests.files import samples
from tests.servers import daphne

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@dataclass(frozen=True)
class Page:
    who: str | None  # "member" (Anna), "coordinator" (Erika), "moderator", "factor", None
    path: Callable[[dict], str]
    status: int = 200
    then: Callable | None = None  # what the visitor does on the page before it is checked
    shows: str = ""  # a text the page must show (not an empty state)


def _password_step(page, data):
    page.get_by_label("E-Mail-Adresse").fill(data["member"].email)
    page.get_by_role("button", name="Weiter").click()
    expect(page.get_by_label("Passwort")).to_be_focused()


def _second_factor_step(page, data):
    sign_in_by_form(page, data["factor"].email, path=None)
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden: zweiter Faktor")


# URL name (``#variant`` for a second state of the same page) → how to reach it.
PAGES: dict[str, Page] = {
    # --- the member's pages ---------------------------------------------------------
    "dashboard": Page("member", lambda d: "/", shows="Willkommen, Anna"),
    "forum:index": Page("member", lambda d: "/forum/", shows="Erfahrungen mit der E-Akte"),
    "forum:category": Page("member", lambda d: "/forum/kategorie/austausch/"),
    "forum:search": Page("member", lambda d: "/forum/suche/?q=E-Akte", shows="Erfahrungen"),
    "forum:thread": Page("member", lambda d: f"/forum/thema/{d['thread'].pk}/", shows="Protokoll"),
    "forum:thread_create": Page("member", lambda d: "/forum/neu/"),
    "forum:reply": Page("member", lambda d: f"/forum/thema/{d['thread'].pk}/antworten/"),
    "forum:thread_edit": Page("member", lambda d: f"/forum/thema/{d['thread'].pk}/bearbeiten/"),
    "forum:thread_history": Page("member", lambda d: f"/forum/thema/{d['thread'].pk}/versionen/"),
    "forum:post_edit": Page("member", lambda d: f"/forum/beitrag/{d['first_post'].pk}/bearbeiten/"),
    "forum:history": Page("member", lambda d: f"/forum/beitrag/{d['first_post'].pk}/versionen/"),
    "forum:flag": Page("member", lambda d: f"/forum/beitrag/{d['reply'].pk}/melden/"),
    "chat:index": Page("member", lambda d: "/chat/", shows="Allgemein"),
    "chat:room": Page("member", lambda d: "/chat/allgemein/", shows="Guten Morgen, Netz!"),
    "chat:room#direct": Page("member", lambda d: f"/chat/{d['direct'].slug}/", shows="Hallo Anna"),
    "chat:search": Page("member", lambda d: "/chat/allgemein/suche/?q=Morgen", shows="Netz"),
    "events:index": Page("member", lambda d: "/termine/", shows="Netzwerktreffen Mittelhessen"),
    "events:month_current": Page("member", lambda d: "/termine/monat/", shows="Netzwerktreffen"),
    "events:month": Page("member", lambda d: "/termine/monat/2026/12/"),
    "events:archive": Page("member", lambda d: "/termine/archiv/"),
    "events:detail": Page("member", lambda d: f"/termine/{d['event'].pk}/", shows="Wetzlar"),
    "events:feed_settings": Page("member", lambda d: "/termine/kalender-abo/"),
    "member_list": Page("member", lambda d: "/menschen/?q=E-Akte", shows="Erika Expertin"),
    "member_detail": Page("member", lambda d: f"/menschen/{d['expert'].handle}/"),
    "expertise_detail": Page("member", lambda d: "/fachgebiete/e-akte-dms/", shows="Erika"),
    "tool_detail": Page("member", lambda d: "/werkzeuge/enaio/", shows="Einführung enaio"),
    "project_list": Page("member", lambda d: "/projekte/", shows="Einführung enaio"),
    "project_detail": Page("member", lambda d: f"/projekte/{d['project'].pk}/", shows="enaio"),
    "project_create": Page("member", lambda d: "/projekte/neu/"),
    "search": Page("member", lambda d: "/suche/?q=E-Akte", shows="Erika Expertin"),
    **{
        f"search#{kind}": Page("member", lambda d, kind=kind: f"/suche/?q=E-Akte&type={kind}")
        for kind in ("member", "project", "thread", "event", "message")
    },
    "profile_edit": Page("member", lambda d: "/profil/"),
    "expertise_edit": Page("member", lambda d: "/profil/erfahrung/"),
    "password_change": Page("member", lambda d: "/profil/passwort/"),
    "qualification_add": Page("member", lambda d: "/profil/qualifizierung/"),
    "second_factor_manage": Page("member", lambda d: "/profil/zweiter-faktor/"),
    "second_factor_totp_setup": Page("member", lambda d: "/profil/zweiter-faktor/app/"),
    "privacy": Page("member", lambda d: "/profil/daten/"),
    "notifications": Page("member", lambda d: "/benachrichtigungen/", shows="Erika Expertin"),
    "legal_impressum": Page("member", lambda d: "/impressum/"),
    "legal_datenschutz": Page("member", lambda d: "/datenschutz/"),
    "legal_barrierefreiheit": Page("member", lambda d: "/barrierefreiheit/"),
    "not-found": Page("member", lambda d: "/gibt-es-nicht/", status=404),
    # --- a coordinator's (Erika, Marburg) and a moderator's pages ----------------------
    "invite": Page("coordinator", lambda d: "/einladen/"),
    "municipality_oidc": Page("coordinator", lambda d: "/kommunen/marburg/identitaetsanbieter/"),
    "events:create": Page("coordinator", lambda d: "/termine/neu/"),
    "events:edit": Page("coordinator", lambda d: f"/termine/{d['event'].pk}/bearbeiten/"),
    "events:attendees": Page(
        "coordinator", lambda d: f"/termine/{d['event'].pk}/teilnehmende/", shows="Anna Schmidt"
    ),
    "events:cancel": Page("coordinator", lambda d: f"/termine/{d['event'].pk}/absagen/"),
    "project_edit": Page("coordinator", lambda d: f"/projekte/{d['project'].pk}/bearbeiten/"),
    "forum:moderation": Page("moderator", lambda d: "/forum/moderation/", shows="Werbung"),
    "forum:post_hide": Page("moderator", lambda d: f"/forum/beitrag/{d['reply'].pk}/ausblenden/"),
    # --- without a session ------------------------------------------------------------
    "login": Page(None, lambda d: "/anmelden/"),
    "login#password": Page(None, lambda d: "/anmelden/", then=_password_step),
    "second_factor_signin": Page(None, lambda d: "/anmelden/", then=_second_factor_step),
    "signup": Page(None, lambda d: "/registrieren/"),
    "signup_confirm": Page(None, lambda d: f"/registrieren/{d['signup_token']}/"),
    "invitation_accept": Page(None, lambda d: f"/einladung/{d['invitation_token']}/"),
    "password_reset": Page(None, lambda d: "/passwort-vergessen/"),
    "password_reset_done": Page(None, lambda d: "/passwort-vergessen/gesendet/"),
    "password_reset_confirm": Page(None, lambda d: d["reset_path"]),
    "password_reset_complete": Page(None, lambda d: "/passwort-neu/fertig/"),
    "oidc_callback": Page(None, lambda d: "/anmelden/oidc/callback/?code=abc&state=d", status=400),
    "offline": Page(None, lambda d: "/offline/"),
    "legal_barrierefreiheit#anonymous": Page(None, lambda d: "/barrierefreiheit/"),
}

# URL names that are no page of their own, and why.
NOT_PAGES = {
    "healthz": "JSON for the monitoring",
    "webmanifest": "JSON (tests/browser/test_web_app.py)",
    "service_worker": "script (tests/browser/test_web_app.py)",
    "favicon": "picture",
    "set_language": "POST only",
    "file_thumbnail": "picture",
    "file_download": "a file",
    "forum:preview": "POST only (HTML fragment for the composer)",
    "forum:mentions": "JSON for the mention suggestions",
    "forum:watch_category": "POST only",
    "forum:watch_tag": "POST only",
    "forum:watch": "POST only",
    "forum:thread_moderate": "POST only",
    "forum:thread_row": "HTML fragment for live updates",
    "forum:post_delete": "POST only",
    "forum:post_fragment": "HTML fragment for live updates",
    "forum:react": "POST only",
    "forum:solution": "POST only",
    "forum:post_unhide": "POST only",
    "forum:post": "redirects to the post in its thread (forum:thread)",
    "forum:flag_resolve": "POST only",
    "chat:direct": "POST only (opens the direct room: chat:room#direct)",
    "chat:send": "POST only (the chat without a script)",
    "chat:mute": "POST only",
    "chat:leave": "POST only",
    "chat:close": "POST only",
    "chat:delete": "POST only",
    "events:feed": "iCalendar feed",
    "events:ics": "iCalendar file",
    "events:add_documents": "POST only",
    "events:signup": "POST only",
    "events:cancel_signup": "POST only",
    "events:attendees_csv": "CSV file",
    "events:attendee_remove": "POST only",
    "events:close_signups": "POST only",
    "privacy_export": "JSON download",
    "account_erase": "POST only",
    "start_thread_read": "POST only",
    "start_notification_read": "POST only",
    "start_room_read": "POST only",
    "logout": "POST only",
    "oidc_link": "needs a provider's sign-in under way (tests/browser/test_oidc_pages.py)",
    "second_factor_signin_passkey_options": "POST only (JSON)",
    "second_factor_signin_passkey": "POST only (JSON)",
    "second_factor_totp_remove": "POST only",
    "second_factor_passkey_options": "POST only (JSON)",
    "second_factor_passkey_register": "POST only (JSON)",
    "second_factor_passkey_remove": "POST only",
    "second_factor_recovery_codes": "POST only (shows the codes: tests/browser/test_passkeys.py)",
    "api_token_revoke": "POST only",
    "qualification_confirm": "POST only",
    "qualification_delete": "POST only",
    "project_documents": "POST only",
    "project_invitation_accept": "POST only",
    "project_invitation_decline": "POST only",
    "notification_open": "POST only (redirects to the entry's page)",
    "notifications_read": "POST only",
    "notification_settings": "POST only (the form is on the profile page)",
}


def _url_names(patterns, namespace: str = "") -> set[str]:
    names = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith(("api/", "admin/")):
                continue  # the API (docs/api.md) and Django's admin
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            if str(pattern.pattern).startswith(("api/", "admin/")):
                continue
            names.add(namespace + pattern.name)
    return names


def test_every_page_is_listed():
    names = _url_names(get_resolver().url_patterns)
    listed = {key.split("#")[0] for key in PAGES} - {"not-found"}
    missing = names - listed - set(NOT_PAGES)
    assert not missing, f"pages neither checked nor explained: {sorted(missing)}"
    stale = (listed | set(NOT_PAGES)) - names
    assert not stale, f"listed but gone: {sorted(stale)}"
    assert not listed & set(NOT_PAGES)


@pytest.fixture
def everywhere(network, make_member, clamav_socket):  # noqa: F811 (the fixture imported above)
    """The small network of the accessibility tests, with something on every page."""
    anna, erika = network["member"], network["expert"]
    thread = network["thread"]
    first_post = thread.posts.order_by("number").first()
    reply = thread.posts.order_by("number").last()
    # A version history, a picture and a document in the thread.
    forum_services.post_update(editor=anna, post=first_post, body="Wer hat schon umgestellt?")
    picture = file_services.file_upload(
        uploader=erika, upload=samples.upload("Plan.png", samples.png((320, 200)), "image/png")
    )
    minutes = file_services.file_upload(
        uploader=erika,
        upload=samples.upload("Protokoll.txt", b"Protokoll des Treffens.\n", "text/plain"),
    )
    forum_services.post_create(
        author=erika,
        thread=thread,
        body="Das Protokoll und der Plan hängen an.",
        attachments=[str(picture.pk), str(minutes.pk)],
    )
    event_services.signup_create(event=network["event"], member=anna)
    moderator = make_member(role=Role.MODERATOR, display_name="Mara Moderation")
    forum_services.flag_create(member=anna, post=reply, reason="Werbung?")
    direct = chat_services.direct_room_open(member=erika, others=[anna])
    chat_services.message_post(room=direct, author=erika, body="Hallo Anna!", client_id="dm-1")
    # A member with a second factor (the sign-in's second step).
    factor = make_member(display_name="Fiona Faktor")
    factor.passkeys.create(credential_id="every-page", public_key=b"-", name="Dienstlaptop")
    # Tokens of the e-mailed links (sign-up, invitation, new password).
    from community.services.onboarding import SIGNUP_SALT

    invited = community_services.member_invite(
        invited_by=erika,
        email="neu@marburg.example",
        display_name="Nora Neu",
        municipality=erika.municipality,
    )
    invitation_token = community_services.invitation_send(member=invited, invited_by=erika)
    uid = urlsafe_base64_encode(force_bytes(anna.pk))
    return {
        **network,
        "thread": thread,
        "first_post": first_post,
        "reply": reply,
        "direct": direct,
        "moderator": moderator,
        "factor": factor,
        "signup_token": signing.dumps({"email": "neu@wetzlar.de"}, salt=SIGNUP_SALT),
        "invitation_token": invitation_token,
        "reset_path": f"/passwort-neu/{uid}/{default_token_generator.make_token(anna)}/",
    }


# The innermost elements that reach past the right edge (what makes a page scroll sideways).
TOO_WIDE = """() => {
    const wide = [...document.querySelectorAll("body *")].filter(
        (el) => el.getBoundingClientRect().right > innerWidth + 0.5);
    return wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)))
        .slice(0, 5).map((el) => el.outerHTML.slice(0, 120));
}"""


def _context(chromium, base: str, user, size):
    context = new_context(chromium, base, user)
    context.add_init_script(path=str(AXE_SCRIPT))
    page = context.new_page()
    page.set_viewport_size(size)
    return context, page


def _check(page, name: str, spec: Page, data: dict, problems: list[str]) -> list[str]:
    found: list[str] = []
    problems.clear()
    response = page.goto(spec.path(data))
    if spec.then is not None:
        spec.then(page, data)
    else:
        if response.status != spec.status:
            found.append(f"HTTP {response.status}, expected {spec.status}")
    page.wait_for_load_state("networkidle")
    if spec.status == 200:
        view = resolve(urlsplit(page.url).path).view_name
        if view != name.split("#")[0]:
            found.append(f"ended at {page.url} ({view})")
    if spec.shows:
        expect(page.locator("main")).to_contain_text(spec.shows)
    document = spec.path(data)
    found += [
        p
        for p in problems
        # The page's own expected status (a 404 page, the refused OIDC callback).
        if not (
            spec.status != 200
            and (
                (p.startswith(f"HTTP {spec.status} ") and document in p)
                or p.endswith(
                    f"the server responded with a status of {spec.status} "
                    f"({HTTPStatus(spec.status).phrase})"
                )
            )
        )
    ]
    if not re.fullmatch(r".+ – Lotsennetz", page.title()):
        found.append(f"title {page.title()!r}")
    if (extra := page.evaluate("document.documentElement.scrollWidth - innerWidth")) > 0:
        found.append(f"scrolls sideways by {extra} px: {page.evaluate(TOO_WIDE)}")
    if page.viewport_size == PHONE:  # finger-sized controls (44 × 44 CSS px, WCAG 2.5.5)
        found += [f"small: {t}" for t in small_targets(page, HEADER_CONTROLS)]
        found += [f"small: {t}" for t in small_targets(page, CONTENT_CONTROLS)]
    if violations := blocking(axe_violations(page, AXE_SCRIPT)):
        found.append(describe(violations))
    return found


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_passes_axe_logs_no_error_and_fits_the_screen(
    size, chromium, everywhere, axe_script
):
    people = {
        "member": everywhere["member"],
        "coordinator": everywhere["expert"],
        "moderator": everywhere["moderator"],
        None: None,
    }
    failures: dict[str, list[str]] = {}
    with daphne() as address:
        base = f"http://{address}"
        for who, user in people.items():
            context, page = _context(chromium, base, user, size)
            problems = watch(page)
            try:
                for name, spec in PAGES.items():
                    if spec.who != who:
                        continue
                    if who is None:  # each visit without a session starts afresh
                        context.clear_cookies()
                    if found := _check(page, name, spec, everywhere, problems):
                        failures[name] = found
            finally:
                context.close()
    assert not failures, "\n".join(f"{name}: {found}" for name, found in failures.items())
