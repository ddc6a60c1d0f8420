"""Packet rendering, physician signing and revisions.

- ``auth_request_packet_pdf``: the one function that makes a packet's bytes: the
  rendered packet with the request's supporting documents appended and stamped
  (``packet.compose``). Draft and signed packets both come from it.
- ``auth_request_render_pdf``: the draft packet (DRAFT on every page).
- ``auth_request_sign``: physician only, password (and TOTP code, with a device)
  re-checked and used to open the physician's sealed key, status "ready";
  renders the final packet with the signature manifestation, PAdES-signs it,
  stores the bytes and their SHA-256, and locks the request. The render and
  signature happen before the write transaction (a slow render never holds
  the SQLite write lock); the transaction then claims the request's
  ``lock_version`` so a request edited meanwhile is not signed, and a failure
  anywhere leaves neither a SignedDocument nor a changed status. The signature
  covers the whole composed file, attachments included; each attachment's
  SHA-256 is recorded with it (``SignedAttachment``).
- ``auth_request_new_revision``: a signed (or later) request is copied, with
  its rows, its supporting documents (new copies of the files) and the injections
  it builds on, into a new draft; the signed PDFs are never touched.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from priorauth import models as m
from priorauth import packet
from priorauth.packet import pdf, signing
from priorauth.packet.compose import AttachmentPart, compose_packet
from priorauth.rules import evaluate
from priorauth.rules.facts import CaseFacts
from priorauth.rules.findings import Evaluation
from priorauth.rules.io import dump_request
from priorauth.services.attachments import (
    attachment_digests,
    attachments_copy,
    auth_request_attachment_parts,
)
from priorauth.services.facts import auth_request_facts, payer_policy_build
from priorauth.services.rationales import unanswered_criteria
from priorauth.services.renditions import (
    instance_values,
    rendition_for_fingerprint,
    rendition_get_or_render,
    rendition_render_ahead,
    renditions_prune,
    state_fingerprint,
)
from priorauth.services.requests import (
    auth_request_evaluate,
    auth_request_queryset_for_detail,
)
from priorauth.services.signing_keys import (
    physician_key_for_signing,
    reauthenticate,
    signer_identity,
)
from priorauth.services.tasks import draft_render_now, draft_render_soon
from priorauth.services.workflow import WorkflowError

__all__ = [
    "Review",
    "StaleReview",
    "auth_request_new_revision",
    "auth_request_draft_html",
    "auth_request_state_fingerprint",
    "auth_request_packet_context",
    "auth_request_packet_pdf",
    "auth_request_render_ahead",
    "auth_request_render_pdf",
    "auth_request_review",
    "auth_request_review_facts",
    "auth_request_sign",
    "sign_attempts_exceeded",
    "signed_document_for_user",
    "signer_identity",
]

PACKET_TEMPLATE = "pdf/packet.html"
CHILD_RELATIONS = (
    "levels",
    "conservative_care",
    "imaging",
    "diagnoses",
)
NOT_COPIED = frozenset(
    {
        "id",
        "status",
        "revision",
        "previous_revision",
        "lock_version",
        "created_at",
        "updated_at",
        "created_by",
        "override_reason",
        "submitted_on",
        "submission_channel",
        "payer_reference",
        "authorization_number",
        "valid_from",
        "valid_to",
        "approved_units",
        "decided_on",
        "denial_reason",
        "pend_reason",
        "blocker_count",
        "warning_count",
        "evaluated_at",
    }
)


def _check_practice(*, request: m.AuthRequest, user: m.User) -> None:
    if (
        not user.is_authenticated
        or user.practice_id is None
        or user.practice_id != request.practice_id
    ):
        raise PermissionDenied("This request belongs to another practice.")


def _fresh(request: m.AuthRequest) -> m.AuthRequest:
    """The request with every relation the packet reads, in a fixed number of queries."""
    return (
        auth_request_queryset_for_detail(signed_documents=False)
        .select_related("practice")
        # The supporting documents, read once for the fingerprint and the packet.
        .prefetch_related("attachments")
        .get(pk=request.pk)
    )


def _is_loaded_for_packet(request: m.AuthRequest) -> bool:
    """True when ``request`` came from the detail queryset with its practice (all relations cached)."""
    prefetched = getattr(request, "_prefetched_objects_cache", {})
    wanted = {"levels", "builds_on", "conservative_care", "imaging", "diagnoses"}
    patient = request._state.fields_cache.get("patient")
    return (
        wanted <= prefetched.keys()
        and "practice" in request._state.fields_cache
        and patient is not None
        and "history" in getattr(patient, "_prefetched_objects_cache", {})
    )


def auth_request_packet_context(
    *,
    request: m.AuthRequest,
    signature: packet.SignatureInfo | None = None,
    facts: CaseFacts | None = None,
    attachments: Sequence[AttachmentPart] = (),
) -> dict[str, object]:
    facts = facts or auth_request_facts(request=request)
    if signature is not None:
        facts = dataclasses.replace(facts, signed=True)
    policy = payer_policy_build(profile=request.payer_profile)
    evaluation = evaluate(facts, policy, today=timezone.localdate())
    return packet.build_packet_context(
        facts=facts,
        evaluation=evaluation,
        policy=policy,
        practice=packet.practice_info(request.practice),
        signature=signature,
        request_id=request.pk,
        revision=request.revision,
        # A draft is dated by the request's last change, so the same request state
        # always renders the same bytes (the physician signs what they reviewed).
        generated_at=signature.signed_at if signature else request.updated_at,
        clinical_notes=request.clinical_notes,
        attachments=attachments,
    )


def auth_request_packet_pdf(
    *,
    request: m.AuthRequest,
    facts: CaseFacts | None = None,
    signature: packet.SignatureInfo | None = None,
    attachments: Sequence[AttachmentPart] | None = None,
) -> bytes:
    """The packet's bytes: rendered, then the supporting documents appended.

    The only place a packet is composed. Deterministic for a given request state,
    signature and attachments (their SHA-256s: ``attachment_digests``); pass
    ``attachments`` read once to compose the draft and the signed file from the
    same bytes.
    """
    if attachments is None:
        attachments = auth_request_attachment_parts(request=request)
    context = auth_request_packet_context(
        request=request, signature=signature, facts=facts, attachments=attachments
    )
    return compose_packet(pdf.render_pdf(PACKET_TEMPLATE, context), attachments)


def auth_request_review_facts(*, evaluation: Evaluation) -> dict[str, object]:
    """The clinical facts beside the draft on the sign page, in the packet's words."""
    return packet.review_facts(evaluation)


