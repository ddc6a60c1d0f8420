"""Load payer profiles and the synthetic demo practice, then take demo requests 13-22
past the payer's decision; idempotent.

Every run:

1. loads ``fixtures/payer_profiles.json`` and ``fixtures/demo.json``, except the rows
   of the requests that have left "draft" in this database (the request and its
   levels, conservative care, imaging and diagnoses). ``loaddata`` writes each
   fixture row over the row with its pk, so reloading a request that was signed,
   submitted and decided would turn it back into a draft beside its signed PDF,
   submissions and denials, which are append-only and cannot be undone. Such a
   request is left as it is; a draft (anything a demo user changed and did not
   send on) is reset to the fixture, as before. This also keeps any request a
   demo user took past draft by hand.
2. creates each practice's CA and evaluates every request;
3. takes requests 13-22 through the services to their states
   (``priorauth.management.demo_progress``): each step runs only from the state
   it starts from, so the first run does them (about a second per signature: the
   packet is rendered and signed as on the sign page) and the next runs find
   nothing to do. A run that stopped half-way resumes where it stopped. A step
   that fails (e.g. drlee's key no longer opens with the demo password) is reported
   on stderr and the other requests go on: ``make run`` still starts.

So a change to the fixture reaches a request past draft only in a fresh database
(delete ``db.sqlite3``); the append-only records leave no other way back.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from priorauth import models as m
from priorauth import services
from priorauth.management import demo_progress
from priorauth.services.tasks import renders_ahead_paused

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
# A request's own rows in the fixture (each with a "request" field).
REQUEST_ROWS = (
    "priorauth.requestlevel",
    "priorauth.conservativecare",
    "priorauth.imagingstudy",
    "priorauth.diagnosis",
)


def fixture_rows_to_load(rows: list[dict]) -> list[dict]:
    """The fixture's rows minus those of the requests no longer drafts here."""
    progressed = set(
        m.AuthRequest.objects.exclude(status=m.AuthRequest.Status.DRAFT).values_list(
            "pk", flat=True
        )
    )
    return [
        row
        for row in rows
        if not (
            (row["model"] == "priorauth.authrequest" and row["pk"] in progressed)
            or (row["model"] in REQUEST_ROWS and row["fields"]["request"] in progressed)
        )
    ]


class Command(BaseCommand):
    help = (
        "Load payer profiles and synthetic demo data (no real patient data), "
        "and take demo requests 13-22 past the payer's decision."
    )

    def handle(self, *args: object, **options: object) -> None:
        call_command("loaddata", str(FIXTURES / "payer_profiles.json"), verbosity=0)
        rows = fixture_rows_to_load(json.loads((FIXTURES / "demo.json").read_text()))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "demo.json"
            path.write_text(json.dumps(rows))
            call_command("loaddata", str(path), verbosity=0)
        # Each practice's CA. A physician's signing key is sealed with their own
        # password, so it is made at their first signing (here, drlee's: step 3).
        for practice in m.Practice.objects.all():
            call_command("create_practice_ca", practice=practice.pk, verbosity=0)
        for request in services.auth_request_queryset_for_detail():
            services.auth_request_evaluate(request=request)
        self._after_the_decision(verbosity=int(options.get("verbosity", 1)))
        self.stdout.write(
            f"Demo data: {m.Practice.objects.count()} practices, "
            f"{m.Patient.objects.count()} patients, "
            f"{m.AuthRequest.objects.count()} requests."
        )

    def _after_the_decision(self, *, verbosity: int) -> None:
        users = demo_progress.demo_users()
        if users is None:
            self.stderr.write(
                "Demo users billing/drlee missing: no request progressed."
            )
            return
        billing, physician = users
        # Dated in the practice's zone, as its staff would enter them.
        with timezone.override(ZoneInfo(billing.practice.time_zone or "UTC")):
            self._advance_all(billing, physician, verbosity=verbosity)

    def _advance_all(
        self, billing: m.User, physician: m.User, *, verbosity: int
    ) -> None:
        ctx = demo_progress.Ctx(
            today=timezone.localdate(),
            billing=billing,
            physician=physician,
            password=demo_progress.DEMO_PHYSICIAN_PASSWORD,
        )
        for plan in demo_progress.PLANS:
            try:
                with renders_ahead_paused():
                    where = demo_progress.advance(plan, ctx)
            except Exception as exc:  # one request's trouble must not stop make run
                self.stderr.write(
                    f"Demo request {plan.pk} ({plan.what}) not progressed: "
                    f"{type(exc).__name__}: {exc}"
                )
                continue
            if verbosity > 1:
                self.stdout.write(f"Demo request {plan.pk}: {where} ({plan.what}).")
