"""The physician's signing key and the checks around it.

- ``signing_key``: a physician's key status, and "Set up a new signing key" (POST
  with the password, the TOTP code with a device, and, for a key locked by a
  password reset, a recovery code). The old certificate is revoked.
- ``request_signed_check``: checks a stored signed PDF (hash, PAdES, revocation).

Wrong passwords on the signing-key page count toward the sign page's limit
(``web.reauth``); one's own password change is in ``web.accounts``.

Each refusal writes one ``<action>.denied`` row with a reason code; no password,
code or key material reaches the audit trail or the logs.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from priorauth import models as m
from priorauth import services
from priorauth.packet.signing import SigningUnavailable
from priorauth.security.audit import audit_log
from priorauth.web.accounts import safe_next
from priorauth.web.reauth import PAUSED, too_many_wrong_passwords
from priorauth.web.review_sign.forms import SigningKeyForm


def _physician_or_403(request: HttpRequest) -> m.User:
    user = request.user
    if not getattr(user, "is_physician", False) or user.practice_id is None:  # type: ignore[union-attr]
        audit_log(action="signing-key.denied", request=request, detail="role")
        raise PermissionDenied("Only a physician has a signing key.")
    return user  # type: ignore[return-value]


@sensitive_post_parameters("password", "otp_token", "recovery_code")
@require_http_methods(["GET", "POST"])
def signing_key(request: HttpRequest) -> HttpResponse:
    user = _physician_or_403(request)
    form = SigningKeyForm(
        request.POST or None, otp_required=services.user_has_totp(user=user)
    )
    status = 200
    if request.method == "POST" and too_many_wrong_passwords(request, "signing-key"):
        form.is_valid()
        form.add_error(None, PAUSED)
        status = 429
    elif request.method == "POST" and form.is_valid():
        try:
            enrollment = services.physician_key_enroll(
                user=user,
                password=form.cleaned_data["password"],
                otp_token=form.cleaned_data.get("otp_token", ""),
                recovery_code=form.cleaned_data["recovery_code"],
            )
        except services.ReauthFailed as exc:
            audit_log(action="signing-key.denied", request=request, detail=exc.reason)
            form.add_error(None, forms.ValidationError(str(exc), code=exc.reason))
            status = 403
        except SigningUnavailable as exc:
            messages.error(request, str(exc))
        else:
            audit_log(
                action="signing-key.enroll",
                request=request,
                detail=f"serial={enrollment.serial}"
                f" revoked={enrollment.revoked_serial or '-'}",
            )
            messages.success(
                request,
                "Your new signing key is set up."
                + (
                    " The old certificate is revoked."
                    if enrollment.revoked_serial
                    else ""
                ),
            )
            return redirect(
                safe_next(request) if request.GET.get("next") else "pa-signing-key"
            )
    return render(
        request,
        "priorauth/signing_key.html",
        {
            "form": form,
            "key": services.physician_key_status(user=user),
            "next": safe_next(request) if request.GET.get("next") else "",
        },
        status=status,
    )


@require_GET
def request_signed_check(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    """Check a stored signed PDF: its hash, its PAdES signature and its certificate."""
    try:
        document = services.signed_document_for_user(
            user=request.user,  # type: ignore[arg-type]
            request_pk=pk,
            document_pk=doc_pk,
        )
    except m.SignedDocument.DoesNotExist:
        raise Http404("No such document") from None
    try:
        check = services.signed_document_check(document=document)
    except SigningUnavailable as exc:
        check, problem = None, str(exc)
    else:
        problem = ""
    audit_log(
        action="request-pdf.check",
        request=request,
        obj=document,
        detail=f"request={pk} ok={check.ok if check else 'unavailable'}",
    )
    return render(
        request,
        "priorauth/signature_check.html",
        {"document": document, "check": check, "problem": problem},
    )
