"""The request form and its formsets: every malformed input is refused with a coded error."""

from __future__ import annotations

from datetime import timedelta

import pytest

from django.utils import timezone

from priorauth import admin as pa_admin
from priorauth.models import validators as v
from priorauth.web.requests import checks as form_checks
from priorauth.web.requests import forms as pa_forms
from priorauth.web.requests.findings import field_anchor
from tests.intake_data import page_data

pytestmark = pytest.mark.django_db

TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()


def bind(practice, data, patient=None):  # type: ignore[no-untyped-def]
    """The request form for a new request; the patient is chosen by the view (not a field)."""
    if patient is None:
        from priorauth.models import Patient

        patient = Patient.objects.get(pk=data["patient"])
    form = pa_forms.AuthRequestForm(data, practice=practice, patient=patient)
    formsets = pa_forms.request_formsets(
        data=data, patient=patient, history_shown=list(patient.history.all())
    )
    return form_checks.request_page_is_valid(form, formsets), form, formsets


def codes(errors) -> set[str]:  # type: ignore[no-untyped-def]
    """Codes of a form/formset error list or dict."""
    if hasattr(errors, "as_data") and isinstance(errors.as_data(), dict):
        return {e.code for errs in errors.as_data().values() for e in errs}
    return {e.code for e in errors.as_data()}


def test_it_accepts_a_valid_page_and_defaults_payer_from_patient(
    practice, patient, provider, facility
):
    valid, form, formsets = bind(
        practice, page_data(patient=patient, provider=provider, facility=facility)
    )
    assert valid, (form.errors, [fs.errors for fs in formsets.values()])
    assert form.cleaned_data["payer_profile"] == patient.payer_profile
    assert form.cleaned_data["plan_name"] == "Medicare Part B"


def test_the_patient_is_not_a_field_and_must_be_of_the_practice(
    practice, other_practice, payer_profiles, patient
):
    from priorauth.models import Patient

    form = pa_forms.AuthRequestForm(practice=practice, patient=patient)
    assert (
        "patient" not in form.fields
    )  # shown as read-only text, never a <select> of every patient
    assert form.instance.patient == patient
    stranger = Patient.objects.create(
        practice=other_practice,
        first_name="O",
        last_name="Ther",
        dob="1960-01-01",
        sex="M",
        member_id="X1",
    )
    with pytest.raises(ValueError, match="another practice"):
        pa_forms.AuthRequestForm(
            page_data(patient=stranger), practice=practice, patient=stranger
        )
    with pytest.raises(ValueError, match="needs the patient"):
        pa_forms.AuthRequestForm(practice=practice)


def test_a_posted_patient_cannot_change_the_request_patient(
    practice, patient, provider, facility
):
    """The form's patient is the one the view chose; a posted ``patient`` changes nothing."""
    from priorauth.models import Patient

    other = Patient.objects.create(
        practice=practice,
        first_name="Ann",
        last_name="Other",
        dob="1970-01-01",
        sex="F",
        member_id="Z9",
    )
    valid, form, _ = bind(
        practice,
        page_data(patient=other, provider=provider, facility=facility),
        patient=patient,
    )
    assert valid and form.instance.patient == patient


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("l4-5", "L4-L5"),
        ("L5S1", "L5-S1"),
        ("c5 - c6", "C5-C6"),
        ("caudal", "caudal"),
        ("T12/L1", "T12-L1"),
    ],
)
def test_it_normalizes_levels(practice, patient, typed, canonical):
    rows = {"levels": [{"level": typed, "side": "left"}]}
    valid, form, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert valid, formsets["levels"].errors
    assert formsets["levels"].forms[0].cleaned_data["level"] == canonical


