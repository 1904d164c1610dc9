"""A member erases their account: the person goes, their posts and messages stay."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import translation

from chat import ratelimit
from chat.models import RateBucket, RoomMembership
from community.models import (
    ERASED_MEMBER_NAME,
    MemberExpertise,
    MemberSearchDocument,
    Qualification,
    User,
)
from directory import selectors
from events.models import CalendarFeed, Signup, SignupStatus
from forum.models import ReadState, Subscription
from notifications.models import Notification, PushSubscription
from privacy import services as services_privacy
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def erase_by_form(client, member, password=PASSWORD):
    client.force_login(member)
    return client.post(reverse("account_erase"), {"password": password, "confirm": "on"})


def test_member_erases_their_account_with_their_password(client, world):
    old_handle = world.anna.handle
    response = erase_by_form(client, world.anna)
    assert response.status_code == 200
    assert "Ihr Konto ist gelöscht" in response.content.decode()
    anna = User.objects.get(pk=world.anna.pk)
    assert anna.is_erased
    assert not anna.is_active
    assert not anna.has_usable_password()
    assert anna.email.endswith("@erased.invalid")
    assert "anna" not in anna.email
    assert anna.handle != old_handle and "anna" not in anna.handle
    assert (anna.department, anna.position, anna.bio, anna.municipality) == ("", "", "", None)
    assert anna.display_name == str(ERASED_MEMBER_NAME)
    # Signed out: the next page asks for the sign-in again.
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_wrong_password_erases_nothing(client, world):
    response = erase_by_form(client, world.anna, password="falsch-falsch-falsch")
    assert response.status_code == 400
    assert "Das Passwort stimmt nicht." in response.content.decode()
    assert User.objects.get(pk=world.anna.pk).is_active


def test_erasing_needs_the_confirmation_box(client, member):
    client.force_login(member)
    response = client.post(reverse("account_erase"), {"password": PASSWORD})
    assert response.status_code == 400
    assert User.objects.get(pk=member.pk).is_active


def test_erasing_is_a_post_with_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.get(reverse("account_erase")).status_code == 405
    response = client.post(reverse("account_erase"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 403
    assert User.objects.get(pk=member.pk).is_active


def test_erasure_removes_the_profile_and_everything_attached(world, client):
    from community.models import ApiToken
    from events import services as event_services

    event_services.calendar_feed_token(member=world.anna)
    PushSubscription.objects.create(
        member=world.anna, endpoint="https://push.example.net/anna", p256dh="x", auth="y"
    )
    ratelimit.take_token(world.anna.pk)  # the chat's rate limit remembers her last post
    User.objects.filter(pk=world.anna.pk).update(language="en")  # her last page's language
    world.anna.refresh_from_db()
    client.force_login(world.anna)  # an open session elsewhere
    services_privacy.member_erase(member=world.anna)
    anna = world.anna
    anna.refresh_from_db()
    assert anna.language == ""
    assert not MemberExpertise.objects.filter(member=anna).exists()
    assert not anna.learning_interests.exists()
    assert not Qualification.objects.filter(member=anna).exists()
    assert not anna.projects.exists()
    assert not Subscription.objects.filter(member=anna).exists()
    assert not ReadState.objects.filter(member=anna).exists()
    assert not Notification.objects.filter(recipient=anna).exists()
    assert not Notification.objects.filter(actor=anna).exists()
    assert not MemberSearchDocument.objects.filter(member=anna).exists()
    assert not RoomMembership.objects.filter(member=anna).exists()
    assert not RateBucket.objects.filter(member=anna).exists()
    assert not Signup.objects.filter(member=anna).exists()
    assert not CalendarFeed.objects.filter(member=anna).exists()
    assert not ApiToken.objects.filter(user=anna).exists()
    assert not PushSubscription.objects.filter(member=anna).exists()
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(anna.pk)
    ]


def test_erasure_moves_the_waiting_list_up(world):
    services_privacy.member_erase(member=world.anna)
    carla = Signup.objects.get(event=world.event, member=world.carla)
    assert carla.status == SignupStatus.CONFIRMED


def test_the_thread_still_reads_with_a_former_member(client, world):
    old_handle = world.anna.handle
    services_privacy.member_erase(member=world.anna)
    client.force_login(world.bernd)
    html = client.get(world.thread.get_absolute_url()).content.decode()
    assert "Wir scannen mit der Annas-Scan-Lösung." in html
    assert "ehemaliges Mitglied" in html
    assert "Anna Schmidt" not in html
    assert f"/menschen/{User.objects.get(pk=world.anna.pk).handle}/" not in html
    # Bernd's @mention still names the old handle in his text, but leads nowhere.
    assert client.get(reverse("member_detail", kwargs={"handle": old_handle})).status_code == 404


def test_the_forum_api_shows_a_former_member_without_handle(api_client, world):
    services_privacy.member_erase(member=world.anna)
    api_client.force_authenticate(world.bernd)
    response = api_client.get(f"/api/forum/threads/{world.thread.pk}/posts/")
    assert response.status_code == 200
    authors = [p["author"] for p in response.json()["results"] if p["number"] == 2]
    assert authors == [{"id": world.anna.pk, "handle": None, "display_name": "ehemaliges Mitglied"}]


def test_chat_history_shows_a_former_member(api_client, world):
    services_privacy.member_erase(member=world.anna)
    api_client.force_authenticate(world.bernd)
    response = api_client.get(f"/api/chat/rooms/{world.room.slug}/messages/")
    assert response.status_code == 200
    mine = [m for m in response.json()["results"] if m["body"] == "Annas Nachricht"]
    assert mine[0]["author"] == {"id": world.anna.pk, "display_name": "ehemaliges Mitglied"}
    world.direct.refresh_from_db()
    assert "Anna" not in world.direct.name


def test_the_profile_of_a_former_member_is_missing(client, api_client, world):
    services_privacy.member_erase(member=world.anna)
    anna = User.objects.get(pk=world.anna.pk)
    client.force_login(world.bernd)
    assert client.get(reverse("member_detail", kwargs={"handle": anna.handle})).status_code == 404
    api_client.force_authenticate(world.bernd)
    assert api_client.get(f"/api/members/{anna.pk}/").status_code == 404


def test_search_no_longer_finds_a_former_member(world):
    assert world.anna in selectors.member_search(viewer=world.bernd, q="Anna Schmidt").members
    services_privacy.member_erase(member=world.anna)
    for q in ("Anna Schmidt", "Schmidt", "E-Akte"):
        found = selectors.member_search(viewer=world.bernd, q=q).members
        assert world.anna.pk not in [m.pk for m in found]


def test_a_former_member_cannot_sign_in(client, world):
    services_privacy.member_erase(member=world.anna)
    response = client.post(
        reverse("login"), {"username": "anna.schmidt@wetzlar.de", "password": PASSWORD}
    )
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session


def test_erasing_twice_changes_nothing(world):
    first = services_privacy.member_erase(member=world.anna)
    second = services_privacy.member_erase(member=world.anna)
    assert (first.email, first.handle) == (second.email, second.handle)


def test_the_name_of_a_former_member_follows_the_language(world):
    services_privacy.member_erase(member=world.anna)
    anna = User.objects.get(pk=world.anna.pk)
    with translation.override("de"):
        assert anna.display_name == "ehemaliges Mitglied"
        assert str(anna) == "ehemaliges Mitglied"
    assert anna.initials == "?"
    assert anna.public_handle is None
    # The stored value stays empty (saving never writes the shown name).
    anna.save()
    assert User.objects.filter(pk=anna.pk, display_name="").exists()


def test_a_live_member_still_needs_a_display_name(make_member):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        make_member(display_name=" ")


# --- the admin, "on request" ---------------------------------------------------------
@pytest.fixture
def superuser_client(client, admin_member):
    admin_member.is_superuser = True
    admin_member.save()
    client.force_login(admin_member)
    return client


def test_admin_erases_a_member_on_request_after_confirming(superuser_client, world):
    changelist = reverse("admin:community_user_changelist")
    data = {"action": "erase_on_request", "_selected_action": [world.anna.pk]}
    confirm = superuser_client.post(changelist, data)
    assert confirm.status_code == 200
    assert "Ja, endgültig löschen" in confirm.content.decode()
    assert User.objects.get(pk=world.anna.pk).is_active  # nothing happened yet
    done = superuser_client.post(changelist, {**data, "confirm": "yes"})
    assert done.status_code == 302
    assert User.objects.get(pk=world.anna.pk).is_erased
    (entry,) = LogEntry.objects.filter(object_id=str(world.anna.pk))
    assert entry.object_repr == "ehemaliges Mitglied"
    assert "Anna" not in entry.change_message


def test_admin_cannot_erase_themself_from_the_list(superuser_client, admin_member):
    changelist = reverse("admin:community_user_changelist")
    data = {"action": "erase_on_request", "_selected_action": [admin_member.pk], "confirm": "yes"}
    superuser_client.post(changelist, data)
    assert User.objects.get(pk=admin_member.pk).is_active


def test_erasure_is_all_or_nothing(world, monkeypatch):
    from community import services

    def fail(*, member):
        raise RuntimeError("Sitzungen nicht erreichbar")

    monkeypatch.setattr(services, "member_sessions_end", fail)
    with pytest.raises(RuntimeError):
        services_privacy.member_erase(member=world.anna)
    anna = User.objects.get(pk=world.anna.pk)
    assert anna.is_active and anna.display_name == "Anna Schmidt"
    assert MemberExpertise.objects.filter(member=anna).exists()
    assert Signup.objects.get(event=world.event, member=anna).status == SignupStatus.CONFIRMED
    assert Signup.objects.get(event=world.event, member=world.carla).status == (
        SignupStatus.WAITLISTED
    )


def test_a_tombstone_stays_a_tombstone_when_reloaded_or_written_in_bulk(world):
    services_privacy.member_erase(member=world.anna)
    anna = User.objects.get(pk=world.anna.pk)
    anna.refresh_from_db()
    assert anna.is_erased
    User.objects.bulk_update([anna], ["display_name"])
    deferred = User.objects.only("pk").get(pk=anna.pk)
    assert deferred.display_name == "ehemaliges Mitglied" and deferred.is_erased
    deferred.save()
    assert User.objects.filter(pk=anna.pk, display_name="").exists()
    assert User.objects.filter(display_name=anna.display_name).get() == anna


def test_the_admin_lists_and_opens_a_tombstone(superuser_client, world):
    services_privacy.member_erase(member=world.anna)
    listing = superuser_client.get(reverse("admin:community_user_changelist"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "ehemaliges Mitglied" in html and "anna.schmidt" not in html
    change = superuser_client.get(reverse("admin:community_user_change", args=[world.anna.pk]))
    assert change.status_code == 200


# --- handles, mentions and cached fragments (issue 16) -----------------------------------
def _cached_forum_fragments() -> list[str]:
    """Every forum fragment in the cache, whatever its key (LocMem or Redis)."""
    from django.core.cache import caches

    backend = caches["default"]
    head = backend.make_key("forum:")[: -len("forum:")]
    if type(backend).__name__ == "RedisCache":
        client = backend._cache.get_client()
        keys = [k.decode()[len(head) :] for k in client.scan_iter(match=f"{head}forum:*")]
    else:
        keys = [k[len(head) :] for k in backend._cache if k.startswith(head + "forum:")]
    return [value for value in (backend.get(key) for key in keys) if value]


def test_an_erased_members_handle_is_never_given_to_a_newcomer(world, make_member):
    old_handle = world.anna.handle
    services_privacy.member_erase(member=world.anna)
    newcomer = make_member(display_name="Anna Schmidt", email="anna.schmidt2@wetzlar.de")
    assert newcomer.handle != old_handle
    # Others' "@anna-schmidt" therefore never points at the newcomer.
    response = Client()
    response.force_login(world.bernd)
    page = response.get(world.thread.get_absolute_url()).content.decode()
    assert f'href="/menschen/{old_handle}/"' not in page


def test_mentions_of_an_erased_member_read_as_a_neutral_name_without_link(world):
    from chat import services as chat_services
    from chat.models import Message

    old_handle = world.anna.handle
    message, _new = chat_services.message_post(
        room=world.room,
        author=world.bernd,
        body=f"Frag @{old_handle}",
        client_id="b-mention",
        rate_limited=False,
    )
    assert f"/menschen/{old_handle}/" in message.body_html
    services_privacy.member_erase(member=world.anna)
    world.mention.refresh_from_db()
    message = Message.objects.get(pk=message.pk)
    for html in (world.mention.body_html, message.body_html):
        assert f"/menschen/{old_handle}/" not in html
        assert "ehemaliges Mitglied" in html
        assert old_handle not in html
    assert "Danke" in world.mention.body_html and "das hilft!" in world.mention.body_html


def test_erasure_clears_cached_forum_fragments_that_show_the_person(
    world, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(world.bernd)
    for url in (world.thread.get_absolute_url(), "/forum/"):
        assert client.get(url).status_code == 200
    cached = _cached_forum_fragments()
    assert any("Anna Schmidt" in html for html in cached)
    old_handle = world.anna.handle
    with django_capture_on_commit_callbacks(execute=True):
        services_privacy.member_erase(member=world.anna)
    for html in _cached_forum_fragments():
        assert "Anna Schmidt" not in html
        assert old_handle not in html


def test_a_new_mention_of_an_erased_handle_reads_as_the_neutral_name(world):
    from chat import services as chat_services
    from forum import services as forum_services

    old_handle = world.anna.handle
    services_privacy.member_erase(member=world.anna)
    post = forum_services.post_create(
        author=world.bernd, thread=world.thread, body=f"Wie sagte @{old_handle} neulich?"
    )
    message, _new = chat_services.message_post(
        room=world.room,
        author=world.bernd,
        body=f"Wie sagte @{old_handle}?",
        client_id="b-after",
        rate_limited=False,
    )
    for html in (post.body_html, message.body_html):
        assert old_handle not in html
        assert "ehemaliges Mitglied" in html


def test_nobody_can_be_given_an_erased_handle_by_hand(world):
    from django.core.exceptions import ValidationError

    old_handle = world.anna.handle
    services_privacy.member_erase(member=world.anna)
    world.bernd.handle = old_handle
    with pytest.raises(ValidationError) as caught:
        world.bernd.full_clean(exclude=["password"])
    assert [e.code for e in caught.value.error_dict["handle"]] == ["reserved"]


def test_erasure_drops_the_member_s_pending_notification_jobs_and_keeps_others(world, jobs_left):
    """A reply whose watchers were not told yet (its process died) would name her to
    them: her pending jobs go with her data; Bernd's reply still reaches its watchers."""
    from forum import services as forum_services
    from notifications import jobs
    from notifications.models import NotificationJob

    thread = forum_services.thread_create(
        author=world.bernd, category=_austausch(), title="Noch offen", body="Wer weiß es?"
    )
    forum_services.post_create(author=world.anna, thread=thread, body="Ich, gleich.")
    forum_services.post_create(author=world.bernd, thread=thread, body="Danke vorab.")
    assert NotificationJob.objects.filter(member=world.anna).exists()
    services_privacy.member_erase(member=world.anna)
    assert not NotificationJob.objects.filter(member=world.anna).exists()
    assert NotificationJob.objects.filter(member=world.bernd).exists()
    jobs.jobs_run_due(grace_seconds=0)
    assert not NotificationJob.objects.filter(member=world.bernd, failed_at__isnull=False).exists()


def _austausch():
    from tests.forum.conftest import _category

    return _category("austausch")
