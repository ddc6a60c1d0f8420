"""Query counts per page (quality.md P10): no N+1, bounded per page.

For each page the count with 1 row and with 25 rows must be the same, and the
view's own queries stay within 10 per GET page and 15 per save. "View's own" leaves out the
fixed per-request middleware work that every signed-in request does once
(session read and save, the signed-in user, the OTP device look-up, the
audit row); the total is asserted equal for 1 and 25 rows as well.
These tests count queries only; timing lives in the benchmark (make bench).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from priorauth import models as m

GET_PAGE_BUDGET = 10
SAVE_BUDGET = 15
PDF_BUDGET = 10
ROWS = 25


def _is_overhead(sql: str) -> bool:
    head = sql[:400]
    if any(t in head for t in ("django_session", "otp_", "priorauth_auditevent")):
        return True
    if head.startswith(
        ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")
    ):
        return True
    return head.startswith('SELECT "priorauth_user"."id", "priorauth_user"."password"')


def _count(client, url: str) -> tuple[int, int, list[str]]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    sql = [q["sql"] for q in ctx.captured_queries]
    return len(sql), sum(1 for s in sql if not _is_overhead(s)), sql


def _request(
    practice,
    patient,
    provider,
    facility,
    payer,
    *,
    rows: int,
    level_rows: int | None = None,
) -> m.AuthRequest:  # type: ignore[no-untyped-def]
    """A request with ``rows`` rows in each list; ``level_rows`` (at most 5): that many
    distinct levels and diagnoses instead (a save refuses a level or code listed twice)."""
    req = m.AuthRequest.objects.create(
        practice=practice,
        patient=patient,
        payer_profile=payer,
        state_of_service="AZ",
        ordering_provider=provider,
        rendering_provider=provider,
        facility=facility,
        procedure_type="mbb",
        intent="diagnostic",
        date_of_service=date(2026, 12, 15),
        onset_date=date(2025, 1, 10),
        pain_pattern="axial",
        baseline_pain_scale="NRS",
        baseline_pain_score=7,
        function_scale="ODI",
        function_score=44,
        functional_impairment="Cannot stand for 15 minutes.",
    )
    levels = ["L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"]
    codes = ["M47.816", "M47.817", "M54.16", "M54.17", "M51.26"]
    for i in range(rows if level_rows is None else level_rows):
        m.RequestLevel.objects.create(
            request=req, position=i, level=levels[i % 5], side="left"
        )
        m.Diagnosis.objects.create(
            request=req, position=i, code=codes[i % 5] if level_rows else "M47.816"
        )
    for i in range(rows):
        req.builds_on.add(
            m.PriorProcedure.objects.create(
                patient=patient,
                date=date(2026, 6, 1) + timedelta(days=i),
                procedure="mbb",
                intent="diagnostic",
                agent="lidocaine 2%",
                scale="NRS",
                pre_score=8,
                post_score=2,
                relief_percent=75,
                relief_duration_hours=4,
                levels="L4-L5",
            )
        )
        m.ConservativeCare.objects.create(
            request=req,
            kind="physical_therapy",
            start=date(2025, 1, 1),
            end=date(2025, 3, 1),
            outcome="failed",
        )
        m.ImagingStudy.objects.create(
            request=req,
            modality="mri",
            date=date(2026, 1, 1) - timedelta(days=i),
            levels="L4-L5",
            findings="Facet arthropathy.",
        )
    return req


def _history(patient, rows: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(rows):
        m.PriorProcedure.objects.create(
            patient=patient,
            date=date(2015, 1, 1) + timedelta(days=30 * i),
            procedure="trigger_point",
            levels="L4-L5",
            side="left",
            relief_percent=50,
            scale="NRS",
        )


def _patient(practice, payer, n: int) -> m.Patient:  # type: ignore[no-untyped-def]
    return m.Patient.objects.create(
        practice=practice,
        first_name="Q",
        last_name=f"Count {n:03d}",
        dob=date(1960, 1, 1),
        sex="F",
        member_id=f"QC{n:06d}",
        payer_profile=payer,
    )


@pytest.fixture
def setting(practice, provider, facility, payer_profiles):  # type: ignore[no-untyped-def]
    return practice, provider, facility, payer_profiles["medicare"]


@pytest.mark.django_db
def test_worklist_same_queries_for_1_and_25_rows(client_billing, setting) -> None:  # type: ignore[no-untyped-def]
    practice, provider, facility, payer = setting
    url = reverse("pa-worklist")
    results = []
    made = 0
    for target in (1, ROWS):
        while made < target:
            made += 1
            _request(
                practice,
                _patient(practice, payer, made),
                provider,
                facility,
                payer,
                rows=2,
            )
        client_billing.get(url)  # session refresh and any one-off work
        results.append(_count(client_billing, url))
    (total_1, own_1, sql_1), (total_25, own_25, sql_25) = results
    assert total_1 == total_25, "\n".join(s[:150] for s in sql_25)
    assert own_25 <= GET_PAGE_BUDGET, "\n".join(sql_25)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["pa-request-detail", "pa-request-edit"])
def test_request_pages_same_queries_for_1_and_25_rows(
    client_billing, setting, page
) -> None:  # type: ignore[no-untyped-def]
    practice, provider, facility, payer = setting
    results = []
    for n, rows in ((1, 1), (2, ROWS)):
        patient = _patient(practice, payer, n)
        _history(patient, rows)
        req = _request(practice, patient, provider, facility, payer, rows=rows)
        url = reverse(page, args=[req.pk])
        client_billing.get(
            reverse("pa-request-detail", args=[req.pk])
        )  # first view caches the finding counts
        results.append(_count(client_billing, url))
    (total_1, own_1, sql_1), (total_25, own_25, sql_25) = results
    assert total_1 == total_25, "\n".join(s[:150] for s in sql_25)
    assert own_25 <= GET_PAGE_BUDGET, "\n".join(s[:150] for s in sql_25)


@pytest.mark.pdf
@pytest.mark.django_db
def test_pdf_same_queries_for_1_and_25_rows(client_billing, setting) -> None:  # type: ignore[no-untyped-def]
    try:
        reverse("pa-request-pdf", args=[1])
    except NoReverseMatch:
        pytest.skip("no PDF view")
    practice, provider, facility, payer = setting
    results = []
    for n, rows in ((1, 1), (2, ROWS)):
        patient = _patient(practice, payer, n)
        _history(patient, rows)
        req = _request(practice, patient, provider, facility, payer, rows=rows)
        client_billing.get(reverse("pa-request-detail", args=[req.pk]))
        results.append(_count(client_billing, reverse("pa-request-pdf", args=[req.pk])))
    (total_1, own_1, sql_1), (total_25, own_25, sql_25) = results
    assert total_1 == total_25, "\n".join(s[:150] for s in sql_25)
    assert own_25 <= PDF_BUDGET + 3, "\n".join(sql_25)


# --------------------------------------------------------------------------- request page: patients, save

ROW_FIELDS = {
    "levels": ("level", "side", "prior_count"),
    "history": (
        "date",
        "procedure",
        "intent",
        "levels",
        "agent",
        "scale",
        "pre_score",
        "post_score",
        "relief_percent",
        "relief_duration_hours",
    ),
    "conservative_care": ("kind", "start", "end", "duration_weeks", "outcome", "note"),
    "imaging": ("modality", "date", "levels", "findings"),
    "diagnoses": ("code",),
}


def _edit_post(req: m.AuthRequest, *, change: bool) -> dict[str, str]:
    """What the edit page posts back for ``req`` (every row), optionally with every row changed."""
    from priorauth import services
    from tests.intake_data import page_data

    shown, _, builds_on = services.request_history_rows(request=req, patient=req.patient)
    rows: dict[str, list[dict[str, object]]] = {}
    for prefix, names in ROW_FIELDS.items():
        items = []
        for row in shown if prefix == "history" else getattr(req, prefix).all():
            item: dict[str, object] = {"id": row.pk, "request": req.pk}
            if prefix == "history":
                item = {"id": row.pk, "patient": req.patient_id}
                if row.pk in builds_on:
                    item["builds_on"] = "on"
            for name in names:
                value = getattr(row, name)
                item[name] = "" if value is None else str(value)
            if change:
                field, value = {
                    "levels": ("side", "right"),
                    "history": ("agent", "changed"),
                    "conservative_care": ("outcome", "improved"),
                    "imaging": ("findings", "changed"),
                    "diagnoses": ("code", None),
                }[prefix]
                item[field] = value if value is not None else item[field]
            items.append(item)
        rows[prefix] = items
    if change and rows["diagnoses"]:  # one row deleted, the others kept
        rows["diagnoses"][-1]["DELETE"] = "on"
    return page_data(
        patient=req.patient,
        provider=req.ordering_provider,
        facility=req.facility,
        rows=rows,
        initial={prefix: len(items) for prefix, items in rows.items()},
        lock_version=str(req.lock_version),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change", [False, True], ids=["unchanged", "every-row-changed"]
)
def test_save_same_queries_for_1_and_25_rows_within_budget(
    client_billing, setting, change
) -> None:  # type: ignore[no-untyped-def]
    """A save reads each row list once and writes rows in bulk: no query per row.

    (Before: 38 view queries with 1 row per list, one more per row, because each
    formset's hidden id was checked with its own SELECT.)
    """
    practice, provider, facility, payer = setting
    results = []
    for n, rows in ((1, 1), (2, ROWS)):
        patient = _patient(practice, payer, n)
        _history(patient, rows)
        req = _request(
            practice,
            patient,
            provider,
            facility,
            payer,
            rows=rows,
            level_rows=min(rows, 5),
        )
        client_billing.get(reverse("pa-request-detail", args=[req.pk]))
        data = _edit_post(req, change=change)
        with CaptureQueriesContext(connection) as ctx:
            response = client_billing.post(
                reverse("pa-request-edit", args=[req.pk]), data
            )
        assert response.status_code == 302, response.context and (
            response.context["form"].errors,
            [fs.errors for *_, fs in response.context["formsets"]],
        )
        sql = [q["sql"] for q in ctx.captured_queries]
        results.append((len(sql), sum(1 for s in sql if not _is_overhead(s)), sql))
        req.refresh_from_db()
        assert req.lock_version == 1
        if change:
            assert {lv.side for lv in req.levels.all()} == {"right"}
            assert {b.agent for b in req.builds_on.all()} == {"changed"}
            assert {c.outcome for c in req.conservative_care.all()} == {"improved"}
            assert req.diagnoses.count() == min(rows, 5) - 1
        assert req.builds_on.count() == rows
    (total_1, own_1, sql_1), (total_25, own_25, sql_25) = results
    assert total_1 == total_25, "\n".join(s[:150] for s in sql_25)
    assert own_25 <= SAVE_BUDGET, "\n".join(s[:150] for s in sql_25)


@pytest.mark.django_db
def test_create_save_within_budget(client_billing, setting) -> None:  # type: ignore[no-untyped-def]
    from tests.intake_data import page_data

    practice, provider, facility, payer = setting
    patient = _patient(practice, payer, 1)
    _history(patient, 3)
    rows = {
        "levels": [{"level": lv, "side": "left"} for lv in ("L3-L4", "L4-L5", "L5-S1")],
        "history": [
            {
                "date": f"2026-06-0{i}",
                "procedure": "mbb",
                "levels": "L4-L5",
                "pre_score": "8",
                "post_score": "2",
                "builds_on": "on",
            }
            for i in (1, 2, 3)
        ],
        "conservative_care": [
            {"kind": "nsaids", "start": "2025-01-01", "outcome": "failed"}
        ]
        * 3,
        "imaging": [{"modality": "mri", "date": "2026-01-01", "levels": "L4-L5"}] * 3,
        "diagnoses": [{"code": "M47.816"}, {"code": "M54.16"}],
    }
    client_billing.get(reverse("pa-worklist"))
    with CaptureQueriesContext(connection) as ctx:
        response = client_billing.post(
            reverse("pa-request-create") + f"?patient={patient.pk}",
            page_data(patient=patient, provider=provider, facility=facility, rows=rows),
        )
    assert response.status_code == 302
    sql = [q["sql"] for q in ctx.captured_queries]
    own = [s for s in sql if not _is_overhead(s)]
    assert len(own) <= SAVE_BUDGET, "\n".join(own)
    req = m.AuthRequest.objects.get()
    # The three MBBs added on the page count at L4-L5 (the trigger points do not).
    assert [(lv.level, lv.position, lv.prior_count) for lv in req.levels.all()] == [
        ("L3-L4", 0, 0),
        ("L4-L5", 1, 3),
        ("L5-S1", 2, 0),
    ]
    assert req.builds_on.count() == 3 and req.diagnoses.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["edit", "create", "picker"])
def test_request_page_same_queries_for_1_and_25_patients(
    client_billing, setting, page
) -> None:  # type: ignore[no-untyped-def]
    """The request page never lists the practice's patients (it used to render every
    one in a <select>): its cost does not grow with the number of patients."""
    practice, provider, facility, payer = setting
    first = _patient(practice, payer, 1)
    req = _request(practice, first, provider, facility, payer, rows=2)
    url = {
        "edit": reverse("pa-request-edit", args=[req.pk]),
        "create": reverse("pa-request-create") + f"?patient={first.pk}",
        "picker": reverse("pa-request-create"),
    }[page]
    client_billing.get(reverse("pa-request-detail", args=[req.pk]))
    results = [_count(client_billing, url)]
    for n in range(2, ROWS + 1):
        patient = _patient(practice, payer, n)
        if page == "picker":  # recently used patients: requests of 25 patients
            _request(practice, patient, provider, facility, payer, rows=0)
    m.AuthRequest.objects.filter(pk=req.pk).update(updated_at=req.updated_at)
    results.append(_count(client_billing, url))
    (total_1, own_1, sql_1), (total_25, own_25, sql_25) = results
    assert total_1 == total_25, "\n".join(s[:150] for s in sql_25)
    assert own_25 <= GET_PAGE_BUDGET, "\n".join(
        s[:150] for s in sql_25
    )
    html = client_billing.get(url).content.decode()
    assert '<select name="patient"' not in html
    if page == "picker":
        assert html.count("?patient=") == 10  # the 10 most recently used
        assert "Count 025" in html and "Count 001" not in html
    else:
        assert (
            "Count 025" not in html
        )  # the other patients of the practice are not listed


@pytest.mark.django_db
def test_patient_search_on_the_create_page_is_bounded(client_billing, setting) -> None:  # type: ignore[no-untyped-def]
    practice, provider, facility, payer = setting
    for n in range(1, 31):
        _patient(practice, payer, n)
    client_billing.get(reverse("pa-worklist"))
    with CaptureQueriesContext(connection) as ctx:
        response = client_billing.post(reverse("pa-request-create"), {"q": "count"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("?patient=") == 20
    assert "Only the first 20 matches" in html
    assert (
        sum(1 for q in ctx.captured_queries if not _is_overhead(q["sql"]))
        <= GET_PAGE_BUDGET
    )