@pytest.mark.parametrize("typed", ["L4-L6", "L3-L5", "L6-L7", "X1-X2", "L4-L4", ""])
def test_it_rejects_unknown_or_non_adjacent_levels(practice, patient, typed):
    rows = {"levels": [{"level": typed, "side": "left", "prior_count": "1"}]}
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert not valid
    errors = formsets["levels"].forms[0].errors["level"]
    assert codes(errors) <= {"invalid_level", "required"}
    if typed:
        assert codes(errors) == {"invalid_level"}
        assert typed in errors[0]


def test_it_rejects_levels_from_two_regions_as_a_formset_error(practice, patient):
    rows = {
        "levels": [
            {"level": "C5-C6", "side": "left"},
            {"level": "L4-L5", "side": "left"},
        ]
    }
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert not valid
    assert codes(formsets["levels"].non_form_errors()) == {"mixed_regions"}


def test_it_rejects_the_same_level_twice(practice, patient):
    rows = {
        "levels": [
            {"level": "L4-L5", "side": "left"},
            {"level": "l4-5", "side": "right"},
        ]
    }
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert not valid
    assert codes(formsets["levels"].non_form_errors()) == {"duplicate_level"}


def test_deleted_rows_do_not_count_for_region_checks(practice, patient):
    rows = {
        "levels": [
            {"level": "C5-C6", "side": "left", "DELETE": "on"},
            {"level": "L4-L5", "side": "left"},
        ]
    }
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert valid, formsets["levels"].non_form_errors()


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("2-8", "score_range"),
        ("2 to 8", "score_range"),
        ("11", "score_out_of_range"),
        ("-1", "score_out_of_range"),
        ("seven", "score_invalid"),
    ],
)
def test_it_rejects_bad_pain_scores(practice, patient, typed, code):
    valid, form, _ = bind(
        practice, page_data(patient=patient, baseline_pain_score=typed)
    )
    assert not valid
    assert codes(form.errors["baseline_pain_score"]) == {code}
    if code == "score_range":
        assert (
            "Enter one number from 0 to 10, not a range"
            in form.errors["baseline_pain_score"][0]
        )


def injection(**fields):  # type: ignore[no-untyped-def]
    """A new history row on the request page (an MBB at L4-L5 unless overridden)."""
    return {"date": "2026-10-01", "procedure": "mbb", "levels": "L4-L5", **fields}


def test_it_rejects_ranges_in_injection_scores_and_relief_over_100(practice, patient):
    rows = {
        "levels": [{"level": "L4-L5", "side": "left"}],
        "history": [injection(pre_score="2-8", post_score="12", relief_percent="120")],
    }
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert not valid
    errors = formsets["history"].forms[0].errors
    assert codes(errors["pre_score"]) == {"score_range"}
    assert codes(errors["post_score"]) == {"score_out_of_range"}
    assert codes(errors["relief_percent"]) == {"relief_over_100"}


def test_a_new_injection_needs_its_date_type_and_levels(practice, patient):
    rows = {"history": [{"agent": "lidocaine 2%", "pre_score": "8"}]}
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert not valid
    errors = formsets["history"].forms[0].errors
    assert {name: codes(errors[name]) for name in errors} == {
        "date": {"required"},
        "procedure": {"required"},
        "levels": {"required"},
    }
    # Each message names what is missing (shown under the field, read out alone too).
    assert errors["date"] == ["Enter the date of the injection."]
    assert errors["procedure"] == ["Choose the procedure that was done."]
    assert errors["levels"] == ["Enter the levels injected, e.g. L4-L5."]


def test_an_untouched_new_injection_is_ignored(practice, patient):
    """A row added and left blank (its "builds on" tick as it came) saves nothing."""
    rows = {"history": [{"builds_on": "on"}, {}]}
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert valid, formsets["history"].errors
    assert formsets["history"].kept_forms() == []


