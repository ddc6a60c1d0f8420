"""Query counts per page (quality.md P10): no N+1, bounded per page.

For each page the count with 1 row and with 25 rows must be the same, and the
view's own queries stay within 10 per GET page. "View's own" leaves out the
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
PDF_BUDGET = 10
ROWS = 25


def _is_overhead(sql: str) -> bool:
    head = sql[:400]
    if any(t in head for t in ("django_session", "otp_", "priorauth_auditevent")):
        return True
    if head.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")):
        return True
    return head.startswith('SELECT "priorauth_user"."id", "priorauth_user"."password"')


def _count(client, url: str) -> tuple[int, int, list[str]]:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    sql = [q["sql"] for q in ctx.captured_queries]
    return len(sql), sum(1 for s in sql if not _is_overhead(s)), sql


def _request(practice, patient, provider, facility, payer, *, rows: int) -> m.AuthRequest:  # type: ignore[no-untyped-def]
    req = m.AuthRequest.objects.create(
        practice=practice, patient=patient, payer_profile=payer, state_of_service="AZ",
        ordering_provider=provider, rendering_provider=provider, facility=facility,
        procedure_type="mbb", intent="diagnostic", date_of_service=date(2026, 12, 15),
        onset_date=date(2025, 1, 10), pain_pattern="axial", baseline_pain_scale="NRS", baseline_pain_score=7,
        function_scale="ODI", function_score=44, functional_impairment="Cannot stand for 15 minutes.",
    )
    levels = ["L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"]
    for i in range(rows):
        m.RequestLevel.objects.create(request=req, position=i, level=levels[i % 5], side="left")
        m.Diagnosis.objects.create(request=req, position=i, code="M47.816")
        m.BlockResponse.objects.create(request=req, date=date(2026, 6, 1) + timedelta(days=i), agent="lidocaine 2%",
                                       scale="NRS", pre_score=8, post_score=2, percent_relief=75,
                                       duration_hours=4, levels="L4-L5")
        m.ConservativeCare.objects.create(request=req, kind="physical_therapy", start=date(2025, 1, 1),
                                          end=date(2025, 3, 1), outcome="failed")
        m.ImagingStudy.objects.create(request=req, modality="mri", date=date(2026, 1, 1) - timedelta(days=i),
                                      levels="L4-L5", findings="Facet arthropathy.")
    return req


def _history(patient, rows: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(rows):
        m.PriorProcedure.objects.create(patient=patient, date=date(2015, 1, 1) + timedelta(days=30 * i),
                                        procedure="trigger_point", levels="L4-L5", side="left",
                                        relief_percent=50, scale="NRS")


def _patient(practice, payer, n: int) -> m.Patient:  # type: ignore[no-untyped-def]
    return m.Patient.objects.create(practice=practice, first_name="Q", last_name=f"Count {n:03d}",
                                    dob=date(1960, 1, 1), sex="F", member_id=f"QC{n:06d}", payer_profile=payer)


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
            _request(practice, _patient(practice, payer, made), provider, facility, payer, rows=2)
        client_billing.get(url)  # session refresh and any one-off work
        results.append(_count(client_billing, url))
    (total_1, own_1, sql_1), (total_25, own_25, sql_25) = results
    assert total_1 == total_25, "\n".join(sql_25)
    assert own_25 <= GET_PAGE_BUDGET, "\n".join(sql_25)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["pa-request-detail", "pa-request-edit"])
def test_request_pages_same_queries_for_1_and_25_rows(client_billing, setting, page) -> None:  # type: ignore[no-untyped-def]
    practice, provider, facility, payer = setting
    results = []
    for n, rows in ((1, 1), (2, ROWS)):
        patient = _patient(practice, payer, n)
        _history(patient, rows)
        req = _request(practice, patient, provider, facility, payer, rows=rows)
        url = reverse(page, args=[req.pk])
        client_billing.get(reverse("pa-request-detail", args=[req.pk]))  # first view caches the finding counts
        results.append(_count(client_billing, url))
    (total_1, own_1, sql_1), (total_25, own_25, sql_25) = results
    assert total_1 == total_25, "\n".join(sql_25)
    if page == "pa-request-detail":
        assert own_25 <= GET_PAGE_BUDGET + 1, "\n".join(sql_25)  # +1: the signed-document check


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
    assert total_1 == total_25, "\n".join(sql_25)
    assert own_25 <= PDF_BUDGET + 3, "\n".join(sql_25)
