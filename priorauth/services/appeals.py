"""After a denial: record it with its structure, prepare and sign the appeal, follow it.

- ``denial_record``: the payer's denial (reason code and text, date, channel, the
  criteria it cites, the deadline on the letter). Append-only: a correction is a new
  denial; the newest is the one in force. ``auth_request_record_decision`` records
  one whenever a request is marked denied.
- ``appeal_deadlines_for``: the appeal deadline of each denied request, one query
  (for lists such as the worklist).
- ``appeal_start`` / ``appeal_update``: the appeal of the denial in force, with the
  physician's statement and the documentation added since the submission.
- ``appeal_render_pdf`` / ``appeal_review`` / ``appeal_sign``: the reconsideration
  letter and peer-to-peer sheet, from the same evaluation as the packet, signed
  by the physician exactly as the packet is (password, TOTP, the review token) and
  stored as a ``SignedDocument`` of kind "appeal".
- ``appeal_record_filing`` / ``appeal_record_outcome``: filed, then won, partly won
  or upheld.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from priorauth import models as m
from priorauth import packet
from priorauth.packet import appeal as appeal_packet
from priorauth.packet import pdf, signing
from priorauth.packet.words import APPEAL_ATTESTATION
from priorauth.rules import evaluate
from priorauth.rules.appeals import AppealDeadline, CitedReason, DenialFacts
from priorauth.rules.outcomes import Kind, kind_of
from priorauth.rules.wording import history_item
from priorauth.security.audit import audit_log
from priorauth.services.facts import (
    auth_request_facts,
    payer_policy_build,
    prior_procedure_facts,
)
from priorauth.services.requests import auth_request_queryset_for_detail
from priorauth.services.signing import Review, StaleReview
from priorauth.services.signing_keys import (
    physician_key_for_signing,
    reauthenticate,
    signer_identity,
)
from priorauth.services.workflow import WorkflowError

__all__ = [
    "APPEAL_TEMPLATE",
    "appeal_deadlines_for",
    "appeals_latest_for",
    "appeal_record_filing",
    "appeal_record_outcome",
    "appeal_render_pdf",
    "appeal_review",
    "appeal_sign",
    "appeal_start",
    "appeal_update",
    "denial_criteria_choices",
    "denial_record",
]

APPEAL_TEMPLATE = "pdf/appeal.html"
APPEAL_MEANING = APPEAL_ATTESTATION


def _check_practice(*, request: m.AuthRequest, user: m.User) -> None:
    if (
        not user.is_authenticated
        or user.practice_id is None
        or user.practice_id != request.practice_id
    ):
        raise PermissionDenied("This request belongs to another practice.")


def _evaluation(request: m.AuthRequest, facts=None):  # type: ignore[no-untyped-def]
    facts = facts or auth_request_facts(request=request)
    policy = payer_policy_build(profile=request.payer_profile)
    return facts, policy, evaluate(facts, policy, today=timezone.localdate())


def denial_criteria_choices(evaluation) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The request's criteria a denial can cite: ("CODE|LEVEL", wording [at level])."""
    out: dict[str, str] = {}
    for o in evaluation.outcomes:
        if kind_of(o.code) is not Kind.CRITERION or o.status.value == "not_applicable":
            continue
        key = f"{o.code}|{o.level or ''}"
        out.setdefault(key, o.criterion + (f" (at {o.level})" if o.level else ""))
    return list(out.items())


# --------------------------------------------------------------------------- denial


