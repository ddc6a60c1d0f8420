"""Stored rows -> the rules engine's facts: one request (with its patient's injection
history) as ``CaseFacts``, a payer profile as ``Policy``.

Uses prefetched relations when the caller prefetched them
(``requests.auth_request_queryset_for_detail``), so mapping costs no extra query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from priorauth import models as m
from priorauth.rules import facts as rf
from priorauth.rules.policy import Policy

__all__ = [
    "RequestRows",
    "auth_request_builds_on_ids",
    "auth_request_facts",
    "patient_history_facts",
    "payer_policy_build",
    "prior_procedure_facts",
]


@dataclass
class RequestRows:
    """A request's rows for ``auth_request_facts``: stored or as typed (not saved).

    ``history``: (row, ticked "builds on") pairs of the patient's injections as the
    page has them, None for the stored history; ``builds_on_ids``: stored ticks.
    """

    levels: list[Any] = field(default_factory=list)
    conservative_care: list[Any] = field(default_factory=list)
    imaging: list[Any] = field(default_factory=list)
    diagnoses: list[Any] = field(default_factory=list)
    history: list[tuple[Any, bool]] | None = None
    builds_on_ids: frozenset[int] = frozenset()


def _split_levels(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def enum_or_none(enum_cls: type, value: str | None):  # type: ignore[no-untyped-def]
    if not value:
        return None
    try:
        return enum_cls(value)
    except ValueError:
        return None


def payer_policy_build(*, profile: m.PayerProfile) -> Policy:
    """Turn a stored, versioned payer profile into the rules engine's Policy."""
    return Policy.from_data(
        key=profile.key,
        kind=profile.kind,
        name=profile.name,
        version=profile.version,
        effective_date=profile.effective_date,
        policy_id=profile.policy_id,
        revision_date=profile.revision_date,
        data=profile.thresholds,
    )


def patient_history_facts(
    *, patient: m.Patient, builds_on_ids: frozenset[int] = frozenset()
) -> tuple[rf.PriorProcedure, ...]:
    """The patient's injection history as facts, newest first; ``builds_on_ids``:
    the rows the request being evaluated builds on."""
    return tuple(
        prior_procedure_facts(row, builds_on=row.pk in builds_on_ids)
        for row in patient.history.all()
    )


def prior_procedure_facts(
    row: m.PriorProcedure, *, builds_on: bool = False
) -> rf.PriorProcedure:
    return rf.PriorProcedure(
        date=row.date,
        procedure=rf.ProcedureType(row.procedure),
        intent=enum_or_none(rf.Intent, row.intent),
        levels=tuple(row.level_list),
        side=enum_or_none(rf.Side, row.side),
        relief_percent=row.relief_percent,
        relief_duration_hours=row.relief_duration_hours,
        relief_duration_days=row.relief_duration_days,
        adl_improvement_percent=row.adl_improvement_percent,
        function_improved=row.function_improved,
        medication_reduced=row.medication_reduced,
        scale=row.scale,
        agent=row.agent,
        kx_billed=row.kx_billed,
        pre_score=row.pre_score,
        post_score=row.post_score,
        builds_on=builds_on,
    )


def auth_request_builds_on_ids(*, request: m.AuthRequest) -> frozenset[int]:
    """Ids of the history rows the request builds on (prefetched ones when loaded)."""
    if request.pk is None:
        return frozenset()
    cache = getattr(request, "_prefetched_objects_cache", {})
    if "builds_on" in cache:
        return frozenset(row.pk for row in cache["builds_on"])
    return frozenset(request.builds_on.values_list("pk", flat=True))


def _provider_facts(provider: m.Provider | None) -> rf.Provider:
    if provider is None:
        return rf.Provider()
    return rf.Provider(
        name=provider.name, credentials=provider.credentials, npi=provider.npi
    )


