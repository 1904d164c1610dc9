"""Rate limits and the sign-in lockout: strangers slowed down, colleagues and owners never.

A whole city hall reaches the platform from one NAT address; device cookies
keep the owner of an account in while a stranger guesses its password.
"""

import pytest
from django.core import mail
from django.test import Client, override_settings

from core import throttling
from forum import services as forum_services
from forum.models import Category
from tests.conftest import PASSWORD
from tests.security.world import forum_categories

pytestmark = pytest.mark.django_db

CITY_HALL = "203.0.113.9"
ELSEWHERE = "198.51.100.7"


def browser(address=CITY_HALL) -> Client:
    return Client(REMOTE_ADDR=address)


def sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/anmelden/", {"username": email, "password": password})


def sign_out(client: Client) -> None:
    """As the browser does: the session ends, other cookies stay (Client.logout drops all)."""
    assert client.post("/abmelden/").status_code == 302


def signed_in(response) -> bool:
    return response.status_code == 302 and response.url == "/"


def throttled(response) -> bool:
    return response.status_code == 200 and "Zu viele" in response.content.decode()


# --- sign-in ---------------------------------------------------------------------------
def test_two_hundred_colleagues_behind_one_address_all_sign_in_at_nine(make_member, municipality):
    colleagues = [make_member(municipality=municipality) for _ in range(200)]
    refused = []
    for n, colleague in enumerate(colleagues):
        client = browser()
        if n % 3 == 0:  # a third of them mistype first: 67 failures, below flood level
            assert not signed_in(sign_in(client, colleague.email, "vertippt"))
        if not signed_in(sign_in(client, colleague.email)):
            refused.append(colleague.email)
    assert refused == []


def test_signing_in_gives_the_browser_a_device_cookie_for_that_account(member):
    client = browser()
    response = sign_in(client, member.email)
    assert signed_in(response)
    cookie = response.cookies[throttling.DEVICE_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert throttling.trusted_device(email=member.email, cookie=cookie.value)
    assert not throttling.trusted_device(email="someone@else.de", cookie=cookie.value)


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=5)
def test_a_stranger_guessing_locks_out_strangers_but_not_the_owners_known_browser(member):
    owner = browser()
    assert signed_in(sign_in(owner, member.email))
    sign_out(owner)

    attacker = browser(ELSEWHERE)
    for _ in range(5):
        sign_in(attacker, member.email, "geraten")
    assert throttled(sign_in(attacker, member.email))  # even the right password, for now
    assert throttled(sign_in(browser(), member.email))  # and for any unknown browser

    assert signed_in(sign_in(owner, member.email))


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=5)
def test_a_known_browser_that_guesses_wrong_locks_only_itself(member):
    device = browser()
    assert signed_in(sign_in(device, member.email))
    sign_out(device)
    for _ in range(5):
        sign_in(device, member.email, "geraten")
    assert throttled(sign_in(device, member.email))
    assert signed_in(sign_in(browser(), member.email))


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=3)
def test_a_device_cookie_helps_only_the_account_it_was_issued_for(member, make_member):
    colleague = make_member(municipality=member.municipality)
    shared_pc = browser()
    assert signed_in(sign_in(shared_pc, colleague.email))
    sign_out(shared_pc)
    for _ in range(3):
        sign_in(browser(ELSEWHERE), member.email, "geraten")
    assert throttled(sign_in(shared_pc, member.email))


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=3)
def test_a_forged_device_cookie_is_ignored(member):
    for _ in range(3):
        sign_in(browser(ELSEWHERE), member.email, "geraten")
    forger = browser(ELSEWHERE)
    forger.cookies[throttling.DEVICE_COOKIE] = "W1siYWJjIiwieHl6Il1d:forged:signature"
    assert throttled(sign_in(forger, member.email))


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=1000, SIGNIN_FAILURES_PER_ADDRESS=5)
def test_a_flood_from_the_city_hall_address_spares_browsers_that_signed_in_before(
    member, make_member
):
    known = browser()
    assert signed_in(sign_in(known, member.email))
    sign_out(known)
    flood = browser()
    for n in range(5):
        sign_in(flood, f"geraten{n}@wetzlar.de", "x")
    assert throttled(sign_in(browser(), member.email))
    assert signed_in(sign_in(known, member.email))


