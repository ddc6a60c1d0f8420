"""Recording the submission to the payer and the payer's decision.

Thin views: request through the user's practice (404 otherwise) -> form ->
one service -> redirect to the request. Any practice user may record these
(billing staff usually do); the audit middleware writes the row.
"""

from __future__ import annotations

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


def _get_request_for_user(request: HttpRequest, pk: int) -> m.AuthRequest:
    try:
        return m.AuthRequest.objects.select_related("patient", "payer_profile").get(
            pk=pk, practice_id=getattr(request.user, "practice_id", None)
        )
    except m.AuthRequest.DoesNotExist:
        raise Http404("No such request") from None


def _run(form: forms.Form, call: Any) -> bool:
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


@require_http_methods(["GET", "POST"])
def request_record_submission(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get_request_for_user(request, pk)
    form = SubmissionForm(
        request.POST or None, initial={"submitted_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _run(
            form,
            lambda: services.auth_request_record_submission(
                request=obj,
                user=request.user,
                submitted_on=data["submitted_on"],  # type: ignore[arg-type]
                channel=data["channel"],
                payer_reference=data["payer_reference"],
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
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _run(
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
