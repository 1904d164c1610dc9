"""The forum's rules, through its services."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from community import services as community_services
from community.models import Expertise, Role
from directory import selectors as directory_selectors
from forum import selectors, services
from forum.models import (
    BODY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Flag,
    ModerationAction,
    ModerationLog,
    Post,
    Reaction,
    Subscription,
    Thread,
)
from notifications.models import Notification

pytestmark = pytest.mark.django_db


# --- threads and posts ------------------------------------------------------------
def test_a_thread_starts_with_its_first_post_and_the_author_watches_it(thread, member):
    post = thread.posts.get()
    assert (post.number, post.author, thread.post_count) == (1, member, 1)
    assert post.body_html == "<p>Wer hat schon umgestellt?</p>"
    assert Subscription.objects.filter(member=member, thread=thread).exists()


def test_only_moderators_start_threads_in_announcements(
    make_thread, member, moderator, announcements
):
    with pytest.raises(PermissionDenied):
        make_thread(member, category=announcements)
    assert make_thread(moderator, category=announcements).category == announcements
    # Anyone may still answer there.
    announcement = Thread.objects.get(category=announcements)
    assert services.post_create(author=member, thread=announcement, body="Danke!").number == 2


@pytest.mark.parametrize(
    ("title", "body", "fields"),
    [
        ("", "Text", {"title"}),
        ("   ", "Text", {"title"}),
        ("x" * (TITLE_MAX_LENGTH + 1), "Text", {"title"}),
        ("Titel", "", {"body"}),
        ("Titel", " \n\t ", {"body"}),
        ("Titel", "x" * (BODY_MAX_LENGTH + 1), {"body"}),
        ("", "", {"title", "body"}),
    ],
)
def test_bad_titles_and_bodies_are_refused_and_nothing_is_stored(
    make_thread, member, title, body, fields
):
    with pytest.raises(ValidationError) as caught:
        make_thread(member, title=title, body=body)
    assert set(caught.value.error_dict) == fields
    assert not Thread.objects.exists() and not Post.objects.exists()


def test_replies_are_numbered_without_gaps_and_move_the_thread_up(thread, other, member):
    first = services.post_create(author=other, thread=thread, body="eins")
    second = services.post_create(author=member, thread=thread, body="zwei")
    thread.refresh_from_db()
    assert (first.number, second.number, thread.post_count) == (2, 3, 3)
    assert thread.last_activity_at == second.created_at


def test_an_empty_reply_is_refused(thread, other):
    with pytest.raises(ValidationError) as caught:
        services.post_create(author=other, thread=thread, body="   ")
    assert "body" in caught.value.error_dict
    assert thread.posts.count() == 1


def test_a_locked_thread_takes_no_replies_except_from_moderators(thread, other, moderator):
    services.thread_moderate(moderator=moderator, thread=thread, locked=True)
    with pytest.raises(PermissionDenied):
        services.post_create(author=other, thread=thread, body="Noch was")
    assert services.post_create(author=moderator, thread=thread, body="Geschlossen.").number == 2


def test_editing_keeps_the_old_text_as_a_revision(thread, member):
    post = thread.posts.get()
    services.post_update(editor=member, post=post, body="Neuer **Text**")
    post.refresh_from_db()
    assert post.body_html == "<p>Neuer <strong>Text</strong></p>"
    assert post.edited_at is not None
    revision = post.revisions.get()
    assert (revision.body, revision.editor) == ("Wer hat schon umgestellt?", member)


def test_only_the_author_or_a_moderator_edits_or_deletes(reply, member, moderator):
    with pytest.raises(PermissionDenied):
        services.post_update(editor=member, post=reply, body="fremd")
    with pytest.raises(PermissionDenied):
        services.post_delete(member=member, post=reply)
    services.post_update(editor=moderator, post=reply, body="moderiert")
    assert ModerationLog.objects.filter(action=ModerationAction.EDIT, post=reply).exists()


def test_deleting_leaves_a_tombstone_so_the_thread_still_reads(thread, reply, other, member):
    services.solution_accept(member=member, post=reply)
    services.post_delete(member=other, post=reply)
    reply.refresh_from_db()
    thread.refresh_from_db()
    assert reply.is_deleted and thread.post_count == 2 and thread.solution is None
    with pytest.raises(PermissionDenied):
        services.post_update(editor=other, post=reply, body="wieder da")


def test_quoting_a_post_gives_a_blockquote_naming_its_author(reply, other):
    source = services.quote_source(post=reply)
    assert source.startswith(f"> **@{other.handle}**")
    assert "> Wir nutzen enaio seit 2023." in source


# --- mentions -----------------------------------------------------------------------
def test_mentions_link_to_the_profile_and_unknown_handles_stay_text(thread, other, member):
    post = services.post_create(
        author=member,
        thread=thread,
        body=f"Frag @{other.handle} oder @niemand-hier, nicht `@{other.handle}` im Code.",
    )
    link = f'<a href="/menschen/{other.handle}/" rel="nofollow noopener noreferrer ugc">'
    assert f"{link}@{other.handle}</a>" in post.body_html
    assert "@niemand-hier" in post.body_html and "/menschen/niemand-hier/" not in post.body_html
    assert f"<code>@{other.handle}</code>" in post.body_html


def test_an_email_address_is_no_mention(thread, other, member):
    post = services.post_create(
        author=member, thread=thread, body=f"x{other.handle}@{other.handle}.de"
    )
    assert "<a" not in post.body_html


def test_one_mention_makes_one_notification_and_one_mail(
    thread, other, member, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_create(
            author=member, thread=thread, body=f"@{other.handle} @{other.handle} bitte"
        )
    notes = Notification.objects.filter(recipient=other)
    assert notes.count() == 1
    assert notes.get().kind == "forum.mention"
    assert [m.to for m in mail.outbox] == [[other.email]]


def test_a_mentioned_watcher_is_notified_once(thread, other, member):
    services.subscription_set(member=other, watch=True, thread=thread)
    services.post_create(author=member, thread=thread, body=f"@{other.handle} schau mal")
    assert Notification.objects.filter(recipient=other).count() == 1


def test_an_edit_notifies_only_newly_mentioned_members(thread, other, make_member, member):
    third = make_member(display_name="Tara Drei")
    post = services.post_create(author=member, thread=thread, body=f"@{other.handle}")
    services.post_update(editor=member, post=post, body=f"@{other.handle} und @{third.handle}")
    assert Notification.objects.filter(recipient=other).count() == 1
    assert Notification.objects.filter(recipient=third, kind="forum.mention").count() == 1


# --- watching -------------------------------------------------------------------------------
def test_watchers_of_thread_category_and_tag_hear_of_replies(
    make_thread, make_member, member, category
):
    tag = Expertise.objects.first()
    by_category, by_tag, by_thread = (make_member() for _ in range(3))
    services.subscription_set(member=by_category, watch=True, category=category)
    services.subscription_set(member=by_tag, watch=True, tag=tag)
    thread = make_thread(member, tags=[tag])
    assert set(
        Notification.objects.filter(kind="forum.new_thread").values_list("recipient", flat=True)
    ) == {
        by_category.pk,
        by_tag.pk,
    }
    services.subscription_set(member=by_thread, watch=True, thread=thread)
    services.post_create(author=by_category, thread=thread, body="Antwort")
    replies = set(
        Notification.objects.filter(kind="forum.reply").values_list("recipient", flat=True)
    )
    assert replies == {member.pk, by_tag.pk, by_thread.pk}


# --- reactions and solutions ---------------------------------------------------------------
def test_reactions_toggle_once_per_kind(reply, member):
    assert services.reaction_toggle(member=member, post=reply, kind="thanks") is True
    assert services.reaction_toggle(member=member, post=reply, kind="helpful") is True
    assert Reaction.objects.filter(post=reply).count() == 2
    assert services.reaction_toggle(member=member, post=reply, kind="thanks") is False
    assert Reaction.objects.filter(post=reply).count() == 1


@pytest.mark.parametrize("kind", ["", "love", "<script>"])
def test_unknown_reactions_are_refused(reply, member, kind):
    with pytest.raises(ValidationError):
        services.reaction_toggle(member=member, post=reply, kind=kind)


def test_nobody_reacts_to_their_own_post(reply, other):
    with pytest.raises(ValidationError):
        services.reaction_toggle(member=other, post=reply, kind="thanks")


def test_the_thread_author_or_a_moderator_accepts_a_solution(
    thread, reply, other, moderator, member
):
    with pytest.raises(PermissionDenied):
        services.solution_accept(member=other, post=reply)
    services.solution_accept(member=member, post=reply)
    thread.refresh_from_db()
    assert thread.solution == reply
    assert Notification.objects.filter(recipient=other, kind="forum.solution").count() == 1
    services.solution_clear(member=moderator, thread=thread)
    services.solution_accept(member=moderator, post=reply)
    assert ModerationLog.objects.filter(action=ModerationAction.SOLUTION).count() == 1


def test_the_first_post_is_no_solution(thread, member):
    with pytest.raises(ValidationError):
        services.solution_accept(member=member, post=thread.posts.get())


def test_an_accepted_answer_counts_as_evidence_of_expertise(make_thread, make_member, member):
    tag = Expertise.objects.get(slug=Expertise.objects.first().slug)
    helper, bystander = (
        make_member(display_name="Hilde Helfer"),
        make_member(display_name="Bea Bystander"),
    )
    community_services.member_set_expertise(member=helper, expertise={tag.slug: 1})
    community_services.member_set_expertise(member=bystander, expertise={tag.slug: 1})
    thread = make_thread(member, tags=[tag])
    answer = services.post_create(author=helper, thread=thread, body="So geht es.")
    services.post_create(author=bystander, thread=thread, body="Weiß nicht.")
    before = {
        m.pk: m.score
        for m in directory_selectors.member_search(viewer=member, expertise=tag.slug).members
    }
    assert before[helper.pk] == before[bystander.pk]
    services.solution_accept(member=member, post=answer)
    after = {
        m.pk: m.score
        for m in directory_selectors.member_search(viewer=member, expertise=tag.slug).members
    }
    assert after[helper.pk] > after[bystander.pk]


# --- reading ----------------------------------------------------------------------------------
def test_the_thread_list_counts_new_posts_per_reader(thread, other, member, make_member):
    stranger = make_member()
    services.post_create(author=other, thread=thread, body="neu 1")
    services.post_create(author=other, thread=thread, body="neu 2")
    mine = selectors.thread_list(viewer=member).get(pk=thread.pk)
    assert mine.unread_count == 2
    services.thread_mark_read(member=member, thread=thread, number=3)
    assert selectors.thread_list(viewer=member).get(pk=thread.pk).unread_count == 0
    never_opened = selectors.thread_list(viewer=stranger).get(pk=thread.pk)
    assert never_opened.last_read_number == -1 and never_opened.unread_count == 3


def test_the_read_mark_never_moves_backwards(thread, other, member):
    services.post_create(author=other, thread=thread, body="x")
    services.thread_mark_read(member=member, thread=thread, number=2)
    services.thread_mark_read(member=member, thread=thread, number=1)
    assert selectors.read_position(viewer=member, thread=thread) == 2


# --- moderation ---------------------------------------------------------------------------------
def test_pin_lock_and_move_are_logged(thread, moderator, announcements, member):
    with pytest.raises(PermissionDenied):
        services.thread_moderate(moderator=member, thread=thread, pinned=True)
    services.thread_moderate(
        moderator=moderator, thread=thread, pinned=True, locked=True, category=announcements
    )
    thread.refresh_from_db()
    assert (thread.pinned, thread.locked, thread.category) == (True, True, announcements)
    actions = set(ModerationLog.objects.values_list("action", flat=True))
    assert actions == {"pin", "lock", "move"}


def test_hiding_needs_a_reason_and_resolves_the_flags(reply, moderator, member):
    services.flag_create(member=member, post=reply, reason="Werbung")
    with pytest.raises(ValidationError):
        services.post_hide(moderator=moderator, post=reply, reason="  ")
    services.post_hide(moderator=moderator, post=reply, reason="Werbung")
    reply.refresh_from_db()
    assert reply.hidden and reply.hidden_reason == "Werbung"
    assert not Flag.objects.filter(resolved_at__isnull=True).exists()
    assert ModerationLog.objects.filter(action="hide", post=reply).exists()


def test_a_member_flags_a_post_once_while_the_flag_is_open(reply, member, moderator):
    flag = services.flag_create(member=member, post=reply, reason="Ton")
    with pytest.raises(ValidationError):
        services.flag_create(member=member, post=reply, reason="nochmal")
    services.flag_resolve(moderator=moderator, flag=flag)
    assert list(selectors.flag_queue()) == []
    services.flag_create(member=member, post=reply, reason="wieder")


def test_coordinators_are_no_moderators(thread, coordinator):
    assert coordinator.role == Role.COORDINATOR
    with pytest.raises(PermissionDenied):
        services.thread_moderate(moderator=coordinator, thread=thread, locked=True)


# --- search (both backends) -------------------------------------------------------------------
def test_search_finds_stemmed_words_in_titles_and_posts(make_thread, member, other):
    thread = make_thread(member, title="Scanstraße für Akten", body="Wie digitalisiert ihr?")
    reply = services.post_create(author=other, thread=thread, body="Wir scannen alle Eingänge.")
    hits = list(selectors.post_search(viewer=member, q="Akte"))
    assert [p.number for p in hits] == [1]
    assert reply in list(selectors.post_search(viewer=member, q="Eingang"))
    assert list(selectors.post_search(viewer=member, q="Übergabe")) == []


def test_search_leaves_out_hidden_and_deleted_posts(thread, reply, moderator, other, member):
    assert reply in selectors.post_search(viewer=member, q="enaio")
    services.post_hide(moderator=moderator, post=reply, reason="Test")
    assert list(selectors.post_search(viewer=member, q="enaio")) == []
    services.post_unhide(moderator=moderator, post=reply)
    assert reply in selectors.post_search(viewer=member, q="enaio")
    services.post_delete(member=other, post=reply)
    assert list(selectors.post_search(viewer=member, q="enaio")) == []
