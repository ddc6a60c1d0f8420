"""The demo's people and places, its fixed date and seed, and helpers for the cases.

Everything is built with the factories on ``DEMO_SEED`` into an empty database
(``fixture.build_demo``); ``cases`` holds the patients and their requests.
Dates are days from ``DEMO_TODAY`` (``day(-100)``), so the whole demo moves with
one constant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.contrib.auth.hashers import Argon2PasswordHasher

from priorauth import models as m

from . import factories as f

DEMO_SEED = 17
DEMO_TODAY = dt.date(2026, 11, 20)
DEMO_NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)

# The demo's clinical baseline; each case overrides what it is about.
BASELINE: dict[str, Any] = {
    "pain_pattern": "axial",
    "other_causes_excluded": True,
    "baseline_pain_scale": "NRS",
    "baseline_pain_score": 7,
    "function_scale": "ODI",
    "function_score": 42,
    "functional_impairment": "Cannot stand longer than 15 minutes; stopped "
    "gardening; needs help with laundry.",
    "rfa_planned": True,
    "rfa_technique": "",
    "injectate": "",
    "guidance": "fluoroscopy",
    "contrast": True,
    "sedation": "none",
}


def day(offset: int) -> dt.date:
    """``DEMO_TODAY`` moved by ``offset`` days (negative: before)."""
    return DEMO_TODAY + dt.timedelta(days=offset)


def demo_password_hash(username: str, password: str) -> str:
    """Argon2 with a salt fixed per user, so regenerating gives the same fixture.

    A fixed salt is harmless here: the demo passwords are published in the README.
    """
    return Argon2PasswordHasher().encode(password, salt=f"priorauth-demo-{username}")


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class DemoPractice:
    """One demo practice and who and where its requests come from."""

    practice: m.Practice
    staff: m.User
    provider: m.Provider
    facility: m.Facility
    # The practice's hospital outpatient department (POS 22), where Original Medicare
    # needs prior authorization for facet procedures (OPD PA); None if it has none.
    hopd: m.Facility | None = None


def _user(
    factory_class: type[f.UserFactory],
    username: str,
    password: str,
    practice: m.Practice,
    first: str,
    last: str,
    **extra: Any,
) -> m.User:
    return factory_class(
        username=username,
        password=demo_password_hash(username, password),
        practice=practice,
        first_name=first,
        last_name=last,
        date_joined=DEMO_NOW,
        **extra,
    )


class DemoPractices(NamedTuple):
    cascade: DemoPractice  # the README's logins
    red_rock: DemoPractice  # the second practice (``otherbilling``)


def practices() -> DemoPractices:
    """Cascade Spine & Pain (the README logins) and Red Rock, the second practice."""
    cascade = f.PracticeFactory(
        name="Cascade Spine & Pain Associates (demo)",
        phone="555-0142",
        fax="555-0143",
        address="100 Example Way, Suite 200, Phoenix, AZ 85001",
        contact_name="Riley Okafor",
        time_zone="America/Phoenix",  # no daylight saving time: MST all year
    )
    red_rock = f.PracticeFactory(
        name="Red Rock Interventional Pain (demo)",
        phone="555-0190",
        fax="555-0191",
        address="9 Sample Road, Tulsa, OK 74101",
        contact_name="Toni Vance",
        time_zone="America/Chicago",
    )
    # The README's logins, in this order (user pks 1-4).
    billing = _user(
        f.UserFactory, "billing", "demo-billing-pass", cascade, "Riley", "Okafor"
    )
    drlee = _user(
        f.PhysicianUserFactory,
        "drlee",
        "demo-physician-pass",
        cascade,
        "Jordan",
        "Lee",
        credentials="MD",
        npi="1234567893",
    )
    _user(
        f.AdminUserFactory,
        "practiceadmin",
        "demo-admin-pass",
        cascade,
        "Sasha",
        "Brennan",
    )
    otherbilling = _user(
        f.UserFactory, "otherbilling", "demo-other-pass", red_rock, "Toni", "Vance"
    )
    lee = f.ProviderFactory(
        practice=cascade,
        name="Jordan Lee",
        credentials="MD",
        npi="1234567893",
        specialty="Interventional pain medicine",
        user=drlee,
    )
    f.ProviderFactory(
        practice=cascade,
        name="Morgan Rivera",
        credentials="DO",
        npi="1765432103",
        specialty="Physical medicine and rehabilitation",
    )
    holt = f.ProviderFactory(
        practice=red_rock,
        name="Casey Holt",
        credentials="MD",
        npi="1987654328",
        specialty="Anesthesiology, pain medicine",
    )
    asc = f.FacilityFactory(
        practice=cascade,
        name="Cascade Ambulatory Surgery Center",
        npi="1245319599",
        place_of_service="24",
    )
    hopd = f.FacilityFactory(
        practice=cascade,
        name="Cascade Hospital Outpatient Pain Unit",
        npi="1047293844",
        place_of_service="22",
    )
    clinic = f.FacilityFactory(
        practice=red_rock,
        name="Red Rock Pain Clinic",
        npi="1555012347",
        place_of_service="11",
    )
    return DemoPractices(
        DemoPractice(cascade, billing, lee, asc, hopd),
        DemoPractice(red_rock, otherbilling, holt, clinic),
    )


# --------------------------------------------------------------------------- helpers


def patient(where: DemoPractice, payer: str, plan_name: str) -> m.Patient:
    return f.PatientFactory(practice=where.practice, payer=payer, plan_name=plan_name)


def injection(
    patient: m.Patient,
    when: dt.date,
    procedure: str,
    intent: str,
    *,
    levels: str,
    side: str,
    relief: float,
    hours: float | None = None,
    days: float | None = None,
    agent: str = "",
    kx: bool | None = None,
    pre: float | None = None,
    post: float | None = None,
) -> m.PriorProcedure:
    """One history row; a therapeutic response (``days``) also improved function
    and reduced medication."""
    return f.PriorProcedureFactory(
        patient=patient,
        date=when,
        procedure=procedure,
        intent=intent,
        levels=levels,
        side=side,
        relief_percent=relief,
        relief_duration_hours=hours,
        relief_duration_days=days,
        scale="NRS",
        agent=agent,
        kx_billed=kx,
        function_improved=True if days else None,
        medication_reduced=True if days else None,
        pre_score=pre,
        post_score=post,
    )


def care(
    kind: str,
    start: dt.date,
    end: dt.date | None,
    outcome: str,
    *,
    weeks: float | None = None,
    note: str = "",
) -> dict[str, Any]:
    return {
        "kind": kind,
        "start": start,
        "end": end,
        "duration_weeks": weeks,
        "outcome": outcome,
        "note": note,
    }


def imaging(
    modality: str,
    when: dt.date,
    levels: str,
    findings: str,
    *,
    concordant: bool = False,
    hnp: bool = False,
) -> dict[str, Any]:
    return {
        "modality": modality,
        "date": when,
        "levels": levels,
        "findings": findings,
        "concordant": concordant,
        "shows_hnp": hnp,
    }


def request(
    where: DemoPractice,
    patient: m.Patient,
    state: str,
    *,
    facility: m.Facility | None = None,
    **fields: Any,
) -> m.AuthRequest:
    """A draft request of ``patient`` at ``facility`` (default: the practice's ASC)."""
    return f.AuthRequestFactory(
        patient=patient,
        practice=where.practice,
        payer_profile=patient.payer_profile,
        state_of_service=state,
        ordering_provider=where.provider,
        rendering_provider=where.provider,
        facility=facility or where.facility,
        created_by=where.staff,
        created_at=DEMO_NOW,
        updated_at=DEMO_NOW,
        **(BASELINE | fields),
    )
