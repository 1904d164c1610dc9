"""Markdown where people expect it, plain text where Markdown means nothing (issue 20)."""

import pytest
import vobject
from django.core import mail

from chat.markdown import render_message
from core import emails
from core.markdown import markdown_to_plain_text, render_markdown
from events import services as events
from tests.events.conftest import in_days

SOURCE = (
    "# Ablauf\n\n"
    "Wir sprechen über die **E-Akte** und ~~das Fax~~.\n"
    "Mehr unter [der Seite](https://example.org/a?b=1&c=2).\n\n"
    "- Begrüßung\n- Austausch\n\n"
    "| Zeit | Punkt |\n|:--|--:|\n| 10:00 | Start |\n\n"
    "Kaffee & Kuchen"
)


def test_strikethrough_is_struck_through_everywhere_but_in_code():
    assert render_markdown("a ~~b **c**~~ d") == "<p>a <del>b <strong>c</strong></del> d</p>"
    assert "<del>" not in render_markdown("`~~nicht~~`")
    assert render_markdown("~~~text") == "<p>~~~text</p>"


def test_tables_keep_only_their_alignment():
    html = render_markdown("| a | b |\n|:-:|--:|\n| 1 | 2 |")
    assert '<th align="center">a</th>' in html and '<td align="right">2</td>' in html
    hostile = render_markdown(
        '<table style="x" onclick="y"><tr><td align="justify" class="z">1</td></tr></table>'
    )
    assert "style" not in hostile and "onclick" not in hostile and "class" not in hostile
    assert "justify" not in hostile


@pytest.mark.django_db
def test_a_line_break_in_a_chat_message_stays_a_line_break():
    assert render_message("erste Zeile\nzweite Zeile") == "<p>erste Zeile<br>\nzweite Zeile</p>"


def test_the_forum_keeps_markdown_paragraphs():
    assert "<br>" not in render_markdown("ein Satz\nder weitergeht")


def test_plain_text_keeps_lines_and_drops_every_markup():
    plain = markdown_to_plain_text(SOURCE)
    assert plain == (
        "Ablauf\n\n"
        "Wir sprechen über die E-Akte und das Fax.\n"
        "Mehr unter der Seite (https://example.org/a?b=1&c=2).\n\n"
        "- Begrüßung\n- Austausch\n\n"
        "Zeit | Punkt\n10:00 | Start\n\n"
        "Kaffee & Kuchen"
    )
    for markup in ("**", "~~", "#", "](", "<", "&amp;"):
        assert markup not in plain


def test_plain_text_of_hostile_markdown_carries_no_markup():
    plain = markdown_to_plain_text("<script>alert(1)</script>[x](javascript:alert(1)) *ok*")
    assert "script" not in plain and "javascript" not in plain and plain.endswith("ok")


@pytest.mark.django_db
def test_the_calendar_file_describes_an_event_in_plain_text(member_api, coordinator):
    event = events.event_create(
        created_by=coordinator,
        title="Treffen",
        starts_at=in_days(3),
        ends_at=in_days(3, hour=12),
        hosting_municipality=coordinator.municipality,
        description=SOURCE,
    )
    body = member_api.get(f"/api/events/{event.pk}/ics").content.decode()
    description = vobject.readOne(body).vevent.description.value
    assert description.startswith("Ablauf\n\nWir sprechen über die E-Akte und das Fax.")
    assert "- Begrüßung\n- Austausch" in description
    assert "**" not in description and "~~" not in description


@pytest.mark.django_db
def test_a_mail_subject_shows_a_title_as_typed_not_html_escaped(member, coordinator):
    event = events.event_create(
        created_by=coordinator,
        title='Kaffee & "Kuchen" <Austausch>',
        starts_at=in_days(3),
        ends_at=in_days(3, hour=12),
        hosting_municipality=coordinator.municipality,
    )
    emails.send(
        to=member.email,
        template="events/email/event_cancelled",
        context={"member": member, "event": event},
    )
    (message,) = mail.outbox
    assert message.subject == 'Abgesagt: Kaffee & "Kuchen" <Austausch>'
