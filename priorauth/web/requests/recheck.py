"""The route banner of the request pages ("is prior authorization needed, and where")
and the request page's live re-check: the findings and the banner of the request as
typed, evaluated like a save but never saved (POST, debounced by the page, htmx).
"""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from priorauth import models as m
from priorauth import services
from priorauth.rules.findings import Severity
from priorauth.rules.routes import FIELD_WORDS, Route
from priorauth.web.patients import get_patient_for_user
from priorauth.web.requests.findings import findings_context
from priorauth.web.requests.forms import AuthRequestForm, request_formsets
from priorauth.web.requests.history import HISTORY_PREFIX
from priorauth.web.spine import request_spine

# The input each field the route waits for is typed in (request page ids).
ROUTE_FIELD_ANCHORS = {
    "payer_profile": "id_payer_profile",
    "state_of_service": "id_state_of_service",
    "facility": "id_facility",
    "procedure_type": "id_procedure_type",
    "levels": "id_levels-0-level",
    "date_of_service": "id_date_of_service",
}


def route_context(route: Route, *, edit_url: str | None = "") -> dict[str, Any]:
    """The banner's context: the route and, while it waits for fields, links to them
    (on the request page itself when ``edit_url`` is empty; none when None)."""
    return {
        "route": route,
        # Rule IDs the cited policy line does not already name.
        "route_rule_ids": [code for code in route.rule_ids if code not in route.policy],
        "route_missing": [
            (
                FIELD_WORDS[name],
                "" if edit_url is None else f"{edit_url}#{ROUTE_FIELD_ANCHORS[name]}",
            )
            for name in route.missing
        ],
    }


def _typed_rows(
    formsets: dict[str, Any], history: list[m.PriorProcedure], stored: frozenset[int]
) -> services.RequestRows:
    """The rows as typed: valid kept rows of each section; the patient's whole
    history with the page's edits and ticks, plus new injections typed."""

    def kept(prefix: str) -> list[Any]:
        return [f.instance for f in formsets[prefix].kept_forms()]

    ticks = {}
    new_history = []
    for form in formsets[HISTORY_PREFIX].kept_forms():
        row, tick = form.instance, bool(form.cleaned_data.get("builds_on"))
        if row.pk is None:
            if row.date and row.procedure:
                new_history.append((row, tick))
        else:
            ticks[row.pk] = tick
    return services.RequestRows(
        levels=[
            lv for lv in kept("levels") if lv.level and lv.side in dict(m.SIDE_CHOICES)
        ],
        conservative_care=kept("conservative_care"),
        imaging=kept("imaging"),
        diagnoses=[d for d in kept("diagnoses") if d.code],
        history=[(row, ticks.get(row.pk, row.pk in stored)) for row in history]
        + new_history,
        builds_on_ids=stored,
    )


@require_POST
def request_recheck(request: HttpRequest) -> HttpResponse:
    """The findings panel and route banner of the request as typed, not saved.

    Login required (middleware), CSRF-protected POST, practice-scoped: the patient
    and the request are looked up in the user's practice (404 otherwise). The same
    form and row validation as a save, then the same evaluation; a field that does
    not validate yet is left out of the check, never reported here (the save
    reports it at its field).
    """
    practice_id = getattr(request.user, "practice_id", None)
    if practice_id is None:
        raise Http404("No practice")
    pk = request.POST.get("request") or ""
    if pk:
        if not pk.isdigit():
            raise Http404("No such request")
        try:
            obj = services.auth_request_queryset_for_detail(signed_documents=False).get(
                pk=int(pk), practice_id=practice_id
            )
        except m.AuthRequest.DoesNotExist:
            raise Http404("No such request") from None
        patient = obj.patient
    else:
        patient = get_patient_for_user(request, request.POST.get("patient"))
        obj = m.AuthRequest(patient=patient, practice_id=practice_id)
    prefetch_related_objects([patient], "history")
    form = AuthRequestForm(
        request.POST, instance=obj, practice=practice_id, patient=patient
    )
    shown, _, builds_on_ids = services.request_history_rows(
        request=obj, patient=patient
    )
    formsets = request_formsets(
        data=request.POST,
        instance=obj,
        patient=patient,
        history_shown=shown,
        builds_on_ids=builds_on_ids,
    )
    form.is_valid()
    for formset in formsets.values():
        formset.is_valid()
    if form.cleaned_data.get("payer_profile") is not None:
        obj.payer_profile = form.cleaned_data["payer_profile"]
    rows = _typed_rows(formsets, list(patient.history.all()), builds_on_ids)
    evaluation, route = services.auth_request_preview(request=obj, rows=rows)
    if evaluation is not None:
        obj.blocker_count = sum(
            1 for f in evaluation.findings if f.severity is Severity.BLOCKER
        )
        obj.warning_count = sum(
            1 for f in evaluation.findings if f.severity is Severity.WARNING
        )
    ctx = {
        "obj": obj,
        "evaluation": evaluation,
        "finding_groups": (
            findings_context(obj, evaluation, local=True)["finding_groups"]
            if evaluation is not None
            else []
        ),
        "spine": request_spine(evaluation) if evaluation is not None else None,
        "link_local": True,
        "live": True,
        **route_context(route),
    }
    return render(request, "priorauth/includes/recheck.html", ctx)
