"""Request services: facts mapping, evaluation, prior counts and workflow.

Functions are keyword-only and named <entity>_<action>.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from priorauth import models as m
from priorauth import rules
from priorauth.rules import facts as rf
from priorauth.rules.engine import finding_sort_key, with_outcomes
from priorauth.rules.findings import Evaluation, Severity
from priorauth.rules.policy import Policy


def _split_levels(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _enum_or_none(enum_cls: type, value: str | None):  # type: ignore[no-untyped-def]
    if not value:
        return None
    try:
        return enum_cls(value)
    except ValueError:
        return None


__all__ = [
    "ALLOWED_TRANSITIONS",
    "SIGNATURE_STEP_CODES",
    "WorkflowError",
    "auth_request_evaluate",
    "HISTORY_SHOWN",
    "auth_request_builds_on_ids",
    "auth_request_builds_on_set",
    "auth_request_facts",
    "auth_request_fill_prior_counts",
    "auth_request_queryset_for_detail",
    "auth_request_save",
    "RETURN_COMMENT_MAX",
    "auth_request_send_back",
    "auth_request_send_for_signature",
    "findings_grouped",
    "history_prior_counts",
    "patient_has_history",
    "patient_history_facts",
    "payer_policy_build",
    "prior_procedure_facts",
    "request_history_rows",
    "request_status_counts",
]


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
        intent=_enum_or_none(rf.Intent, row.intent),
        levels=tuple(row.level_list),
        side=_enum_or_none(rf.Side, row.side),
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


def auth_request_facts(*, request: m.AuthRequest) -> rf.CaseFacts:
    """Map one stored request (and its patient's history) to the engine's facts.

    The history is the patient's whole injection history; the rows the request
    builds on are marked ``builds_on`` (their responses are what it relies on).
    Uses prefetched relations when the caller prefetched them.
    """
    patient = request.patient
    facility = request.facility
    return rf.CaseFacts(
        procedure=rf.ProcedurePlan(
            type=rf.ProcedureType(request.procedure_type),
            intent=_enum_or_none(rf.Intent, request.intent),
            date_of_service=request.date_of_service,
            guidance=_enum_or_none(rf.Guidance, request.guidance),
            contrast=request.contrast,
            contrast_contraindication=request.contrast_contraindication,
            sedation=_enum_or_none(rf.Sedation, request.sedation) or rf.Sedation.NONE,
            sedation_justification=request.sedation_justification,
            rfa_technique=_enum_or_none(rf.RfaTechnique, request.rfa_technique),
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
            for lv in request.levels.all()
        ),
        patient=rf.Patient(
            name=patient.full_name,
            dob=patient.dob,
            sex=patient.sex,
            member_id=patient.member_id,
        ),
        payer=rf.PayerInfo(
            profile_key=request.payer_profile.key,
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
            pain_pattern=_enum_or_none(rf.PainPattern, request.pain_pattern),
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
                outcome=_enum_or_none(rf.CareOutcome, c.outcome),
                note=c.note,
                needs_review=c.needs_review,
            )
            for c in request.conservative_care.all()
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
            for i in request.imaging.all()
        ),
        diagnoses=tuple(d.code for d in request.diagnoses.all()),
        history=patient_history_facts(
            patient=patient, builds_on_ids=auth_request_builds_on_ids(request=request)
        ),
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


def auth_request_queryset_for_detail(*, signed_documents: bool = True):  # type: ignore[no-untyped-def]
    """A request with everything its pages, facts and packet read, one query per list.

    ``signed_documents``: also prefetch the signed documents (newest first, without
    the PDF bytes), which the detail page lists and ``auth_request_facts`` reads for
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
            Prefetch("signed_documents", queryset=m.SignedDocument.objects.defer("pdf"))
        )
    return m.AuthRequest.objects.select_related(
        "patient",
        "patient__payer_profile",
        "payer_profile",
        "ordering_provider",
        "rendering_provider",
        "facility",
    ).prefetch_related(*lookups)


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


class WorkflowError(Exception):
    """A status change that the workflow does not allow."""


ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    "draft": {"ready"},
    "ready": {"draft"},
    "signed": {"submitted"},
    "submitted": {"approved", "denied", "pended"},
    "pended": {"submitted", "approved", "denied"},
    "approved": set(),
    "denied": set(),
}


