"""The audit trail, signed documents and certificate revocations are append-only in
the database itself.

One test per statement form and database: each tries to rewrite or remove an existing
audit row, an existing signed PDF and an existing revocation, and checks that the
statement is refused and the row is unchanged. Tests for one database skip on the other.

On PostgreSQL CI runs the whole suite as the app role, which does not own the tables
(see SECURITY.md, "Database roles"): the app role is stopped by its missing
privileges, and the table owner, which has every privilege, by the triggers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from priorauth.models import (
    AuditEvent,
    Denial,
    DenialReason,
    RevokedCertificate,
    SignedAttachment,
    SignedDocument,
)
from priorauth.security import db_triggers
from priorauth.security.audit import audit_log
from tests.security_data import make_request

# Table -> (column to forge, forged value). The signed document keeps its hash; only
# the PDF bytes change, the attack issue 12 reproduced by hand.
FORGERIES: dict[str, tuple[str, Any]] = {
    "priorauth_auditevent": ("detail", "forged"),
    "priorauth_signeddocument": ("pdf", b"%PDF-1.7 forged"),
    # "Un-revoking" a physician's old certificate by changing the serial revoked.
    "priorauth_revokedcertificate": ("serial", "0"),
    # Swapping the recorded SHA-256 of a signed packet's attachment.
    "priorauth_signedattachment": ("sha256", "f" * 64),
    # A payer's denial and the criteria it cites (issue 15): the appeal answers them.
    "priorauth_denial": ("reason_text", "forged"),
    "priorauth_denialreason": ("code", "FAC-999"),
}
TABLES = sorted(FORGERIES)

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite statement form"
)
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL statement form"
)


@pytest.fixture
def rows(practice, patient, physician_user) -> dict[str, int]:  # type: ignore[no-untyped-def]
    event = audit_log(user=physician_user, action="probe", detail="original")
    document = SignedDocument.objects.create(
        request=make_request(practice, patient),
        revision=1,
        signer=physician_user,
        printed_name="Dana Phys",
        credentials="MD",
        npi="1234567893",
        signed_at=timezone.now(),
        meaning="author",
        pdf=b"%PDF-1.7 original",
        sha256="0" * 64,
    )
    revocation = RevokedCertificate.objects.create(
        practice=practice, user=physician_user, serial="1f2e3d", reason="superseded"
    )
    attachment = SignedAttachment.objects.create(
        document=document,
        number=1,
        kind="office_note",
        document_date=timezone.localdate(),
        source_type="pdf",
        pages=1,
        sha256="0" * 64,
    )
    denial = Denial.objects.create(
        request=document.request,
        decided_on=timezone.localdate(),
        channel="fax",
        reason_text="original",
        recorded_by=physician_user,
    )
    reason = DenialReason.objects.create(denial=denial, code="FAC-001")
    return {
        "priorauth_auditevent": event.pk,
        "priorauth_signeddocument": document.pk,
        "priorauth_revokedcertificate": revocation.pk,
        "priorauth_signedattachment": attachment.pk,
        "priorauth_denial": denial.pk,
        "priorauth_denialreason": reason.pk,
    }


def _snapshot(table: str) -> list[tuple[Any, ...]]:
    """Every row of the table, binary values as bytes (psycopg returns memoryview)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")
        return [
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
            for row in cursor.fetchall()
        ]


def _forged_row(table: str, pk: int) -> tuple[list[str], list[Any]]:
    """Column names and values of row ``pk`` with the forged value swapped in."""
    column, forged = FORGERIES[table]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
        names = [d[0] for d in cursor.description]
        values = list(cursor.fetchone())
    values[names.index(column)] = forged
    return names, values


def _insert_sql(verb: str, table: str, names: list[str], tail: str = "") -> str:
    placeholders = ", ".join(["%s"] * len(names))
    return f"{verb} {table} ({', '.join(names)}) VALUES ({placeholders}){tail}"


def _refused(sql: str, params: list[Any] | None = None) -> str:
    """Run one statement that must fail; return the database's message."""
    with (
        pytest.raises(DatabaseError) as excinfo,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)
    return str(excinfo.value)


def _assert_refused_and_unchanged(
    table: str, sql: str, params: list[Any] | None = None, *, by: str = "append-only"
) -> str:
    before = _snapshot(table)
    message = _refused(sql, params)
    assert by in message, message  # the guard refused it, not some other constraint
    assert _snapshot(table) == before
    return message


# --------------------------------------------------------------------------- SQLite


@sqlite_only
@pytest.mark.parametrize("table", TABLES)
def test_sqlite_refuses_update(rows, table):
    column, forged = FORGERIES[table]
    _assert_refused_and_unchanged(
        table, f"UPDATE {table} SET {column} = %s WHERE id = %s", [forged, rows[table]]
    )


@sqlite_only
@pytest.mark.parametrize("table", TABLES)
def test_sqlite_refuses_delete(rows, table):
    _assert_refused_and_unchanged(
        table, f"DELETE FROM {table} WHERE id = %s", [rows[table]]
    )


