"""Sessions that know whose they are (accounts.sessions), and a daily sweep of expired ones."""

from django.db import migrations, models

SWEEP = "Clear expired sessions"


def schedule_sweep(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        name=SWEEP,
        defaults={
            "func": "soundsite.accounts.tasks.clear_expired_sessions",
            "schedule_type": "D",
            "repeats": -1,
        },
    )


def unschedule_sweep(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SWEEP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_membership_code_unique"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="UserSession",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40, primary_key=True, serialize=False, verbose_name="session key"
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                ("user_id", models.BigIntegerField(db_index=True, null=True)),
            ],
            options={"db_table": "accounts_session"},
        ),
        migrations.RunPython(schedule_sweep, unschedule_sweep),
    ]
