"""Replies ring the watchers' bells as one entry per thread (issue 20), and cost
the same however many watch; deleting a post takes back what it told."""

from datetime import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.models import EmailFrequency
from forum import services
from notifications import services as notification_services
from notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def watchers(make_member, thread):
    """Members watching the thread (the author of ``thread`` watches it too)."""

    def make(count, prefix="W"):
        people = [make_member(display_name=f"{prefix} {n}") for n in range(count)]
        for person in people:
            services.subscription_set(member=person, watch=True, thread=thread)
        return people

    return make


def reply(thread, author, body="Eine Antwort."):
    return services.post_create(author=author, thread=thread, body=body)


def entries(member, kind="forum.reply"):
    return list(Notification.objects.filter(recipient=member, kind=kind))


def test_replies_collapse_into_one_entry_per_thread_and_member(
    thread, member, other, make_member, django_capture_on_commit_callbacks
):
    third = make_member(display_name="Tina Dritte")
    with django_capture_on_commit_callbacks(execute=True):
        first = reply(thread, other)
        reply(thread, third)
        last = reply(thread, other)
    (entry,) = entries(member)  # the thread's author watches it
    assert entry.item_count == 3
    assert entry.display_text == "3 neue Antworten in „Erfahrungen mit der E-Akte“"
    assert entry.url == first.get_absolute_url()  # where the unread replies begin
    assert entry.created_at == last.created_at  # the latest reply's time
    assert entry.actor == other
    # The other repliers watch too: Olaf hears of Tina's and his own? Only of others'.
    (olafs,) = entries(other)
    assert olafs.item_count == 1
    assert olafs.display_text == "Tina Dritte hat in „Erfahrungen mit der E-Akte“ geantwortet."


def test_the_api_says_the_count_and_the_latest_time(member_api, thread, member, other):
    reply(thread, other)
    last = reply(thread, other)
    data = member_api.get("/api/notifications/").json()
    assert data["unread_count"] == 1
    (row,) = data["results"]
    assert set(row) >= {"id", "kind", "text", "url", "created_at", "is_read"}
    assert row["kind"] == "forum.reply"
    assert row["text"] == "2 neue Antworten in „Erfahrungen mit der E-Akte“"
    assert row["is_read"] is False
    assert datetime.fromisoformat(row["created_at"]) == last.created_at


def test_a_read_entry_is_unread_again_with_the_next_reply(thread, member, other):
    reply(thread, other)
    reply(thread, other)
    services.thread_visit(member=member, thread=thread, number=3)
    (entry,) = entries(member)
    assert entry.is_read
    later = reply(thread, other, body="Noch etwas.")
    (entry,) = entries(member)
    assert not entry.is_read
    assert entry.item_count == 1
    assert entry.url == later.get_absolute_url()


def test_one_mail_per_unread_window_for_immediate_members(
    thread, member, other, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reply(thread, other)
    with django_capture_on_commit_callbacks(execute=True):
        reply(thread, other)
    assert [m.to for m in mail.outbox] == [[member.email]]
    services.thread_visit(member=member, thread=thread, number=3)
    with django_capture_on_commit_callbacks(execute=True):
        reply(thread, other)
    assert len(mail.outbox) == 2


def test_the_digest_counts_the_collapsed_replies(
    thread, member, other, django_capture_on_commit_callbacks
):
    notification_services.email_notifications_set(member=member, frequency=EmailFrequency.DAILY)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for _n in range(4):
            reply(thread, other)
    assert mail.outbox == []
    assert notification_services.notification_digest_send(frequency=EmailFrequency.DAILY) == 1
    body = mail.outbox[0].body
    assert "* Erfahrungen mit der E-Akte (4 Benachrichtigungen)" in body
    assert "4 neue Antworten in „Erfahrungen mit der E-Akte“" in body


def test_a_mention_stays_its_own_entry(thread, member, other):
    reply(thread, other)
    reply(thread, other, body=f"@{member.handle} was meinen Sie?")
    reply(thread, other)
    kinds = sorted(Notification.objects.filter(recipient=member).values_list("kind", "item_count"))
    # The mention wins over the watched reply it was in: two replies counted, one mention.
    assert kinds == [("forum.mention", 1), ("forum.reply", 2)]


def test_a_replys_queries_do_not_grow_with_the_watchers(
    make_thread, member, other, make_member, watchers, django_capture_on_commit_callbacks
):
    """The reply and its delivery after commit (bells, mails): the same count for
    2 watchers as for 20."""
    few = make_thread(member, title="Wenige")
    many = make_thread(member, title="Viele")
    for target, count in ((few, 2), (many, 20)):
        for n in range(count):
            person = make_member(display_name=f"{target.title} {n}")
            services.subscription_set(member=person, watch=True, thread=target)
    # Warm: every watcher has an entry already (the upsert's other branch is measured below).
    with django_capture_on_commit_callbacks(execute=True):
        reply(few, other)
        reply(many, other)
    counts = {}
    for target in (few, many):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            reply(target, other)
        counts[target.title] = len(queries.captured_queries)
    assert counts["Wenige"] == counts["Viele"]
    assert Notification.objects.filter(thread_key=many.notification_key).count() == 21
    # And the first reply (every entry new) costs the same as well.
    fresh_few = make_thread(member, title="Frisch wenige")
    fresh_many = make_thread(member, title="Frisch viele")
    for target, count in ((fresh_few, 2), (fresh_many, 20)):
        for n in range(count):
            person = make_member(display_name=f"{target.title} {n}")
            services.subscription_set(member=person, watch=True, thread=target)
    firsts = []
    for target in (fresh_few, fresh_many):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            reply(target, other)
        firsts.append(len(queries.captured_queries))
    assert firsts[0] == firsts[1]


def test_deleting_a_post_withdraws_its_mention(thread, member, other):
    post = reply(thread, other, body=f"@{member.handle} schauen Sie mal")
    assert entries(member, "forum.mention")
    services.post_delete(member=other, post=post)
    assert entries(member, "forum.mention") == []


def test_deleting_a_reply_counts_it_no_more(thread, member, other, make_member):
    first = reply(thread, other)
    second = reply(thread, other)
    (entry,) = entries(member)
    assert entry.item_count == 2
    services.post_delete(member=other, post=second)
    (entry,) = entries(member)
    assert entry.item_count == 1
    services.post_delete(member=other, post=first)
    assert entries(member) == []


def test_deleting_an_old_reply_leaves_a_later_unread_window_alone(thread, member, other):
    old = reply(thread, other)
    services.thread_visit(member=member, thread=thread, number=2)
    reply(thread, other)  # a new window, after the old reply was read
    services.post_delete(member=other, post=old)
    (entry,) = entries(member)
    assert (entry.item_count, entry.is_read) == (1, False)
