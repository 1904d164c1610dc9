"""The first synonyms and spellings, and SQLite's vocabulary for typo tolerance.

PostgreSQL has had ``community_searchword`` since community 0006; SQLite gets
the same table here (words of the documents, names left out), which its backend
compares typed words with through rapidfuzz. ``rebuild_search_index`` fills it.
"""

from django.db import migrations

SYNONYMS = [
    ("E-Akte, elektronische Akte, eAkte, DMS, Dokumentenmanagement", "Fachgebiet"),
    ("OZG, Onlinezugangsgesetz", "Gesetz"),
    ("XRechnung, X-Rechnung", "Standard"),
    ("E-Rechnung, elektronische Rechnung", "Prozess"),
    ("enaio, Optimal Systems", "Hersteller und Produkt"),
    ("d.velop, dvelop, d3", "Hersteller und Produkt"),
    ("regisafe, regisafe IQ", "Produkt"),
    ("VIS-Suite, VIS Suite", "Produkt"),
    ("nscale, Ceyoniq", "Hersteller und Produkt"),
    ("Videosprechstunde, Videoberatung", "Prozess"),
]
SQLITE_FORWARD = ["CREATE TABLE IF NOT EXISTS community_searchword (word text PRIMARY KEY)"]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS community_searchword"]


def seed(apps, schema_editor):
    synonym = apps.get_model("directory", "SearchSynonym")
    for variants, note in SYNONYMS:
        synonym.objects.get_or_create(variants=variants, defaults={"note": note})


def vocabulary(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_search_synonyms"),
        ("community", "0015_user_photo"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(vocabulary(SQLITE_FORWARD), vocabulary(SQLITE_BACKWARD)),
    ]
