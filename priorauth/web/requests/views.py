"""The request page (create, edit), the request's detail page, "send for signature",
and the prior-injection counts the page asks for as levels are typed (JSON).

Thin views: get the request through the user's practice (404 otherwise) -> form ->
one service -> redirect or render. Login is required everywhere
(LoginRequiredMiddleware) except the health check and the login page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from priorauth import models as m
from priorauth import services
from priorauth.models import validators as v
from priorauth.services import concurrency
from priorauth.web.patients import PatientSearchForm, get_patient_for_user
from priorauth.web.requests.checks import request_page_is_valid
from priorauth.web.requests.findings import findings_context
from priorauth.web.requests.forms import (
    FORMSET_ADD_LABELS,
    FORMSET_TITLES,
    AttachmentForm,
    AuthRequestForm,
    SendForSignatureForm,
    page_errors,
    request_formsets,
)
from priorauth.web.requests.recheck import route_context
from priorauth.web.spine import request_spine


def _practice_id(request: HttpRequest) -> int | None:
    return getattr(request.user, "practice_id", None)


def _get_request_for_user(
    request: HttpRequest, pk: int, *, signed_documents: bool = True
) -> m.AuthRequest:
    try:
        return services.auth_request_queryset_for_detail(
            signed_documents=signed_documents
        ).get(pk=pk, practice_id=_practice_id(request))
    except m.AuthRequest.DoesNotExist:
        raise Http404("No such request") from None


def _optional_url(name: str, *args: Any) -> str:
    """URL of a view another module may not have added yet (PDF, signing); "" if absent."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def request_create(request: HttpRequest) -> HttpResponse:
    """New request for one patient: ``?patient=<pk>`` (the patient page's "New request
    for this patient", or the picker below), practice-scoped: 404 for another practice's.

    Without a patient, the page is a short picker: a patient search (POST, so a name
    or member ID never lands in a URL, as on the worklist) listing at most 20 matches,
    and the practice's 10 most recently used patients. The request form's POST carries
    the patient as a hidden field too.
    """
    patient_pk = (
        request.POST.get("patient") if request.method == "POST" else None
    ) or request.GET.get("patient")
    if not patient_pk:
        return _patient_picker(request)
    patient = get_patient_for_user(request, patient_pk)
    return _request_form_page(request, m.AuthRequest(patient=patient), patient=patient)


def _patient_picker(request: HttpRequest) -> HttpResponse:
    practice_id = _practice_id(request)
    if practice_id is None:
        raise Http404("No practice")
    form = PatientSearchForm(request.POST if request.method == "POST" else None)
    search = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    matches, more = (
        services.patient_search(practice_id=practice_id, search=search)
        if search
        else ([], False)
    )
    ctx = {
        "form": form,
        "searched": bool(search),
        "matches": matches,
        "more": more,
        "limit": services.PATIENT_PICKER_LIMIT,
        "recent": services.patients_recently_used(practice_id=practice_id),
    }
    return render(request, "priorauth/request_patient_picker.html", ctx)


def request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get_request_for_user(request, pk, signed_documents=False)
    if obj.status == m.AuthRequest.Status.READY:
        messages.error(
            request,
            "This request waits for the physician's signature and is read-only. The"
            " physician can send it back to billing with a comment.",
        )
        return redirect(obj)
    if obj.is_locked:
        messages.error(
            request,
            f"This request is {obj.get_status_display().lower()} and can no longer be edited.",
        )
        return redirect(obj)
    return _request_form_page(request, obj, patient=obj.patient)


def _request_form_page(
    request: HttpRequest, obj: m.AuthRequest, *, patient: m.Patient
) -> HttpResponse:
    """The request page; ``obj`` comes with its rows prefetched when it exists
    (``services.auth_request_queryset_for_detail``), and the formsets reuse them."""
    practice_id = _practice_id(request)
    if practice_id is None:
        raise Http404("No practice")
    data = request.POST if request.method == "POST" else None
    form = AuthRequestForm(data, instance=obj, practice=practice_id, patient=patient)
    shown, not_shown, builds_on_ids = services.request_history_rows(
        request=obj, patient=patient
    )
    formsets = request_formsets(
        data=data,
        instance=obj,
        patient=patient,
        history_shown=shown,
        builds_on_ids=builds_on_ids,
    )
    if data is not None:
        if request_page_is_valid(form, formsets):
            try:
                saved = concurrency.auth_request_save_checked(
                    request=form.save(commit=False),
                    formsets=formsets.values(),
                    user=request.user,  # type: ignore[arg-type]
                    expected_lock_version=data.get("lock_version"),
                )
            except concurrency.ConcurrentEditError as exc:
                form.add_error(None, ValidationError(exc.message, code=exc.code))
            else:
                messages.success(
                    request,
                    "Request saved and checked: where to request it is at the top,"
                    " the findings beside the form.",
                )
                # The banner and the findings in view (request_form.js focuses it).
                edit_url = reverse("pa-request-edit", args=[saved.pk])
                return redirect(edit_url + "#route-banner")
    ctx: dict[str, Any] = {
        "obj": obj,
        "form": form,
        "patient": patient,
        # The version this page was built from; a stale save is refused (services.concurrency).
        "lock_version": data.get("lock_version", obj.lock_version)
        if data is not None
        else obj.lock_version,
        "formsets": [
            (
                prefix,
                FORMSET_TITLES[prefix],
                FORMSET_ADD_LABELS[prefix],
                fs,
            )
            for prefix, fs in formsets.items()
        ],
        "formset_errors": any(fs.non_form_errors() for fs in formsets.values())
        if data is not None
        else False,
        "history_not_shown": not_shown,
        # The summary at the top of a refused save: each error, linked to its input.
        "page_errors": page_errors(form, formsets) if data is not None else [],
    }
    if obj.pk:
        # After a refused save, the form holds what was typed (and validation wrote the
        # valid parts onto obj and its rows): the findings are those of the stored request.
        stored = (
            obj
            if data is None
            else _get_request_for_user(request, obj.pk, signed_documents=False)
        )
        ctx.update(findings_context(stored))
        ctx["spine"] = request_spine(ctx["evaluation"])
        route = services.auth_request_route(
            request=stored, facts=ctx["evaluation"].facts
        )
    else:
        route = services.auth_request_route(request=obj)
    ctx.update(route_context(route))
    return render(request, "priorauth/request_form.html", ctx)


