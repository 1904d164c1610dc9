"""A pilot searches the directory by expertise in Chromium and opens a profile."""

import pytest
from playwright.sync_api import expect

from community import services
from community.models import Level, ProjectKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_finds_an_expert_and_opens_the_profile(
    page, live_server, taxonomy, member, make_member, make_municipality
):
    marburg = make_municipality(name="Marburg", domains=["marburg.example"])
    expert = make_member(
        municipality=marburg, display_name="Erika Expertin", position="Digitallotsin"
    )
    services.member_set_expertise(member=expert, expertise={"e-akte-dms": Level.EXPERT})
    services.project_create(
        created_by=expert,
        municipality=marburg,
        title="Einführung enaio in Marburg",
        kind=ProjectKind.EAKTE,
        tools=["enaio"],
        members=[expert],
    )
    page.context.add_cookies(session_cookie_for(live_server, member))

    page.goto("/menschen/")
    page.get_by_label("Wer kennt sich aus mit …").fill("E-Akte enaio")
    page.get_by_role("main").get_by_role("button", name="Suchen").click()
    result = page.get_by_role("listitem").filter(has_text="Erika Expertin")
    expect(result).to_contain_text("Expert:in: E-Akte/DMS")
    expect(result).to_contain_text("Projekt: Einführung enaio in Marburg")
    result.get_by_role("link", name="Erika Expertin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erika Expertin")
    expect(page.get_by_role("link", name="E-Akte/DMS")).to_be_visible()


def session_cookie_for(live_server, user):
    """A session cookie for the live server (signing in through the form has its own test)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return [
        {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
            "url": live_server.url,
        }
    ]