SIGNATURE_STEP_CODES = frozenset({"PKT-004"})


@transaction.atomic
def auth_request_send_for_signature(
    *, request: m.AuthRequest, override_reason: str = ""
) -> None:
    """Move a draft to "ready for signature"; blockers need a recorded override reason."""
    if request.status != m.AuthRequest.Status.DRAFT:
        raise WorkflowError("Only a draft can be sent for signature.")
    blockers = auth_request_evaluate(request=request).blockers
    if blockers and not override_reason.strip():
        raise WorkflowError(
            f"{len(blockers)} blocker(s) remain. Fix them, or give an override reason."
        )
    request.status = m.AuthRequest.Status.READY
    request.override_reason = override_reason.strip() if blockers else ""
    request.returned_comment = ""
    request.lock_version += 1
    request.save(
        update_fields=(
            "status",
            "override_reason",
            "returned_comment",
            "lock_version",
            "updated_at",
        )
    )


RETURN_COMMENT_MAX = 2000


@transaction.atomic
def auth_request_send_back(
    *, request: m.AuthRequest, user: m.User, comment: str
) -> None:
    """The physician sends a request that waits for signature back to billing.

    Only a physician of the practice, only from "ready for signature", and only
    with a comment that says what to change; the request becomes an editable draft.
    """
    if not user.is_physician or user.practice_id != request.practice_id:
        raise PermissionDenied("Only a physician can send a request back.")
    text = comment.strip()
    if not text:
        raise WorkflowError("Say what billing should change: the comment is required.")
    if len(text) > RETURN_COMMENT_MAX:
        raise WorkflowError(
            f"The comment is too long: at most {RETURN_COMMENT_MAX} characters."
        )
    claimed = m.AuthRequest.objects.filter(
        pk=request.pk, status=m.AuthRequest.Status.READY
    ).update(
        status=m.AuthRequest.Status.DRAFT,
        returned_comment=text,
        returned_by=user,
        returned_at=timezone.now(),
        lock_version=F("lock_version") + 1,
        updated_at=timezone.now(),
    )
    if claimed != 1:
        raise WorkflowError("Only a request that is ready for signature can be sent back.")
    request.refresh_from_db()


# --------------------------------------------------------------------------- intake


def patient_has_history(*, patient: m.Patient) -> bool:
    return patient.history.exists()


# The newest history rows of the request's kind shown on the request page (plus
# every row it builds on); the patient page lists them all.
HISTORY_SHOWN = 10


def _history_kinds(procedure_type: str) -> frozenset[str]:
    """Procedure types of the history rows a request of this type is about."""
    kind = _enum_or_none(rf.ProcedureType, procedure_type)
    if kind is None:
        return frozenset()  # not chosen yet: every kind
    if kind.is_facet_family:
        return frozenset(("facet_ia", "mbb", "rfa"))
    if kind.is_esi:
        return frozenset(t.value for t in rf.ProcedureType if t.is_esi)
    return frozenset((kind.value,))


def _row_regions(levels: Iterable[str]) -> set[rf.Region]:
    from priorauth.rules.ledger import safe_levels
    from priorauth.rules.levels import region_of

    return {region_of(level) for level in safe_levels(levels)}


def request_history_rows(
    *, request: m.AuthRequest, patient: m.Patient
) -> tuple[list[m.PriorProcedure], int, frozenset[int]]:
    """The history rows the request page shows, how many it leaves out, and the ids
    of the rows the request builds on.

    Shown: every row the request builds on, and the ``HISTORY_SHOWN`` newest rows
    of its kind (facet blocks and RFAs for a facet-family request, ESIs for an ESI,
    every kind before a procedure is chosen) in the region of its levels (rows
    whose levels cannot be read are kept); newest first. A returning patient with
    a long history keeps a short page; the patient page lists every row. Reads the
    patient's history once (none when prefetched).
    """
    rows = list(patient.history.all())
    ids = auth_request_builds_on_ids(request=request)
    kinds = _history_kinds(request.procedure_type)
    regions = (
        _row_regions(lv.level for lv in request.levels.all()) if request.pk else set()
    )

    def relevant(row: m.PriorProcedure) -> bool:
        if kinds and row.procedure not in kinds:
            return False
        touched = _row_regions(row.level_list)
        return not regions or not touched or bool(touched & regions)

    newest = [row.pk for row in rows if row.pk not in ids and relevant(row)]
    shown_ids = ids | set(newest[:HISTORY_SHOWN])
    shown = [row for row in rows if row.pk in shown_ids]
    return shown, len(rows) - len(shown), ids


