"""Encrypted backups and restores of the database and the signing keys (P13).

``manage.py backup`` and ``manage.py restore`` are thin wrappers around this module.
Files use the format in ``priorauth/ops/backup_crypto.py``; plaintext never reaches
the disk:

* SQLite: the online backup API copies the live database into memory in one step
  (a consistent snapshot; writers carry on under WAL), then the image is encrypted.
* PostgreSQL: ``pg_dump --format=custom`` runs in an exported snapshot of a
  REPEATABLE READ transaction (so the row counts in the manifest match the dump
  exactly) and its output streams through the encryption.
* Signing keys (``PRIORAUTH_KEY_DIR``): a tar of the directory under a key of its
  own (SECURITY.md, "Backups"), never inside a database backup.

A restore goes into an empty database (``force`` replaces a non-empty one), and
checks the whole file's authentication before it writes anything. Afterwards it
compares the row count of every table with the manifest; SQLite also has to pass
``PRAGMA integrity_check`` before and after.
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from django.db import connections, transaction
from django.db.backends.postgresql.client import DatabaseClient

from priorauth.ops.backup_crypto import (
    BackupError,
    EncryptedReader,
    EncryptedWriter,
    parse_key,
)

KEY_ENV = "PRIORAUTH_BACKUP_KEY"
SIGNING_KEYS_KEY_ENV = "PRIORAUTH_SIGNING_KEYS_BACKUP_KEY"
KINDS = ("sqlite", "postgresql", "signing-keys")
SUFFIX = ".pab"
PIPE_BYTES = 1 << 20

__all__ = ["BackupError", "Outcome", "key_from_env"]


@dataclass(frozen=True)
class Outcome:
    path: Path
    kind: str
    tables: dict[str, int]
    files: int = 0


def key_from_env(name: str, environ: dict[str, str] | None = None) -> bytes:
    """The key in ``name`` or in the file named by ``name``_FILE; refuse without one.

    Read from the environment of this command only, not from the settings: the
    web workers never hold a backup key.
    """
    env = os.environ if environ is None else environ
    value = env.get(name, "")
    path = env.get(f"{name}_FILE", "")
    if path:
        try:
            value = Path(path).read_text()
        except OSError as exc:
            raise BackupError(f"{name}_FILE={path!r}: {exc.strerror}") from None
    if not value.strip():
        raise BackupError(
            f"{name} (or {name}_FILE) is not set: backups are only written "
            "encrypted. Make a key with 'manage.py backup --generate-key' and keep "
            "it away from the backups (SECURITY.md, Backups)."
        )
    return parse_key(value)


def default_path(directory: Path, kind: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return directory / f"priorauth-{kind}-{stamp}{SUFFIX}"


@contextmanager
def _private_output(path: Path) -> Iterator[BinaryIO]:
    """Write beside ``path`` (mode 600) and rename at the end: never a half file."""
    if path.exists():
        raise BackupError(f"{path} exists; backups are never overwritten")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _manifest(kind: str, **extra: object) -> dict[str, object]:
    return {
        "kind": kind,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **extra,
    }


# --------------------------------------------------------------------------- database


def backup_database(*, key: bytes, out: Path, using: str = "default") -> Outcome:
    connection = connections[using]
    if connection.vendor == "sqlite":
        return _backup_sqlite(key=key, out=out, using=using)
    if connection.vendor == "postgresql":
        return _backup_postgres(key=key, out=out, using=using)
    raise BackupError(f"backups of {connection.vendor} databases are not supported")


def restore_database(
    *, key: bytes, src: Path, using: str = "default", force: bool = False
) -> Outcome:
    vendor = connections[using].vendor
    with open(src, "rb") as fh:
        kind = EncryptedReader(fh, key).manifest.get("kind")
    if kind not in ("sqlite", "postgresql"):
        raise BackupError(f"{src} is a {kind} backup, not a database backup")
    if kind != vendor:
        raise BackupError(
            f"{src} is a {kind} backup; the configured database is {vendor}"
        )
    if kind == "sqlite":
        target = _sqlite_target(using)
        connections[using].close()
        return restore_sqlite(key=key, src=src, target=target, force=force)
    return _restore_postgres(key=key, src=src, using=using, force=force)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        name: db.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()[0]
        for name in names
    }


def _sqlite_integrity(db: sqlite3.Connection) -> None:
    result = [row[0] for row in db.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupError(f"PRAGMA integrity_check: {'; '.join(result[:5])}")


def _backup_sqlite(*, key: bytes, out: Path, using: str) -> Outcome:
    connection = connections[using]
    connection.ensure_connection()
    memory = sqlite3.connect(":memory:")
    try:
        connection.connection.backup(memory)  # one step: a consistent snapshot
        _sqlite_integrity(memory)
        counts = _sqlite_counts(memory)
        image = bytearray(memory.serialize())
    finally:
        memory.close()
    # Bytes 18-19 say "WAL"; an image in that mode cannot be deserialized, so the
    # file holds a rollback-journal image (the app's connections switch back to WAL).
    image[18:20] = b"\x01\x01"
    with _private_output(out) as fh:
        writer = EncryptedWriter(fh, key, _manifest("sqlite", tables=counts))
        writer.write(bytes(image))
        writer.close()
    return Outcome(out, "sqlite", counts)


def _sqlite_target(using: str) -> Path:
    name = str(connections[using].settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        raise BackupError("restore needs a database file, not an in-memory database")
    return Path(name)


def _sqlite_is_empty(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return True
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return not _sqlite_counts(db)
    finally:
        db.close()


def restore_sqlite(
    *, key: bytes, src: Path, target: Path, force: bool = False
) -> Outcome:
    """Restore a SQLite backup into the file ``target`` (stop the app first)."""
    if not force and not _sqlite_is_empty(target):
        raise BackupError(
            f"{target} is not empty; restore into an empty database, or pass --force "
            "to replace it"
        )
    with open(src, "rb") as fh:
        reader = EncryptedReader(fh, key)
        image = b"".join(reader.chunks())  # every record checked before any write
    expected = dict(reader.manifest.get("tables") or {})  # type: ignore[call-overload]
    memory = sqlite3.connect(":memory:")
    try:
        memory.deserialize(image)
        _sqlite_integrity(memory)
        _check_counts(_sqlite_counts(memory), expected, where="the backup image")
        target.parent.mkdir(parents=True, exist_ok=True)
        destination = sqlite3.connect(target)
        try:
            memory.backup(destination)
        finally:
            destination.close()
    finally:
        memory.close()
    restored = sqlite3.connect(target)
    try:
        _sqlite_integrity(restored)
        counts = _sqlite_counts(restored)
    finally:
        restored.close()
    _check_counts(counts, expected, where=str(target))
    return Outcome(target, "sqlite", counts)


def _check_counts(got: dict[str, int], expected: dict[str, int], *, where: str) -> None:
    if got != expected:
        differ = sorted(
            name
            for name in set(got) | set(expected)
            if got.get(name) != expected.get(name)
        )
        raise BackupError(
            f"row counts in {where} differ from the backup manifest: "
            + ", ".join(
                f"{n} {got.get(n, 'missing')} != {expected.get(n, 'missing')}"
                for n in differ[:10]
            )
        )


def _pg_env(settings_dict: dict) -> dict[str, str]:  # type: ignore[type-arg]
    """libpq variables for pg_dump/pg_restore: the password never goes on argv."""
    _, extra = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    env = dict(os.environ, **(extra or {}))
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGDATABASE", "NAME"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _pg_counts(using: str) -> dict[str, int]:
    connection = connections[using]
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def _backup_postgres(*, key: bytes, out: Path, using: str) -> Outcome:
    connection = connections[using]
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        counts = _pg_counts(using)
        command = ["pg_dump", "--format=custom", "--no-password"]
        command += [f"--snapshot={snapshot}"]
        with _private_output(out) as fh:
            writer = EncryptedWriter(fh, key, _manifest("postgresql", tables=counts))
            dump = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=_pg_env(connection.settings_dict),
            )
            assert dump.stdout is not None
            while block := dump.stdout.read(PIPE_BYTES):
                writer.write(block)
            stderr = dump.stderr.read().decode(errors="replace") if dump.stderr else ""
            if dump.wait() != 0:
                raise BackupError(f"pg_dump failed: {stderr.strip()[-500:]}")
            writer.close()
    return Outcome(out, "postgresql", counts)


def _restore_postgres(*, key: bytes, src: Path, using: str, force: bool) -> Outcome:
    connection = connections[using]
    if not force and _pg_counts(using):
        raise BackupError(
            f"database {connection.settings_dict['NAME']} is not empty; restore into "
            "an empty database, or pass --force to replace what the backup holds"
        )
    with open(src, "rb") as fh:
        reader = EncryptedReader(fh, key)
        for _ in reader.chunks():  # first pass: authenticate every record
            pass
        expected = dict(reader.manifest.get("tables") or {})  # type: ignore[call-overload]
        fh.seek(0)
        reader = EncryptedReader(fh, key)
        connection.close()
        command = ["pg_restore", "--single-transaction", "--exit-on-error"]
        command += ["--no-owner", "--no-privileges", "--no-password"]
        command += ["--clean", "--if-exists"] if force else []
        command += ["--dbname", str(connection.settings_dict["NAME"])]
        restore = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=_pg_env(connection.settings_dict),
        )
        assert restore.stdin is not None and restore.stderr is not None
        try:
            for block in reader.chunks():
                restore.stdin.write(block)
        except BaseException:
            # Killed before its stdin closes, pg_restore never commits: its single
            # transaction rolls back and the database is as it was.
            restore.kill()
            restore.wait()
            raise
        restore.stdin.close()
        stderr = restore.stderr.read().decode(errors="replace")
        if restore.wait() != 0:
            raise BackupError(f"pg_restore failed: {stderr.strip()[-500:]}")
    counts = _pg_counts(using)
    _check_counts(counts, expected, where=str(connection.settings_dict["NAME"]))
    return Outcome(src, "postgresql", counts)


# ------------------------------------------------------------------------- signing keys


def backup_signing_keys(*, key: bytes, out: Path, key_dir: Path) -> Outcome:
    if not key_dir.is_dir():
        raise BackupError(f"no signing key directory at {key_dir}")
    archive = io.BytesIO()
    files = 0
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        for path in sorted(key_dir.rglob("*")):
            if path.is_file() and not path.is_symlink():
                tar.add(path, arcname=str(path.relative_to(key_dir)), recursive=False)
                files += 1
    with _private_output(out) as fh:
        writer = EncryptedWriter(fh, key, _manifest("signing-keys", files=files))
        writer.write(archive.getvalue())
        writer.close()
    return Outcome(out, "signing-keys", {}, files)


def restore_signing_keys(
    *, key: bytes, src: Path, key_dir: Path, force: bool = False
) -> Outcome:
    if not force and key_dir.exists() and any(key_dir.iterdir()):
        raise BackupError(
            f"{key_dir} is not empty; restore into an empty directory, or pass "
            "--force to overwrite the files the backup holds"
        )
    with open(src, "rb") as fh:
        reader = EncryptedReader(fh, key)
        if reader.manifest.get("kind") != "signing-keys":
            raise BackupError(f"{src} is not a signing-key backup")
        archive = b"".join(reader.chunks())
    files = 0
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        members = tar.getmembers()
        for member in members:
            parts = Path(member.name).parts
            if not member.isfile() or member.name.startswith("/") or ".." in parts:
                raise BackupError(f"unexpected entry in the key archive: {member.name}")
        key_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(key_dir, 0o700)
        for member in members:
            target = key_dir / member.name
            folder = key_dir
            for part in Path(member.name).parts[:-1]:
                folder = folder / part
                folder.mkdir(mode=0o700, exist_ok=True)
            data = tar.extractfile(member)
            assert data is not None
            mode = member.mode & 0o644  # keys stay 600; nothing executable or writable
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data.read())
            os.chmod(target, mode)
            os.utime(target, (time.time(), member.mtime))
            files += 1
    return Outcome(key_dir, "signing-keys", {}, files)
