"""The bell's rules: who is notified, when a mail leaves, and how digests bundle."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command

from community.models import EmailFrequency
from notifications import services
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_nobody_is_notified_of_their_own_doing_nor_when_deactivated(member, notify, make_member):
    assert notify(member, actor=member) is None
    gone = make_member(is_active=False)
    assert notify(gone) is None
    assert not Notification.objects.exists()


def test_immediate_mail_is_sent_once_per_unread_thread(
    member, notify, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, text="eins")
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, text="zwei")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.email]
    (entry,) = Notification.objects.filter(recipient=member)  # replies collapse
    assert entry.item_count == 2
    services.notifications_mark_read(member=member)
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, text="drei")
    assert len(mail.outbox) == 2


def test_marking_read_touches_only_the_members_own_notifications(member, other, notify):
    mine = notify(member)
    theirs = notify(other, actor=member)
    assert services.notifications_mark_read(member=member, ids=[theirs.pk, mine.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_daily_digest_bundles_per_thread(member, notify, django_capture_on_commit_callbacks):
    services.email_notifications_set(member=member, frequency=EmailFrequency.DAILY)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for text in ("a", "b", "c"):
            notify(member, text=text, thread="Erstes Thema")
        notify(member, text="d", thread="Zweites Thema")
    assert mail.outbox == []
    assert services.notification_digest_send(frequency=EmailFrequency.DAILY) == 1
    (digest,) = mail.outbox
    assert digest.body.count("* Erstes Thema (3 Benachrichtigungen)") == 1
    assert digest.body.count("* Zweites Thema") == 1
    # Nothing twice.
    assert services.notification_digest_send(frequency=EmailFrequency.DAILY) == 0


def test_members_who_want_no_mail_get_none(member, notify, django_capture_on_commit_callbacks):
    services.email_notifications_set(member=member, frequency=EmailFrequency.NEVER)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notify(member)
    assert mail.outbox == []
    assert services.notification_digest_send(frequency=EmailFrequency.DAILY) == 0
    assert Notification.objects.filter(recipient=member).count() == 1


def test_an_unknown_mail_frequency_is_refused(member):
    with pytest.raises(ValidationError) as refused:
        services.email_notifications_set(member=member, frequency="hourly")
    assert refused.value.error_dict["email_notifications"][0].code == "invalid_choice"


def test_digest_command_runs(member, notify, capsys):
    services.email_notifications_set(member=member, frequency=EmailFrequency.WEEKLY)
    notify(member)
    call_command("send_notification_digest", "weekly")
    assert "1 digest" in capsys.readouterr().out
