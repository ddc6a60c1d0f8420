"""Shared builders for the security and audit tests."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

# Practice A's objects all get this primary key, so a URL walk can put one number
# into any <int:...> converter and always hit a practice-A object, whatever the model.
SHARED_PK = 7001

PHI_VALUES = ("Synthetic", "ZZT900000001", "1958-03-14", "Sam ")


def make_request(practice: Any, patient: Any, **fields: Any) -> Any:
    from priorauth.models import AuthRequest

    values: dict[str, Any] = {
        "practice": practice,
        "patient": patient,
        "payer_profile": patient.payer_profile,
        "procedure_type": "mbb",
        "intent": "diagnostic",
        "date_of_service": date(2026, 12, 15),
    }
    values.update(fields)
    return AuthRequest.objects.create(**values)


def practice_a_world(
    practice: Any, payer_profile: Any, physician: Any
) -> dict[str, Any]:
    """One object of every practice-scoped model, each with primary key SHARED_PK."""
    from priorauth import models as m

    patient = m.Patient.objects.create(
        pk=SHARED_PK,
        practice=practice,
        first_name="Sam",
        last_name="Synthetic",
        dob=date(1958, 3, 14),
        sex="F",
        member_id="ZZT900000001",
        payer_profile=payer_profile,
    )
    provider = m.Provider.objects.create(
        pk=SHARED_PK, practice=practice, name="Dana Phys", npi="1234567893"
    )
    facility = m.Facility.objects.create(
        pk=SHARED_PK,
        practice=practice,
        name="Test Surgery Center",
        npi="1245319599",
        place_of_service="24",
    )
    request = make_request(
        practice, patient, pk=SHARED_PK, ordering_provider=provider, facility=facility
    )
    injection = m.PriorProcedure.objects.create(
        pk=SHARED_PK,
        patient=patient,
        date=date(2026, 1, 5),
        procedure="mbb",
        levels="L4-L5",
        agent="lidocaine 2%",
        pre_score=8,
        post_score=1,
    )
    request.builds_on.add(injection)
    for model in (
        m.RequestLevel,
        m.ConservativeCare,
        m.ImagingStudy,
        m.Diagnosis,
    ):
        kwargs: dict[str, Any] = {"pk": SHARED_PK, "request": request}
        if model is m.RequestLevel:
            kwargs.update(level="L4-L5", side="bilateral")
        if model is m.ConservativeCare:
            kwargs.update(kind="physical therapy")
        if model is m.ImagingStudy:
            kwargs.update(modality="MRI")
        if model is m.Diagnosis:
            kwargs.update(code="M47.816")
        model.objects.create(**kwargs)
    user = m.User.objects.create(
        pk=SHARED_PK, username="a-colleague", practice=practice, role="billing"
    )
    attachment = _stored_attachment(request)
    return {
        "patient": patient,
        "provider": provider,
        "facility": facility,
        "request": request,
        "user": user,
        "attachment": attachment,
    }


def _stored_attachment(request: Any) -> Any:
    """A one-page supporting document (primary key SHARED_PK), stored as uploads are."""
    import hashlib

    import pikepdf

    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    from priorauth import models as m

    pdf = pikepdf.new()
    pdf.add_blank_page()
    buffer = io.BytesIO()
    pdf.save(buffer, deterministic_id=True)
    data = buffer.getvalue()
    name = storages["attachments"].save(
        f"{request.practice_id}/world.pdf", ContentFile(data)
    )
    return m.Attachment.objects.create(
        pk=SHARED_PK,
        request=request,
        position=1,
        kind="office_note",
        document_date=date(2026, 1, 5),
        source_type="pdf",
        storage_name=name,
        pages=1,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
