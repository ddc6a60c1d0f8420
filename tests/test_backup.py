"""Encrypted backups and the restore drill (quality.md P13, security test list 32).

The drill: sign a packet, back up the database and the signing keys, restore both
into an empty database and an empty key directory (``manage.py restore`` in a
fresh process, pointed at them as an operator would), then check the restored
copy: integrity, the row count of every table, and the signed PDF validating
against the restored practice CA. SQLite always; PostgreSQL when DATABASE_URL is.
"""

from __future__ import annotations

import io
import os
import sqlite3
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from priorauth import models as m
from priorauth import services
from priorauth.ops import backup, backup_crypto
from priorauth.packet import signing
from tests.conftest import PASSWORD, ROOT, _as_table_owner
from tests.packet_factory import make_request
from tests.signing_helpers import review_of

KEY = backup_crypto.generate_key()
KEYS_KEY = backup_crypto.generate_key()


# ------------------------------------------------------------------------- file format


def _seal(data: bytes, key: bytes, manifest: dict | None = None) -> bytes:  # type: ignore[type-arg]
    out = io.BytesIO()
    writer = backup_crypto.EncryptedWriter(out, key, manifest or {"kind": "test"})
    for i in range(0, len(data), 7_000):  # writes of any size
        writer.write(data[i : i + 7_000])
    writer.close()
    return out.getvalue()


def _open(sealed: bytes, key: bytes) -> tuple[dict, bytes]:  # type: ignore[type-arg]
    reader = backup_crypto.EncryptedReader(io.BytesIO(sealed), key)
    return reader.manifest, b"".join(reader.chunks())


@pytest.fixture
def small_chunks(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(backup_crypto, "CHUNK_BYTES", 4096)


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 3 * 4096, 50_000])
def test_it_round_trips_any_length(small_chunks, size):
    key = backup_crypto.parse_key(KEY)
    data = os.urandom(size)
    manifest, plain = _open(_seal(data, key, {"kind": "x", "n": size}), key)
    assert plain == data and manifest == {"kind": "x", "n": size}


def test_nothing_but_the_format_header_is_readable(small_chunks):
    key = backup_crypto.parse_key(KEY)
    marker = b"Synthetic, Sam 1958-03-14 ZZT900000001 " * 300
    sealed = _seal(marker, key, {"kind": "sqlite", "tables": {"priorauth_patient": 7}})
    assert b"Synthetic" not in sealed and b"priorauth_patient" not in sealed
    assert sealed.startswith(b"PRIORAUTH-BACKUP")


def test_any_changed_byte_is_refused(small_chunks):
    key = backup_crypto.parse_key(KEY)
    sealed = _seal(os.urandom(10_000), key)
    # The version, salt and key id, then a byte in each record (lengths included).
    for index in [16, 17, 40, 60, 64, 70, 200, 4_500, len(sealed) - 1]:
        damaged = bytearray(sealed)
        damaged[index] ^= 0x01
        with pytest.raises(backup_crypto.BackupError):
            _open(bytes(damaged), key)


def test_a_truncated_reordered_or_extended_file_is_refused(small_chunks):
    key = backup_crypto.parse_key(KEY)
    sealed = _seal(os.urandom(3 * 4096 + 10), key)
    header = backup_crypto.HEADER.size
    records, rest = [], sealed[header:]
    while rest:
        length = int.from_bytes(rest[:4], "big") + 4
        records.append(rest[:length])
        rest = rest[length:]
    assert len(records) == 5  # manifest + 4 data records
    cut = sealed[:header] + b"".join(records[:-1])
    swapped = sealed[:header] + b"".join(
        [records[0], records[2], records[1], *records[3:]]
    )
    for bad in (cut, swapped, sealed + b"\0", sealed[: header + 2]):
        with pytest.raises(backup_crypto.BackupError):
            _open(bad, key)


def test_the_wrong_key_is_named_as_such():
    sealed = _seal(b"data", backup_crypto.parse_key(KEY))
    other = backup_crypto.parse_key(backup_crypto.generate_key())
    with pytest.raises(backup_crypto.BackupError, match="made with the key"):
        _open(sealed, other)


@pytest.mark.parametrize("text", ["", "short", "x" * 44, KEY[:-4]])
def test_a_malformed_key_is_refused(text):
    with pytest.raises(backup_crypto.BackupError, match="32 bytes"):
        backup_crypto.parse_key(text)


def test_the_key_can_come_from_a_file(tmp_path):
    path = tmp_path / "backup.key"
    path.write_text(KEY + "\n")
    env = {"PRIORAUTH_BACKUP_KEY_FILE": str(path)}
    assert backup.key_from_env("PRIORAUTH_BACKUP_KEY", env) == backup_crypto.parse_key(
        KEY
    )


# --------------------------------------------------------------------------- commands


