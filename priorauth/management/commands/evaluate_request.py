"""Evaluate a request and print findings, derived codes and the ledger as JSON.

    manage.py evaluate_request examples/rfa-first-medicare-advantage.json
    manage.py evaluate_request --request 12 --user billing

A file is evaluated with the payer profiles in fixtures/payer_profiles.json and touches
no database (--db-profiles uses the admin-edited profiles in the database instead).
A file is checked first as every way in checks a request (rules.validation): on any
problem with it, {"errors": [{"path": ..., "message": ...}]} goes to stdout and the
exit status is 2. A stored request is read only through the named user's practice.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from priorauth import models as m
from priorauth import services
from priorauth.management.request_files import (
    RequestFileError,
    exit_with_errors,
    load_valid_request,
)
from priorauth.rules import evaluate
from priorauth.rules.profiles import load_fixture_policies
from priorauth.rules.report import evaluation_to_dict


class Command(BaseCommand):
    help = "Evaluate a request JSON file (or a stored request) and print the findings as JSON."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument(
            "file", nargs="?", help="request JSON file (see docs/request-format.md)"
        )
        parser.add_argument("--request", type=int, help="id of a stored request")
        parser.add_argument(
            "--user", help="username whose practice may read the stored request"
        )
        parser.add_argument("--today", help="evaluate as of this date (YYYY-MM-DD)")
        parser.add_argument(
            "--db-profiles",
            action="store_true",
            help="use the payer profiles stored in the database",
        )

    def handle(self, *args: object, **options: object) -> None:
        today = self._today(options.get("today"))
        if options.get("request") is not None:
            result = self._stored(int(options["request"]), options.get("user"), today)  # type: ignore[arg-type]
        elif options.get("file"):
            self.db_profiles = bool(options.get("db_profiles"))
            try:
                result = self._file(
                    Path(str(options["file"])), today or timezone.localdate()
                )
            except RequestFileError as exc:
                exit_with_errors(self.stdout, exc)
        else:
            raise CommandError(
                "Give a request JSON file, or --request ID --user USERNAME."
            )
        self.stdout.write(json.dumps(result, indent=2))

    def _today(self, raw: object):  # type: ignore[no-untyped-def]
        if not raw:
            return None
        from datetime import date

        try:
            return date.fromisoformat(str(raw))
        except ValueError:
            raise CommandError(f"--today: {raw!r} is not a date YYYY-MM-DD") from None

    def _file(self, path: Path, today):  # type: ignore[no-untyped-def]
        if self.db_profiles:
            active = m.PayerProfile.objects.filter(is_active=True)
            known = set(active.values_list("key", flat=True))
            facts = load_valid_request(path, known_profiles=known, today=today)
            profile = (
                active.filter(key=facts.payer.profile_key).order_by("-version").first()
            )
            policy = services.payer_policy_build(profile=profile)
        else:
            policies = load_fixture_policies(
                Path(settings.BASE_DIR) / "fixtures" / "payer_profiles.json"
            )
            facts = load_valid_request(path, known_profiles=policies, today=today)
            policy = policies[facts.payer.profile_key]
        return evaluation_to_dict(evaluate(facts, policy, today=today))

    def _stored(self, pk: int, username: object, today):  # type: ignore[no-untyped-def]
        if not username:
            raise CommandError(
                "--request needs --user: requests are read through a user's practice."
            )
        user = m.User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"--user: no active user {username!r}")
        request = (
            services.auth_request_queryset_for_detail()
            .filter(pk=pk, practice_id=user.practice_id)
            .first()
        )
        if request is None:
            raise CommandError(f"--request: no request {pk} in {username}'s practice")
        return evaluation_to_dict(
            services.auth_request_evaluate(request=request, today=today)
        )
