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

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from priorauth import models as m
from priorauth.models import validators as v
from priorauth.rules import facts as rf
from priorauth.rules.io import RequestFormatError
from priorauth.rules.ledger import normalize, safe_levels
from priorauth.rules.validation import npi_is_valid, validate_request
from priorauth.security.audit import audit_log
from priorauth.services.requests import (
    auth_request_evaluate,
    auth_request_fill_prior_counts,
)

__all__ = ["IMPORT_ROLES", "ImportProblem", "ImportSummary", "auth_request_import"]

# Every practice role may import (billing staff usually do).
IMPORT_ROLES = frozenset(
    {m.User.Role.BILLING, m.User.Role.PHYSICIAN, m.User.Role.ADMIN}
)

_SEX = {
    "f": "F",
    "female": "F",
    "w": "F",
    "woman": "F",
    "m": "M",
    "male": "M",
    "man": "M",
}
_REQUESTABLE = {value for value, _label in m.REQUESTABLE_PROCEDURE_CHOICES}
_POS = {value for value, _label in m.Facility.PlaceOfService.choices}

Errors = list[tuple[str, str]]


class ImportProblem(RequestFormatError):
    """The request follows the format but cannot be stored as it is.

    ``errors`` lists every problem as ``(field_path, message)``; nothing was written.
    """

    def __str__(self) -> str:
        n = len(self.errors)
        head = (
            f"{n} problem{'s' if n != 1 else ''} stop the import (nothing was saved):"
        )
        lines = [f"  {p or '(request)'}: {msg}" for p, msg in self.errors]
        return "\n".join([head, *lines])


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


# --------------------------------------------------------------------------- helpers


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _fits(errs: Errors, path: str, value: Any, model: type, field: str) -> None:
    """The value fits the column (text longer than the model allows is refused)."""
    max_length = model._meta.get_field(field).max_length
    if isinstance(value, str) and max_length is not None and len(value) > max_length:
        errs.append(
            (
                path,
                f"must be at most {max_length} characters to be stored (got {len(value)})",
            )
        )


def _string_problems(value: Any, path: str, errs: Errors) -> None:
    """NUL characters and lone surrogates cannot be stored (PostgreSQL, SQLite UTF-8)."""
    if isinstance(value, str):
        if "\x00" in value:
            errs.append((path, "must not contain NUL characters"))
        else:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                errs.append(
                    (
                        path,
                        "must be valid Unicode text (it has an unpaired surrogate escape)",
                    )
                )
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            if path == "payer" and f.name == "profile_key":
                sub = "payer_profile"  # the top-level key in the JSON format
            else:
                sub = f"{path}.{f.name}" if path else f.name
            _string_problems(getattr(value, f.name), sub, errs)
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            _string_problems(item, f"{path}[{i}]", errs)


def _levels_text(levels: tuple[str, ...]) -> str:
    return ", ".join(dict.fromkeys(levels))


def _history_key(
    day: date, procedure: str, levels: Any
) -> tuple[date, str, frozenset[str]]:
    return (day, procedure, frozenset(levels))


def _split_name(name: str) -> tuple[str, str]:
    parts = name.strip().rsplit(None, 1)
    if len(parts) == 2:
        return parts[0], parts[1]
    return (parts[0], "") if parts else ("", "")


# --------------------------------------------------------------------------- plan


@dataclasses.dataclass
class _Plan:
    practice_id: int
    payer_profile: m.PayerProfile | None = None
    patient: m.Patient | None = None
    patient_created: bool = False
    ordering: m.Provider | None = None
    rendering: m.Provider | None = None
    facility: m.Facility | None = None
    request: m.AuthRequest | None = None
    levels: list[m.RequestLevel] = dataclasses.field(default_factory=list)
    care: list[m.ConservativeCare] = dataclasses.field(default_factory=list)
    imaging: list[m.ImagingStudy] = dataclasses.field(default_factory=list)
    diagnoses: list[m.Diagnosis] = dataclasses.field(default_factory=list)
    history: list[m.PriorProcedure] = dataclasses.field(default_factory=list)
    history_skipped: int = 0
    # Existing history rows completed from the file; rows the request builds on.
    completed: dict[int, m.PriorProcedure] = dataclasses.field(default_factory=dict)
    builds_on: dict[int, m.PriorProcedure] = dataclasses.field(default_factory=dict)


