"""The patient's injection history on the request page (issue 11: one record per injection).

Staff tick the injections a request builds on, correct them, and add new ones
without leaving the page; the request's facts read them; another patient's or
practice's rows are refused, even in a forged POST.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from priorauth import models as m
from priorauth import services
from tests.intake_data import page_data
from tests.test_views_request import make_request

pytestmark = pytest.mark.django_db

HISTORY_FIELDS = (
    "date",
    "procedure",
    "intent",
    "levels",
    "side",
    "agent",
    "scale",
    "pre_score",
    "post_score",
    "relief_percent",
    "relief_duration_hours",
    "relief_duration_days",
)


def injection(patient, day, procedure="mbb", levels="L4-L5", **fields):  # type: ignore[no-untyped-def]
    return m.PriorProcedure.objects.create(
        patient=patient,
        date=day,
        procedure=procedure,
        intent=fields.pop("intent", "diagnostic" if procedure == "mbb" else ""),
        levels=levels,
        **fields,
    )


def posted(row, *, builds_on: bool, **changes):  # type: ignore[no-untyped-def]
    """What the page posts back for a saved history row."""
    item = {"id": row.pk, "patient": row.patient_id}
    for name in HISTORY_FIELDS:
        value = getattr(row, name)
        item[name] = "" if value is None else str(value)
    if builds_on:
        item["builds_on"] = "on"
    item.update(changes)
    return item


def edit_data(req, history_rows, **extra):  # type: ignore[no-untyped-def]
    rows = {
        "levels": [
            {"id": lv.pk, "request": req.pk, "level": lv.level, "side": lv.side}
            for lv in req.levels.all()
        ],
        "diagnoses": [
            {"id": d.pk, "request": req.pk, "code": d.code} for d in req.diagnoses.all()
        ],
        "history": history_rows,
    }
    initial = {
        "levels": req.levels.count(),
        "diagnoses": req.diagnoses.count(),
        "history": sum(1 for r in history_rows if "id" in r),
    }
    return page_data(
        patient=req.patient,
        provider=req.ordering_provider,
        facility=req.facility,
        rows=rows,
        initial=initial,
        lock_version=str(req.lock_version),
        **extra,
    )


@pytest.fixture
def mbbs(patient):  # type: ignore[no-untyped-def]
    """Two earlier diagnostic MBBs at L4-L5 (oldest first), the second with its response."""
    today = date.today()
    return [
        injection(patient, today - timedelta(days=90), relief_percent=85),
        injection(
            patient,
            today - timedelta(days=60),
            agent="bupivacaine 0.5%",
            scale="NRS",
            pre_score=8,
            post_score=1,
            relief_percent=87.5,
            relief_duration_hours=8,
        ),
    ]


@pytest.fixture
def req(client_billing, patient, provider, facility, mbbs):  # type: ignore[no-untyped-def]
    return make_request(client_billing, patient, provider, facility)


# --------------------------------------------------------------------------- showing


def test_the_page_lists_the_patients_injections_newest_first_with_their_ticks(
    client_billing, req, mbbs
):
    req.builds_on.add(mbbs[0])
    html = client_billing.get(
        reverse("pa-request-edit", args=[req.pk])
    ).content.decode()
    first, second = (html.index(f'data-history-id="{r.pk}"') for r in mbbs)
    assert second < first  # newest first
    assert (
        'name="history-1-builds_on" class="form-check-input" id="id_history-1-builds_on" checked'
        in html
    )
    assert (
        'name="history-0-builds_on" class="form-check-input" id="id_history-0-builds_on">'
        in html
    )
    assert "This request builds on it" in html
    assert (
        "pain 8 before, 1 after (NRS)" in html and "87.5 % relief for 8 hours" in html
    )
    assert 'data-formset-add="history"' in html and "Add an injection" in html


def test_a_new_injection_row_starts_ticked(client_billing, patient):
    html = client_billing.get(
        reverse("pa-request-create") + f"?patient={patient.pk}"
    ).content.decode()
    template = html[html.index('<template id="empty-history">') :]
    assert 'id="id_history-__prefix__-builds_on" checked' in template


def test_a_returning_patients_long_history_shows_the_newest_of_the_requests_kind(
    client_billing, req, patient, mbbs
):
    today = date.today()
    old = [injection(patient, today - timedelta(days=400 + 20 * i)) for i in range(15)]
    esi = injection(patient, today - timedelta(days=10), "esi_interlaminar")
    neck = injection(patient, today - timedelta(days=20), levels="C5-C6")
    req.builds_on.add(old[-1])  # the oldest row: shown because the request builds on it
    shown, not_shown, ids = services.request_history_rows(request=req, patient=patient)
    assert ids == {old[-1].pk}
    assert len(shown) == services.HISTORY_SHOWN + 1 and not_shown == 19 - len(shown)
    assert [r.date for r in shown] == sorted((r.date for r in shown), reverse=True)
    assert shown[:2] == [mbbs[1], mbbs[0]] and old[-1] in shown
    assert esi not in shown and neck not in shown  # another kind, another region
    html = client_billing.get(
        reverse("pa-request-edit", args=[req.pk])
    ).content.decode()
    assert html.count("data-history-id=") == len(shown)
    assert "8 older injections or other procedures not shown here" in html
    assert reverse("pa-patient-detail", args=[patient.pk]) in html


# --------------------------------------------------------------------------- saving


def test_ticks_decide_what_the_request_builds_on_and_the_facts_follow(
    client_billing, req, mbbs
):
    req.builds_on.add(mbbs[0])
    data = edit_data(
        req,
        [posted(mbbs[1], builds_on=True), posted(mbbs[0], builds_on=False)],
    )
    response = client_billing.post(reverse("pa-request-edit", args=[req.pk]), data)
    assert response.status_code == 302
    assert list(req.builds_on.all()) == [mbbs[1]]
    facts = services.auth_request_facts(
        request=services.auth_request_queryset_for_detail().get(pk=req.pk)
    )
    assert [(h.date, h.builds_on) for h in facts.history] == [
        (mbbs[1].date, True),
        (mbbs[0].date, False),
    ]
    assert facts.block_responses == ()
    assert (facts.history[0].pre_score, facts.history[0].post_score) == (8, 1)


def test_correcting_a_saved_injection_changes_the_one_history_row(
    client_billing, req, patient, mbbs
):
    data = edit_data(
        req,
        [
            posted(mbbs[1], builds_on=True, relief_duration_hours="6"),
            posted(mbbs[0], builds_on=True, pre_score="7", post_score="1"),
        ],
    )
    assert (
        client_billing.post(reverse("pa-request-edit", args=[req.pk]), data).status_code
        == 302
    )
    mbbs[0].refresh_from_db()
    mbbs[1].refresh_from_db()
    assert (mbbs[0].pre_score, mbbs[0].post_score, mbbs[0].relief_percent) == (7, 1, 85)
    assert mbbs[1].relief_duration_hours == 6
    assert patient.history.count() == 2


def test_an_injection_added_unticked_joins_the_history_only(
    client_billing, req, patient
):
    new = {
        "date": (date.today() - timedelta(days=5)).isoformat(),
        "procedure": "mbb",
        "intent": "therapeutic",
        "levels": "l4-5",
        "side": "left",
        "agent": "bupivacaine 0.25%",
        "pre_score": "6",
        "post_score": "3",
        "relief_duration_days": "3",
    }
    data = edit_data(req, [new])
    assert (
        client_billing.post(reverse("pa-request-edit", args=[req.pk]), data).status_code
        == 302
    )
    row = patient.history.get(agent="bupivacaine 0.25%")
    assert (row.levels, row.side, row.intent, row.relief_percent) == (
        "L4-L5",
        "left",
        "therapeutic",
        50,
    )
    assert row.relief_duration_days == 3 and not req.builds_on.exists()


def test_an_old_incomplete_injection_does_not_stop_the_save_until_it_is_ticked(
    client_billing, req, patient, mbbs
):
    """A row the data move left without levels (and an old mismatched intent) is
    shown; the page saves while it is left alone, and asks for its levels once ticked."""
    old = injection(patient, date.today() - timedelta(days=30), levels="")
    old.intent = "first"  # not an MBB's intent: an old admin entry
    old.needs_review = True
    old.save()
    url = reverse("pa-request-edit", args=[req.pk])
    shown = [posted(r, builds_on=False) for r in (old, mbbs[1], mbbs[0])]
    assert client_billing.post(url, edit_data(req, shown)).status_code == 302
    req.refresh_from_db()
    shown[0]["builds_on"] = "on"
    response = client_billing.post(url, edit_data(req, shown))
    assert response.status_code == 200
    assert "Enter the levels injected, e.g. L4-L5." in response.content.decode()
    assert not req.builds_on.exists()


def test_an_empty_prior_count_counts_the_injection_added_in_the_same_save(
    client_billing, req, mbbs
):
    new = {
        "date": (date.today() - timedelta(days=20)).isoformat(),
        "procedure": "mbb",
        "levels": "L4-L5",
        "builds_on": "on",
    }
    data = edit_data(req, [posted(mbbs[1], builds_on=False), new])
    data["levels-0-prior_count"] = ""
    response = client_billing.post(reverse("pa-request-edit", args=[req.pk]), data)
    assert response.status_code == 302
    assert req.levels.get().prior_count == 3  # two on file and the one added


def test_a_saved_injection_is_never_deleted_from_the_request_page(
    client_billing, req, patient, mbbs
):
    data = edit_data(req, [posted(mbbs[1], builds_on=True, DELETE="on")])
    assert (
        client_billing.post(reverse("pa-request-edit", args=[req.pk]), data).status_code
        == 302
    )
    assert patient.history.count() == 2 and list(req.builds_on.all()) == [mbbs[1]]


def test_two_mbbs_entered_on_the_page_satisfy_the_rfa_prerequisite(
    client_billing, patient, provider, facility
):
    """FAC-009 needs two diagnostic MBBs with >= 80 % relief at the level."""
    today = date.today()

    def mbb(days):  # type: ignore[no-untyped-def]
        return {
            "date": (today - timedelta(days=days)).isoformat(),
            "procedure": "mbb",
            "intent": "diagnostic",
            "levels": "L4-L5",
            "agent": "lidocaine 2%",
            "scale": "NRS",
            "pre_score": "8",
            "post_score": "1",
            "relief_duration_hours": "6",
            "builds_on": "on",
        }

    def findings(history):  # type: ignore[no-untyped-def]
        rows = {
            "levels": [{"level": "L4-L5", "side": "bilateral"}],
            "diagnoses": [{"code": "M47.816"}],
            "history": history,
        }
        obj = make_request(
            client_billing,
            patient,
            provider,
            facility,
            rows=rows,
            procedure_type="rfa",
            intent="first",
        )
        evaluation = services.auth_request_evaluate(
            request=services.auth_request_queryset_for_detail().get(pk=obj.pk)
        )
        return {f.code for f in evaluation.findings}

    assert "FAC-009" in findings([mbb(60)])
    assert "FAC-009" not in findings([mbb(30)])  # with the first one: two on file


# --------------------------------------------------------------------------- isolation


@pytest.fixture
def strangers(practice, other_practice, payer_profiles):  # type: ignore[no-untyped-def]
    """An injection of another patient of the same practice, and one of another practice."""
    rows = []
    for owner_practice, member in (
        (practice, "ZZT900000002"),
        (other_practice, "ZZT900000003"),
    ):
        other = m.Patient.objects.create(
            practice=owner_practice,
            first_name="Other",
            last_name="Person",
            dob=date(1970, 1, 1),
            sex="M",
            member_id=member,
            payer_profile=payer_profiles["medicare"],
        )
        rows.append(
            injection(other, date.today() - timedelta(days=30), relief_percent=95)
        )
    return rows


@pytest.mark.parametrize("whose", ["same practice", "other practice"])
@pytest.mark.parametrize("slot", ["saved row", "new row"])
def test_a_forged_post_cannot_build_on_or_change_anothers_injection(
    client_billing, req, mbbs, strangers, whose, slot
):
    stranger = strangers[0 if whose == "same practice" else 1]
    forged = posted(stranger, builds_on=True, relief_percent="10")
    forged["patient"] = req.patient_id
    rows = [posted(mbbs[1], builds_on=True), forged]
    data = edit_data(req, rows)
    if slot == "new row":  # the stranger's id in a slot for a new row
        data["history-INITIAL_FORMS"] = "1"
    response = client_billing.post(reverse("pa-request-edit", args=[req.pk]), data)
    assert response.status_code == 200  # refused, the page shown again
    assert "The request was not saved" in response.content.decode()
    assert not req.builds_on.exists()
    stranger.refresh_from_db()
    assert stranger.relief_percent == 95 and stranger.patient_id != req.patient_id
    req.refresh_from_db()
    assert req.lock_version == 0  # nothing saved


def test_a_forged_patient_on_a_new_injection_is_refused(client_billing, req, strangers):
    new = {
        "patient": strangers[0].patient_id,
        "date": "2026-10-01",
        "procedure": "mbb",
        "levels": "L4-L5",
        "builds_on": "on",
    }
    response = client_billing.post(
        reverse("pa-request-edit", args=[req.pk]), edit_data(req, [new])
    )
    assert response.status_code == 200
    assert not m.PriorProcedure.objects.filter(date=date(2026, 10, 1)).exists()


def test_the_service_refuses_another_patients_injection(req, mbbs, strangers):
    for stranger in strangers:
        with pytest.raises(ValidationError) as raised:
            services.auth_request_builds_on_set(
                request=req, rows=[(mbbs[0], True), (stranger, True)]
            )
        assert raised.value.code == "other_patient"
    assert not req.builds_on.exists()
    services.auth_request_builds_on_set(request=req, rows=[(mbbs[0], True)])
    assert list(req.builds_on.all()) == [mbbs[0]]


def test_an_outsider_sees_none_of_the_history(outsider_user, req, mbbs):
    outsider = Client()
    outsider.force_login(outsider_user)
    for url in (
        reverse("pa-request-edit", args=[req.pk]),
        reverse("pa-request-detail", args=[req.pk]),
        reverse("pa-patient-detail", args=[req.patient_id]),
    ):
        assert outsider.get(url).status_code == 404, url


# --------------------------------------------------------------------------- review


def test_an_injection_marked_for_review_is_shown_until_checked(
    client_billing, req, mbbs
):
    row = mbbs[1]
    row.needs_review = True
    row.review_note = (
        "The block response on request 3 said relief % 90, the history said 85;"
        " 90 is used now. Check which is right."
    )
    row.save()
    url = reverse("pa-request-edit", args=[req.pk])
    html = client_billing.get(url).content.decode()
    assert "Check this injection." in html and "the history said 85" in html
    unchanged = edit_data(req, [posted(row, builds_on=True)])
    assert client_billing.post(url, unchanged).status_code == 302
    row.refresh_from_db()
    assert row.needs_review is True  # saving the page alone confirms nothing
    req.refresh_from_db()
    checked = edit_data(req, [posted(row, builds_on=True, confirmed="on")])
    assert client_billing.post(url, checked).status_code == 302
    row.refresh_from_db()
    assert row.needs_review is False


def care_row(req, care, **changes):  # type: ignore[no-untyped-def]
    item = {
        "id": care.pk,
        "request": req.pk,
        "kind": care.kind,
        "outcome": care.outcome,
        "note": care.note,
    }
    item.update(changes)
    return item


def post_care(client, req, item):  # type: ignore[no-untyped-def]
    data = edit_data(req, [])
    data.update(
        {
            "conservative_care-TOTAL_FORMS": "1",
            "conservative_care-INITIAL_FORMS": "1",
            **{f"conservative_care-0-{k}": v for k, v in item.items()},
        }
    )
    return client.post(reverse("pa-request-edit", args=[req.pk]), data)


@pytest.mark.parametrize(
    ("changes", "still_to_review"),
    [
        ({}, True),
        ({"confirmed": "on"}, False),
        ({"outcome": "improved"}, False),
        ({"note": "helped a bit, 10 visits"}, True),
    ],
)
def test_a_care_outcome_read_from_old_text_is_confirmed_by_staff(
    client_billing, req, changes, still_to_review
):
    care = m.ConservativeCare.objects.create(
        request=req, kind="physical_therapy", note="helped a bit", needs_review=True
    )
    html = client_billing.get(
        reverse("pa-request-edit", args=[req.pk])
    ).content.decode()
    assert "Confirm the outcome:" in html
    assert "it was read from the old text “helped a bit”" in html
    assert 'id="id_conservative_care-0-confirmed"' in html
    assert (
        post_care(client_billing, req, care_row(req, care, **changes)).status_code
        == 302
    )
    care.refresh_from_db()
    assert care.needs_review is still_to_review


def test_a_note_for_staff_is_shown_and_can_be_cleared(client_billing, req):
    req.review_note = (
        "A block response without a date could not be placed (lidocaine 2%)."
    )
    req.save()
    edit = client_billing.get(
        reverse("pa-request-edit", args=[req.pk])
    ).content.decode()
    detail = client_billing.get(
        reverse("pa-request-detail", args=[req.pk])
    ).content.decode()
    for html in (edit, detail):
        assert "could not be placed (lidocaine 2%)" in html
    data = edit_data(req, [])
    assert (
        client_billing.post(reverse("pa-request-edit", args=[req.pk]), data).status_code
        == 302
    )
    req.refresh_from_db()
    assert req.review_note  # kept until staff say it is done
    data = edit_data(req, [], review_note_done="on")
    assert (
        client_billing.post(reverse("pa-request-edit", args=[req.pk]), data).status_code
        == 302
    )
    req.refresh_from_db()
    assert req.review_note == ""


# --------------------------------------------------------------------------- other pages


def test_the_summary_shows_the_injections_the_request_builds_on(
    client_billing, req, mbbs
):
    req.builds_on.add(mbbs[1])
    html = client_billing.get(
        reverse("pa-request-detail", args=[req.pk])
    ).content.decode()
    section = html[html.index('id="builds-on-title"') :]
    section = section[: section.index("</section>")]
    assert (
        mbbs[1].date.strftime("%m/%d/%Y") in section and "bupivacaine 0.5%" in section
    )
    assert mbbs[0].date.strftime("%m/%d/%Y") not in section


def test_the_patient_page_shows_each_injections_response(client_billing, req, mbbs):
    req.builds_on.add(mbbs[1])
    mbbs[0].needs_review = True
    mbbs[0].review_note = "The levels of this block were not recorded; enter them."
    mbbs[0].save()
    html = client_billing.get(
        reverse("pa-patient-detail", args=[req.patient_id])
    ).content.decode()
    assert "8 → 1" in html and "bupivacaine 0.5%" in html
    assert "levels of this block were not recorded" in html
    assert f'href="{req.get_absolute_url()}"' in html  # used by this request


def test_every_page_shows_the_relief_the_rules_use_when_typed_and_scores_disagree(
    client_billing, req, patient
):
    # Scores 8 -> 1 are 87.5 % relief; the typed 85 is what staff keyed in earlier.
    row = injection(
        patient, date(2026, 9, 1), pre_score=8, post_score=1, relief_percent=85
    )
    req.builds_on.add(row)
    assert row.effective_relief == 87.5
    detail = client_billing.get(
        reverse("pa-request-detail", args=[req.pk])
    ).content.decode()
    summary = detail[detail.index('id="builds-on-title"') :]
    summary = summary[: summary.index("</section>")]
    line = summary[summary.index("09/01/2026") :]
    line = line[: line.index("</tr>")]
    assert "<td>87.5</td>" in line and "<td>85</td>" not in line
    page = client_billing.get(
        reverse("pa-patient-detail", args=[patient.pk])
    ).content.decode()
    line = page[page.index("<td>09/01/2026</td>") :]
    line = line[: line.index("</tr>")]
    assert "<td>87.5%</td>" in line and "85%" not in line.replace("87.5%", "")
