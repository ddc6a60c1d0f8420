"""The practice audit trail, for practice admins: browse with filters, export as CSV."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from priorauth import models as m

EXPORT_LIMIT = 50_000


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False, max_length=40)
    user = forms.ModelChoiceField(queryset=m.User.objects.none(), required=False)
    date_from = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, *args, practice_id: int | None, everyone: bool, **kwargs
    ) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        users = m.User.objects.order_by("username")
        self.fields["user"].queryset = (
            users if everyone else users.filter(practice_id=practice_id)
        )


def _require_audit_reader(request: HttpRequest) -> bool:
    """Practice admins read their own practice's trail; superusers read everything."""
    user = request.user
    if user.is_superuser:
        return True
    if getattr(user, "is_practice_admin", False) and user.practice_id is not None:
        return False
    raise PermissionDenied("Only practice admins can read the audit trail.")


def _start_of(day: date) -> datetime:
    return timezone.make_aware(
        datetime.combine(day, time.min), timezone.get_current_timezone()
    )


def _filtered_events(
    request: HttpRequest,
) -> tuple[AuditFilterForm, QuerySet[m.AuditEvent]]:
    everyone = _require_audit_reader(request)
    events = m.AuditEvent.objects.select_related("user", "practice").order_by(
        "-at", "-id"
    )
    if not everyone:
        events = events.filter(practice_id=request.user.practice_id)
    form = AuditFilterForm(
        request.GET or None, practice_id=request.user.practice_id, everyone=everyone
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            events = events.filter(action__startswith=data["action"])
        if data["user"]:
            events = events.filter(user=data["user"])
        if data["date_from"]:
            events = events.filter(at__gte=_start_of(data["date_from"]))
        if data["date_to"]:
            events = events.filter(
                at__lt=_start_of(data["date_to"] + timedelta(days=1))
            )
    elif form.is_bound:
        events = events.none()
    return form, events


def audit_list(request: HttpRequest) -> HttpResponse:
    form, events = _filtered_events(request)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def _cell(value: object) -> str:
    """Neutralise spreadsheet formulas (=, +, -, @) in exported cells."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def audit_export(request: HttpRequest) -> HttpResponse:
    _form, events = _filtered_events(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "time_utc",
            "user_id",
            "username",
            "practice_id",
            "action",
            "object_type",
            "object_id",
            "ip",
            "detail",
        ]
    )
    for event in events[:EXPORT_LIMIT].iterator():
        writer.writerow(
            [
                _cell(event.at.astimezone(UTC).isoformat()) if event.at else "",
                _cell(event.user_id),
                _cell(event.username),
                _cell(event.practice_id),
                _cell(event.action),
                _cell(event.object_type),
                _cell(event.object_id),
                _cell(event.ip),
                _cell(event.detail),
            ]
        )
    return response
