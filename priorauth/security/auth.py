"""Sign-in and two-factor enforcement.

* ``LoginRequiredMiddleware``: Django's, plus one audit row for every refused
  anonymous request (``reason=login-required``).
* ``OTPRequiredMiddleware``: a user who has a confirmed TOTP device must verify
  a token in this session before any other view (all views can show PHI).
  Users without a device are not asked; the admin site asks everyone. Each
  redirect is audited (``reason=otp-required``).
* ``PracticeModelBackend``: Django's model backend, loading the signed-in user
  with their practice in the same query (every page shows and scopes by it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from priorauth.security.audit import audit_denial

# Views a signed-in but unverified user may still reach.
OTP_EXEMPT_URL_NAMES = frozenset(
    {
        "pa-otp-verify",
        "pa-login",
        "pa-logout",
        "pa-health",
        "admin:login",
        "admin:logout",
    }
)


class PracticeModelBackend(ModelBackend):
    """``ModelBackend`` whose per-request user load also brings the practice."""

    def get_user(self, user_id: Any) -> Any:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("practice").get(
                pk=user_id
            )
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def user_needs_otp(user: Any) -> bool:
    """True when the user has a confirmed device but has not verified it this session."""
    from django_otp import user_has_device

    if not getattr(user, "is_authenticated", False):
        return False
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return False
    return user_has_device(user, confirmed=True)


class LoginRequiredMiddleware(auth_middleware.LoginRequiredMiddleware):
    """Send anonymous users to the login page, and audit each refusal."""

    def handle_no_permission(self, request: HttpRequest, view_func: Any) -> Any:
        response = super().handle_no_permission(request, view_func)
        audit_denial(request, reason="login-required", status=response.status_code)
        return response


class OTPRequiredMiddleware:
    """Send users with a TOTP device to the verification page until they verify."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.view_name in OTP_EXEMPT_URL_NAMES:
            return None
        if not user_needs_otp(request.user):
            return None
        response = redirect(
            f"{reverse('pa-otp-verify')}?{urlencode({'next': request.get_full_path()})}"
        )
        audit_denial(
            request,
            reason="otp-required",
            status=response.status_code,
            user=request.user,
        )
        return response
