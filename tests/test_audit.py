"""Audit trail: one row per access, login rows, no PHI, and rows that cannot change."""

from __future__ import annotations

import pytest

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse

from priorauth.models import AuditEvent, AuthRequest
from priorauth.security import db_triggers
from priorauth.security.audit import action_for, audit_log, clean_text
from tests.conftest import PASSWORD
from tests.security_data import PHI_VALUES, make_request


@pytest.fixture
def auth_request(practice, patient, provider):  # type: ignore[no-untyped-def]
    return make_request(
        practice,
        patient,
        ordering_provider=provider,
        clinical_notes="Sam Synthetic notes",
    )


def _row_text(event: AuditEvent) -> str:
    return " ".join(
        str(v)
        for v in (
            event.username,
            event.action,
            event.object_type,
            event.object_id,
            event.ip,
            event.detail,
        )
    )


def test_viewing_a_request_writes_exactly_one_row(
    client_billing, billing_user, auth_request
):
    before = AuditEvent.objects.count()
    response = client_billing.get(reverse("pa-request-detail", args=[auth_request.pk]))
    assert response.status_code == 200
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert len(rows) == 1
    row = rows[0]
    assert row.user == billing_user
    assert row.practice_id == billing_user.practice_id
    assert row.action == "request-detail.view"
    assert (row.object_type, row.object_id) == ("request", str(auth_request.pk))
    assert row.ip == "127.0.0.1"
    assert row.at is not None and row.at.utcoffset().total_seconds() == 0


def test_each_view_of_a_patient_is_its_own_row(client_billing, patient):
    url = reverse("pa-patient-detail", args=[patient.pk])
    client_billing.get(url)
    client_billing.get(url)
    rows = AuditEvent.objects.filter(
        action="patient-detail.view", object_id=str(patient.pk)
    )
    assert rows.count() == 2


def test_rows_never_hold_phi_or_query_strings(client_billing, auth_request, patient):
    client_billing.get(
        reverse("pa-request-detail", args=[auth_request.pk])
        + "?q=Synthetic&dob=1958-03-14"
    )
    client_billing.get(reverse("pa-patient-list") + "?q=ZZT900000001")
    client_billing.post(
        reverse("pa-request-edit", args=[auth_request.pk]),
        {"clinical_notes": "Sam Synthetic"},
    )
    assert AuditEvent.objects.count() >= 3
    for event in AuditEvent.objects.all():
        text = _row_text(event)
        for value in PHI_VALUES + ("q=", "dob="):
            assert value not in text, (value, text)


def test_outsider_404_is_logged_as_denied(client_outsider, outsider_user, auth_request):
    response = client_outsider.get(reverse("pa-request-detail", args=[auth_request.pk]))
    assert response.status_code == 404
    row = AuditEvent.objects.get(user=outsider_user, action="request-detail.view")
    assert row.object_id == str(auth_request.pk)
    assert row.practice_id == outsider_user.practice_id
    assert "denied" in row.detail and "status=404" in row.detail


def test_an_anonymous_refusal_is_one_row_without_a_user(client, auth_request):
    response = client.get(
        reverse("pa-request-detail", args=[auth_request.pk]) + "?q=Synthetic"
    )
    assert response.status_code == 302
    row = AuditEvent.objects.get()
    assert (row.user, row.username, row.practice_id) == (None, "", None)
    assert (row.action, row.object_type, row.object_id) == (
        "request-detail.view",
        "request",
        str(auth_request.pk),
    )
    assert row.detail == "status=302 denied reason=login-required"
    assert "Synthetic" not in _row_text(row)


def test_anonymous_health_checks_and_login_pages_write_nothing(client, db):
    client.get(reverse("pa-health"))
    client.get(reverse("pa-login"))
    assert AuditEvent.objects.count() == 0


def test_successful_login_is_one_row_with_username_ip_and_result(client, billing_user):
    response = client.post(
        reverse("pa-login"), {"username": "billie", "password": PASSWORD}
    )
    assert response.status_code == 302
    row = AuditEvent.objects.get()
    assert (row.action, row.username, row.user, row.ip) == (
        "login",
        "billie",
        billing_user,
        "127.0.0.1",
    )
    assert row.detail == "result=success"
    assert row.practice_id == billing_user.practice_id


