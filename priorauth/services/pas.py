"""The request as a Da Vinci PAS Bundle, and the payer's PAS ClaimResponse recorded.

``auth_request_pas_bundle`` builds the bundle from the same facts and evaluation the
packet uses, with the stored signed PDF of the request's revision (none before it is
signed: the bundle is then tagged ``unsigned``, docs/pas.md). The Claim identifier
names the practice (``urn:trnorg:priorauth-p<practice>``) and the request revision
(``PA-<request>-R<revision>``), so an imported ClaimResponse is matched to its
request within the user's practice only.

``auth_request_import_pas_response`` reads a ClaimResponse (``pas.response``), checks
that it answers this practice's request, that revision and that patient, and records
the decision through ``auth_request_record_decision`` in one transaction; any
problem leaves the request as it was. Both outcomes are audited (no PHI).
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from priorauth import models as m
from priorauth import pas, rules
from priorauth.security.audit import audit_log
from priorauth.services.facts import auth_request_facts, payer_policy_build
from priorauth.services.workflow import WorkflowError, auth_request_record_decision

__all__ = [
    "PasBuildError",
    "PasImportError",
    "PasImportResult",
    "auth_request_import_pas_response",
    "auth_request_pas_bundle",
    "auth_request_pas_json",
    "pas_claim_id",
]

PasBuildError = pas.PasBuildError  # the request lacks what PAS needs
_CLAIM_VALUE = re.compile(r"^PA-(\d+)-R(\d+)$")


def pas_sender(practice_id: int) -> str:
    return f"priorauth-p{practice_id}"


def pas_claim_id(*, request: m.AuthRequest) -> pas.ClaimId:
    return pas.ClaimId(
        sender=pas_sender(request.practice_id),
        value=f"PA-{request.pk}-R{request.revision}",
    )


def _check_practice(*, request: m.AuthRequest, user: m.User) -> None:
    if (
        not user.is_authenticated
        or user.practice_id is None
        or user.practice_id != request.practice_id
    ):
        raise PermissionDenied("This request belongs to another practice.")


def auth_request_pas_bundle(
    *, request: m.AuthRequest, user: m.User, now: datetime | None = None
) -> dict:
    """The PAS request Bundle of a stored request (``pas.PasBuildError`` when the
    request lacks what PAS needs, e.g. a member ID)."""
    _check_practice(request=request, user=user)
    practice = request.practice
    document = (
        request.signed_documents.filter(revision=request.revision)
        .order_by("-signed_at")
        .first()
        if request.is_locked
        else None
    )
    facts = auth_request_facts(request=request)
    if document is not None:
        facts = dataclasses.replace(facts, signed=True)
    policy = payer_policy_build(profile=request.payer_profile)
    # Signed: the criteria as of the signing day, as the signed packet states them.
    today = (
        timezone.localdate(document.signed_at)
        if document is not None
        else timezone.localdate()
    )
    evaluation = rules.evaluate(facts, policy, today=today)
    packet = (
        pas.PacketFile(
            pdf=bytes(document.pdf),
            signed=True,
            created=document.signed_at,
            title=f"Prior authorization packet, request {request.pk} "
            f"revision {request.revision}, signed",
        )
        if document is not None
        else None
    )
    return pas.build_request_bundle(
        facts=facts,
        evaluation=evaluation,
        policy=policy,
        requester=pas.Requester(
            name=practice.name,
            phone=practice.phone,
            fax=practice.fax,
            address=practice.address,
            contact_name=practice.contact_name,
        ),
        claim_id=pas_claim_id(request=request),
        created=now or timezone.now().replace(microsecond=0),
        packet=packet,
    )


def auth_request_pas_json(bundle: dict) -> bytes:
    return (json.dumps(bundle, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


class PasImportError(ValueError):
    """The ClaimResponse cannot be recorded; ``errors`` says why (nothing changed)."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(" ".join(errors))


@dataclass(frozen=True)
class PasImportResult:
    request: m.AuthRequest
    decision: pas.PayerDecision


