"""Export a request as a Da Vinci PAS request Bundle (FHIR R4 JSON).

    manage.py export_pas examples/rfa-first-medicare-advantage.json -o bundle.json
    manage.py export_pas --request 12 --user billing -o bundle.json

A file is checked as every way in checks a request (rules.validation) and evaluated
with fixtures/payer_profiles.json, without the database; on any problem with it (or
anything PAS needs that it lacks, e.g. the member ID) {"errors": [{"path": ...,
"message": ...}]} goes to stdout, the exit status is 2 and no bundle is written.
A file carries no signed packet: ``--packet FILE.pdf`` attaches one (it counts as
signed only when the PDF holds a digital signature). Without it the bundle has no
DocumentReference and is tagged "unsigned" (docs/pas.md). A stored request is read
through the named user's practice and carries its signed PDF once signed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from priorauth import models as m
from priorauth import pas, services
from priorauth.management.request_files import (
    EXIT_INVALID_REQUEST,
    RequestFileError,
    exit_with_errors,
    load_valid_request,
)
from priorauth.rules import evaluate
from priorauth.rules.io import dump_request
from priorauth.rules.profiles import load_fixture_policies

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "payer_profiles.json"
FILE_SENDER = "priorauth-file"


def is_signed_pdf(data: bytes) -> bool:
    """A PDF with a signature dictionary (what PAdES signing writes)."""
    return b"/ByteRange" in data and b"/Sig" in data


def export_file(
    path: Path,
    *,
    today: date,
    created: datetime,
    packet: pas.PacketFile | None = None,
    practice_name: str = "",
) -> dict:
    """Request JSON -> PAS Bundle dict (no database); ``RequestFileError`` if the file
    is invalid, ``pas.PasBuildError`` if it lacks what PAS needs."""
    policies = load_fixture_policies(FIXTURE)
    facts = load_valid_request(path, known_profiles=policies, today=today)
    policy = policies[facts.payer.profile_key]
    digest = hashlib.sha256(
        json.dumps(dump_request(facts), sort_keys=True).encode()
    ).hexdigest()
    return pas.build_request_bundle(
        facts=facts,
        evaluation=evaluate(facts, policy, today=today),
        policy=policy,
        requester=pas.Requester(
            name=practice_name or facts.facility.name or "Practice"
        ),
        claim_id=pas.ClaimId(FILE_SENDER, f"PA-F-{digest[:16]}"),
        created=created,
        packet=packet,
    )


class Command(BaseCommand):
    help = "Export a request (JSON file or stored request) as a Da Vinci PAS Bundle."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("file", nargs="?", help="request JSON file")
        parser.add_argument(
            "-o", "--output", required=True, help="bundle file to write"
        )
        parser.add_argument("--request", type=int, help="id of a stored request")
        parser.add_argument("--user", help="username whose practice may read it")
        parser.add_argument("--today", help="evaluate as of this date (YYYY-MM-DD)")
        parser.add_argument(
            "--timestamp", help="bundle timestamp, ISO 8601 (default: now)"
        )
        parser.add_argument("--packet", help="packet PDF to attach (file only)")
        parser.add_argument(
            "--practice-name", default="", help="requesting practice (file only)"
        )

    def handle(self, *args: object, **options: object) -> None:
        today = self._parse(options.get("today"), date.fromisoformat, "--today")
        created = self._parse(
            options.get("timestamp"), datetime.fromisoformat, "--timestamp"
        ) or timezone.now().replace(microsecond=0)
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        try:
            if options.get("request") is not None:
                bundle = self._stored(options, created)
            elif options.get("file"):
                bundle = export_file(
                    Path(str(options["file"])),
                    today=today or timezone.localdate(),
                    created=created,
                    packet=self._packet(options.get("packet")),
                    practice_name=str(options.get("practice_name") or ""),
                )
            else:
                raise CommandError(
                    "Give a request JSON file, or --request ID --user U."
                )
        except RequestFileError as exc:
            exit_with_errors(self.stdout, exc)
        except pas.PasBuildError as exc:
            body = {"errors": [{"path": p, "message": msg} for p, msg in exc.errors]}
            self.stdout.write(json.dumps(body, indent=2))
            raise SystemExit(EXIT_INVALID_REQUEST) from None
        out = Path(str(options["output"]))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(services.auth_request_pas_json(bundle))
        note = "" if _has_signed_packet(bundle) else " (unsigned: no signed packet)"
        self.stdout.write(f"{out}: PAS bundle, {len(bundle['entry'])} resources{note}")

    def _parse(self, raw: object, parse, flag: str):  # type: ignore[no-untyped-def]
        if not raw:
            return None
        try:
            return parse(str(raw))
        except ValueError:
            raise CommandError(f"{flag}: {raw!r} is not valid") from None

    def _packet(self, raw: object) -> pas.PacketFile | None:
        if not raw:
            return None
        try:
            data = Path(str(raw)).read_bytes()
        except OSError as exc:
            raise CommandError(f"--packet: {exc.strerror or exc}") from None
        if not data.startswith(b"%PDF-"):
            raise CommandError("--packet: the file is not a PDF")
        return pas.PacketFile(pdf=data, signed=is_signed_pdf(data))

    def _stored(self, options: dict, created: datetime) -> dict:  # type: ignore[type-arg]
        username = options.get("user")
        if not username:
            raise CommandError(
                "--request needs --user: read through a user's practice."
            )
        user = m.User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--user: no active user {username!r}")
        request = (
            services.auth_request_queryset_for_detail()
            .select_related("practice")
            .filter(pk=options["request"], practice_id=user.practice_id)
            .first()
        )
        if request is None:
            raise CommandError(
                f"--request: no request {options['request']} in {username}'s practice"
            )
        return services.auth_request_pas_bundle(request=request, user=user, now=created)


def _has_signed_packet(bundle: dict) -> bool:
    return not any(
        t.get("code") == "unsigned" for t in bundle.get("meta", {}).get("tag", [])
    )