def _plan_payer(plan: _Plan, facts: rf.CaseFacts, known: set[str]) -> None:
    """The highest active version (validate_request reported a missing or unknown key)."""
    key = facts.payer.profile_key
    if key in known:
        plan.payer_profile = (
            m.PayerProfile.objects.filter(key=key, is_active=True)
            .order_by("-version")
            .first()
        )


def _plan_patient(plan: _Plan, facts: rf.CaseFacts, errs: Errors, today: date) -> None:
    p = facts.patient
    member_id = p.member_id.strip()
    ok = True
    if not member_id:
        errs.append(
            (
                "patient.member_id",
                "is required to import (the patient is matched on member ID and date of birth)",
            )
        )
        ok = False
    else:
        n = len(errs)
        _fits(errs, "patient.member_id", member_id, m.Patient, "member_id")
        ok = len(errs) == n
    if p.dob is None:
        errs.append(
            (
                "patient.dob",
                "is required to import (the patient is matched on member ID and date of birth)",
            )
        )
        ok = False
    elif p.dob > today:  # validate_request reported it
        ok = False
    if not ok:
        return
    existing = (
        m.Patient.objects.filter(
            practice_id=plan.practice_id, member_id=member_id, dob=p.dob
        )
        .order_by("pk")
        .first()
    )
    if existing is not None:
        plan.patient = existing
        return
    first, last = _split_name(p.name)
    if not first:
        errs.append(
            (
                "patient.name",
                "is required to add a new patient (no patient with this member ID and date of birth)",
            )
        )
        return
    n = len(errs)
    _fits(errs, "patient.name", first, m.Patient, "first_name")
    _fits(errs, "patient.name", last, m.Patient, "last_name")
    if len(errs) != n:
        return
    plan.patient = m.Patient(
        practice_id=plan.practice_id,
        first_name=first,
        last_name=last,
        dob=p.dob,
        sex=_SEX.get(p.sex.strip().lower(), m.Patient.Sex.OTHER),
        member_id=member_id,
        payer_profile=plan.payer_profile,
        plan_name=facts.payer.plan_name,
    )
    plan.patient_created = True


