"""Re-entering the password: the sign page, the signing-key page and the password page.

Wrong passwords on any of them count toward one limit (5 in 15 minutes, counted from
the audit trail by ``services.sign_attempts_exceeded``, so every worker agrees): a
borrowed session cannot guess the password that opens the physician's signing key.
"""

from __future__ import annotations

from django.http import HttpRequest

from priorauth import services
from priorauth.security.audit import audit_log

# Wrong passwords: after this many within the window, signing (and the other two
# pages) pause for the user.
SIGN_ATTEMPTS = 5
SIGN_WINDOW_MINUTES = 15

# What the signing-key and password pages say then (the sign page says it its way).
PAUSED = (
    f"Too many wrong passwords: this is paused for up to {SIGN_WINDOW_MINUTES}"
    " minutes. Nothing was changed."
)


def too_many_wrong_passwords(request: HttpRequest, page: str) -> bool:
    """True, with one ``<page>.denied`` row, once the user has used up the limit."""
    if not services.sign_attempts_exceeded(
        user=request.user,  # type: ignore[arg-type]
        attempts=SIGN_ATTEMPTS,
        minutes=SIGN_WINDOW_MINUTES,
    ):
        return False
    audit_log(action=f"{page}.denied", request=request, detail="rate limited")
    return True
