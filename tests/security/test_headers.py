"""Security headers on every response, a CSP without inline scripts, CSRF on every form."""

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.test import Client

from tests.forum.xss import page_problems
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# json_script's data blocks are never executed, so CSP has nothing to say about them.
JSON_DATA_BLOCK = re.compile(r'<script[^>]*type="application/json"[^>]*>.*?</script>', re.DOTALL)
# The site's own icons (base.html): a fixed class and one path, nothing a member can write.
SITE_ICON = re.compile(
    r'<svg class="icon" aria-hidden="true" focusable="false"[^>]*>'
    r'<path fill="currentColor" d="[-0-9A-Za-z .,]*"/></svg>'
)


def problems_of(html: str) -> list[str]:
    return page_problems(SITE_ICON.sub("", JSON_DATA_BLOCK.sub("", html)))


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def member_browser(world):
    client = Client()
    client.force_login(world.users["member"])
    return client


def main_pages(w) -> list[str]:
    return [
        "/",
        "/menschen/",
        f"/menschen/{w.users['member'].handle}/",
        "/projekte/",
        f"/projekte/{w.project.pk}/",
        "/forum/",
        f"/forum/thema/{w.thread.pk}/",
        "/forum/neu/",
        "/chat/",
        f"/chat/{w.private_room.slug}/",
        "/termine/",
        f"/termine/{w.event.pk}/",
        "/benachrichtigungen/",
        "/profil/",
        "/gibt-es-nicht/",
    ]


def test_every_main_page_has_a_strict_content_security_policy(world, member_browser):
    for url in [*main_pages(world), "/api/members/", "/static/js/chat.js"]:
        response = member_browser.get(url)
        csp = directives(response)
        assert csp["default-src"] == ["'self'"], url
        assert csp["script-src"] == ["'self'"], url
        assert csp["style-src"] == ["'self'"], url
        assert csp["object-src"] == ["'none'"], url
        assert csp["base-uri"] == ["'none'"], url
        assert csp["frame-ancestors"] == ["'none'"], url
        assert csp["form-action"] == ["'self'"], url
        assert csp["connect-src"][0] == "'self'"
        assert {"ws://testserver", "wss://testserver"} <= set(csp["connect-src"]), url
        assert "unsafe" not in response["Content-Security-Policy"], url


def test_the_sign_in_page_for_visitors_has_the_policy_and_the_usual_headers():
    response = Client().get("/anmelden/")
    assert response.status_code == 200
    assert directives(response)["script-src"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in permissions


def test_over_https_only_the_secure_websocket_scheme_is_allowed(member):
    client = Client()
    client.force_login(member)
    response = client.get("/", secure=True)
    assert directives(response)["connect-src"] == ["'self'", "wss://testserver"]


def test_main_pages_carry_no_inline_script_handler_or_style(world, member_browser):
    for url in main_pages(world):
        html = member_browser.get(url).content.decode()
        assert problems_of(html) == [], url


def test_templates_have_no_inline_scripts_event_handlers_or_style_attributes():
    problems = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match.group(0):
                problems.append(f"{template}: inline {match.group(0)}")
        if re.search(r"<[^>]*\s(on[a-z]+|style)\s*=", text):
            problems.append(f"{template}: event handler or style attribute")
        if re.search(r"<style\b", text):
            problems.append(f"{template}: <style> block")
    assert problems == []


def test_every_post_form_in_the_templates_carries_the_csrf_token():
    missing = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for form in re.finditer(r"<form\b[^>]*>(.*?)</form>", text, re.DOTALL | re.IGNORECASE):
            if 'method="post"' in form.group(0).lower() and "csrf_token" not in form.group(1):
                missing.append(f"{template}: {form.group(0)[:80]}")
    assert missing == []


def test_posts_without_the_csrf_token_are_refused(world):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/anmelden/", {"username": "a@b.de", "password": "x"}).status_code == 403
    client.force_login(world.users["member"])
    for url in [
        f"/forum/thema/{world.thread.pk}/antworten/",
        "/projekte/neu/",
        "/abmelden/",
        f"/chat/{world.private_room.slug}/senden/",
        f"/termine/{world.event.pk}/abmelden/",
    ]:
        assert client.post(url, {"body": "x"}).status_code == 403, url
    api = client.post(
        "/api/forum/threads/",
        {"category": "austausch", "title": "t", "body": "b"},
        content_type="application/json",
    )
    assert api.status_code == 403  # session authentication needs the token too


def test_the_api_docs_allow_exactly_their_own_inline_blocks_by_hash(member):
    client = Client()
    client.force_login(member)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'(?:src|href)="([^"]+)"', html)
    assert all(u.startswith("/static/") for u in re.findall(r'(?:src|href)="([^"]+)"', html))
    inline = re.search(r"<script>(.*?)</script>", html, re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    csp = directives(response)
    assert csp["script-src"] == ["'self'", f"'sha256-{digest}'"]
    assert "unsafe" not in response["Content-Security-Policy"]
    # A query parameter reaches the inline script: then nothing inline is allowed.
    assert directives(client.get("/api/docs/?lang=x"))["script-src"] == ["'self'"]