def _target(
    *, user: m.User, decision: pas.PayerDecision, request: m.AuthRequest | None
) -> m.AuthRequest:
    match = _CLAIM_VALUE.match(decision.claim_value)
    if not match:
        raise PasImportError(
            [
                f"The response names request {decision.claim_value!r}, which is not a "
                "request identifier of this application."
            ]
        )
    pk, revision = int(match[1]), int(match[2])
    target = (
        m.AuthRequest.objects.select_related("patient", "payer_profile")
        .filter(pk=pk, practice_id=user.practice_id)
        .first()
    )
    if target is None:
        raise PasImportError(
            [
                f"The response answers request #{pk}, which is not a request of your"
                " practice."
            ]
        )
    if request is not None and target.pk != request.pk:
        raise PasImportError(
            [
                f"This response answers request #{pk} (revision {revision}), not this "
                f"request (#{request.pk}). Import it on that request."
            ]
        )
    if target.revision != revision:
        raise PasImportError(
            [
                f"This response answers revision {revision} of request #{pk}; the "
                f"request is at revision {target.revision}."
            ]
        )
    member_id = target.patient.member_id.strip()
    if not member_id or member_id not in decision.member_ids:
        raise PasImportError(
            [
                "The response is for another patient: its member ID does not match "
                "this request's patient."
            ]
        )
    return target


def _record(
    *, target: m.AuthRequest, user: m.User, decision: pas.PayerDecision
) -> None:
    try:
        auth_request_record_decision(
            request=target,
            user=user,
            decision=decision.decision,
            authorization_number=decision.authorization_number,
            valid_from=decision.valid_from,
            valid_to=decision.valid_to,
            approved_units=decision.approved_units,
            denial_reason=decision.denial_reason[:2000],
            pend_reason=decision.pend_reason[:2000],
        )
    except WorkflowError as exc:
        hint = (
            " Record the submission to the payer first."
            if target.status == m.AuthRequest.Status.SIGNED
            else ""
        )
        raise PasImportError([f"{exc}{hint}"]) from None
    except ValidationError as exc:
        raise PasImportError(list(exc.messages)) from None


def auth_request_import_pas_response(
    *, user: m.User, data: bytes | str, request: m.AuthRequest | None = None
) -> PasImportResult:
    """Record the decision a PAS ClaimResponse carries on the request it answers.

    ``request`` (the page the file was uploaded on) must be the one it answers;
    without it, the request is found from the response within the user's practice.
    Raises ``PasImportError`` (or ``PermissionDenied``) and changes nothing when the
    file is not a ClaimResponse, answers another practice, request, revision or
    patient, or holds no decision the workflow accepts.
    """
    if not user.is_authenticated or user.practice_id is None:
        raise PermissionDenied("Only a practice user can import a payer's answer.")
    if request is not None:
        _check_practice(request=request, user=user)
    try:
        # On a request's page, a response may name our Claim by its fullUrl alone.
        urls = {}
        if request is not None:
            claim_id = pas_claim_id(request=request)
            urls[pas.claim_url(claim_id)] = claim_id.value
        decision = pas.read_claim_response(
            data,
            claim_system=f"urn:trnorg:{pas_sender(user.practice_id)}",
            claim_urls=urls,
        )
        with transaction.atomic():
            target = _target(user=user, decision=decision, request=request)
            _record(target=target, user=user, decision=decision)
            audit_log(
                action="request-decision.pas",
                user=user,
                obj=target,
                detail=f"rev={target.revision} decision={decision.decision} "
                f"actions={','.join(decision.review_actions)}",
            )
    except (pas.PasResponseError, PasImportError) as exc:
        audit_log(
            action="request-decision.pas.refused",
            user=user,
            obj=request,
            object_type="" if request is not None else "authrequest",
            detail=f"refused: {exc.errors[0][:200]}",
        )
        raise PasImportError(exc.errors) from None
    return PasImportResult(request=target, decision=decision)