@sqlite_only
@pytest.mark.parametrize("table", TABLES)
def test_sqlite_refuses_replace_into(rows, table):
    """REPLACE deletes the old row without firing delete triggers (recursive_triggers
    is off), so only a BEFORE INSERT trigger can see it."""
    names, values = _forged_row(table, rows[table])
    _assert_refused_and_unchanged(
        table, _insert_sql("REPLACE INTO", table, names), values
    )


@sqlite_only
@pytest.mark.parametrize("table", TABLES)
def test_sqlite_refuses_insert_or_replace(rows, table):
    names, values = _forged_row(table, rows[table])
    _assert_refused_and_unchanged(
        table, _insert_sql("INSERT OR REPLACE INTO", table, names), values
    )


@sqlite_only
@pytest.mark.parametrize("table", TABLES)
def test_sqlite_refuses_upsert_do_update(rows, table):
    column = FORGERIES[table][0]
    names, values = _forged_row(table, rows[table])
    sql = _insert_sql(
        "INSERT INTO",
        table,
        names,
        f" ON CONFLICT(id) DO UPDATE SET {column} = excluded.{column}",
    )
    _assert_refused_and_unchanged(table, sql, values)


@sqlite_only
@pytest.mark.parametrize("table", TABLES)
def test_sqlite_update_trigger_alone_stops_upsert_do_update(rows, table):
    """The BEFORE INSERT trigger fires first; without it, ON CONFLICT DO UPDATE still
    meets the BEFORE UPDATE trigger (defence in depth, checked, not assumed)."""
    column = FORGERIES[table][0]
    names, values = _forged_row(table, rows[table])
    sql = _insert_sql(
        "INSERT INTO",
        table,
        names,
        f" ON CONFLICT(id) DO UPDATE SET {column} = excluded.{column}",
    )
    with transaction.atomic():  # rolled back with the test: the trigger comes back
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER {table}_no_replace")
        message = _assert_refused_and_unchanged(table, sql, values)
    assert "UPDATE refused" in message


@sqlite_only
@pytest.mark.parametrize("table", TABLES)
def test_sqlite_refuses_update_or_replace(rows, table):
    column, forged = FORGERIES[table]
    _assert_refused_and_unchanged(
        table,
        f"UPDATE OR REPLACE {table} SET {column} = %s WHERE id = %s",
        [forged, rows[table]],
    )


@sqlite_only
@pytest.mark.parametrize("table", TABLES)
def test_sqlite_the_id_is_the_only_unique_key(db, table):
    """REPLACE also deletes rows that clash on any other UNIQUE key, which the
    BEFORE INSERT trigger (it looks up the id) would not see. Add such a key only
    together with a trigger that checks it."""
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA index_list({table})")
        unique = [row[1] for row in cursor.fetchall() if row[2]]
    assert unique == [], unique


def test_new_rows_are_still_inserted(rows, physician_user):
    audit_log(user=physician_user, action="second")
    assert AuditEvent.objects.count() == 2
    assert SignedDocument.objects.count() == 1


# --------------------------------------------------------------------------- PostgreSQL


def _table_owner(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableowner FROM pg_tables WHERE tablename = %s", [table])
        return cursor.fetchone()[0]


def _roles() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, session_user")
        return cursor.fetchone()


@contextmanager
def _as_table_owner(table: str) -> Iterator[None]:
    """Inside a savepoint, drop back from the app role (SET ROLE) to the login role
    when that login owns the table; the savepoint's rollback restores the app role.
    Skips when the session cannot become the owner (a direct app-role login)."""
    current, session = _roles()
    if session != _table_owner(table):
        pytest.skip("this session cannot act as the table owner")
    savepoint = transaction.savepoint()
    with connection.cursor() as cursor:
        cursor.execute("SET ROLE NONE")
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)
    assert _roles()[0] == current  # back to the app role


def _pg_refused_by_everyone(
    table: str, sql: str, params: list[Any] | None = None
) -> None:
    """Refused for the connection's role (the app role in CI: missing privilege, or the
    trigger), and for the table owner (the trigger: the owner has every privilege)."""
    with connection.cursor() as cursor:
        # Run the deferred foreign-key checks of the fixture's inserts now: with
        # checks pending, PostgreSQL refuses TRUNCATE before any trigger could.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    before = _snapshot(table)
    message = _refused(sql, params)
    assert "append-only" in message or "permission denied" in message, message
    assert _snapshot(table) == before
    with _as_table_owner(table):
        owner_message = _refused(sql, params)
    assert "append-only" in owner_message, owner_message
    assert _snapshot(table) == before


@postgres_only
@pytest.mark.parametrize("table", TABLES)
def test_postgres_refuses_update(rows, table):
    column, forged = FORGERIES[table]
    _pg_refused_by_everyone(
        table, f"UPDATE {table} SET {column} = %s WHERE id = %s", [forged, rows[table]]
    )


