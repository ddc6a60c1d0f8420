"""Login throttling, sessions, password policy, two-factor and the practice-scoped admin."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from priorauth.models import AuditEvent, Patient, User
from tests.conftest import PASSWORD
from tests.security_data import make_request

LOGIN = "pa-login"


def _login(client, username: str, password: str = PASSWORD, ip: str = "10.0.0.7"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse(LOGIN), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


# --------------------------------------------------------------------------- throttling


@pytest.fixture
def _axes_reset(db):  # type: ignore[no-untyped-def]
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()


def test_five_bad_passwords_lock_that_username_from_that_ip(
    client, billing_user, _axes_reset
):
    codes = [_login(client, "billie", "wrong-password-x").status_code for _ in range(5)]
    assert codes[:4] == [200, 200, 200, 200]
    assert codes[4] == 429
    # Even the right password is refused while locked.
    response = _login(client, "billie")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_colleague_behind_the_same_ip_can_still_log_in(
    client, billing_user, physician_user, _axes_reset
):
    for _ in range(5):
        _login(client, "billie", "wrong-password-x")
    response = _login(client, "drphys")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(physician_user.pk)


def test_after_the_cool_off_the_locked_user_can_log_in(
    client, billing_user, _axes_reset
):
    from axes.models import AccessAttempt

    for _ in range(5):
        _login(client, "billie", "wrong-password-x")
    assert _login(client, "billie").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = _login(client, "billie")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(billing_user.pk)


def test_every_attempt_is_audited_including_locked_ones(
    client, billing_user, _axes_reset
):
    for _ in range(6):
        _login(client, "billie", "wrong-password-x")
    rows = AuditEvent.objects.filter(username="billie", action="login-failed")
    assert rows.count() == 6
    assert all(r.ip == "10.0.0.7" for r in rows)
    assert rows.filter(detail__contains="locked").exists()


# --------------------------------------------------------------------------- sessions


def test_session_key_changes_at_login(client, billing_user):
    session = client.session
    session["probe"] = 1
    session.save()
    before = client.cookies["sessionid"].value
    assert _login(client, "billie").status_code == 302
    after = client.cookies["sessionid"].value
    assert before != after
    assert not Session.objects.filter(session_key=before).exists()


def test_old_session_cookie_is_rejected_after_logout(
    client, billing_user, practice, patient
):
    _login(client, "billie")
    old = client.cookies["sessionid"].value
    assert client.get(reverse("pa-worklist")).status_code == 200
    client.post(reverse("pa-logout"))
    client.cookies["sessionid"] = old
    response = client.get(reverse("pa-worklist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(LOGIN))


def test_idle_timeout_is_fifteen_minutes(client, billing_user, monkeypatch):
    _login(client, "billie")
    url = reverse("pa-worklist")
    assert client.get(url).status_code == 200
    session = Session.objects.get(session_key=client.cookies["sessionid"].value)
    window = session.expire_date - timezone.now()
    assert timedelta(minutes=14) < window <= timedelta(minutes=15)

    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(minutes=16))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(LOGIN))


def test_activity_inside_the_idle_window_keeps_the_session(
    client, billing_user, monkeypatch
):
    _login(client, "billie")
    url = reverse("pa-worklist")
    real_now = timezone.now
    for minutes in (10, 20, 30):  # each request slides the 15-minute window
        monkeypatch.setattr(
            timezone, "now", lambda m=minutes: real_now() + timedelta(minutes=m)
        )
        assert client.get(url).status_code == 200


def _session_writes(client, url):  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"]
    ]


def test_page_views_write_the_session_at_most_once_a_refresh_period(
    client, billing_user, monkeypatch, settings
):
    """The idle window slides without a session-table write on every page view."""
    assert settings.SESSION_REFRESH_SECONDS == 60
    _login(client, "billie")
    url = reverse("pa-worklist")
    real_now = timezone.now
    key = client.cookies["sessionid"].value

    def at(seconds: float) -> None:
        monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(seconds=seconds))

    at(5)
    _session_writes(client, url)  # first view after login may store the refresh mark
    expiry = Session.objects.get(session_key=key).expire_date
    for seconds in (10, 30, 50):  # within 60 s of the last refresh: no write
        at(seconds)
        assert _session_writes(client, url) == []
    assert Session.objects.get(session_key=key).expire_date == expiry
    at(70)  # 65 s after the last refresh: one write, the window slides
    assert len(_session_writes(client, url)) == 1
    new_expiry = Session.objects.get(session_key=key).expire_date
    assert new_expiry - expiry >= timedelta(seconds=60)
    assert new_expiry - (real_now() + timedelta(seconds=70)) <= timedelta(minutes=15)


def test_idle_session_never_outlives_fifteen_minutes_after_the_last_request(
    client, billing_user, monkeypatch
):
    """With refreshes throttled, the last request may not slide the window: the
    session then ends earlier than 15 idle minutes (never later)."""
    _login(client, "billie")
    url = reverse("pa-worklist")
    real_now = timezone.now
    for seconds in (0, 59):  # the 59 s view does not refresh
        monkeypatch.setattr(
            timezone, "now", lambda s=seconds: real_now() + timedelta(seconds=s)
        )
        assert client.get(url).status_code == 200
    monkeypatch.setattr(
        timezone, "now", lambda: real_now() + timedelta(seconds=59 + 15 * 60 + 1)
    )
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(LOGIN))


def test_absolute_lifetime_ends_an_active_session(client, billing_user):
    _login(client, "billie")
    url = reverse("pa-worklist")
    assert client.get(url).status_code == 200
    session = client.session
    session["pa_login_at"] = time.time() - (8 * 60 * 60 + 60)
    session.save()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(LOGIN))
    assert client.get(url).status_code == 302


def test_deactivating_a_user_ends_all_their_sessions(
    client, billing_user, physician_user, django_user_model
):
    from django.test import Client

    laptop, phone, colleague = Client(), Client(), Client()
    for c, name in ((laptop, "billie"), (phone, "billie"), (colleague, "drphys")):
        assert _login(c, name).status_code == 302
    billing_user.refresh_from_db()
    billing_user.is_active = False
    billing_user.save()
    remaining = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(billing_user.pk) not in remaining
    assert str(physician_user.pk) in remaining
    for c in (laptop, phone):
        assert c.get(reverse("pa-worklist")).status_code == 302
    assert colleague.get(reverse("pa-worklist")).status_code == 200


# --------------------------------------------------------------------------- passwords


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Sh0rt-pass", "password_too_short"),
        ("password1234", "password_too_common"),
        ("123456789012345", "password_entirely_numeric"),
    ],
)
def test_weak_passwords_are_rejected(password, code, db):
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password, user=User(username="billie"))
    assert code in {e.code for e in excinfo.value.error_list}


def test_a_long_uncommon_password_is_accepted(db):
    validate_password("granite-ocelot-lantern-47", user=User(username="billie"))


# --------------------------------------------------------------------------- two-factor


def _device(user, confirmed: bool = True):  # type: ignore[no-untyped-def]
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="phone", confirmed=confirmed)


def _token(device) -> str:  # type: ignore[no-untyped-def]
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return str(totp.token()).zfill(device.digits)


def _verify(client, device):  # type: ignore[no-untyped-def]
    return client.post(
        reverse("pa-otp-verify"), {"otp_token": _token(device), "next": "/"}
    )


def test_users_without_a_device_are_not_asked(client_billing):
    assert client_billing.get(reverse("pa-worklist")).status_code == 200


def test_a_user_with_a_device_must_verify_before_any_phi_view(
    client, billing_user, practice, patient
):
    _device(billing_user)
    obj = make_request(practice, patient)
    client.force_login(billing_user)
    for url in (
        reverse("pa-worklist"),
        reverse("pa-request-detail", args=[obj.pk]),
        reverse("pa-patient-detail", args=[patient.pk]),
        reverse("pa-request-edit", args=[obj.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("pa-otp-verify"))
    response = client.post(reverse("pa-request-edit", args=[obj.pk]), {})
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("pa-otp-verify")
    )


def test_a_wrong_code_is_refused_and_audited(client, billing_user):
    _device(billing_user)
    client.force_login(billing_user)
    response = client.post(reverse("pa-otp-verify"), {"otp_token": "000000"})
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert client.get(reverse("pa-worklist")).status_code == 302
    assert (
        AuditEvent.objects.filter(action="otp-verify", detail="result=failure").count()
        == 1
    )


def test_a_right_code_unlocks_the_session(client, billing_user):
    device = _device(billing_user)
    client.force_login(billing_user)
    response = _verify(client, device)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("pa-worklist")).status_code == 200
    assert (
        AuditEvent.objects.filter(action="otp-verify", detail="result=success").count()
        == 1
    )


def test_verify_never_redirects_off_site(client, billing_user):
    device = _device(billing_user)
    client.force_login(billing_user)
    response = client.post(
        reverse("pa-otp-verify"),
        {"otp_token": _token(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_unconfirmed_devices_do_not_gate(client, billing_user):
    _device(billing_user, confirmed=False)
    client.force_login(billing_user)
    assert client.get(reverse("pa-worklist")).status_code == 200


def test_a_user_can_turn_on_totp(client, billing_user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(billing_user)
    page = client.get(reverse("pa-otp-setup"))
    assert page.status_code == 200 and "otpauth://" in page.content.decode()
    device = TOTPDevice.objects.get(user=billing_user)
    assert device.confirmed is False
    response = client.post(reverse("pa-otp-setup"), {"otp_token": _token(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.confirmed is True
    # This session is verified; a new one must verify again.
    assert client.get(reverse("pa-worklist")).status_code == 200
    from django.test import Client

    other = Client()
    other.force_login(billing_user)
    assert other.get(reverse("pa-worklist")).status_code == 302


def test_otp_pages_need_login(client, db):
    for name in ("pa-otp-verify", "pa-otp-setup"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(
            reverse(LOGIN)
        )


# --------------------------------------------------------------------------- admin site


@pytest.fixture
def superuser(db):  # type: ignore[no-untyped-def]
    return User.objects.create_superuser(
        "root", "root@example.org", "Sup3r-secret-password!"
    )


def test_admin_site_is_the_otp_site():
    from django_otp.admin import OTPAdminSite

    from django.contrib import admin

    assert isinstance(admin.site, OTPAdminSite)


def test_admin_needs_otp_even_for_superusers(client, superuser):
    client.force_login(superuser)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    device = _device(superuser)
    _verify(client, device)
    assert client.get("/admin/").status_code == 200


@pytest.fixture
def staff_admin_client(client, admin_user):  # type: ignore[no-untyped-def]
    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    _verify(client, _device(admin_user))
    return client


@pytest.fixture
def other_patient(other_practice, payer_profiles):  # type: ignore[no-untyped-def]
    return Patient.objects.create(
        practice=other_practice,
        first_name="Olga",
        last_name="Otherclinic",
        dob=date(1970, 1, 1),
        sex="F",
        member_id="OTHER0001",
    )


def test_practice_admin_sees_only_own_practice_in_admin(
    staff_admin_client, patient, other_patient, outsider_user
):
    page = staff_admin_client.get("/admin/priorauth/patient/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Synthetic" in text and "Otherclinic" not in text
    users = staff_admin_client.get("/admin/priorauth/user/").content.decode()
    assert "outsider" not in users


def test_practice_admin_cannot_open_another_practices_objects(
    staff_admin_client, other_patient, outsider_user
):
    for url in (
        f"/admin/priorauth/patient/{other_patient.pk}/change/",
        f"/admin/priorauth/user/{outsider_user.pk}/change/",
        f"/admin/priorauth/user/{outsider_user.pk}/password/",
    ):
        response = staff_admin_client.get(url)
        assert response.status_code in (302, 403, 404), url
        if response.status_code == 302:
            assert (
                "Otherclinic"
                not in staff_admin_client.get(response["Location"]).content.decode()
            )


def test_practice_admin_cannot_move_a_patient_to_another_practice(
    staff_admin_client, patient, other_practice
):
    url = f"/admin/priorauth/patient/{patient.pk}/change/"
    form = staff_admin_client.get(url)
    assert form.status_code == 200
    staff_admin_client.post(
        url,
        {
            "practice": other_practice.pk,
            "first_name": "Sam",
            "last_name": "Synthetic",
            "dob": "1958-03-14",
            "sex": "F",
            "member_id": "ZZT900000001",
            "plan_name": "",
            "mrn": "",
        },
    )
    patient.refresh_from_db()
    assert patient.practice_id != other_practice.pk


def test_audit_events_are_read_only_in_the_admin(client, superuser, billing_user):
    from django.contrib import admin

    from priorauth.security.audit import audit_log

    event = audit_log(user=billing_user, action="probe")
    client.force_login(superuser)
    _verify(client, _device(superuser))
    model_admin = admin.site._registry[AuditEvent]
    request = client.get("/admin/").wsgi_request
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, event) is False
    assert model_admin.has_delete_permission(request, event) is False
    assert client.get("/admin/priorauth/auditevent/").status_code == 200
    assert client.get("/admin/priorauth/auditevent/add/").status_code == 403
    assert (
        client.post(
            f"/admin/priorauth/auditevent/{event.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/admin/priorauth/auditevent/{event.pk}/change/", {"detail": "x"}
        ).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk, action="probe").exists()
