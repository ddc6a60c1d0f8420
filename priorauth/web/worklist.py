"""The worklist: the practice's requests by status (with counts), payer, physician and
date of service, with a patient search, and what the clerk does next for each.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from priorauth import models as m
from priorauth import services

WORKLIST_PAGE_SIZE = 25
# Besides the statuses: "all" (an explicit "All" tab, for roles whose default is not
# all) and "expiring" (approved, authorization ending within 30 days).
EXTRA_TABS = ("all", "expiring", "overdue")


def _default_status(user: Any) -> str:
    """Physicians land on what waits for them: requests ready for signature."""
    return m.AuthRequest.Status.READY if getattr(user, "is_physician", False) else ""


class WorklistFilterForm(forms.Form):
    """Worklist filters; every field optional, bad values are simply ignored."""

    q = forms.CharField(
        label="Patient name or member ID",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-sm",
                "autocomplete": "off",
                "type": "search",
            }
        ),
    )
    payer = forms.ModelChoiceField(
        label="Payer",
        required=False,
        queryset=m.PayerProfile.objects.none(),
        empty_label="All payers",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    physician = forms.ModelChoiceField(
        label="Physician",
        required=False,
        queryset=m.Provider.objects.none(),
        empty_label="All physicians",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    dos_from = forms.DateField(
        label="Service from",
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "class": "form-control form-control-sm"},
            format="%Y-%m-%d",
        ),
    )
    dos_to = forms.DateField(
        label="Service to",
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "class": "form-control form-control-sm"},
            format="%Y-%m-%d",
        ),
    )

    def __init__(self, *args: Any, practice_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = m.PayerProfile.objects.only(
            "id", "name", "version"
        )
        self.fields["physician"].queryset = m.Provider.objects.filter(
            practice_id=practice_id
        ).only("id", "name", "credentials")

    def cleaned_or_empty(self, name: str) -> Any:
        self.is_valid()
        return self.cleaned_data.get(name) if name not in self.errors else None


def worklist(request: HttpRequest) -> HttpResponse:
    """Requests by status (with counts), payer, physician, date of service; patient search.

    The patient search (a name or a member ID is PHI) is read only from a POST
    body, never from the query string: a GET search would put it in the URL,
    and so in browser history, Referer headers and the access log of whatever
    server sits in front (the audit middleware never stores query strings, but
    that is not the only log). The other filters carry no PHI and also work as
    GET parameters, so status tabs and pages stay plain links until a search
    is active. Trade-off: Back after a search asks to resend the form.
    """
    practice_id = getattr(request.user, "practice_id", None)
    searching_allowed = request.method == "POST"
    source = request.POST if searching_allowed else request.GET
    form = WorklistFilterForm(source, practice_id=practice_id)
    status = source.get("tab", source.get("status"))
    if status is None:
        status = _default_status(request.user)
    if status not in m.AuthRequest.Status.values and status not in EXTRA_TABS:
        status = ""
    if status == "all":
        status = ""
    today = timezone.localdate()
    payer, physician = (
        form.cleaned_or_empty("payer"),
        form.cleaned_or_empty("physician"),
    )
    filters = services.WorklistFilters(
        status=status,
        payer_id=payer.pk if payer else None,
        physician_id=physician.pk if physician else None,
        dos_from=form.cleaned_or_empty("dos_from"),
        dos_to=form.cleaned_or_empty("dos_to"),
        search=(form.cleaned_or_empty("q") or "") if searching_allowed else "",
        expiring_on=today,
        overdue_at=timezone.now(),
    )
    rows, counts = services.auth_request_worklist(
        practice_id=practice_id, filters=filters
    )
    page = Paginator(rows, WORKLIST_PAGE_SIZE).get_page(source.get("page"))
    is_physician = bool(getattr(request.user, "is_physician", False))
    # Appeal deadlines of the page's denied requests, in one query.
    denied = [r for r in page.object_list if r.status == m.AuthRequest.Status.DENIED]
    deadlines = services.appeal_deadlines_for(denied)
    appeals = services.appeals_latest_for(denied)
    settled = (m.Appeal.Status.FILED, *m.Appeal.DECIDED, m.Appeal.Status.WITHDRAWN)
    for row in page.object_list:
        deadline = deadlines.get(row.pk)
        latest = appeals.get(row.pk)
        # Filed (the deadline was met) or settled: its status, not a countdown.
        row.appeal_settled = latest if latest and latest.status in settled else None
        if row.appeal_settled:
            deadline = None
        row.appeal = (
            (
                deadline.deadline,
                services.authorization_expiry(valid_to=deadline.deadline, today=today),
            )
            if deadline
            else None
        )
        row.expiry = services.authorization_expiry(valid_to=row.valid_to, today=today)
        row.overdue = (
            row.status == m.AuthRequest.Status.SUBMITTED
            and row.decision_due_at is not None
            and row.decision_due_at < filters.overdue_at
        )
        row.next_step = services.worklist_next_step(
            request=row, for_physician=is_physician
        )
        # A physician opens a request waiting for them straight on the sign page.
        row.open_url = (
            reverse("pa-request-sign", args=[row.pk])
            if is_physician and row.status == m.AuthRequest.Status.READY
            else row.get_absolute_url()
        )
    # Non-PHI filters as a query string for the tab and page links.
    link_params = {
        key: value
        for key, value in (
            ("payer", filters.payer_id),
            ("physician", filters.physician_id),
            ("dos_from", filters.dos_from),
            ("dos_to", filters.dos_to),
        )
        if value
    }
    ctx = {
        "form": form,
        "page": page,
        "status": status,
        "tabs": [
            (value, label, counts[value])
            for value, label in m.AuthRequest.Status.choices
        ],
        "total": sum(
            n for key, n in counts.items() if key not in ("expiring", "overdue")
        ),
        "expiring_count": counts["expiring"],
        "overdue_count": counts["overdue"],
        "is_physician": is_physician,
        "searching": bool(filters.search),
        "filtered": bool(filters.search or link_params),
        "link_query": urlencode(link_params),
        "expiry_days": services.EXPIRY_WARNING_DAYS,
    }
    return render(request, "priorauth/worklist.html", ctx)
