"""Chat Markdown: @handles become profile links, and nothing hostile gets through."""

import pytest

from chat import services
from chat.markdown import render_message
from core.markdown import render_markdown
from tests.forum.xss import XSS_PAYLOADS, assert_safe

pytestmark = pytest.mark.django_db

# Hostile text around, inside and instead of a handle.
MENTION_PAYLOADS = [
    "@anna<script>alert(1)</script>",
    "@anna<img src=x onerror=alert(1)>",
    '@anna" onmouseover="alert(1)',
    "@anna' onclick='alert(1)",
    "[@anna](javascript:alert(1))",
    '<a href="javascript:alert(1)">@anna</a>',
    '<a href="https://example.org" onclick="alert(1)">@anna</a>',
    "![@anna](x onerror=alert(1))",
    "@anna{: onclick=alert(1) }",
    "@javascript:alert(1)",
    "@<svg onload=alert(1)>",
    "**@anna**<details open ontoggle=alert(1)>",
    "`@anna` <iframe src=javascript:alert(1)>",
]


@pytest.fixture
def anna(make_member):
    member = make_member(display_name="Anna")
    assert member.handle == "anna"
    return member


def test_an_at_handle_of_a_member_becomes_a_link_to_the_profile(network_room, member, anna):
    message, _ = services.message_post(
        room=network_room, author=member, body="Frag @anna oder @niemand", client_id="1"
    )
    assert '<a href="/menschen/anna/" rel="nofollow noopener noreferrer ugc">@anna</a>' in (
        message.body_html
    )
    assert "@niemand" in message.body_html
    assert "/menschen/niemand/" not in message.body_html


def test_handles_in_code_in_links_and_in_addresses_stay_text(network_room, member, anna):
    body = "`@anna` und [@anna](https://example.org) und anna@wetzlar.de und ```\n@anna\n```"
    message, _ = services.message_post(room=network_room, author=member, body=body, client_id="1")
    assert "/menschen/" not in message.body_html


def test_a_deactivated_member_is_not_linked(network_room, member, anna):
    from community import services as community_services

    community_services.member_deactivate(member=anna)
    message, _ = services.message_post(
        room=network_room, author=member, body="@anna?", client_id="1"
    )
    assert "/menschen/" not in message.body_html


def test_editing_a_message_links_the_handles_of_the_new_text(network_room, member, anna):
    message, _ = services.message_post(
        room=network_room, author=member, body="hallo", client_id="1"
    )
    edited = services.message_edit(message=message, body="hallo @anna")
    assert 'href="/menschen/anna/"' in edited.body_html


@pytest.mark.parametrize("body", XSS_PAYLOADS + MENTION_PAYLOADS)
def test_the_xss_corpus_comes_out_safe_with_and_without_a_mention(body, network_room, anna):
    for text in (body, f"@anna {body}", f"{body} @anna"):
        assert_safe(render_message(text, handles={"anna"}))
        assert_safe(render_message(text))


def test_the_reused_renderer_gives_what_the_platform_renderer_gives():
    """One renderer per thread: nothing of one message may stay for the next."""
    texts = [
        "| a | b |\n|:--|--:|\n| 1 | 2 |",
        "```python\nprint(1)\n```",
        "# Titel\n\n1. eins\n2. zwei",
        "[ref][x]\n\n[x]: https://example.org",
        "nur [ref][x]",
        "*kursiv* und **fett**",
    ]
    for text in texts + texts:
        assert render_message(text) == render_markdown(text), text
