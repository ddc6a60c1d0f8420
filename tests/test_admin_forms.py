"""Reference data entered in the admin goes through the same checks as the intake."""

from django.contrib.admin.sites import site
from django.test import RequestFactory

from priorauth import models as m


def _admin_form(model, superuser, data):
    admin = site._registry[model]
    request = RequestFactory().get("/")
    request.user = superuser
    form_class = admin.get_form(request)
    return form_class(data=data)


def _superuser(db):
    return m.User.objects.create_superuser(
        "root", "root@example.invalid", "x-very-long-password-1"
    )


def test_provider_npi_failing_its_check_digit_is_rejected(db, practice):
    form = _admin_form(
        m.Provider,
        _superuser(db),
        {"practice": practice.pk, "name": "A", "npi": "1234567890"},
    )
    assert form.is_valid() is False
    assert "npi" in form.errors


def test_provider_with_a_valid_npi_is_accepted(db, practice):
    form = _admin_form(
        m.Provider,
        _superuser(db),
        {"practice": practice.pk, "name": "A", "npi": "1234567893"},
    )
    assert form.is_valid() is True, form.errors


def test_facility_npi_failing_its_check_digit_is_rejected(db, practice):
    data = {
        "practice": practice.pk,
        "name": "F",
        "npi": "1245319598",
        "place_of_service": "24",
    }
    form = _admin_form(m.Facility, _superuser(db), data)
    assert form.is_valid() is False
    assert "npi" in form.errors
