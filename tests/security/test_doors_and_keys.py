"""Every door that checks a password is throttled alike; every key can be taken back.

A member of the closed network is the attacker here: with a colleague's
stolen session or token, or just the colleague's e-mail address.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from community import services
from community.models import Role
from core import throttling
from forum import services as forum_services
from forum.models import Category
from tests.conftest import PASSWORD
from tests.security.world import forum_categories

pytestmark = pytest.mark.django_db

CITY_HALL = "203.0.113.9"
ELSEWHERE = "198.51.100.7"
NEW_PASSWORD = "Neues-Lotsen-Passwort-7"
WRONG = "geraten-falsch"


def browser(address=CITY_HALL) -> Client:
    return Client(REMOTE_ADDR=address)


def api(address=CITY_HALL) -> APIClient:
    return APIClient(REMOTE_ADDR=address)


def page_sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/anmelden/", {"username": email, "password": password})


def signed_in(response) -> bool:
    return response.status_code == 302 and response.url == "/"


def throttled(response) -> bool:
    if response.status_code == 429:
        return True
    return response.status_code in (200, 400) and "Zu viele" in response.content.decode()


def sessions_of(member) -> list[str]:
    return [
        s.session_key
        for s in Session.objects.all()
        if str(s.get_decoded().get("_auth_user_id")) == str(member.pk)
    ]


def tokens_of(member):
    from community.models import ApiToken

    return ApiToken.objects.filter(user=member)


def new_token(member) -> str:
    return services.member_token(member=member)


def token_works(key: str) -> bool:
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/members/me/").status_code == 200


# --- the doors ---------------------------------------------------------------------------
def admin_login(client, email, password):
    return client.post("/admin/login/?next=/admin/", {"username": email, "password": password})


def token_request(client, email, password):
    return APIClient(REMOTE_ADDR=CITY_HALL).post(
        "/api/auth/token/", {"email": email, "password": password}, format="json"
    )


def account_erase(client, email, password):
    return client.post("/profil/loeschen/", {"password": password, "confirm": "on"})


def password_change(client, email, password):
    return client.post(
        "/profil/passwort/",
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )


DOORS = {
    "admin_login": (admin_login, False),
    "token_request": (token_request, False),
    "account_erase": (account_erase, True),
    "password_change": (password_change, True),
}


def door_client(member, needs_session: bool) -> Client:
    """An attacker's browser: with a stolen session where the door needs one, no device cookie."""
    client = browser(ELSEWHERE)
    if needs_session:
        client.force_login(member)
    return client


@pytest.fixture
def staff_member(make_member, municipality):
    return make_member(
        municipality=municipality,
        role=Role.ADMIN,
        display_name="Ada Admin",
        email="ada.admin@wetzlar.de",
    )


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=5)
def test_guessing_at_the_admin_login_locks_the_account_like_the_sign_in_page(staff_member):
    attacker = browser(ELSEWHERE)
    for _ in range(5):
        assert admin_login(attacker, staff_member.email, WRONG).status_code == 200
    assert throttled(admin_login(attacker, staff_member.email, PASSWORD))
    assert throttled(page_sign_in(browser(), staff_member.email))


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=5)
def test_the_admin_login_lets_the_owners_known_browser_in_during_a_lockout(staff_member):
    owner = browser()
    response = admin_login(owner, staff_member.email, PASSWORD)
    assert response.status_code == 302 and response.url == "/admin/"
    # The admin login, too, makes the browser a known device of the account.
    cookie = response.cookies[throttling.DEVICE_COOKIE].value
    assert throttling.trusted_device(email=staff_member.email, cookie=cookie)
    owner.post("/abmelden/")

    attacker = browser(ELSEWHERE)
    for _ in range(5):
        page_sign_in(attacker, staff_member.email, WRONG)
    assert throttled(admin_login(browser(), staff_member.email, PASSWORD))
    response = admin_login(owner, staff_member.email, PASSWORD)
    assert response.status_code == 302 and response.url == "/admin/"


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=5)
@pytest.mark.parametrize("door", DOORS)
def test_failures_at_any_password_door_count_on_the_one_sign_in_throttle(
    door, staff_member, make_member
):
    knock, needs_session = DOORS[door]
    attacker = door_client(staff_member, needs_session)
    for _ in range(5):
        knock(attacker, staff_member.email, WRONG)
    assert throttled(page_sign_in(browser(), staff_member.email))
    staff_member.refresh_from_db()
    assert staff_member.check_password(PASSWORD) and staff_member.is_active


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=5)
@pytest.mark.parametrize("door", DOORS)
def test_a_locked_account_is_locked_at_every_password_door(door, staff_member):
    for _ in range(5):
        page_sign_in(browser(ELSEWHERE), staff_member.email, WRONG)
    knock, needs_session = DOORS[door]
    assert throttled(knock(door_client(staff_member, needs_session), staff_member.email, PASSWORD))
    staff_member.refresh_from_db()
    assert staff_member.check_password(PASSWORD) and staff_member.is_active


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=5)
def test_the_owners_known_browser_changes_the_password_during_a_lockout(member):
    owner = browser()
    assert signed_in(page_sign_in(owner, member.email))
    for _ in range(5):
        page_sign_in(browser(ELSEWHERE), member.email, WRONG)
    stolen = door_client(member, needs_session=True)  # a session, but no device cookie
    assert throttled(password_change(stolen, member.email, PASSWORD))
    assert password_change(owner, member.email, PASSWORD).status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=5)