def auth_request_render_pdf(*, request: m.AuthRequest, user: m.User) -> bytes:
    """The unsigned packet, watermarked DRAFT on every page.

    Deterministic: the same request state (request, rows, the patient's history,
    the answers) renders the same bytes, so its SHA-256 identifies what was reviewed.
    Served from the rendition cache when this state was rendered before (by the
    background task or an earlier download): found by the state fingerprint
    without building the HTML, else by the HTML's digest; see services.renditions.
    """
    _check_practice(request=request, user=user)
    if not _is_loaded_for_packet(
        request
    ):  # the PDF view already loaded it so: no second load
        request = _fresh(request)
    # The supporting documents, read once for the fingerprint and the packet.
    prefetch_related_objects([request], "attachments")
    fingerprint = auth_request_state_fingerprint(request=request)
    data = rendition_for_fingerprint(request=request, fingerprint=fingerprint)
    if data is not None:
        return data
    html, digest, attachments = auth_request_draft_html(request=request)
    return rendition_get_or_render(
        request=request,
        inputs_digest=digest,
        render=lambda: compose_packet(pdf.html_to_pdf(html), attachments),
        fingerprint=fingerprint,
        # With a worker beside the server, it renders and the click waits: no
        # render in the web process (quality.md P17).
        handoff=(
            (lambda: draft_render_now(request_id=request.pk))
            if settings.PRIORAUTH_RENDER_ON_WORKER
            else None
        ),
    )


def auth_request_state_fingerprint(*, request: m.AuthRequest) -> str:
    """``renditions.state_fingerprint`` of ``request`` as loaded for the packet
    (``_fresh``: its rows and the patient's history prefetched): no query."""
    rows = [
        [instance_values(row) for row in getattr(request, relation).all()]
        for relation in CHILD_RELATIONS
    ]
    rows.append([row.pk for row in request.builds_on.all()])
    rows.append([instance_values(row) for row in request.patient.history.all()])
    rows.append(attachment_digests(request=request))
    return state_fingerprint(request=request, today=timezone.localdate(), rows=rows)


def auth_request_draft_html(
    *, request: m.AuthRequest
) -> tuple[str, str, list[AttachmentPart]]:
    """The draft packet's HTML, its rendition key (``packet_inputs_digest``) and the
    supporting documents appended after it (``compose_packet``), as
    ``auth_request_packet_pdf`` composes them.

    ``request`` must be loaded for the packet (``_fresh``). The attachments' SHA-256s
    are the digest's ``extra_inputs``: the files merged besides the HTML.
    """
    attachments = auth_request_attachment_parts(request=request)
    context = auth_request_packet_context(request=request, attachments=attachments)
    html = pdf.render_html(PACKET_TEMPLATE, context)
    digest = pdf.packet_inputs_digest(
        html=html,
        template=PACKET_TEMPLATE,
        extra_inputs=[(f"attachment:{a.number}", a.sha256) for a in attachments],
    )
    return html, digest, attachments


