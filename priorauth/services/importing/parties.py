"""The people and places of an import, found in the practice or planned as new rows:
the payer profile, the patient (member ID and date of birth), the ordering and
rendering physicians and the facility (each by NPI).
"""

from __future__ import annotations

from datetime import date

from priorauth import models as m
from priorauth.rules import facts as rf
from priorauth.rules.validation import npi_is_valid
from priorauth.services.importing.plan import Errors, Plan, fits, split_name

_SEX = {
    "f": "F",
    "female": "F",
    "w": "F",
    "woman": "F",
    "m": "M",
    "male": "M",
    "man": "M",
}
_POS = {value for value, _label in m.Facility.PlaceOfService.choices}


def plan_payer(plan: Plan, facts: rf.CaseFacts, known: set[str]) -> None:
    """The highest active version (validate_request reported a missing or unknown key)."""
    key = facts.payer.profile_key
    if key in known:
        plan.payer_profile = (
            m.PayerProfile.objects.filter(key=key, is_active=True)
            .order_by("-version")
            .first()
        )


def plan_patient(plan: Plan, facts: rf.CaseFacts, errs: Errors, today: date) -> None:
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
        fits(errs, "patient.member_id", member_id, m.Patient, "member_id")
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
    first, last = split_name(p.name)
    if not first:
        errs.append(
            (
                "patient.name",
                "is required to add a new patient (no patient with this member ID and date of birth)",
            )
        )
        return
    n = len(errs)
    fits(errs, "patient.name", first, m.Patient, "first_name")
    fits(errs, "patient.name", last, m.Patient, "last_name")
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


def plan_provider(
    plan: Plan, role: str, prov: rf.Provider, new: dict[str, m.Provider], errs: Errors
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
    fits(errs, f"{role}.name", prov.name.strip(), m.Provider, "name")
    fits(
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


def plan_facility(plan: Plan, fac: rf.Facility, errs: Errors) -> None:
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
        fits(errs, "facility.name", fac.name.strip(), m.Facility, "name")
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
