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
            practice=practice,
            patient=patient,
            payer_profile=patient.payer_profile,
            procedure_type="mbb",
            intent="diagnostic",
            status=status,
            blocker_count=i % 3,
            warning_count=1,
            evaluated_at=timezone.now(),
        )
        m.RequestLevel.objects.create(
            request=req, level="L4-L5", side="left", position=0
        )
        m.RequestLevel.objects.create(
            request=req, level="L5-S1", side="left", position=1
        )


def test_it_lists_requests_with_their_columns(client_billing, practice, patient):
    make(practice, patient, 1)
    response = client_billing.get(reverse("pa-worklist"))
    html = response.content.decode()
    for needle in (
        "Synthetic, Sam",
        "Original Medicare",
        "Medial branch block",
        ">L4-L5<",
        ">L5-S1<",
        "Draft",
    ):
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
    assert (
        len(
            client_billing.get(reverse("pa-worklist"), {"status": "bogus"}).context[
                "page"
            ]
        )
        == 3
    )


def test_the_query_count_does_not_grow_with_rows(
    client_billing, practice, patient, django_assert_max_num_queries
):
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
    m.AuthRequest.objects.create(
        practice=practice,
        patient=patient,
        payer_profile=patient.payer_profile,
        procedure_type="mbb",
    )
    assert (
        "not checked yet" in client_billing.get(reverse("pa-worklist")).content.decode()
    )


# --------------------------------------------------------------------------- filters, search, expiry


