"""Build a complete stored request (and signing keys in a temp dir) for the PDF/signing tests."""

from __future__ import annotations

from datetime import date


def make_request(
    *,
    practice,
    patient,
    provider,
    facility,
    payer_profile,
    status: str = "ready",
    **overrides,
):  # type: ignore[no-untyped-def]
    from priorauth import models as m

    fields = dict(
        practice=practice,
        patient=patient,
        payer_profile=payer_profile,
        plan_name="Medicare Part B",
        state_of_service="AZ",
        ordering_provider=provider,
        rendering_provider=provider,
        facility=facility,
        procedure_type="mbb",
        intent="diagnostic",
        date_of_service=date(2027, 1, 19),
        guidance="fluoroscopy",
        injectate="bupivacaine 0.5%",
        onset_date=date(2025, 12, 1),
        pain_pattern="axial",
        other_causes_excluded=True,
        baseline_pain_scale="NRS",
        baseline_pain_score=7,
        function_scale="ODI",
        function_score=42,
        functional_impairment="Sitting limited to 30 minutes.",
        rfa_planned=True,
        status=status,
    )
    fields.update(overrides)
    request = m.AuthRequest.objects.create(**fields)
    m.RequestLevel.objects.create(
        request=request, level="L4-L5", side="bilateral", prior_count=0
    )
    m.Diagnosis.objects.create(request=request, code="M47.816")
    m.ConservativeCare.objects.create(
        request=request,
        kind="physical_therapy",
        start=date(2026, 1, 12),
        end=date(2026, 3, 20),
        outcome="failed",
    )
    m.ImagingStudy.objects.create(
        request=request,
        modality="mri",
        date=date(2026, 4, 2),
        levels="L4-L5",
        findings="Facet arthropathy.",
    )
    # The first MBB and its response: one injection in the patient's history, which
    # every request made here for the same patient builds on.
    block, _ = m.PriorProcedure.objects.get_or_create(
        patient=request.patient,
        date=date(2026, 9, 15),
        procedure="mbb",
        levels="L4-L5",
        defaults={
            "intent": "diagnostic",
            "agent": "lidocaine 2%",
            "scale": "NRS",
            "pre_score": 7,
            "post_score": 1,
            "relief_percent": 86,
            "relief_duration_hours": 2,
        },
    )
    request.builds_on.add(block)
    return request
