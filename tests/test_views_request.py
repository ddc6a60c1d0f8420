"""Create/edit on one page, the detail page with findings, send for signature, isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from django.urls import reverse
from django.utils import timezone

from priorauth import models as m
from tests.intake_data import page_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(patient):  # type: ignore[no-untyped-def]
    """Two prior diagnostic MBBs at L4-L5 and one at L5-S1 (facet family)."""
    today = timezone.localdate()
    for days, levels in ((200, "L4-L5, L5-S1"), (100, "L4-L5")):
        m.PriorProcedure.objects.create(
            patient=patient,
            date=today - timedelta(days=days),
            procedure="mbb",
            intent="diagnostic",
            levels=levels,
            side="bilateral",
            relief_percent=85,
            relief_duration_hours=6,
        )
    return patient.history.all()


def make_request(client, patient, provider, facility, **kw):  # type: ignore[no-untyped-def]
    response = client.post(
        reverse("pa-request-create"),
        page_data(patient=patient, provider=provider, facility=facility, **kw),
    )
    assert response.status_code == 302, response.context and [
        response.context["form"].errors,
        [fs.errors for *_, fs in response.context["formsets"]],
    ]
    return m.AuthRequest.objects.latest("id")


def test_anonymous_is_redirected_to_login(client, patient):
    for url in (
        reverse("pa-worklist"),
        reverse("pa-request-create"),
        reverse("pa-patient-list"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("pa-login"))


def test_the_create_page_renders_every_section(client_billing, patient):
    response = client_billing.get(
        reverse("pa-request-create") + f"?patient={patient.pk}"
    )
    assert response.status_code == 200
    html = response.content.decode()
    for needle in (
        'id="id_patient"',
        'id="id_payer_profile"',
        'id="id_state_of_service"',
        'id="id_rfa_technique"',
        'id="id_baseline_pain_score"',
        'id="id_rfa_planned"',
        'id="id_levels-0-level"',
        'id="empty-levels"',
        'id="id_levels-TOTAL_FORMS"',
        'data-formset-add="history"',
        'id="empty-history"',
        'id="empty-imaging"',
        'id="id_diagnoses-0-code"',
        "request_form.js",
        f'data-patient="{patient.pk}"',
        f'<input type="hidden" name="patient" value="{patient.pk}">',
        "Synthetic, Sam",
    ):
        assert needle in html, needle
    assert '<select name="patient"' not in html
    assert ' style="' not in html and "onclick" not in html


def test_the_create_page_without_a_patient_is_a_short_patient_picker(
    client_billing, practice, patient, provider, facility
):
    """No <select> of every patient: a POSTed search (at most 20 matches) and the recently used."""
    for n in range(25):
        m.Patient.objects.create(
            practice=practice,
            first_name=f"P{n}",
            last_name="Picker",
            dob="1970-01-01",
            sex="F",
            member_id=f"PK{n:04d}",
        )
    response = client_billing.get(reverse("pa-request-create"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="patient-search"' in html and 'method="post"' in html
    assert (
        "<select" not in html and "Picker" not in html
    )  # nobody listed before a search or a request
    make_request(client_billing, patient, provider, facility)
    html = client_billing.get(reverse("pa-request-create")).content.decode()
    assert f'href="/requests/new/?patient={patient.pk}"' in html  # recently used

    response = client_billing.post(reverse("pa-request-create"), {"q": "picker"})
    html = response.content.decode()
    assert response.status_code == 200 and html.count("Picker, P") == 20
    assert "Only the first 20 matches" in html
    assert 'value="picker"' in html  # the search stays in the box, not in a URL
    response = client_billing.post(reverse("pa-request-create"), {"q": "PK0007"})
    assert response.content.decode().count("Picker, P") == 1
    response = client_billing.post(
        reverse("pa-request-create"), {"q": "nobody-by-that-name"}
    )
    assert "No patient of the practice matches" in response.content.decode()
    assert m.AuthRequest.objects.count() == 1


def test_the_edit_page_shows_the_patient_as_text_and_keeps_it(
    client_billing, practice, patient, provider, facility
):
    obj = make_request(client_billing, patient, provider, facility)
    other = m.Patient.objects.create(
        practice=practice,
        first_name="Ann",
        last_name="Other",
        dob="1970-01-01",
        sex="F",
        member_id="Z9",
    )
    html = client_billing.get(
        reverse("pa-request-edit", args=[obj.pk])
    ).content.decode()
    assert "Synthetic, Sam" in html and "Other, Ann" not in html
    assert '<select name="patient"' not in html and 'name="patient"' not in html
    data = page_data(
        patient=other,
        provider=provider,
        facility=facility,
        lock_version=str(obj.lock_version),
    )
    assert (
        client_billing.post(reverse("pa-request-edit", args=[obj.pk]), data).status_code
        == 302
    )
    obj.refresh_from_db()
    assert obj.patient == patient


def test_create_saves_rows_defaults_payer_and_fills_prior_counts_from_history(
    client_billing, billing_user, patient, provider, facility, history
):
    rows = {
        "levels": [
            {"level": "l4-5", "side": "bilateral"},
            {"level": "L5S1", "side": "bilateral", "prior_count": "0"},
        ],
        "history": [
            {
                "date": "2026-10-01",
                "procedure": "mbb",
                "intent": "diagnostic",
                "pre_score": "7",
                "post_score": "2",
                "levels": "L4-L5",
                "builds_on": "on",
            }
        ],
        "conservative_care": [
            {
                "kind": "physical_therapy",
                "start": "2026-03-01",
                "end": "2026-05-01",
                "outcome": "failed",
                "note": "12 visits",
            }
        ],
        "imaging": [
            {
                "modality": "mri",
                "date": "2026-02-01",
                "levels": "L4-L5",
                "findings": "Facet arthropathy",
                "concordant": "on",
            }
        ],
        "diagnoses": [{"code": "M47816"}],
    }
    obj = make_request(client_billing, patient, provider, facility, rows=rows)
    assert obj.practice == billing_user.practice and obj.created_by == billing_user
    assert (
        obj.payer_profile == patient.payer_profile
        and obj.plan_name == "Medicare Part B"
    )
    levels = list(obj.levels.all())
    # L4-L5: the two MBBs on file and the one added on this page (one record each).
    assert [(lv.level, lv.position, lv.prior_count) for lv in levels] == [
        ("L4-L5", 0, 3),
        ("L5-S1", 1, 0),
    ]
    # The typed 0 at L5-S1 (history says 1) is kept: the engine reports it, the form does not refuse it.
    added = obj.builds_on.get()
    assert added.patient == patient and added.relief_percent == 71.4
    assert patient.history.count() == 3
    assert obj.diagnoses.get().code == "M47.816"
    care = obj.conservative_care.get()
    assert (care.kind, care.outcome, care.note) == ("physical_therapy", "failed", "12 visits")
    assert obj.imaging.get().concordant is True

    response = client_billing.get(reverse("pa-request-edit", args=[obj.pk]))
    assert response.status_code == 200
    codes = {f.code for f in response.context["evaluation"].findings}
    assert "LED-001" in codes  # typed count lower than history
    assert 'id="findings"' in response.content.decode()


def test_a_rejected_page_keeps_everything_typed(
    client_billing, patient, provider, facility
):
    rows = {
        "levels": [
            {"level": "L4-L6", "side": "left", "prior_count": "3"},
            {"level": "C5-C6", "side": "right"},
        ],
        "history": [
            {
                "date": "2026-10-01",
                "procedure": "mbb",
                "levels": "L4-L5",
                "agent": "lidocaine 2%",
                "pre_score": "2-8",
                "post_score": "1",
                "relief_percent": "150",
                "builds_on": "on",
            }
        ],
        "conservative_care": [
            {
                "kind": "nsaids",
                "start": "2026-01-05",
                "outcome": "partial",
                "note": "Typed care note",
            }
        ],
        "imaging": [
            {
                "modality": "ct",
                "date": "2026-02-02",
                "levels": "L4-L5",
                "findings": "Findings typed here",
            }
        ],
        "diagnoses": [{"code": "M54.5"}, {"code": "Q99.999"}],
    }
    data = page_data(
        patient=patient,
        provider=provider,
        facility=facility,
        rows=rows,
        injectate="bupivacaine 0.5% typed",
        functional_impairment="Typed impairment text",
        baseline_pain_score="2-8",
    )
    response = client_billing.post(reverse("pa-request-create"), data)
    assert response.status_code == 200
    assert m.AuthRequest.objects.count() == 0
    html = response.content.decode()
    for typed in (
        'value="L4-L6"',
        'value="C5-C6"',
        'value="3"',
        'value="lidocaine 2%"',
        'value="2-8"',
        'value="150"',
        'value="M54.5"',
        'value="Q99.999"',
        'value="bupivacaine 0.5% typed"',
        "Typed impairment text",
        "Findings typed here",
        'value="2026-01-05"',
        '<option value="partial" selected>',
        'value="Typed care note"',
        '<option value="mbb" selected>',
        'value="2026-10-01"',
    ):
        assert typed in html, typed
    assert m.PriorProcedure.objects.count() == 0  # the new injection waits too
    assert "Enter one number from 0 to 10, not a range" in html
    assert "not a real spinal segment" in html
    assert "is-invalid" in html
    levels_fs = dict((p, fs) for p, _t, _a, fs in response.context["formsets"])[
        "levels"
    ]
    assert levels_fs.forms[0].errors["level"].as_data()[0].code == "invalid_level"


def test_a_region_mix_is_shown_above_the_levels_table(client_billing, patient):
    rows = {
        "levels": [
            {"level": "C5-C6", "side": "left"},
            {"level": "L4-L5", "side": "left"},
        ]
    }
    response = client_billing.post(
        reverse("pa-request-create"), page_data(patient=patient, rows=rows)
    )
    assert response.status_code == 200
    assert 'id="errors-levels"' in response.content.decode()
    assert "span two regions" in response.content.decode()


def test_edit_adds_and_removes_rows(client_billing, patient, provider, facility):
    obj = make_request(client_billing, patient, provider, facility)
    first = obj.levels.get()
    rows = {
        "levels": [
            {
                "id": first.pk,
                "request": obj.pk,
                "level": "L4-L5",
                "side": "bilateral",
                "DELETE": "on",
            },
            {"level": "L3-L4", "side": "left", "prior_count": "1"},
            {"level": "L2-L3", "side": "left", "prior_count": "0"},
        ],
        "diagnoses": [
            {"id": obj.diagnoses.get().pk, "request": obj.pk, "code": "M47.816"}
        ],
    }
    data = page_data(
        patient=patient,
        provider=provider,
        facility=facility,
        rows=rows,
        initial={"levels": 1, "diagnoses": 1},
    )
    response = client_billing.post(reverse("pa-request-edit", args=[obj.pk]), data)
    assert response.status_code == 302
    assert [(lv.level, lv.position) for lv in obj.levels.all()] == [
        ("L3-L4", 0),
        ("L2-L3", 1),
    ]


def test_detail_shows_summary_ledger_code_lines_and_grouped_findings(
    client_billing, patient, provider, facility, history, django_assert_max_num_queries
):
    obj = make_request(client_billing, patient, provider, facility)
    with django_assert_max_num_queries(20):
        response = client_billing.get(reverse("pa-request-detail", args=[obj.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    evaluation = response.context["evaluation"]
    assert evaluation.findings, "a diagnostic MBB after two prior blocks is flagged"
    assert "DVT-001" in {f.code for f in evaluation.findings} or any(
        f.code.startswith("DVT") for f in evaluation.findings
    )
    for finding in evaluation.findings:
        assert finding.code in html
    severities = [g[0] for g in response.context["finding_groups"]]
    assert severities == sorted(severities, key=["blocker", "warning", "info"].index)
    assert "Levels and injection history" in html and "L4-L5" in html
    for line in evaluation.code_lines:
        assert line.cpt in html
    edit_url = reverse("pa-request-edit", args=[obj.pk])
    linked = [
        row
        for _s, lv in response.context["finding_groups"]
        for _l, rows in lv
        for row in rows
        if row["href"]
    ]
    assert linked and all(row["href"].startswith(edit_url + "#") for row in linked)


def test_send_for_signature_needs_an_override_when_blockers_remain(
    client_billing, patient, provider, facility, history
):
    obj = make_request(
        client_billing,
        patient,
        provider,
        facility,
        onset_date="",
        functional_impairment="",
    )
    client_billing.get(reverse("pa-request-detail", args=[obj.pk]))
    obj.refresh_from_db()
    if not obj.blocker_count:
        pytest.skip("this profile reports no blockers for the case")
    response = client_billing.post(
        reverse("pa-request-send", args=[obj.pk]),
        {"override_reason": "  "},
        follow=True,
    )
    obj.refresh_from_db()
    assert obj.status == "draft"
    assert "Not sent for signature" in response.content.decode()
    assert "override reason" in response.content.decode()

    response = client_billing.post(
        reverse("pa-request-send", args=[obj.pk]),
        {"override_reason": "Physician documented urgency"},
    )
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.status == "ready"
    assert obj.override_reason == "Physician documented urgency"


def test_send_for_signature_without_blockers_needs_no_reason(
    client_billing, patient, provider, facility, monkeypatch
):
    from priorauth import services
    from priorauth.rules.findings import Evaluation

    obj = make_request(client_billing, patient, provider, facility)
    monkeypatch.setattr(
        services.requests.rules, "evaluate", lambda *a, **k: Evaluation()
    )
    response = client_billing.post(reverse("pa-request-send", args=[obj.pk]), {})
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.status == "ready" and obj.override_reason == ""


def test_send_for_signature_rejects_get(client_billing, patient, provider, facility):
    obj = make_request(client_billing, patient, provider, facility)
    assert (
        client_billing.get(reverse("pa-request-send", args=[obj.pk])).status_code == 405
    )


def test_editing_a_locked_request_is_refused(
    client_billing, patient, provider, facility
):
    obj = make_request(client_billing, patient, provider, facility)
    m.AuthRequest.objects.filter(pk=obj.pk).update(status="signed")
    for method in ("get", "post"):
        response = getattr(client_billing, method)(
            reverse("pa-request-edit", args=[obj.pk]), follow=True
        )
        assert response.redirect_chain[-1][0] == reverse(
            "pa-request-detail", args=[obj.pk]
        )
        assert "can no longer be edited" in response.content.decode()
    detail = client_billing.get(
        reverse("pa-request-detail", args=[obj.pk])
    ).content.decode()
    assert reverse("pa-request-edit", args=[obj.pk]) not in detail


def test_outsider_gets_404_everywhere(
    client, billing_user, outsider_user, patient, provider, facility
):
    client.force_login(billing_user)
    obj = make_request(client, patient, provider, facility)
    client.force_login(outsider_user)
    assert client.get(reverse("pa-request-detail", args=[obj.pk])).status_code == 404
    assert client.get(reverse("pa-request-edit", args=[obj.pk])).status_code == 404
    assert (
        client.post(
            reverse("pa-request-edit", args=[obj.pk]), page_data(patient=patient)
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("pa-request-send", args=[obj.pk]), {"override_reason": "x"}
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("pa-patient-detail", args=[patient.pk])).status_code == 404
    )
    assert (
        client.get(reverse("pa-request-create") + f"?patient={patient.pk}").status_code
        == 404
    )
    assert (
        client.post(
            reverse("pa-request-create"), page_data(patient=patient)
        ).status_code
        == 404
    )
    # The outsider's own create page does not offer the other practice's patient, nor finds it.
    assert "Synthetic" not in client.get(reverse("pa-request-create")).content.decode()
    assert (
        "Synthetic"
        not in client.post(
            reverse("pa-request-create"), {"q": "synthetic"}
        ).content.decode()
    )
    obj.refresh_from_db()
    assert obj.status == "draft"


def test_patient_page_lists_history(client_billing, patient, history):
    response = client_billing.get(reverse("pa-patient-detail", args=[patient.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Medial branch block" in html and "L4-L5, L5-S1" in html
    assert (
        "Synthetic, Sam"
        in client_billing.get(reverse("pa-patient-list")).content.decode()
    )


def test_a_typed_relief_that_disagrees_is_saved_and_reported(
    client_billing, patient, provider, facility
):
    rows = {
        "levels": [{"level": "L4-L5", "side": "left"}],
        "history": [
            {
                "date": "2026-10-01",
                "procedure": "mbb",
                "levels": "L4-L5",
                "pre_score": "8",
                "post_score": "4",
                "relief_percent": "90",
                "relief_duration_hours": "5",
                "builds_on": "on",
            }
        ],
    }
    obj = make_request(client_billing, patient, provider, facility, rows=rows)
    assert obj.builds_on.get().relief_percent == 90
    response = client_billing.get(reverse("pa-request-detail", args=[obj.pk]))
    assert "LED-002" in {f.code for f in response.context["evaluation"].findings}
    assert "LED-002" in response.content.decode()


def test_the_edit_page_links_findings_to_inputs_on_the_same_page(
    client_billing, patient, provider, facility
):
    obj = make_request(client_billing, patient, provider, facility, onset_date="")
    html = client_billing.get(
        reverse("pa-request-edit", args=[obj.pk])
    ).content.decode()
    assert 'href="#id_onset_date"' in html and 'id="id_onset_date"' in html


def test_changing_one_level_row_keeps_the_order_and_fills_counts_of_untouched_rows(
    client_billing, patient, provider, facility, history
):
    """Positions and prior counts are worked out over every kept row, changed or not."""
    rows = {
        "levels": [
            {"level": lv, "side": "left", "prior_count": "0"}
            for lv in ("L3-L4", "L4-L5", "L5-S1")
        ]
    }
    obj = make_request(client_billing, patient, provider, facility, rows=rows)
    levels = list(obj.levels.all())
    m.RequestLevel.objects.filter(pk=levels[0].pk).update(
        prior_count=None
    )  # e.g. imported without a count
    posted = [
        {
            "id": lv.pk,
            "request": obj.pk,
            "level": lv.level,
            "side": lv.side,
            "prior_count": "" if i == 0 else "0",
        }
        for i, lv in enumerate(levels)
    ]
    posted[2]["side"] = "right"  # only the last row changes
    data = page_data(
        patient=patient,
        provider=provider,
        facility=facility,
        rows={"levels": posted},
        initial={"levels": 3},
        lock_version=str(obj.lock_version),
    )
    assert (
        client_billing.post(reverse("pa-request-edit", args=[obj.pk]), data).status_code
        == 302
    )
    assert [(lv.level, lv.position, lv.side) for lv in obj.levels.all()] == [
        ("L3-L4", 0, "left"),
        ("L4-L5", 1, "left"),
        ("L5-S1", 2, "right"),
    ]
    assert (
        obj.levels.get(level="L3-L4").prior_count == 0
    )  # filled from history (no MBB at L3-L4)


def test_a_level_already_on_the_request_cannot_be_added_twice(
    client_billing, patient, provider, facility
):
    obj = make_request(client_billing, patient, provider, facility)
    first = obj.levels.get()
    rows = {
        "levels": [
            {
                "id": first.pk,
                "request": obj.pk,
                "level": first.level,
                "side": first.side,
            },
            {"level": first.level, "side": "left"},
        ]
    }
    data = page_data(
        patient=patient,
        provider=provider,
        facility=facility,
        rows=rows,
        initial={"levels": 1},
        lock_version=str(obj.lock_version),
    )
    response = client_billing.post(reverse("pa-request-edit", args=[obj.pk]), data)
    assert response.status_code == 200 and "listed twice" in response.content.decode()
    assert obj.levels.count() == 1


def test_the_patient_list_pages_25_at_a_time_and_searches_by_post(
    client_billing, practice, payer_profiles
):
    from datetime import date as _date

    for i in range(30):
        m.Patient.objects.create(
            practice=practice,
            first_name="Pat",
            last_name=f"Zz{i:02d}",
            dob=_date(1960, 1, 1),
            sex="F",
            member_id=f"MEM{i:04d}",
        )
    first = client_billing.get(reverse("pa-patient-list")).content.decode()
    assert "Page 1 of 2" in first
    import re

    assert len(re.findall(r'href="/patients/\d+/"', first)) == 25
    found = client_billing.post(
        reverse("pa-patient-list"), {"q": "MEM0007"}
    ).content.decode()
    assert "Zz07, Pat" in found and "Zz08, Pat" not in found


def test_another_practices_patients_never_show_in_the_patient_search(
    client_outsider, patient
):
    html = client_outsider.post(
        reverse("pa-patient-list"), {"q": patient.last_name}
    ).content.decode()
    assert f"/patients/{patient.pk}/" not in html
    assert "No patient of the practice matches" in html


def test_both_provider_selects_list_the_practices_providers_and_keep_each_choice(
    client_billing, practice, patient, provider, facility, other_practice
):
    """The two provider selects share one query's rows; each keeps its own choice and
    neither offers another practice's provider."""
    import re

    second = m.Provider.objects.create(
        practice=practice, name="Lee Second", credentials="DO", npi="1245319599"
    )
    m.Provider.objects.create(
        practice=other_practice, name="Not Ours", credentials="MD", npi="1003000126"
    )
    obj = make_request(client_billing, patient, provider, facility)
    m.AuthRequest.objects.filter(pk=obj.pk).update(rendering_provider=second)
    html = client_billing.get(reverse("pa-request-edit", args=[obj.pk])).content.decode()
    for name, chosen in (("ordering_provider", provider), ("rendering_provider", second)):
        select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
        assert select, name
        options = re.findall(r'<option value="(\d+)"( selected)?', select.group(0))
        assert {int(pk) for pk, _ in options} == {provider.pk, second.pk}, name
        assert [int(pk) for pk, sel in options if sel] == [chosen.pk], name


def test_county_of_service_is_saved_shown_and_picks_the_virginia_mac(
    client_billing, patient, provider, facility
):
    obj = make_request(
        client_billing,
        patient,
        provider,
        facility,
        state_of_service="va",
        county_of_service="  Arlington   County ",
    )
    assert (obj.state_of_service, obj.county_of_service) == ("VA", "Arlington County")
    html = client_billing.get(reverse("pa-request-detail", args=[obj.pk])).content.decode()
    assert "state VA (Arlington County)" in html
    assert "L34892" in html and "L38765" not in html  # Novitas (JL), not Palmetto (JM)
    edit = client_billing.get(reverse("pa-request-edit", args=[obj.pk])).content.decode()
    assert 'name="county_of_service"' in edit and 'value="Arlington County"' in edit
    m.AuthRequest.objects.filter(pk=obj.pk).update(county_of_service="Roanoke")
    html = client_billing.get(reverse("pa-request-detail", args=[obj.pk])).content.decode()
    assert "L38765" in html and "L34892" not in html