def auth_request_facts(
    *,
    request: m.AuthRequest,
    rows: RequestRows | None = None,
) -> rf.CaseFacts:
    """Map one stored request (and its patient's history) to the engine's facts.

    The history is the patient's whole injection history; the rows the request
    builds on are marked ``builds_on`` (their responses are what it relies on).
    Uses prefetched relations when the caller prefetched them. ``rows``: the rows
    as typed on the request page, not saved (the live re-check), instead of the
    stored ones.
    """
    if rows is None:
        rows = RequestRows(
            levels=list(request.levels.all()),
            conservative_care=list(request.conservative_care.all()),
            imaging=list(request.imaging.all()),
            diagnoses=list(request.diagnoses.all()),
            history=None,
            builds_on_ids=auth_request_builds_on_ids(request=request),
        )
    history = (
        patient_history_facts(patient=request.patient, builds_on_ids=rows.builds_on_ids)
        if rows.history is None
        else tuple(
            prior_procedure_facts(row, builds_on=tick) for row, tick in rows.history
        )
    )
    patient = request.patient
    facility = request.facility
    return rf.CaseFacts(
        procedure=rf.ProcedurePlan(
            type=rf.ProcedureType(request.procedure_type),
            intent=enum_or_none(rf.Intent, request.intent),
            date_of_service=request.date_of_service,
            guidance=enum_or_none(rf.Guidance, request.guidance),
            contrast=request.contrast,
            contrast_contraindication=request.contrast_contraindication,
            sedation=enum_or_none(rf.Sedation, request.sedation) or rf.Sedation.NONE,
            sedation_justification=request.sedation_justification,
            rfa_technique=enum_or_none(rf.RfaTechnique, request.rfa_technique),
            injectate=request.injectate,
            other_blocks_same_day=tuple(
                rf.ProcedureType(v)
                for v in request.other_blocks_same_day
                if v in rf.ProcedureType._value2member_map_
            ),
        ),
        levels=tuple(
            rf.LevelRequest(
                level=lv.level, side=rf.Side(lv.side), prior_count=lv.prior_count
            )
            for lv in rows.levels
        ),
        patient=rf.Patient(
            name=patient.full_name,
            dob=patient.dob,
            sex=patient.sex,
            member_id=patient.member_id,
        ),
        payer=rf.PayerInfo(
            profile_key=request.payer_profile.key if request.payer_profile_id else "",
            plan_name=request.plan_name,
            state=request.state_of_service,
            county=request.county_of_service,
        ),
        ordering=_provider_facts(request.ordering_provider),
        rendering=_provider_facts(request.rendering_provider),
        facility=rf.Facility(
            name=facility.name,
            npi=facility.npi,
            place_of_service=facility.place_of_service,
            opd_exempt=facility.opd_exempt,
        )
        if facility
        else rf.Facility(),
        clinical=rf.Clinical(
            onset_date=request.onset_date,
            pain_pattern=enum_or_none(rf.PainPattern, request.pain_pattern),
            radiculopathy=request.radiculopathy,
            neurogenic_claudication=request.neurogenic_claudication,
            post_laminectomy=request.post_laminectomy,
            acute_zoster=request.acute_zoster,
            facet_cyst=request.facet_cyst,
            fusion_at_level=request.fusion_at_level,
            other_causes_excluded=request.other_causes_excluded,
            baseline_pain_scale=request.baseline_pain_scale,
            baseline_pain_score=request.baseline_pain_score,
            function_scale=request.function_scale,
            function_score=request.function_score,
            functional_impairment=request.functional_impairment,
            rfa_contraindication=request.rfa_contraindication,
            rfa_planned=request.rfa_planned,
            changed_approach=request.changed_approach,
            continuation_rationale=request.continuation_rationale,
        ),
        conservative_care=tuple(
            rf.ConservativeCare(
                kind=c.kind,
                start=c.start,
                end=c.end,
                duration_weeks=c.duration_weeks,
                outcome=enum_or_none(rf.CareOutcome, c.outcome),
                note=c.note,
                needs_review=c.needs_review,
            )
            for c in rows.conservative_care
        ),
        imaging=tuple(
            rf.Imaging(
                modality=i.modality,
                date=i.date,
                levels=_split_levels(i.levels),
                findings=i.findings,
                concordant=i.concordant,
                shows_hnp=i.shows_hnp,
            )
            for i in rows.imaging
        ),
        diagnoses=tuple(d.code for d in rows.diagnoses if d.code),
        history=history,
        signed=_current_revision_signed(request),
        rationales=tuple(
            rf.Rationale(
                code=str(r.get("code", "")),
                level=str(r.get("level") or "") or None,
                text=str(r.get("text", "")),
            )
            for r in request.rationales or []
        ),
    )


def _current_revision_signed(request: m.AuthRequest) -> bool:
    """Whether the request's current revision has a signed document.

    Signing locks the request in the same transaction that stores the document and
    a new revision starts unlocked, so an unlocked request needs no query. Otherwise
    the prefetched documents answer when they were loaded, a query when not.
    """
    if request.pk is None or not request.is_locked:
        return False
    cache = getattr(request, "_prefetched_objects_cache", {})
    if "signed_documents" in cache:
        return any(d.revision == request.revision for d in cache["signed_documents"])
    return request.signed_documents.filter(revision=request.revision).exists()
