"""The factories in priorauth/demo: consistent rows, synthetic values, repeatable."""

from __future__ import annotations

from priorauth import services
from priorauth.demo import factories as f
from priorauth.rules.validation import npi_is_valid


def test_it_adds_the_npi_check_digit():
    assert f.npi_with_check_digit("123456789") == "1234567893"


def test_a_factory_request_is_consistent_and_evaluates(payer_profiles):
    request = f.AuthRequestFactory(patient__payer="aetna")
    assert request.payer_profile.key == "aetna"
    assert request.patient.practice == request.practice
    assert request.ordering_provider.practice == request.practice
    assert request.facility.practice == request.practice
    assert npi_is_valid(request.ordering_provider.npi) is True
    assert npi_is_valid(request.facility.npi) is True
    assert [(lv.level, lv.side) for lv in request.levels.all()] == [
        ("L4-L5", "bilateral")
    ]
    evaluation = services.auth_request_evaluate(request=request)
    assert evaluation.findings


def test_a_factory_patient_is_visibly_synthetic(payer_profiles):
    patients = f.PatientFactory.create_batch(3, payer="bcbs_ma")
    assert all(p.last_name in f.SYNTHETIC_SURNAMES for p in patients)
    assert all(p.member_id.startswith("XMA") for p in patients)


def test_reseeding_repeats_the_generated_values(payer_profiles):
    def generated() -> list[tuple]:
        f.reseed(5)
        return [
            (p.first_name, p.last_name, p.dob, p.sex, p.member_id, p.mrn)
            for p in f.PatientFactory.build_batch(4)
        ]

    assert generated() == generated()


def test_a_medicare_patient_is_65_or_older(payer_profiles):
    patient = f.PatientFactory.build(payer="medicare")
    assert patient.dob.year <= 1958
