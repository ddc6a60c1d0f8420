"""The physician's answers to open criteria: stored, audited, checked before signing.

Every criterion the request does not meet as written needs an answer before the
physician can sign: a clinical rationale for a warning, the reason to proceed
for a blocker. The letter prints them as clinical prose (``packet.letter``).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction

from priorauth import models as m
from priorauth.rules.criteria import SIGNATURE_STEP
from priorauth.rules.findings import Evaluation, Severity
from priorauth.rules.outcomes import Kind, Outcome, kind_of
from priorauth.services.tasks import draft_render_soon
from priorauth.services.workflow import WorkflowError

__all__ = [
    "RATIONALE_MAX",
    "criteria_to_answer",
    "rationale_save",
    "stored_rationales",
    "unanswered_criteria",
]

RATIONALE_MAX = 2000
Key = tuple[str, str]  # (rule ID, level or "")


def criteria_to_answer(*, evaluation: Evaluation) -> list[Outcome]:
    """Open criteria the physician answers (the signature itself is not one of them).

    Blockers first, then warnings; information-only findings need no answer.
    """
    rows = [
        o
        for o in evaluation.outcomes
        if o.is_open
        and kind_of(o.code) is Kind.CRITERION
        and o.code not in SIGNATURE_STEP
        and o.severity in (Severity.BLOCKER, Severity.WARNING)
    ]
    return sorted(rows, key=lambda o: o.severity.rank if o.severity else 9)


def unanswered_criteria(*, evaluation: Evaluation) -> list[Outcome]:
    return [o for o in criteria_to_answer(evaluation=evaluation) if not o.answered]


def stored_rationales(*, request: m.AuthRequest) -> dict[Key, str]:
    """(rule ID, level or "") -> text of the answers stored on ``request``."""
    return {
        (str(r.get("code", "")), str(r.get("level") or "")): str(r.get("text", ""))
        for r in request.rationales or []
    }


@transaction.atomic
def rationale_save(
    *,
    request: m.AuthRequest,
    user: m.User,
    answers: Mapping[Key, str],
    evaluation: Evaluation,
) -> int:
    """Store the physician's answers for the open criteria of ``evaluation``.

    Only a physician of the request's practice, and only while the request waits
    for signature. Answers to criteria that are not open are ignored; an empty
    answer removes a stored one. Returns how many answers changed.
    """
    if not user.is_physician or user.practice_id != request.practice_id:
        raise PermissionDenied("Only a physician of the practice answers criteria.")
    locked = m.AuthRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != m.AuthRequest.Status.READY:
        raise WorkflowError(
            "Only a request that is ready for signature can be answered."
        )
    wanted = {
        (o.code, o.level or "") for o in criteria_to_answer(evaluation=evaluation)
    }
    rows = {(str(r["code"]), str(r.get("level") or "")): r for r in locked.rationales}
    changed = 0
    for key, raw in answers.items():
        if key not in wanted:
            continue
        text = (raw or "").strip()[:RATIONALE_MAX]
        old = rows.get(key)
        if old is not None and old.get("text") == text:
            continue
        if text:
            rows[key] = {
                "code": key[0],
                "level": key[1],
                "text": text,
                "author_id": user.pk,
            }
        elif old is None:
            continue
        else:
            rows.pop(key)
        changed += 1
    if changed:
        locked.rationales = [rows[k] for k in sorted(rows)]
        locked.save(update_fields=("rationales", "updated_at"))
        request.rationales = locked.rationales
        draft_render_soon(request_id=request.pk)
    return changed
