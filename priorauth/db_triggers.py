"""Database triggers that make the audit trail and signed documents append-only.

The models already refuse save()-on-existing and delete(); these triggers also
stop QuerySet.update()/delete() and raw SQL, so a bug or a stray shell session
cannot rewrite history. Used by migration 0005_audit_immutable_triggers and
re-installed after every migrate (a SQLite table rebuild drops triggers).
"""

from __future__ import annotations

from typing import Any

PROTECTED_TABLES = ("priorauth_auditevent", "priorauth_signeddocument")


def _sqlite_statements(table: str) -> list[str]:
    return [
        f"""
        CREATE TRIGGER IF NOT EXISTS {table}_no_update
        BEFORE UPDATE ON {table}
        BEGIN
            SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused');
        END
        """,
        f"""
        CREATE TRIGGER IF NOT EXISTS {table}_no_delete
        BEFORE DELETE ON {table}
        BEGIN
            SELECT RAISE(ABORT, '{table} is append-only: DELETE refused');
        END
        """,
    ]


def _postgres_statements(table: str) -> list[str]:
    return [
        """
        CREATE OR REPLACE FUNCTION priorauth_refuse_change() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END;
        $$ LANGUAGE plpgsql
        """,
        f"DROP TRIGGER IF EXISTS {table}_no_update ON {table}",
        f"""
        CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
        FOR EACH ROW EXECUTE FUNCTION priorauth_refuse_change()
        """,
        f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}",
        f"""
        CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION priorauth_refuse_change()
        """,
    ]


def install(connection: Any) -> None:
    """Create the append-only triggers (idempotent)."""
    if connection.vendor == "sqlite":
        statements = [s for t in PROTECTED_TABLES for s in _sqlite_statements(t)]
    elif connection.vendor == "postgresql":
        statements = [s for t in PROTECTED_TABLES for s in _postgres_statements(t)]
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"no append-only triggers for {connection.vendor}")
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def uninstall(connection: Any) -> None:
    """Drop the triggers (migration reverse; test-database flushes on SQLite)."""
    with connection.cursor() as cursor:
        for table in PROTECTED_TABLES:
            for suffix in ("no_update", "no_delete"):
                if connection.vendor == "postgresql":
                    cursor.execute(
                        f"DROP TRIGGER IF EXISTS {table}_{suffix} ON {table}"
                    )
                else:
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix}")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS priorauth_refuse_change()")


def installed(connection: Any) -> set[str]:
    """Names of the append-only triggers present in the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s",
                ["priorauth_%_no_%"],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s",
                ["priorauth_%_no_%"],
            )
        return {row[0] for row in cursor.fetchall()}
