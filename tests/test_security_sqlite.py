"""SQLite as configured: WAL, foreign keys, IMMEDIATE transactions; 20 writers never see "locked"."""

from __future__ import annotations

import threading

import pytest

from django.db import OperationalError, connection, connections, transaction

THREADS = 20


@pytest.fixture
def file_db(tmp_path, django_db_blocker):  # type: ignore[no-untyped-def]
    """A throwaway on-disk database with exactly the settings the app uses.

    Not the test database: a separate file, so threads can open their own connections.
    """
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only settings")
    from priorauth import settings as app_settings

    django_db_blocker.unblock()
    request_blocker_restore = django_db_blocker.restore

    alias = "concurrency_probe"
    config = dict(connections["default"].settings_dict)
    config.update(
        NAME=str(tmp_path / "probe.sqlite3"),
        OPTIONS=dict(app_settings.DATABASES["default"]["OPTIONS"]),
    )
    connections.settings[alias] = config
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(
                "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"
            )
            cursor.execute("INSERT INTO counter (id, n) VALUES (1, 0)")
        yield alias
    finally:
        connections[alias].close()
        del connections.settings[alias]
        if hasattr(connections._connections, alias):
            delattr(connections._connections, alias)
        request_blocker_restore()


def test_pragmas_on_connect(file_db):
    with connections[file_db].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
    assert (
        connections[file_db].settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    )


def test_twenty_read_then_write_transactions_never_fail_with_locked(file_db):
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def worker() -> None:
        try:
            start.wait()
            for _ in range(5):
                with (
                    transaction.atomic(using=file_db),
                    connections[file_db].cursor() as cursor,
                ):
                    cursor.execute("SELECT n FROM counter WHERE id = 1")
                    (n,) = cursor.fetchone()
                    cursor.execute("UPDATE counter SET n = %s WHERE id = 1", [n + 1])
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections[file_db].close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not [e for e in errors if isinstance(e, OperationalError)], errors
    assert not errors, errors
    with connections[file_db].cursor() as cursor:
        cursor.execute("SELECT n FROM counter WHERE id = 1")
        # Read-then-write under IMMEDIATE is serialised: no lost updates either.
        assert cursor.fetchone()[0] == THREADS * 5