def test_a_token_client_that_keeps_cookies_is_a_known_device_too(member):
    script = api()
    first = script.post(
        "/api/auth/token/", {"email": member.email, "password": PASSWORD}, format="json"
    )
    assert first.status_code == 200 and throttling.DEVICE_COOKIE in first.cookies
    for _ in range(5):
        page_sign_in(browser(ELSEWHERE), member.email, WRONG)
    assert throttled(token_request(None, member.email, PASSWORD))
    again = script.post(
        "/api/auth/token/", {"email": member.email, "password": PASSWORD}, format="json"
    )
    assert again.status_code == 200


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=5)
def test_the_admins_own_password_form_is_the_throttled_one(staff_member):
    client = browser()
    client.force_login(staff_member)
    response = client.get("/admin/password_change/")
    assert response.status_code == 302
    assert response.url == "/profil/passwort/"


# --- flood limits count members, not header text -------------------------------------
LOW_POSTING = {
    "signup_address": (50, 3600),
    "signup_email": (3, 3600),
    "password_reset_address": (50, 3600),
    "password_reset_email": (3, 3600),
    "forum_thread": (2, 3600),
    "forum_post": (3, 600),
}


@override_settings(RATE_LIMITS=LOW_POSTING)
def test_re_spacing_the_authorization_header_gets_no_fresh_counter(member):
    forum_categories()
    key = new_token(member)
    body = {"category": "austausch", "title": "Neu", "body": "Text"}
    answers = []
    spellings = [f"Token {key}", f"Token  {key}", f"token {key}", f"Token {key} ", f"Token\t{key}"]
    for header in spellings:
        client = api()
        client.credentials(HTTP_AUTHORIZATION=header)
        answers.append(client.post("/api/forum/threads/", body, format="json").status_code)
    assert answers[:2] == [201, 201]
    assert set(answers[2:]) == {429}


@override_settings(RATE_LIMITS=LOW_POSTING)
def test_a_token_and_the_session_of_one_member_share_one_counter(member):
    forum_categories()
    thread = forum_services.thread_create(
        author=member, category=Category.objects.get(slug="austausch"), title="T", body="B"
    )
    token_client = api()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {new_token(member)}")
    session_client = browser()
    session_client.force_login(member)
    url = f"/api/forum/threads/{thread.pk}/posts/"
    answers = [
        token_client.post(url, {"body": "1"}, format="json").status_code,
        session_client.post(url, {"body": "2"}, content_type="application/json").status_code,
        token_client.post(url, {"body": "3"}, format="json").status_code,
        session_client.post(url, {"body": "4"}, content_type="application/json").status_code,
    ]
    assert answers == [201, 201, 201, 429]


@override_settings(RATE_LIMITS=LOW_POSTING)
def test_on_the_api_the_member_the_token_names_counts_not_the_session(member, make_member):
    """DRF acts for the token's member; a second account's session must not spread the count."""
    forum_categories()
    other = make_member(municipality=member.municipality)
    key = new_token(member)
    body = {"category": "austausch", "title": "Neu", "body": "Text"}
    answers = []
    for session_of in [None, other, None]:
        client = api()
        if session_of is not None:
            client.force_login(session_of)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        answers.append(client.post("/api/forum/threads/", body, format="json").status_code)
    assert answers == [201, 201, 429]


@override_settings(RATE_LIMITS=LOW_POSTING)
def test_made_up_tokens_count_on_the_address_not_on_their_text(member):
    forum_categories()
    answers = []
    for n in range(5):
        client = api()
        client.credentials(HTTP_AUTHORIZATION=f"Token erfunden{n}")
        answers.append(
            client.post("/api/forum/threads/", {"title": "x"}, format="json").status_code
        )
    assert answers[-1] == 429
    # Another address and every member are untouched.
    assert token_works(new_token(member))


