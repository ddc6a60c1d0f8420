"""Create each practice's signing CA (idempotent: an existing CA is kept).

    manage.py create_practice_ca               # every practice
    manage.py create_practice_ca --practice 3  # one practice

Keys go under settings.PRIORAUTH_KEY_DIR (default var/keys, never committed).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from priorauth import models as m
from priorauth.packet import signing


class Command(BaseCommand):
    help = "Create the practice certificate authority used to issue physician signing certificates."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument(
            "--practice",
            type=int,
            action="append",
            help="practice id (repeatable); default: all",
        )

    def handle(self, *args: object, **options: object) -> None:
        ids = options.get("practice")
        if isinstance(ids, int | str):  # call_command(practice=3)
            ids = [int(ids)]
        practices = (
            m.Practice.objects.all()
            if not ids
            else m.Practice.objects.filter(pk__in=ids)
        )
        if ids and practices.count() != len(set(ids)):  # type: ignore[arg-type]
            raise CommandError(f"--practice: unknown practice id in {ids}")
        for practice in practices:
            path, created = signing.create_practice_ca(
                practice_id=practice.pk, practice_name=practice.name
            )
            verb = "created" if created else "exists"
            self.stdout.write(f"practice {practice.pk}: CA {verb} ({path})")