def _loaded_foreign_keys(obj: m.AuthRequest) -> set[str]:
    """Foreign keys whose related row is already in hand (select_related, or a form's
    validated choice): checking that it exists would be one more query per key."""
    names = set()
    for field in obj._meta.concrete_fields:
        if field.many_to_one and field.is_cached(obj):
            related = field.get_cached_value(obj)
            if (
                related is not None
                and related.pk is not None
                and related.pk == getattr(obj, field.attname)
            ):
                names.add(field.name)
    return names


def _formset_save_rows(formset, *, request: m.AuthRequest) -> list:  # type: ignore[no-untyped-def,type-arg]
    """Save one validated row formset with bulk queries; return its kept rows in page order.

    New rows: one INSERT; changed rows: one UPDATE; deleted rows: one DELETE
    (instead of one query per row). Level rows get their page order as
    ``position`` and empty prior counts filled from history before they are
    written, so the fill costs no extra UPDATE.
    """
    if formset.prefix == "history":
        return _history_save_rows(formset, request=request)
    model = formset.model
    formset.instance = request
    rows = formset.save(commit=False)  # new and changed rows, not written yet
    kept = [form.instance for form in formset.kept_forms()]
    changed = [row for row in rows if row.pk is not None]
    touched: list = []  # type: ignore[type-arg]
    if formset.prefix == "levels":
        for position, row in enumerate(kept):
            if row.position != position:
                row.position = position
                touched.append(row)
        touched += _fill_prior_counts(request=request, levels=kept)
    changed += [row for row in touched if row.pk is not None and row not in changed]
    new = [row for row in rows if row.pk is None]
    for row in new:
        row.request = request
    deleted = [row.pk for row in formset.deleted_objects if row.pk is not None]
    if deleted:
        model.objects.filter(request=request, pk__in=deleted).delete()
    if new:
        model.objects.bulk_create(new)
    if changed:
        fields = set(formset.form._meta.fields) - {"request", "id"}
        fields |= set(getattr(formset.form, "extra_model_fields", ()))
        if formset.prefix == "levels":
            fields.add("position")
        model.objects.bulk_update(changed, sorted(fields))
    return kept


@transaction.atomic
def auth_request_save(
    *, request: m.AuthRequest, formsets: Iterable, user: m.User
) -> m.AuthRequest:  # type: ignore[type-arg]
    """Save a request and its row formsets (already validated), then fill derived values.

    - ``practice`` and ``created_by`` come from the user, never from the form.
    - Level rows get their page order as ``position``.
    - An empty prior count is filled from the patient's recorded history (when the
      patient has any); a typed count is kept as typed, even when lower (the
      engine reports that as a finding).

    Query cost is fixed, whatever the number of rows: the request UPDATE/INSERT,
    at most one INSERT, UPDATE and DELETE per formset, and the history read when
    a level has no prior count (none when the caller prefetched it).
    """
    is_new = request.pk is None
    if is_new:
        request.practice_id = user.practice_id
        request.created_by = user
    elif request.status == m.AuthRequest.Status.READY:
        raise WorkflowError(
            "This request is waiting for the physician's signature and is read-only."
            " The physician can send it back to billing with a comment."
        )
    elif request.is_locked:
        raise WorkflowError("This request is signed; editing it needs a new revision.")
    request.full_clean(
        exclude={"practice", "created_by"} | _loaded_foreign_keys(request)
    )
    request.save()
    if is_new:
        # A new request builds on nothing yet: no query to find out.
        request._prefetched_objects_cache = {"builds_on": []}
    # History first: prior counts left empty are filled from it, new rows included.
    for formset in sorted(formsets, key=lambda fs: fs.prefix != "history"):
        _formset_save_rows(formset, request=request)
    return request


