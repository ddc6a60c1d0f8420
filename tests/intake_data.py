"""POST data for the request page (header + five formsets), for form and view tests.

``history`` rows are the patient's injections; its existing rows are posted only
when a test gives them (with ``initial``), new ones start ticked "builds on" only
when the row says ``"builds_on": "on"`` (a browser posts unticked boxes as absent).
"""

from __future__ import annotations

from typing import Any

PREFIXES = ("levels", "history", "conservative_care", "imaging", "diagnoses")


def page_data(
    *,
    patient: Any,
    provider: Any = None,
    facility: Any = None,
    rows: dict[str, list[dict[str, Any]]] | None = None,
    initial: dict[str, int] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """A valid request page POST; ``rows`` gives each formset's rows, ``fields`` overrides."""
    data: dict[str, Any] = {
        "patient": patient.pk,
        "payer_profile": "",
        "plan_name": "",
        "state_of_service": "AZ",
        "ordering_provider": provider.pk if provider else "",
        "rendering_provider": provider.pk if provider else "",
        "facility": facility.pk if facility else "",
        "procedure_type": "mbb",
        "intent": "diagnostic",
        "date_of_service": "2026-12-15",
        "guidance": "fluoroscopy",
        "contrast": "on",
        "sedation": "none",
        "onset_date": "2026-01-10",
        "pain_pattern": "axial",
        "baseline_pain_scale": "NRS",
        "baseline_pain_score": "7",
        "function_scale": "ODI",
        "function_score": "44",
        "functional_impairment": "Cannot stand longer than 15 minutes.",
    }
    rows = (
        rows
        if rows is not None
        else {
            "levels": [{"level": "L4-L5", "side": "bilateral"}],
            "diagnoses": [{"code": "M47.816"}],
        }
    )
    initial = initial or {}
    for prefix in PREFIXES:
        items = rows.get(prefix, [])
        data[f"{prefix}-TOTAL_FORMS"] = str(len(items))
        data[f"{prefix}-INITIAL_FORMS"] = str(initial.get(prefix, 0))
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for i, item in enumerate(items):
            for key, value in item.items():
                data[f"{prefix}-{i}-{key}"] = value
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}
