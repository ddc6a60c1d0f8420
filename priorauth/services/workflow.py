"""The request's status changes: send for signature, send back to billing, and after
signing, record the submission to the payer and the payer's decision.

``draft`` -> ``ready`` (for signature; blockers need an override reason) -> ``draft``
(the physician sends it back, with a comment) or ``signed`` (``services.signing``).
``signed`` -> ``submitted`` (date, channel, payer reference) -> ``approved``
(authorization number, valid from/to, units) / ``denied`` (reason) / ``pended``
(what the payer asked for). A pended request can be resubmitted or decided.
The allowed moves are ``ALLOWED_TRANSITIONS``; anything else
is a ``WorkflowError``. Input that is present but unusable is a coded
``ValidationError`` keyed by field, so a form can show it next to the input.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from priorauth import models as m
from priorauth.services import tracking
from priorauth.services.requests import auth_request_evaluate
from priorauth.services.tasks import draft_render_soon

__all__ = [
    "ALLOWED_TRANSITIONS",
    "RETURN_COMMENT_MAX",
    "SUBMISSION_CHANNELS",
    "WorkflowError",
    "auth_request_record_decision",
    "auth_request_record_submission",
    "auth_request_send_back",
    "auth_request_send_for_signature",
]


class WorkflowError(Exception):
    """A status change that the workflow does not allow."""


ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    "draft": {"ready"},
    "ready": {"draft"},
    "signed": {"submitted"},
    "submitted": {"approved", "denied", "pended"},
    "pended": {"submitted", "approved", "denied"},
    "approved": set(),
    "denied": set(),
}


@transaction.atomic
def auth_request_send_for_signature(
    *, request: m.AuthRequest, override_reason: str = ""
) -> None:
    """Move a draft to "ready for signature"; blockers need a recorded override reason."""
    if request.status != m.AuthRequest.Status.DRAFT:
        raise WorkflowError("Only a draft can be sent for signature.")
    blockers = auth_request_evaluate(request=request).blockers
    if blockers and not override_reason.strip():
        raise WorkflowError(
            f"{len(blockers)} blocker(s) remain. Fix them, or give an override reason."
        )
    request.status = m.AuthRequest.Status.READY
    request.override_reason = override_reason.strip() if blockers else ""
    request.returned_comment = ""
    request.lock_version += 1
    request.save(
        update_fields=(
            "status",
            "override_reason",
            "returned_comment",
            "lock_version",
            "updated_at",
        )
    )
    draft_render_soon(request_id=request.pk)


RETURN_COMMENT_MAX = 2000


@transaction.atomic
def auth_request_send_back(
    *, request: m.AuthRequest, user: m.User, comment: str
) -> None:
    """The physician sends a request that waits for signature back to billing.

    Only a physician of the practice, only from "ready for signature", and only
    with a comment that says what to change; the request becomes an editable draft.
    """
    if not user.is_physician or user.practice_id != request.practice_id:
        raise PermissionDenied("Only a physician can send a request back.")
    text = comment.strip()
    if not text:
        raise WorkflowError("Say what billing should change: the comment is required.")
    if len(text) > RETURN_COMMENT_MAX:
        raise WorkflowError(
            f"The comment is too long: at most {RETURN_COMMENT_MAX} characters."
        )
    claimed = m.AuthRequest.objects.filter(
        pk=request.pk, status=m.AuthRequest.Status.READY
    ).update(
        status=m.AuthRequest.Status.DRAFT,
        returned_comment=text,
        returned_by=user,
        returned_at=timezone.now(),
        lock_version=F("lock_version") + 1,
        updated_at=timezone.now(),
    )
    if claimed != 1:
        raise WorkflowError(
            "Only a request that is ready for signature can be sent back."
        )
    request.refresh_from_db()
    draft_render_soon(request_id=request.pk)


SUBMISSION_CHANNELS = [
    ("portal", "Payer portal"),
    ("fax", "Fax"),
    ("phone", "Phone"),
    ("mail", "Mail"),
    ("edi", "EDI 278"),
    ("pas", "Da Vinci PAS (FHIR)"),
]
DECISIONS = ("approved", "denied", "pended")


def _check(*, request: m.AuthRequest, user: m.User, to: str) -> None:
    if (
        not user.is_authenticated
        or user.practice_id is None
        or user.practice_id != request.practice_id
    ):
        raise PermissionDenied("This request belongs to another practice.")
    if to not in ALLOWED_TRANSITIONS.get(request.status, set()):
        raise WorkflowError(
            f"A request that is {request.get_status_display().lower()} cannot be marked "
            f"{m.AuthRequest.Status(to).label.lower()}."
        )


def _claim(*, request: m.AuthRequest, fields: dict[str, object]) -> None:
    """Write the new status only if nobody changed the request meanwhile."""
    expected = request.lock_version
    claimed = m.AuthRequest.objects.filter(
        pk=request.pk, status=request.status, lock_version=expected
    ).update(**fields, lock_version=expected + 1, updated_at=timezone.now())
    if claimed != 1:
        raise WorkflowError("The request changed meanwhile; reload it and try again.")
    for name, value in fields.items():
        setattr(request, name, value)
    request.lock_version = expected + 1


@transaction.atomic
def auth_request_record_submission(
    *,
    request: m.AuthRequest,
    user: m.User,
    submitted_on: date,
    channel: str,
    payer_reference: str = "",
    submitted_at: datetime | None = None,
    expedited: bool = False,
) -> m.AuthRequest:
    """Record that the signed packet went to the payer (signed or pended -> submitted).

    Each sending is a ``Submission`` row with the decision clock of its route
    (``services.tracking``). ``submitted_at`` is the moment; without it, now when
    sent today, else the start of that day (the clock then runs out no later
    than the payer's).
    """
    _check(request=request, user=user, to=m.AuthRequest.Status.SUBMITTED)
    errors: dict[str, ValidationError] = {}
    if submitted_at is None:
        submitted_at = (
            timezone.now()
            if submitted_on == timezone.localdate()
            else timezone.make_aware(datetime.combine(submitted_on, time.min))
        )
    if submitted_on > timezone.localdate() or submitted_at > timezone.now():
        errors["submitted_on"] = ValidationError(
            "The submission date is in the future.", code="future_date"
        )
    if channel not in dict(SUBMISSION_CHANNELS):
        errors["channel"] = ValidationError(
            "Choose how it was sent.", code="invalid_channel"
        )
    if errors:
        raise ValidationError(errors)
    _claim(
        request=request,
        fields={
            "status": m.AuthRequest.Status.SUBMITTED,
            "submitted_on": submitted_on,
            "submission_channel": channel,
            "payer_reference": payer_reference.strip(),
        },
    )
    tracking.submission_start_clock(
        request=request,
        user=user,
        submitted_at=submitted_at,
        channel=channel,
        payer_reference=payer_reference.strip(),
        expedited=expedited,
    )
    return request


@transaction.atomic
def auth_request_record_decision(
    *,
    request: m.AuthRequest,
    user: m.User,
    decision: str,
    authorization_number: str = "",
    valid_from: date | None = None,
    valid_to: date | None = None,
    approved_units: int | None = None,
    denial_reason: str = "",
    pend_reason: str = "",
    authorized_lines: list[dict] | None = None,
    authorized_levels: str | None = None,
    decided_on: date | None = None,
    denial_reason_code: str = "",
    denial_channel: str = "",
    denial_cited_text: Sequence[str] = (),
) -> m.AuthRequest:
    """Record the payer's answer to a submitted (or pended) request.

    Approved needs the authorization number and the valid-from/to dates (units
    optional); denied needs the reason; pended needs what the payer asked for.
    ``decided_on`` (default today) is the date of the decision. A denial also
    records a ``Denial`` (``services.appeals``): its reason, the payer's reason code,
    the channel (default: the submission's) and reasons in the payer's words;
    staff add the criteria it cites on the request page.
    """
    if decision not in DECISIONS:
        raise ValidationError(
            {
                "decision": ValidationError(
                    "Choose the payer's decision.", code="invalid_decision"
                )
            }
        )
    _check(request=request, user=user, to=decision)
    errors: dict[str, ValidationError] = {}
    decided_on = decided_on or timezone.localdate()
    if decided_on > timezone.localdate():
        errors["decided_on"] = ValidationError(
            "The decision date is in the future.", code="future_date"
        )
    # A decision stops the clock; a resubmission starts a new one.
    fields: dict[str, object] = {
        "status": decision,
        "decided_on": decided_on,
        "decision_due_at": None,
    }
    if decision == "approved":
        if not authorization_number.strip():
            errors["authorization_number"] = ValidationError(
                "Enter the authorization number.", code="required"
            )
        if valid_from is None:
            errors["valid_from"] = ValidationError(
                "Enter the first valid date.", code="required"
            )
        if valid_to is None:
            errors["valid_to"] = ValidationError(
                "Enter the last valid date.", code="required"
            )
        if valid_from and valid_to and valid_to < valid_from:
            errors["valid_to"] = ValidationError(
                "Valid to is before valid from.", code="end_before_start"
            )
        if approved_units is not None and approved_units < 1:
            errors["approved_units"] = ValidationError(
                "Units must be at least 1.", code="invalid_units"
            )
        fields.update(
            authorization_number=authorization_number.strip(),
            valid_from=valid_from,
            valid_to=valid_to,
            approved_units=approved_units,
            authorized_lines=(
                authorized_lines
                if authorized_lines
                else tracking.auth_request_default_authorized_lines(request=request)
            ),
            authorized_levels=(
                authorized_levels
                if authorized_levels
                else ", ".join(lv.level for lv in request.levels.all())
            ),
        )
    elif decision == "denied":
        if not denial_reason.strip():
            errors["denial_reason"] = ValidationError(
                "Enter the payer's reason.", code="required"
            )
        fields["denial_reason"] = denial_reason.strip()
    else:
        if not pend_reason.strip():
            errors["pend_reason"] = ValidationError(
                "Enter what the payer asked for.", code="required"
            )
        fields["pend_reason"] = pend_reason.strip()
    if errors:
        raise ValidationError(errors)
    _claim(request=request, fields=fields)
    if decision == "denied":
        from priorauth.services.appeals import denial_from_decision

        denial_from_decision(
            request=request,
            user=user,
            decided_on=decided_on,
            reason_text=denial_reason,
            reason_code=denial_reason_code,
            channel=denial_channel,
            cited_text=denial_cited_text,
        )
    return request
