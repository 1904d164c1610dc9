"""Writes of the forum: threads, posts, reactions, solutions, reading, watching, moderation.

Every function is keyword-only and runs in one transaction. Notifications,
live updates and e-mails leave only once that transaction has committed.
Permission rules are checked here too (``PermissionDenied``), so no caller can
skip them; views check them first to answer with the right page.
"""

import logging
from collections.abc import Collection, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from community.mentions import erased_handles
from community.models import Expertise, Project, Role, User
from core import realtime
from core.concurrency import check_version
from core.text import validate_one_line
from files.services import files_attach, files_delete_for
from forum import access
from forum.markdown import candidate_handles, render_post
from forum.models import (
    BODY_MAX_LENGTH,
    REASON_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Category,
    Flag,
    ModerationAction,
    ModerationLog,
    Post,
    PostRevision,
    Reaction,
    ReactionKind,
    ReadState,
    Subscription,
    Thread,
    ThreadRevision,
)
from forum.search import get_backend
from forum.selectors import post_for_broadcast, thread_for_broadcast
from forum.serializers import PostSerializer, ThreadSerializer
from notifications import jobs
from notifications.services import (
    notification_create,
    notifications_mark_read,
    notifications_uncount,
    notifications_withdraw,
    notify_members,
)
from notifications.texts import later

logger = logging.getLogger(__name__)
MAX_TAGS = 5
# Bundles the moderators' flag notifications (bell, e-mail digest) into one conversation.
FLAG_NOTIFICATION_KEY = "forum.flags"
QUOTE_MAX_LENGTH = 2000


# --- validation -----------------------------------------------------------------
def _clean_text(
    value: str, *, field: str, max_length: int, single_line: bool = False, title: bool = False
) -> str:
    if title:  # control, bidi and zero-width characters are refused (core.text)
        try:
            validate_one_line((value or "").strip())
        except ValidationError as exc:
            raise ValidationError({field: exc}) from None
    value = (value or "").replace("\x00", "")
    value = " ".join(value.split()) if single_line or title else value.strip()
    if not value:
        raise ValidationError(
            {field: ValidationError(_("Dieses Feld darf nicht leer sein."), code="required")}
        )
    if len(value) > max_length:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Höchstens %(max)d Zeichen (jetzt %(length)d)."),
                    code="max_length",
                    params={"max": max_length, "length": len(value)},
                )
            }
        )
    return value


def _clean_tags(tags: Iterable[Expertise]) -> list[Expertise]:
    tags = list({t.pk: t for t in tags}.values())
    if len(tags) > MAX_TAGS:
        raise ValidationError(
            {
                "tags": ValidationError(
                    _("Höchstens %(max)d Fachgebiete."), code="max_length", params={"max": MAX_TAGS}
                )
            }
        )
    return tags


def _render(body: str) -> tuple[str, list[User]]:
    """HTML of a body and the active members it mentions, in order of mention."""
    handles = candidate_handles(body)
    members = {
        m.handle: m
        for m in User.objects.filter(handle__in=handles, is_active=True).only(
            "pk", "handle", "display_name", "email", "email_notifications", "is_active"
        )
    }
    unknown = set(handles) - set(members)
    erased = erased_handles(unknown) if unknown else set()
    html, mentioned = render_post(body, known_handles=set(members), erased_handles=erased)
    return html, [members[h] for h in mentioned]


def preview_render(*, body: str) -> str:
    """The composer's live preview: the same renderer as saving, nothing stored."""
    if len(body or "") > BODY_MAX_LENGTH:
        body = body[:BODY_MAX_LENGTH]
    return _render(body or "")[0]


def _denied(message: str) -> PermissionDenied:
    return PermissionDenied(message)


