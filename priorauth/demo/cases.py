"""The demo's patients, each with its injection history and one request.

What each case shows, and what the rules say about it (``tests/test_demo_fixture.py``
holds the findings of every request, so a change shows):

1. Original Medicare, Arizona: a first RFA at L4-L5 and L5-S1 that builds on two
   diagnostic MBBs with 85 % and 90 % relief. Clean.
2. Original Medicare, Ohio: a third "diagnostic" MBB at L3-L4 after two (60 % and
   70 %); its prior count is left for the history to fill. DVT-001 (the smoke
   test looks for it on request 2).
3. Aetna: a repeat transforaminal ESI at L5-S1 after 60 % relief for 95 days, a
   concordant MRI with a disc extrusion. Clean.
4. eviCore: a repeat RFA at L4-L5 after two MBBs and a first RFA (70 % for 240
   days), moderate sedation with its reason. Clean.
5. Carelon: a cervical interlaminar ESI at C6-C7 after under four weeks of
   physical therapy. ESI-003.
6. BCBS-style: a therapeutic facet injection at L4-L5 (the fourth there) with RFA
   ruled out by a spinal cord stimulator. DVT-005, RTE-004.
7. BCBS Massachusetts: a caudal ESI, post-laminectomy with neurogenic
   claudication, after two caudal ESIs. ESI-006, ESI-012.
8. Other commercial: a diagnostic cervical facet injection at C5-C6 under
   ultrasound, no imaging. FAC-019, PKT-005.
9. Original Medicare, Oklahoma, in the second practice (billing staff of the first
   must not see it): a diagnostic MBB at L4-L5 after one. Clean.
10. Original Medicare, Arizona, the headline case: a third diagnostic MBB at L4-L5
    after two with 85 % and 90 % relief, where RFA is the expected next step.
    DVT-001 and DVT-002.
11. Original Medicare in Arlington County, Virginia: the county puts the service
    in Novitas' jurisdiction (JL), so the citations are its LCD, not Palmetto's.
    Clean.
12. Medicare Advantage: a first RFA at L5-S1 after two positive MBBs. Clean
    (RTE-003: the CMS-0057-F decision deadlines that bind the plan).

Every request is a draft; "clean" means informational findings only (the packet
still needs its signature).

After the decision (13-22, no blocker: ``manage.py load_demo`` sends each for
signature, has drlee sign it, records its submission and the payer's answer, dated
from the real today; ``priorauth/management/demo_progress.py``):

13. Original Medicare, Arizona, at the hospital outpatient department (OPD prior
    authorization): a first RFA at L5-S1 after two positive MBBs; provisionally
    affirmed, the authorization ends within 14 days (expiring, Re-authorize).
14. Aetna: a repeat transforaminal ESI at L4-L5; approved, then rescheduled after
    its last valid day (flagged before billing).
15. eviCore: a diagnostic MBB at L4-L5; approved for L4-L5 (64493), the procedure
    recorded treated L5-S1 too (flagged before billing).
16. Medicare Advantage: a first RFA at L4-L5 after two MBBs (85 % relief each);
    denied citing the diagnostic-block criterion, an appeal in draft.
17. Carelon: a cervical interlaminar ESI at C6-C7 after eight weeks of physical
    therapy; denied citing conservative care, the appeal signed, filed and won.
18. Medicare Advantage: a diagnostic MBB at L3-L4; submitted, the plan's 7-day
    decision clock ran out (decision overdue).
19. BCBS-style: a diagnostic facet injection at L4-L5; pended for office notes.
20. Original Medicare at the hospital outpatient department: a diagnostic MBB at
    L4-L5; affirmed.
21. Aetna: a diagnostic facet injection at L5-S1; approved.
22. Original Medicare at the hospital outpatient department: a diagnostic facet
    injection at L3-L4; non-affirmed citing conservative care, no appeal yet.
"""

from __future__ import annotations

from priorauth.demo.scenarios import (
    DemoPractices,
    care,
    day,
    imaging,
    injection,
    patient,
    request,
)


