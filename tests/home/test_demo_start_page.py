"""The demo network gives its demo logins a living start page, and loading it again adds nothing."""

import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from community.models import User
from files.models import StoredFile
from forum.models import Post, Thread
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def forum_counts() -> tuple[int, ...]:
    return (
        Thread.objects.count(),
        Post.objects.count(),
        Thread.objects.filter(solution__isnull=False).count(),
        StoredFile.objects.count(),
        Notification.objects.count(),
    )


def test_the_demo_coordinator_sees_what_is_new_and_a_second_seed_adds_nothing(client):
    first = seed()
    before = forum_counts()

    second = seed()

    assert "Forenthemen" in first
    assert "schon vorhanden" in second
    assert forum_counts() == before
    threads, posts, solved, files, _ = before
    assert threads >= 5 and posts > 2 * threads and solved >= 1 and files >= 2

    client.force_login(User.objects.get(email="anna.schmidt@wetzlar.example"))
    text = client.get("/").content.decode()
    for heading in (
        "start-threads-heading",
        "start-mentions-heading",
        "start-open-events-heading",
        "start-members-heading",
    ):
        assert f'id="{heading}"' in text
    assert 'id="start-first-heading"' not in text