# --- broadcasting and notifications --------------------------------------------
def _broadcast_post(post_id: int, event_type: str) -> None:
    post = post_for_broadcast(post_id)
    if post is None:
        return
    realtime.group_send(
        realtime.forum_thread_group(post.thread_id),
        {"type": event_type, "post": PostSerializer(post).data},
    )
    if event_type == realtime.FORUM_POST_NEW:
        thread = post.thread
        realtime.group_send(
            realtime.forum_category_group(thread.category_id),
            {
                "type": realtime.FORUM_THREAD_ACTIVITY,
                "thread": {
                    "id": thread.pk,
                    "post_count": thread.post_count,
                    "last_activity_at": thread.last_activity_at.isoformat(),
                },
            },
        )


def _on_commit_broadcast(post_id: int, event_type: str) -> None:
    transaction.on_commit(lambda: _broadcast_post(post_id, event_type))


def _broadcast_new_thread(thread_id: int) -> None:
    """Doorbell for open thread lists: the API's shape; each page fetches its own row."""
    thread = thread_for_broadcast(thread_id)
    if thread is None:
        return
    realtime.group_send(
        realtime.forum_category_group(thread.category_id),
        {"type": realtime.FORUM_THREAD_NEW, "thread": ThreadSerializer(thread).data},
    )


def _notify(
    *, recipient: User, kind: str, text: str, post: Post, actor: User | None, object_key: str = ""
) -> None:
    notification_create(
        recipient=recipient,
        kind=kind,
        text=text,
        url=post.get_absolute_url(),
        thread_key=post.thread.notification_key,
        thread_title=post.thread.title,
        actor=actor,
        object_key=object_key,
        at=post.created_at,
    )


def _post_key(post: Post) -> str:
    """What a mention's notification is about: deleting the post withdraws it."""
    return f"forum.post.{post.pk}"


def _notify_mentions(*, post: Post, actor: User, mentioned: list[User], at=None) -> set[int]:
    """A mention is personal: its own entry, never collapsed (one statement for all).
    ``at``: the post's time for a new post; an edit's mentions are new now."""
    thread = post.thread
    notified = {actor.pk}
    told = [m.pk for m in mentioned if m.pk not in notified]
    if told:
        notify_members(
            recipients=told,
            kind="forum.mention",
            text=later(
                gettext_noop("%(name)s hat Sie in „%(title)s“ erwähnt."),
                name=actor.display_name,
                title=thread.title,
            ),
            url=post.get_absolute_url(),
            thread_key=thread.notification_key,
            thread_title=thread.title,
            actor=actor,
            object_key=_post_key(post),
            at=at,
        )
    return notified | set(told)


def _watchers(*, thread: Thread, new_thread: bool, notified: set[int]):
    """Who watches the thread, its category or one of its tags, as a query of ids."""
    watching = Q(category_id=thread.category_id) | Q(tag__in=thread.tags.all())
    if not new_thread:
        watching |= Q(thread=thread)
    return (
        Subscription.objects.filter(watching, member__is_active=True)
        .exclude(member_id__in=notified)
        .values("member_id")
    )


WATCHERS_JOB = "forum.watchers"


def _fan_out(*, post: Post, actor: User, mentioned: list[User], new_thread: bool) -> None:
    """A mention wins over a watched reply. Mentions are told here, in the request;
    the watchers by a job of the bell's outbox, after the commit.

    Who is mentioned is named in the post: a handful of members, one entry each
    (one statement), so it costs the request next to nothing and the mentioned
    hear of it at once, as they do of a chat mention, a direct message, a
    flag or a waiting-list place, all of which stay in the request for the
    same reason. Watchers of a thread, its category or its tags can be 1,600
    members: the request writes one job row naming the post
    (``notifications.jobs``; it exists if and only if the post committed), and
    ``_notify_watchers`` makes their entries a few milliseconds later, so the
    request's work does not grow with them. Open bells ring when the job ran.
    """
    notified = _notify_mentions(post=post, actor=actor, mentioned=mentioned, at=post.created_at)
    jobs.job_enqueue(
        kind=WATCHERS_JOB,
        params={"post_id": post.pk, "new_thread": new_thread, "notified": sorted(notified)},
        member=actor,
        object_key=_post_key(post),
    )


