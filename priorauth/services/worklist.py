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
from datetime import date, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet

from priorauth import models as m
from priorauth.services.patients import patients_matching

__all__ = [
    "EXPIRY_WARNING_DAYS",
    "WorklistFilters",
    "auth_request_worklist",
    "authorization_expiry",
]

EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class WorklistFilters:
    status: str = ""
    payer_id: int | None = None
    physician_id: int | None = None
    dos_from: date | None = None
    dos_to: date | None = None
    search: str = ""


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
    for status, n in base.order_by().values_list("status").annotate(n=Count("id")):
        counts[status] = n

    rows = base.filter(status=filters.status) if filters.status else base
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
        .order_by("-updated_at", "-pk")
    )
    return rows, counts


def authorization_expiry(*, valid_to: date | None, today: date) -> str:
    """ "expired", "expiring" (within 30 days) or "" for an authorization's last valid date."""
    if valid_to is None:
        return ""
    if valid_to < today:
        return "expired"
    if valid_to <= today + timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring"
    return ""