def _req(practice, patient, **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("payer_profile", patient.payer_profile)
    return m.AuthRequest.objects.create(
        practice=practice, patient=patient, procedure_type="mbb", **fields
    )


def _pks(response) -> set[int]:  # type: ignore[no-untyped-def]
    return {r.pk for r in response.context["page"]}


def test_it_filters_by_payer_physician_and_date_range(
    client_billing, practice, patient, payer_profiles, provider
):
    from datetime import date

    other_payer = (
        next(p for k, p in payer_profiles.items() if k != "medicare")
        if len(payer_profiles) > 1
        else None
    )
    a = _req(
        practice,
        patient,
        rendering_provider=provider,
        date_of_service=date(2026, 12, 1),
    )
    b = _req(practice, patient, date_of_service=date(2027, 1, 15))
    url = reverse("pa-worklist")
    assert _pks(client_billing.get(url, {"physician": provider.pk})) == {a.pk}
    assert _pks(client_billing.get(url, {"dos_from": "2027-01-01"})) == {b.pk}
    assert _pks(
        client_billing.get(url, {"dos_from": "2026-11-01", "dos_to": "2026-12-31"})
    ) == {a.pk}
    assert _pks(client_billing.get(url, {"payer": patient.payer_profile_id})) == {
        a.pk,
        b.pk,
    }
    if other_payer is not None:
        c = _req(practice, patient, payer_profile=other_payer)
        assert _pks(client_billing.get(url, {"payer": other_payer.pk})) == {c.pk}
    # Counts follow the other filters, so each tab says what it would list.
    response = client_billing.get(url, {"physician": provider.pk})
    assert response.context["total"] == 1


def test_it_searches_patients_by_name_or_member_id_only_by_post(
    client_billing, practice, patient
):
    other = m.Patient.objects.create(
        practice=practice,
        first_name="Alex",
        last_name="Example",
        dob="1970-01-01",
        sex="M",
        member_id="QQ1234",
        payer_profile=patient.payer_profile,
    )
    mine, theirs = _req(practice, patient), _req(practice, other)
    url = reverse("pa-worklist")
    for term in (
        "synth",
        "Sam Synthetic",
        "Synthetic, Sam",
        "ZZT900000001",
        "zzt900000001",
    ):
        response = client_billing.post(url, {"q": term})
        assert _pks(response) == {mine.pk}, term
        assert response.context["searching"] is True
    assert _pks(client_billing.post(url, {"q": "QQ1234"})) == {theirs.pk}
    assert (
        _pks(client_billing.post(url, {"q": "QQ12"})) == set()
    )  # member IDs match in full only
    # A search term in the query string is ignored: PHI is never taken from a URL.
    assert _pks(client_billing.get(url, {"q": "synth"})) == {mine.pk, theirs.pk}


def test_a_search_keeps_the_status_tab_and_pages_as_form_buttons(
    client_billing, practice, patient
):
    _req(practice, patient, status="ready")
    _req(practice, patient, status="draft")
    response = client_billing.post(
        reverse("pa-worklist"), {"q": "synthetic", "tab": "ready"}
    )
    assert [r.status for r in response.context["page"]] == ["ready"]
    html = response.content.decode()
    assert (
        'name="tab" value="draft"' in html
        and "synthetic" not in html.split("<table")[1].lower().split("</thead>")[0]
    )
    assert "?q=" not in html


def test_the_outsiders_search_finds_nothing_of_another_practice(
    client_outsider, practice, patient
):
    _req(practice, patient)
    assert (
        _pks(client_outsider.post(reverse("pa-worklist"), {"q": "ZZT900000001"}))
        == set()
    )
    assert (
        _pks(client_outsider.post(reverse("pa-worklist"), {"q": "Synthetic"})) == set()
    )


def test_it_shows_the_days_left_on_each_authorization_by_tier(
    client_billing, practice, patient
):
    from datetime import timedelta

    today = timezone.localdate()
    for number, days in (
        ("AUTH-PAST", -1),
        ("AUTH-TODAY", 0),
        ("AUTH-5", 5),
        ("AUTH-10", 10),
        ("AUTH-20", 20),
        ("AUTH-90", 90),
    ):
        _req(
            practice,
            patient,
            status="approved",
            authorization_number=number,
            valid_to=today + timedelta(days=days),
        )
    response = client_billing.get(reverse("pa-worklist"))
    expiry = {
        r.authorization_number: (r.expiry.days_left, r.expiry.tier)
        for r in response.context["page"]
    }
    assert expiry == {
        "AUTH-PAST": (-1, "expired"),
        "AUTH-TODAY": (0, "7"),
        "AUTH-5": (5, "7"),
        "AUTH-10": (10, "14"),
        "AUTH-20": (20, "30"),
        "AUTH-90": (90, ""),
    }
    html = response.content.decode()
    # The words carry the tier as well as the colour does.
    for words in (
        "expired 1 day ago",
        "expires today",
        "5 days left: expires within 7 days",
        "10 days left: expires soon",
        "20 days left",
        "90 days left",
    ):
        assert words in html, words
    for css in ("expiry-expired", "expiry-7", "expiry-14", "expiry-30"):
        assert css in html, css
    assert (today + timedelta(days=90)).strftime("%m/%d/%Y") in html


def test_the_expiring_soon_filter_lists_approvals_ending_within_30_days(
    client_billing, practice, patient
):
    from datetime import timedelta

    today = timezone.localdate()
    soon = _req(
        practice,
        patient,
        status="approved",
        valid_to=today + timedelta(days=12),
    )
    sooner = _req(
        practice, patient, status="approved", valid_to=today + timedelta(days=3)
    )
    _req(practice, patient, status="approved", valid_to=today + timedelta(days=45))
    _req(practice, patient, status="approved", valid_to=today - timedelta(days=2))
    _req(practice, patient, status="draft", valid_to=today + timedelta(days=5))
    response = client_billing.get(reverse("pa-worklist"), {"status": "expiring"})
    assert [r.pk for r in response.context["page"]] == [sooner.pk, soon.pk]
    assert response.context["expiring_count"] == 2
    assert response.context["total"] == 5  # the expiring count is not a status
    assert "Expiring soon" in response.content.decode()


def test_zero_counts_are_grey_not_red(client_billing, practice, patient):
    _req(
        practice,
        patient,
        blocker_count=0,
        warning_count=2,
        evaluated_at=timezone.now(),
    )
    html = client_billing.get(reverse("pa-worklist")).content.decode()
    assert 'class="badge count-zero">0 blockers' in html
    assert "text-bg-danger" not in html


@pytest.mark.parametrize(
    ("fields", "step"),
    [
        ({"status": "draft"}, "save it to check it"),
        ({"status": "draft", "blocker_count": 1}, "fix the blockers"),
        ({"status": "draft", "warning_count": 1}, "review the warnings"),
        ({"status": "draft"}, "send for signature"),
        ({"status": "ready"}, ""),
        ({"status": "signed"}, "submit to the payer"),
        ({"status": "submitted"}, ""),
        ({"status": "approved"}, ""),
        ({"status": "pended"}, "answer the payer"),
    ],
)
def test_next_step_hints_only_where_there_is_a_next_step(
    client_billing, practice, patient, fields, step
):
    evaluated = step != "save it to check it"
    _req(
        practice,
        patient,
        evaluated_at=timezone.now() if evaluated else None,
        **fields,
    )
    (row,) = client_billing.get(reverse("pa-worklist")).context["page"]
    if step:
        assert row.next_step.startswith(step), row.next_step
    else:
        assert row.next_step == ""
    if fields == {"status": "draft"} and evaluated:
        assert row.next_step == "send for signature"  # no "fix gaps" without findings


def test_physicians_land_on_ready_for_signature_without_staff_buttons(
    client_physician, practice, patient
):
    make(practice, patient, 2, "draft")
    make(practice, patient, 1, "ready")
    response = client_physician.get(reverse("pa-worklist"))
    assert response.context["status"] == "ready"
    assert [r.status for r in response.context["page"]] == ["ready"]
    assert response.context["page"][0].next_step == "review and sign"
    html = response.content.decode()
    assert "New request" not in html and "Import JSON" not in html
    everything = client_physician.get(reverse("pa-worklist"), {"status": "all"})
    assert len(everything.context["page"]) == 3


def test_staff_land_on_all_with_their_buttons(client_billing, practice, patient):
    make(practice, patient, 1, "ready")
    make(practice, patient, 1, "draft")
    response = client_billing.get(reverse("pa-worklist"))
    assert response.context["status"] == ""
    assert len(response.context["page"]) == 2
    html = response.content.decode()
    assert "New request" in html and "Import JSON" in html


def test_it_pages_by_25(client_billing, practice, patient):
    make(practice, patient, 26)
    first = client_billing.get(reverse("pa-worklist"))
    assert (
        len(first.context["page"]) == 25
        and first.context["page"].paginator.num_pages == 2
    )
    assert (
        len(client_billing.get(reverse("pa-worklist"), {"page": 2}).context["page"])
        == 1
    )


@pytest.mark.parametrize("method", ["get", "post"])
def test_one_row_and_25_rows_cost_the_same_queries(
    client_billing, practice, patient, provider, django_assert_num_queries, method
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def one_of_each(n: int) -> None:
        for i in range(n):
            req = _req(
                practice,
                patient,
                rendering_provider=provider,
                status="approved",
                authorization_number=f"A{i}",
                valid_to=timezone.localdate(),
                evaluated_at=timezone.now(),
            )
            m.RequestLevel.objects.create(request=req, level="L4-L5", side="left")

    data = (
        {"q": "synthetic", "physician": provider.pk}
        if method == "post"
        else {"physician": provider.pk}
    )
    one_of_each(1)
    # A first view stores the session's refresh mark (a session write); the two
    # measured views below then both fall inside one refresh period.
    getattr(client_billing, method)(reverse("pa-worklist"), data)
    with CaptureQueriesContext(connection) as one:
        assert (
            len(
                getattr(client_billing, method)(reverse("pa-worklist"), data).context[
                    "page"
                ]
            )
            == 1
        )
    one_of_each(24)
    with django_assert_num_queries(len(one.captured_queries)):
        assert (
            len(
                getattr(client_billing, method)(reverse("pa-worklist"), data).context[
                    "page"
                ]
            )
            == 25
        )


def test_a_physician_opens_a_waiting_request_on_the_sign_page(
    client_physician, practice, patient
):
    make(practice, patient, 1, "ready")
    (row,) = client_physician.get(reverse("pa-worklist")).context["page"]
    assert row.open_url == reverse("pa-request-sign", args=[row.pk])


def test_a_physician_with_nothing_to_sign_is_told_so(
    client_physician, practice, patient
):
    make(practice, patient, 1, "draft")
    html = client_physician.get(reverse("pa-worklist")).content.decode()
    assert "Nothing is waiting for your signature" in html