def _history_save_rows(formset, *, request: m.AuthRequest) -> list:  # type: ignore[no-untyped-def,type-arg]
    """Save the request page's injection history rows and "builds on" ticks.

    New rows: one INSERT; changed rows: one UPDATE; ticks: at most one DELETE and
    one INSERT of links. Every row must be the request's patient's (the formset
    only offers those; checked again here).
    """
    new, changed, ticks = [], [], []
    for form in formset.kept_forms():
        row = form.instance
        if row.pk is None:
            row.patient_id = request.patient_id
            new.append(row)
        elif form.model_changed:
            changed.append(row)
        ticks.append((row, bool(form.cleaned_data.get("builds_on"))))
    _check_same_patient(request=request, rows=changed)
    if new:
        m.PriorProcedure.objects.bulk_create(new)
    if changed:
        fields = set(formset.form._meta.fields) | set(formset.form.extra_model_fields)
        m.PriorProcedure.objects.bulk_update(changed, sorted(fields))
    auth_request_builds_on_set(request=request, rows=ticks)
    if new:
        _history_cache_add(patient=request.patient, rows=new)
    return [row for row, _ in ticks]


def _history_cache_add(*, patient: m.Patient, rows: list[m.PriorProcedure]) -> None:
    """Put rows just written into the patient's prefetched history (if loaded), so the
    prior-count fill that follows sees them without reading the history again.

    Changed rows need nothing: the page's rows are the prefetched objects themselves.
    """
    cached = getattr(patient, "_prefetched_objects_cache", {}).get("history")
    if cached is None:
        return
    merged = [*cached, *rows]
    merged.sort(key=lambda row: (-row.date.toordinal(), row.pk))  # Meta.ordering
    cached._result_cache = merged


def _check_same_patient(
    *, request: m.AuthRequest, rows: Iterable[m.PriorProcedure]
) -> None:
    if any(row.pk is None or row.patient_id != request.patient_id for row in rows):
        raise ValidationError(
            "A request builds only on its own patient's injections.",
            code="other_patient",
        )


@transaction.atomic
def auth_request_builds_on_set(
    *, request: m.AuthRequest, rows: Iterable[tuple[m.PriorProcedure, bool]]
) -> None:
    """Tick (True) or untick (False) the history rows ``request`` builds on.

    Rows not named keep their state. A row of another patient (so also of another
    practice) raises ``ValidationError`` (code ``other_patient``) and nothing changes.
    """
    rows = list(rows)
    _check_same_patient(request=request, rows=[row for row, _ in rows])
    current = auth_request_builds_on_ids(request=request)
    add = {row.pk for row, on in rows if on} - current
    remove = {row.pk for row, on in rows if not on} & current
    link = m.AuthRequest.builds_on.through
    if remove:
        link.objects.filter(
            authrequest_id=request.pk, priorprocedure_id__in=remove
        ).delete()
    if add:
        link.objects.bulk_create(
            [
                link(authrequest_id=request.pk, priorprocedure_id=pk)
                for pk in sorted(add)
            ]
        )
    if add or remove:
        getattr(request, "_prefetched_objects_cache", {}).pop("builds_on", None)


def _fill_prior_counts(
    *, request: m.AuthRequest, levels: Iterable[m.RequestLevel]
) -> list[m.RequestLevel]:
    """Set empty prior counts on ``levels`` from history (not saved); return the rows set."""
    empty = [row for row in levels if row.prior_count is None]
    if not empty:
        return []
    history = patient_history_facts(patient=request.patient)
    if not history:
        return []
    counts = history_prior_counts(
        patient=request.patient,
        procedure_type=request.procedure_type,
        levels=[row.level for row in empty],
        on=request.date_of_service,
        history=history,
    )
    for row in empty:
        row.prior_count = counts.get(row.level, 0)
    return empty


def auth_request_fill_prior_counts(*, request: m.AuthRequest) -> list[str]:
    """Fill empty prior counts from history; return the levels filled."""
    filled = _fill_prior_counts(
        request=request,
        levels=m.RequestLevel.objects.filter(request=request, prior_count__isnull=True),
    )
    if filled:
        m.RequestLevel.objects.bulk_update(filled, ["prior_count"])
    return [row.level for row in filled]


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
