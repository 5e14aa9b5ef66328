import uuid

from django.db import migrations


def fill_codes(apps, schema_editor):
    Membership = apps.get_model("accounts", "Membership")
    for membership in Membership.objects.filter(code__isnull=True).only("pk"):
        Membership.objects.filter(pk=membership.pk).update(code=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_membership_code"),
    ]

    operations = [
        migrations.RunPython(fill_codes, migrations.RunPython.noop, elidable=True),
    ]
