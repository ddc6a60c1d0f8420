"""The suite runs on SQLite and on PostgreSQL; CI must not fall back silently."""

import os

from django.db import connection


def test_it_runs_on_the_database_ci_asked_for(db):
    if os.environ.get("PRIORAUTH_REQUIRE_POSTGRES") == "1":
        assert connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            assert cursor.fetchone()[0].startswith("15")
    else:
        assert connection.vendor in ("sqlite", "postgresql")


def test_sqlite_uses_wal_foreign_keys_and_immediate_transactions(db):
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in connection.settings_dict["OPTIONS"]["init_command"]
