"""A provider's identities remember the issuer that named their subject.

A subject is unique only within its issuer: when a municipality's connection moves
to another issuer, an old subject must not sign in someone else. Existing
identities came from their provider's current issuer.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def issuer_of_provider(apps, schema_editor):
    OidcIdentity = apps.get_model("community", "OidcIdentity")
    OidcProvider = apps.get_model("community", "OidcProvider")
    OidcIdentity.objects.update(
        issuer=Subquery(OidcProvider.objects.filter(pk=OuterRef("provider_id")).values("issuer")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0021_oidcprovider_pending_proposal"),
    ]

    operations = [
        migrations.AddField(
            model_name="oidcidentity",
            name="issuer",
            field=models.CharField(default="", max_length=500, verbose_name="Aussteller (Issuer)"),
            preserve_default=False,
        ),
        migrations.RunPython(issuer_of_provider, migrations.RunPython.noop, elidable=True),
        migrations.RemoveConstraint(
            model_name="oidcidentity",
            name="oidcidentity_one_member_per_subject",
        ),
        migrations.AddConstraint(
            model_name="oidcidentity",
            constraint=models.UniqueConstraint(
                fields=("provider", "issuer", "subject"),
                name="oidcidentity_one_member_per_issuer_subject",
            ),
        ),
    ]
