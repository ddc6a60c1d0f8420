"""Regenerate fixtures/demo.json: synthetic practices, users, patients and requests.

Every name, date of birth, member ID and NPI here is invented. Run:
    .venv/bin/python scripts/make_demo_fixture.py
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "priorauth.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import check_password, make_password  # noqa: E402

DEMO_USERS = [
    # username, password, practice, role, first, last, credentials, npi
    ("billing", "demo-billing-pass", 1, "billing", "Riley", "Okafor", "", ""),
    (
        "drlee",
        "demo-physician-pass",
        1,
        "physician",
        "Jordan",
        "Lee",
        "MD",
        "1234567893",
    ),
    ("practiceadmin", "demo-admin-pass", 1, "admin", "Sasha", "Brennan", "", ""),
    ("otherbilling", "demo-other-pass", 2, "billing", "Toni", "Vance", "", ""),
]

out: list[dict] = []


def add(model: str, pk: int, **fields: object) -> None:
    out.append({"model": f"priorauth.{model}", "pk": pk, "fields": fields})


add(
    "practice",
    1,
    name="Cascade Spine & Pain Associates (demo)",
    phone="555-0142",
    fax="555-0143",
    address="100 Example Way, Suite 200, Phoenix, AZ 85001",
    contact_name="Riley Okafor",
)
add(
    "practice",
    2,
    name="Red Rock Interventional Pain (demo)",
    phone="555-0190",
    fax="555-0191",
    address="9 Sample Road, Tulsa, OK 74101",
    contact_name="Toni Vance",
)


def _password_hash(username: str, password: str) -> str:
    """The hash already in fixtures/demo.json when it still matches (a stable file:
    regenerating changes only what changed), else a new one."""
    target = ROOT / "fixtures" / "demo.json"
    if target.exists():
        for row in json.loads(target.read_text()):
            fields = row["fields"]
            if row["model"] == "priorauth.user" and fields["username"] == username:
                if check_password(password, fields["password"]):
                    return fields["password"]
    return make_password(password)


for pk, (username, password, practice, role, first, last, cred, npi) in enumerate(
    DEMO_USERS, start=1
):
    add(
        "user",
        pk,
        username=username,
        password=_password_hash(username, password),
        practice=practice,
        role=role,
        first_name=first,
        last_name=last,
        credentials=cred,
        npi=npi,
        is_active=True,
        is_staff=role == "admin",
        email=f"{username}@example.invalid",
    )

add(
    "provider",
    1,
    practice=1,
    name="Jordan Lee",
    credentials="MD",
    npi="1234567893",
    specialty="Interventional pain medicine",
    user=2,
)
add(
    "provider",
    2,
    practice=1,
    name="Morgan Rivera",
    credentials="DO",
    npi="1765432103",
    specialty="Physical medicine and rehabilitation",
    user=None,
)
add(
    "provider",
    3,
    practice=2,
    name="Casey Holt",
    credentials="MD",
    npi="1987654328",
    specialty="Anesthesiology, pain medicine",
    user=None,
)
add(
    "facility",
    1,
    practice=1,
    name="Cascade Ambulatory Surgery Center",
    npi="1245319599",
    place_of_service="24",
)
add(
    "facility",
    2,
    practice=1,
    name="Cascade Hospital Outpatient Pain Unit",
    npi="1047293844",
    place_of_service="22",
)
add(
    "facility",
    3,
    practice=2,
    name="Red Rock Pain Clinic",
    npi="1555012347",
    place_of_service="11",
)

# Patients: (pk, practice, first, last, dob, sex, member, payer key, plan, mrn)
PATIENTS = [
    (
        1,
        1,
        "Avery",
        "Quinlan",
        "1952-04-11",
        "F",
        "1EG4TE5MK72",
        "medicare",
        "Medicare Part B",
        "DEMO-0001",
    ),
    (
        2,
        1,
        "Blake",
        "Marrow",
        "1949-09-23",
        "M",
        "2FH5UF6NL83",
        "medicare",
        "Medicare Part B",
        "DEMO-0002",
    ),
    (
        3,
        1,
        "Casey",
        "Dunmore",
        "1971-01-30",
        "F",
        "W123456789",
        "aetna",
        "Aetna Choice POS II",
        "DEMO-0003",
    ),
    (
        4,
        1,
        "Devon",
        "Ashgrove",
        "1966-06-05",
        "M",
        "U9988776601",
        "evicore",
        "Cigna Open Access Plus",
        "DEMO-0004",
    ),
    (
        5,
        1,
        "Emery",
        "Fallowfield",
        "1980-12-12",
        "X",
        "YRK771234567",
        "carelon",
        "Anthem Blue Cross PPO",
        "DEMO-0005",
    ),
    (
        6,
        1,
        "Finley",
        "Marsh",
        "1958-03-03",
        "F",
        "XQB445566778",
        "bcbs",
        "BCBS PPO",
        "DEMO-0006",
    ),
    (
        7,
        1,
        "Harper",
        "Glenwood",
        "1962-07-19",
        "M",
        "XMA100200300",
        "bcbs_ma",
        "Blue Care Elect PPO",
        "DEMO-0007",
    ),
    (
        8,
        1,
        "Indigo",
        "Pratt",
        "1975-10-08",
        "F",
        "GEN5550001",
        "commercial",
        "Generic Health HMO",
        "DEMO-0008",
    ),
    (
        9,
        2,
        "Jules",
        "Otherton",
        "1960-02-14",
        "M",
        "3GJ6VG7PM94",
        "medicare",
        "Medicare Part B",
        "DEMO-0009",
    ),
]
for pk, practice, first, last, dob, sex, member, payer, plan, mrn in PATIENTS:
    add(
        "patient",
        pk,
        practice=practice,
        first_name=first,
        last_name=last,
        dob=dob,
        sex=sex,
        member_id=member,
        payer_profile=[payer, 1],
        plan_name=plan,
        mrn=mrn,
    )

HISTORY = [
    # patient, date, procedure, intent, levels, side, relief%, hours, days, scale, agent, kx
    (
        1,
        "2026-08-12",
        "mbb",
        "diagnostic",
        "L4-L5, L5-S1",
        "bilateral",
        85,
        6,
        None,
        "NRS",
        "lidocaine 2%",
        True,
    ),
    (
        1,
        "2026-09-02",
        "mbb",
        "diagnostic",
        "L4-L5, L5-S1",
        "bilateral",
        90,
        8,
        None,
        "NRS",
        "bupivacaine 0.5%",
        True,
    ),
    (
        2,
        "2026-06-10",
        "mbb",
        "diagnostic",
        "L3-L4",
        "right",
        60,
        3,
        None,
        "NRS",
        "lidocaine 2%",
        True,
    ),
    (
        2,
        "2026-07-15",
        "mbb",
        "diagnostic",
        "L3-L4",
        "right",
        70,
        4,
        None,
        "NRS",
        "bupivacaine 0.5%",
        True,
    ),
    (
        3,
        "2026-05-20",
        "esi_transforaminal",
        "therapeutic",
        "L5-S1",
        "left",
        60,
        None,
        95,
        "NRS",
        "dexamethasone 10 mg",
        None,
    ),
    (
        4,
        "2025-10-01",
        "mbb",
        "diagnostic",
        "L4-L5",
        "bilateral",
        85,
        6,
        None,
        "NRS",
        "lidocaine 2%",
        None,
    ),
    (
        4,
        "2025-10-22",
        "mbb",
        "diagnostic",
        "L4-L5",
        "bilateral",
        90,
        8,
        None,
        "NRS",
        "bupivacaine 0.5%",
        None,
    ),
    (
        4,
        "2025-12-01",
        "rfa",
        "first",
        "L4-L5",
        "bilateral",
        70,
        None,
        240,
        "NRS",
        "",
        None,
    ),
    (
        6,
        "2026-03-04",
        "facet_ia",
        "diagnostic",
        "L4-L5",
        "right",
        85,
        5,
        None,
        "NRS",
        "lidocaine 1%",
        None,
    ),
    (
        6,
        "2026-03-25",
        "facet_ia",
        "diagnostic",
        "L4-L5",
        "right",
        80,
        7,
        None,
        "NRS",
        "bupivacaine 0.25%",
        None,
    ),
    (
        6,
        "2026-07-01",
        "facet_ia",
        "therapeutic",
        "L4-L5",
        "right",
        60,
        None,
        100,
        "NRS",
        "triamcinolone 40 mg",
        None,
    ),
    (
        7,
        "2026-04-02",
        "esi_caudal",
        "therapeutic",
        "caudal",
        "bilateral",
        55,
        None,
        100,
        "NRS",
        "methylprednisolone 80 mg",
        None,
    ),
    (
        7,
        "2026-08-20",
        "esi_caudal",
        "therapeutic",
        "caudal",
        "bilateral",
        50,
        None,
        80,
        "NRS",
        "methylprednisolone 80 mg",
        None,
    ),
    (
        9,
        "2026-05-05",
        "mbb",
        "diagnostic",
        "L4-L5",
        "left",
        85,
        6,
        None,
        "NRS",
        "lidocaine 2%",
        True,
    ),
]
# The blocks' responses: pain before and after (history pk -> (pre, post)), and the
# injections each request builds on (request pk -> history pks). Request 1 (first
# RFA) builds on the two MBBs at 85 % and 90 %; request 2 (a third diagnostic MBB)
# on the second of its two earlier MBBs.
RESPONSES = {1: (8, 1), 2: (8, 1), 4: (7, 2), 7: (8, 1)}
BUILDS_ON = {1: [1, 2], 2: [4], 4: [7]}
for pk, (
    patient,
    day,
    proc,
    intent,
    levels,
    side,
    relief,
    hours,
    days,
    scale,
    agent,
    kx,
) in enumerate(HISTORY, start=1):
    add(
        "priorprocedure",
        pk,
        patient=patient,
        date=day,
        procedure=proc,
        intent=intent,
        levels=levels,
        side=side,
        relief_percent=relief,
        relief_duration_hours=hours,
        relief_duration_days=days,
        scale=scale,
        agent=agent,
        kx_billed=kx,
        function_improved=True if days else None,
        medication_reduced=True if days else None,
        pre_score=RESPONSES.get(pk, (None, None))[0],
        post_score=RESPONSES.get(pk, (None, None))[1],
        needs_review=False,
        review_note="",
    )

BASE_CLINICAL = dict(
    pain_pattern="axial",
    radiculopathy=False,
    neurogenic_claudication=False,
    post_laminectomy=False,
    acute_zoster=False,
    facet_cyst=False,
    fusion_at_level=False,
    other_causes_excluded=True,
    baseline_pain_scale="NRS",
    baseline_pain_score=7,
    function_scale="ODI",
    function_score=42,
    functional_impairment="Cannot stand longer than 15 minutes; stopped gardening; needs help with laundry.",
    rfa_contraindication="",
    rfa_planned=True,
    changed_approach="",
    continuation_rationale="",
    clinical_notes="",
    contrast=True,
    contrast_contraindication="",
    sedation="none",
    sedation_justification="",
    injectate="",
    other_blocks_same_day=[],
    override_reason="",
    submission_channel="",
    payer_reference="",
    authorization_number="",
    denial_reason="",
    pend_reason="",
    plan_name="",
    revision=1,
    lock_version=0,
    blocker_count=0,
    warning_count=0,
    created_by=1,
    created_at="2026-11-20T15:00:00Z",
    updated_at="2026-11-20T15:00:00Z",
)

REQUESTS = [
    # pk, patient, payer, state, procedure, intent, dos, guidance, onset, rfa_technique, overrides
    (
        1,
        1,
        "medicare",
        "AZ",
        "rfa",
        "first",
        "2027-01-12",
        "fluoroscopy",
        "2025-11-01",
        "thermal",
        {},
    ),
    (
        2,
        2,
        "medicare",
        "OH",
        "mbb",
        "diagnostic",
        "2027-01-19",
        "fluoroscopy",
        "2025-09-15",
        "",
        {},
    ),
    (
        3,
        3,
        "aetna",
        "AZ",
        "esi_transforaminal",
        "",
        "2027-01-08",
        "fluoroscopy",
        "2026-02-01",
        "",
        dict(
            pain_pattern="radicular",
            radiculopathy=True,
            injectate="dexamethasone 10 mg",
            rfa_planned=False,
            baseline_pain_score=8,
        ),
    ),
    (
        4,
        4,
        "evicore",
        "AZ",
        "rfa",
        "repeat",
        "2027-01-26",
        "fluoroscopy",
        "2024-06-01",
        "thermal",
        dict(
            sedation="moderate",
            sedation_justification="Severe procedural anxiety documented at the prior RFA.",
        ),
    ),
    (
        5,
        5,
        "carelon",
        "AZ",
        "esi_interlaminar",
        "",
        "2027-01-14",
        "fluoroscopy",
        "2026-09-20",
        "",
        dict(
            pain_pattern="radicular",
            radiculopathy=True,
            injectate="dexamethasone 10 mg",
            rfa_planned=False,
        ),
    ),
    (
        6,
        6,
        "bcbs",
        "AZ",
        "facet_ia",
        "therapeutic",
        "2027-01-21",
        "fluoroscopy",
        "2025-08-10",
        "",
        dict(
            rfa_contraindication="Implanted spinal cord stimulator with non-MRI-conditional leads near the RF field.",
            rfa_planned=False,
            injectate="triamcinolone 40 mg",
        ),
    ),
    (
        7,
        7,
        "bcbs_ma",
        "AZ",
        "esi_caudal",
        "",
        "2027-01-07",
        "fluoroscopy",
        "2025-05-01",
        "",
        dict(
            pain_pattern="radicular",
            neurogenic_claudication=True,
            post_laminectomy=True,
            injectate="methylprednisolone 80 mg",
            rfa_planned=False,
        ),
    ),
    (
        8,
        8,
        "commercial",
        "AZ",
        "facet_ia",
        "diagnostic",
        "2027-01-15",
        "ultrasound",
        "2026-10-01",
        "",
        {},
    ),
    (
        9,
        9,
        "medicare",
        "OK",
        "mbb",
        "diagnostic",
        "2027-01-22",
        "fluoroscopy",
        "2025-12-01",
        "",
        {},
    ),
]
PRACTICE_OF = {p[0]: p[1] for p in PATIENTS}
for (
    pk,
    patient,
    payer,
    state,
    proc,
    intent,
    dos,
    guidance,
    onset,
    tech,
    overrides,
) in REQUESTS:
    practice = PRACTICE_OF[patient]
    fields = dict(BASE_CLINICAL)
    fields.update(
        practice=practice,
        patient=patient,
        payer_profile=[payer, 1],
        state_of_service=state,
        ordering_provider=1 if practice == 1 else 3,
        rendering_provider=1 if practice == 1 else 3,
        facility=1 if practice == 1 else 3,
        procedure_type=proc,
        intent=intent,
        date_of_service=dos,
        guidance=guidance,
        onset_date=onset,
        rfa_technique=tech,
        status="draft",
        created_by=1 if practice == 1 else 4,
        builds_on=BUILDS_ON.get(pk, []),
        review_note="",
    )
    fields.update(overrides)
    add("authrequest", pk, **fields)

LEVELS = [
    (1, "L4-L5", "bilateral", 2),
    (1, "L5-S1", "bilateral", 2),
    (2, "L3-L4", "right", None),
    (3, "L5-S1", "left", 1),
    (4, "L4-L5", "bilateral", 3),
    (5, "C6-C7", "left", 0),
    (6, "L4-L5", "right", 3),
    (7, "caudal", "bilateral", 2),
    (8, "C5-C6", "right", 0),
    (9, "L4-L5", "left", 1),
]
for pk, (req, level, side, count) in enumerate(LEVELS, start=1):
    add(
        "requestlevel",
        pk,
        request=req,
        position=pk,
        level=level,
        side=side,
        prior_count=count,
    )

CARE = [
    # request, kind, start, end, weeks, outcome (a CareOutcome value), note
    (
        1,
        "physical_therapy",
        "2025-12-01",
        "2026-02-15",
        None,
        "failed",
        "no lasting change in pain",
    ),
    (1, "nsaids", "2025-11-15", "2026-06-01", None, "not_tolerated", "gastritis"),
    (2, "physical_therapy", "2025-10-01", "2025-12-20", None, "failed", ""),
    (3, "physical_therapy", "2026-02-10", "2026-04-10", None, "failed", ""),
    (3, "nsaids", "2026-02-01", None, 10, "partial", ""),
    (4, "home_exercise", "2024-07-01", None, 26, "failed", ""),
    (5, "physical_therapy", "2026-09-25", "2026-10-20", None, "failed", ""),
    (6, "physical_therapy", "2025-09-01", "2025-11-30", None, "failed", ""),
    (7, "physical_therapy", "2025-06-01", "2025-08-01", None, "failed", ""),
    (7, "prescription_analgesics", "2025-06-01", "2025-09-01", None, "partial", ""),
    (8, "nsaids", "2026-10-05", None, 4, "partial", ""),
    (9, "physical_therapy", "2026-01-05", "2026-03-01", None, "failed", ""),
]
for pk, (req, kind, start, end, weeks, outcome, note) in enumerate(CARE, start=1):
    add(
        "conservativecare",
        pk,
        request=req,
        kind=kind,
        start=start,
        end=end,
        duration_weeks=weeks,
        outcome=outcome,
        note=note,
        needs_review=False,
    )

IMAGING = [
    (
        1,
        "mri",
        "2026-01-20",
        "L4-L5, L5-S1",
        "Bilateral facet arthropathy with joint effusions at L4-L5 and L5-S1; no stenosis.",
        False,
        False,
    ),
    (
        2,
        "mri",
        "2025-11-02",
        "L3-L4",
        "Right L3-L4 facet hypertrophy; mild disc bulge without nerve root contact.",
        False,
        False,
    ),
    (
        3,
        "mri",
        "2026-03-01",
        "L5-S1",
        "Left paracentral L5-S1 disc extrusion contacting the traversing left S1 nerve root.",
        True,
        True,
    ),
    (
        4,
        "mri",
        "2024-08-15",
        "L4-L5",
        "Moderate bilateral L4-L5 facet arthropathy.",
        False,
        False,
    ),
    (
        5,
        "mri",
        "2026-10-02",
        "C6-C7",
        "Left foraminal C6-C7 disc protrusion narrowing the left neural foramen.",
        True,
        True,
    ),
    (
        6,
        "ct",
        "2025-10-05",
        "L4-L5",
        "Right L4-L5 facet arthropathy; no fracture.",
        False,
        False,
    ),
    (
        7,
        "mri",
        "2026-01-12",
        "L3-L4, L4-L5",
        "Post-laminectomy changes L4-L5 with severe central canal stenosis at L3-L4.",
        True,
        False,
    ),
    (9, "mri", "2026-02-01", "L4-L5", "Left L4-L5 facet effusion.", False, False),
]
for pk, (req, modality, day, levels, findings, concordant, hnp) in enumerate(
    IMAGING, start=1
):
    add(
        "imagingstudy",
        pk,
        request=req,
        modality=modality,
        date=day,
        levels=levels,
        findings=findings,
        concordant=concordant,
        shows_hnp=hnp,
    )

DIAGNOSES = [
    (1, "M47.816"),
    (2, "M47.816"),
    (3, "M51.16"),
    (3, "M54.17"),
    (4, "M47.816"),
    (5, "M54.12"),
    (6, "M47.816"),
    (7, "M48.062"),
    (7, "M96.1"),
    (8, "M47.812"),
    (9, "M47.816"),
]
for pk, (req, code) in enumerate(DIAGNOSES, start=1):
    add("diagnosis", pk, request=req, position=pk, code=code)

target = ROOT / "fixtures" / "demo.json"
target.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {len(out)} objects to {target}")
