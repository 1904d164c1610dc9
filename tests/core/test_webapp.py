"""The web app pieces (manifest, service worker, offline page, favicon): public, nothing private."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from core import webapp

pytestmark = pytest.mark.django_db


def test_the_manifest_names_the_app_in_german_with_its_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] == "Lotsennetz"
    assert data["lang"] == "de"
    assert data["start_url"] == "/"
    assert data["display"] == "standalone"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in data["icons"]}
    assert sizes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_the_theme_colour_is_the_brand_colour_of_the_css():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text()
    assert re.search(r"--brand:\s*(#[0-9a-f]{6})", css).group(1) == webapp.THEME_COLOR


def test_every_page_links_the_manifest_and_the_worker(client, member):
    for page in (client.get("/anmelden/"), client.force_login(member) or client.get("/")):
        html = page.content.decode()
        assert 'rel="manifest" href="/manifest.webmanifest"' in html
        assert "js/sw-register.js" in html
        assert 'name="theme-color" content="#0b4f8a"' in html


def test_the_service_worker_is_served_for_the_whole_site_and_keeps_only_the_shell(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    source = response.content.decode()
    config = json.loads(re.match(r"const LOTSENNETZ = (\{.*\});\n", source).group(1))
    assert config["offline"] == "/offline/"
    assert all(path.startswith("/static/") for path in config["shell"])
    for path in config["shell"]:
        assert client.get(path).status_code == 200, path


def test_the_offline_page_is_german_public_and_personal_to_nobody(client, member):
    client.force_login(member)
    response = client.get("/offline/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="de"' in html
    assert "Keine Verbindung" in html
    assert member.display_name not in html
    assert "csrfmiddlewaretoken" not in html
    assert "Set-Cookie" not in str(response.headers) or "csrftoken" not in response.cookies


def test_pieces_of_the_web_app_need_no_account(client):
    for path in ("/manifest.webmanifest", "/sw.js", "/offline/"):
        assert client.get(path).status_code == 200, path
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 301
    assert favicon["Location"].endswith("icons/favicon.ico")


def test_the_profile_offers_push_only_when_the_operator_set_it_up(client, member, settings):
    client.force_login(member)
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = settings.VAPID_SUBJECT = ""
    html = client.get("/profil/").content.decode()
    assert "Push-Benachrichtigungen sind auf dieser Plattform nicht eingerichtet." in html
    assert "push-enable" not in html
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = "BPUB", "geheim-xyz"
    settings.VAPID_SUBJECT = "mailto:a@example.de"
    html = client.get("/profil/").content.decode()
    assert 'data-public-key="BPUB"' in html
    assert "Benachrichtigungen auf diesem Gerät" in html
    assert "geheim-xyz" not in html
