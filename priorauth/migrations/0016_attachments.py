"""Supporting documents (issue 14): attachments of a request, and the append-only
record of the attachments each signed packet holds (their SHA-256s).

Numbered 0016 on its branch: issue 14's other half adds its own 0015; whoever merges
second renumbers the dependency. The signed-attachment table gets the append-only
triggers (priorauth/security/db_triggers.py) and, on PostgreSQL, the app role only
SELECT and INSERT on it (priorauth/security/db_roles.py, after every migrate).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    from priorauth.security import db_triggers

    db_triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("priorauth", "0015_practice_time_zone"),
    ]

    operations = [
        migrations.CreateModel(
            name="Attachment",
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
                ("position", models.PositiveSmallIntegerField(default=0)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("imaging_report", "Imaging report"),
                            ("office_note", "Office note"),
                            ("procedure_note", "Procedure note or pain diary"),
                            ("therapy_notes", "Therapy notes"),
                            ("other", "Other"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "document_date",
                    models.DateField(verbose_name="date of the document"),
                ),
                ("original_name", models.CharField(blank=True, max_length=200)),
                (
                    "source_type",
                    models.CharField(
                        choices=[
                            ("pdf", "PDF"),
                            ("png", "PNG image"),
                            ("jpeg", "JPEG image"),
                            ("tiff", "TIFF image"),
                        ],
                        max_length=10,
                    ),
                ),
                ("storage_name", models.CharField(max_length=200, unique=True)),
                ("pages", models.PositiveIntegerField()),
                (
                    "size",
                    models.PositiveIntegerField(
                        help_text="bytes of the stored (cleaned) PDF"
                    ),
                ),
                ("sha256", models.CharField(max_length=64)),
                ("removed", models.CharField(blank=True, max_length=200)),
                ("uploaded_at", models.DateTimeField(auto_now_add=True)),
                (
                    "request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attachments",
                        to="priorauth.authrequest",
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["position", "id"],
            },
        ),
        migrations.CreateModel(
            name="SignedAttachment",
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
                ("number", models.PositiveSmallIntegerField()),
                ("kind", models.CharField(max_length=20)),
                ("document_date", models.DateField()),
                ("source_type", models.CharField(max_length=10)),
                ("pages", models.PositiveIntegerField()),
                ("sha256", models.CharField(max_length=64)),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="attachments",
                        to="priorauth.signeddocument",
                    ),
                ),
            ],
            options={
                "ordering": ["document", "number"],
            },
        ),
        # Dropping the table (the reverse) drops its triggers with it.
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