@pytest.mark.parametrize(
    ("procedure", "intent", "ok"),
    [
        ("mbb", "diagnostic", True),
        ("rfa", "repeat", True),
        ("esi_caudal", "therapeutic", True),
        ("rfa", "diagnostic", False),
        ("mbb", "first", False),
        ("esi_caudal", "diagnostic", False),
    ],
)
def test_an_injections_intent_must_fit_its_procedure(
    practice, patient, procedure, intent, ok
):
    rows = {"history": [injection(procedure=procedure, intent=intent)]}
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    errors = formsets["history"].forms[0].errors
    assert valid is ok, errors
    if not ok:
        assert codes(errors["intent"]) == {"intent_mismatch"}


def test_it_rejects_negative_relief_durations(practice, patient):
    rows = {
        "history": [injection(relief_duration_hours="-1", relief_duration_days="-2")]
    }
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    errors = formsets["history"].forms[0].errors
    assert not valid
    assert codes(errors["relief_duration_hours"]) == {"negative_duration"}
    assert codes(errors["relief_duration_days"]) == {"negative_duration"}


def test_it_computes_percent_relief_when_left_empty(practice, patient):
    rows = {"history": [injection(pre_score="7", post_score="2", levels="l4-5")]}
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert valid, formsets["history"].errors
    data = formsets["history"].forms[0].cleaned_data
    assert data["relief_percent"] == 71.4
    assert data["levels"] == "L4-L5"


def test_it_keeps_a_typed_relief_that_disagrees_with_the_scores(practice, patient):
    rows = {"history": [injection(pre_score="8", post_score="4", relief_percent="90")]}
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert valid
    assert formsets["history"].forms[0].cleaned_data["relief_percent"] == 90


def test_it_rejects_future_dates_for_past_events(practice, patient):
    rows = {
        "history": [injection(date=TOMORROW, pre_score="7", post_score="2")],
        "conservative_care": [{"kind": "physical_therapy", "start": TOMORROW}],
        "imaging": [{"modality": "mri", "date": TOMORROW, "levels": "L4-L5"}],
    }
    valid, form, formsets = bind(
        practice, page_data(patient=patient, rows=rows, onset_date=TOMORROW)
    )
    assert not valid
    assert codes(form.errors["onset_date"]) == {"future_date"}
    assert codes(formsets["history"].forms[0].errors["date"]) == {"future_date"}
    assert codes(formsets["conservative_care"].forms[0].errors["start"]) == {
        "future_date"
    }
    assert codes(formsets["imaging"].forms[0].errors["date"]) == {"future_date"}


def test_the_care_outcome_is_a_choice(practice, patient):
    rows = {
        "conservative_care": [
            {"kind": "nsaids", "outcome": "not_tolerated", "note": "gastritis"},
            {"kind": "physical_therapy", "outcome": "failed after 6 weeks"},
        ]
    }
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert not valid
    first, second = formsets["conservative_care"].forms
    assert first.is_valid() and first.cleaned_data["outcome"] == "not_tolerated"
    assert codes(second.errors["outcome"]) == {"invalid_choice"}


def test_a_future_date_of_service_is_fine(practice, patient):
    valid, form, _ = bind(
        practice, page_data(patient=patient, date_of_service=TOMORROW)
    )
    assert valid, form.errors


def test_it_rejects_conservative_care_ending_before_it_started(practice, patient):
    rows = {
        "conservative_care": [
            {"kind": "nsaids", "start": "2026-05-01", "end": "2026-04-01"}
        ]
    }
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert not valid
    assert codes(formsets["conservative_care"].forms[0].errors["end"]) == {
        "end_before_start"
    }


