"""Error pages that need code: the audited CSRF failure page and the lockout page.

403, 404, 500 and 400 are Django's own handlers rendering ``templates/<code>.html``
(all on the app's layout, ``templates/errors/page.html``). None of them shows the
exception, the path or anything the request carried.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware import csrf
from django.shortcuts import render

from priorauth.security.audit import audit_denial

# Django's CSRF failure reasons (some carry the request's Origin or Referer, which
# is not stored) -> a fixed reason code for the audit row.
_CSRF_REASON_CODES = (
    (csrf.REASON_NO_CSRF_COOKIE, "csrf-no-cookie"),
    (csrf.REASON_CSRF_TOKEN_MISSING, "csrf-token-missing"),
    ("Origin checking failed", "csrf-bad-origin"),
    ("Referer checking failed", "csrf-bad-referer"),
)


def csrf_reason_code(reason: str) -> str:
    for prefix, code in _CSRF_REASON_CODES:
        if reason.startswith(prefix):
            return code
    return "csrf-bad-token"  # wrong, malformed or stale token


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: one audit row, then the 403 page for a stale form."""
    audit_denial(request, reason=csrf_reason_code(reason), status=403)
    return render(request, "403_csrf.html", status=403)


def lockout(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the 429 page. The failed attempt that triggered it is
    already audited (``login-failed``, ``result=failure locked``)."""
    minutes = max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))
    return render(
        request,
        "429.html",
        {"minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
