"""Every time shown to a signed-in user is in their practice's time zone.

The user load (``PracticeModelBackend``) brings the practice along, so reading its
zone costs no query. Anonymous pages (sign-in) keep the default zone (UTC).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def practice_zone(user: Any) -> ZoneInfo | None:
    """The user's practice time zone, or None (no practice, or a bad name)."""
    practice = getattr(user, "practice", None) if user else None
    name = getattr(practice, "time_zone", "") if practice else ""
    return _zone(name) if name else None


class PracticeTimeZoneMiddleware:
    """Activate the signed-in user's practice time zone for the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        zone = practice_zone(user) if getattr(user, "is_authenticated", False) else None
        if zone is None:
            timezone.deactivate()
            return self.get_response(request)
        timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
