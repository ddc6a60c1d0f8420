"""Write an encrypted backup (quality.md P13; SECURITY.md, "Backups").

    manage.py backup                   # var/backups/priorauth-<kind>-<UTC>.pab
    manage.py backup -o /srv/backups/  # into a folder (or -o FILE)
    manage.py backup --signing-keys    # PRIORAUTH_KEY_DIR, under its own key
    manage.py backup --generate-key    # print a new key and exit

The key comes from PRIORAUTH_BACKUP_KEY (or _FILE); --signing-keys uses
PRIORAUTH_SIGNING_KEYS_BACKUP_KEY. Without a key nothing is written.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from priorauth.ops import backup
from priorauth.ops.backup_crypto import generate_key


class Command(BaseCommand):
    help = "Write an encrypted backup of the database (or of the signing keys)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument(
            "-o",
            "--output",
            help="file to write, or an existing folder (default: var/backups/)",
        )
        parser.add_argument(
            "--signing-keys",
            action="store_true",
            help="back up PRIORAUTH_KEY_DIR instead of the database",
        )
        parser.add_argument(
            "--generate-key", action="store_true", help="print a new backup key"
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args: object, **options: object) -> None:
        if options["generate_key"]:
            self.stdout.write(generate_key())
            return
        keys = bool(options["signing_keys"])
        try:
            key = backup.key_from_env(
                backup.SIGNING_KEYS_KEY_ENV if keys else backup.KEY_ENV
            )
            kind = "signing-keys" if keys else self._vendor(str(options["database"]))
            out = self._output(options.get("output"), kind)
            if keys:
                done = backup.backup_signing_keys(
                    key=key, out=out, key_dir=Path(settings.PRIORAUTH_KEY_DIR)
                )
            else:
                done = backup.backup_database(
                    key=key, out=out, using=str(options["database"])
                )
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        size = done.path.stat().st_size
        what = (
            f"{done.files} files"
            if keys
            else f"{len(done.tables)} tables, {sum(done.tables.values()):,} rows"
        )
        self.stdout.write(f"wrote {done.path} ({done.kind}, {what}, {size:,} bytes)")

    @staticmethod
    def _vendor(using: str) -> str:
        from django.db import connections

        return connections[using].vendor

    @staticmethod
    def _output(given: object, kind: str) -> Path:
        if not given:
            return backup.default_path(
                Path(settings.BASE_DIR) / "var" / "backups", kind
            )
        path = Path(str(given))
        return backup.default_path(path, kind) if path.is_dir() else path
