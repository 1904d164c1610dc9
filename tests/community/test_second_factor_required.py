"""Administrators, moderators and coordinators must have a second factor (issue 21):
until they add one, they reach only the page that sets it up; the API answers 403
``second_factor_required`` except where one is set up, and sockets are refused."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from community import services
from community.models import Role
from config.asgi import application
from tests.community.second_factor_helpers import oathtool, with_authenticator
from tests.conftest import PASSWORD
from tests.sockets import refused_with

MANAGE = "/profil/zweiter-faktor/"
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


@pytest.fixture(autouse=True)
def _required_for_roles(settings):
    settings.SECOND_FACTOR_REQUIRED_FOR = "roles"


def signed_in(member) -> Client:
    browser = Client()
    assert browser.login(email=member.email, password=PASSWORD)
    return browser


def token_for(member) -> str:
    return services.member_token(member=member)


def api(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.MODERATOR, Role.ADMIN])
def test_a_role_without_a_second_factor_reaches_only_its_set_up_page(make_member, role):
    person = make_member(role=role)
    browser = signed_in(person)
    for path in ("/", "/forum/", "/profil/", "/menschen/", "/admin/"):
        response = browser.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == MANAGE, path
    assert browser.get(MANAGE).status_code == 200
    assert browser.post("/profil/zweiter-faktor/app/").status_code == 200
    assert browser.post("/abmelden/").status_code == 302


def test_staff_without_a_role_needs_one_too(make_member):
    person = make_member()
    person.is_staff = True
    person.save(update_fields=["is_staff"])
    assert signed_in(person).get("/")["Location"] == MANAGE


def test_a_plain_member_is_not_asked(member):
    assert signed_in(member).get("/").status_code == 200


def test_with_all_every_member_is_asked(member, settings):
    settings.SECOND_FACTOR_REQUIRED_FOR = "all"
    assert signed_in(member).get("/")["Location"] == MANAGE


def test_the_api_refuses_every_endpoint_but_the_set_up(coordinator, clock):
    client = api(token_for(coordinator))
    for path in ("/api/members/me/", "/api/forum/threads/", "/api/members/me/tokens/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "second_factor_required"
    started = client.post("/api/members/me/totp/")
    assert started.status_code == 200
    secret = started.json()["secret"]
    confirmed = client.post(
        "/api/members/me/totp/confirm/",
        {"otp": oathtool(secret, clock.now)},
        content_type="application/json",
    )
    assert confirmed.status_code == 200
    assert client.get("/api/members/me/").status_code == 200


def test_the_session_api_is_refused_too(coordinator):
    response = signed_in(coordinator).get("/api/members/me/")
    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"


def test_a_coordinator_can_still_get_a_token_to_set_one_up(coordinator):
    response = Client().post(
        "/api/auth/token/",
        {"email": coordinator.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200


def test_once_set_up_the_coordinator_signs_in_with_the_code(coordinator, clock):
    secret, _codes = with_authenticator(coordinator, clock)
    browser = Client()
    browser.post("/anmelden/", {"username": coordinator.email, "password": PASSWORD})
    clock.advance()
    browser.post("/anmelden/zweiter-faktor/", {"otp": oathtool(secret, clock.now)})
    assert browser.get("/").status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_sockets_of_a_coordinator_without_a_second_factor_are_refused(make_member):
    coordinator = await database_sync_to_async(make_member)(role=Role.MODERATOR)
    token = await database_sync_to_async(token_for)(coordinator)
    auth = (b"authorization", f"Token {token}".encode())
    ws = WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN, auth])
    assert await refused_with(ws) == 4401


@pytest.mark.django_db(transaction=True)
async def test_sockets_of_a_member_are_accepted(make_member):
    member = await database_sync_to_async(make_member)()
    token = await database_sync_to_async(token_for)(member)
    auth = (b"authorization", f"Token {token}".encode())
    ws = WebsocketCommunicator(application, "/ws/notifications/", headers=[ORIGIN, auth])
    assert await refused_with(ws) == "accepted"
