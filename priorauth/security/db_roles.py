"""PostgreSQL: the app role may add to the audit trail but never rewrite it.

Production runs two roles (SECURITY.md, "Database roles"): the owner, which
runs ``migrate`` and owns every table, and the app role, which serves requests
and owns nothing. With ``PRIORAUTH_DB_APP_ROLE`` set, every ``migrate`` (run as
the owner) ends by granting the app role exactly what it needs:

* SELECT, INSERT, UPDATE, DELETE on every table in the schema, and USAGE, SELECT
  and UPDATE (setval) on the sequences;
* only SELECT and INSERT on the append-only tables (no UPDATE, DELETE or TRUNCATE;
  not owning them, it cannot drop or disable their triggers either), and no
  setval on their id sequences;
* only SELECT on ``django_migrations``.

Re-applied after every migrate, so a table added later is covered too. SQLite has
no roles; there the triggers (``priorauth.security.db_triggers``) are the whole guard.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from priorauth.security.db_triggers import existing_tables

READ_ONLY_TABLES = ("django_migrations",)


def app_role_grant(*, connection: Any, role: str) -> None:
    """Give ``role`` the app's privileges in the connection's schema (idempotent)."""
    if connection.vendor != "postgresql" or not role:
        return
    quote = connection.ops.quote_name
    app = quote(role)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = quote(cursor.fetchone()[0])
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {app}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} "
            f"TO {app}"
        )
        # UPDATE on a sequence is setval(), which loaddata runs after loading rows.
        cursor.execute(
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {app}"
        )
        tables = existing_tables(connection)
        append_only = ", ".join(quote(t) for t in tables)
        cursor.execute(f"REVOKE ALL ON {append_only} FROM {app}")
        cursor.execute(f"GRANT SELECT, INSERT ON {append_only} TO {app}")
        for table in tables:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]  # already quoted as needed
            cursor.execute(f"REVOKE UPDATE ON SEQUENCE {sequence} FROM {app}")
        read_only = ", ".join(quote(t) for t in READ_ONLY_TABLES)
        cursor.execute(f"REVOKE ALL ON {read_only} FROM {app}")
        cursor.execute(f"GRANT SELECT ON {read_only} TO {app}")


@receiver(post_migrate, dispatch_uid="priorauth_app_role_grants")
def _grant_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    if getattr(sender, "name", "") != "priorauth":
        return
    from django.conf import settings
    from django.db import connections

    app_role_grant(connection=connections[using], role=settings.PRIORAUTH_DB_APP_ROLE)
