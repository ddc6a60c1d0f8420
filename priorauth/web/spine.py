"""The spine picture on the screens: the request's levels against its ledger, and a
patient's whole history with a date range (``?from=YYYY-MM-DD&to=YYYY-MM-DD``).

The layout comes from ``rules.spine`` (the ledger the rules use), the SVG from
``packet.spine_svg`` (the same drawing the packet prints); the include
``priorauth/includes/spine_diagram.html`` shows it with its facts as a table.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from priorauth.packet.spine_svg import spine_svg, spine_table
from priorauth.rules.findings import Evaluation
from priorauth.rules.spine import SpineLayout, spine_for_evaluation, spine_for_history

DATE_HELP = "Enter a date as YYYY-MM-DD, for example 2026-03-01."


def spine_context(layout: SpineLayout, *, id_prefix: str, title: str) -> dict[str, Any]:
    """What the include needs: the SVG markup, its table rows and the ids."""
    return {
        "svg": spine_svg(layout, id_prefix=id_prefix, title=title),
        "rows": spine_table(layout),
        "id": id_prefix,
        "title": title,
        "layout": layout,
    }


def request_spine(evaluation: Evaluation) -> dict[str, Any]:
    """The request page's picture: the ledger up to the date of service."""
    layout = spine_for_evaluation(evaluation, today=timezone.localdate())
    return spine_context(
        layout,
        id_prefix="spine-request",
        title="Injections by level, with the requested levels outlined",
    )


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": f"'{label}' is not a date. {DATE_HELP}"},
        widget=forms.DateInput(
            attrs={"type": "date", "class": "form-control form-control-sm"},
            format="%Y-%m-%d",
        ),
    )


class SpineDatesForm(forms.Form):
    """The patient page's date range, ``?from=&to=`` (only dates in the URL)."""

    error_messages = {"order": "The 'from' date is after the 'to' date."}

    def __init__(self, data: Any = None) -> None:
        bound = data if data is not None and ("from" in data or "to" in data) else None
        super().__init__(bound)
        # "from" is a Python keyword, so the fields are added by name here.
        self.fields["from"] = _date_field("From")
        self.fields["to"] = _date_field("To")

    def full_clean(self) -> None:
        super().full_clean()
        # Fields in error say so to screen readers and point at the message.
        for name in self.errors:
            for field in self.fields if name == "__all__" else [name]:
                attrs = self.fields[field].widget.attrs
                attrs["class"] = "form-control form-control-sm is-invalid"
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = "spine-dates-errors"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            raise forms.ValidationError(self.error_messages["order"], code="order")
        return data

    def dates(self) -> tuple[date | None, date | None]:
        """The range to draw: none when the form is unbound or invalid."""
        if not self.is_bound or not self.is_valid():
            return None, None
        return self.cleaned_data["from"], self.cleaned_data["to"]


def patient_spine(history: Any, form: SpineDatesForm) -> dict[str, Any]:
    """A patient's picture: the whole history, or the part in the form's range."""
    start, end = form.dates()
    layout = spine_for_history(history, date_from=start, date_to=end)
    return spine_context(
        layout, id_prefix="spine-patient", title="Injections by spinal level and side"
    )
