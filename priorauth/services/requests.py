"""Reading and evaluating requests: a request with everything its pages and packet
read, its evaluation (findings and outcomes, counts cached for the worklist), prior
injection counts from the history, findings grouped for the panel, status counts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from priorauth import models as m
from priorauth import rules
from priorauth.rules import facts as rf
from priorauth.rules.engine import finding_sort_key, with_outcomes
from priorauth.rules.findings import Evaluation, Severity
from priorauth.services.facts import (
    auth_request_facts,
    patient_history_facts,
    payer_policy_build,
)

__all__ = [
    "SIGNATURE_STEP_CODES",
    "auth_request_evaluate",
    "auth_request_queryset_for_detail",
    "findings_grouped",
    "history_prior_counts",
    "request_status_counts",
]

SIGNATURE_STEP_CODES = frozenset({"PKT-004"})


def auth_request_queryset_for_detail(*, signed_documents: bool = True):  # type: ignore[no-untyped-def]
    """A request with everything its pages, facts and packet read, one query per list.

    ``signed_documents``: also prefetch the signed packets (newest first, without
    the PDF bytes; signed appeals are the appeal panel's), which the detail page lists and ``auth_request_facts`` reads for
    ``signed``. The edit page leaves them out: only an unlocked request is edited,
    and an unlocked request is never signed (signing locks it).
    """
    lookups: list[Any] = [
        "levels",
        Prefetch("builds_on", queryset=m.PriorProcedure.objects.only("id")),
        "conservative_care",
        "imaging",
        "diagnoses",
        "patient__history",
    ]
    if signed_documents:
        lookups.append(
            Prefetch(
                "signed_documents",
                queryset=m.SignedDocument.objects.filter(
                    kind=m.SignedDocument.Kind.PACKET
                ).defer("pdf"),
            )
        )
    return m.AuthRequest.objects.select_related(
        "patient",
        "patient__payer_profile",
        "payer_profile",
        "ordering_provider",
        "rendering_provider",
        "facility",
    ).prefetch_related(*lookups)


def auth_request_evaluate(
    *, request: m.AuthRequest, today: date | None = None
) -> Evaluation:
    """Run the rules for a stored request and cache the counts for the worklist."""
    facts = auth_request_facts(request=request)
    policy = payer_policy_build(profile=request.payer_profile)
    evaluation = rules.evaluate(facts, policy, today=today or timezone.localdate())
    if not request.is_locked:
        evaluation = with_outcomes(_signature_pending(evaluation), policy)
    blockers = sum(1 for f in evaluation.findings if f.severity is Severity.BLOCKER)
    warnings = sum(1 for f in evaluation.findings if f.severity is Severity.WARNING)
    if (request.blocker_count, request.warning_count) != (
        blockers,
        warnings,
    ) or request.evaluated_at is None:
        request.blocker_count = blockers
        request.warning_count = warnings
        request.evaluated_at = timezone.now()
        m.AuthRequest.objects.filter(pk=request.pk).update(
            blocker_count=blockers,
            warning_count=warnings,
            evaluated_at=request.evaluated_at,
        )
    return evaluation


def _signature_pending(evaluation: Evaluation) -> Evaluation:
    """Before signing, an unsigned letter (PKT-004) is the next workflow step, not a gap.

    The workflow cannot submit an unsigned packet (signed -> submitted), so the finding
    is shown as info until then; a JSON file evaluated on its own keeps the blocker.
    """
    findings = tuple(
        dataclasses.replace(
            f,
            severity=Severity.INFO,
            detail="Pending: a physician signs in the next step; unsigned packets cannot be submitted.",
        )
        if f.code in SIGNATURE_STEP_CODES and f.severity is Severity.BLOCKER
        else f
        for f in evaluation.findings
    )
    return dataclasses.replace(
        evaluation, findings=tuple(sorted(findings, key=finding_sort_key))
    )


def history_prior_counts(
    *,
    patient: m.Patient,
    procedure_type: str,
    levels: Iterable[str],
    on: date | None = None,
    history: tuple[rf.PriorProcedure, ...] | None = None,
) -> dict[str, int]:
    """Prior injections per level from the patient's recorded history.

    Counted exactly as the rules engine's ledger counts them (facet IA/MBB blocks
    for the facet family, ESIs for ESIs; typed level variants in the history are
    canonicalised), so a prefilled count never disagrees with the ledger.
    ``on`` (e.g. the date of service) ignores rows after it. ``history``: the
    patient's history facts when the caller already read them.
    """
    from priorauth.rules.ledger import count_types, rows_at_level

    kinds = count_types(rf.ProcedureType(procedure_type))
    if history is None:
        history = patient_history_facts(patient=patient)
    return {
        level: sum(
            1
            for r in rows_at_level(history, level, kinds)
            if on is None or r.date <= on
        )
        for level in set(levels)
    }


def request_status_counts(*, practice_id: int | None) -> dict[str, int]:
    """Requests per status for a practice, in one query (every status present, 0 when none)."""
    from django.db.models import Count

    counts = dict.fromkeys(m.AuthRequest.Status.values, 0)
    rows = (
        m.AuthRequest.objects.filter(practice_id=practice_id)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    for status, n in rows:
        counts[status] = n
    return counts


def findings_grouped(
    *, evaluation: Evaluation
) -> list[tuple[str, list[tuple[str, list]]]]:  # type: ignore[type-arg]
    """Findings grouped by severity (blockers first), then level ("" = whole request)."""
    from priorauth.rules.levels import level_sort_key

    groups: list[tuple[str, list[tuple[str, list]]]] = []  # type: ignore[type-arg]
    for severity in sorted(Severity, key=lambda s: s.rank):
        of_severity = [f for f in evaluation.findings if f.severity is severity]
        if not of_severity:
            continue
        levels = sorted(
            {f.level or "" for f in of_severity},
            key=lambda lv: (lv != "", level_sort_key(lv) if lv else 0),
        )
        groups.append(
            (
                severity.value,
                [
                    (lv, [f for f in of_severity if (f.level or "") == lv])
                    for lv in levels
                ],
            )
        )
    return groups
