"""Load payer profiles and the synthetic demo practice; idempotent."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from priorauth import models as m
from priorauth import services

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


class Command(BaseCommand):
    help = "Load payer profiles and synthetic demo data (no real patient data)."

    def handle(self, *args: object, **options: object) -> None:
        call_command("loaddata", str(FIXTURES / "payer_profiles.json"), verbosity=0)
        call_command("loaddata", str(FIXTURES / "demo.json"), verbosity=0)
        # Each practice's CA. A physician's signing key is sealed with their own
        # password, so it is made at their first signing, not here.
        for practice in m.Practice.objects.all():
            call_command("create_practice_ca", practice=practice.pk, verbosity=0)
        for request in services.auth_request_queryset_for_detail():
            services.auth_request_evaluate(request=request)
        self.stdout.write(
            f"Demo data: {m.Practice.objects.count()} practices, {m.Patient.objects.count()} patients, "
            f"{m.AuthRequest.objects.count()} requests."
        )
