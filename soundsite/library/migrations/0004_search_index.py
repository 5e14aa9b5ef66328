"""Word search over tracks: FTS5 with triggers on SQLite, a GIN full-text index on PostgreSQL."""

from django.db import migrations


def create(apps, schema_editor):
    from soundsite.library.search import create_search_index

    create_search_index(schema_editor)


def drop(apps, schema_editor):
    from soundsite.library.search import drop_search_index

    drop_search_index(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("library", "0003_organise_and_share")]

    operations = [migrations.RunPython(create, drop)]