def test_failed_login_is_one_row_with_username_ip_and_result(client, billing_user):
    client.post(
        reverse("pa-login"), {"username": "billie", "password": "wrong-password-123"}
    )
    row = AuditEvent.objects.get()
    assert (row.action, row.username, row.user, row.ip) == (
        "login-failed",
        "billie",
        None,
        "127.0.0.1",
    )
    assert row.detail == "result=failure"
    # Attributed to the practice of the account, so its admin sees attacks on it.
    assert row.practice_id == billing_user.practice_id


def test_failed_login_for_unknown_user_is_logged_without_practice(client, db):
    client.post(
        reverse("pa-login"), {"username": "nobody\nFAKE login row", "password": "x"}
    )
    row = AuditEvent.objects.get()
    assert row.practice_id is None
    assert "\n" not in row.username and row.username.startswith("nobody\\x0a")


def test_password_is_never_recorded(client, billing_user):
    client.post(
        reverse("pa-login"), {"username": "billie", "password": "hunter2-secret-value"}
    )
    for event in AuditEvent.objects.all():
        assert "hunter2" not in _row_text(event)


def test_logout_is_one_row(client_billing, billing_user):
    before = AuditEvent.objects.count()  # force_login wrote a "login" row
    client_billing.post(reverse("pa-logout"))
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert [(r.action, r.user) for r in rows] == [("logout", billing_user)]


def test_a_service_row_replaces_the_generic_row(rf, billing_user, auth_request):
    from django.http import HttpResponse

    from priorauth.security.audit import AuditMiddleware

    def view(request):  # type: ignore[no-untyped-def]
        audit_log(
            request=request,
            action="request-sign",
            obj=auth_request,
            detail="result=success",
        )
        return HttpResponse("ok")

    request = rf.get(reverse("pa-request-detail", args=[auth_request.pk]))
    request.user = billing_user
    from django.urls import resolve

    request.resolver_match = resolve(request.path)
    middleware = AuditMiddleware(view)
    middleware.process_view(request, view, (), {})
    middleware(request)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["request-sign"]


def test_audit_log_records_model_name_and_pk_only(billing_user, auth_request):
    event = audit_log(
        user=billing_user, action="request-render", obj=auth_request.patient
    )
    assert (event.object_type, event.object_id) == (
        "patient",
        str(auth_request.patient.pk),
    )
    assert "Synthetic" not in _row_text(event)


def test_action_names_come_from_url_name_and_method():
    assert action_for("pa-request-edit", "POST") == "request-edit.post"
    assert action_for("pa-request-pdf", "GET") == "request-pdf.view"
    assert (
        action_for("admin:priorauth_auditevent_changelist", "GET")
        == "admin:auditevent_changelist.view"
    )
    assert len(action_for("x" * 80, "GET")) == 40


def test_clean_text_escapes_control_characters():
    assert clean_text("a\r\nb\x00", 100) == "a\\x0d\\x0ab\\x00"


# --------------------------------------------------------------------------- immutability


@pytest.fixture
def event(billing_user):  # type: ignore[no-untyped-def]
    return audit_log(user=billing_user, action="test-row", detail="original")


# SQLite: an insert over an existing id (REPLACE); PostgreSQL: TRUNCATE.
THIRD_TRIGGER = {"sqlite": "no_replace", "postgresql": "no_truncate"}
ALL_TRIGGERS = {
    f"priorauth_{table}_{kind}"
    for table in (
        "auditevent",
        "signeddocument",
        "revokedcertificate",
        "signedattachment",
        "denial",
        "denialreason",
    )
    for kind in ("no_update", "no_delete", THIRD_TRIGGER[connection.vendor])
}


def test_the_triggers_are_installed(db):
    assert db_triggers.installed(connection) == ALL_TRIGGERS


def test_model_save_of_an_existing_row_is_refused(event):
    event.detail = "changed"
    with pytest.raises(PermissionError):
        event.save()


def test_model_delete_is_refused(event):
    with pytest.raises(PermissionError):
        event.delete()


def test_queryset_update_is_stopped_by_the_trigger(event):
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(detail="changed")
    event.refresh_from_db()
    assert event.detail == "original"


