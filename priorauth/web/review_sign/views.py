"""Review and signing: the draft packet, the sign page (the physician reviews the draft,
answers open criteria, signs), sending back to billing, the signed PDF, new revisions.

Every view reads the request through the user's practice (404 otherwise), and
writes one specific audit row (the audit middleware then skips its generic one).
PDF responses are attachments with PHI-free names and ``Cache-Control: no-store``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from priorauth import models as m
from priorauth import services
from priorauth.packet import ATTESTATION, pdf
from priorauth.packet.signing import SigningKeyLocked, SigningUnavailable
from priorauth.security.audit import audit_log
from priorauth.services.workflow import WorkflowError
from priorauth.web.reauth import SIGN_ATTEMPTS, SIGN_WINDOW_MINUTES
from priorauth.web.requests.findings import findings_context
from priorauth.web.review_sign.forms import RationaleForm, SendBackForm, SignForm


def _sign_form(request: HttpRequest, data=None) -> SignForm:  # type: ignore[no-untyped-def]
    return SignForm(data, otp_required=services.user_has_totp(user=request.user))  # type: ignore[arg-type]


def _get_request(request: HttpRequest, pk: int) -> m.AuthRequest:
    try:
        return (
            # The packet needs no signed-document list: ``signed`` is derived
            # (an unlocked request is never signed, a locked one asks once).
            services.auth_request_queryset_for_detail(signed_documents=False)
            .select_related("practice")
            .get(pk=pk, practice_id=getattr(request.user, "practice_id", None))
        )
    except m.AuthRequest.DoesNotExist:
        raise Http404("No such request") from None


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def request_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft packet (DRAFT on every page); ``?inline=1`` shows it in the page
    that frames it (the sign page), from this site only. Served from the rendition
    cache when this state was rendered (ahead, or by an earlier click)."""
    obj = _get_request(request, pk)
    try:
        data = services.auth_request_render_pdf(request=obj, user=request.user)  # type: ignore[arg-type]
    except services.AttachmentTampered as exc:
        audit_log(
            action="request-pdf.draft",
            request=request,
            obj=obj,
            detail=f"rev={obj.revision} refused attachment sha256-mismatch",
        )
        messages.error(request, str(exc))
        return redirect("pa-request-detail", pk=obj.pk)
    inline = request.GET.get("inline") == "1"
    audit_log(
        action="request-pdf.draft",
        request=request,
        obj=obj,
        detail=f"rev={obj.revision}{' inline' if inline else ''}",
    )
    name = pdf.pdf_filename(request_id=obj.pk, revision=obj.revision, kind="draft")
    response = _pdf_response(data, name)
    if inline:
        response["Content-Disposition"] = f'inline; filename="{name}"'
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Content-Security-Policy"] = (
            "default-src 'none'; object-src 'none'; frame-ancestors 'self'"
        )
    return response