def case_1_first_rfa(practices: DemoPractices) -> None:
    where = practices.cascade
    person = patient(where, "medicare", "Medicare Part B")
    blocks = [
        injection(
            person,
            day(-100),
            "mbb",
            "diagnostic",
            levels="L4-L5, L5-S1",
            side="bilateral",
            relief=85,
            hours=6,
            agent="lidocaine 2%",
            kx=True,
            pre=8,
            post=1,
        ),
        injection(
            person,
            day(-79),
            "mbb",
            "diagnostic",
            levels="L4-L5, L5-S1",
            side="bilateral",
            relief=90,
            hours=8,
            agent="bupivacaine 0.5%",
            kx=True,
            pre=8,
            post=1,
        ),
    ]
    request(
        where,
        person,
        "AZ",
        procedure_type="rfa",
        intent="first",
        date_of_service=day(53),
        onset_date=day(-384),
        rfa_technique="thermal",
        levels=[("L4-L5", "bilateral", 2), ("L5-S1", "bilateral", 2)],
        builds_on=blocks,
        care=[
            care(
                "physical_therapy",
                day(-354),
                day(-278),
                "failed",
                note="no lasting change in pain",
            ),
            care("nsaids", day(-370), day(-172), "not_tolerated", note="gastritis"),
        ],
        imaging=[
            imaging(
                "mri",
                day(-304),
                "L4-L5, L5-S1",
                "Bilateral facet arthropathy with joint effusions at L4-L5 and "
                "L5-S1; no stenosis.",
            )
        ],
        diagnoses=["M47.816"],
    )


def case_2_third_diagnostic_mbb(practices: DemoPractices) -> None:
    where = practices.cascade
    person = patient(where, "medicare", "Medicare Part B")
    injection(
        person,
        day(-163),
        "mbb",
        "diagnostic",
        levels="L3-L4",
        side="right",
        relief=60,
        hours=3,
        agent="lidocaine 2%",
        kx=True,
    )
    second = injection(
        person,
        day(-128),
        "mbb",
        "diagnostic",
        levels="L3-L4",
        side="right",
        relief=70,
        hours=4,
        agent="bupivacaine 0.5%",
        kx=True,
        pre=7,
        post=2,
    )
    request(
        where,
        person,
        "OH",
        procedure_type="mbb",
        intent="diagnostic",
        date_of_service=day(60),
        onset_date=day(-431),
        levels=[("L3-L4", "right", None)],  # the count comes from the history
        builds_on=[second],
        care=[care("physical_therapy", day(-415), day(-335), "failed")],
        imaging=[
            imaging(
                "mri",
                day(-383),
                "L3-L4",
                "Right L3-L4 facet hypertrophy; mild disc bulge without nerve "
                "root contact.",
            )
        ],
        diagnoses=["M47.816"],
    )


def case_3_repeat_transforaminal_esi(practices: DemoPractices) -> None:
    where = practices.cascade
    person = patient(where, "aetna", "Aetna Choice POS II")
    injection(
        person,
        day(-184),
        "esi_transforaminal",
        "therapeutic",
        levels="L5-S1",
        side="left",
        relief=60,
        days=95,
        agent="dexamethasone 10 mg",
    )
    request(
        where,
        person,
        "AZ",
        procedure_type="esi_transforaminal",
        intent="",
        date_of_service=day(49),
        onset_date=day(-292),
        pain_pattern="radicular",
        radiculopathy=True,
        injectate="dexamethasone 10 mg",
        rfa_planned=False,
        baseline_pain_score=8,
        levels=[("L5-S1", "left", 1)],
        care=[
            care("physical_therapy", day(-283), day(-224), "failed"),
            care("nsaids", day(-292), None, "partial", weeks=10),
        ],
        imaging=[
            imaging(
                "mri",
                day(-264),
                "L5-S1",
                "Left paracentral L5-S1 disc extrusion contacting the traversing "
                "left S1 nerve root.",
                concordant=True,
                hnp=True,
            )
        ],
        diagnoses=["M51.16", "M54.17"],
    )


