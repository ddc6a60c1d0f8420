"""Render a request JSON file to a DRAFT packet PDF without touching the database.

    manage.py render_request examples/rfa-first-medicare-advantage.json -o out.pdf

The payer policy comes from fixtures/payer_profiles.json (rules.profiles).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from priorauth import packet
from priorauth.packet import pdf
from priorauth.management.request_files import load_request_file
from priorauth.rules import evaluate
from priorauth.rules.profiles import load_fixture_policies

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "payer_profiles.json"


def render_file(
    path: Path,
    *,
    today: date | None = None,
    practice: packet.PracticeInfo | None = None,
) -> bytes:
    """Request JSON -> draft PDF bytes (no database)."""
    facts = load_request_file(path)
    policies = load_fixture_policies(FIXTURE)
    policy = policies.get(facts.payer.profile_key)
    if policy is None:
        raise CommandError(f"{path}: unknown payer profile {facts.payer.profile_key!r}")
    evaluation = evaluate(facts, policy, today=today or date.today())
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
        data = render_file(Path(str(options["file"])), today=today)
        out = Path(str(options["output"]))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        self.stdout.write(f"{out}: {len(data)} bytes")
