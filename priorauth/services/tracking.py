"""After the decision (issue 15, items 3 and 4): payer clocks and authorizations.

* Every submission is a row with its moment, channel and the decision clock of
  the route the rules found (``rules.clocks``); the request keeps the open
  clock's due moment (``decision_due_at``) so the worklist can sort and filter
  overdue requests in the database.
* An approval records what it covers (codes and units, levels, the window).
  Rescheduling and the procedures performed are entered afterwards and checked
  against it (``rules.authorization``) before the claim goes out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from priorauth import models as m
from priorauth.rules import clocks
from priorauth.rules.authorization import (
    Authorized,
    AuthorizedLine,
    Drift,
    Performed,
    authorization_drift,
    units_used,
)
from priorauth.rules.levels import LevelError, parse_level
from priorauth.services.facts import payer_policy_build
from priorauth.services.requests import auth_request_evaluate

__all__ = [
    "EXPIRING_DAYS",
    "AuthorizationStatus",
    "authorization_status",
    "authorizations_expiring",
    "auth_request_default_authorized_lines",
    "auth_request_record_performed",
    "auth_request_reschedule",
    "parse_code_lines",
    "parse_levels",
    "requests_overdue",
    "submission_start_clock",
]

EXPIRING_DAYS = 14


# ------------------------------------------------------------------ payer clocks


def submission_start_clock(
    *,
    request: m.AuthRequest,
    user: m.User,
    submitted_at: datetime,
    channel: str,
    payer_reference: str = "",
    expedited: bool = False,
) -> m.Submission:
    """Record one sending to the payer with the clock its route sets.

    Called inside the workflow's submission transaction, after the status moved.
    """
    evaluation = auth_request_evaluate(request=request)
    routes = [f.code for f in evaluation.findings if f.code.startswith("RTE-")]
    policy = payer_policy_build(profile=request.payer_profile)
    clock = clocks.decision_clock(routes, policy, submitted_at, expedited=expedited)
    submission = m.Submission.objects.create(
        request=request,
        submitted_at=submitted_at,
        channel=channel,
        payer_reference=payer_reference,
        expedited=expedited,
        decision_due=clock.due if clock else None,
        clock_rule=clock.rule_id if clock else "",
        clock_length=clock.length if clock else "",
        clock_basis=clock.basis if clock else "",
        recorded_by=user,
    )
    m.AuthRequest.objects.filter(pk=request.pk).update(
        decision_due_at=submission.decision_due
    )
    request.decision_due_at = submission.decision_due
    return submission


def requests_overdue(
    *, practice_id: int, now: datetime | None = None
) -> QuerySet[m.AuthRequest]:
    """Submitted requests whose decision is past due (one query)."""
    return m.AuthRequest.objects.filter(
        practice_id=practice_id,
        status=m.AuthRequest.Status.SUBMITTED,
        decision_due_at__lt=now or timezone.now(),
    )


# ------------------------------------------------------------------ authorizations


def auth_request_default_authorized_lines(*, request: m.AuthRequest) -> list[dict]:
    """The request's code lines as the approval's default: [{"cpt", "units"}]."""
    evaluation = auth_request_evaluate(request=request)
    out: dict[str, int] = {}
    for line in evaluation.code_lines:
        out[line.cpt] = out.get(line.cpt, 0) + line.units
    return [{"cpt": cpt, "units": units} for cpt, units in out.items()]


def _lines(raw: list[dict]) -> tuple[AuthorizedLine, ...]:
    return tuple(
        AuthorizedLine(str(item.get("cpt", "")), int(item.get("units") or 1))
        for item in raw or []
    )


def _levels(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


@dataclass(frozen=True)
class AuthorizationStatus:
    """What the request page shows for an approved request."""

    authorized: Authorized
    scheduled_on: date | None
    days_left: int
    units_authorized: int | None
    units_used: int
    units_remaining: int | None
    drift: tuple[Drift, ...]
    performed: tuple[m.PerformedProcedure, ...]

    @property
    def days_ago(self) -> int:
        """Days since the window ended (0 while it is open)."""
        return max(-self.days_left, 0)


def authorization_status(
    *, request: m.AuthRequest, today: date | None = None
) -> AuthorizationStatus | None:
    """The approval against the schedule and what was done; None if not approved."""
    if (
        request.status != m.AuthRequest.Status.APPROVED
        or request.valid_from is None
        or request.valid_to is None
    ):
        return None
    today = today or timezone.localdate()
    lines = _lines(request.authorized_lines)
    authorized = Authorized(
        valid_from=request.valid_from,
        valid_to=request.valid_to,
        lines=lines,
        levels=_levels(request.authorized_levels),
        units=request.approved_units,
    )
    rows = tuple(request.performed.all())
    performed = [
        Performed(r.performed_on, _lines(r.lines), tuple(r.level_list)) for r in rows
    ]
    scheduled = request.scheduled_on or request.date_of_service
    total = request.approved_units
    if total is None and lines:
        total = sum(line.units for line in lines)
    used = units_used(performed)
    return AuthorizationStatus(
        authorized=authorized,
        scheduled_on=scheduled,
        days_left=(request.valid_to - today).days,
        units_authorized=total,
        units_used=used,
        units_remaining=None if total is None else max(total - used, 0),
        drift=tuple(
            authorization_drift(authorized, scheduled_on=scheduled, performed=performed)
        ),
        performed=rows,
    )


def _approved_for(request: m.AuthRequest, user: m.User) -> None:
    if user.practice_id is None or user.practice_id != request.practice_id:
        raise PermissionDenied("This request belongs to another practice.")
    if request.status != m.AuthRequest.Status.APPROVED:
        raise ValidationError(
            "Only an approved request has an authorization to track.",
            code="not_approved",
        )


@transaction.atomic
def auth_request_reschedule(
    *, request: m.AuthRequest, user: m.User, scheduled_on: date
) -> None:
    """Move the procedure's date after approval (checked against the window on display)."""
    _approved_for(request, user)
    m.AuthRequest.objects.filter(pk=request.pk).update(
        scheduled_on=scheduled_on, updated_at=timezone.now()
    )
    request.scheduled_on = scheduled_on