def auth_request_render_ahead(*, request_id: int, for_click: bool = False) -> str:
    """Render the current draft of ``request_id`` into the rendition cache (the
    background task's body); says what happened. Locked requests are skipped when
    rendering ahead (their packet is the signed PDF), not when a click asked for
    the draft (``for_click``)."""
    try:
        request = _fresh(m.AuthRequest(pk=request_id))
    except m.AuthRequest.DoesNotExist:
        return "gone"
    if request.is_locked and not for_click:
        return "locked"
    fingerprint = auth_request_state_fingerprint(request=request)
    if rendition_for_fingerprint(request=request, fingerprint=fingerprint) is not None:
        return "cached"  # a click or an earlier task rendered this state
    html, digest, attachments = auth_request_draft_html(request=request)
    return rendition_render_ahead(
        request=request,
        inputs_digest=digest,
        render=lambda: compose_packet(pdf.html_to_pdf(html), attachments),
        fingerprint=fingerprint,
    )


@dataclass(frozen=True)
class Review:
    """What the physician reviewed on the sign page: the revision and the SHA-256 of
    its draft PDF. Signing refuses when the request no longer renders to it."""

    revision: int
    sha256: str


class StaleReview(WorkflowError):
    """The packet changed after the physician opened it."""


def auth_request_review(*, request: m.AuthRequest, user: m.User) -> Review:
    """The review token of the request as it stands (the sign page carries it)."""
    data = auth_request_render_pdf(request=request, user=user)
    return Review(revision=request.revision, sha256=signing.sha256_hex(data))