def case_4_repeat_rfa(practices: DemoPractices) -> None:
    where = practices.cascade
    person = patient(where, "evicore", "Cigna Open Access Plus")
    injection(
        person,
        day(-415),
        "mbb",
        "diagnostic",
        levels="L4-L5",
        side="bilateral",
        relief=85,
        hours=6,
        agent="lidocaine 2%",
    )
    second = injection(
        person,
        day(-394),
        "mbb",
        "diagnostic",
        levels="L4-L5",
        side="bilateral",
        relief=90,
        hours=8,
        agent="bupivacaine 0.5%",
        pre=8,
        post=1,
    )
    injection(
        person,
        day(-354),
        "rfa",
        "first",
        levels="L4-L5",
        side="bilateral",
        relief=70,
        days=240,
    )
    request(
        where,
        person,
        "AZ",
        procedure_type="rfa",
        intent="repeat",
        date_of_service=day(67),
        onset_date=day(-902),
        rfa_technique="thermal",
        sedation="moderate",
        sedation_justification="Severe procedural anxiety documented at the prior RFA.",
        levels=[("L4-L5", "bilateral", 3)],
        builds_on=[second],
        care=[care("home_exercise", day(-872), None, "failed", weeks=26)],
        imaging=[
            imaging(
                "mri", day(-827), "L4-L5", "Moderate bilateral L4-L5 facet arthropathy."
            )
        ],
        diagnoses=["M47.816"],
    )


def case_5_cervical_interlaminar_esi(practices: DemoPractices) -> None:
    where = practices.cascade
    person = patient(where, "carelon", "Anthem Blue Cross PPO")
    request(
        where,
        person,
        "AZ",
        procedure_type="esi_interlaminar",
        intent="",
        date_of_service=day(55),
        onset_date=day(-61),
        pain_pattern="radicular",
        radiculopathy=True,
        injectate="dexamethasone 10 mg",
        rfa_planned=False,
        levels=[("C6-C7", "left", 0)],
        care=[care("physical_therapy", day(-56), day(-31), "failed")],
        imaging=[
            imaging(
                "mri",
                day(-49),
                "C6-C7",
                "Left foraminal C6-C7 disc protrusion narrowing the left neural "
                "foramen.",
                concordant=True,
                hnp=True,
            )
        ],
        diagnoses=["M54.12"],
    )


def case_6_therapeutic_facet_no_rfa(practices: DemoPractices) -> None:
    where = practices.cascade
    person = patient(where, "bcbs", "BCBS PPO")
    for when, intent, relief, duration, agent in (
        (day(-261), "diagnostic", 85, {"hours": 5}, "lidocaine 1%"),
        (day(-240), "diagnostic", 80, {"hours": 7}, "bupivacaine 0.25%"),
        (day(-142), "therapeutic", 60, {"days": 100}, "triamcinolone 40 mg"),
    ):
        injection(
            person,
            when,
            "facet_ia",
            intent,
            levels="L4-L5",
            side="right",
            relief=relief,
            agent=agent,
            **duration,
        )
    request(
        where,
        person,
        "AZ",
        procedure_type="facet_ia",
        intent="therapeutic",
        date_of_service=day(62),
        onset_date=day(-467),
        rfa_contraindication="Implanted spinal cord stimulator with "
        "non-MRI-conditional leads near the RF field.",
        rfa_planned=False,
        injectate="triamcinolone 40 mg",
        levels=[("L4-L5", "right", 3)],
        care=[care("physical_therapy", day(-445), day(-355), "failed")],
        imaging=[
            imaging(
                "ct", day(-411), "L4-L5", "Right L4-L5 facet arthropathy; no fracture."
            )
        ],
        diagnoses=["M47.816"],
    )