def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return detail_page(request, _get_request_for_user(request, pk))


def detail_page(
    request: HttpRequest,
    obj: m.AuthRequest,
    *,
    attachment_form: AttachmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The request's summary page; ``attachment_form`` is a refused upload's form,
    shown with its errors."""
    builds_on_ids = services.auth_request_builds_on_ids(request=obj)
    attachments = list(obj.attachments.all())
    ctx = {
        "obj": obj,
        "builds_on": [
            row for row in obj.patient.history.all() if row.pk in builds_on_ids
        ],
        "send_form": SendForSignatureForm(),
        "pdf_url": _optional_url("pa-request-pdf", obj.pk),
        "sign_url": _optional_url("pa-request-sign", obj.pk),
        "signed_documents": obj.signed_documents.all(),  # prefetched, newest first
        "submissions": obj.submissions.all() if obj.submitted_on else (),
        "authorization": services.authorization_status(request=obj),
        "now": timezone.now(),
        "attachments": attachments,
        "attachment_pages": sum(a.pages for a in attachments),
        "attachment_page_limit": services.MAX_REQUEST_PAGES,
        "attachment_form": attachment_form or AttachmentForm(),
        **findings_context(obj),
    }
    ctx["spine"] = request_spine(ctx["evaluation"])
    route = services.auth_request_route(request=obj, facts=ctx["evaluation"].facts)
    edit_url = reverse("pa-request-edit", args=[obj.pk]) if obj.is_editable else None
    ctx.update(route_context(route, edit_url=edit_url))
    return render(request, "priorauth/request_detail.html", ctx, status=status)


@require_POST
def request_copy(request: HttpRequest, pk: int) -> HttpResponse:
    """"New request from this one": a new draft with the request's facts and rows
    (``services.auth_request_copy``), opened for the date of service. POST only (it
    writes); another practice's request is a 404."""
    source = _get_request_for_user(request, pk, signed_documents=False)
    new = services.auth_request_copy(
        source=source,
        user=request.user,  # type: ignore[arg-type]
        request=request,
    )
    messages.success(
        request,
        f"New draft from request {source.pk}. Type the date of service, check what"
        " changed, then save.",
    )
    return redirect(reverse("pa-request-edit", args=[new.pk]) + "#id_date_of_service")


@require_POST
def request_send_for_signature(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get_request_for_user(request, pk)
    form = SendForSignatureForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("override_reason", "")
    try:
        services.auth_request_send_for_signature(request=obj, override_reason=reason)
    except services.WorkflowError as exc:
        messages.error(request, f"Not sent for signature: {exc}")
        return redirect(obj)
    messages.success(
        request, "Sent for signature. A physician can now review and sign it."
    )
    return redirect(obj)


# --------------------------------------------------------------------------- prior counts (JSON)


@require_POST
def prior_counts_json(request: HttpRequest) -> JsonResponse:
    """Prior injections per level from the patient's history.

    POST (patient id, procedure type, levels) so nothing clinical lands in URLs or
    access logs. Levels that do not parse are reported back, not counted.
    """
    patient = get_patient_for_user(request, request.POST.get("patient"))
    procedure = request.POST.get("procedure_type", "")
    if procedure not in dict(m.REQUESTABLE_PROCEDURE_CHOICES):
        return JsonResponse({"error": "Choose a procedure type first."}, status=400)
    typed = [lv for lv in request.POST.getlist("levels") if lv.strip()]
    canonical: dict[str, str] = {}
    invalid: list[str] = []
    for level in typed:
        try:
            canonical[level] = v.normalize_level(level)
        except ValidationError:
            invalid.append(level)
    on = (
        parse_date(request.POST.get("date_of_service", "") or "")
        if request.POST.get("date_of_service")
        else None
    )
    has_history = services.patient_has_history(patient=patient)
    counts = (
        services.history_prior_counts(
            patient=patient,
            procedure_type=procedure,
            levels=set(canonical.values()),
            on=on,
        )
        if has_history
        else {}
    )
    return JsonResponse(
        {
            "has_history": has_history,
            "counts": {
                typed_level: counts.get(canon)
                for typed_level, canon in canonical.items()
            },
            "canonical": canonical,
            "invalid": invalid,
        }
    )