def parse_code_lines(text: str) -> list[dict]:
    """``"64493 x1, 64494 x1"`` (or one code a line) to [{"cpt", "units"}]."""
    out: list[dict] = []
    for raw in text.replace("\n", ",").split(","):
        part = raw.strip()
        if not part:
            continue
        code, _, units = part.lower().replace("×", "x").partition("x")
        code = code.strip().lstrip("+")
        if not (code.isdigit() and len(code) == 5):
            raise ValidationError(
                f"“{part}” is not a CPT code (five digits, e.g. 64493 x1).",
                code="invalid_cpt",
            )
        try:
            n = int(units.strip() or 1)
        except ValueError:
            raise ValidationError(
                f"“{part}”: the units after x must be a whole number.",
                code="invalid_units",
            ) from None
        if n < 1:
            raise ValidationError(
                f"“{part}”: units must be at least 1.", code="invalid_units"
            )
        out.append({"cpt": code, "units": n})
    return out


def parse_levels(text: str) -> str:
    levels = []
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        try:
            levels.append(parse_level(part))
        except LevelError as exc:
            raise ValidationError(str(exc), code="invalid_level") from None
    return ", ".join(levels)


@transaction.atomic
def auth_request_record_performed(
    *,
    request: m.AuthRequest,
    user: m.User,
    performed_on: date,
    lines: list[dict],
    levels: str,
    today: date | None = None,
) -> m.PerformedProcedure:
    """Enter what was done, after the date of service."""
    _approved_for(request, user)
    errors: dict[str, ValidationError] = {}
    if performed_on > (today or timezone.localdate()):
        errors["performed_on"] = ValidationError(
            "Enter the procedure after it was done: this date is in the future.",
            code="future_date",
        )
    if not lines:
        errors["lines"] = ValidationError(
            "Enter the CPT codes billed, e.g. 64493 x1.", code="required"
        )
    if errors:
        raise ValidationError(errors)
    return m.PerformedProcedure.objects.create(
        request=request,
        performed_on=performed_on,
        lines=lines,
        levels=levels,
        recorded_by=user,
    )


def authorizations_expiring(
    *, practice_id: int, today: date | None = None, days: int = EXPIRING_DAYS
) -> QuerySet[m.AuthRequest]:
    """Approved requests whose window ends within ``days`` (today included)."""
    today = today or timezone.localdate()
    return (
        m.AuthRequest.objects.filter(
            practice_id=practice_id,
            status=m.AuthRequest.Status.APPROVED,
            valid_to__gte=today,
            valid_to__lte=today + timedelta(days=days),
        )
        .select_related("patient", "payer_profile")
        .prefetch_related("performed", "levels")
        .order_by("valid_to", "pk")
    )
