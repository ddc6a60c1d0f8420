"""The request of an import and its rows: the procedure and clinical facts, levels,
block responses, conservative care, imaging, billable diagnoses, and the injection
history (a row the patient already has is linked and completed, never doubled).
"""

from __future__ import annotations

import dataclasses
from datetime import date

from django.core.exceptions import ValidationError

from priorauth import models as m
from priorauth.models import validators as v
from priorauth.rules import facts as rf
from priorauth.rules.ledger import normalize, safe_levels
from priorauth.services.importing.plan import (
    Errors,
    Plan,
    fits,
    history_key,
    levels_text,
    messages_of,
)

_REQUESTABLE = {value for value, _label in m.REQUESTABLE_PROCEDURE_CHOICES}


def plan_request(plan: Plan, facts: rf.CaseFacts, errs: Errors, today: date) -> None:
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
        fits(errs, path, getattr(req, field), m.AuthRequest, field)
    plan.request = req


def plan_rows(plan: Plan, facts: rf.CaseFacts, errs: Errors, today: date) -> None:
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
            fits(
                errs, f"{path}.{field}", getattr(row, field), m.ConservativeCare, field
            )
        plan.care.append(row)

    for i, s in enumerate(facts.imaging):
        path = f"imaging[{i}]"
        row = m.ImagingStudy(
            modality=s.modality,
            date=s.date,
            levels=levels_text(s.levels),
            findings=s.findings,
            concordant=s.concordant,
            shows_hnp=s.shows_hnp,
        )
        for field in ("modality", "levels", "findings"):
            fits(errs, f"{path}.{field}", getattr(row, field), m.ImagingStudy, field)
        plan.imaging.append(row)

    seen: dict[str, int] = {}
    for i, raw in enumerate(facts.diagnoses):
        path = f"diagnoses[{i}]"
        try:
            code = v.normalize_icd10(raw)
        except ValidationError as exc:
            errs.append((path, messages_of(exc)))
            continue
        if code in seen:
            errs.append((path, f"{code} is already listed in diagnoses[{seen[code]}]"))
            continue
        seen[code] = i
        plan.diagnoses.append(m.Diagnosis(position=len(plan.diagnoses), code=code))


# History fields a file may complete on a row the patient already has.
COMPLETED = (
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
        levels=levels_text(h.levels),
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
    for field, words in COMPLETED:
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


def plan_history(plan: Plan, facts: rf.CaseFacts, errs: Errors, today: date) -> None:
    existing: list[m.PriorProcedure] = []
    known: dict[tuple[date, str, frozenset[str]], m.PriorProcedure] = {}
    if plan.patient is not None and plan.patient.pk is not None:
        existing = list(plan.patient.history.all())
        for row in existing:
            known.setdefault(history_key(row.date, row.procedure, row.level_list), row)
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
            fits(errs, f"{path}.{field}", getattr(row, field), m.PriorProcedure, field)
        if len(errs) != n:
            continue
        key = history_key(h.date, h.procedure.value, h.levels)
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
