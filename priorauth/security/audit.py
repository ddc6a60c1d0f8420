"""The audit trail: one append-only row per access or change, with no PHI values.

Three writers:

* ``AuditMiddleware`` writes one row for every request of a signed-in user that
  resolved to a view (viewing, creating, editing, rendering, downloading,
  signing, changing status, the admin). The action comes from the URL name and
  the HTTP method, the object from the URL kwargs. Query strings, POST values
  and object names are never stored.
* Signal receivers write login (success and failure, with username and IP)
  and logout rows.
* Services may call ``audit_log()`` for a more specific action; the middleware
  then skips its generic row for that request, so there is never a double row.

Every refusal is one row too, written by whatever refused: ``audit_denial()``
from the login and two-factor middleware, the CSRF failure view and the admin
site, and the middleware's generic row for a 403 or 404. Its detail reads
``status=<code> denied reason=<code>``; reasons are fixed codes, never the
request's values.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from typing import Any

from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

# Requests whose views never need a generic row: the login/logout signals
# already write one, and the health check carries no user data.
SKIPPED_URL_NAMES = frozenset(
    {"pa-login", "pa-logout", "pa-health", "admin:login", "admin:logout"}
)

_METHOD_VERBS = {
    "GET": "view",
    "HEAD": "view",
    "POST": "post",
    "PUT": "put",
    "PATCH": "patch",
    "DELETE": "delete",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Rows written so far for the request being handled (None outside a request).
_rows_this_request: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "priorauth_audit_rows", default=None
)


def clean_text(value: object, limit: int) -> str:
    """Escape control characters (no forged lines) and cut to the column size."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))
    return text[:limit]


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    ip = request.META.get("REMOTE_ADDR") or None
    return ip


def audit_log(
    *,
    action: str,
    request: HttpRequest | None = None,
    user: Any = None,
    obj: Any = None,
    object_type: str = "",
    object_id: object = "",
    detail: str = "",
    username: str = "",
    practice_id: int | None = None,
) -> Any:
    """Append one audit row. Never pass names, dates of birth, member IDs or notes.

    ``obj`` records only its model name and primary key. ``detail`` is for
    codes such as ``result=failure`` or ``status=404``; it is cut to 300 characters.
    """
    from priorauth.models import AuditEvent

    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or obj.pk
    if practice_id is None and user is not None:
        practice_id = getattr(user, "practice_id", None)
    event = AuditEvent.objects.create(
        user=user,
        username=clean_text(
            username or (user.get_username() if user is not None else ""), 150
        ),
        practice_id=practice_id,
        action=clean_text(action, 40),
        object_type=clean_text(object_type, 40),
        object_id=clean_text(object_id if object_id is not None else "", 40),
        ip=client_ip(request),
        detail=clean_text(detail, 300),
    )
    rows = _rows_this_request.get()
    if rows is not None:
        rows.append(event.pk)
    return event


def audit_denial(
    request: HttpRequest, *, reason: str, status: int, user: Any = None
) -> Any:
    """One row for a refused request: the action and object it asked for, the status
    it got and why (a fixed code such as ``login-required`` or ``csrf-token-missing``).
    """
    match = getattr(request, "resolver_match", None)
    url_name = (match.view_name if match is not None else "") or "unresolved"
    object_type, object_id = (
        object_from_kwargs(url_name, match.kwargs) if match is not None else ("", "")
    )
    return audit_log(
        request=request,
        user=user,
        action=action_for(url_name, request.method or "GET"),
        object_type=object_type,
        object_id=object_id,
        detail=f"status={status} denied reason={reason}",
    )


# Status codes the generic row records as refusals, with their reason code.
_DENIED_STATUS = {403: "forbidden", 404: "not-found"}


def action_for(url_name: str, method: str) -> str:
    """``pa-request-edit`` + POST -> ``request-edit.post``; admin names lose ``priorauth_``."""
    name = url_name.removeprefix("pa-").replace("priorauth_", "")
    verb = _METHOD_VERBS.get(method.upper(), method.lower())
    return f"{name}.{verb}"[:40]


def object_from_kwargs(url_name: str, kwargs: dict[str, Any]) -> tuple[str, str]:
    """(object_type, object_id) from URL kwargs such as ``pk`` or ``request_pk``."""
    for key, value in kwargs.items():
        if key == "pk" or key.endswith("_pk") or key.endswith("_id") or key == "id":
            if key in ("pk", "id", "object_id"):
                base = url_name.split(":")[-1].removeprefix("pa-")
                kind = base.split("-")[0] if "-" in base else base.split("_")[0]
            else:
                kind = key.rsplit("_", 1)[0]
            return kind[:40], str(value)[:40]
    return "", ""


class AuditMiddleware:
    """One row per request of a signed-in user that reached a view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rows: list[int] = []
        token = _rows_this_request.set(rows)
        try:
            response = self.get_response(request)
        finally:
            _rows_this_request.reset(token)
        user = getattr(request, "_audit_user", None)
        match = getattr(request, "resolver_match", None)
        if user is None or match is None or rows:
            return response
        url_name = match.view_name or ""
        if url_name in SKIPPED_URL_NAMES or not url_name:
            return response
        object_type, object_id = object_from_kwargs(url_name, match.kwargs)
        detail = f"status={response.status_code}"
        if response.status_code in _DENIED_STATUS:
            detail += f" denied reason={_DENIED_STATUS[response.status_code]}"
        audit_log(
            request=request,
            user=user,
            action=action_for(url_name, request.method or "GET"),
            object_type=object_type,
            object_id=object_id,
            detail=detail,
        )
        return response

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> None:
        # Remember who made the request: a logout view would hide it afterwards.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request._audit_user = user  # type: ignore[attr-defined]
        return None


@receiver(user_logged_in, dispatch_uid="priorauth_audit_login")
def _on_login(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    audit_log(action="login", request=request, user=user, detail="result=success")


@receiver(user_login_failed, dispatch_uid="priorauth_audit_login_failed")
def _on_login_failed(
    sender: Any,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    from priorauth.models import User

    # Connected after axes' receiver (priorauth comes after axes in INSTALLED_APPS;
    # nothing loaded earlier may import this module), so the lockout flag is set.
    username = str(credentials.get("username", ""))[:150]
    known = (
        User.objects.filter(username=username)
        .values_list("practice_id", flat=True)
        .first()
    )
    detail = "result=failure"
    if request is not None and getattr(request, "axes_locked_out", False):
        detail += " locked"
    audit_log(
        action="login-failed",
        request=request,
        username=username,
        practice_id=known,
        detail=detail,
    )


@receiver(user_logged_out, dispatch_uid="priorauth_audit_logout")
def _on_logout(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    if user is not None:
        audit_log(action="logout", request=request, user=user)


@receiver(post_migrate, dispatch_uid="priorauth_audit_triggers")
def _reinstall_triggers(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """A SQLite table rebuild drops triggers; put them back after every migrate."""
    if getattr(sender, "name", "") != "priorauth":
        return
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from priorauth.security import db_triggers

    connection = connections[using]
    applied = MigrationRecorder(connection).applied_migrations()
    if ("priorauth", "0005_audit_immutable_triggers") in applied:
        db_triggers.install(connection)
