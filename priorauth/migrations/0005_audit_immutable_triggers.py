"""Block UPDATE and DELETE on the audit trail and on signed documents, in the database."""

from django.db import migrations


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    from priorauth.security import db_triggers

    db_triggers.install(schema_editor.connection)


def uninstall(apps, schema_editor):  # type: ignore[no-untyped-def]
    from priorauth.security import db_triggers

    db_triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("priorauth", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
