"""The findings panel of the request pages: every finding of the evaluation, grouped by
severity and level, each linked to the input on the request page it is about.
"""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from priorauth import models as m
from priorauth import services
from priorauth.rules.findings import Evaluation
from priorauth.rules.headlines import headline
from priorauth.web.requests.forms import FORMSET_TITLES, AuthRequestForm
from priorauth.web.requests.history import HISTORY_PREFIX


def findings_context(
    obj: m.AuthRequest, evaluation: Evaluation | None = None, *, local: bool = False
) -> dict[str, Any]:
    """The findings panel: the evaluation, and its findings by severity and level,
    each with its headline in plain words and linked to the input it is about
    (while the request can be edited). ``local``: the panel sits on the request
    form itself (the live re-check), so links are anchors on the same page."""
    evaluation = evaluation or services.auth_request_evaluate(request=obj)
    edit_url = "" if local else reverse("pa-request-edit", args=[obj.pk])
    payer = obj.payer_profile.name if obj.payer_profile_id else ""
    groups = []
    for severity, by_level in services.findings_grouped(evaluation=evaluation):
        levels = []
        for level, findings in by_level:
            rows = []
            for finding in findings:
                anchor = field_anchor(finding.field)
                linkable = anchor and (local or obj.is_editable)
                rows.append(
                    {
                        "f": finding,
                        "headline": headline(
                            finding, facts=evaluation.facts, payer=payer
                        ),
                        "anchor": anchor,
                        "href": f"{edit_url}#{anchor}" if linkable else "",
                    }
                )
            levels.append((level, rows))
        groups.append((severity, levels))
    return {"evaluation": evaluation, "finding_groups": groups}


# Engine fact paths whose form field has another name (see services.auth_request_facts).
_FIELD_ALIASES = {
    "procedure.type": "procedure_type",
    "payer.profile_key": "payer_profile",
    "payer.plan_name": "plan_name",
    "payer.state": "state_of_service",
    "payer.county": "county_of_service",
    "ordering": "ordering_provider",
    "rendering": "rendering_provider",
    "facility": "facility",
    "patient": "patient",
}
_ROW_PATH = re.compile(
    r"^(?P<prefix>[a-z_]+)\[(?P<index>\d+)\](?:\.(?P<field>[a-z_]+))?$"
)


def field_anchor(path: str) -> str:
    """Input id (without ``#``) on the request page for a finding's field path.

    ``clinical.onset_date`` -> ``id_onset_date``; ``levels[0].prior_count`` ->
    ``id_levels-0-prior_count``; ``diagnoses[1]`` -> ``id_diagnoses-1-code``;
    a whole list (``imaging``) -> its section ``section-imaging``. Empty when unknown.
    """
    path = (path or "").strip()
    if not path:
        return ""
    if path.split(".", 1)[0].split("[", 1)[0] == HISTORY_PREFIX:
        # History indexes count the patient's whole history, not the rows on the page.
        return f"section-{HISTORY_PREFIX}"
    match = _ROW_PATH.match(path)
    if match and match["prefix"] in FORMSET_TITLES:
        field = match["field"] or ("code" if match["prefix"] == "diagnoses" else "")
        if not field:
            return f"section-{match['prefix']}"
        if match["prefix"] == "levels" and field == "level":
            field = "level"
        return f"id_{match['prefix']}-{match['index']}-{field}"
    if path in FORMSET_TITLES:
        return f"section-{path}"
    for prefix, name in _FIELD_ALIASES.items():
        if path == prefix or path.startswith(prefix + "."):
            return f"id_{name}"
    last = path.rsplit(".", 1)[-1]
    if last in AuthRequestForm.Meta.fields:
        return f"id_{last}"
    head = path.split(".", 1)[0].split("[", 1)[0]
    return {"procedure": "section-procedure", "clinical": "section-clinical"}.get(
        head, ""
    )
