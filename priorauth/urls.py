from django.contrib import admin
from django.urls import path

from priorauth import (
    views,
    views_audit,
    views_import,
    views_keys,
    views_pdf,
    views_security,
    views_workflow,
)

urlpatterns = [
    path("health/", views.health, name="pa-health"),
    path("accounts/login/", views.LoginView.as_view(), name="pa-login"),
    path("accounts/logout/", views.logout_view, name="pa-logout"),
    path("", views.worklist, name="pa-worklist"),
    path("requests/new/", views.request_create, name="pa-request-create"),
    path("requests/prior-counts/", views.prior_counts_json, name="pa-prior-counts"),
    path("requests/<int:pk>/", views.request_detail, name="pa-request-detail"),
    path("requests/<int:pk>/edit/", views.request_edit, name="pa-request-edit"),
    path(
        "requests/<int:pk>/send-for-signature/",
        views.request_send_for_signature,
        name="pa-request-send",
    ),
    path("patients/", views.patient_list, name="pa-patient-list"),
    path("patients/<int:pk>/", views.patient_detail, name="pa-patient-detail"),
    path("admin/", admin.site.urls),
    path("accounts/otp/", views_security.otp_verify, name="pa-otp-verify"),
    path("accounts/otp/setup/", views_security.otp_setup, name="pa-otp-setup"),
    path("accounts/password/", views_keys.password_change, name="pa-password-change"),
    path("accounts/signing-key/", views_keys.signing_key, name="pa-signing-key"),
    path("audit/", views_audit.audit_list, name="pa-audit"),
    path("audit/export.csv", views_audit.audit_export, name="pa-audit-export"),
    path("requests/<int:pk>/pdf/", views_pdf.request_pdf, name="pa-request-pdf"),
    path("requests/<int:pk>/sign/", views_pdf.request_sign, name="pa-request-sign"),
    path(
        "requests/<int:pk>/send-back/",
        views_pdf.request_send_back,
        name="pa-request-send-back",
    ),
    path(
        "requests/<int:pk>/signed/<int:doc_pk>.pdf",
        views_pdf.request_signed_pdf,
        name="pa-request-signed-pdf",
    ),
    path(
        "requests/<int:pk>/signed/<int:doc_pk>/check/",
        views_keys.request_signed_check,
        name="pa-request-signed-check",
    ),
    path(
        "requests/<int:pk>/revise/", views_pdf.request_revise, name="pa-request-revise"
    ),
    path(
        "requests/<int:pk>/submission/",
        views_workflow.request_record_submission,
        name="pa-request-submission",
    ),
    path(
        "requests/<int:pk>/decision/",
        views_workflow.request_record_decision,
        name="pa-request-decision",
    ),
    path("requests/import/", views_import.request_import, name="pa-request-import"),
]