def case_7_caudal_esi_post_laminectomy(practices: DemoPractices) -> None:
    where = practices.cascade
    person = patient(where, "bcbs_ma", "Blue Care Elect PPO")
    for when, relief, days in ((day(-232), 55, 100), (day(-92), 50, 80)):
        injection(
            person,
            when,
            "esi_caudal",
            "therapeutic",
            levels="caudal",
            side="bilateral",
            relief=relief,
            days=days,
            agent="methylprednisolone 80 mg",
        )
    request(
        where,
        person,
        "AZ",
        procedure_type="esi_caudal",
        intent="",
        date_of_service=day(48),
        onset_date=day(-568),
        pain_pattern="radicular",
        neurogenic_claudication=True,
        post_laminectomy=True,
        injectate="methylprednisolone 80 mg",
        rfa_planned=False,
        levels=[("caudal", "bilateral", 2)],
        care=[
            care("physical_therapy", day(-537), day(-476), "failed"),
            care("prescription_analgesics", day(-537), day(-445), "partial"),
        ],
        imaging=[
            imaging(
                "mri",
                day(-312),
                "L3-L4, L4-L5",
                "Post-laminectomy changes L4-L5 with severe central canal stenosis "
                "at L3-L4.",
                concordant=True,
            )
        ],
        diagnoses=["M48.062", "M96.1"],
    )


def case_8_cervical_facet_under_ultrasound(practices: DemoPractices) -> None:
    where = practices.cascade
    person = patient(where, "commercial", "Generic Health HMO")
    request(
        where,
        person,
        "AZ",
        procedure_type="facet_ia",
        intent="diagnostic",
        date_of_service=day(56),
        onset_date=day(-50),
        guidance="ultrasound",
        levels=[("C5-C6", "right", 0)],
        care=[care("nsaids", day(-46), None, "partial", weeks=4)],
        diagnoses=["M47.812"],
    )


def case_9_second_practice_mbb(practices: DemoPractices) -> None:
    where = practices.red_rock
    person = patient(where, "medicare", "Medicare Part B")
    injection(
        person,
        day(-199),
        "mbb",
        "diagnostic",
        levels="L4-L5",
        side="left",
        relief=85,
        hours=6,
        agent="lidocaine 2%",
        kx=True,
    )
    request(
        where,
        person,
        "OK",
        procedure_type="mbb",
        intent="diagnostic",
        date_of_service=day(63),
        onset_date=day(-354),
        levels=[("L4-L5", "left", 1)],
        care=[care("physical_therapy", day(-319), day(-264), "failed")],
        imaging=[imaging("mri", day(-292), "L4-L5", "Left L4-L5 facet effusion.")],
        diagnoses=["M47.816"],
    )


def case_10_another_mbb_after_two_positive(practices: DemoPractices) -> None:
    where = practices.cascade
    person = patient(where, "medicare", "Medicare Part B")
    blocks = [
        injection(
            person,
            day(-70),
            "mbb",
            "diagnostic",
            levels="L4-L5",
            side="bilateral",
            relief=85,
            hours=6,
            agent="lidocaine 2%",
            kx=True,
            pre=8,
            post=1,
        ),
        injection(
            person,
            day(-49),
            "mbb",
            "diagnostic",
            levels="L4-L5",
            side="bilateral",
            relief=90,
            hours=8,
            agent="bupivacaine 0.5%",
            kx=True,
            pre=8,
            post=1,
        ),
    ]
    request(
        where,
        person,
        "AZ",
        procedure_type="mbb",
        intent="diagnostic",
        date_of_service=day(58),
        onset_date=day(-400),
        levels=[("L4-L5", "bilateral", None)],  # the count comes from the history
        builds_on=blocks,
        care=[
            care("physical_therapy", day(-330), day(-260), "failed"),
            care("nsaids", day(-380), day(-200), "failed"),
        ],
        imaging=[
            imaging(
                "mri",
                day(-300),
                "L4-L5",
                "Bilateral L4-L5 facet arthropathy with small effusions.",
            )
        ],
        diagnoses=["M47.816"],
    )


def case_11_virginia_county(practices: DemoPractices) -> None:
    where = practices.cascade
    person = patient(where, "medicare", "Medicare Part B")
    request(
        where,
        person,
        "VA",
        county_of_service="Arlington County",
        procedure_type="mbb",
        intent="diagnostic",
        date_of_service=day(50),
        onset_date=day(-330),
        levels=[("L5-S1", "right", 0)],
        care=[care("physical_therapy", day(-300), day(-230), "failed")],
        imaging=[imaging("mri", day(-280), "L5-S1", "Right L5-S1 facet arthropathy.")],
        diagnoses=["M47.816"],
    )