@postgres_only
@pytest.mark.parametrize("table", TABLES)
def test_postgres_refuses_delete(rows, table):
    _pg_refused_by_everyone(table, f"DELETE FROM {table} WHERE id = %s", [rows[table]])


@postgres_only
@pytest.mark.parametrize("table", TABLES)
def test_postgres_refuses_truncate(rows, table):
    """TRUNCATE fires no row triggers: a statement-level BEFORE TRUNCATE trigger.

    With CASCADE: a signed document is referenced by its signed attachments, and a
    plain TRUNCATE of a referenced table stops at the foreign key before any trigger
    runs; CASCADE gets past that, so it is the form that must meet the trigger."""
    _pg_refused_by_everyone(table, f"TRUNCATE {table} CASCADE")


@postgres_only
@pytest.mark.parametrize("table", TABLES)
def test_postgres_refuses_truncate_cascading_from_a_referenced_table(rows, table):
    _pg_refused_by_everyone(table, "TRUNCATE priorauth_practice CASCADE")


@postgres_only
@pytest.mark.parametrize("table", TABLES)
def test_postgres_refuses_upsert_do_update(rows, table):
    column = FORGERIES[table][0]
    names, values = _forged_row(table, rows[table])
    sql = _insert_sql(
        "INSERT INTO",
        table,
        names,
        f" ON CONFLICT (id) DO UPDATE SET {column} = EXCLUDED.{column}",
    )
    _pg_refused_by_everyone(table, sql, values)


@postgres_only
@pytest.mark.parametrize("table", TABLES)
def test_postgres_refuses_merge(rows, table):
    column, forged = FORGERIES[table]
    for action in (f"UPDATE SET {column} = %s", "DELETE"):
        params = [rows[table], forged] if "%s" in action else [rows[table]]
        _pg_refused_by_everyone(
            table,
            f"MERGE INTO {table} t USING (SELECT %s::bigint AS id) s ON t.id = s.id "
            f"WHEN MATCHED THEN {action}",
            params,
        )


# ------------------------------------------------------------------ the app role


def _app_role() -> str:
    role = os.environ.get("PRIORAUTH_DB_APP_ROLE", "")
    if connection.vendor != "postgresql" or not role:
        pytest.skip("no PostgreSQL app role configured (PRIORAUTH_DB_APP_ROLE)")
    return role


def test_ci_runs_postgres_as_the_app_role(db):
    """CI sets PRIORAUTH_REQUIRE_APP_ROLE=1: no silent fallback to the owner."""
    if os.environ.get("PRIORAUTH_REQUIRE_APP_ROLE") != "1":
        pytest.skip("only CI requires the app role")
    assert connection.vendor == "postgresql"
    assert _roles()[0] == _app_role()


@pytest.mark.parametrize("table", TABLES)
def test_the_app_role_neither_owns_nor_may_rewrite_the_tables(db, table):
    role = _app_role()
    assert _roles()[0] == role
    assert _table_owner(table) != role
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles"
            " WHERE rolname = %s",
            [role],
        )
        assert cursor.fetchone() == (False, False, False)
        # Not a member of the owner either (it could SET ROLE to it).
        cursor.execute(
            "SELECT pg_has_role(%s, %s, 'MEMBER')", [role, _table_owner(table)]
        )
        assert cursor.fetchone()[0] is False
        for privilege, allowed in (
            ("SELECT", True),
            ("INSERT", True),
            ("UPDATE", False),
            ("DELETE", False),
            ("TRUNCATE", False),
            ("TRIGGER", False),
            ("REFERENCES", False),
        ):
            cursor.execute(
                "SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege]
            )
            assert cursor.fetchone()[0] is allowed, privilege
        cursor.execute(
            "SELECT has_sequence_privilege(%s, pg_get_serial_sequence(%s, 'id'), %s)",
            [role, table, "UPDATE"],
        )
        assert cursor.fetchone()[0] is False  # no setval() on the audit ids


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize(
    "statement",
    [
        "DROP TRIGGER {table}_no_update ON {table}",
        "DROP TRIGGER {table}_no_truncate ON {table}",
        "ALTER TABLE {table} DISABLE TRIGGER ALL",
        "ALTER TABLE {table} DISABLE TRIGGER {table}_no_delete",
        "DROP TABLE {table} CASCADE",
        "ALTER TABLE {table} RENAME TO {table}_old",
        "CREATE OR REPLACE FUNCTION priorauth_refuse_change() RETURNS trigger "
        "AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql",
    ],
    ids=[
        "drop-trigger",
        "drop-truncate-trigger",
        "disable-triggers",
        "disable-one-trigger",
        "drop-table",
        "rename-table",
        "replace-trigger-function",
    ],
)
def test_the_app_role_cannot_remove_the_guards(rows, table, statement):
    _app_role()
    message = _refused(statement.format(table=table))
    assert "must be owner" in message or "permission denied" in message, message
    assert db_triggers.installed(connection) >= {
        f"{table}_no_update",
        f"{table}_no_delete",
        f"{table}_no_truncate",
    }
