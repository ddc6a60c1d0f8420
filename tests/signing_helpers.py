"""Test helper: answer every open criterion of a request, as its physician would."""

from __future__ import annotations

from priorauth import models as m
from priorauth import services


def answer_open_criteria(request: m.AuthRequest, user: m.User) -> int:
    """Store a clinical rationale for each open criterion; returns how many."""
    evaluation = services.auth_request_evaluate(request=request)
    rows = services.criteria_to_answer(evaluation=evaluation)
    request.rationales = [
        {
            "code": o.code,
            "level": o.level or "",
            "text": f"Clinical reason for {o.code}.",
            "author_id": user.pk,
        }
        for o in rows
    ]
    m.AuthRequest.objects.filter(pk=request.pk).update(rationales=request.rationales)
    return len(rows)
