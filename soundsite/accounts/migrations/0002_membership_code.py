from django.db import migrations, models


class Migration(migrations.Migration):
    """Add Membership.code in three steps so existing rows each get their own UUID."""

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="code",
            field=models.UUIDField(null=True, editable=False),
        ),
    ]
