"""Where a request goes (``rules.routes``), and the request page's live re-check: the
same evaluation as a save, on the request as typed, without writing anything.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from priorauth import models as m
from priorauth import rules
from priorauth.rules import facts as rf
from priorauth.rules.engine import with_outcomes
from priorauth.rules.findings import Evaluation
from priorauth.rules.routes import Route, route_for, unknown_route
from priorauth.services.facts import (
    RequestRows,
    auth_request_facts,
    payer_policy_build,
)
from priorauth.services.requests import _signature_pending

__all__ = ["auth_request_preview", "auth_request_route"]


def _route_gaps(request: m.AuthRequest) -> list[str]:
    """What the route needs that the facts cannot even be built without."""
    missing = []
    patient = request.patient if request.patient_id else None
    if not (request.payer_profile_id or (patient and patient.payer_profile_id)):
        missing.append("payer_profile")  # a new request takes the patient's
    if request.procedure_type not in rf.ProcedureType._value2member_map_:
        missing.append("procedure_type")
    if missing and request.date_of_service is None:
        missing.append("date_of_service")
    return missing


def auth_request_route(
    *,
    request: m.AuthRequest,
    facts: rf.CaseFacts | None = None,
    today: date | None = None,
) -> Route:
    """The prior-authorization route of a request (``rules.routes.route_for``).

    ``facts``: the request's facts when the caller has them (an evaluation's), so
    nothing is read twice.
    """
    gaps = _route_gaps(request)
    if facts is None and request.pk is None:  # a new request's rows are on its page
        gaps = gaps or ["date_of_service"]
    if gaps:
        return unknown_route(gaps)
    if facts is None:
        facts = auth_request_facts(request=request)
    policy = payer_policy_build(profile=request.payer_profile)
    return route_for(facts, policy, today=today or timezone.localdate())


def auth_request_preview(
    *, request: m.AuthRequest, rows: RequestRows, today: date | None = None
) -> tuple[Evaluation | None, Route]:
    """The findings and route of a request as typed on its page, not saved.

    ``request`` is an unsaved copy holding the typed values (a new request has no
    id yet); ``rows`` its rows as typed. Nothing is written: not the request, not
    the counts the worklist caches. None for the evaluation until a payer and a
    procedure are chosen.
    """
    gaps = _route_gaps(request)
    if gaps:
        return None, unknown_route(gaps)
    today = today or timezone.localdate()
    facts = auth_request_facts(request=request, rows=rows)
    policy = payer_policy_build(profile=request.payer_profile)
    evaluation = rules.evaluate(facts, policy, today=today)
    evaluation = with_outcomes(_signature_pending(evaluation), policy)
    return evaluation, route_for(evaluation.facts, policy, today=today)
