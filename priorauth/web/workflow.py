"""Recording the submission to the payer and the payer's decision.

Thin views: request through the user's practice (404 otherwise) -> form ->
one service -> redirect to the request. Any practice user may record these
(billing staff usually do); the audit middleware writes the row.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from priorauth import models as m
from priorauth import services

DATE = forms.DateInput(
    attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"
)


class SubmissionForm(forms.Form):
    submitted_on = forms.DateField(label="Date sent", widget=DATE)
    submitted_time = forms.TimeField(
        label="Time sent",
        required=False,
        help_text="Starts the payer's decision clock; now if left empty today.",
        widget=forms.TimeInput(
            attrs={"type": "time", "class": "form-control"}, format="%H:%M"
        ),
    )
    expedited = forms.BooleanField(
        label="Expedited (urgent) request",
        required=False,
        help_text="The payer's shorter clock applies (72 hours or less).",
    )
    channel = forms.ChoiceField(
        label="Sent by",
        choices=[("", "---------"), *services.SUBMISSION_CHANNELS],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    payer_reference = forms.CharField(
        label="Payer reference (case or tracking number)",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Payer's decision",
        choices=[
            ("approved", "Approved"),
            ("denied", "Denied"),
            ("pended", "Pended (more information requested)"),
        ],
        widget=forms.RadioSelect,
    )
    authorization_number = forms.CharField(
        label="Authorization number",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    valid_from = forms.DateField(label="Valid from", required=False, widget=DATE)
    valid_to = forms.DateField(label="Valid to", required=False, widget=DATE)
    approved_units = forms.IntegerField(
        label="Approved units",
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"class": "form-control", "min": 1}),
    )
    decided_on = forms.DateField(
        label="Date of the decision",
        required=False,
        widget=DATE,
        help_text="Today if left empty.",
    )
    denial_reason_code = forms.CharField(
        label="Payer's reason code",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    denial_reason = forms.CharField(
        label="Denial reason",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    pend_reason = forms.CharField(
        label="What the payer asked for",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    authorized_lines = forms.CharField(
        label="Authorized codes and units",
        required=False,
        max_length=500,
        help_text="As on the approval letter, e.g. 64493 x1, 64494 x1. "
        "Filled from the request; change it if the payer approved less.",
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    authorized_levels = forms.CharField(
        label="Authorized levels",
        required=False,
        max_length=200,
        help_text="e.g. L4-L5, L5-S1",
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )

    def clean_authorized_lines(self) -> list[dict]:
        return services.parse_code_lines(self.cleaned_data.get("authorized_lines", ""))

    def clean_authorized_levels(self) -> str:
        return services.parse_levels(self.cleaned_data.get("authorized_levels", ""))


def lines_text(lines: list[dict]) -> str:
    """[{"cpt": "64493", "units": 1}] as "64493 x1" for a form field."""
    return ", ".join(f"{item['cpt']} x{item['units']}" for item in lines)


class PasResponseForm(forms.Form):
    file = forms.FileField(
        label="The payer's PAS ClaimResponse (JSON)",
        help_text="A ClaimResponse, or the PAS response Bundle that holds it;"
        " 5 MB at most.",
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".json,application/json"}
        ),
    )


def _get_request_for_user(request: HttpRequest, pk: int) -> m.AuthRequest:
    try:
        return m.AuthRequest.objects.select_related("patient", "payer_profile").get(
            pk=pk, practice_id=getattr(request.user, "practice_id", None)
        )
    except m.AuthRequest.DoesNotExist:
        raise Http404("No such request") from None


def run_service(form: forms.Form, call: Any) -> bool:
    """Call the service; put its field errors on the form. True when it went through."""
    try:
        call()
    except ValidationError as exc:
        for field, errors in (
            exc.error_dict.items()
            if hasattr(exc, "error_dict")
            else [(None, exc.error_list)]
        ):
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        return False
    except services.WorkflowError as exc:
        form.add_error(None, ValidationError(str(exc), code="workflow"))
        return False
    return True


def _moment(day: date, at: time | None) -> datetime | None:
    """The date and time typed, in the current time zone (None: the service decides)."""
    if at is None:
        return None
    return timezone.make_aware(datetime.combine(day, at))


@require_http_methods(["GET", "POST"])
def request_record_submission(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get_request_for_user(request, pk)
    form = SubmissionForm(
        request.POST or None, initial={"submitted_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(
            form,
            lambda: services.auth_request_record_submission(
                request=obj,
                user=request.user,
                submitted_on=data["submitted_on"],  # type: ignore[arg-type]
                channel=data["channel"],
                payer_reference=data["payer_reference"],
                submitted_at=_moment(data["submitted_on"], data["submitted_time"]),
                expedited=data["expedited"],
            ),
        ):
            messages.success(
                request,
                "Submission recorded. Record the payer's decision when it arrives.",
            )
            return redirect(obj)
    return render(
        request,
        "priorauth/workflow_form.html",
        {
            "obj": obj,
            "form": form,
            "title": "Record submission to the payer",
            "submit_label": "Record submission",
        },
    )


@require_http_methods(["GET", "POST"])
def request_record_decision(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get_request_for_user(request, pk)
    initial = {}
    if request.method == "GET":
        initial = {
            "authorized_lines": lines_text(
                services.auth_request_default_authorized_lines(request=obj)
            ),
            "authorized_levels": ", ".join(lv.level for lv in obj.levels.all()),
        }
    form = DecisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(
            form,
            lambda: services.auth_request_record_decision(
                request=obj, user=request.user, **data
            ),
        ):  # type: ignore[arg-type]
            messages.success(
                request, f"Decision recorded: {obj.get_status_display().lower()}."
            )
            return redirect(obj)
    return render(
        request,
        "priorauth/workflow_form.html",
        {
            "obj": obj,
            "form": form,
            "title": "Record the payer's decision",
            "submit_label": "Record decision",
        },
    )


PAS_UPLOAD_MAX = 5 * 1024 * 1024


@require_http_methods(["GET", "POST"])
def request_import_pas_response(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the payer's PAS ClaimResponse: the decision it carries is recorded on
    this request, or the page says why not and nothing changes."""
    obj = _get_request_for_user(request, pk)
    form = PasResponseForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > PAS_UPLOAD_MAX:
            form.add_error("file", "The file is larger than 5 MB.")
        else:
            try:
                result = services.auth_request_import_pas_response(
                    user=request.user,  # type: ignore[arg-type]
                    data=upload.read(),
                    request=obj,
                )
            except services.PasImportError as exc:
                for error in exc.errors:
                    form.add_error("file", error)
            else:
                notes = "; ".join(result.decision.notes)
                messages.success(
                    request,
                    f"Payer's decision recorded from the PAS response: "
                    f"{result.request.get_status_display().lower()}."
                    + (f" Note: {notes}." if notes else ""),
                )
                return redirect(obj)
    return render(
        request,
        "priorauth/workflow_form.html",
        {
            "obj": obj,
            "form": form,
            "title": "Import the payer's PAS response",
            "submit_label": "Import and record the decision",
            "help_text": "Approved, denied or pended is read from the review action "
            "codes; the response must answer this request's PAS bundle.",
        },
        status=400 if form.errors else 200,
    )
