"""Restore an encrypted backup written by ``manage.py backup``.

    manage.py restore FILE                 # into the configured database, if empty
    manage.py restore FILE --force         # replace a non-empty database
    manage.py restore FILE --check         # authenticate the whole file; write nothing
    manage.py restore FILE --signing-keys  # into PRIORAUTH_KEY_DIR, if empty

The target is the database the settings name (DATABASE_URL or
PRIORAUTH_SQLITE_PATH): for a drill, point them at a scratch database. Stop the
app before replacing a live database with --force.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from priorauth.ops import backup
from priorauth.ops.backup_crypto import EncryptedReader


class Command(BaseCommand):
    help = "Restore an encrypted backup into an empty database (or key directory)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("file")
        parser.add_argument(
            "--force", action="store_true", help="replace a non-empty target"
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="only check the file's authentication and show its manifest",
        )
        parser.add_argument(
            "--signing-keys",
            action="store_true",
            help="restore PRIORAUTH_KEY_DIR from a signing-key backup",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args: object, **options: object) -> None:
        src = Path(str(options["file"]))
        keys = bool(options["signing_keys"])
        try:
            key = backup.key_from_env(
                backup.SIGNING_KEYS_KEY_ENV if keys else backup.KEY_ENV
            )
            if options["check"]:
                self._check(src, key)
                return
            if keys:
                done = backup.restore_signing_keys(
                    key=key,
                    src=src,
                    key_dir=Path(settings.PRIORAUTH_KEY_DIR),
                    force=bool(options["force"]),
                )
            else:
                done = backup.restore_database(
                    key=key,
                    src=src,
                    using=str(options["database"]),
                    force=bool(options["force"]),
                )
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        if keys:
            self.stdout.write(f"restored {done.files} files into {done.path}")
        else:
            rows = sum(done.tables.values())
            self.stdout.write(
                f"restored {len(done.tables)} tables, {rows:,} rows ({done.kind}); "
                "row counts match the backup"
                + (", integrity_check ok" if done.kind == "sqlite" else "")
            )

    def _check(self, src: Path, key: bytes) -> None:
        with open(src, "rb") as fh:
            reader = EncryptedReader(fh, key)
            size = sum(len(chunk) for chunk in reader.chunks())
        manifest = reader.manifest
        tables = manifest.get("tables") or {}
        self.stdout.write(
            f"{src}: authentic; {manifest.get('kind')} backup of "
            f"{manifest.get('created')}, {size:,} bytes of data"
            + (f", {len(tables)} tables" if tables else "")  # type: ignore[arg-type]
        )
