"""Seed the benchmark database: N requests and H history rows across P practices.

Synthetic data only: names are generated ("Bench Patient 000123"), clinical
values are copied from the shipped demo fixture's requests (fixtures/demo.json)
so the rules engine sees realistic cases. Payer profiles come from
fixtures/payer_profiles.json via loaddata. Rows are written with bulk_create in
batches inside one transaction per batch.

Run by the orchestrator in its own process with PRIORAUTH_SQLITE_PATH or
DATABASE_URL pointing at the benchmark database:

    python -m priorauth.bench.seed --requests 100000 --history 1000000 --practices 50
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, date, datetime, timedelta

from priorauth.bench.common import ROOT, django_setup, write_json

BENCH_PRACTICE_PREFIX = "Bench practice"
BENCH_PASSWORD = "bench-password-not-secret-1"
BATCH = 2000

REQUEST_SCALARS = (
    "plan_name state_of_service procedure_type intent guidance contrast contrast_contraindication sedation "
    "sedation_justification rfa_technique injectate other_blocks_same_day pain_pattern radiculopathy "
    "neurogenic_claudication post_laminectomy acute_zoster facet_cyst fusion_at_level other_causes_excluded "
    "baseline_pain_scale baseline_pain_score function_scale function_score functional_impairment "
    "rfa_contraindication rfa_planned changed_approach continuation_rationale clinical_notes"
).split()
DATE_FIELDS = ("date_of_service", "onset_date")


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# Statuses of a patient's second request, in turn (the first is a draft): a third of
# them decided, so the analytics page (issue 15) aggregates realistic numbers.
STATUSES = (
    "draft",
    "draft",
    "ready",
    "submitted",
    "approved",
    "draft",
    "denied",
    "ready",
    "pended",
    "approved",
)
# Criteria denials cite (rule IDs of rules.criteria), in turn.
CITED = ("FAC-001", "FAC-002", "FAC-006", "FAC-009", "ESI-001", "PKT-005")
APPEAL_STATUSES = ("preparing", "filed", "won", "won", "upheld", "partial")


def _decision(status: str, day: date, n: int) -> dict:
    """Submission and decision dates (and the denial reason) for a seeded status."""
    if status not in ("submitted", "approved", "denied", "pended"):
        return {}
    out: dict = {"submitted_on": day - timedelta(days=3 + n % 12)}
    if status != "submitted":
        out["decided_on"] = out["submitted_on"] + timedelta(days=n % 11)
    if status == "denied":
        out["denial_reason"] = "Medical necessity not established."
    return out


def _seed_denials(m, denied: list, billing_by_practice: dict) -> int:  # type: ignore[no-untyped-def]
    """One denial per denied request, citing one or two criteria; every second one
    appealed, the appeals in turn preparing, filed, won or upheld."""
    from priorauth.rules.criteria import CRITERIA_BY_CODE

    denials = m.Denial.objects.bulk_create(
        [
            m.Denial(
                request=r,
                decided_on=r.decided_on,
                channel=("fax", "portal", "mail")[r.pk % 3],
                reason_code=f"MN-{r.pk % 7:02d}",
                reason_text=r.denial_reason,
                recorded_by=billing_by_practice[r.practice_id],
            )
            for r in denied
        ],
        batch_size=BATCH,
    )
    reasons = []
    appeals = []
    for i, d in enumerate(denials):
        codes = [CITED[i % len(CITED)]] + (
            [CITED[(i + 2) % len(CITED)]] if i % 3 == 0 else []
        )
        for position, code in enumerate(codes):
            reasons.append(
                m.DenialReason(
                    denial=d,
                    position=position,
                    code=code,
                    criterion=CRITERIA_BY_CODE[code].text[:500],
                )
            )
        if i % 2 == 0:
            appeals.append(
                m.Appeal(
                    request_id=d.request_id,
                    denial=d,
                    status=APPEAL_STATUSES[(i // 2) % len(APPEAL_STATUSES)],
                )
            )
    m.DenialReason.objects.bulk_create(reasons, batch_size=BATCH)
    m.Appeal.objects.bulk_create(appeals, batch_size=BATCH)
    return len(denials)


def load_templates() -> list[dict]:
    """One template per demo request: request fields, children, patient and history."""
    rows = json.loads((ROOT / "fixtures" / "demo.json").read_text())
    by_model: dict[str, list[dict]] = {}
    for row in rows:
        by_model.setdefault(row["model"], []).append(row)
    patients = {r["pk"]: r["fields"] for r in by_model.get("priorauth.patient", [])}
    templates = []
    for req in by_model.get("priorauth.authrequest", []):
        f = req["fields"]
        pk = req["pk"]

        def children(model: str, pk: int = pk) -> list[dict]:
            return [
                {k: v for k, v in r["fields"].items() if k != "request"}
                for r in by_model.get(model, [])
                if r["fields"].get("request") == pk
            ]

        patient = patients[f["patient"]]
        templates.append(
            {
                "profile_key": f["payer_profile"][0]
                if isinstance(f["payer_profile"], list)
                else None,
                "fields": {k: f.get(k) for k in REQUEST_SCALARS if k in f}
                | {k: _d(f.get(k)) for k in DATE_FIELDS},
                "levels": children("priorauth.requestlevel"),
                "diagnoses": children("priorauth.diagnosis"),
                "builds_on": list(f.get("builds_on", [])),  # history pks in the fixture
                "care": children("priorauth.conservativecare"),
                "imaging": children("priorauth.imagingstudy"),
                "patient": {k: patient[k] for k in ("sex", "plan_name")},
                "history": [
                    {k: v for k, v in r["fields"].items() if k != "patient"}
                    | {"fixture_pk": r["pk"]}
                    for r in by_model.get("priorauth.priorprocedure", [])
                    if r["fields"]["patient"] == f["patient"]
                ],
            }
        )
    if not templates:
        raise SystemExit("fixtures/demo.json has no requests to use as templates")
    return templates


def existing_counts() -> dict[str, int]:
    from priorauth import models as m

    return {
        "practices": m.Practice.objects.filter(
            name__startswith=BENCH_PRACTICE_PREFIX
        ).count(),
        "requests": m.AuthRequest.objects.count(),
        "history": m.PriorProcedure.objects.count(),
        "patients": m.Patient.objects.count(),
    }


def seed(
    *, requests: int, history: int, practices: int, rng: random.Random
) -> dict[str, int]:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from priorauth import models as m

    call_command(
        "loaddata", str(ROOT / "fixtures" / "payer_profiles.json"), verbosity=0
    )
    profiles = {p.key: p for p in m.PayerProfile.objects.filter(is_active=True)}
    fallback_profile = next(iter(profiles.values()))
    templates = load_templates()

    # Timestamps: spread requests over the last 400 days so "-updated_at" ordering is realistic.
    for field in ("created_at", "updated_at"):
        m.AuthRequest._meta.get_field(field).auto_now = False
        m.AuthRequest._meta.get_field(field).auto_now_add = False
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    password = make_password(BENCH_PASSWORD)

    with transaction.atomic():
        practice_objs = m.Practice.objects.bulk_create(
            [
                m.Practice(
                    name=f"{BENCH_PRACTICE_PREFIX} {i:02d}",
                    phone="555-0100",
                    fax="555-0101",
                    address=f"{i} Example Way, Springfield",
                    contact_name=f"Contact {i:02d}",
                )
                for i in range(1, practices + 1)
            ]
        )
        users = []
        for p_i, practice in enumerate(practice_objs, 1):
            users.append(
                m.User(
                    username=f"bench-billing-{p_i:02d}",
                    practice=practice,
                    role="billing",
                    first_name="Bench",
                    last_name=f"Billing {p_i:02d}",
                    password=password,
                )
            )
            users.append(
                m.User(
                    username=f"bench-admin-{p_i:02d}",
                    practice=practice,
                    role="admin",
                    first_name="Bench",
                    last_name=f"Admin {p_i:02d}",
                    password=password,
                )
            )
            users.append(
                m.User(
                    username=f"bench-dr-{p_i:02d}",
                    practice=practice,
                    role="physician",
                    first_name="Bench",
                    last_name=f"Doctor {p_i:02d}",
                    credentials="MD",
                    npi="1234567893",
                    password=password,
                )
            )
        users = m.User.objects.bulk_create(users)
        billing_by_practice = {u.practice_id: u for u in users if u.role == "billing"}
        doctor_by_practice = {u.practice_id: u for u in users if u.role == "physician"}
        providers = m.Provider.objects.bulk_create(
            [
                m.Provider(
                    practice=p,
                    name=f"Bench Doctor {i:02d}",
                    credentials="MD",
                    npi="1234567893",
                    specialty="Pain medicine",
                    user=doctor_by_practice[p.pk],
                )
                for i, p in enumerate(practice_objs, 1)
            ]
        )
        facilities = m.Facility.objects.bulk_create(
            [
                m.Facility(
                    practice=p,
                    name=f"Bench Surgery Center {i:02d}",
                    npi="1245319599",
                    place_of_service="24",
                )
                for i, p in enumerate(practice_objs, 1)
            ]
        )
    provider_by_practice = {p.practice_id: p for p in providers}
    facility_by_practice = {f.practice_id: f for f in facilities}

    n_patients = max(practices, requests // 2)
    history_per_patient, history_extra = divmod(history, n_patients)
    counts = {
        "practices": practices,
        "patients": 0,
        "requests": 0,
        "history": 0,
        "children": 0,
    }
    started = time.perf_counter()
    patient_no = 0
    request_no = 0
    # Work in batches of patients; each patient gets ~2 requests and ~history/patients history rows.
    while patient_no < n_patients:
        batch_patients = min(BATCH // 2, n_patients - patient_no)
        with transaction.atomic():
            pats = []
            pat_templates = []
            for j in range(batch_patients):
                k = patient_no + j
                t = templates[k % len(templates)]
                practice = practice_objs[k % practices]
                pats.append(
                    m.Patient(
                        practice=practice,
                        first_name=f"Bench{k % 997:03d}",
                        last_name=f"Patient {k:06d}",
                        dob=date(1940 + k % 50, 1 + k % 12, 1 + k % 28),
                        sex=t["patient"]["sex"],
                        member_id=f"BENCH{k:08d}",
                        payer_profile=profiles.get(t["profile_key"], fallback_profile),
                        plan_name=t["patient"]["plan_name"],
                        mrn=f"B-{k:07d}",
                    )
                )
                pat_templates.append(t)
            pats = m.Patient.objects.bulk_create(pats)

            hist = []
            # (patient pk, fixture history pk) -> the row: what requests build on.
            by_fixture_pk: dict[tuple[int, int], m.PriorProcedure] = {}
            for j, (pat, t) in enumerate(zip(pats, pat_templates, strict=True)):
                k = patient_no + j
                want = history_per_patient + (1 if k < history_extra else 0)
                real = t["history"][:want]
                for h in real:
                    fields = {key: v for key, v in h.items() if key != "fixture_pk"}
                    row = m.PriorProcedure(
                        patient=pat, **(fields | {"date": _d(h["date"])})
                    )
                    by_fixture_pk[(pat.pk, h["fixture_pk"])] = row
                    hist.append(row)
                for f_i in range(want - len(real)):
                    # Old filler rows (2010-2023): a long ledger that must not change today's verdicts.
                    hist.append(
                        m.PriorProcedure(
                            patient=pat,
                            date=date(2010, 1, 1)
                            + timedelta(days=(k * 37 + f_i * 173) % 5000),
                            procedure="trigger_point",
                            intent="",
                            levels="L4-L5",
                            side="left",
                            relief_percent=float(40 + f_i % 50),
                            relief_duration_days=float(10 + f_i % 60),
                            scale="NRS",
                            agent="lidocaine 1%",
                        )
                    )
            m.PriorProcedure.objects.bulk_create(hist, batch_size=BATCH)
            counts["history"] += len(hist)

            reqs = []
            req_templates = []
            for j, (pat, t) in enumerate(zip(pats, pat_templates, strict=True)):
                k = patient_no + j
                per_patient = (
                    2
                    if (requests - request_no - len(reqs)) >= 2 * (batch_patients - j)
                    else 1
                )
                if patient_no + j == n_patients - 1:
                    per_patient = max(0, requests - request_no - len(reqs))
                for r_i in range(per_patient):
                    if request_no + len(reqs) >= requests:
                        break
                    n = request_no + len(reqs)
                    stamp = now - timedelta(minutes=(n * 7919) % (400 * 24 * 60))
                    fields = dict(t["fields"])
                    if fields.get("date_of_service"):
                        fields["date_of_service"] = fields[
                            "date_of_service"
                        ] + timedelta(days=(n % 60) - 30)
                    # By the patient's rank within its practice (patients go round the
                    # practices), so every practice gets every status.
                    turn = (n // (2 * practices)) % len(STATUSES)
                    status = STATUSES[turn] if r_i else "draft"
                    reqs.append(
                        m.AuthRequest(
                            practice_id=pat.practice_id,
                            patient=pat,
                            payer_profile_id=pat.payer_profile_id,
                            ordering_provider=provider_by_practice[pat.practice_id],
                            rendering_provider=provider_by_practice[pat.practice_id],
                            facility=facility_by_practice[pat.practice_id],
                            created_by=billing_by_practice[pat.practice_id],
                            status=status,
                            created_at=stamp,
                            updated_at=stamp,
                            **_decision(status, stamp.date(), n),
                            **fields,
                        )
                    )
                    req_templates.append(t)
            reqs = m.AuthRequest.objects.bulk_create(reqs, batch_size=500)
            counts["requests"] += len(reqs)

            link = m.AuthRequest.builds_on.through
            kids: dict[type, list] = {
                m.RequestLevel: [],
                m.Diagnosis: [],
                link: [],
                m.ConservativeCare: [],
                m.ImagingStudy: [],
            }
            for req, t in zip(reqs, req_templates, strict=True):
                for c in t["levels"]:
                    kids[m.RequestLevel].append(m.RequestLevel(request=req, **c))
                for c in t["diagnoses"]:
                    kids[m.Diagnosis].append(m.Diagnosis(request=req, **c))
                for fixture_pk in t["builds_on"]:
                    row = by_fixture_pk.get((req.patient_id, fixture_pk))
                    if row is not None:  # a short ledger may leave it out
                        kids[link].append(
                            link(authrequest_id=req.pk, priorprocedure_id=row.pk)
                        )
                for c in t["care"]:
                    kids[m.ConservativeCare].append(
                        m.ConservativeCare(
                            request=req,
                            **(c | {"start": _d(c["start"]), "end": _d(c["end"])}),
                        )
                    )
                for c in t["imaging"]:
                    kids[m.ImagingStudy].append(
                        m.ImagingStudy(request=req, **(c | {"date": _d(c["date"])}))
                    )
            for model, objs in kids.items():
                model.objects.bulk_create(objs, batch_size=BATCH)
                counts["children"] += len(objs)
            counts["denials"] = counts.get("denials", 0) + _seed_denials(
                m, [r for r in reqs if r.status == "denied"], billing_by_practice
            )
        patient_no += batch_patients
        request_no += len(reqs)
        counts["patients"] = patient_no
        if patient_no % (BATCH * 10) < batch_patients or patient_no == n_patients:
            rate = (counts["requests"] + counts["history"] + counts["children"]) / (
                time.perf_counter() - started
            )
            print(
                f"    seeded {counts['requests']:,} requests, {counts['history']:,} history rows "
                f"({rate:,.0f} rows/s)",
                flush=True,
            )
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--history", type=int, required=True)
    parser.add_argument("--practices", type=int, default=50)
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    django_setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - started
    have = existing_counts()
    if connection.vendor == "sqlite":
        # One file per scale (the label names the counts): reuse a file that holds at least as much.
        enough = (
            have["practices"] >= args.practices
            and have["requests"] >= args.requests
            and have["history"] >= args.history
        )
    else:
        # PostgreSQL holds one scale at a time: reuse only the exact counts, or the small scale
        # would run against the large one's data (and the reverse).
        enough = (
            have["practices"] == args.practices
            and have["requests"] == args.requests
            and have["history"] == args.history
        )
    reused = not args.reseed and enough
    result: dict[str, object] = {"migrate_s": round(migrate_s, 2), "reused": reused}
    if not reused:
        if any(have.values()):
            print("    emptying the benchmark database", flush=True)
            # A throwaway database: drop the append-only triggers (they refuse the
            # flush's DELETE/TRUNCATE); the flush's post_migrate puts them back.
            from priorauth.security import db_triggers

            db_triggers.uninstall(connection)
            call_command("flush", verbosity=0, interactive=False)
        if connection.vendor == "sqlite":
            with connection.cursor() as cur:
                cur.execute("PRAGMA synchronous=OFF")
        t0 = time.perf_counter()
        counts = seed(
            requests=args.requests,
            history=args.history,
            practices=args.practices,
            rng=random.Random(7),
        )
        result["seed_s"] = round(time.perf_counter() - t0, 1)
        result["seeded"] = counts
        t0 = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        result["analyze_s"] = round(time.perf_counter() - t0, 1)
    result["counts"] = existing_counts()
    result["vendor"] = connection.vendor
    write_json(__import__("pathlib").Path(args.out), result)


if __name__ == "__main__":
    main()
