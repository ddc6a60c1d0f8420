"""The request page runs the input checks every way in shares (``rules.validation``).

``request_page_is_valid(form, formsets)`` validates the request form and its
formsets (the injection history included), then builds the facts those checks read from the cleaned values and puts
each problem at the field or row its path names, with the shared message and code:
``procedure.date_of_service`` -> the date of service field, ``levels[1].level`` -> the
second level row that stays (blank and deleted rows are not counted), ``levels`` ->
above the levels table. The JSON import and ``evaluate_request`` / ``render_request``
refuse the same input with the same words.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone

from priorauth.rules import facts as rf
from priorauth.rules.validation import Problem, validate_request
from priorauth.web.fields import MarkInvalidMixin
from priorauth.web.requests.forms import AuthRequestForm

# Request-format paths of the shared checks -> fields of AuthRequestForm.
_PAGE_FIELDS = {
    "payer_profile": "payer_profile",
    "ordering.npi": "ordering_provider",
    "rendering.npi": "rendering_provider",
    "facility.npi": "facility",
    "procedure.date_of_service": "date_of_service",
    "clinical.onset_date": "onset_date",
}
_SHARED_ROW_PATH = re.compile(
    r"^(?P<prefix>[a-z_]+)\[(?P<index>\d+)\]\.(?P<field>[a-z_]+)(?:\[\d+\])?$"
)


def request_page_is_valid(
    form: AuthRequestForm,
    formsets: dict[str, BaseInlineFormSet],
    *,
    today: date | None = None,
) -> bool:
    """Validate the request page: the form, its formsets, then the checks every way
    in shares (``rules.validation``), each message at its field or row.

    A field that already has an error of its own is not checked again.
    """
    valid = form.is_valid() & all([fs.is_valid() for fs in formsets.values()])
    rows = {
        "levels": [
            f for f in formsets["levels"].kept_forms() if f.cleaned_data.get("level")
        ],
        # History rows typed or changed on this page (saved rows left as they are
        # were checked when they were entered).
        "history": [
            f
            for f in (formsets["history"].kept_forms() if "history" in formsets else [])
            if (f.has_changed() or f.instance.pk is None) and f.cleaned_data.get("date")
        ],
        **{
            prefix: formsets[prefix].kept_forms()
            for prefix in ("conservative_care", "imaging")
        },
    }
    everything = [form, *(f for fs in rows.values() for f in fs)]
    own_errors = {id(f): set(f.errors) for f in everything}
    profile = form.cleaned_data.get("payer_profile")
    problems = validate_request(
        _page_facts(form.cleaned_data, rows),
        known_profiles={profile.key} if profile else set(),
        today=today or timezone.localdate(),
    )
    for problem in problems:
        _place_problem(problem, form, formsets, rows, own_errors)
    return valid and not problems


def _page_facts(
    data: dict[str, Any], rows: dict[str, list[forms.BaseForm]]
) -> rf.CaseFacts:
    """What ``validate_request`` reads, from the page's cleaned values. A list index
    in a problem's path is an index into ``rows``."""

    def split(text: str | None) -> tuple[str, ...]:
        return tuple(p.strip() for p in (text or "").split(",") if p.strip())

    def npi(obj: Any) -> str:
        return obj.npi if obj is not None else ""

    profile = data.get("payer_profile")
    cleaned = {prefix: [f.cleaned_data for f in fs] for prefix, fs in rows.items()}
    return rf.CaseFacts(
        # The checks read neither the type nor a level's side.
        procedure=rf.ProcedurePlan(
            type=rf.ProcedureType.MBB, date_of_service=data.get("date_of_service")
        ),
        levels=tuple(
            rf.LevelRequest(level=d["level"], side=rf.Side.BILATERAL)
            for d in cleaned["levels"]
        ),
        payer=rf.PayerInfo(profile_key=profile.key if profile else ""),
        ordering=rf.Provider(npi=npi(data.get("ordering_provider"))),
        rendering=rf.Provider(npi=npi(data.get("rendering_provider"))),
        facility=rf.Facility(npi=npi(data.get("facility"))),
        history=tuple(
            rf.PriorProcedure(
                date=d["date"],
                procedure=rf.ProcedureType(d.get("procedure") or "mbb"),
                levels=split(d.get("levels")),
            )
            for d in cleaned["history"]
        ),
        clinical=rf.Clinical(onset_date=data.get("onset_date")),
        conservative_care=tuple(
            rf.ConservativeCare(
                kind=d.get("kind") or "", start=d.get("start"), end=d.get("end")
            )
            for d in cleaned["conservative_care"]
        ),
        imaging=tuple(
            rf.Imaging(
                modality=d.get("modality") or "",
                date=d.get("date"),
                levels=split(d.get("levels")),
            )
            for d in cleaned["imaging"]
        ),
    )


def _place_problem(
    problem: Problem,
    form: AuthRequestForm,
    formsets: dict[str, BaseInlineFormSet],
    rows: dict[str, list[forms.BaseForm]],
    own_errors: dict[int, set[str]],
) -> None:
    error = ValidationError(problem.message, code=problem.code)
    if problem.path in _PAGE_FIELDS:
        name = _PAGE_FIELDS[problem.path]
        if name not in own_errors[id(form)]:
            form.add_error(name, error)
        return
    if problem.path in formsets:  # the whole list, e.g. levels in two regions
        formsets[problem.path].non_form_errors()
        formsets[problem.path]._non_form_errors.append(error)  # no public adder
        return
    match = _SHARED_ROW_PATH.match(problem.path)
    if match and match["prefix"] in rows:
        row = rows[match["prefix"]][int(match["index"])]
        if match["field"] in row.fields and match["field"] not in own_errors[id(row)]:
            row.add_error(match["field"], error)
            if isinstance(row, MarkInvalidMixin):
                row.mark_invalid()
        return
    form.add_error(
        None, ValidationError(f"{problem.path}: {problem.message}", code=problem.code)
    )
