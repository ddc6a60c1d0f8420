"""Import one request from the JSON request format (``docs/request-format.md``).

``auth_request_import(facts=..., user=...)`` stores a parsed request for the user's
practice in one transaction:

1. Check everything first: the checks every way in shares (``rules.validation``:
   NPI check digits, levels, one region, date of service, no future dates for past
   events, a known payer profile), then what storing needs (billable ICD-10-CM
   codes, values that fit their columns, names for new rows), and resolve the payer
   profile. Every problem is collected as ``(field_path, message)`` and raised at
   once as ``ImportProblem``; nothing is written then.
2. Write: find or create the patient (member ID + date of birth, in the user's
   practice), the providers (NPI, in the practice) and the facility (NPI, in the
   practice); add the history rows the patient's ledger does not have yet (same date,
   procedure and levels = already there); create the draft request and its rows;
   fill empty prior counts from the ledger as the intake form does.

   One record per injection: the file's block responses (format v1) are merged into
   its history exactly as the rules do (``rules.ledger.normalize``), and the request
   builds on those rows (and on history rows marked ``builds_on``). A row the patient
   already has is linked, not doubled; its empty response fields are completed from
   the file, and a value the file gives differently is kept as stored and the row
   marked for review. A response that cannot be placed (no date; no block type on a
   request that cannot tell) is refused by path.
3. One audit row ``request-import`` (ids and counts only, no PHI), then evaluate.

Anything that fails after step 1 rolls the whole import back.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from priorauth import models as m
from priorauth.rules import facts as rf
from priorauth.rules.validation import validate_request
from priorauth.security.audit import audit_log
from priorauth.services.importing.parties import (
    plan_facility,
    plan_patient,
    plan_payer,
    plan_provider,
)
from priorauth.services.importing.plan import (
    IMPORT_ROLES,
    Errors,
    ImportProblem,
    Plan,
    string_problems,
)
from priorauth.services.importing.rows import (
    COMPLETED,
    plan_history,
    plan_request,
    plan_rows,
)
from priorauth.services.intake import auth_request_fill_prior_counts
from priorauth.services.requests import auth_request_evaluate
from priorauth.services.tasks import draft_render_soon

__all__ = ["IMPORT_ROLES", "ImportProblem", "ImportSummary", "auth_request_import"]


@dataclasses.dataclass(frozen=True)
class ImportSummary:
    """What an import did (ids and counts only: safe for messages and the audit row)."""

    request_id: int
    patient_id: int
    patient_created: bool
    history_added: int
    history_skipped: int
    blockers: int
    warnings: int


def _plan(facts: rf.CaseFacts, user: Any, today: date) -> Plan:
    practice_id = getattr(user, "practice_id", None)
    if (
        practice_id is None
        or not getattr(user, "is_active", False)
        or getattr(user, "role", None) not in IMPORT_ROLES
    ):
        raise ImportProblem(
            [
                (
                    "",
                    "your account belongs to no practice (or may not import); nothing was imported",
                )
            ]
        )
    errs: Errors = []
    string_problems(facts, "", errs)
    if errs:  # text that cannot be stored: stop before any lookup
        raise ImportProblem(errs)
    known = set(
        m.PayerProfile.objects.filter(is_active=True).values_list("key", flat=True)
    )
    errs.extend(validate_request(facts, known_profiles=known, today=today))
    plan = Plan(practice_id=practice_id)
    plan_payer(plan, facts, known)
    plan_patient(plan, facts, errs, today)
    new_providers: dict[str, m.Provider] = {}
    plan.ordering = plan_provider(plan, "ordering", facts.ordering, new_providers, errs)
    plan.rendering = plan_provider(
        plan, "rendering", facts.rendering, new_providers, errs
    )
    plan_facility(plan, facts.facility, errs)
    plan_request(plan, facts, errs, today)
    plan_rows(plan, facts, errs, today)
    plan_history(plan, facts, errs, today)
    if errs:
        raise ImportProblem(errs)
    return plan


# --------------------------------------------------------------------------- write


def _write(plan: Plan, user: Any) -> m.AuthRequest:
    assert (
        plan.patient is not None
        and plan.request is not None
        and plan.payer_profile is not None
    )
    if plan.patient.pk is None:
        plan.patient.save()
    for provider in {
        id(p): p for p in (plan.ordering, plan.rendering) if p is not None
    }.values():
        if provider.pk is None:
            provider.save()
    if plan.facility is not None and plan.facility.pk is None:
        plan.facility.save()
    for row in plan.history:
        row.patient = plan.patient
    m.PriorProcedure.objects.bulk_create(plan.history)
    if plan.completed:
        m.PriorProcedure.objects.bulk_update(
            plan.completed.values(),
            [field for field, _words in COMPLETED] + ["needs_review", "review_note"],
        )

    req = plan.request
    req.patient = plan.patient
    req.payer_profile = plan.payer_profile
    req.ordering_provider = plan.ordering
    req.rendering_provider = plan.rendering
    req.facility = plan.facility
    req.created_by = user
    req.save()
    req.builds_on.add(*plan.builds_on.values())
    for rows, model in (
        (plan.levels, m.RequestLevel),
        (plan.care, m.ConservativeCare),
        (plan.imaging, m.ImagingStudy),
        (plan.diagnoses, m.Diagnosis),
    ):
        for row in rows:
            row.request = req
        model.objects.bulk_create(rows)
    auth_request_fill_prior_counts(request=req)
    return req


def auth_request_import(
    *,
    facts: rf.CaseFacts,
    user: Any,
    http_request: Any = None,
    today: date | None = None,
) -> m.AuthRequest:
    """Store a parsed JSON request as a new draft of the user's practice, then evaluate it.

    Raises ``ImportProblem`` (a ``RequestFormatError``) listing every problem; then
    nothing is written. The returned request carries ``import_summary``.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        plan = _plan(facts, user, today)
        req = _write(plan, user)
        draft_render_soon(request_id=req.pk)
        audit_log(
            action="request-import",
            request=http_request,
            user=user,
            obj=req,
            detail=(
                f"patient={req.patient_id} {'new' if plan.patient_created else 'existing'}"
                f" levels={len(plan.levels)} history_added={len(plan.history)}"
                f" history_skipped={plan.history_skipped}"
            ),
        )
        evaluation = auth_request_evaluate(request=req)
    req.import_summary = ImportSummary(  # type: ignore[attr-defined]
        request_id=req.pk,
        patient_id=req.patient_id,
        patient_created=plan.patient_created,
        history_added=len(plan.history),
        history_skipped=plan.history_skipped,
        blockers=len(evaluation.blockers),
        warnings=req.warning_count,
    )
    return req