def case_12_medicare_advantage_first_rfa(practices: DemoPractices) -> None:
    where = practices.cascade
    person = patient(where, "medicare_advantage", "Medicare Advantage HMO")
    blocks = [
        injection(
            person,
            day(-90),
            "mbb",
            "diagnostic",
            levels="L5-S1",
            side="left",
            relief=80,
            hours=5,
            agent="lidocaine 2%",
            kx=True,
            pre=10,
            post=2,
        ),
        injection(
            person,
            day(-62),
            "mbb",
            "diagnostic",
            levels="L5-S1",
            side="left",
            relief=85,
            hours=7,
            agent="bupivacaine 0.5%",
            kx=True,
            pre=8,
            post=1,
        ),
    ]
    request(
        where,
        person,
        "AZ",
        procedure_type="rfa",
        intent="first",
        date_of_service=day(64),
        onset_date=day(-420),
        rfa_technique="thermal",
        levels=[("L5-S1", "left", 2)],
        builds_on=blocks,
        care=[care("physical_therapy", day(-380), day(-310), "failed")],
        imaging=[imaging("mri", day(-350), "L5-S1", "Left L5-S1 facet arthropathy.")],
        diagnoses=["M47.816"],
    )


# ----------------------------------------------------------- after the decision
# Cases 13-22 are drafts in the fixture like the rest; ``manage.py load_demo`` then
# takes each through the services (sign, submit, decide, ...) to the state below,
# dated from the real today (priorauth/management/demo_progress.py holds the steps).


def case_13_approved_rfa_expiring(practices: DemoPractices) -> None:
    """Approved; the authorization ends within 14 days (Expiring soon, Re-authorize)."""
    where = practices.cascade
    person = patient(where, "medicare", "Medicare Part B")
    blocks = [
        injection(
            person,
            day(-75),
            "mbb",
            "diagnostic",
            levels="L5-S1",
            side="right",
            relief=85,
            hours=6,
            agent="lidocaine 2%",
            kx=True,
            pre=7,
            post=1,
        ),
        injection(
            person,
            day(-54),
            "mbb",
            "diagnostic",
            levels="L5-S1",
            side="right",
            relief=90,
            hours=8,
            agent="bupivacaine 0.5%",
            kx=True,
            pre=7,
            post=1,
        ),
    ]
    request(
        where,
        person,
        "AZ",
        facility=where.hopd,
        procedure_type="rfa",
        intent="first",
        date_of_service=day(18),
        onset_date=day(-420),
        rfa_technique="thermal",
        levels=[("L5-S1", "right", 2)],
        builds_on=blocks,
        care=[care("physical_therapy", day(-390), day(-320), "failed")],
        imaging=[imaging("mri", day(-360), "L5-S1", "Right L5-S1 facet arthropathy.")],
        diagnoses=["M47.816"],
    )


def case_14_approved_esi_rescheduled_late(practices: DemoPractices) -> None:
    """Approved, then rescheduled past the authorization's last day (drift)."""
    where = practices.cascade
    person = patient(where, "aetna", "Aetna Open Access Managed Choice")
    injection(
        person,
        day(-200),
        "esi_transforaminal",
        "therapeutic",
        levels="L4-L5",
        side="right",
        relief=65,
        days=100,
        agent="dexamethasone 10 mg",
    )
    request(
        where,
        person,
        "AZ",
        procedure_type="esi_transforaminal",
        intent="",
        date_of_service=day(10),
        onset_date=day(-310),
        pain_pattern="radicular",
        radiculopathy=True,
        injectate="dexamethasone 10 mg",
        rfa_planned=False,
        baseline_pain_score=8,
        levels=[("L4-L5", "right", 1)],
        care=[
            care("physical_therapy", day(-300), day(-240), "failed"),
            care("nsaids", day(-310), None, "partial", weeks=12),
        ],
        imaging=[
            imaging(
                "mri",
                day(-280),
                "L4-L5",
                "Right foraminal L4-L5 disc protrusion contacting the exiting right "
                "L4 nerve root.",
                concordant=True,
                hnp=True,
            )
        ],
        diagnoses=["M51.16", "M54.16"],
    )