def test_it_rejects_bad_imaging_levels(practice, patient):
    rows = {
        "imaging": [{"modality": "mri", "date": "2026-06-01", "levels": "L4-L5, L4-L6"}]
    }
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert not valid
    assert codes(formsets["imaging"].forms[0].errors["levels"]) == {"invalid_level"}


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("M99.999", "icd10_unknown"),
        ("ZZZ", "icd10_unknown"),
        ("M54.5", "icd10_not_billable"),
        ("M47", "icd10_not_billable"),
    ],
)
def test_it_rejects_unknown_or_non_billable_icd10(practice, patient, typed, code):
    rows = {"diagnoses": [{"code": typed}]}
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert not valid
    assert codes(formsets["diagnoses"].forms[0].errors["code"]) == {code}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("M47816", "M47.816"), ("m47.816", "M47.816"), ("M54.16", "M54.16")],
)
def test_it_accepts_icd10_with_or_without_the_dot(practice, patient, typed, stored):
    rows = {"diagnoses": [{"code": typed}]}
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert valid, formsets["diagnoses"].errors
    assert formsets["diagnoses"].forms[0].cleaned_data["code"] == stored


def test_it_rejects_a_duplicate_diagnosis(practice, patient):
    rows = {"diagnoses": [{"code": "M47.816"}, {"code": "M47816"}]}
    valid, _, formsets = bind(practice, page_data(patient=patient, rows=rows))
    assert not valid
    assert codes(formsets["diagnoses"].non_form_errors()) == {"duplicate_diagnosis"}


def test_it_rejects_a_bad_state(practice, patient):
    valid, form, _ = bind(
        practice, page_data(patient=patient, state_of_service="Arizona")
    )
    assert codes(form.errors["state_of_service"]) <= {"invalid_state", "max_length"}


def test_it_needs_a_payer_when_the_patient_has_none(practice, patient):
    patient.payer_profile = None
    patient.save()
    valid, form, _ = bind(practice, page_data(patient=patient))
    assert not valid
    assert codes(form.errors["payer_profile"]) == {"required"}


# --------------------------------------------------------------------------- validators


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1003000126"])
def test_npi_luhn_accepts_valid_npis(npi):
    assert v.npi_is_valid(npi)
    v.validate_npi(npi)


@pytest.mark.parametrize(
    ("npi", "code"),
    [
        ("1234567890", "npi_checksum"),
        ("1245319598", "npi_checksum"),
        ("12345", "npi_format"),
        ("12345678ab", "npi_format"),
    ],
)
def test_npi_rejects_bad_check_digit_or_format(npi, code):
    with pytest.raises(v.ValidationError) as exc:
        v.validate_npi(npi)
    assert exc.value.code == code


def test_provider_form_rejects_a_bad_npi():
    form = pa_admin.ProviderForm({"name": "Dr X", "npi": "1234567890"})
    assert not form.is_valid()
    assert codes(form.errors["npi"]) == {"npi_checksum"}
    assert pa_admin.FacilityForm(
        {"name": "ASC", "npi": "1245319599", "place_of_service": "24"}
    ).is_valid()


def test_history_form_rejects_future_dates_and_bad_levels():
    form = pa_admin.PriorProcedureForm(
        {"date": TOMORROW, "procedure": "mbb", "levels": "L4-L6"}
    )
    assert not form.is_valid()
    assert codes(form.errors["date"]) == {"future_date"}
    assert codes(form.errors["levels"]) == {"invalid_level"}


@pytest.mark.parametrize(
    ("path", "anchor"),
    [
        ("clinical.onset_date", "id_onset_date"),
        ("levels[0].prior_count", "id_levels-0-prior_count"),
        # History indexes count the patient's whole history, not the rows on the page.
        ("history[3].relief_percent", "section-history"),
        ("history", "section-history"),
        ("diagnoses[0]", "id_diagnoses-0-code"),
        ("diagnoses", "section-diagnoses"),
        ("imaging", "section-imaging"),
        ("procedure.type", "id_procedure_type"),
        ("procedure.date_of_service", "id_date_of_service"),
        ("payer.state", "id_state_of_service"),
        ("rendering.npi", "id_rendering_provider"),
        ("", ""),
    ],
)
def test_field_anchor_maps_finding_paths_to_inputs(path, anchor):
    assert field_anchor(path) == anchor