def _denial_errors(
    *,
    decided_on: date | None,
    channel: str,
    reason_text: str,
    letter_deadline: date | None,
) -> dict[str, ValidationError]:
    errors: dict[str, ValidationError] = {}
    if decided_on is None:
        errors["decided_on"] = ValidationError(
            "Enter the date on the denial notice.", code="required"
        )
    elif decided_on > timezone.localdate():
        errors["decided_on"] = ValidationError(
            "The denial date is in the future.", code="future_date"
        )
    if channel not in dict(m.DENIAL_CHANNELS):
        errors["channel"] = ValidationError(
            "Choose how the denial arrived.", code="invalid_channel"
        )
    if not reason_text.strip():
        errors["reason_text"] = ValidationError(
            "Enter the payer's reason as the letter gives it.", code="required"
        )
    if letter_deadline and decided_on and letter_deadline < decided_on:
        errors["letter_deadline"] = ValidationError(
            "The appeal deadline is before the denial date.", code="end_before_start"
        )
    return errors


def _create_denial(
    *,
    request: m.AuthRequest,
    user: m.User,
    decided_on: date,
    channel: str,
    reason_text: str,
    reason_code: str = "",
    payer_reference: str = "",
    letter_deadline: date | None = None,
    reasons: Sequence[tuple[str, str, str, str]] = (),
) -> m.Denial:
    denial = m.Denial.objects.create(
        request=request,
        decided_on=decided_on,
        channel=channel,
        reason_code=reason_code.strip()[:40],
        reason_text=reason_text.strip(),
        payer_reference=payer_reference.strip()[:100],
        letter_deadline=letter_deadline,
        recorded_by=user,
    )
    m.DenialReason.objects.bulk_create(
        m.DenialReason(
            denial=denial,
            position=i,
            code=code,
            level=level,
            criterion=criterion[:500],
            text=text,
        )
        for i, (code, level, criterion, text) in enumerate(reasons)
    )
    return denial


@transaction.atomic
def denial_record(
    *,
    request: m.AuthRequest,
    user: m.User,
    decided_on: date | None,
    channel: str,
    reason_text: str,
    reason_code: str = "",
    payer_reference: str = "",
    letter_deadline: date | None = None,
    cited: Iterable[str] = (),
    cited_text: Iterable[str] = (),
) -> m.Denial:
    """Record (or correct) the structure of a denied request's denial.

    ``cited``: keys of ``denial_criteria_choices`` ("CODE|LEVEL"); ``cited_text``:
    reasons in the letter's own words that match none of the request's criteria.
    """
    _check_practice(request=request, user=user)
    if request.status != m.AuthRequest.Status.DENIED:
        raise WorkflowError("Only a denied request has a denial to record.")
    errors = _denial_errors(
        decided_on=decided_on,
        channel=channel,
        reason_text=reason_text,
        letter_deadline=letter_deadline,
    )
    cited = [c for c in cited if c]
    choices: dict[str, str] = {}
    if cited:
        _facts, _policy, evaluation = _evaluation(request)
        choices = dict(denial_criteria_choices(evaluation))
        unknown = [c for c in cited if c not in choices]
        if unknown:
            errors["cited"] = ValidationError(
                "Choose criteria of this request.", code="invalid_choice"
            )
    if errors:
        raise ValidationError(errors)
    reasons = [
        (*key.split("|", 1), choices[key].split(" (at ")[0], "") for key in cited
    ]
    reasons += [("", "", "", t.strip()) for t in cited_text if t.strip()]
    denial = _create_denial(
        request=request,
        user=user,
        decided_on=decided_on,  # type: ignore[arg-type]
        channel=channel,
        reason_text=reason_text,
        reason_code=reason_code,
        payer_reference=payer_reference,
        letter_deadline=letter_deadline,
        reasons=reasons,  # type: ignore[arg-type]
    )
    audit_log(
        action="denial.record", user=user, obj=request, detail=f"denial={denial.pk}"
    )
    return denial


def denial_from_decision(
    *,
    request: m.AuthRequest,
    user: m.User,
    decided_on: date,
    reason_text: str,
    reason_code: str = "",
    channel: str = "",
    cited_text: Iterable[str] = (),
) -> m.Denial:
    """The denial that recording a "denied" decision implies (staff add its structure
    on the request page). The channel defaults to the submission's."""
    channel = channel or request.submission_channel
    if channel not in dict(m.DENIAL_CHANNELS):
        channel = "portal"
    return _create_denial(
        request=request,
        user=user,
        decided_on=decided_on,
        channel=channel,
        reason_text=reason_text,
        reason_code=reason_code,
        payer_reference=request.payer_reference,
        reasons=[("", "", "", t.strip()) for t in cited_text if t.strip()],
    )