def test_backup_refuses_to_run_without_a_key_and_writes_nothing(
    db, tmp_path, monkeypatch
):
    monkeypatch.delenv("PRIORAUTH_BACKUP_KEY", raising=False)
    monkeypatch.delenv("PRIORAUTH_BACKUP_KEY_FILE", raising=False)
    with pytest.raises(CommandError, match="PRIORAUTH_BACKUP_KEY"):
        call_command("backup", output=str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_signing_keys_need_their_own_key(tmp_path, monkeypatch, settings):
    settings.PRIORAUTH_KEY_DIR = tmp_path / "keys"
    monkeypatch.setenv("PRIORAUTH_BACKUP_KEY", KEY)
    monkeypatch.delenv("PRIORAUTH_SIGNING_KEYS_BACKUP_KEY", raising=False)
    with pytest.raises(CommandError, match="PRIORAUTH_SIGNING_KEYS_BACKUP_KEY"):
        call_command("backup", signing_keys=True, output=str(tmp_path / "k.pab"))
    assert not (tmp_path / "k.pab").exists()


# --------------------------------------------------------------------------- the drill


def _in_a_thread(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    """pyHanko signs and validates through asyncio.run(). Transactional tests run
    after the browser tests, whose session-wide Playwright keeps its event loop
    marked as running in the main thread; a worker thread has none."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


@pytest.fixture
def sqlite_only():  # type: ignore[no-untyped-def]
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite drill (this run is on PostgreSQL)")


@pytest.fixture
def postgres_only():  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("DATABASE_URL is not PostgreSQL")


@pytest.fixture
def signed_document(
    monkeypatch,
    settings,
    tmp_path,
    practice,
    patient,
    provider,
    facility,
    payer_profiles,
    physician_user,
):  # type: ignore[no-untyped-def]
    settings.PRIORAUTH_KEY_DIR = tmp_path / "keys"
    real_sign = signing.sign_pdf
    monkeypatch.setattr(
        signing, "sign_pdf", lambda *a, **kw: _in_a_thread(real_sign, *a, **kw)
    )
    signing.create_practice_ca(practice_id=practice.pk, practice_name=practice.name)
    request = make_request(
        practice=practice,
        patient=patient,
        provider=provider,
        facility=facility,
        payer_profile=payer_profiles["medicare"],
    )
    return services.auth_request_sign(
        request=request,
        user=physician_user,
        password=PASSWORD,
        reviewed=review_of(request),
    )


def _restore(
    backup_file: Path, *extra: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """``manage.py restore`` in a fresh process, as an operator runs it."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PRIORAUTH_")
        and k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environ.update({"PRIORAUTH_BACKUP_KEY": KEY, **env})
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(backup_file), *extra],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _source_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def _back_up_everything(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PRIORAUTH_BACKUP_KEY", KEY)
    monkeypatch.setenv("PRIORAUTH_SIGNING_KEYS_BACKUP_KEY", KEYS_KEY)
    database = tmp_path / "backups" / "db.pab"
    keys = tmp_path / "backups" / "keys.pab"
    call_command("backup", output=str(database), verbosity=0)
    call_command("backup", signing_keys=True, output=str(keys), verbosity=0)
    for path in (database, keys):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert not list(path.parent.glob("*.partial"))
    return database, keys


def _restore_keys(keys_backup: Path, tmp_path: Path) -> Path:
    key_dir = tmp_path / "restored-keys"
    done = backup.restore_signing_keys(
        key=backup_crypto.parse_key(KEYS_KEY), src=keys_backup, key_dir=key_dir
    )
    assert done.files >= 3  # CA cert and key, the physician's sealed key and cert
    return key_dir


def _restored_ca(key_dir: Path, practice_id: int, settings):  # type: ignore[no-untyped-def]
    settings.PRIORAUTH_KEY_DIR = key_dir
    return signing.ca_certificate(practice_id)


@pytest.mark.pdf
@pytest.mark.django_db(transaction=True)
def test_sqlite_backup_restores_into_an_empty_database(
    sqlite_only, signed_document, tmp_path, monkeypatch, settings
):
    source = _source_counts()
    database, keys = _back_up_everything(tmp_path, monkeypatch)
    sealed = database.read_bytes()
    for plaintext in (b"SQLite format 3", b"%PDF", b"Synthetic", b"ZZT900000001"):
        assert plaintext not in sealed

    target = tmp_path / "restored" / "db.sqlite3"
    result = _restore(database, PRIORAUTH_SQLITE_PATH=str(target))
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(target) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        restored = {
            name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            )
        }
        rows = db.execute("SELECT pdf, sha256 FROM priorauth_signeddocument").fetchall()
    assert restored == source and restored["priorauth_signeddocument"] == 1
    ca = _restored_ca(
        _restore_keys(keys, tmp_path), signed_document.request.practice_id, settings
    )
    for pdf, sha256 in rows:
        assert signing.sha256_hex(bytes(pdf)) == sha256 == signed_document.sha256
        check = _in_a_thread(signing.validate_signed_pdf, bytes(pdf), ca)
        assert check.ok, check.summary

    # Not over a non-empty database without --force; with it, the same result.
    key = backup_crypto.parse_key(KEY)
    before = target.read_bytes()
    with pytest.raises(backup_crypto.BackupError, match="not empty"):
        backup.restore_sqlite(key=key, src=database, target=target)
    assert target.read_bytes() == before
    done = backup.restore_sqlite(key=key, src=database, target=target, force=True)
    assert done.tables == source


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_or_the_wrong_key_writes_nothing(
    sqlite_only, practice, tmp_path, monkeypatch
):
    monkeypatch.setenv("PRIORAUTH_BACKUP_KEY", KEY)
    database = tmp_path / "db.pab"
    call_command("backup", output=str(database), verbosity=0)
    damaged = tmp_path / "damaged.pab"
    sealed = bytearray(database.read_bytes())
    sealed[len(sealed) // 2] ^= 0x01
    damaged.write_bytes(bytes(sealed))
    target = tmp_path / "restored.sqlite3"
    key = backup_crypto.parse_key(KEY)
    with pytest.raises(backup_crypto.BackupError, match="authentication"):
        backup.restore_sqlite(key=key, src=damaged, target=target)
    assert not target.exists()
    out = io.StringIO()
    call_command("restore", str(database), check=True, stdout=out)
    assert "authentic; sqlite backup" in out.getvalue()
    with pytest.raises(CommandError, match="authentication"):
        call_command("restore", str(damaged), check=True)
    monkeypatch.setenv("PRIORAUTH_BACKUP_KEY", backup_crypto.generate_key())
    with pytest.raises(CommandError, match="made with the key"):
        call_command("restore", str(database), verbosity=0)


def test_signing_keys_restore_only_into_an_empty_directory(tmp_path):
    key = backup_crypto.parse_key(KEYS_KEY)
    source = tmp_path / "keys"
    (source / "practice-1" / "physicians").mkdir(parents=True)
    (source / "practice-1" / "ca-cert.pem").write_text("cert")
    secret = source / "practice-1" / "physicians" / "user-2-key.pem"
    secret.write_text("private")
    secret.chmod(0o600)
    sealed = tmp_path / "keys.pab"
    backup.backup_signing_keys(key=key, out=sealed, key_dir=source)
    assert b"private" not in sealed.read_bytes()
    target = tmp_path / "restored"
    done = backup.restore_signing_keys(key=key, src=sealed, key_dir=target)
    assert done.files == 2
    restored = target / "practice-1" / "physicians" / "user-2-key.pem"
    assert restored.read_text() == "private"
    assert stat.S_IMODE(restored.stat().st_mode) == 0o600
    assert stat.S_IMODE(restored.parent.stat().st_mode) == 0o700
    with pytest.raises(backup_crypto.BackupError, match="not empty"):
        backup.restore_signing_keys(key=key, src=sealed, key_dir=target)
    backup.restore_signing_keys(key=key, src=sealed, key_dir=target, force=True)


# --------------------------------------------------------------------------- PostgreSQL


def _postgres_url(name: str) -> str:
    s = connection.settings_dict
    auth = quote(s["USER"], safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


@pytest.mark.pdf
@pytest.mark.django_db(transaction=True)
def test_postgres_backup_restores_into_an_empty_database(
    postgres_only, signed_document, tmp_path, monkeypatch, settings
):
    import psycopg

    source = _source_counts()
    database, keys = _back_up_everything(tmp_path, monkeypatch)
    assert b"%PDF" not in database.read_bytes()
    scratch = f"{connection.settings_dict['NAME']}_restore"
    _as_table_owner(connection)  # a deploy step: the app role may not create databases
    with connection.cursor() as cursor:  # autocommit: CREATE DATABASE is allowed
        cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{scratch}"')
    try:
        result = _restore(database, DATABASE_URL=_postgres_url(scratch))
        assert result.returncode == 0, result.stderr
        with psycopg.connect(_postgres_url(scratch)) as db:
            names = [
                r[0]
                for r in db.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                )
            ]
            restored = {
                n: db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0]
                for n in names
            }
            rows = db.execute(
                "SELECT pdf, sha256 FROM priorauth_signeddocument"
            ).fetchall()
        assert restored == source and restored["priorauth_signeddocument"] == 1
        ca = _restored_ca(
            _restore_keys(keys, tmp_path), signed_document.request.practice_id, settings
        )
        for pdf, sha256 in rows:
            assert signing.sha256_hex(bytes(pdf)) == sha256 == signed_document.sha256
            assert _in_a_thread(signing.validate_signed_pdf, bytes(pdf), ca).ok
        again = _restore(database, DATABASE_URL=_postgres_url(scratch))
        assert again.returncode != 0 and "not empty" in again.stderr
        forced = _restore(database, "--force", DATABASE_URL=_postgres_url(scratch))
        assert forced.returncode == 0, forced.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    assert m.SignedDocument.objects.count() == 1
