"""The patients screen: the practice's patients (a search is POSTed: no names in URLs),
one patient's page with their injection history and requests, and a new patient
(which asks before creating a second patient with the same member ID and DOB).

``get_patient_for_user`` and ``PatientSearchForm`` serve the new-request page too.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from priorauth import models as m
from priorauth import services
from priorauth.models.validators import validate_not_future
from priorauth.web.fields import DATE_WIDGET, MarkInvalidMixin, style_widgets
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


class PatientForm(MarkInvalidMixin, forms.ModelForm):
    """A new patient: who they are and how they are insured."""

    class Meta:
        model = m.Patient
        fields = (
            "first_name",
            "last_name",
            "dob",
            "sex",
            "member_id",
            "payer_profile",
            "plan_name",
            "mrn",
        )
        widgets = {"dob": DATE_WIDGET}
        labels = {"payer_profile": "Payer"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dob"].validators.append(validate_not_future)
        for name in ("first_name", "last_name", "member_id", "mrn", "plan_name"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        style_widgets(self)


# Where a new patient leads: back to a new request (the picker's link) or their page.
NEXT_REQUEST = "request"


@require_http_methods(["GET", "POST"])
def patient_create(request: HttpRequest) -> HttpResponse:
    """A new patient of the practice.

    When the practice already has a patient with this member ID and date of birth,
    the page lists them (open one, or start a request for them) and asks to confirm:
    "Create anyway" posts the same form again with ``confirm_duplicate``. Twins on
    one plan share both, so this is a question, not a refusal; what was typed stays
    in the form.
    """
    practice_id = getattr(request.user, "practice_id", None)
    if practice_id is None:
        raise Http404("No practice")
    then = (request.POST if request.method == "POST" else request.GET).get("next", "")
    form = PatientForm(request.POST if request.method == "POST" else None)
    duplicates: list[m.Patient] = []
    if form.is_bound and form.is_valid():
        try:
            patient = services.patient_create(
                practice_id=practice_id,
                fields=form.cleaned_data,
                confirm_duplicate=request.POST.get("confirm_duplicate") == "1",
            )
        except services.PossibleDuplicatePatient as exc:
            duplicates = exc.matches
        else:
            if then == NEXT_REQUEST:
                return redirect(f"{reverse('pa-request-create')}?patient={patient.pk}")
            return redirect("pa-patient-detail", pk=patient.pk)
    ctx = {
        "form": form,
        "duplicates": duplicates,
        "next": then if then == NEXT_REQUEST else "",
    }
    return render(request, "priorauth/patient_form.html", ctx)