def appeal_deadlines_for(
    requests: Iterable[m.AuthRequest | int],
) -> dict[int, AppealDeadline]:
    """Request id -> the appeal deadline of its denial in force, in one query.

    Requests without a denial are absent. The payer profile is read with the denial
    (its kind and the ``appeals`` section of its data).
    """
    ids = [r if isinstance(r, int) else r.pk for r in requests]
    if not ids:
        return {}
    rows = (
        m.Denial.objects.filter(request_id__in=ids)
        .select_related("request__payer_profile")
        .only(
            "id",
            "request_id",
            "decided_on",
            "letter_deadline",
            "recorded_at",
            "request__id",
            "request__payer_profile__id",
            "request__payer_profile__kind",
            "request__payer_profile__thresholds",
        )
        .order_by("request_id", "-recorded_at", "-id")
    )
    out: dict[int, AppealDeadline] = {}
    for denial in rows:
        if denial.request_id not in out:
            out[denial.request_id] = denial.deadline()
    return out


def appeals_latest_for(requests: Iterable[m.AuthRequest | int]) -> dict[int, m.Appeal]:
    """Request id -> its most recent appeal, in one query (requests without one are
    absent). The worklist shows a filed or decided appeal instead of the deadline
    countdown: once filed, the deadline was met; once decided, it is over."""
    ids = [r if isinstance(r, int) else r.pk for r in requests]
    if not ids:
        return {}
    out: dict[int, m.Appeal] = {}
    rows = (
        m.Appeal.objects.filter(request_id__in=ids)
        .only("id", "request_id", "status", "filed_on", "decided_on", "created_at")
        .order_by("request_id", "-created_at", "-id")
    )
    for appeal in rows:
        out.setdefault(appeal.request_id, appeal)
    return out


# --------------------------------------------------------------------------- appeal


def _denial_in_force(request: m.AuthRequest) -> m.Denial:
    denial = request.denials.order_by("-recorded_at", "-id").first()
    if denial is None:
        raise WorkflowError("Record the payer's denial first.")
    return denial


@transaction.atomic
def appeal_start(*, request: m.AuthRequest, user: m.User) -> m.Appeal:
    """The open appeal of the denial in force, or a new one."""
    _check_practice(request=request, user=user)
    if request.status != m.AuthRequest.Status.DENIED:
        raise WorkflowError("Only a denied request can be appealed.")
    denial = _denial_in_force(request)
    existing = m.Appeal.objects.filter(
        denial=denial,
        status__in=(m.Appeal.Status.PREPARING, m.Appeal.Status.SIGNED),
    ).first()
    if existing is not None:
        return existing
    appeal = m.Appeal.objects.create(request=request, denial=denial, created_by=user)
    audit_log(
        action="appeal.start", user=user, obj=request, detail=f"appeal={appeal.pk}"
    )
    return appeal


def appeal_update(
    *,
    appeal: m.Appeal,
    user: m.User,
    physician_statement: str,
    new_evidence: str,
) -> m.Appeal:
    """Change what the letter says while the appeal is being prepared."""
    _check_practice(request=appeal.request, user=user)
    if appeal.status != m.Appeal.Status.PREPARING:
        raise WorkflowError("A signed appeal is not changed; start a new one instead.")
    appeal.physician_statement = physician_statement.strip()
    appeal.new_evidence = new_evidence.strip()
    appeal.save(update_fields=("physician_statement", "new_evidence", "updated_at"))
    return appeal


