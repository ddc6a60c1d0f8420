"""A new draft from an earlier request of the same patient ("New request from this
one"; later also "Re-authorize").

What a billing clerk expects for a returning patient's next injection: the same
procedure, levels, sides, providers, facility, diagnoses, clinical facts,
conservative care and imaging, with the date of service left blank (it must be
typed). Prior counts are left empty so they come from the patient's injection
history (the page previews them, the save fills them, exactly as the ledger counts).
The block responses the earlier request built on are ticked again; when the earlier
request was approved and its date of service has passed, its injection is taken as
performed and added to the history (once), marked for staff to enter its response.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from priorauth import models as m
from priorauth.security.audit import audit_log
from priorauth.services.facts import auth_request_builds_on_ids

__all__ = [
    "COPIED_FIELDS",
    "auth_request_copy",
    "request_performed_history_row",
]

# Request fields carried into the copy. Left out on purpose: the date of service
# (typed each time), other blocks on the same day (date-specific), the physician's
# rationales and every workflow, payer-answer and review field.
COPIED_FIELDS = (
    "state_of_service",
    "county_of_service",
    "ordering_provider",
    "rendering_provider",
    "facility",
    "procedure_type",
    "intent",
    "guidance",
    "contrast",
    "contrast_contraindication",
    "sedation",
    "sedation_justification",
    "rfa_technique",
    "injectate",
    "onset_date",
    "pain_pattern",
    "radiculopathy",
    "neurogenic_claudication",
    "post_laminectomy",
    "acute_zoster",
    "facet_cyst",
    "fusion_at_level",
    "other_causes_excluded",
    "baseline_pain_scale",
    "baseline_pain_score",
    "function_scale",
    "function_score",
    "functional_impairment",
    "rfa_contraindication",
    "rfa_planned",
    "changed_approach",
    "continuation_rationale",
    "clinical_notes",
)


def _performed(source: m.AuthRequest, today: date) -> tuple[date, str] | None:
    """When the injection ``source`` asked for was done, and at which levels.

    The procedure staff recorded against the approval (``PerformedProcedure``, the
    latest) when there is one; otherwise an approved request whose (rescheduled)
    date of service has passed is taken as done at its requested levels ("" here).
    """
    done = list(source.performed.all())
    if done:
        last = max(done, key=lambda p: (p.performed_on, p.pk))
        return last.performed_on, last.levels
    when = source.scheduled_on or source.date_of_service
    if source.status == m.AuthRequest.Status.APPROVED and when and when <= today:
        return when, ""
    return None


def _common_side(levels: list[m.RequestLevel]) -> str:
    sides = {lv.side for lv in levels}
    if len(sides) == 1:
        return sides.pop()
    return "bilateral" if sides else ""


def request_performed_history_row(
    *, source: m.AuthRequest, today: date | None = None
) -> m.PriorProcedure | None:
    """The history row of the injection ``source`` asked for, when it was performed.

    An existing row of the patient on the same date with the same procedure is that
    injection (staff or an import entered it): it is returned as it is. Otherwise a
    new row is written from the request (date, procedure, intent, levels, side,
    medicine, scale), marked for review: its response (pain before and after, how
    long the relief lasted) is not known yet. None when not performed.
    """
    today = today or timezone.localdate()
    done = _performed(source, today)
    if done is None:
        return None
    done_on, done_levels = done
    levels = list(source.levels.all())
    for row in source.patient.history.all():
        if row.date == done_on and row.procedure == source.procedure_type:
            return row
    row = m.PriorProcedure(
        patient=source.patient,
        date=done_on,
        procedure=source.procedure_type,
        intent=source.intent,
        levels=done_levels or ", ".join(lv.level for lv in levels),
        side=_common_side(levels),
        agent=source.injectate,
        scale=source.baseline_pain_scale,
        needs_review=True,
        review_note=(
            f"Added from request #{source.pk} (approved, done on "
            f"{done_on:%m/%d/%Y}). Enter its response: pain before "
            "and after, and how long the relief lasted."
        ),
    )
    row.full_clean(exclude={"patient"})
    row.save()
    return row


@transaction.atomic
def auth_request_copy(
    *,
    source: m.AuthRequest,
    user: m.User,
    request: object = None,
    today: date | None = None,
) -> m.AuthRequest:
    """A new draft for ``source``'s patient with ``source``'s facts and rows.

    - Practice isolation: ``user`` must belong to ``source``'s practice
      (``PermissionDenied`` otherwise; views look the request up practice-scoped
      first and answer 404).
    - Payer: the patient's current payer and plan when on file (insurance may have
      changed since), else ``source``'s.
    - Levels and sides as before, prior counts empty (filled from the history);
      conservative care, imaging and diagnoses copied row by row.
    - "Builds on": the rows ``source`` built on, plus ``source``'s own injection
      when it was performed (``request_performed_history_row``).
    - One audit row (``request-copy``, ``from=<source id>``).
    """
    if user.practice_id != source.practice_id:
        raise PermissionDenied("The request belongs to another practice.")
    patient = source.patient
    new = m.AuthRequest(
        practice_id=source.practice_id,
        patient=patient,
        payer_profile=patient.payer_profile or source.payer_profile,
        plan_name=patient.plan_name if patient.payer_profile_id else source.plan_name,
        created_by=user,
        **{name: getattr(source, name) for name in COPIED_FIELDS},
    )
    new.full_clean(exclude={"practice", "created_by"})
    new.save()
    m.RequestLevel.objects.bulk_create(
        m.RequestLevel(request=new, position=i, level=lv.level, side=lv.side)
        for i, lv in enumerate(source.levels.all())
    )
    m.ConservativeCare.objects.bulk_create(
        m.ConservativeCare(
            request=new,
            kind=c.kind,
            start=c.start,
            end=c.end,
            duration_weeks=c.duration_weeks,
            outcome=c.outcome,
            note=c.note,
            needs_review=c.needs_review,
        )
        for c in source.conservative_care.all()
    )
    m.ImagingStudy.objects.bulk_create(
        m.ImagingStudy(
            request=new,
            modality=i.modality,
            date=i.date,
            levels=i.levels,
            findings=i.findings,
            concordant=i.concordant,
            shows_hnp=i.shows_hnp,
        )
        for i in source.imaging.all()
    )
    m.Diagnosis.objects.bulk_create(
        m.Diagnosis(request=new, position=d.position, code=d.code)
        for d in source.diagnoses.all()
    )
    builds_on = set(auth_request_builds_on_ids(request=source))
    performed = request_performed_history_row(source=source, today=today)
    if performed is not None:
        builds_on.add(performed.pk)
    if builds_on:
        new.builds_on.set(sorted(builds_on))
    audit_log(
        action="request-copy",
        request=request,  # type: ignore[arg-type]
        user=user,
        obj=new,
        detail=f"from={source.pk}"
        + (f" history_row={performed.pk}" if performed is not None else ""),
    )
    return new