def _plan_provider(
    plan: _Plan, role: str, prov: rf.Provider, new: dict[str, m.Provider], errs: Errors
) -> m.Provider | None:
    if not (prov.npi or prov.name or prov.credentials):
        return None
    if not prov.npi:
        errs.append(
            (
                f"{role}.npi",
                "is required to import a physician (physicians are matched by NPI)",
            )
        )
        return None
    if not npi_is_valid(prov.npi):  # validate_request reported it
        return None
    found = (
        m.Provider.objects.filter(practice_id=plan.practice_id, npi=prov.npi)
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    if prov.npi in new:
        return new[prov.npi]
    if not prov.name.strip():
        errs.append(
            (
                f"{role}.name",
                f"is required to add a new physician (no physician with NPI {prov.npi} in your practice)",
            )
        )
        return None
    n = len(errs)
    _fits(errs, f"{role}.name", prov.name.strip(), m.Provider, "name")
    _fits(
        errs, f"{role}.credentials", prov.credentials.strip(), m.Provider, "credentials"
    )
    if len(errs) != n:
        return None
    new[prov.npi] = m.Provider(
        practice_id=plan.practice_id,
        name=prov.name.strip(),
        credentials=prov.credentials.strip(),
        npi=prov.npi,
    )
    return new[prov.npi]


def _plan_facility(plan: _Plan, fac: rf.Facility, errs: Errors) -> None:
    if not (fac.npi or fac.name or fac.place_of_service):
        return
    if not fac.npi:
        errs.append(
            (
                "facility.npi",
                "is required to import a facility (facilities are matched by NPI)",
            )
        )
        return
    if not npi_is_valid(fac.npi):  # validate_request reported it
        return
    found = (
        m.Facility.objects.filter(practice_id=plan.practice_id, npi=fac.npi)
        .order_by("pk")
        .first()
    )
    if found is not None:
        plan.facility = found
        return
    n = len(errs)
    if not fac.name.strip():
        errs.append(
            (
                "facility.name",
                f"is required to add a new facility (no facility with NPI {fac.npi} in your practice)",
            )
        )
    else:
        _fits(errs, "facility.name", fac.name.strip(), m.Facility, "name")
    if fac.place_of_service not in _POS:
        errs.append(
            (
                "facility.place_of_service",
                f"must be one of {', '.join(sorted(_POS))} to add a new facility"
                f" (got {fac.place_of_service or 'nothing'})",
            )
        )
    if len(errs) == n:
        plan.facility = m.Facility(
            practice_id=plan.practice_id,
            name=fac.name.strip(),
            npi=fac.npi,
            place_of_service=fac.place_of_service,
            opd_exempt=fac.opd_exempt,
        )


def _plan_request(plan: _Plan, facts: rf.CaseFacts, errs: Errors, today: date) -> None:
    proc, clin = facts.procedure, facts.clinical
    if proc.type.value not in _REQUESTABLE:
        errs.append(
            (
                "procedure.type",
                f"{proc.type.value} cannot be requested here (it only appears as history or as"
                " another block on the same day)",
            )
        )
    req = m.AuthRequest(
        practice_id=plan.practice_id,
        plan_name=facts.payer.plan_name,
        state_of_service=facts.payer.state,
        county_of_service=facts.payer.county,
        procedure_type=proc.type.value,
        intent=proc.intent.value if proc.intent else "",
        date_of_service=proc.date_of_service,
        guidance=proc.guidance.value if proc.guidance else "",
        contrast=proc.contrast,
        contrast_contraindication=proc.contrast_contraindication,
        sedation=proc.sedation.value,
        sedation_justification=proc.sedation_justification,
        rfa_technique=proc.rfa_technique.value if proc.rfa_technique else "",
        injectate=proc.injectate,
        other_blocks_same_day=[t.value for t in proc.other_blocks_same_day],
        onset_date=clin.onset_date,
        pain_pattern=clin.pain_pattern.value if clin.pain_pattern else "",
        radiculopathy=clin.radiculopathy,
        neurogenic_claudication=clin.neurogenic_claudication,
        post_laminectomy=clin.post_laminectomy,
        acute_zoster=clin.acute_zoster,
        facet_cyst=clin.facet_cyst,
        fusion_at_level=clin.fusion_at_level,
        other_causes_excluded=clin.other_causes_excluded,
        baseline_pain_scale=clin.baseline_pain_scale,
        baseline_pain_score=clin.baseline_pain_score,
        function_scale=clin.function_scale,
        function_score=clin.function_score,
        functional_impairment=clin.functional_impairment,
        rfa_contraindication=clin.rfa_contraindication,
        rfa_planned=clin.rfa_planned,
        changed_approach=clin.changed_approach,
        continuation_rationale=clin.continuation_rationale,
        status=m.AuthRequest.Status.DRAFT,
    )
    paths = {
        "plan_name": "payer.plan_name",
        "state_of_service": "payer.state",
        "county_of_service": "payer.county",
        "contrast_contraindication": "procedure.contrast_contraindication",
        "sedation_justification": "procedure.sedation_justification",
        "injectate": "procedure.injectate",
        "baseline_pain_scale": "clinical.baseline_pain_scale",
        "function_scale": "clinical.function_scale",
        "functional_impairment": "clinical.functional_impairment",
        "rfa_contraindication": "clinical.rfa_contraindication",
        "changed_approach": "clinical.changed_approach",
        "continuation_rationale": "clinical.continuation_rationale",
    }
    for field, path in paths.items():
        _fits(errs, path, getattr(req, field), m.AuthRequest, field)
    plan.request = req


def _plan_rows(plan: _Plan, facts: rf.CaseFacts, errs: Errors, today: date) -> None:
    plan.levels = [
        m.RequestLevel(
            position=i,
            level=row.level,
            side=row.side.value,
            prior_count=row.prior_count,
        )
        for i, row in enumerate(facts.levels)
    ]

    unplaced = normalize(facts).block_responses
    for i, b in enumerate(facts.block_responses):
        path = f"block_responses[{i}]"
        if not any(b is left for left in unplaced):
            continue
        if b.date is None:
            errs.append(
                (
                    f"{path}.date",
                    "is required to store the response: an injection without a date"
                    " cannot be placed in the patient's injection history",
                )
            )
        else:
            errs.append(
                (
                    f"{path}.procedure",
                    "is required here (mbb or facet_ia): a"
                    f" {facts.procedure.type.value} request cannot tell which block"
                    " this response belongs to",
                )
            )

    for i, c in enumerate(facts.conservative_care):
        path = f"conservative_care[{i}]"
        row = m.ConservativeCare(
            kind=c.kind,
            start=c.start,
            end=c.end,
            duration_weeks=c.duration_weeks,
            outcome=c.outcome.value if c.outcome else "",
            note=c.note,
            needs_review=c.needs_review,
        )
        for field in ("kind", "note"):
            _fits(
                errs, f"{path}.{field}", getattr(row, field), m.ConservativeCare, field
            )
        plan.care.append(row)

    for i, s in enumerate(facts.imaging):
        path = f"imaging[{i}]"
        row = m.ImagingStudy(
            modality=s.modality,
            date=s.date,
            levels=_levels_text(s.levels),
            findings=s.findings,
            concordant=s.concordant,
            shows_hnp=s.shows_hnp,
        )
        for field in ("modality", "levels", "findings"):
            _fits(errs, f"{path}.{field}", getattr(row, field), m.ImagingStudy, field)
        plan.imaging.append(row)

    seen: dict[str, int] = {}
    for i, raw in enumerate(facts.diagnoses):
        path = f"diagnoses[{i}]"
        try:
            code = v.normalize_icd10(raw)
        except ValidationError as exc:
            errs.append((path, _messages(exc)))
            continue
        if code in seen:
            errs.append((path, f"{code} is already listed in diagnoses[{seen[code]}]"))
            continue
        seen[code] = i
        plan.diagnoses.append(m.Diagnosis(position=len(plan.diagnoses), code=code))


# History fields a file may complete on a row the patient already has.
_COMPLETED = (
    ("side", "side"),
    ("relief_percent", "relief %"),
    ("relief_duration_hours", "relief hours"),
    ("relief_duration_days", "relief days"),
    ("scale", "pain scale"),
    ("agent", "agent"),
    ("pre_score", "pre score"),
    ("post_score", "post score"),
)


def _history_row(h: rf.PriorProcedure) -> m.PriorProcedure:
    return m.PriorProcedure(
        date=h.date,
        procedure=h.procedure.value,
        intent=h.intent.value if h.intent else "",
        levels=_levels_text(h.levels),
        side=h.side.value if h.side else "",
        relief_percent=h.relief_percent,
        relief_duration_hours=h.relief_duration_hours,
        relief_duration_days=h.relief_duration_days,
        adl_improvement_percent=h.adl_improvement_percent,
        function_improved=h.function_improved,
        medication_reduced=h.medication_reduced,
        scale=h.scale,
        agent=h.agent,
        kx_billed=h.kx_billed,
        pre_score=h.pre_score,
        post_score=h.post_score,
    )


def _complete(row: m.PriorProcedure, new: m.PriorProcedure, today: date) -> bool:
    """Fill ``row``'s empty fields from ``new``; a differing value stays as stored and
    marks the row for review. True when the row changed."""
    changed = False
    for field, words in _COMPLETED:
        old, value = getattr(row, field), getattr(new, field)
        if value is None or value == "" or value == old:
            continue
        if old is None or old == "":
            setattr(row, field, value)
        else:
            shown = f"{value:g}" if isinstance(value, float) else value
            kept = f"{old:g}" if isinstance(old, float) else old
            row.needs_review = True
            row.review_note = (
                f"{row.review_note}\nA file imported on {today.isoformat()} said"
                f" {words} {shown}; the history keeps {kept}. Check which is right."
            ).strip()
        changed = True
    return changed


def _response_rows(facts: rf.CaseFacts) -> dict[int, int]:
    """Normalized history index -> index of the block response that added the row."""
    added: dict[int, int] = {}
    size = len(normalize(dataclasses.replace(facts, block_responses=())).history)
    for j in range(len(facts.block_responses)):
        part = dataclasses.replace(
            facts, block_responses=facts.block_responses[: j + 1]
        )
        grown = len(normalize(part).history)
        if grown > size:
            added[size] = j
            size = grown
    return added


def _plan_history(plan: _Plan, facts: rf.CaseFacts, errs: Errors, today: date) -> None:
    existing: list[m.PriorProcedure] = []
    known: dict[tuple[date, str, frozenset[str]], m.PriorProcedure] = {}
    if plan.patient is not None and plan.patient.pk is not None:
        existing = list(plan.patient.history.all())
        for row in existing:
            known.setdefault(_history_key(row.date, row.procedure, row.level_list), row)
    from_response = _response_rows(facts)
    for i, h in enumerate(normalize(facts).history):
        j = from_response.get(i)
        path = f"history[{i}]" if j is None else f"block_responses[{j}]"
        n = len(errs)
        if not h.levels:
            errs.append(
                (
                    f"{path}.levels",
                    "name at least one level (the ledger counts injections per level)",
                )
            )
        row = _history_row(h)
        for field in ("levels", "scale", "agent"):
            _fits(errs, f"{path}.{field}", getattr(row, field), m.PriorProcedure, field)
        if len(errs) != n:
            continue
        key = _history_key(h.date, h.procedure.value, h.levels)
        found = known.get(key)
        if found is None and h.builds_on:
            # The injection a response describes, already in the ledger with other
            # levels listed (same date and type, overlapping levels): one record.
            levels = set(safe_levels(h.levels))
            found = next(
                (
                    r
                    for r in existing
                    if r.date == h.date
                    and r.procedure == h.procedure.value
                    and levels & set(safe_levels(r.level_list))
                ),
                None,
            )
        if found is None:
            known[key] = row
            plan.history.append(row)
        else:
            plan.history_skipped += 1
            if found.pk is not None and _complete(found, row, today):
                plan.completed[found.pk] = found
            row = found
        if h.builds_on:
            plan.builds_on[id(row)] = row


def _plan(facts: rf.CaseFacts, user: Any, today: date) -> _Plan:
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
    _string_problems(facts, "", errs)
    if errs:  # text that cannot be stored: stop before any lookup
        raise ImportProblem(errs)
    known = set(
        m.PayerProfile.objects.filter(is_active=True).values_list("key", flat=True)
    )
    errs.extend(validate_request(facts, known_profiles=known, today=today))
    plan = _Plan(practice_id=practice_id)
    _plan_payer(plan, facts, known)
    _plan_patient(plan, facts, errs, today)
    new_providers: dict[str, m.Provider] = {}
    plan.ordering = _plan_provider(
        plan, "ordering", facts.ordering, new_providers, errs
    )
    plan.rendering = _plan_provider(
        plan, "rendering", facts.rendering, new_providers, errs
    )
    _plan_facility(plan, facts.facility, errs)
    _plan_request(plan, facts, errs, today)
    _plan_rows(plan, facts, errs, today)
    _plan_history(plan, facts, errs, today)
    if errs:
        raise ImportProblem(errs)
    return plan


# --------------------------------------------------------------------------- write


def _write(plan: _Plan, user: Any) -> m.AuthRequest:
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
            [field for field, _words in _COMPLETED] + ["needs_review", "review_note"],
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
