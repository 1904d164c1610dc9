from django.db import migrations

from community.taxonomy import EXPERTISE_TAXONOMY


def load(apps, schema_editor):
    Expertise = apps.get_model("community", "Expertise")
    for position, (slug, name, description) in enumerate(EXPERTISE_TAXONOMY):
        Expertise.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("community", "0003_search_backends")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