@sensitive_post_parameters("password", "otp_token")
@require_http_methods(["GET", "POST"])
def request_sign(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get_request(request, pk)
    user = request.user
    if not getattr(user, "is_physician", False):
        audit_log(action="request-sign.denied", request=request, obj=obj, detail="role")
        raise PermissionDenied("Only a physician can sign.")
    if request.method == "GET":
        return _sign_page(
            request, obj, _sign_form(request), _rationale_form(request, obj, None)
        )
    evaluation = services.auth_request_evaluate(request=obj)
    answers = _rationale_form(request, obj, evaluation)
    action = request.POST.get("action", "sign")
    if answers.is_valid() and obj.status == m.AuthRequest.Status.READY:
        changed = services.rationale_save(
            request=obj, user=user, answers=answers.answers(), evaluation=evaluation
        )
        if changed:
            audit_log(
                action="request-rationale",
                request=request,
                obj=obj,
                detail=f"rev={obj.revision} changed={changed}",
            )
        if action == "save" or changed:
            # New words change the letter: the physician reads the new draft first,
            # then signs exactly that (nothing is signed in this step).
            messages.success(
                request,
                "Your clinical rationale is saved and is now in the draft below."
                + (" Read it, then sign." if action != "save" else ""),
            )
            return redirect("pa-request-sign", pk=obj.pk)
    form = _sign_form(request, request.POST)
    if services.sign_attempts_exceeded(
        user=user, attempts=SIGN_ATTEMPTS, minutes=SIGN_WINDOW_MINUTES
    ):
        audit_log(
            action="request-sign.denied",
            request=request,
            obj=obj,
            detail="rate limited",
        )
        form.add_error(
            None,
            f"Too many wrong passwords: signing is paused for up to"
            f" {SIGN_WINDOW_MINUTES} minutes. Nothing was signed.",
        )
        return _sign_page(request, obj, form, answers, status=429)
    if not (form.is_valid() and answers.is_valid()):
        audit_log(
            action="request-sign.denied",
            request=request,
            obj=obj,
            detail="form invalid",
        )
        return _sign_page(request, obj, form, answers, status=403)
    try:
        document = services.auth_request_sign(
            request=obj,
            user=user,
            password=form.cleaned_data["password"],  # type: ignore[arg-type]
            reviewed=form.reviewed(),
            otp_token=form.cleaned_data.get("otp_token", ""),
        )
    except SigningKeyLocked as exc:
        # The password was reset since the key was sealed: nothing is signed.
        audit_log(
            action="request-sign.denied", request=request, obj=obj, detail="key locked"
        )
        messages.error(request, str(exc))
        back = reverse("pa-request-sign", args=[obj.pk])
        return redirect(f"{reverse('pa-signing-key')}?{urlencode({'next': back})}")
    except PermissionDenied as exc:
        reason = getattr(exc, "reason", "reauth failed")  # or "otp failed"
        audit_log(action="request-sign.denied", request=request, obj=obj, detail=reason)
        if reason == "otp failed":
            form.add_error("otp_token", f"{exc} Nothing was signed.")
        else:
            form.add_error(
                "password",
                "That password is not right. Nothing was signed; type your password"
                " again.",
            )
        return _sign_page(request, obj, form, answers, status=403)
    except services.StaleReview as exc:
        audit_log(
            action="request-sign.denied",
            request=request,
            obj=obj,
            detail="stale review",
        )
        messages.error(request, str(exc))
        return redirect("pa-request-sign", pk=obj.pk)
    except (WorkflowError, SigningUnavailable) as exc:
        messages.error(request, str(exc))
        return _sign_page(
            request, obj, _sign_form(request), _rationale_form(request, obj, None)
        )
    enrolled = document.key_enrollment  # type: ignore[attr-defined]
    audit_log(
        action="request-sign",
        request=request,
        obj=obj,
        detail=f"rev={document.revision} doc={document.pk}"
        + (
            f" new-key={enrolled.serial} revoked={enrolled.revoked_serial or '-'}"
            if enrolled
            else ""
        ),
    )
    messages.success(
        request,
        "Signed. The signed packet is stored and the request is locked."
        + (" Your signing key was set up with this signature." if enrolled else ""),
    )
    return redirect("pa-request-detail", pk=obj.pk)


@require_POST
def request_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    """The physician returns a request that waits for signature to billing."""
    obj = _get_request(request, pk)
    if not getattr(request.user, "is_physician", False):
        audit_log(
            action="request-send-back.denied", request=request, obj=obj, detail="role"
        )
        raise PermissionDenied("Only a physician can send a request back.")
    form = SendBackForm(request.POST)
    if form.is_valid():
        try:
            services.auth_request_send_back(
                request=obj,
                user=request.user,
                comment=form.cleaned_data["comment"],  # type: ignore[arg-type]
            )
        except WorkflowError as exc:
            messages.error(request, str(exc))
        else:
            audit_log(
                action="request-send-back",
                request=request,
                obj=obj,
                detail=f"rev={obj.revision}",
            )
            messages.success(request, "Sent back to billing with your comment.")
            return redirect("pa-request-detail", pk=obj.pk)
    return _sign_page(
        request,
        obj,
        _sign_form(request),
        _rationale_form(request, obj, None),
        send_back=form,
        status=400,
    )


def _rationale_form(
    request: HttpRequest, obj: m.AuthRequest, evaluation
) -> RationaleForm:  # type: ignore[no-untyped-def]
    """The answers form: bound to the POST when ``evaluation`` is given, else fresh
    from the stored answers (after a save)."""
    bound = evaluation is not None and request.method == "POST"
    evaluation = evaluation or services.auth_request_evaluate(request=obj)
    stored = services.stored_rationales(request=obj)
    data = request.POST if bound else None
    return RationaleForm(
        data,
        criteria=services.criteria_to_answer(evaluation=evaluation),
        stored=stored,
    )


def _sign_page(
    request: HttpRequest,
    obj: m.AuthRequest,
    form: SignForm,
    answers: RationaleForm,
    status: int = 200,
    send_back: SendBackForm | None = None,
) -> HttpResponse:
    evaluation = services.auth_request_evaluate(request=obj)
    review = None
    if obj.status == m.AuthRequest.Status.READY:
        try:
            review = services.auth_request_review(request=obj, user=request.user)  # type: ignore[arg-type]
        except services.AttachmentTampered as exc:
            # Nothing can be signed: no review token, and the reason on the page.
            messages.error(request, str(exc))
    context = {
        "obj": obj,
        "form": form,
        "answers": answers,
        "review": review,
        "send_back": send_back or SendBackForm(),
        "attestation": ATTESTATION,
        **findings_context(obj, evaluation),
        "clinical": services.auth_request_review_facts(evaluation=evaluation),
        "signed_documents": obj.signed_documents.all().only(
            "pk", "revision", "printed_name", "signed_at", "sha256"
        ),
    }
    return render(request, "priorauth/sign.html", context, status=status)


@require_GET
def request_signed_pdf(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    """A stored signed PDF, byte for byte."""
    try:
        document = services.signed_document_for_user(
            user=request.user, request_pk=pk, document_pk=doc_pk
        )  # type: ignore[arg-type]
    except m.SignedDocument.DoesNotExist:
        raise Http404("No such document") from None
    audit_log(
        action="request-pdf.signed",
        request=request,
        obj=document,
        detail=f"request={pk}",
    )
    return _pdf_response(
        bytes(document.pdf),
        pdf.pdf_filename(request_id=pk, revision=document.revision, kind="signed"),
    )


@require_GET
def request_pas_bundle(request: HttpRequest, pk: int) -> HttpResponse:
    """The request as a Da Vinci PAS Bundle (FHIR JSON), with the signed packet once
    signed; before that the bundle carries no packet and is tagged "unsigned"."""
    obj = _get_request(request, pk)
    try:
        bundle = services.auth_request_pas_bundle(request=obj, user=request.user)  # type: ignore[arg-type]
    except services.PasBuildError as exc:
        audit_log(
            action="request-pas.refused", request=request, obj=obj, detail="incomplete"
        )
        messages.error(
            request,
            "The PAS bundle needs more: " + " ".join(msg for _, msg in exc.errors),
        )
        return redirect("pa-request-detail", pk=obj.pk)
    tags = {t["code"] for t in bundle.get("meta", {}).get("tag", [])}
    audit_log(
        action="request-pas",
        request=request,
        obj=obj,
        detail=f"rev={obj.revision} {'unsigned' if 'unsigned' in tags else 'signed'}",
    )
    response = HttpResponse(
        services.auth_request_pas_json(bundle), content_type="application/fhir+json"
    )
    name = f"request-{obj.pk}-rev{obj.revision}-pas.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def request_revise(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get_request(request, pk)
    try:
        new = services.auth_request_new_revision(request=obj, user=request.user)  # type: ignore[arg-type]
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("pa-request-detail", pk=obj.pk)
    audit_log(
        action="request-revise",
        request=request,
        obj=obj,
        detail=f"new={new.pk} rev={new.revision}",
    )
    messages.success(
        request,
        f"Revision {new.revision} created as a draft. The signed revision is unchanged.",
    )
    return redirect("pa-request-detail", pk=new.pk)