def _notify_watchers(*, post_id: int, new_thread: bool, notified: list[int]) -> None:
    """The job of ``_fan_out``: the watchers hear of a post, in one statement however many.

    Replies collapse into one entry per watcher and thread ("5 neue Antworten
    in „…“", notifications.services.notify_members); a new thread is one entry
    each. Everything is read as it is when the job runs: who watches and is
    still active (a member deactivated meanwhile gets nothing), the thread's
    title, category and tags; a post deleted or hidden meanwhile tells nobody
    (deleting it also cancels a job not yet run, ``_withdraw_notifications``).
    The job runs once: its row goes in this transaction
    (``notifications.jobs``), so a second run never counts the reply twice.
    """
    post = Post.objects.select_related("thread", "author").filter(pk=post_id).first()
    if post is None or post.is_deleted or post.hidden or post.author is None:
        return
    thread, actor = post.thread, post.author
    text = later(
        gettext_noop("Neues Thema von %(name)s: „%(title)s“")
        if new_thread
        else gettext_noop("%(name)s hat in „%(title)s“ geantwortet."),
        name=actor.display_name,
        title=thread.title,
    )
    notify_members(
        recipients=_watchers(thread=thread, new_thread=new_thread, notified=set(notified)),
        kind="forum.new_thread" if new_thread else "forum.reply",
        text=text,
        url=post.get_absolute_url(),
        thread_key=thread.notification_key,
        thread_title=thread.title,
        actor=actor,
        at=post.created_at,
    )


def _withdraw_notifications(*, post: Post) -> None:
    """A deleted post takes back what it told: its mentions' entries go, and the
    watchers' collapsed reply entries that counted it count one less. Were the
    watchers not told yet (their job still pending), the job goes instead."""
    notifications_withdraw(object_key=_post_key(post))
    if jobs.jobs_cancel(object_key=_post_key(post)):
        return  # no watcher counted it
    if post.number == 1:
        return  # the thread's first post was no reply
    mentioned = {m.pk for m in _render(post.body)[1]}
    notifications_uncount(
        kind="forum.reply",
        thread_key=post.thread.notification_key,
        at=post.created_at,
        exclude_recipient_ids={post.author_id, *mentioned} - {None},
    )


def _log(
    *, moderator: User, action: str, thread: Thread | None = None, post=None, detail: str = ""
) -> None:
    ModerationLog.objects.create(
        moderator=moderator,
        action=action,
        thread=thread or (post.thread if post is not None else None),
        post=post,
        detail=detail[:REASON_MAX_LENGTH],
    )


def _index(post_ids: list[int]) -> None:
    get_backend().index(post_ids)


# --- threads and posts -----------------------------------------------------------
@transaction.atomic
def thread_create(
    *,
    author: User,
    category: Category,
    title: str,
    body: str,
    tags: Iterable[Expertise] = (),
    project: Project | None = None,
    attachments: list | None = None,
) -> Thread:
    """Start a thread with its first post; the author watches it from then on.

    ``attachments``: ids of the author's uploaded files, attached to the first post.
    """
    if not access.can_start_thread(author, category):
        raise _denied(_("In dieser Kategorie beginnt nur die Moderation neue Themen."))
    errors = {}
    try:
        title = _clean_text(title, field="title", max_length=TITLE_MAX_LENGTH, title=True)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        body = _clean_text(body, field="body", max_length=BODY_MAX_LENGTH)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    tags = _clean_tags(tags)
    now = timezone.now()
    thread = Thread.objects.create(
        category=category,
        title=title,
        author=author,
        project=project,
        created_at=now,
        last_activity_at=now,
        post_count=1,
    )
    if tags:
        thread.tags.set(tags)
    html, mentioned = _render(body)
    post = Post.objects.create(
        thread=thread, number=1, author=author, body=body, body_html=html, created_at=now
    )
    if attachments:
        files_attach(user=author, ids=attachments, target=post)
    Subscription.objects.get_or_create(member=author, thread=thread)
    thread_mark_read(member=author, thread=thread, number=1)
    _index([post.pk])  # after attaching: the files' text is part of the post's document
    _fan_out(post=post, actor=author, mentioned=mentioned, new_thread=True)
    transaction.on_commit(lambda: _broadcast_new_thread(thread.pk))
    return thread


