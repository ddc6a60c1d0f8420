"""Revoked physician signing certificates, append-only like the audit trail.

A physician who sets up a new signing key (after an admin reset their password, or
to replace an unencrypted key from before issue 12) revokes the old certificate;
validation then reports documents it signed as "signed with a certificate revoked on
<date> (<reason>)". The table gets the append-only triggers
(priorauth/security/db_triggers.py).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    from priorauth.security import db_triggers

    db_triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("priorauth", "0013_drop_block_responses"),
    ]

    operations = [
        migrations.CreateModel(
            name="RevokedCertificate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                (
                    "serial",
                    models.CharField(
                        db_index=True, help_text="hexadecimal", max_length=64
                    ),
                ),
                (
                    "revoked_at",
                    models.DateTimeField(default=django.utils.timezone.now),
                ),
                (
                    "reason",
                    models.CharField(
                        choices=[("superseded", "superseded by a new signing key")],
                        max_length=20,
                    ),
                ),
                (
                    "practice",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="priorauth.practice",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-revoked_at"],
            },
        ),
        # Dropping the table (the reverse) drops its triggers with it.
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
