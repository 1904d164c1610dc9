"""One account per mailbox: the canonical address, unique (core.addresses).

Before, addresses were lowercased by Python and looked up case-insensitively
by PostgreSQL, whose upper() maps "ſ" and "ı" onto ASCII letters that Python's
lower() leaves alone: a look-alike address could become a second account, and
the real member's sign-in then found two rows (a 500). Now the address keeps
its local part as typed (for sending) and ``email_canonical`` is who it is.

Existing rows get their canonical form here. If two existing accounts share
one, the migration stops, changes nothing (it runs in one transaction) and
names the accounts and what to do (``core.addresses.collision_report``).
"""

from django.db import migrations, models
from django.db.models.functions import Lower

from core.addresses import (
    AddressCollisionError,
    canonical_collisions,
    canonical_email,
    collision_report,
)

BATCH = 1000


def fill_canonical_addresses(apps, schema_editor):
    User = apps.get_model("community", "User")
    rows = list(User.objects.order_by("pk").values_list("pk", "email"))
    collisions = canonical_collisions(rows)
    if collisions:
        raise AddressCollisionError(collision_report(collisions))
    User.objects.bulk_update(
        [User(pk=pk, email_canonical=canonical_email(email)) for pk, email in rows],
        ["email_canonical"],
        batch_size=BATCH,
    )


def lowercase_addresses(apps, schema_editor):
    """Backwards, addresses are lowercase again (the old check constraint wants it)."""
    apps.get_model("community", "User").objects.update(email=Lower("email"))


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0007_search_document_scores"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="user", name="user_email_lowercase"),
        migrations.AddField(
            model_name="user",
            name="email_canonical",
            field=models.CharField(editable=False, max_length=320, null=True),
        ),
        migrations.RunPython(fill_canonical_addresses, lowercase_addresses),
        migrations.AlterField(
            model_name="user",
            name="email_canonical",
            field=models.CharField(
                editable=False,
                error_messages={"unique": "Mit dieser Adresse gibt es schon ein Konto."},
                help_text=(
                    "Die Adresse in Unicode-Normalform und ohne Groß-/Kleinschreibung: "
                    "ein Konto je Postfach, wie auch immer geschrieben."
                ),
                max_length=320,
                unique=True,
                verbose_name="E-Mail-Adresse (kanonisch)",
            ),
        ),
    ]