def case_15_approved_mbb_extra_level_done(practices: DemoPractices) -> None:
    """Approved for one level; the procedure recorded treated two (drift)."""
    where = practices.cascade
    person = patient(where, "evicore", "Cigna Open Access Plus")
    request(
        where,
        person,
        "AZ",
        procedure_type="mbb",
        intent="diagnostic",
        date_of_service=day(-20),
        onset_date=day(-380),
        levels=[("L4-L5", "bilateral", 0)],
        care=[
            care("physical_therapy", day(-350), day(-280), "failed"),
            care("nsaids", day(-370), day(-200), "failed"),
        ],
        imaging=[
            imaging(
                "mri",
                day(-330),
                "L4-L5",
                "Bilateral L4-L5 facet arthropathy with small effusions.",
            )
        ],
        diagnoses=["M47.816"],
    )


def case_16_denied_rfa_appeal_draft(practices: DemoPractices) -> None:
    """Denied, the denial citing one of the request's criteria; an appeal in draft."""
    where = practices.cascade
    person = patient(where, "medicare_advantage", "Medicare Advantage HMO")
    blocks = [
        injection(
            person,
            day(-120),
            "mbb",
            "diagnostic",
            levels="L4-L5",
            side="bilateral",
            relief=85,
            hours=5,
            agent="lidocaine 2%",
            kx=True,
            pre=8,
            post=1,
        ),
        injection(
            person,
            day(-98),
            "mbb",
            "diagnostic",
            levels="L4-L5",
            side="bilateral",
            relief=85,
            hours=7,
            agent="bupivacaine 0.5%",
            kx=True,
            pre=8,
            post=1,
        ),
    ]
    request(
        where,
        person,
        "AZ",
        procedure_type="rfa",
        intent="first",
        date_of_service=day(20),
        onset_date=day(-500),
        rfa_technique="thermal",
        levels=[("L4-L5", "bilateral", 2)],
        builds_on=blocks,
        care=[
            care("physical_therapy", day(-460), day(-390), "failed"),
            care("home_exercise", day(-390), None, "failed", weeks=30),
        ],
        imaging=[
            imaging("mri", day(-430), "L4-L5", "Bilateral L4-L5 facet arthropathy.")
        ],
        diagnoses=["M47.816"],
    )


def case_17_denied_esi_appeal_won(practices: DemoPractices) -> None:
    """Denied; the appeal was signed, filed and won."""
    where = practices.cascade
    person = patient(where, "carelon", "Anthem Blue Cross PPO")
    request(
        where,
        person,
        "AZ",
        procedure_type="esi_interlaminar",
        intent="",
        date_of_service=day(-30),
        onset_date=day(-200),
        pain_pattern="radicular",
        radiculopathy=True,
        injectate="dexamethasone 10 mg",
        rfa_planned=False,
        levels=[("C6-C7", "right", 0)],
        care=[
            care("physical_therapy", day(-180), day(-120), "failed"),
            care("nsaids", day(-190), None, "partial", weeks=16),
        ],
        imaging=[
            imaging(
                "mri",
                day(-150),
                "C6-C7",
                "Right foraminal C6-C7 disc protrusion narrowing the right neural "
                "foramen.",
                concordant=True,
                hnp=True,
            )
        ],
        diagnoses=["M54.12"],
    )


def case_18_submitted_decision_overdue(practices: DemoPractices) -> None:
    """Submitted to a Medicare Advantage plan; its 7-day decision clock ran out."""
    where = practices.cascade
    person = patient(where, "medicare_advantage", "Medicare Advantage PPO")
    request(
        where,
        person,
        "AZ",
        procedure_type="mbb",
        intent="diagnostic",
        date_of_service=day(30),
        onset_date=day(-300),
        levels=[("L3-L4", "left", 0)],
        care=[care("physical_therapy", day(-270), day(-200), "failed")],
        imaging=[imaging("mri", day(-250), "L3-L4", "Left L3-L4 facet arthropathy.")],
        diagnoses=["M47.816"],
    )


