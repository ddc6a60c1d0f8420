"""Session lifetime and revocation.

* ``SessionLifetimeMiddleware``: sessions end 8 hours after login however active
  (``SESSION_ABSOLUTE_SECONDS``), and the 15-minute idle window slides at most once a
  ``SESSION_REFRESH_SECONDS`` (no session-table write on every page view).
* Deactivating a user ends every session they hold (``user_sessions_end``, run by
  the ``post_save`` receiver below; ``apps.py`` loads this module to connect it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone


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


def user_sessions_end(*, user_id: int) -> int:
    """Delete every unexpired database session that belongs to the user."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if str(data.get("_auth_user_id")) == str(user_id):
            session.delete()
            ended += 1
    return ended


@receiver(pre_save, dispatch_uid="priorauth_user_was_active")
def _remember_active(
    sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any
) -> None:
    from django.contrib.auth import get_user_model

    if sender is not get_user_model() or instance.pk is None:
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    instance._was_active = (
        sender.objects.filter(pk=instance.pk)
        .values_list("is_active", flat=True)
        .first()
    )


@receiver(post_save, dispatch_uid="priorauth_user_deactivated")
def _end_sessions_on_deactivation(
    sender: Any, instance: Any, created: bool, **kwargs: Any
) -> None:
    from django.contrib.auth import get_user_model

    if sender is not get_user_model() or created:
        return
    if getattr(instance, "_was_active", None) and not instance.is_active:
        user_sessions_end(user_id=instance.pk)
