"""Record the payer's decision from a Da Vinci PAS ClaimResponse (FHIR R4 JSON).

    manage.py import_pas_response response.json --user billing [--request 12]

The file is a ClaimResponse or a PAS response Bundle holding one. It must answer a
request of the user's practice (its Claim identifier, from export_pas), that
request's current revision and patient; ``--request`` also insists on which request.
On success the decision is printed as JSON; on any problem {"errors": [{"path": "",
"message": ...}]} goes to stdout, the exit status is 2 and nothing changes.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from priorauth import models as m
from priorauth import services
from priorauth.management.request_files import EXIT_INVALID_REQUEST


class Command(BaseCommand):
    help = "Record the payer's decision from a PAS ClaimResponse JSON file."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("file", help="ClaimResponse or PAS response Bundle (JSON)")
        parser.add_argument("--user", required=True, help="practice user recording it")
        parser.add_argument("--request", type=int, help="the request it must answer")

    def handle(self, *args: object, **options: object) -> None:
        username = options["user"]
        user = m.User.objects.filter(username=username, is_active=True).first()
        if user is None or user.practice_id is None:
            raise CommandError(f"--user: no active practice user {username!r}")
        request = None
        if options.get("request") is not None:
            request = m.AuthRequest.objects.filter(
                pk=options["request"], practice_id=user.practice_id
            ).first()
            if request is None:
                raise CommandError(
                    f"--request: no request {options['request']} in"
                    f" {username}'s practice"
                )
        try:
            data = Path(str(options["file"])).read_bytes()
        except OSError as exc:
            self._fail([f"{options['file']}: {exc.strerror or exc}"])
        try:
            result = services.auth_request_import_pas_response(
                user=user, data=data, request=request
            )
        except services.PasImportError as exc:
            self._fail(exc.errors)
        d = result.decision
        self.stdout.write(
            json.dumps(
                {
                    "request": result.request.pk,
                    "revision": result.request.revision,
                    "decision": d.decision,
                    "authorization_number": d.authorization_number,
                    "valid_from": d.valid_from.isoformat() if d.valid_from else None,
                    "valid_to": d.valid_to.isoformat() if d.valid_to else None,
                    "approved_units": d.approved_units,
                    "denial_reason": d.denial_reason,
                    "pend_reason": d.pend_reason,
                    "review_actions": list(d.review_actions),
                    "notes": list(d.notes),
                },
                indent=2,
            )
        )

    def _fail(self, errors: list[str]):  # type: ignore[no-untyped-def]
        body = {"errors": [{"path": "", "message": e} for e in errors]}
        self.stdout.write(json.dumps(body, indent=2))
        raise SystemExit(EXIT_INVALID_REQUEST)
