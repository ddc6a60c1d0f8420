"""The physician's signing key and the checks around it.

- ``signing_key``: a physician's key status, and "Set up a new signing key" (POST
  with the password, the TOTP code with a device, and, for a key locked by a
  password reset, a recovery code). The old certificate is revoked.
- ``password_change``: anyone changes their own password; a physician's signing
  key is sealed again under the new one (``OwnPasswordChangeForm``, also used by
  the admin site's own "Change password").

Wrong passwords on these pages and on the sign page share one limit (5 in 15
minutes, ``services.sign_attempts_exceeded``), so a borrowed session cannot guess
the password that opens the key.
- ``request_signed_check``: checks a stored signed PDF (hash, PAdES, revocation).

Each refusal writes one ``<action>.denied`` row with a reason code; no password,
code or key material reaches the audit trail or the logs.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from priorauth import models as m
from priorauth import services
from priorauth.packet.signing import SigningUnavailable
from priorauth.security.audit import audit_log
from priorauth.security.passwords import OwnPasswordChangeForm
from priorauth.views_pdf import SIGN_ATTEMPTS, SIGN_WINDOW_MINUTES
from priorauth.views_security import TokenForm, _safe_next


class SigningKeyForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    recovery_code = forms.CharField(
        label="Recovery code (only after a password reset)",
        required=False,
        max_length=20,
        help_text=(
            "If an administrator reset your password, your old key stays locked: ask"
            " your server operator for a recovery code."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, otp_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if otp_required:
            self.fields["otp_token"] = copy.deepcopy(TokenForm.base_fields["otp_token"])
            self.order_fields(["password", "otp_token", "recovery_code"])
            self.fields["recovery_code"].help_text = (
                "If an administrator reset your password, your old key stays locked."
                " The authenticator code above is enough if you set up the app before"
                " the reset; otherwise ask your server operator for a recovery code."
            )


_PAUSED = (
    f"Too many wrong passwords: this is paused for up to {SIGN_WINDOW_MINUTES}"
    " minutes. Nothing was changed."
)


def _too_many_wrong_passwords(request: HttpRequest, page: str) -> bool:
    """The sign page's limit, shared with this page (one budget for all three)."""
    if not services.sign_attempts_exceeded(
        user=request.user,  # type: ignore[arg-type]
        attempts=SIGN_ATTEMPTS,
        minutes=SIGN_WINDOW_MINUTES,
    ):
        return False
    audit_log(action=f"{page}.denied", request=request, detail="rate limited")
    return True


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
    if request.method == "POST" and _too_many_wrong_passwords(request, "signing-key"):
        form.is_valid()
        form.add_error(None, _PAUSED)
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
                _safe_next(request) if request.GET.get("next") else "pa-signing-key"
            )
    return render(
        request,
        "priorauth/signing_key.html",
        {
            "form": form,
            "key": services.physician_key_status(user=user),
            "next": _safe_next(request) if request.GET.get("next") else "",
        },
        status=status,
    )


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = OwnPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and _too_many_wrong_passwords(
        request, "password-change"
    ):
        form.is_valid()
        form.add_error(None, _PAUSED)
        return render(
            request, "registration/password_change.html", {"form": form}, status=429
        )
    if request.method == "POST" and form.has_error(
        "old_password", "password_incorrect"
    ):
        audit_log(
            action="password-change.denied", request=request, detail="reauth failed"
        )
        return render(
            request, "registration/password_change.html", {"form": form}, status=403
        )
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        audit_log(
            action="password-change",
            request=request,
            detail=f"signing-key={form.signing_key}",
        )
        messages.success(request, "Your password is changed.")
        return redirect("pa-worklist")
    return render(request, "registration/password_change.html", {"form": form})


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