@transaction.atomic
def thread_update(
    *,
    editor: User,
    thread: Thread,
    title: str | None = None,
    tags: Iterable[Expertise] | None = None,
    pinned: bool | None = None,
    locked: bool | None = None,
    category: Category | None = None,
    attachments: list | None = None,
) -> Thread:
    """Rename or re-tag a thread (its author or a moderator); the old state stays readable.

    ``attachments`` replaces the files of the thread, which are its first post's
    (``post_update``, with that post's rules).

    The title is validated as on creation. Every change keeps a revision (the
    public history of the thread); a moderator changing someone else's thread
    is also written to the moderation log. ``pinned``, ``locked`` and
    ``category`` go to ``thread_moderate`` (moderators only), in the same
    transaction, so one request changes everything or nothing.
    """
    if pinned is not None or locked is not None or category is not None:
        thread_moderate(
            moderator=editor, thread=thread, pinned=pinned, locked=locked, category=category
        )
    thread = Thread.objects.select_for_update(of=("self",)).get(pk=thread.pk)
    if attachments is not None:
        first = Post.objects.filter(thread=thread, number=1).first()
        if first is None:
            raise ValidationError(
                {"attachments": ValidationError(_("Das Thema hat keinen ersten Beitrag."))},
                code="invalid",
            )
        post_update(editor=editor, post=first, attachments=attachments)
    if title is None and tags is None:
        return thread
    if not access.can_edit_thread(editor, thread):
        raise _denied(_("Nur wer das Thema begonnen hat, oder die Moderation ändert es."))
    old_tags = list(thread.tags.order_by("name"))
    new_title = thread.title
    if title is not None:
        new_title = _clean_text(title, field="title", max_length=TITLE_MAX_LENGTH, title=True)
    new_tags = old_tags if tags is None else _clean_tags(tags)
    title_changed = new_title != thread.title
    tags_changed = {t.pk for t in new_tags} != {t.pk for t in old_tags}
    if not title_changed and not tags_changed:
        return thread
    now = timezone.now()
    ThreadRevision.objects.create(
        thread=thread,
        editor=editor,
        created_at=now,
        title=thread.title,
        tags=", ".join(t.name for t in old_tags)[:500],
    )
    changes = []
    if title_changed:
        changes.append(f"„{thread.title}“ → „{new_title}“")
        thread.title = new_title
    if tags_changed:
        changes.append(", ".join(sorted(t.slug for t in new_tags)) or "–")
        thread.tags.set(new_tags)
    thread.edited_at = now
    thread.save(update_fields=["title", "edited_at"])
    if editor.pk != thread.author_id:
        _log(
            moderator=editor,
            action=ModerationAction.THREAD_EDIT,
            thread=thread,
            detail="; ".join(changes),
        )
    if title_changed:
        # The title is part of the first post's search document (weight A).
        first = Post.objects.filter(thread=thread, number=1).values_list("pk", flat=True)
        _index(list(first))
    return thread


@transaction.atomic
def post_create(
    *, author: User, thread: Thread, body: str, attachments: list | None = None
) -> Post:
    """Reply; numbers stay gapless because the thread row is locked while counting.

    ``attachments``: ids of the author's uploaded files (refused as a whole if one is not).
    """
    body = _clean_text(body, field="body", max_length=BODY_MAX_LENGTH)
    thread = (
        Thread.objects.select_for_update(of=("self",)).select_related("category").get(pk=thread.pk)
    )
    if not access.can_reply(author, thread):
        raise _denied(_("Dieses Thema ist geschlossen; Antworten sind nicht mehr möglich."))
    html, mentioned = _render(body)
    now = timezone.now()
    number = thread.post_count + 1
    post = Post.objects.create(
        thread=thread, number=number, author=author, body=body, body_html=html, created_at=now
    )
    if attachments:
        files_attach(user=author, ids=attachments, target=post)
    Thread.objects.filter(pk=thread.pk).update(post_count=number, last_activity_at=now)
    thread.post_count, thread.last_activity_at = number, now
    Subscription.objects.get_or_create(member=author, thread=thread)
    thread_mark_read(member=author, thread=thread, number=number)
    _index([post.pk])
    _fan_out(post=post, actor=author, mentioned=mentioned, new_thread=False)
    _on_commit_broadcast(post.pk, realtime.FORUM_POST_NEW)
    return post


