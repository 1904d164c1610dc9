"""Forum search structures per vendor (see forum/search.py) and the first categories."""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS forum_post_search_gin ON forum_post USING gin (search_vector)",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS forum_post_search_gin"]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS forum_post_fts"
    " USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS forum_post_fts"]

CATEGORIES = [
    ("ankuendigungen", "Ankündigungen", "Neuigkeiten aus dem Netzwerk.", True),
    ("e-akte", "E-Akte", "Einführung und Betrieb der elektronischen Akte.", False),
    ("tools-software", "Tools & Software", "Erfahrungen mit Werkzeugen und Produkten.", False),
    ("prozesse", "Prozesse", "Prozessdigitalisierung und -optimierung.", False),
    ("schulung", "Schulung", "Qualifizierung von Beschäftigten und Lotsen.", False),
    ("austausch", "Austausch der Lotsen", "Alles andere unter Kolleginnen und Kollegen.", False),
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return apply


def load_categories(apps, schema_editor):
    Category = apps.get_model("forum", "Category")
    for position, (slug, name, description, moderators_only) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "position": position,
                "moderators_only_threads": moderators_only,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("forum", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
        migrations.RunPython(load_categories, migrations.RunPython.noop),
    ]
