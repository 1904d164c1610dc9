"""The privacy page says what is stored, how long chat is kept, and how to export or erase."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_privacy_page_lists_what_is_stored_and_the_rights(client):
    response = client.get(reverse("legal_datenschutz"))
    assert response.status_code == 200  # open without an account
    html = response.content.decode()
    for heading in (
        "Konto",
        "Profil",
        "Erfahrung und Qualifizierung",
        "Projekte",
        "Forum",
        "Chat",
        "Termine",
        "Benachrichtigungen",
        "Protokolle",
        "Cookies",
    ):
        assert f"<dt>{heading}</dt>" in html or f">{heading}</h2>" in html, heading
    for cookie in ("sessionid", "csrftoken", "django_language", "lotsennetz_device"):
        assert cookie in html
    assert html.count(f'href="{reverse("privacy")}"') == 2  # export and erasure
    assert "/api/members/me/export/" in html
    assert "PLATZHALTER: Name und Anschrift der betreibenden Stelle" in html
    assert "PLATZHALTER: Name und Kontakt der bzw. des Datenschutzbeauftragten" in html


def test_the_privacy_page_states_the_chat_retention(client, settings):
    settings.CHAT_RETENTION_DAYS = 0
    settings.CHAT_RETENTION_DAYS_BY_KIND = {"direct": 90}
    html = client.get(reverse("legal_datenschutz")).content.decode()
    assert "Direktnachricht: 90 Tage, danach gelöscht" in html
    assert "Thema im ganzen Netzwerk: unbegrenzt" in html


def test_my_data_page_names_the_sign_in_sections_of_the_export(client, member):
    client.force_login(member)
    response = client.get(reverse("privacy"))
    assert response.status_code == 200
    html = response.content.decode()
    for part in (
        "zweiten Faktoren",
        "Wiederherstellungscodes erstellt und welche davon wann benutzt",
        "Identitätsanbieter Ihrer Kommune",
        "Sprache",
        "letztem Besuch der Startseite",
        "die Wiederherstellungscodes selbst sind nicht enthalten",
    ):
        assert part in html, part