@transaction.atomic
def post_update(
    *,
    editor: User,
    post: Post,
    body: str | None = None,
    attachments: list | None = None,
    expected_version: int | Collection[int] | None = None,
) -> Post:
    """Edit a post; the previous text is kept as a revision everybody can see.

    With ``expected_version``, a post changed meanwhile raises VersionConflict
    (checked under the row lock, so of two edits from one version only one wins).
    ``body`` None keeps the text; ``attachments`` (None: unchanged) replaces the
    list of files: files left out are deleted, new ones must be the editor's.
    """
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("thread", "author")
        .get(pk=post.pk)
    )
    if not access.can_change_post(editor, post):
        raise _denied(
            _("Nur die Verfasserin, der Verfasser oder die Moderation ändert einen Beitrag.")
        )
    check_version(post, expected_version)
    if body is not None:
        body = _clean_text(body, field="body", max_length=BODY_MAX_LENGTH)
    files_changed = False
    if attachments is not None:
        before_ids = {str(pk) for pk in post.attachments.values_list("pk", flat=True)}
        attached = files_attach(user=editor, ids=attachments, target=post)
        files_changed = {str(f.pk) for f in attached} != before_ids
    if body is None or body == post.body:
        if files_changed:
            post.edited_at = timezone.now()
            post.version += 1
            post.save(update_fields=["edited_at", "version"])
            if editor.pk != post.author_id:
                _log(moderator=editor, action=ModerationAction.EDIT, post=post)
            _index([post.pk])
            _on_commit_broadcast(post.pk, realtime.FORUM_POST_CHANGED)
        return post
    mentioned_before = _render(post.body)[1]
    html, mentioned = _render(body)
    now = timezone.now()
    PostRevision.objects.create(
        post=post, editor=editor, created_at=now, body=post.body, body_html=post.body_html
    )
    post.body, post.body_html, post.edited_at = body, html, now
    post.version += 1
    post.save(update_fields=["body", "body_html", "edited_at", "version"])
    if editor.pk != post.author_id:
        _log(moderator=editor, action=ModerationAction.EDIT, post=post)
    # Only people newly mentioned hear of an edit; watchers are not told.
    before = {m.pk for m in mentioned_before}
    _notify_mentions(
        post=post, actor=editor, mentioned=[m for m in mentioned if m.pk not in before]
    )
    _index([post.pk])
    _on_commit_broadcast(post.pk, realtime.FORUM_POST_CHANGED)
    return post


@transaction.atomic
def post_delete(*, member: User, post: Post) -> Post:
    """Delete a post as a tombstone: the thread still reads, the text is gone."""
    post = Post.objects.select_for_update(of=("self",)).select_related("thread").get(pk=post.pk)
    if not access.can_change_post(member, post):
        raise _denied(
            _("Nur die Verfasserin, der Verfasser oder die Moderation löscht einen Beitrag.")
        )
    PostRevision.objects.create(post=post, editor=member, body=post.body, body_html=post.body_html)
    _withdraw_notifications(post=post)
    post.deleted_at = timezone.now()
    post.version += 1
    post.save(update_fields=["deleted_at", "version"])
    files_delete_for(target=post)  # a tombstone keeps no files
    Reaction.objects.filter(post=post).delete()
    Thread.objects.filter(pk=post.thread_id, solution=post).update(solution=None)
    if member.pk != post.author_id:
        _log(moderator=member, action=ModerationAction.DELETE, post=post)
    _index([post.pk])
    _on_commit_broadcast(post.pk, realtime.FORUM_POST_CHANGED)
    return post


