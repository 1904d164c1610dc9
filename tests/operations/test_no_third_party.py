"""No page makes the browser ask another host: fonts, scripts, styles all come from here."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Attributes that make a browser fetch (or send) something.
FETCHING = {
    "link": ("href",),
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "form": ("action",),
    "input": ("formaction", "src"),
    "button": ("formaction",),
}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")
STATIC_DIR = Path(settings.BASE_DIR) / "static"


class Fetches(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and name in FETCHING.get(tag, ()):
                for part in value.split(",") if name == "srcset" else [value]:
                    self.urls.append((f"<{tag} {name}>", part.strip().split(" ")[0]))
            if name == "style" and value:
                self.urls += [("style", a or b) for a, b in CSS_URL.findall(value)]


def foreign(url: str) -> bool:
    """True if fetching ``url`` from a page of testserver would leave the platform."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob"):
        return False
    if parts.scheme and parts.scheme not in ("http", "https", "ws", "wss"):
        return True
    return bool(parts.netloc) and parts.hostname not in ("testserver", "localhost", "127.0.0.1")


def assert_local(html: str, where: str) -> None:
    parser = Fetches()
    parser.feed(html)
    for style in re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.S):
        parser.urls += [("<style>", a or b) for a, b in CSS_URL.findall(style)]
    assert parser.urls, f"{where}: no fetched resources found at all"
    bad = [(attr, url) for attr, url in parser.urls if foreign(url)]
    assert not bad, f"{where} fetches from other hosts: {bad}"


def main_pages(world) -> list[str]:
    return [
        reverse("dashboard"),
        reverse("forum:index"),
        reverse("forum:search") + "?q=scan",
        reverse("forum:thread_create"),
        world.thread.get_absolute_url(),
        world.thread.category.get_absolute_url(),
        reverse("chat:index"),
        reverse("chat:room", kwargs={"slug": world.room.slug}),
        reverse("events:index"),
        reverse("events:month_current"),
        reverse("events:archive"),
        reverse("events:feed_settings"),
        world.event.get_absolute_url(),
        reverse("member_list"),
        reverse("member_list") + "?q=E-Akte",
        world.bernd.get_absolute_url(),
        world.anna.get_absolute_url(),
        reverse("project_list"),
        world.project.get_absolute_url(),
        reverse("expertise_detail", kwargs={"slug": "e-akte-dms"}),
        reverse("tool_detail", kwargs={"key": "enaio"}),
        reverse("profile_edit"),
        reverse("expertise_edit"),
        reverse("notifications"),
        reverse("privacy"),
        reverse("legal_impressum"),
        reverse("legal_datenschutz"),
        reverse("legal_barrierefreiheit"),
        reverse("api_docs"),
    ]


def test_every_main_page_fetches_only_from_the_platform(client, world):
    client.force_login(world.anna)
    for path in main_pages(world):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_local(response.content.decode(), path)


def test_pages_for_visitors_fetch_only_from_the_platform(client):
    for path in (reverse("login"), reverse("signup"), reverse("password_reset")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_local(response.content.decode(), path)


def test_the_content_security_policy_allows_no_other_host(client, world):
    client.force_login(world.anna)
    policy = client.get(reverse("dashboard"))["Content-Security-Policy"]
    for directive in policy.split(";"):
        sources = directive.split()[1:]
        for source in sources:
            assert source.startswith("'") or source.startswith(
                ("ws://testserver", "wss://testserver")
            ), directive


def test_static_css_loads_nothing_from_other_hosts():
    sheets = list(STATIC_DIR.rglob("*.css"))
    assert sheets
    for sheet in sheets:
        for a, b in CSS_URL.findall(sheet.read_text(encoding="utf-8")):
            assert not foreign(a or b), f"{sheet}: {a or b}"
            assert not (a or b).startswith("//"), f"{sheet}: {a or b}"


def test_fonts_are_system_fonts_or_served_from_static():
    for sheet in STATIC_DIR.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        for face in re.findall(r"@font-face\s*{[^}]*}", text):
            for a, b in CSS_URL.findall(face):
                assert not urlsplit(a or b).netloc, f"{sheet}: web font from elsewhere"


def test_scripts_fetch_nothing_absolute():
    """Scripts build their URLs from data attributes and the page's own host."""
    absolute = re.compile(r"""(fetch|open|WebSocket|src\s*=|href\s*=)\s*\(?\s*['"](https?:)?//""")
    for script in STATIC_DIR.rglob("*.js"):
        assert not absolute.search(script.read_text(encoding="utf-8")), script


def test_the_check_would_notice_a_font_from_elsewhere():
    html = '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">'
    with pytest.raises(AssertionError, match=r"fonts\.googleapis\.com"):
        assert_local(html, "example")
    with pytest.raises(AssertionError, match=r"cdn\.example"):
        assert_local('<div style="background: url(//cdn.example/x.png)"></div>', "example")
