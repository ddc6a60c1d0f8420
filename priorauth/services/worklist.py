"""The worklist: one practice's requests filtered by status, payer, rendering
physician, date-of-service range and a patient search, with per-status counts.

Built to stay fast at 100k requests: every filter is on an indexed column
(practice+status, practice+date_of_service, the payer/provider foreign keys),
the patient search resolves patients first through the (practice, last_name)
and (practice, member_id) indexes, rows come with ``select_related`` and one
prefetch for levels, so a page costs the same queries for 1 row or 25.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet

from priorauth import models as m
from priorauth.services.patients import patients_matching

__all__ = [
    "EXPIRY_TIERS",
    "EXPIRY_WARNING_DAYS",
    "Expiry",
    "WorklistFilters",
    "auth_request_worklist",
    "authorization_expiry",
    "worklist_next_step",
]

# Days before an authorization's last valid date at which the worklist highlights it,
# most urgent first; the widest is the "expiring soon" filter.
EXPIRY_TIERS = (7, 14, 30)
EXPIRY_WARNING_DAYS = EXPIRY_TIERS[-1]


@dataclass(frozen=True)
class WorklistFilters:
    status: str = ""
    payer_id: int | None = None
    physician_id: int | None = None
    dos_from: date | None = None
    dos_to: date | None = None
    search: str = ""
    # status may also be "expiring": approved requests whose authorization ends within
    # EXPIRY_WARNING_DAYS of ``expiring_on`` (today), counted under counts["expiring"].
    expiring_on: date | None = None
    # status may also be "overdue": submitted requests whose payer decision was due
    # before ``overdue_at`` (now; the route's clock, services.tracking), counted
    # under counts["overdue"] in the same query.
    overdue_at: datetime | None = None


def _patient_match(practice_id: int | None, search: str) -> Q:
    """Requests of the patients the search finds (``services.patients.patients_matching``)."""
    patients = patients_matching(practice_id=practice_id, search=search)
    return Q(patient_id__in=patients.values("pk"))


def auth_request_worklist(
    *, practice_id: int | None, filters: WorklistFilters
) -> tuple[QuerySet[m.AuthRequest], dict[str, int]]:
    """(rows for the filters, requests per status under the other filters).

    The counts ignore the status filter itself so every tab shows what it would list.
    """
    base = m.AuthRequest.objects.filter(practice_id=practice_id)
    if filters.payer_id:
        base = base.filter(payer_profile_id=filters.payer_id)
    if filters.physician_id:
        base = base.filter(rendering_provider_id=filters.physician_id)
    if filters.dos_from:
        base = base.filter(date_of_service__gte=filters.dos_from)
    if filters.dos_to:
        base = base.filter(date_of_service__lte=filters.dos_to)
    if filters.search.strip():
        base = base.filter(_patient_match(practice_id, filters.search))

    counts = dict.fromkeys(m.AuthRequest.Status.values, 0)
    counts["expiring"] = counts["overdue"] = 0
    extra = {}
    if filters.expiring_on:
        extra["soon"] = Count("id", filter=_expiring(filters.expiring_on))
    if filters.overdue_at:
        extra["late"] = Count("id", filter=_overdue(filters.overdue_at))
    # One query for all: the per-status counts, expiring soon and overdue.
    grouped = base.order_by().values("status").annotate(n=Count("id"), **extra)
    for row in grouped:
        counts[row["status"]] = row["n"]
        counts["expiring"] += row.get("soon", 0)
        counts["overdue"] += row.get("late", 0)

    if filters.status == "expiring" and filters.expiring_on:
        rows = base.filter(_expiring(filters.expiring_on))
    elif filters.status == "overdue" and filters.overdue_at:
        rows = base.filter(_overdue(filters.overdue_at))
    elif filters.status:
        rows = base.filter(status=filters.status)
    else:
        rows = base
    rows = (
        rows.select_related("patient", "payer_profile", "rendering_provider")
        .prefetch_related(
            Prefetch(
                "levels",
                queryset=m.RequestLevel.objects.only(
                    "id", "request_id", "level", "side", "position"
                ),
            )
        )
        .order_by(
            *(
                ("valid_to", "pk")
                if filters.status == "expiring"
                else ("decision_due_at", "pk")
                if filters.status == "overdue"
                else ("-updated_at", "-pk")
            )
        )
    )
    return rows, counts


def _overdue(now: datetime) -> Q:
    return Q(status=m.AuthRequest.Status.SUBMITTED, decision_due_at__lt=now)


def _expiring(today: date) -> Q:
    return Q(
        status=m.AuthRequest.Status.APPROVED,
        valid_to__gte=today,
        valid_to__lte=today + timedelta(days=EXPIRY_WARNING_DAYS),
    )


@dataclass(frozen=True)
class Expiry:
    """How long an authorization has left, as the worklist shows it.

    ``tier`` is "expired", the smallest of EXPIRY_TIERS the days left fit in ("7",
    "14", "30"), or "" (more than 30 days left); the words carry it as well as the
    colour does.
    """

    days_left: int
    tier: str

    @property
    def words(self) -> str:
        days = self.days_left
        if days < 0:
            ago = -days
            return f"expired {ago} day{'s' if ago != 1 else ''} ago"
        if days == 0:
            return "expires today"
        left = f"{days} day{'s' if days != 1 else ''} left"
        if self.tier == "7":
            return f"{left}: expires within 7 days"
        if self.tier == "14":
            return f"{left}: expires soon"
        return left


def authorization_expiry(*, valid_to: date | None, today: date) -> Expiry | None:
    """Days from ``today`` to an authorization's last valid date, with its tier."""
    if valid_to is None:
        return None
    days = (valid_to - today).days
    if days < 0:
        return Expiry(days, "expired")
    tier = next((str(t) for t in EXPIRY_TIERS if days <= t), "")
    return Expiry(days, tier)


def worklist_next_step(*, request: m.AuthRequest, for_physician: bool = False) -> str:
    """What to do next with a request, or "" when nothing is left for this user to do
    (waiting for someone else, or a decision that closes it)."""
    status = request.status
    if status == m.AuthRequest.Status.DRAFT:
        if request.evaluated_at is None:
            return "save it to check it"
        if request.blocker_count:
            return "fix the blockers, then send for signature"
        if request.warning_count:
            return "review the warnings, then send for signature"
        return "send for signature"
    if status == m.AuthRequest.Status.READY:
        return "review and sign" if for_physician else ""
    if for_physician:
        return ""
    if (
        status == m.AuthRequest.Status.SUBMITTED
        and request.decision_due_at is not None
        and request.decision_due_at < datetime.now(tz=request.decision_due_at.tzinfo)
    ):
        return "decision overdue: call the payer"
    return {
        m.AuthRequest.Status.SIGNED: "submit to the payer",
        m.AuthRequest.Status.PENDED: "answer the payer",
    }.get(status, "")