def case_19_pended_facet(practices: DemoPractices) -> None:
    """Pended: the payer asked for the office notes."""
    where = practices.cascade
    person = patient(where, "bcbs", "BCBS PPO")
    request(
        where,
        person,
        "AZ",
        procedure_type="facet_ia",
        intent="diagnostic",
        date_of_service=day(28),
        onset_date=day(-260),
        levels=[("L4-L5", "left", 0)],
        care=[care("physical_therapy", day(-230), day(-160), "failed")],
        imaging=[imaging("mri", day(-210), "L4-L5", "Left L4-L5 facet arthropathy.")],
        diagnoses=["M47.816"],
    )


def case_20_approved_medicare_mbb(practices: DemoPractices) -> None:
    """Approved (Original Medicare, no drift): for the analytics."""
    where = practices.cascade
    person = patient(where, "medicare", "Medicare Part B")
    request(
        where,
        person,
        "AZ",
        facility=where.hopd,
        procedure_type="mbb",
        intent="diagnostic",
        date_of_service=day(40),
        onset_date=day(-340),
        levels=[("L4-L5", "right", 0)],
        care=[
            care("physical_therapy", day(-310), day(-240), "failed"),
            care("nsaids", day(-330), day(-150), "failed"),
        ],
        imaging=[imaging("mri", day(-290), "L4-L5", "Right L4-L5 facet arthropathy.")],
        diagnoses=["M47.816"],
    )


def case_21_approved_aetna_facet(practices: DemoPractices) -> None:
    """Approved (Aetna, no drift): for the analytics."""
    where = practices.cascade
    person = patient(where, "aetna", "Aetna Choice POS II")
    request(
        where,
        person,
        "AZ",
        procedure_type="facet_ia",
        intent="diagnostic",
        date_of_service=day(35),
        onset_date=day(-280),
        levels=[("L5-S1", "bilateral", 0)],
        care=[care("physical_therapy", day(-250), day(-180), "failed")],
        imaging=[
            imaging("mri", day(-230), "L5-S1", "Bilateral L5-S1 facet arthropathy.")
        ],
        diagnoses=["M47.816"],
    )


def case_22_denied_medicare_facet(practices: DemoPractices) -> None:
    """Denied (Original Medicare), no appeal yet: its deadline counts down."""
    where = practices.cascade
    person = patient(where, "medicare", "Medicare Part B")
    request(
        where,
        person,
        "AZ",
        facility=where.hopd,
        procedure_type="facet_ia",
        intent="diagnostic",
        date_of_service=day(30),
        onset_date=day(-240),
        levels=[("L3-L4", "right", 0)],
        care=[
            care("physical_therapy", day(-220), day(-160), "failed"),
            care("nsaids", day(-230), None, "partial", weeks=20),
        ],
        imaging=[imaging("ct", day(-200), "L3-L4", "Right L3-L4 facet arthropathy.")],
        diagnoses=["M47.816"],
    )


# Built in this order: patient and request pks 1-22 (cases 13-22 are taken past the
# decision by load_demo, which finds them by pk and MRN).
CASES = (
    case_1_first_rfa,
    case_2_third_diagnostic_mbb,
    case_3_repeat_transforaminal_esi,
    case_4_repeat_rfa,
    case_5_cervical_interlaminar_esi,
    case_6_therapeutic_facet_no_rfa,
    case_7_caudal_esi_post_laminectomy,
    case_8_cervical_facet_under_ultrasound,
    case_9_second_practice_mbb,
    case_10_another_mbb_after_two_positive,
    case_11_virginia_county,
    case_12_medicare_advantage_first_rfa,
    case_13_approved_rfa_expiring,
    case_14_approved_esi_rescheduled_late,
    case_15_approved_mbb_extra_level_done,
    case_16_denied_rfa_appeal_draft,
    case_17_denied_esi_appeal_won,
    case_18_submitted_decision_overdue,
    case_19_pended_facet,
    case_20_approved_medicare_mbb,
    case_21_approved_aetna_facet,
    case_22_denied_medicare_facet,
)