@override_settings(SIGNIN_FAILURES_PER_ACCOUNT=3)
def test_the_api_token_endpoint_shares_the_account_lockout(member, api_client):
    for _ in range(3):
        sign_in(browser(ELSEWHERE), member.email, "geraten")
    response = api_client.post(
        "/api/auth/token/", {"email": member.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["detail"]


# --- sign-up and password reset -----------------------------------------------------
def test_sign_up_requests_for_one_address_stop_mailing_without_saying_so(
    municipality, django_capture_on_commit_callbacks
):
    client = browser()
    answers = []
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/registrieren/", {"email": "neu@wetzlar.de"})
        answers.append((response.status_code, "neu@wetzlar.de" in response.content.decode()))
    assert answers == [(200, True)] * 5
    assert len(mail.outbox) == 3


def test_password_reset_requests_look_the_same_for_known_and_unknown_addresses(member):
    client = browser()
    for email in [member.email, "niemand@wetzlar.de"]:
        for _ in range(5):
            response = client.post("/passwort-vergessen/", {"email": email})
            assert (response.status_code, response.url) == (302, "/passwort-vergessen/gesendet/")
    assert len(mail.outbox) == 3


@override_settings(
    RATE_LIMITS={
        "signup_address": (4, 3600),
        "signup_email": (3, 3600),
        "password_reset_address": (4, 3600),
        "password_reset_email": (3, 3600),
        "forum_thread": (10, 3600),
        "forum_post": (30, 600),
    }
)
@pytest.mark.parametrize("url", ["/registrieren/", "/passwort-vergessen/"])
def test_a_flood_of_sign_ups_or_resets_from_one_address_gets_429(url, municipality):
    client = browser()
    for n in range(4):
        assert client.post(url, {"email": f"person{n}@wetzlar.de"}).status_code in (200, 302)
    response = client.post(url, {"email": "person9@wetzlar.de"})
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert "Zu viele Anfragen" in response.content.decode()
    assert browser(ELSEWHERE).post(url, {"email": "x@wetzlar.de"}).status_code in (200, 302)


# --- forum posting --------------------------------------------------------------------
LOW_POSTING = {
    "signup_address": (50, 3600),
    "signup_email": (3, 3600),
    "password_reset_address": (50, 3600),
    "password_reset_email": (3, 3600),
    "forum_thread": (2, 3600),
    "forum_post": (3, 600),
}


@pytest.fixture
def thread(member):
    forum_categories()
    return forum_services.thread_create(
        author=member, category=Category.objects.get(slug="austausch"), title="T", body="B"
    )


@override_settings(RATE_LIMITS=LOW_POSTING)
def test_replies_are_limited_per_member_on_pages_and_api(member, make_member, thread):
    client = Client()
    client.force_login(member)
    for n in range(3):
        response = client.post(f"/forum/thema/{thread.pk}/antworten/", {"body": f"Antwort {n}"})
        assert response.status_code == 302
    assert client.post(f"/forum/thema/{thread.pk}/antworten/", {"body": "x"}).status_code == 429
    api = client.post(
        f"/api/forum/threads/{thread.pk}/posts/", {"body": "x"}, content_type="application/json"
    )
    assert api.status_code == 429
    assert api.json()["detail"]
    colleague = Client()
    colleague.force_login(make_member(municipality=member.municipality))
    response = colleague.post(f"/forum/thema/{thread.pk}/antworten/", {"body": "Ich auch"})
    assert response.status_code == 302


@override_settings(RATE_LIMITS=LOW_POSTING)
def test_new_threads_are_limited_per_member_also_with_a_token(member, api_client):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {services_token(member)}")
    body = {"category": "austausch", "title": "Neu", "body": "Text"}
    forum_categories()
    answers = [api_client.post("/api/forum/threads/", body, format="json") for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 429]


def services_token(member) -> str:
    from community import services

    return services.member_token(member=member)
