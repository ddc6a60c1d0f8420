"""Database triggers that make the audit trail and signed documents append-only.

The models already refuse save()-on-existing and delete(); these triggers also
stop QuerySet.update()/delete() and raw SQL, so a bug or a stray shell session
cannot rewrite history:

* SQLite: BEFORE UPDATE and BEFORE DELETE abort, and a BEFORE INSERT trigger aborts
  an insert whose id already exists. That last one catches ``REPLACE`` and
  ``INSERT OR REPLACE``: their conflict resolution deletes the old row without
  firing delete triggers (unless ``PRAGMA recursive_triggers`` is on, which a
  stray ``sqlite3`` shell never sets). ``INSERT ... ON CONFLICT DO UPDATE`` meets
  the same BEFORE INSERT trigger first, and the BEFORE UPDATE trigger behind it.
* PostgreSQL: BEFORE UPDATE and BEFORE DELETE row triggers (they also stop
  ``ON CONFLICT DO UPDATE`` and ``MERGE``) and a statement-level BEFORE TRUNCATE
  trigger (TRUNCATE fires no row triggers). The app role is also denied
  UPDATE/DELETE/TRUNCATE on the two tables (``security.db_roles``), so only the
  table owner could drop the triggers.

Created by migrations 0005_audit_immutable_triggers and 0009_append_only_upsert (the
revoked-certificate table's by 0014_revoked_certificate, the signed-attachment
table's by 0016_attachments, the denials' by 0019_denials_and_appeals) and
re-installed after every
migrate (a SQLite table rebuild drops triggers).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

PROTECTED_TABLES = (
    "priorauth_auditevent",
    "priorauth_signeddocument",
    "priorauth_revokedcertificate",
    "priorauth_signedattachment",
    "priorauth_denial",
    "priorauth_denialreason",
)


def _sqlite_triggers(table: str) -> dict[str, str]:
    return {
        f"{table}_no_update": f"""
        CREATE TRIGGER IF NOT EXISTS {table}_no_update
        BEFORE UPDATE ON {table}
        BEGIN
            SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused');
        END
        """,
        f"{table}_no_delete": f"""
        CREATE TRIGGER IF NOT EXISTS {table}_no_delete
        BEFORE DELETE ON {table}
        BEGIN
            SELECT RAISE(ABORT, '{table} is append-only: DELETE refused');
        END
        """,
        # The id is the tables' only UNIQUE key (tests/test_append_only.py checks).
        f"{table}_no_replace": f"""
        CREATE TRIGGER IF NOT EXISTS {table}_no_replace
        BEFORE INSERT ON {table}
        WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id)
        BEGIN
            SELECT RAISE(ABORT, '{table} is append-only: REPLACE refused');
        END
        """,
    }


_POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION priorauth_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
"""


def _postgres_triggers(table: str) -> dict[str, str]:
    return {
        f"{table}_no_update": f"""
        CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
        FOR EACH ROW EXECUTE FUNCTION priorauth_refuse_change()
        """,
        f"{table}_no_delete": f"""
        CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION priorauth_refuse_change()
        """,
        f"{table}_no_truncate": f"""
        CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION priorauth_refuse_change()
        """,
    }


def _triggers(vendor: str) -> dict[str, tuple[str, str]]:
    """Trigger name -> (table, CREATE statement) for the database vendor."""
    if vendor == "sqlite":
        build = _sqlite_triggers
    elif vendor == "postgresql":
        build = _postgres_triggers
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"no append-only triggers for {vendor}")
    return {
        name: (table, sql)
        for table in PROTECTED_TABLES
        for name, sql in build(table).items()
    }


def existing_tables(connection: Any) -> list[str]:
    """The protected tables the database has so far (a migration that runs before
    the one creating a table must not fail on it; the next migrate covers it)."""
    present = set(connection.introspection.table_names())
    return [table for table in PROTECTED_TABLES if table in present]


def install(connection: Any) -> None:
    """Create the append-only triggers on every protected table present (idempotent)."""
    tables = existing_tables(connection)
    triggers = {
        name: (table, sql)
        for name, (table, sql) in _triggers(connection.vendor).items()
        if table in tables
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRES_FUNCTION)
            for name, (table, sql) in triggers.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(sql)
        else:
            for _table, sql in triggers.values():
                cursor.execute(sql)


def uninstall(connection: Any, names: Iterable[str] | None = None) -> None:
    """Drop the triggers, or only ``names`` (migration reverses; test-database flushes).

    Dropping everything also drops the PostgreSQL trigger function.
    """
    triggers = _triggers(connection.vendor)
    chosen = list(triggers) if names is None else list(names)
    tables = existing_tables(connection)
    with connection.cursor() as cursor:
        for name in chosen:
            table = triggers[name][0]
            if table not in tables:
                continue
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        if connection.vendor == "postgresql" and names is None:
            cursor.execute("DROP FUNCTION IF EXISTS priorauth_refuse_change()")


def installed(connection: Any) -> set[str]:
    """Names of the append-only triggers present in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger"
                " WHERE NOT tgisinternal AND tgname LIKE %s",
                ["priorauth_%_no_%"],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master"
                " WHERE type = 'trigger' AND name LIKE %s",
                ["priorauth_%_no_%"],
            )
        return {row[0] for row in cursor.fetchall()}