def snapshot_sha256(facts: CaseFacts) -> str:
    """Hash of the request as signed (canonical JSON of its facts)."""
    data = json.dumps(
        dump_request(facts), sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(data.encode()).hexdigest()


@sensitive_variables("password", "otp_token")
def auth_request_sign(
    *,
    request: m.AuthRequest,
    user: m.User,
    password: str,
    reviewed: Review,
    otp_token: str = "",
) -> m.SignedDocument:
    """Sign the packet as ``user``; see the module docstring for the guarantees.

    ``reviewed`` is what the physician reviewed (revision and draft SHA-256, from
    the sign page): when the request no longer renders to that draft (billing
    edited it, the history changed), nothing is signed (``StaleReview``).

    The password (and, for a user with a TOTP device, ``otp_token``) is checked,
    then opens the physician's sealed key (``services.signing_keys``). The returned
    document's ``key_enrollment`` says whether this signing set up a new key.
    """
    _check_practice(request=request, user=user)
    if not user.is_physician:
        raise PermissionDenied("Only a physician can sign.")
    reauthenticate(user=user, password=password, otp_token=otp_token)
    caller_copy, request = request, _fresh(request)
    if request.status != m.AuthRequest.Status.READY:
        raise WorkflowError("Only a request that is ready for signature can be signed.")
    identity = signer_identity(user=user)
    if not (identity.credentials and identity.npi):
        raise WorkflowError(
            "Your user profile needs credentials and an NPI before you can sign."
        )
    signed_at = datetime.now(UTC).replace(microsecond=0)
    signature = packet.SignatureInfo(
        printed_name=identity.printed_name,
        credentials=identity.credentials,
        npi=identity.npi,
        signed_at=signed_at,
        meaning=packet.ATTESTATION,
        time_zone=request.practice.time_zone,
    )
    facts = auth_request_facts(request=request)
    attachments = auth_request_attachment_parts(request=request)
    draft = auth_request_packet_pdf(
        request=request, facts=facts, attachments=attachments
    )
    if (request.revision, signing.sha256_hex(draft)) != (
        reviewed.revision,
        reviewed.sha256,
    ):
        raise StaleReview(
            "The packet changed after you opened it (the request or the patient's"
            " history was edited). Nothing was signed: review the current draft and"
            " sign again."
        )
    open_criteria = unanswered_criteria(
        evaluation=auth_request_evaluate(request=request)
    )
    if open_criteria:
        names = "; ".join(
            f"{o.criterion}{' at ' + o.level if o.level else ''}" for o in open_criteria
        )
        raise WorkflowError(
            "Before signing, give your clinical rationale (or, for a blocker, the reason"
            f" to proceed) for each criterion the request does not meet: {names}."
        )
    # Opened (or, the first time, made) only once everything else allows signing.
    key, enrollment = physician_key_for_signing(
        user=user, identity=identity, password=password
    )
    unsigned = auth_request_packet_pdf(
        request=request, facts=facts, signature=signature, attachments=attachments
    )
    signed = signing.sign_pdf(
        unsigned, identity, key=key, reason="Physician attestation of medical necessity"
    )
    expected_version = request.lock_version

    with transaction.atomic():
        claimed = m.AuthRequest.objects.filter(
            pk=request.pk,
            status=m.AuthRequest.Status.READY,
            lock_version=expected_version,
        ).update(
            status=m.AuthRequest.Status.SIGNED,
            lock_version=expected_version + 1,
            updated_at=timezone.now(),
        )
        if claimed != 1:
            raise WorkflowError(
                "The request changed while it was being signed; review it and sign again."
            )
        document = m.SignedDocument.objects.create(
            request=request,
            revision=request.revision,
            signer=user,
            printed_name=identity.printed_name,
            credentials=identity.credentials,
            npi=identity.npi,
            signed_at=signed_at,
            meaning=signature.meaning,
            pdf=signed,
            sha256=signing.sha256_hex(signed),
            snapshot_sha256=snapshot_sha256(dataclasses.replace(facts, signed=False)),
        )
        m.SignedAttachment.objects.bulk_create(
            m.SignedAttachment(
                document=document,
                number=part.number,
                kind=part.kind_code,
                document_date=part.document_date,
                source_type=part.source_type,
                pages=part.pages,
                sha256=part.sha256,
            )
            for part in attachments
        )
    for obj in (request, caller_copy):
        obj.status = m.AuthRequest.Status.SIGNED
        obj.lock_version = expected_version + 1
    # A signed request's packet is the signed PDF: its cached drafts go.
    renditions_prune(request_id=request.pk)
    document.key_enrollment = enrollment  # type: ignore[attr-defined]
    return document


# Pages that check the signed-in user's password: one budget of wrong guesses.
PASSWORD_CHECK_DENIALS = (
    "request-sign.denied",
    "signing-key.denied",
    "password-change.denied",
)


def sign_attempts_exceeded(*, user: m.User, attempts: int, minutes: int) -> bool:
    """Whether ``user`` typed a wrong password ``attempts`` times within the last
    ``minutes`` on the sign page, the signing-key page or the password-change page
    (read from the audit trail, shared by every worker)."""
    since = timezone.now() - timedelta(minutes=minutes)
    failures = m.AuditEvent.objects.filter(
        user=user,
        action__in=PASSWORD_CHECK_DENIALS,
        detail__startswith="reauth failed",
        at__gte=since,
    ).count()
    return failures >= attempts


def auth_request_new_revision(*, request: m.AuthRequest, user: m.User) -> m.AuthRequest:
    """Copy a signed (or later) request and its rows into a new draft revision.

    When a newer revision already exists, that one is returned instead of a second copy.
    """
    _check_practice(request=request, user=user)
    with transaction.atomic():
        source = m.AuthRequest.objects.select_for_update().get(pk=request.pk)
        if not source.is_locked:
            raise WorkflowError(
                "Only a signed request needs a new revision; edit this one directly."
            )
        existing = (
            m.AuthRequest.objects.filter(previous_revision=source)
            .order_by("-revision")
            .first()
        )
        if existing is not None:
            return existing
        values = {
            f.attname: getattr(source, f.attname)
            for f in m.AuthRequest._meta.concrete_fields
            if f.name not in NOT_COPIED and f.attname not in NOT_COPIED
        }
        copy = m.AuthRequest.objects.create(
            **values,
            status=m.AuthRequest.Status.DRAFT,
            revision=source.revision + 1,
            previous_revision=source,
            created_by=user,
        )
        for relation in CHILD_RELATIONS:
            manager = getattr(source, relation)
            model = manager.model
            rows = []
            for row in manager.all():
                data = {
                    f.attname: getattr(row, f.attname)
                    for f in model._meta.concrete_fields
                    if f.name not in ("id", "request")
                }
                rows.append(model(request=copy, **data))
            model.objects.bulk_create(rows)
        # The injections it builds on are the patient's history rows: linked, not copied.
        copy.builds_on.set(source.builds_on.all())
        attachments_copy(source=source, target=copy)
        draft_render_soon(request_id=copy.pk)
    return copy


def signed_document_for_user(
    *, user: m.User, request_pk: int, document_pk: int
) -> m.SignedDocument:
    """A stored signed PDF, only through the user's practice (DoesNotExist otherwise)."""
    return m.SignedDocument.objects.select_related("request").get(
        pk=document_pk, request_id=request_pk, request__practice_id=user.practice_id
    )