def quote_source(*, post: Post) -> str:
    """Markdown that quotes a post for a reply (the author's handle, then the text)."""
    if post.is_deleted or post.hidden:
        return ""
    text = post.body if len(post.body) <= QUOTE_MAX_LENGTH else post.body[:QUOTE_MAX_LENGTH] + " …"
    handle = post.author.handle if post.author else ""
    lines = [f"> **@{handle}** {_('schrieb:')}" if handle else f"> {_('Zitat:')}", ">"]
    lines += [f"> {line}" if line else ">" for line in text.splitlines()]
    return "\n".join(lines) + "\n\n"


# --- reactions and solutions -------------------------------------------------------
@transaction.atomic
def reaction_toggle(*, member: User, post: Post, kind: str) -> bool:
    """Add a reaction, or take it back; returns whether it is there now."""
    if kind not in ReactionKind.values:
        raise ValidationError(
            {"reaction": ValidationError(_("Unbekannte Reaktion."), code="invalid")}
        )
    if post.is_deleted or post.hidden:
        raise ValidationError(
            {"reaction": ValidationError(_("Dieser Beitrag ist nicht mehr sichtbar."), code="gone")}
        )
    if post.author_id == member.pk:
        raise ValidationError(
            {
                "reaction": ValidationError(
                    _("Auf eigene Beiträge reagiert man nicht."), code="own_post"
                )
            }
        )
    deleted = Reaction.objects.filter(post=post, member=member, kind=kind).delete()[0]
    if deleted:
        return False
    Reaction.objects.get_or_create(post=post, member=member, kind=kind)
    return True


@transaction.atomic
def solution_accept(*, member: User, post: Post) -> Thread:
    """Mark a reply as the thread's answer; it counts as evidence of the answerer's expertise."""
    thread = Thread.objects.select_for_update().get(pk=post.thread_id)
    if not access.can_accept_solution(member, thread):
        raise _denied(_("Die Lösung wählt, wer das Thema begonnen hat, oder die Moderation."))
    if post.number == 1 or post.is_deleted or post.hidden:
        raise ValidationError(
            {
                "post": ValidationError(
                    _("Nur eine sichtbare Antwort kann die Lösung sein."), code="not_an_answer"
                )
            }
        )
    if thread.solution_id == post.pk:
        return thread
    previous = thread.solution_id
    thread.solution = post
    thread.save(update_fields=["solution"])
    if member.pk != thread.author_id:
        _log(moderator=member, action=ModerationAction.SOLUTION, post=post)
    post.thread = thread
    if post.author is not None:
        _notify(
            recipient=post.author,
            kind="forum.solution",
            text=_("Ihre Antwort in „%(title)s“ wurde als Lösung markiert.")
            % {"title": thread.title},
            post=post,
            actor=member,
        )
    if previous:
        _on_commit_broadcast(previous, realtime.FORUM_POST_CHANGED)
    _on_commit_broadcast(post.pk, realtime.FORUM_POST_CHANGED)
    return thread


@transaction.atomic
def solution_clear(*, member: User, thread: Thread) -> Thread:
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if not access.can_accept_solution(member, thread):
        raise _denied(_("Die Lösung wählt, wer das Thema begonnen hat, oder die Moderation."))
    previous = thread.solution_id
    thread.solution = None
    thread.save(update_fields=["solution"])
    if previous:
        _on_commit_broadcast(previous, realtime.FORUM_POST_CHANGED)
    return thread


# --- reading and watching ------------------------------------------------------------
def thread_mark_read(*, member: User, thread: Thread, number: int) -> None:
    """Remember the highest post number a member has seen (never moves backwards).

    One upsert, whatever the state before, so a page view costs the same every
    time. Callers pass the number of a post they showed.
    """
    _upsert_read_mark(member_id=member.pk, thread_id=thread.pk, number=number)


