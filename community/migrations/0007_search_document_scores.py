"""Placeholder: the denormalised search-document columns land here (issue 3)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("community", "0006_search_vocabulary")]

    operations = []
