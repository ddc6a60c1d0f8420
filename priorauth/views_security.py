"""Two-factor views: verify a TOTP token, and enable TOTP for one's own account."""

from __future__ import annotations

import django_otp
from django_otp.plugins.otp_totp.models import TOTPDevice

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from priorauth.security.audit import audit_log


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


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def otp_verify(request: HttpRequest) -> HttpResponse:
    """Ask a user with a confirmed TOTP device for a code before anything else."""
    devices = list(TOTPDevice.objects.devices_for_user(request.user, confirmed=True))
    if not devices:
        return redirect(_safe_next(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = django_otp.match_token(request.user, form.cleaned_data["otp_token"])
        if device is not None:
            django_otp.login(request, device)
            audit_log(action="otp-verify", request=request, detail="result=success")
            return redirect(_safe_next(request))
        audit_log(action="otp-verify", request=request, detail="result=failure")
        form.add_error(
            "otp_token",
            forms.ValidationError("That code is not valid.", code="otp_invalid"),
        )
    return render(
        request,
        "registration/otp_verify.html",
        {"form": form, "next": _safe_next(request)},
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