def _new_history(request: m.AuthRequest) -> tuple[str, ...]:
    """The patient's injections dated after the submission (evidence added since)."""
    if request.submitted_on is None:
        return ()
    rows = [
        row for row in request.patient.history.all() if row.date > request.submitted_on
    ]
    return tuple(
        history_item(prior_procedure_facts(row))
        for row in sorted(rows, key=lambda r: r.date)
    )


def denial_facts(*, appeal: m.Appeal) -> DenialFacts:
    denial = appeal.denial
    cited = tuple(
        CitedReason(
            code=r.code, level=r.level, text=r.text or ("" if r.code else r.criterion)
        )
        for r in denial.reasons.all()
    )
    return DenialFacts(
        decided_on=denial.decided_on,
        channel=denial.get_channel_display(),
        reason_code=denial.reason_code,
        reason_text=denial.reason_text,
        payer_reference=denial.payer_reference or appeal.request.payer_reference,
        cited=cited,
        appeal_deadline=denial.deadline().deadline,
        new_evidence=(*appeal.evidence_items, *_new_history(appeal.request)),
        physician_statement=appeal.physician_statement,
    )


def _appeal_of(request: m.AuthRequest) -> m.Appeal:
    appeal = (
        m.Appeal.objects.select_related("denial")
        .filter(request=request)
        .order_by("-created_at", "-id")
        .first()
    )
    if appeal is None:
        raise WorkflowError("Start the appeal first.")
    return appeal


def _appeal_context(
    *,
    request: m.AuthRequest,
    appeal: m.Appeal,
    signature: packet.SignatureInfo | None = None,
) -> dict[str, object]:
    facts, policy, evaluation = _evaluation(request)
    return appeal_packet.build_appeal_context(
        facts=facts,
        evaluation=evaluation,
        policy=policy,
        denial=denial_facts(appeal=appeal),
        practice=packet.practice_info(request.practice),
        signature=signature,
        request_id=request.pk,
        revision=request.revision,
        generated_at=signature.signed_at if signature else appeal.updated_at,
    )


def _load(request: m.AuthRequest) -> m.AuthRequest:
    return (
        auth_request_queryset_for_detail(signed_documents=False)
        .select_related("practice")
        .get(pk=request.pk)
    )


def appeal_render_pdf(*, request: m.AuthRequest, user: m.User) -> bytes:
    """The unsigned appeal (letter and peer-to-peer sheet), DRAFT on every page."""
    _check_practice(request=request, user=user)
    request = _load(request)
    return pdf.render_pdf(
        APPEAL_TEMPLATE, _appeal_context(request=request, appeal=_appeal_of(request))
    )


def appeal_review(*, request: m.AuthRequest, user: m.User) -> Review:
    data = appeal_render_pdf(request=request, user=user)
    return Review(revision=request.revision, sha256=signing.sha256_hex(data))


