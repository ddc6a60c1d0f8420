"""The patients screen: the practice's patients (a search is POSTed: no names in URLs)
and one patient's page with their injection history and requests.

``get_patient_for_user`` and ``PatientSearchForm`` serve the new-request page too.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from priorauth import models as m
from priorauth import services
from priorauth.web.spine import SpineDatesForm, patient_spine


def get_patient_for_user(request: HttpRequest, pk: Any) -> m.Patient:
    try:
        return m.Patient.objects.select_related("payer_profile").get(
            pk=int(pk), practice_id=getattr(request.user, "practice_id", None)
        )
    except (m.Patient.DoesNotExist, TypeError, ValueError):
        raise Http404("No such patient") from None


class PatientSearchForm(forms.Form):
    """The new-request page's patient search (posted, never in the URL)."""

    q = forms.CharField(
        label="Patient name or member ID",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"class": "form-control", "autocomplete": "off", "type": "search"}
        ),
    )


PATIENTS_PER_PAGE = 25


def patient_list(request: HttpRequest) -> HttpResponse:
    """The practice's patients, 25 a page; a search is POSTed (no names in URLs)."""
    practice_id = getattr(request.user, "practice_id", None)
    form = PatientSearchForm(request.POST if request.method == "POST" else None)
    search = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    ctx: dict[str, Any] = {
        "form": form,
        "searched": bool(search),
        "limit": services.PATIENT_PICKER_LIMIT,
    }
    if search:
        ctx["patients"], ctx["more"] = services.patient_search(
            practice_id=practice_id, search=search
        )
    else:
        patients = m.Patient.objects.filter(practice_id=practice_id).select_related(
            "payer_profile"
        )
        ctx["page"] = Paginator(
            patients.order_by("last_name", "first_name", "pk"), PATIENTS_PER_PAGE
        ).get_page(request.GET.get("page"))
        ctx["patients"] = ctx["page"].object_list
    return render(request, "priorauth/patient_list.html", ctx)


def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One patient: the spine picture of their injections (``?from=&to=``, dates
    only), the injection history and their requests."""
    patient = get_patient_for_user(request, pk)
    dates = SpineDatesForm(request.GET)
    ctx = {
        "patient": patient,
        "dates": dates,
        "spine": patient_spine(services.patient_history_facts(patient=patient), dates),
        "history": patient.history.prefetch_related(
            Prefetch("built_on_by", queryset=m.AuthRequest.objects.only("id"))
        ),
        "requests": patient.requests.select_related("payer_profile").prefetch_related(
            "levels"
        ),
    }
    return render(request, "priorauth/patient_detail.html", ctx)
