"""After a denial: the denial's structure, the appeal page, its PDF and its signature.

Thin views: the request through the user's practice (404 otherwise) -> form -> one
service (``services.appeals``) -> redirect. Any practice user records the denial and
prepares, files and closes the appeal; only a physician signs it, exactly as the
packet (password, TOTP code with a device, the review token of the draft read).
Each view that changes something writes one specific audit row.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from priorauth import models as m
from priorauth import services
from priorauth.packet import pdf
from priorauth.packet.signing import SigningKeyLocked, SigningUnavailable
from priorauth.security.audit import audit_log
from priorauth.services.appeals import APPEAL_MEANING
from priorauth.services.workflow import WorkflowError
from priorauth.web.reauth import SIGN_ATTEMPTS, SIGN_WINDOW_MINUTES
from priorauth.web.review_sign.forms import SignForm
from priorauth.web.workflow import DATE, run_service

CONTROL = {"class": "form-control"}


class DenialForm(forms.Form):
    decided_on = forms.DateField(label="Date on the denial notice", widget=DATE)
    channel = forms.ChoiceField(
        label="Received by",
        choices=[("", "---------"), *m.DENIAL_CHANNELS],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    reason_code = forms.CharField(
        label="Payer's reason code",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs=CONTROL),
    )
    reason_text = forms.CharField(
        label="Payer's reason, as the notice words it",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, **CONTROL}),
    )
    cited = forms.MultipleChoiceField(
        label="Criteria the payer cites",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cited_text = forms.CharField(
        label="Other reasons in the notice's words (one a line)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2, **CONTROL}),
    )
    payer_reference = forms.CharField(
        label="Payer's reference",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs=CONTROL),
    )
    letter_deadline = forms.DateField(
        label="Appeal deadline printed on the notice (if any)",
        required=False,
        widget=DATE,
    )

    def __init__(self, *args: Any, criteria: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["cited"].choices = criteria


class AppealForm(forms.Form):
    physician_statement = forms.CharField(
        label="Physician's statement (printed in the letter)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5, **CONTROL}),
    )
    new_evidence = forms.CharField(
        label="Documentation added since the submission (one item a line)",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, **CONTROL}),
        help_text="Injections in the patient's history dated after the submission are "
        "listed automatically.",
    )


class AppealSignForm(SignForm):
    confirm = forms.BooleanField(
        label="I have reviewed the request for reconsideration and I sign it."
    )


class FilingForm(forms.Form):
    filed_on = forms.DateField(label="Date filed", widget=DATE)
    channel = forms.ChoiceField(
        label="Sent by",
        choices=[("", "---------"), *m.DENIAL_CHANNELS],
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Payer's answer",
        choices=[(s.value, s.label) for s in m.Appeal.DECIDED],
        widget=forms.RadioSelect,
    )
    decided_on = forms.DateField(label="Date of the answer", widget=DATE)
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, **CONTROL}),
    )


def _get_request(request: HttpRequest, pk: int) -> m.AuthRequest:
    try:
        return (
            services.auth_request_queryset_for_detail(signed_documents=False)
            .select_related("practice")
            .get(pk=pk, practice_id=getattr(request.user, "practice_id", None))
        )
    except m.AuthRequest.DoesNotExist:
        raise Http404("No such request") from None


@require_http_methods(["GET", "POST"])
def request_denial(request: HttpRequest, pk: int) -> HttpResponse:
    """Record (or correct) the structure of the denial: the request page's form
    posts here; on a problem the form comes back on its own page."""
    obj = _get_request(request, pk)
    evaluation = services.auth_request_evaluate(request=obj)
    criteria = services.denial_criteria_choices(evaluation)
    current = obj.denials.first()
    initial = {"decided_on": obj.decided_on or timezone.localdate()}
    if current is not None:
        initial.update(
            decided_on=current.decided_on,
            channel=current.channel,
            reason_code=current.reason_code,
            reason_text=current.reason_text,
            payer_reference=current.payer_reference,
            letter_deadline=current.letter_deadline,
        )
    form = DenialForm(request.POST or None, criteria=criteria, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(
            form,
            lambda: services.denial_record(
                request=obj,
                user=request.user,  # type: ignore[arg-type]
                decided_on=data["decided_on"],
                channel=data["channel"],
                reason_text=data["reason_text"],
                reason_code=data["reason_code"],
                payer_reference=data["payer_reference"],
                letter_deadline=data["letter_deadline"],
                cited=data["cited"],
                cited_text=data["cited_text"].splitlines(),
            ),
        ):
            messages.success(request, "Denial recorded. The appeal deadline is shown.")
            return redirect(obj)
    return render(
        request,
        "priorauth/workflow_form.html",
        {
            "obj": obj,
            "form": form,
            "title": "Record the payer's denial",
            "submit_label": "Record denial",
        },
        status=400 if request.method == "POST" else 200,
    )


def _appeal_or_404(obj: m.AuthRequest) -> m.Appeal:
    appeal = (
        m.Appeal.objects.select_related("denial", "signed_document")
        .defer("signed_document__pdf")
        .filter(request=obj)
        .first()
    )
    if appeal is None:
        raise Http404("No appeal yet")
    return appeal


@require_POST
def request_appeal_start(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get_request(request, pk)
    try:
        services.appeal_start(request=obj, user=request.user)  # type: ignore[arg-type]
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect(obj)
    return redirect("pa-request-appeal", pk=obj.pk)


def _sign_form(request: HttpRequest, data: Any = None) -> AppealSignForm:
    return AppealSignForm(
        data,
        otp_required=services.user_has_totp(user=request.user),  # type: ignore[arg-type]
    )


def _appeal_page(
    request: HttpRequest,
    obj: m.AuthRequest,
    appeal: m.Appeal,
    *,
    form: AppealForm | None = None,
    sign_form: AppealSignForm | None = None,
    filing: FilingForm | None = None,
    outcome: OutcomeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    is_physician = getattr(request.user, "is_physician", False)
    preparing = appeal.status == m.Appeal.Status.PREPARING
    review = (
        services.appeal_review(request=obj, user=request.user)  # type: ignore[arg-type]
        if preparing and is_physician
        else None
    )
    sign_form = sign_form or _sign_form(request)
    if review is not None and not sign_form.is_bound:
        sign_form.initial = {
            "reviewed_revision": review.revision,
            "reviewed_sha256": review.sha256,
        }
    denial = appeal.denial
    context = {
        "obj": obj,
        "appeal": appeal,
        "denial": denial,
        "reasons": denial.reasons.all(),
        "deadline": denial.deadline(),
        "today": timezone.localdate(),
        "form": form
        or AppealForm(
            initial={
                "physician_statement": appeal.physician_statement,
                "new_evidence": appeal.new_evidence,
            }
        ),
        "sign_form": sign_form,
        "review": review,
        "meaning": APPEAL_MEANING,
        "filing": filing or FilingForm(initial={"filed_on": timezone.localdate()}),
        "outcome": outcome or OutcomeForm(initial={"decided_on": timezone.localdate()}),
    }
    return render(request, "priorauth/appeal.html", context, status=status)


@require_http_methods(["GET", "POST"])
def request_appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """The appeal page: what the letter says (saved while in preparation)."""
    obj = _get_request(request, pk)
    if request.method == "GET" and not m.Appeal.objects.filter(request=obj).exists():
        messages.info(request, "No appeal yet: prepare it from the denial.")
        return redirect(obj)
    appeal = _appeal_or_404(obj)
    if request.method == "GET":
        return _appeal_page(request, obj, appeal)
    form = AppealForm(request.POST)
    if form.is_valid() and run_service(
        form,
        lambda: services.appeal_update(
            appeal=appeal,
            user=request.user,
            **form.cleaned_data,  # type: ignore[arg-type]
        ),
    ):
        audit_log(
            action="appeal.update",
            request=request,
            obj=obj,
            detail=f"appeal={appeal.pk}",
        )
        messages.success(request, "Saved: the draft below shows it.")
        return redirect("pa-request-appeal", pk=obj.pk)
    return _appeal_page(request, obj, appeal, form=form, status=400)


@require_GET
def request_appeal_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft appeal (DRAFT on every page); a signed one is a signed document."""
    obj = _get_request(request, pk)
    if not m.Appeal.objects.filter(request=obj).exists():
        messages.info(request, "No appeal yet: prepare it from the denial.")
        return redirect(obj)
    try:
        data = services.appeal_render_pdf(request=obj, user=request.user)  # type: ignore[arg-type]
    except WorkflowError as exc:
        raise Http404(str(exc)) from None
    audit_log(
        action="appeal-pdf.draft",
        request=request,
        obj=obj,
        detail=f"rev={obj.revision}",
    )
    name = pdf.pdf_filename(
        request_id=obj.pk, revision=obj.revision, kind="appeal-draft"
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@sensitive_post_parameters("password", "otp_token")
@require_POST
def request_appeal_sign(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get_request(request, pk)
    appeal = _appeal_or_404(obj)
    if not getattr(request.user, "is_physician", False):
        audit_log(action="appeal-sign.denied", request=request, obj=obj, detail="role")
        raise PermissionDenied("Only a physician can sign.")
    form = _sign_form(request, request.POST)
    if services.sign_attempts_exceeded(
        user=request.user,
        attempts=SIGN_ATTEMPTS,
        minutes=SIGN_WINDOW_MINUTES,  # type: ignore[arg-type]
    ):
        audit_log(
            action="appeal-sign.denied", request=request, obj=obj, detail="rate limited"
        )
        form.add_error(
            None, "Too many wrong passwords: signing is paused. Nothing was signed."
        )
        return _appeal_page(request, obj, appeal, sign_form=form, status=429)
    if not form.is_valid():
        audit_log(
            action="appeal-sign.denied", request=request, obj=obj, detail="form invalid"
        )
        return _appeal_page(request, obj, appeal, sign_form=form, status=403)
    try:
        document = services.appeal_sign(
            request=obj,
            user=request.user,  # type: ignore[arg-type]
            password=form.cleaned_data["password"],
            reviewed=form.reviewed(),
            otp_token=form.cleaned_data.get("otp_token", ""),
        )
    except SigningKeyLocked as exc:
        audit_log(
            action="appeal-sign.denied", request=request, obj=obj, detail="key locked"
        )
        messages.error(request, str(exc))
        back = reverse("pa-request-appeal", args=[obj.pk])
        return redirect(f"{reverse('pa-signing-key')}?{urlencode({'next': back})}")
    except services.StaleReview as exc:
        audit_log(
            action="appeal-sign.denied", request=request, obj=obj, detail="stale review"
        )
        messages.error(request, str(exc))
        return redirect("pa-request-appeal", pk=obj.pk)
    except PermissionDenied as exc:
        # The PermissionDenied subclass for a wrong password, here the one "reauth
        # failed" row the password budget counts (services.sign_attempts_exceeded).
        reason = getattr(exc, "reason", "reauth failed")
        audit_log(action="request-sign.denied", request=request, obj=obj, detail=reason)
        field = "otp_token" if reason == "otp failed" else "password"
        form.add_error(field, "Not right. Nothing was signed; try again.")
        return _appeal_page(request, obj, appeal, sign_form=form, status=403)
    except (WorkflowError, SigningUnavailable) as exc:
        messages.error(request, str(exc))
        return redirect("pa-request-appeal", pk=obj.pk)
    audit_log(
        action="appeal-sign", request=request, obj=obj, detail=f"doc={document.pk}"
    )
    messages.success(
        request, "Signed. The signed appeal is stored; file it with the payer."
    )
    return redirect("pa-request-appeal", pk=obj.pk)


@require_POST
def request_appeal_file(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get_request(request, pk)
    appeal = _appeal_or_404(obj)
    form = FilingForm(request.POST)
    if form.is_valid() and run_service(
        form,
        lambda: services.appeal_record_filing(
            appeal=appeal,
            user=request.user,
            **form.cleaned_data,  # type: ignore[arg-type]
        ),
    ):
        messages.success(request, "Filing recorded.")
        return redirect("pa-request-appeal", pk=obj.pk)
    return _appeal_page(request, obj, appeal, filing=form, status=400)


@require_POST
def request_appeal_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get_request(request, pk)
    appeal = _appeal_or_404(obj)
    form = OutcomeForm(request.POST)
    if form.is_valid() and run_service(
        form,
        lambda: services.appeal_record_outcome(
            appeal=appeal,
            user=request.user,
            **form.cleaned_data,  # type: ignore[arg-type]
        ),
    ):
        messages.success(request, f"Outcome recorded: {appeal.get_status_display()}.")
        return redirect("pa-request-appeal", pk=obj.pk)
    return _appeal_page(request, obj, appeal, outcome=form, status=400)
