"""After approval: reschedule, enter what was done, and the authorizations about to
expire (issue 15, item 3). Thin views over ``services.tracking``; the request is
looked up through the user's practice (404 otherwise); the audit middleware
writes a row for every view.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from priorauth import services
from priorauth.web.workflow import (
    DATE,
    _get_request_for_user,
    lines_text,
    run_service,
)


class RescheduleForm(forms.Form):
    scheduled_on = forms.DateField(label="New date of service", widget=DATE)


class PerformedForm(forms.Form):
    performed_on = forms.DateField(label="Date performed", widget=DATE)
    lines = forms.CharField(
        label="CPT codes and units billed",
        max_length=500,
        help_text="e.g. 64493 x1, 64494 x1",
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    levels = forms.CharField(
        label="Levels treated",
        required=False,
        max_length=200,
        help_text="e.g. L4-L5, L5-S1",
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )

    def clean_lines(self) -> list[dict]:
        return services.parse_code_lines(self.cleaned_data.get("lines", ""))

    def clean_levels(self) -> str:
        return services.parse_levels(self.cleaned_data.get("levels", ""))


@require_http_methods(["GET", "POST"])
def request_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get_request_for_user(request, pk)
    form = RescheduleForm(
        request.POST or None,
        initial={"scheduled_on": obj.scheduled_on or obj.date_of_service},
    )
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["scheduled_on"]
        if run_service(
            form,
            lambda: services.auth_request_reschedule(
                request=obj, user=request.user, scheduled_on=day
            ),
        ):
            messages.success(request, "New date of service recorded.")
            return redirect(f"{obj.get_absolute_url()}#authorization-title")
    return render(
        request,
        "priorauth/workflow_form.html",
        {
            "obj": obj,
            "form": form,
            "title": "Reschedule the procedure",
            "submit_label": "Save new date",
        },
    )


@require_http_methods(["GET", "POST"])
def request_record_performed(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get_request_for_user(request, pk)
    form = PerformedForm(
        request.POST or None,
        initial={
            "performed_on": obj.scheduled_on or obj.date_of_service,
            "lines": lines_text(obj.authorized_lines),
            "levels": obj.authorized_levels,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(
            form,
            lambda: services.auth_request_record_performed(
                request=obj,
                user=request.user,
                performed_on=data["performed_on"],
                lines=data["lines"],
                levels=data["levels"],
            ),
        ):
            messages.success(request, "Procedure recorded against the authorization.")
            return redirect(f"{obj.get_absolute_url()}#authorization-title")
    return render(
        request,
        "priorauth/workflow_form.html",
        {
            "obj": obj,
            "form": form,
            "title": "Record the procedure performed",
            "submit_label": "Record procedure",
        },
    )


@require_GET
def authorizations_expiring(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = [
        (auth, services.authorization_status(request=auth, today=today))
        for auth in services.authorizations_expiring(
            practice_id=getattr(request.user, "practice_id", None) or 0, today=today
        )
    ]
    return render(
        request,
        "priorauth/authorizations_expiring.html",
        {
            "rows": rows,
            "days": services.EXPIRING_DAYS,
            "reauthorize_url_name": "pa-request-reauthorize",
        },
    )


@require_POST
def request_reauthorize(request: HttpRequest, pk: int) -> HttpResponse:
    """A new draft from an approved request whose authorization runs out
    (``services.auth_request_copy``, the same copy as "New request from this one")."""
    source = _get_request_for_user(request, pk)
    if source.status != source.Status.APPROVED:
        messages.error(request, "Only an approved request can be re-authorized.")
        return redirect(source)
    new = services.auth_request_copy(
        source=source,
        user=request.user,  # type: ignore[arg-type]
        request=request,
    )
    messages.success(
        request,
        f"New draft to re-authorize request {source.pk} (authorization "
        f"{source.authorization_number}). Type the new date of service, check what "
        "changed, then save.",
    )
    return redirect(reverse("pa-request-edit", args=[new.pk]) + "#id_date_of_service")
