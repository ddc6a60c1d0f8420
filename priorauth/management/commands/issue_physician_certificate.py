"""Issue a physician's signing certificate from their practice CA (idempotent).

    manage.py issue_physician_certificate drlee [--force]

A current certificate that still names the physician (name, credentials, NPI)
is kept; --force issues a new one. The practice CA is created if missing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from priorauth import models as m
from priorauth.packet import signing
from priorauth.services.signing import signer_identity


class Command(BaseCommand):
    help = "Issue (or keep) the signing certificate of a physician user."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("usernames", nargs="+")
        parser.add_argument(
            "--force",
            action="store_true",
            help="issue a new certificate even if one is current",
        )

    def handle(self, *args: object, **options: object) -> None:
        for username in options["usernames"]:  # type: ignore[union-attr]
            user = (
                m.User.objects.select_related("practice")
                .filter(username=username)
                .first()
            )
            if user is None:
                raise CommandError(f"no user {username!r}")
            if not user.is_physician or user.practice_id is None:
                raise CommandError(f"{username!r} is not a physician of a practice")
            signing.create_practice_ca(
                practice_id=user.practice_id, practice_name=user.practice.name
            )
            identity = signer_identity(user=user)
            path, issued = signing.issue_physician_certificate(
                identity, force=bool(options.get("force"))
            )
            self.stdout.write(
                f"{username}: certificate {'issued' if issued else 'current'} ({path})"
            )
