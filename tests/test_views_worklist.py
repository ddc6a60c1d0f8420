"""Worklist: status filter with counts, columns, constant query count, isolation."""

from __future__ import annotations

import pytest

from django.urls import reverse
from django.utils import timezone

from priorauth import models as m

pytestmark = pytest.mark.django_db


def make(practice, patient, n: int, status: str = "draft") -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        req = m.AuthRequest.objects.create(
            practice=practice, patient=patient, payer_profile=patient.payer_profile, procedure_type="mbb",
            intent="diagnostic", status=status, blocker_count=i % 3, warning_count=1, evaluated_at=timezone.now(),
        )
        m.RequestLevel.objects.create(request=req, level="L4-L5", side="left", position=0)
        m.RequestLevel.objects.create(request=req, level="L5-S1", side="left", position=1)


def test_it_lists_requests_with_their_columns(client_billing, practice, patient):
    make(practice, patient, 1)
    response = client_billing.get(reverse("pa-worklist"))
    html = response.content.decode()
    for needle in ("Synthetic, Sam", "Original Medicare", "Medial branch block", ">L4-L5<", ">L5-S1<", "Draft"):
        assert needle in html, needle


def test_it_filters_by_status_and_counts_each_status(client_billing, practice, patient):
    make(practice, patient, 2, "draft")
    make(practice, patient, 1, "ready")
    response = client_billing.get(reverse("pa-worklist"), {"status": "ready"})
    assert [r.status for r in response.context["page"]] == ["ready"]
    tabs = {value: count for value, _label, count in response.context["tabs"]}
    assert tabs["draft"] == 2 and tabs["ready"] == 1 and tabs["approved"] == 0
    assert response.context["total"] == 3
    # An unknown status shows everything rather than failing.
    assert len(client_billing.get(reverse("pa-worklist"), {"status": "bogus"}).context["page"]) == 3


def test_the_query_count_does_not_grow_with_rows(client_billing, practice, patient, django_assert_max_num_queries):
    make(practice, patient, 1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client_billing.get(reverse("pa-worklist"))
    make(practice, patient, 24)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client_billing.get(reverse("pa-worklist"))
    assert len(response.context["page"]) == 25


def test_outsider_sees_none_of_it(client_outsider, practice, patient):
    make(practice, patient, 2)
    response = client_outsider.get(reverse("pa-worklist"))
    assert len(response.context["page"]) == 0
    assert response.context["total"] == 0
    assert "Synthetic" not in response.content.decode()


def test_unchecked_requests_say_so_instead_of_zero(client_billing, practice, patient):
    m.AuthRequest.objects.create(practice=practice, patient=patient, payer_profile=patient.payer_profile, procedure_type="mbb")
    assert "not checked yet" in client_billing.get(reverse("pa-worklist")).content.decode()
