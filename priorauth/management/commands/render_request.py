"""Render a request JSON file to a DRAFT packet PDF without touching the database.

    manage.py render_request examples/rfa-first-medicare-advantage.json -o out.pdf

The payer policy comes from fixtures/payer_profiles.json (rules.profiles). The file is
checked first as every way in checks a request (rules.validation): on any problem with
it, {"errors": [{"path": ..., "message": ...}]} goes to stdout, the exit status is 2
and no PDF is written.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from priorauth import packet
from priorauth.management.request_files import (
    RequestFileError,
    exit_with_errors,
    load_valid_request,
)
from priorauth.packet import pdf
from priorauth.rules import evaluate
from priorauth.rules.profiles import load_fixture_policies

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "payer_profiles.json"


def render_file(
    path: Path,
    *,
    today: date | None = None,
    practice: packet.PracticeInfo | None = None,
) -> bytes:
    """Request JSON -> draft PDF bytes (no database); ``RequestFileError`` if invalid."""
    today = today or timezone.localdate()
    policies = load_fixture_policies(FIXTURE)
    facts = load_valid_request(path, known_profiles=policies, today=today)
    policy = policies[facts.payer.profile_key]
    evaluation = evaluate(facts, policy, today=today)
    context = packet.build_packet_context(
        facts=facts, evaluation=evaluation, policy=policy, practice=practice
    )
    return pdf.render_pdf("pdf/packet.html", context)


class Command(BaseCommand):
    help = "Render a request JSON file to a draft PDF packet (no database access)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("file")
        parser.add_argument("-o", "--output", required=True, help="PDF file to write")
        parser.add_argument("--today", help="evaluate as of this date (YYYY-MM-DD)")

    def handle(self, *args: object, **options: object) -> None:
        today = None
        if options.get("today"):
            try:
                today = date.fromisoformat(str(options["today"]))
            except ValueError:
                raise CommandError("--today must be YYYY-MM-DD") from None
        try:
            data = render_file(Path(str(options["file"])), today=today)
        except RequestFileError as exc:
            exit_with_errors(self.stdout, exc)
        out = Path(str(options["output"]))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        self.stdout.write(f"{out}: {len(data)} bytes")
