"""Accounts: sign in and out, the two-factor pages (verify a TOTP code, set up TOTP for
one's own account) and one's own password change (which re-seals a physician's signing
key: ``security.passwords``).

``TokenForm`` (the TOTP code field) and ``safe_next`` serve the signing pages too.
"""

from __future__ import annotations

import django_otp
from django_otp.plugins.otp_totp.models import TOTPDevice

from django import forms
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from priorauth.security.audit import audit_log
from priorauth.security.passwords import OwnPasswordChangeForm
from priorauth.web.reauth import PAUSED, too_many_wrong_passwords


class TokenForm(forms.Form):
    otp_token = forms.RegexField(
        label="Code from your authenticator app",
        regex=r"^\d{6,8}$",
        max_length=8,
        error_messages={"invalid": "Enter the 6-digit code."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
    )


def safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


# --------------------------------------------------------------------------- sign in


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("pa-login")


# --------------------------------------------------------------------------- two-factor


def otp_verify(request: HttpRequest) -> HttpResponse:
    """Ask a user with a confirmed TOTP device for a code before anything else."""
    devices = list(TOTPDevice.objects.devices_for_user(request.user, confirmed=True))
    if not devices:
        return redirect(safe_next(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = django_otp.match_token(request.user, form.cleaned_data["otp_token"])
        if device is not None:
            django_otp.login(request, device)
            audit_log(action="otp-verify", request=request, detail="result=success")
            return redirect(safe_next(request))
        audit_log(action="otp-verify", request=request, detail="result=failure")
        form.add_error(
            "otp_token",
            forms.ValidationError("That code is not valid.", code="otp_invalid"),
        )
    return render(
        request,
        "registration/otp_verify.html",
        {"form": form, "next": safe_next(request)},
    )


def otp_setup(request: HttpRequest) -> HttpResponse:
    """Create an authenticator key for the current user and confirm it with a code."""
    if TOTPDevice.objects.devices_for_user(request.user, confirmed=True).exists():
        return render(request, "registration/otp_setup.html", {"enabled": True})
    device = TOTPDevice.objects.devices_for_user(request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name="authenticator", confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp_token"]):
            device.confirmed = True
            device.save(update_fields=("confirmed",))
            django_otp.login(request, device)
            audit_log(
                action="otp-enable",
                request=request,
                obj=device,
                detail="result=success",
            )
            return render(request, "registration/otp_setup.html", {"enabled": True})
        form.add_error(
            "otp_token",
            forms.ValidationError("That code is not valid.", code="otp_invalid"),
        )
    return render(
        request,
        "registration/otp_setup.html",
        {
            "enabled": False,
            "form": form,
            "config_url": device.config_url,
            "secret": _base32(device.bin_key),
        },
    )


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode("ascii").rstrip("=")


# --------------------------------------------------------------------------- password


@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = OwnPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and too_many_wrong_passwords(
        request, "password-change"
    ):
        form.is_valid()
        form.add_error(None, PAUSED)
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
