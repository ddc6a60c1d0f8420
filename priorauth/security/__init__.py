"""Security controls: sign-in, two-factor, sessions, response headers, the audit trail,
the practice-scoped admin site, append-only tables (triggers, roles), log filters.
Imports models and Django; services only to re-seal a key (passwords.py); never web.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    # AUTHENTICATION_BACKENDS names "priorauth.security.PracticeModelBackend", and every
    # session stores that path: changing it would sign everybody out. Resolved on first
    # use, not at import: this package also holds the admin's AppConfig, imported while
    # the app registry is still loading (before models can be).
    if name == "PracticeModelBackend":
        from priorauth.security.auth import PracticeModelBackend

        return PracticeModelBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