def test_queryset_delete_is_stopped_by_the_trigger(event):
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE priorauth_auditevent SET detail = 'forged'",
        "UPDATE priorauth_auditevent SET user_id = NULL, username = ''",
        "DELETE FROM priorauth_auditevent",
    ],
)
def test_raw_sql_update_and_delete_are_stopped_by_the_trigger(event, sql):
    with (
        pytest.raises((IntegrityError, DatabaseError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    event.refresh_from_db()
    assert event.detail == "original"


def test_signed_documents_cannot_be_changed_by_raw_sql(auth_request, physician_user):
    from django.utils import timezone

    from priorauth.models import SignedDocument

    doc = SignedDocument.objects.create(
        request=auth_request,
        revision=1,
        signer=physician_user,
        printed_name="Dana Phys",
        credentials="MD",
        npi="1234567893",
        signed_at=timezone.now(),
        meaning="author",
        pdf=b"%PDF-1.7 test",
        sha256="0" * 64,
    )
    for sql in (
        "UPDATE priorauth_signeddocument SET sha256 = 'x'",
        "DELETE FROM priorauth_signeddocument",
    ):
        with (
            pytest.raises((IntegrityError, DatabaseError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    doc.refresh_from_db()
    assert doc.sha256 == "0" * 64
    with pytest.raises(PermissionError):
        doc.delete()


def test_inserting_rows_still_works(event, billing_user):
    audit_log(user=billing_user, action="second-row")
    assert AuditEvent.objects.count() == 2


def test_migrate_puts_back_triggers_a_table_rebuild_dropped(as_table_owner):
    from django.apps import apps
    from django.db.models.signals import post_migrate

    db_triggers.uninstall(connection)
    assert db_triggers.installed(connection) == set()
    post_migrate.send(
        sender=apps.get_app_config("priorauth"),
        app_config=apps.get_app_config("priorauth"),
        verbosity=0,
        interactive=False,
        using="default",
        apps=apps,
        plan=[],
    )
    assert db_triggers.installed(connection) == ALL_TRIGGERS


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_can_still_flush_audit_rows(django_user_model):
    """The conftest lets the test database's flush through; the triggers come back after."""
    user = django_user_model.objects.create(username="flushme")
    audit_log(user=user, action="flush-check")
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_triggers_are_back_after_a_flush():
    assert db_triggers.installed(connection) == ALL_TRIGGERS


# --------------------------------------------------------------------------- one row per action


@pytest.fixture
def fake_pdf(monkeypatch):  # type: ignore[no-untyped-def]
    from priorauth.packet import signing
    from priorauth.services import signing as signing_service

    monkeypatch.setattr(
        signing_service.pdf, "render_pdf", lambda *a, **k: b"%PDF-1.7 fake"
    )
    monkeypatch.setattr(
        signing_service, "physician_key_for_signing", lambda **k: (None, None)
    )
    monkeypatch.setattr(signing, "sign_pdf", lambda data, *a, **k: data + b" signed")


def _new_rows(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("id")[before:])


def test_pdf_download_edit_send_and_sign_each_write_one_row(
    client, physician_user, auth_request, patient, provider, fake_pdf
):
    from tests.intake_data import page_data
    from tests.signing_helpers import answer_open_criteria, sign_data

    client.force_login(physician_user)
    steps = [
        ("get", reverse("pa-request-pdf", args=[auth_request.pk]), {}),
        (
            "post",
            reverse("pa-request-edit", args=[auth_request.pk]),
            page_data(patient=patient, provider=provider, lock_version=0),
        ),
        (
            "post",
            reverse("pa-request-send", args=[auth_request.pk]),
            {"override_reason": "peer-reviewed"},
        ),
        (
            "post",
            reverse("pa-request-sign", args=[auth_request.pk]),
            None,  # built at the step: the review token of the request as it is then
        ),
    ]
    for method, url, data in steps:
        if url.endswith("/sign/"):
            answer_open_criteria(
                AuthRequest.objects.get(pk=auth_request.pk), physician_user
            )
            data = sign_data(auth_request, PASSWORD)
        before = AuditEvent.objects.count()
        response = getattr(client, method)(url, data)
        assert response.status_code in (200, 302), (url, response.status_code)
        rows = _new_rows(before)
        assert len(rows) == 1, (url, [r.action for r in rows])
        row = rows[0]
        assert row.user == physician_user and row.ip == "127.0.0.1"
        assert (
            row.object_id in (str(auth_request.pk), "")
            or row.object_type == "signeddocument"
        )
        for value in PHI_VALUES:
            assert value not in _row_text(row)
    auth_request.refresh_from_db()
    assert auth_request.status == "signed"
    assert AuditEvent.objects.filter(action="request-sign").count() == 1
