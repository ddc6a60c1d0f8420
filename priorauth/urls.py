"""Every page, grouped by screen (``priorauth/web/``). URL names are prefixed "pa-"."""

from django.contrib import admin
from django.urls import path

from priorauth.web import (
    accounts,
    analytics,
    appeals,
    audit,
    health,
    imports,
    patients,
    tracking,
    workflow,
    worklist,
)
from priorauth.web.requests import attachments, recheck
from priorauth.web.requests import views as requests
from priorauth.web.review_sign import keys as signing_keys
from priorauth.web.review_sign import views as review_sign

urlpatterns = [
    path("health/", health.health, name="pa-health"),
    # accounts
    path("accounts/login/", accounts.LoginView.as_view(), name="pa-login"),
    path("accounts/logout/", accounts.logout_view, name="pa-logout"),
    path("accounts/otp/", accounts.otp_verify, name="pa-otp-verify"),
    path("accounts/otp/setup/", accounts.otp_setup, name="pa-otp-setup"),
    path("accounts/password/", accounts.password_change, name="pa-password-change"),
    # worklist, patients
    path("", worklist.worklist, name="pa-worklist"),
    path("patients/", patients.patient_list, name="pa-patient-list"),
    path("patients/new/", patients.patient_create, name="pa-patient-create"),
    path("patients/<int:pk>/", patients.patient_detail, name="pa-patient-detail"),
    # request page and detail
    path("requests/new/", requests.request_create, name="pa-request-create"),
    path("requests/prior-counts/", requests.prior_counts_json, name="pa-prior-counts"),
    path("requests/recheck/", recheck.request_recheck, name="pa-request-recheck"),
    path("requests/<int:pk>/", requests.request_detail, name="pa-request-detail"),
    path("requests/<int:pk>/edit/", requests.request_edit, name="pa-request-edit"),
    path("requests/<int:pk>/copy/", requests.request_copy, name="pa-request-copy"),
    path(
        "requests/<int:pk>/send-for-signature/",
        requests.request_send_for_signature,
        name="pa-request-send",
    ),
    # supporting documents
    path(
        "requests/<int:pk>/attachments/",
        attachments.request_attachment_add,
        name="pa-request-attachment-add",
    ),
    path(
        "requests/<int:pk>/attachments/<int:attachment_pk>.pdf",
        attachments.request_attachment,
        name="pa-request-attachment",
    ),
    path(
        "requests/<int:pk>/attachments/<int:attachment_pk>/remove/",
        attachments.request_attachment_remove,
        name="pa-request-attachment-remove",
    ),
    # import
    path("requests/import/", imports.request_import, name="pa-request-import"),
    # review and signing
    path("requests/<int:pk>/pdf/", review_sign.request_pdf, name="pa-request-pdf"),
    path("requests/<int:pk>/sign/", review_sign.request_sign, name="pa-request-sign"),
    path(
        "requests/<int:pk>/send-back/",
        review_sign.request_send_back,
        name="pa-request-send-back",
    ),
    path(
        "requests/<int:pk>/signed/<int:doc_pk>.pdf",
        review_sign.request_signed_pdf,
        name="pa-request-signed-pdf",
    ),
    path(
        "requests/<int:pk>/signed/<int:doc_pk>/check/",
        signing_keys.request_signed_check,
        name="pa-request-signed-check",
    ),
    path(
        "requests/<int:pk>/revise/",
        review_sign.request_revise,
        name="pa-request-revise",
    ),
    path("accounts/signing-key/", signing_keys.signing_key, name="pa-signing-key"),
    # after a denial: its structure, the appeal, its PDF and signature (issue 15)
    path("requests/<int:pk>/denial/", appeals.request_denial, name="pa-request-denial"),
    path(
        "requests/<int:pk>/appeal/start/",
        appeals.request_appeal_start,
        name="pa-request-appeal-start",
    ),
    path("requests/<int:pk>/appeal/", appeals.request_appeal, name="pa-request-appeal"),
    path(
        "requests/<int:pk>/appeal/pdf/",
        appeals.request_appeal_pdf,
        name="pa-request-appeal-pdf",
    ),
    path(
        "requests/<int:pk>/appeal/sign/",
        appeals.request_appeal_sign,
        name="pa-request-appeal-sign",
    ),
    path(
        "requests/<int:pk>/appeal/file/",
        appeals.request_appeal_file,
        name="pa-request-appeal-file",
    ),
    path(
        "requests/<int:pk>/appeal/outcome/",
        appeals.request_appeal_outcome,
        name="pa-request-appeal-outcome",
    ),
    # workflow: submission and the payer's decision
    path(
        "requests/<int:pk>/submission/",
        workflow.request_record_submission,
        name="pa-request-submission",
    ),
    path(
        "requests/<int:pk>/decision/",
        workflow.request_record_decision,
        name="pa-request-decision",
    ),
    # Da Vinci PAS: the request bundle and the payer's ClaimResponse
    path(
        "requests/<int:pk>/pas.json",
        review_sign.request_pas_bundle,
        name="pa-request-pas",
    ),
    path(
        "requests/<int:pk>/pas-response/",
        workflow.request_import_pas_response,
        name="pa-request-pas-response",
    ),
    # after the decision: the authorization against the schedule and what was done
    path(
        "requests/<int:pk>/reschedule/",
        tracking.request_reschedule,
        name="pa-request-reschedule",
    ),
    path(
        "requests/<int:pk>/performed/",
        tracking.request_record_performed,
        name="pa-request-performed",
    ),
    path(
        "requests/<int:pk>/reauthorize/",
        tracking.request_reauthorize,
        name="pa-request-reauthorize",
    ),
    path(
        "authorizations/expiring/",
        tracking.authorizations_expiring,
        name="pa-authorizations-expiring",
    ),
    # what the practice learns (practice admins; issue 15)
    path("analytics/", analytics.analytics, name="pa-analytics"),
    path("analytics/export.csv", analytics.analytics_csv, name="pa-analytics-csv"),
    # audit trail
    path("audit/", audit.audit_list, name="pa-audit"),
    path("audit/export.csv", audit.audit_export, name="pa-audit-export"),
    # the Django admin (security.admin_site)
    path("admin/", admin.site.urls),
]
