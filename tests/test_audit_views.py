"""Practice admins browse and export their own practice's audit trail, and only theirs."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from django.urls import reverse
from django.utils import timezone

from priorauth.models import AuditEvent
from priorauth.security.audit import audit_log


@pytest.fixture
def events(billing_user, physician_user, outsider_user):  # type: ignore[no-untyped-def]
    audit_log(
        user=billing_user,
        action="request-detail.view",
        object_type="request",
        object_id=1,
    )
    audit_log(
        user=physician_user,
        action="request-sign.post",
        object_type="request",
        object_id=1,
    )
    audit_log(
        user=outsider_user,
        action="request-detail.view",
        object_type="request",
        object_id=99,
    )
    audit_log(user=billing_user, action="=HYPERLINK(evil)", detail="+cmd|' /C calc'!A0")


@pytest.fixture
def client_admin(client, admin_user):  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    return client


def test_practice_admin_sees_own_practice_only(client_admin, events):
    response = client_admin.get(reverse("pa-audit"))
    assert response.status_code == 200
    page = list(response.context["page"])
    assert {e.username for e in page} >= {"billie", "drphys"}
    assert "outsider" not in {e.username for e in page}
    assert all(e.practice_id == response.wsgi_request.user.practice_id for e in page)


def test_filter_by_action_user_and_date(client_admin, events, physician_user):
    r = client_admin.get(reverse("pa-audit"), {"action": "request-sign"})
    assert [e.action for e in r.context["page"]] == ["request-sign.post"]
    r = client_admin.get(reverse("pa-audit"), {"user": physician_user.pk})
    assert {e.username for e in r.context["page"]} == {"drphys"}
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    r = client_admin.get(reverse("pa-audit"), {"date_from": tomorrow})
    assert list(r.context["page"]) == []
    today = timezone.now().date().isoformat()
    r = client_admin.get(reverse("pa-audit"), {"date_from": today, "date_to": today})
    assert len(list(r.context["page"])) >= 4


def test_other_practices_users_are_not_offered_in_the_user_filter(
    client_admin, events, outsider_user
):
    r = client_admin.get(reverse("pa-audit"), {"user": outsider_user.pk})
    assert list(r.context["page"]) == []
    assert "user" in r.context["form"].errors


def test_export_is_csv_of_the_same_filtered_rows(client_admin, events):
    response = client_admin.get(reverse("pa-audit-export"), {"action": "request"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["action"] for r in rows} == {"request-detail.view", "request-sign.post"}
    assert "outsider" not in {r["username"] for r in rows}
    assert all(r["time_utc"].endswith("+00:00") for r in rows)


def test_export_neutralises_spreadsheet_formulas(client_admin, events):
    response = client_admin.get(reverse("pa-audit-export"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    evil = next(r for r in rows if "HYPERLINK" in r["action"])
    assert evil["action"].startswith("'=")
    assert evil["detail"].startswith("'+")


@pytest.mark.parametrize("name", ["pa-audit", "pa-audit-export"])
def test_billing_staff_and_physicians_are_refused(
    client, billing_user, physician_user, events, name
):
    for user in (billing_user, physician_user):
        client.force_login(user)
        assert client.get(reverse(name)).status_code == 403


def test_reading_and_exporting_the_trail_is_itself_audited(
    client_admin, admin_user, events
):
    client_admin.get(reverse("pa-audit"))
    client_admin.get(reverse("pa-audit-export"))
    actions = set(
        AuditEvent.objects.filter(user=admin_user).values_list("action", flat=True)
    )
    assert {"audit.view", "audit-export.view"} <= actions


def test_superuser_sees_every_practice(client, events, db):
    from priorauth.models import User

    root = User.objects.create_superuser(
        "root", "root@example.org", "Sup3r-secret-password!"
    )
    client.force_login(root)
    names = {e.username for e in client.get(reverse("pa-audit")).context["page"]}
    assert "outsider" in names
