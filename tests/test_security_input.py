"""Hostile input: markup renders as text, oversized input is refused with a clear error."""

from __future__ import annotations

import pytest

from django.db import models
from django.urls import reverse

from priorauth import models as m
from tests.intake_data import page_data
from tests.security_data import make_request

PAYLOADS = (
    '<script>alert("pa-xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(2)>",
)
RAW_MARKERS = ('<script>alert("pa-xss")', "<img src=x onerror", "<svg/onload")


def _fill_text_fields(obj: models.Model, payload: str) -> None:
    for field in obj._meta.concrete_fields:
        if (
            isinstance(field, (models.CharField, models.TextField))
            and not field.choices
        ):
            if field.max_length is not None and field.max_length < len(payload):
                continue
            if field.name in ("password", "username", "npi", "key", "code", "level"):
                continue
            setattr(obj, field.name, payload)


@pytest.fixture(params=PAYLOADS, ids=["script", "img-onerror", "svg-onload"])
def hostile(request, practice, patient, provider, facility):  # type: ignore[no-untyped-def]
    payload = request.param
    for obj in (practice, patient, provider, facility):
        _fill_text_fields(obj, payload)
        obj.save()
    req = make_request(
        practice,
        patient,
        ordering_provider=provider,
        rendering_provider=provider,
        facility=facility,
    )
    _fill_text_fields(req, payload)
    req.save()
    m.RequestLevel.objects.create(request=req, level="L4-L5", side="bilateral")
    m.ImagingStudy.objects.create(
        request=req, modality="MRI", findings=payload, levels="L4-L5"
    )
    # Free text shown in notices too: the old care text to confirm, a row's review note.
    m.ConservativeCare.objects.create(
        request=req, kind=payload[:60], note=payload, needs_review=True
    )
    m.Diagnosis.objects.create(request=req, code="M47.816")
    injection = m.PriorProcedure.objects.create(
        patient=patient,
        date="2026-01-05",
        procedure="mbb",
        levels="L4-L5",
        agent=payload[:100],
        scale=payload[:40],
        needs_review=True,
        review_note=payload,
    )
    req.builds_on.add(injection)
    return req


def test_markup_in_every_text_field_renders_as_text(client_physician, hostile, patient):
    urls = [
        reverse("pa-worklist"),
        reverse("pa-request-detail", args=[hostile.pk]),
        reverse("pa-request-edit", args=[hostile.pk]),
        reverse("pa-patient-list"),
        reverse("pa-patient-detail", args=[patient.pk]),
    ]
    for url in urls:
        response = client_physician.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for marker in RAW_MARKERS:
            assert marker not in html, (url, marker)
    detail = client_physician.get(
        reverse("pa-request-detail", args=[hostile.pk])
    ).content.decode()
    assert "&lt;" in detail  # it is shown, escaped


def test_the_csp_forbids_inline_script_even_if_markup_slipped_through(
    client_physician, hostile
):
    csp = client_physician.get(reverse("pa-request-detail", args=[hostile.pk]))[
        "Content-Security-Policy"
    ]
    script_src = csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src


# --------------------------------------------------------------------------- size limits


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("functional_impairment", 5000),
        ("sedation_justification", 2000),
        ("injectate", 300),
        ("plan_name", 200),
    ],
)
def test_an_oversized_field_is_refused_with_a_clear_error(
    client_billing, patient, provider, facility, field, limit
):
    before = m.AuthRequest.objects.count()
    data = page_data(
        patient=patient,
        provider=provider,
        facility=facility,
        **{field: "x" * (limit + 1)},
    )
    response = client_billing.post(reverse("pa-request-create"), data)
    assert response.status_code == 200
    assert f"at most {limit} characters" in response.content.decode()
    assert m.AuthRequest.objects.count() == before


def test_an_oversized_edit_changes_nothing(
    client_billing, patient, provider, facility, practice
):
    req = make_request(practice, patient, functional_impairment="original text")
    data = page_data(
        patient=patient,
        provider=provider,
        facility=facility,
        functional_impairment="y" * 5001,
        lock_version=req.lock_version,
    )
    response = client_billing.post(reverse("pa-request-edit", args=[req.pk]), data)
    assert response.status_code == 200
    assert "at most 5000 characters" in response.content.decode()
    req.refresh_from_db()
    assert req.functional_impairment == "original text"


def test_a_body_over_the_limit_is_a_400_with_an_explanation(
    client_billing, patient, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    before = m.AuthRequest.objects.count()
    response = client_billing.post(
        reverse("pa-request-create"), {"functional_impairment": "z" * (128 * 1024)}
    )
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert m.AuthRequest.objects.count() == before


def test_the_production_body_limit_is_one_megabyte():
    from priorauth import settings as production

    assert production.DATA_UPLOAD_MAX_MEMORY_SIZE <= 1024 * 1024


def test_too_many_fields_is_a_400(client_billing, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
    response = client_billing.post(
        reverse("pa-request-create"), {f"f{i}": "1" for i in range(500)}
    )
    assert response.status_code == 400


def test_malformed_ids_are_404_not_500(client_billing):
    for url in (
        "/requests/99999999999999999999/",
        "/requests/-1/",
        "/requests/abc/",
        "/patients/1e9/",
    ):
        assert client_billing.get(url).status_code == 404