@sensitive_variables("password", "otp_token")
def appeal_sign(
    *,
    request: m.AuthRequest,
    user: m.User,
    password: str,
    reviewed: Review,
    otp_token: str = "",
) -> m.SignedDocument:
    """The physician signs the appeal they reviewed, as they sign a packet."""
    _check_practice(request=request, user=user)
    if not user.is_physician:
        raise PermissionDenied("Only a physician can sign.")
    reauthenticate(user=user, password=password, otp_token=otp_token)
    request = _load(request)
    appeal = _appeal_of(request)
    if appeal.status != m.Appeal.Status.PREPARING:
        raise WorkflowError("Only an appeal in preparation can be signed.")
    identity = signer_identity(user=user)
    if not (identity.credentials and identity.npi):
        raise WorkflowError(
            "Your user profile needs credentials and an NPI before you can sign."
        )
    draft = pdf.render_pdf(
        APPEAL_TEMPLATE, _appeal_context(request=request, appeal=appeal)
    )
    if (request.revision, signing.sha256_hex(draft)) != (
        reviewed.revision,
        reviewed.sha256,
    ):
        raise StaleReview(
            "The appeal changed after you opened it. Nothing was signed: review the "
            "current draft and sign again."
        )
    key, _enrollment = physician_key_for_signing(
        user=user, identity=identity, password=password
    )
    signed_at = datetime.now(UTC).replace(microsecond=0)
    signature = packet.SignatureInfo(
        printed_name=identity.printed_name,
        credentials=identity.credentials,
        npi=identity.npi,
        signed_at=signed_at,
        meaning=APPEAL_MEANING,
    )
    unsigned = pdf.render_pdf(
        APPEAL_TEMPLATE,
        _appeal_context(request=request, appeal=appeal, signature=signature),
    )
    signed = signing.sign_pdf(
        unsigned, identity, key=key, reason="Physician request for reconsideration"
    )
    snapshot = hashlib.sha256(
        json.dumps(
            asdict(denial_facts(appeal=appeal)), sort_keys=True, default=str
        ).encode()
    ).hexdigest()
    with transaction.atomic():
        document = m.SignedDocument.objects.create(
            request=request,
            revision=request.revision,
            signer=user,
            printed_name=identity.printed_name,
            credentials=identity.credentials,
            npi=identity.npi,
            signed_at=signed_at,
            meaning=APPEAL_MEANING,
            pdf=signed,
            sha256=signing.sha256_hex(signed),
            snapshot_sha256=snapshot,
            kind=m.SignedDocument.Kind.APPEAL,
        )
        claimed = m.Appeal.objects.filter(
            pk=appeal.pk, status=m.Appeal.Status.PREPARING
        ).update(
            status=m.Appeal.Status.SIGNED,
            signed_document=document,
            updated_at=timezone.now(),
        )
        if claimed != 1:
            raise WorkflowError("The appeal changed while it was being signed.")
    return document


def appeal_record_filing(
    *, appeal: m.Appeal, user: m.User, filed_on: date, channel: str
) -> m.Appeal:
    """The signed appeal went to the payer."""
    _check_practice(request=appeal.request, user=user)
    if appeal.status != m.Appeal.Status.SIGNED:
        raise WorkflowError("Only a signed appeal can be filed.")
    errors: dict[str, ValidationError] = {}
    if filed_on > timezone.localdate():
        errors["filed_on"] = ValidationError(
            "The filing date is in the future.", code="future_date"
        )
    if channel not in dict(m.DENIAL_CHANNELS):
        errors["channel"] = ValidationError(
            "Choose how it was sent.", code="invalid_channel"
        )
    if errors:
        raise ValidationError(errors)
    appeal.status = m.Appeal.Status.FILED
    appeal.filed_on = filed_on
    appeal.filed_channel = channel
    appeal.save(update_fields=("status", "filed_on", "filed_channel", "updated_at"))
    audit_log(
        action="appeal.file",
        user=user,
        obj=appeal.request,
        detail=f"appeal={appeal.pk}",
    )
    return appeal


def appeal_record_outcome(
    *, appeal: m.Appeal, user: m.User, outcome: str, decided_on: date, note: str = ""
) -> m.Appeal:
    """The payer's answer to a filed appeal: won, partly won or upheld."""
    _check_practice(request=appeal.request, user=user)
    if appeal.status != m.Appeal.Status.FILED:
        raise WorkflowError("Only a filed appeal has an outcome.")
    if outcome not in m.Appeal.DECIDED:
        raise ValidationError(
            {"outcome": ValidationError("Choose the outcome.", code="invalid_choice")}
        )
    if appeal.filed_on and decided_on < appeal.filed_on:
        raise ValidationError(
            {
                "decided_on": ValidationError(
                    "The decision is dated before the filing.", code="end_before_start"
                )
            }
        )
    appeal.status = outcome
    appeal.decided_on = decided_on
    appeal.outcome_note = note.strip()
    appeal.save(update_fields=("status", "decided_on", "outcome_note", "updated_at"))
    audit_log(
        action="appeal.outcome",
        user=user,
        obj=appeal.request,
        detail=f"outcome={outcome}",
    )
    return appeal
