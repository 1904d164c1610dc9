"""One bell entry per member and conversation for collapsing kinds (issue 20).

Existing rows are folded first: of each member's replies (or direct messages)
in one conversation the newest row stays, counting the unread ones (at least
one), and the others go; then the unique constraint (0003, a migration of its own:
PostgreSQL builds no index in a transaction that changed rows) can hold.
"""

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


COLLAPSING_KINDS = ("chat.direct", "forum.reply")


def fold(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.update(since=models.F("created_at"))
    rows = (
        Notification.objects.filter(kind__in=COLLAPSING_KINDS)
        .order_by("recipient_id", "kind", "thread_key", "-created_at", "-pk")
        .values_list("pk", "recipient_id", "kind", "thread_key", "read_at", "created_at")
    )
    keep, count, since, drop, current = None, 0, None, [], None

    def flush():
        if keep is not None:
            Notification.objects.filter(pk=keep).update(item_count=max(count, 1), since=since)

    for pk, recipient_id, kind, thread_key, read_at, created_at in rows.iterator(chunk_size=2000):
        group = (recipient_id, kind, thread_key)
        if group != current:
            flush()
            current, keep, count, since = group, pk, 0, created_at
        else:
            drop.append(pk)
        if read_at is None:
            count += 1
            since = created_at
    flush()
    for start in range(0, len(drop), 1000):
        Notification.objects.filter(pk__in=drop[start : start + 1000]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_push_subscription"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="item_count",
            field=models.PositiveIntegerField(default=1, verbose_name="Anzahl"),
        ),
        migrations.AddField(
            model_name="notification",
            name="object_key",
            field=models.CharField(
                blank=True, default="", max_length=100, verbose_name="Gegenstand"
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="since",
            field=models.DateTimeField(
                default=django.utils.timezone.now, verbose_name="ungelesen seit"
            ),
        ),
        migrations.RunPython(fold, migrations.RunPython.noop),
    ]
