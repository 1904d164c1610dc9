"""Notifications are made through the service, as forum, chat and events make them."""

import pytest

from notifications import services


@pytest.fixture
def other(make_member):
    return make_member(display_name="Olaf Otto")


@pytest.fixture
def notify(other):
    """A notification for ``recipient`` by ``other`` (one thread per ``thread``)."""

    def make(recipient, *, text="Olaf Otto hat geantwortet", thread="Erstes Thema", **kwargs):
        return services.notification_create(
            recipient=recipient,
            actor=kwargs.pop("actor", other),
            kind=kwargs.pop("kind", "forum.reply"),
            text=text,
            url=kwargs.pop("url", "/forum/beitrag/1/"),
            thread_key=f"test.{thread}" if thread else "",
            thread_title=thread,
            **kwargs,
        )

    return make
