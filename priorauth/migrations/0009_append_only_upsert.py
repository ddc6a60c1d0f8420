"""Refuse REPLACE / INSERT OR REPLACE on SQLite and TRUNCATE on PostgreSQL.

Adds the SQLite BEFORE INSERT trigger that aborts an insert over an existing id,
and the PostgreSQL statement-level BEFORE TRUNCATE trigger, on the audit and
signed-document tables (see priorauth/security/db_triggers.py).
"""

from django.db import migrations

NEW_TRIGGERS = {
    "sqlite": ("_no_replace",),
    "postgresql": ("_no_truncate",),
}


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    from priorauth.security import db_triggers

    db_triggers.install(schema_editor.connection)


def uninstall(apps, schema_editor):  # type: ignore[no-untyped-def]
    from priorauth.security import db_triggers

    connection = schema_editor.connection
    db_triggers.uninstall(
        connection,
        [
            f"{table}{suffix}"
            for table in db_triggers.PROTECTED_TABLES
            for suffix in NEW_TRIGGERS[connection.vendor]
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("priorauth", "0008_request_rationales"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
