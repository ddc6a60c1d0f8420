"""Render the appeal of a denied request (reconsideration letter and peer-to-peer
sheet) from a request JSON file and a denial JSON file, without the database.

    manage.py render_appeal examples/mbb-....json --denial denial.json -o appeal.pdf

The request is checked as ``render_request`` checks it and the denial against its
format (``rules.request_format.denial``); a criterion the denial cites must be one
of the request's. On any problem, {"errors": [{"path": ..., "message": ...}]} goes
to stdout (denial paths start with "denial."), the exit status is 2 and no PDF is
written. The PDF is an unsigned draft: the physician signs the appeal in the app.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from priorauth.management.request_files import (
    RequestFileError,
    exit_with_errors,
    load_valid_request,
)
from priorauth.packet import pdf
from priorauth.packet.appeal import build_appeal_context
from priorauth.rules import evaluate
from priorauth.rules.appeals import appeal_deadline, appeal_window
from priorauth.rules.io import RequestFormatError
from priorauth.rules.profiles import load_fixture_policies
from priorauth.rules.request_format.denial import load_denial

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "payer_profiles.json"


def render_appeal_files(
    request_path: Path, denial_path: Path, *, today: date | None = None
) -> bytes:
    """Request JSON + denial JSON -> draft appeal PDF (``RequestFileError``)."""
    today = today or timezone.localdate()
    policies = load_fixture_policies(FIXTURE)
    facts = load_valid_request(request_path, known_profiles=policies, today=today)
    try:
        denial = load_denial(denial_path)
    except FileNotFoundError:
        raise RequestFileError(
            denial_path, "cannot be used", [("denial", "no such file")]
        ) from None
    except RequestFormatError as exc:
        raise RequestFileError(
            denial_path,
            "is not a valid denial",
            [(f"denial.{p}" if p else "denial", m) for p, m in exc.errors],
        ) from None
    policy = policies[facts.payer.profile_key]
    evaluation = evaluate(facts, policy, today=today)
    codes = {o.code for o in evaluation.outcomes}
    unknown = [
        (f"denial.cited[{i}].criterion", f"{c.code} is not a criterion of this request")
        for i, c in enumerate(denial.cited)
        if c.code and c.code not in codes
    ]
    if unknown:
        raise RequestFileError(denial_path, "is not a valid denial", unknown)
    deadline = appeal_deadline(
        notice_date=denial.decided_on,
        window=appeal_window(kind=policy.kind.value, profile_data=policy.data),
        letter_deadline=denial.appeal_deadline,
    )
    denial = dataclasses.replace(denial, appeal_deadline=deadline.deadline)
    context = build_appeal_context(
        facts=facts, evaluation=evaluation, policy=policy, denial=denial
    )
    return pdf.render_pdf("pdf/appeal.html", context)


class Command(BaseCommand):
    help = "Render the appeal of a denial (request JSON + denial JSON) to a draft PDF."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("file", help="the request JSON file")
        parser.add_argument("--denial", required=True, help="the denial JSON file")
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
            data = render_appeal_files(
                Path(str(options["file"])), Path(str(options["denial"])), today=today
            )
        except RequestFileError as exc:
            exit_with_errors(self.stdout, exc)
        out = Path(str(options["output"]))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        self.stdout.write(f"{out}: {len(data)} bytes")