def _upsert_read_mark(*, member_id: int, thread_id: int, number: int, prefix: str = "") -> None:
    """The upsert itself; ``prefix``: a statement sent in the same round trip (client binding)."""
    number = max(0, int(number))
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    table = ReadState._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"{prefix}INSERT INTO {table} (member_id, thread_id, last_read_number, updated_at)"  # noqa: S608
            " VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (member_id, thread_id) DO UPDATE SET"
            f" last_read_number = {greatest}({table}.last_read_number, excluded.last_read_number),"
            " updated_at = excluded.updated_at",
            [member_id, thread_id, number, timezone.now()],
        )


def thread_visit(*, member: User, thread: Thread, number: int) -> None:
    """A member saw a thread up to post ``number``: move the read mark, quiet the bell.

    Read notifications of the thread also let the next one be mailed again.
    On PostgreSQL the read mark is one round trip, ``SET LOCAL synchronous_commit
    TO OFF; INSERT … ON CONFLICT``: in autocommit the two statements form one
    implicit transaction whose commit does not wait for the WAL flush. A crash
    may forget the last fraction of a second of read marks – those posts show
    as unread again, nothing is inconsistent – and no page view waits for an
    fsync (about 4 ms each, docs/performance.md). Inside a caller's transaction
    the setting is left alone. The bell is quieted by its own service; its
    UPDATE touches no row, and so flushes nothing, unless something was unread.
    """
    # Django's psycopg binds parameters client-side, so both statements share one round trip.
    asynchronous = (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")
    )
    _upsert_read_mark(
        member_id=member.pk,
        thread_id=thread.pk,
        number=number,
        prefix="SET LOCAL synchronous_commit TO OFF; " if asynchronous else "",
    )
    notifications_mark_read(member=member, thread_key=thread.notification_key)


@transaction.atomic
def subscription_set(
    *,
    member: User,
    watch: bool,
    thread: Thread | None = None,
    category: Category | None = None,
    tag: Expertise | None = None,
) -> None:
    """Watch (or stop watching) exactly one thread, category or tag."""
    if sum(x is not None for x in (thread, category, tag)) != 1:
        raise ValidationError(_("Genau ein Ziel beobachten."), code="one_target")
    target = {"thread": thread, "category": category, "tag": tag}
    target = {k: v for k, v in target.items() if v is not None}
    if watch:
        Subscription.objects.get_or_create(member=member, **target)
    else:
        Subscription.objects.filter(member=member, **target).delete()


# --- moderation ----------------------------------------------------------------------
def _require_moderator(user: User) -> None:
    if not access.is_moderator(user):
        raise _denied(_("Das darf nur die Moderation."))


@transaction.atomic
def thread_moderate(
    *,
    moderator: User,
    thread: Thread,
    pinned: bool | None = None,
    locked: bool | None = None,
    category: Category | None = None,
) -> Thread:
    """Pin, lock or move a thread; each change is logged."""
    _require_moderator(moderator)
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    changed = []
    if pinned is not None and pinned != thread.pinned:
        thread.pinned = pinned
        changed.append("pinned")
        _log(
            moderator=moderator,
            action=ModerationAction.PIN if pinned else ModerationAction.UNPIN,
            thread=thread,
        )
    if locked is not None and locked != thread.locked:
        thread.locked = locked
        changed.append("locked")
        _log(
            moderator=moderator,
            action=ModerationAction.LOCK if locked else ModerationAction.UNLOCK,
            thread=thread,
        )
    if category is not None and category.pk != thread.category_id:
        _log(
            moderator=moderator,
            action=ModerationAction.MOVE,
            thread=thread,
            detail=f"{thread.category_id} → {category.slug}",
        )
        thread.category = category
        changed.append("category")
    if changed:
        thread.save(update_fields=changed)
    return thread


