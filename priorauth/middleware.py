"""Response hardening and the absolute session lifetime."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


class SecurityHeadersMiddleware:
    """CSP with no inline scripts; pages and PDFs for signed-in users are never cached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        if not request.path.startswith(
            settings.STATIC_URL
            if settings.STATIC_URL.startswith("/")
            else "/" + settings.STATIC_URL
        ):
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response


class SessionLifetimeMiddleware:
    """Log out sessions older than SESSION_ABSOLUTE_SECONDS, however active, and slide
    the idle window.

    Sliding: the session is marked modified (so Django saves it with a fresh expiry
    of SESSION_COOKIE_AGE) when SESSION_REFRESH_SECONDS have passed since the last
    refresh. Between refreshes a page view writes nothing to the session table, so
    the idle timeout is SESSION_COOKIE_AGE minus at most SESSION_REFRESH_SECONDS
    after the last request: shorter, never longer, than configured.
    """

    key = "pa_login_at"
    refreshed_key = "pa_refreshed_at"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(self.key)
            now = time.time()
            if started is None:
                request.session[self.key] = now
            elif now - float(started) > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect(settings.LOGIN_URL)
            # timezone.now(), like the session backend's expiry arithmetic.
            clock = timezone.now().timestamp()
            refreshed = request.session.get(self.refreshed_key)
            if (
                refreshed is None
                or not 0 <= clock - float(refreshed) < settings.SESSION_REFRESH_SECONDS
            ):
                request.session[self.refreshed_key] = clock
        return self.get_response(request)