# --- a new password ends every other session and key ---------------------------------
def link_from_mail(message) -> str:
    match = re.search(r"http://testserver(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_password_reset_ends_every_session_and_every_token(member):
    laptop, phone = browser(), browser(ELSEWHERE)
    assert signed_in(page_sign_in(laptop, member.email))
    assert signed_in(page_sign_in(phone, member.email))
    keys = [new_token(member), new_token(member)]
    assert len(sessions_of(member)) == 2

    stranger = browser()
    stranger.post("/passwort-vergessen/", {"email": member.email})
    response = stranger.get(link_from_mail(mail.outbox[0]), follow=True)
    response = stranger.post(
        response.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302

    assert sessions_of(member) == []
    assert not tokens_of(member).exists()
    assert not any(token_works(key) for key in keys)
    assert laptop.get("/").status_code == 302  # back to the sign-in page


def test_a_password_reset_from_a_signed_in_browser_ends_the_others_without_an_error(member):
    laptop, phone = browser(), browser(ELSEWHERE)
    assert signed_in(page_sign_in(laptop, member.email))
    assert signed_in(page_sign_in(phone, member.email))
    laptop.post("/passwort-vergessen/", {"email": member.email})
    response = laptop.get(link_from_mail(mail.outbox[0]), follow=True)
    response = laptop.post(
        response.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert phone.get("/").status_code == 302
    assert signed_in(page_sign_in(laptop, member.email, NEW_PASSWORD))


def test_a_password_change_ends_other_sessions_and_tokens_but_keeps_this_browser(member):
    here, elsewhere = browser(), browser(ELSEWHERE)
    assert signed_in(page_sign_in(here, member.email))
    assert signed_in(page_sign_in(elsewhere, member.email))
    key = new_token(member)

    response = password_change(here, member.email, PASSWORD)
    assert response.status_code == 302

    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert len(sessions_of(member)) == 1
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    assert not token_works(key)


def test_a_wrong_old_password_changes_nothing(member):
    here = browser()
    here.force_login(member)
    key = new_token(member)
    response = password_change(here, member.email, WRONG)
    assert response.status_code == 200
    assert "Das Passwort stimmt nicht" in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)
    assert token_works(key)


def test_an_administrator_setting_a_password_ends_the_members_sessions_and_tokens(
    member, staff_member
):
    victim = browser(ELSEWHERE)
    assert signed_in(page_sign_in(victim, member.email))
    key = new_token(member)
    staff_member.is_superuser = True
    staff_member.save()
    admin = browser()
    admin.force_login(staff_member)
    response = admin.post(
        f"/admin/community/user/{member.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert sessions_of(member) == []
    assert not token_works(key)
    assert admin.get("/admin/").status_code == 200


# --- tokens: listed, revoked, expiring --------------------------------------------------
def test_the_token_endpoint_issues_a_new_key_and_stores_only_its_hash(member):
    first = token_request(None, member.email, PASSWORD).json()["token"]
    second = token_request(None, member.email, PASSWORD).json()["token"]
    assert first != second
    assert token_works(first) and token_works(second)
    stored = list(tokens_of(member).values_list("key_hash", flat=True))
    assert len(stored) == 2
    assert first not in stored and second not in stored


def test_members_see_their_tokens_on_the_profile_and_revoke_them(member, make_member):
    other = make_member(municipality=member.municipality)
    key = new_token(member)
    new_token(other)
    client = browser()
    client.force_login(member)
    page = client.get("/profil/").content.decode()
    assert "Zugangsschlüssel (API)" in page
    token = tokens_of(member).get()
    assert f"/profil/zugangsschluessel/{token.pk}/widerrufen/" in page
    foreign = tokens_of(other).get()
    assert f"/profil/zugangsschluessel/{foreign.pk}/widerrufen/" not in page

    response = client.post(f"/profil/zugangsschluessel/{token.pk}/widerrufen/")
    assert response.status_code == 302
    assert not token_works(key)
    assert not tokens_of(member).exists()


def test_a_member_cannot_revoke_another_members_token(member, make_member):
    other = make_member(municipality=member.municipality)
    other_key = new_token(other)
    foreign = tokens_of(other).get()
    client = browser()
    client.force_login(member)
    assert client.post(f"/profil/zugangsschluessel/{foreign.pk}/widerrufen/").status_code == 404
    assert client.post("/profil/zugangsschluessel/999999/widerrufen/").status_code == 404
    mine = api()
    mine.credentials(HTTP_AUTHORIZATION=f"Token {new_token(member)}")
    assert mine.delete(f"/api/members/me/tokens/{foreign.pk}/").status_code == 404
    assert token_works(other_key)


def test_revoking_needs_a_post_with_the_csrf_token(member):
    new_token(member)
    token = tokens_of(member).get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.get(f"/profil/zugangsschluessel/{token.pk}/widerrufen/").status_code == 405
    assert client.post(f"/profil/zugangsschluessel/{token.pk}/widerrufen/").status_code == 403
    assert tokens_of(member).exists()


def test_the_api_lists_the_members_own_tokens_and_marks_the_current_one(member, make_member):
    new_token(make_member(municipality=member.municipality))
    new_token(member)
    current = new_token(member)
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {current}")
    response = client.get("/api/members/me/tokens/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 2
    assert {"id", "label", "created_at", "last_used_at", "current"} <= set(results[0])
    assert [r["current"] for r in results].count(True) == 1
    assert not any(current in str(r.values()) for r in results)

    other = next(r for r in results if not r["current"])
    assert client.delete(f"/api/members/me/tokens/{other['id']}/").status_code == 204
    assert tokens_of(member).count() == 1


def test_the_token_list_runs_a_fixed_number_of_queries(member, django_assert_num_queries):
    from tests.queries import assert_constant_queries

    client = browser()
    client.force_login(member)
    new_token(member)

    def grow():
        for _ in range(3):
            new_token(member)

    assert_constant_queries(
        client, "/api/members/me/tokens/", grow, django_assert_num_queries, status=200
    )
    assert_constant_queries(client, "/profil/", grow, django_assert_num_queries, status=200)


@override_settings(API_TOKEN_IDLE_DAYS=30)
def test_a_token_unused_for_the_idle_period_expires(member):
    from community.models import ApiToken

    idle, busy = new_token(member), new_token(member)
    long_ago = timezone.now() - timedelta(days=31)
    recently = timezone.now() - timedelta(days=29)
    ApiToken.objects.filter(key_hash=services.hash_token(idle)).update(last_used_at=long_ago)
    ApiToken.objects.filter(key_hash=services.hash_token(busy)).update(last_used_at=recently)
    assert not token_works(idle)
    assert not ApiToken.objects.filter(key_hash=services.hash_token(idle)).exists()
    assert token_works(busy)
    # Using it counts as activity: the idle period starts again.
    assert ApiToken.objects.get(key_hash=services.hash_token(busy)).last_used_at > recently


@override_settings(API_TOKEN_IDLE_DAYS=30)
def test_an_expired_token_is_not_listed(member):
    from community.models import ApiToken

    new_token(member)
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(days=31))
    client = browser()
    client.force_login(member)
    assert client.get("/api/members/me/tokens/").json()["count"] == 0


def test_last_use_is_written_at_most_once_a_minute(member, django_assert_num_queries):
    from community.models import ApiToken

    key = new_token(member)
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(minutes=5))
    client.get("/api/members/me/")
    first = ApiToken.objects.get().last_used_at
    assert first > timezone.now() - timedelta(seconds=10)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/members/me/").status_code == 200
    assert not any("UPDATE" in q["sql"] and "apitoken" in q["sql"] for q in queries)
    assert ApiToken.objects.get().last_used_at == first


class _SchemaEditor:
    """Just what the data migration uses of a schema editor (works inside the test's atomic)."""

    def __init__(self, connection):
        self.connection = connection

    def execute(self, sql):
        with self.connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_migration_carries_drf_tokens_over_and_drops_the_plain_keys(member):
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("community.migrations.0009_api_tokens")
    created = timezone.now() - timedelta(days=400)
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE "authtoken_token" ("key" varchar(40) PRIMARY KEY, '
            '"created" timestamp with time zone NOT NULL, "user_id" bigint NOT NULL)'
        )
        cursor.execute(
            'INSERT INTO "authtoken_token" ("key", "created", "user_id") VALUES (%s, %s, %s)',
            [key, created, member.pk],
        )
    migration.carry_over_drf_tokens(apps, _SchemaEditor(connection))

    assert "authtoken_token" not in connection.introspection.table_names()
    token = tokens_of(member).get()
    assert token.key_hash == services.hash_token(key)
    assert abs((token.created_at - created).total_seconds()) < 1
    assert token_works(key)  # the idle period starts with the migration