@transaction.atomic
def post_hide(*, moderator: User, post: Post, reason: str) -> Post:
    """Hide a post with a reason everybody sees; open flags on it are resolved."""
    _require_moderator(moderator)
    reason = _clean_text(reason, field="reason", max_length=REASON_MAX_LENGTH, single_line=True)
    post = Post.objects.select_for_update(of=("self",)).select_related("thread").get(pk=post.pk)
    post.hidden, post.hidden_reason = True, reason
    post.version += 1
    post.save(update_fields=["hidden", "hidden_reason", "version"])
    Thread.objects.filter(pk=post.thread_id, solution=post).update(solution=None)
    Flag.objects.filter(post=post, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=moderator
    )
    _log(moderator=moderator, action=ModerationAction.HIDE, post=post, detail=reason)
    _index([post.pk])
    _on_commit_broadcast(post.pk, realtime.FORUM_POST_CHANGED)
    return post


@transaction.atomic
def post_unhide(*, moderator: User, post: Post) -> Post:
    _require_moderator(moderator)
    post = Post.objects.select_for_update(of=("self",)).select_related("thread").get(pk=post.pk)
    post.hidden, post.hidden_reason = False, ""
    post.version += 1
    post.save(update_fields=["hidden", "hidden_reason", "version"])
    _log(moderator=moderator, action=ModerationAction.UNHIDE, post=post)
    _index([post.pk])
    _on_commit_broadcast(post.pk, realtime.FORUM_POST_CHANGED)
    return post


@transaction.atomic
def flag_create(*, member: User, post: Post, reason: str) -> Flag:
    """A member reports a post to the moderation queue (once while the report is open)."""
    reason = _clean_text(reason, field="reason", max_length=REASON_MAX_LENGTH, single_line=True)
    if post.is_deleted:
        raise ValidationError(
            {"reason": ValidationError(_("Dieser Beitrag ist gelöscht."), code="gone")}
        )
    if Flag.objects.filter(post=post, member=member, resolved_at__isnull=True).exists():
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("Sie haben diesen Beitrag schon gemeldet."), code="already_flagged"
                )
            }
        )
    flag = Flag.objects.create(post=post, member=member, reason=reason)
    _notify_moderators_of_flag(flag=flag, post=post, member=member)
    return flag


def _notify_moderators_of_flag(*, flag: Flag, post: Post, member: User) -> None:
    """The bell of every moderator rings (live, on commit); the flagger is not told."""
    thread = post.thread
    moderators = User.objects.filter(
        Q(role__in=[Role.MODERATOR, Role.ADMIN]) | Q(is_superuser=True), is_active=True
    )
    text = _("%(name)s hat einen Beitrag in „%(title)s“ gemeldet: %(reason)s") % {
        "name": member.display_name,
        "title": thread.title,
        "reason": flag.reason,
    }
    notify_members(
        recipients=moderators.values("pk"),
        kind="forum.flag",
        text=text,
        url=reverse("forum:moderation") + f"#meldung-{flag.pk}",
        thread_key=FLAG_NOTIFICATION_KEY,
        thread_title=_("Meldungen an die Moderation"),
        actor=member,
    )


def moderation_visit(*, moderator: User) -> None:
    """A moderator opened the queue: the bell's flag notifications are read."""
    _require_moderator(moderator)
    notifications_mark_read(member=moderator, thread_key=FLAG_NOTIFICATION_KEY)


@transaction.atomic
def flag_resolve(*, moderator: User, flag: Flag) -> Flag:
    _require_moderator(moderator)
    if flag.resolved_at is None:
        flag.resolved_at, flag.resolved_by = timezone.now(), moderator
        flag.save(update_fields=["resolved_at", "resolved_by"])
        _log(
            moderator=moderator,
            action=ModerationAction.RESOLVE_FLAG,
            post=flag.post,
            detail=flag.reason,
        )
    return flag


__all__ = [
    "flag_create",
    "flag_resolve",
    "moderation_visit",
    "post_create",
    "post_delete",
    "post_hide",
    "post_unhide",
    "post_update",
    "preview_render",
    "quote_source",
    "reaction_toggle",
    "solution_accept",
    "solution_clear",
    "subscription_set",
    "thread_create",
    "thread_mark_read",
    "thread_moderate",
    "thread_update",
    "thread_visit",
]
