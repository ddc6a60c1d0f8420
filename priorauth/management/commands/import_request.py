"""Import a request JSON file as a new draft request of a user's practice.

    manage.py import_request examples/rfa-repeat-commercial.json --user billie

The same checks as the web import (services.auth_request_import): every problem is
printed by field path, nothing is saved, and the exit status is 2. Output
names only ids and counts (no PHI).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from priorauth import models as m
from priorauth import services
from priorauth.management.request_files import (
    EXIT_INVALID_REQUEST,
    format_problems,
    load_request_file,
)
from priorauth.rules.io import RequestFormatError


class Command(BaseCommand):
    help = "Import a request JSON file (docs/request-format.md) as a draft request of the user's practice."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("file", help="request JSON file")
        parser.add_argument(
            "--user",
            required=True,
            help="username; the request goes to this user's practice",
        )

    def handle(self, *args: object, **options: object) -> None:
        username = str(options["user"])
        user = m.User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--user: no active user {username!r}")
        if user.practice_id is None or user.role not in services.IMPORT_ROLES:
            raise CommandError(
                f"--user: {username!r} belongs to no practice; requests are imported into a practice"
            )
        path = Path(str(options["file"]))
        facts = load_request_file(path)
        try:
            obj = services.auth_request_import(facts=facts, user=user)
        except RequestFormatError as exc:  # services.ImportProblem
            raise CommandError(
                format_problems(path, "cannot be imported (nothing was saved)", exc),
                returncode=EXIT_INVALID_REQUEST,
            ) from None
        s = obj.import_summary  # type: ignore[attr-defined]
        self.stdout.write(
            f"Imported request {obj.pk} (patient {s.patient_id}, {'new' if s.patient_created else 'existing'}; "
            f"{s.history_added} history rows added, {s.history_skipped} already on file): "
            f"{s.blockers} blocker(s), {s.warnings} warning(s)."
        )
