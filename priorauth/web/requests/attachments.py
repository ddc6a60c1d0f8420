"""The request's supporting documents: add (upload), open, remove.

Thin views: the request or attachment through the user's practice (404 otherwise),
the form, one service, an audit row, a redirect. The file is served only here, as
a download with a PHI-free name, ``Cache-Control: no-store`` and its own audit row.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from priorauth import models as m
from priorauth import services
from priorauth.packet.documents import MAX_FILE_BYTES
from priorauth.security.audit import audit_log
from priorauth.services.workflow import WorkflowError
from priorauth.web.requests.forms import AttachmentForm
from priorauth.web.requests.views import _get_request_for_user, detail_page

ANCHOR = "#attachments"


def error_summary(form: forms.Form) -> str:
    """ "File: this PDF is encrypted ..." for each field in error, in one line."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return " ".join(parts)


@require_POST
def request_attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get_request_for_user(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            attachment = services.attachment_add(
                request=obj,
                user=request.user,  # type: ignore[arg-type]
                data=upload.read(MAX_FILE_BYTES + 1),
                filename=upload.name or "",
                kind=form.cleaned_data["kind"],
                document_date=form.cleaned_data["document_date"],
            )
        except PermissionDenied:
            audit_log(
                action="request-attachment.denied",
                request=request,
                obj=obj,
                detail="role",
            )
            raise
        except WorkflowError as exc:
            messages.error(request, f"The document was not added: {exc}")
            return redirect(reverse("pa-request-detail", args=[obj.pk]) + ANCHOR)
        except ValidationError as exc:
            for field, errors in getattr(exc, "error_dict", {None: [exc]}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            audit_log(
                action="request-attachment.add",
                request=request,
                obj=attachment,
                detail=f"request={obj.pk} rev={obj.revision} n={attachment.position}"
                f" pages={attachment.pages} type={attachment.source_type}"
                + (f" removed={attachment.removed}" if attachment.removed else ""),
            )
            removed = (
                f" Removed from it: {attachment.removed}." if attachment.removed else ""
            )
            messages.success(
                request,
                f"Attachment {attachment.position} added ({attachment.pages} page"
                f"{'s' if attachment.pages != 1 else ''}).{removed} The draft packet"
                " now includes it.",
            )
            return redirect(reverse("pa-request-detail", args=[obj.pk]) + ANCHOR)
    audit_log(
        action="request-attachment.add",
        request=request,
        obj=obj,
        detail="refused " + ",".join(sorted(_codes(form)))[:200],
    )
    messages.error(
        request,
        f"The document was not added; the request is unchanged. {error_summary(form)}",
    )
    return detail_page(request, obj, attachment_form=form, status=400)


def _codes(form: forms.Form) -> set[str]:
    return {
        f"{name}:{error.code or 'invalid'}"
        for name, errors in form.errors.as_data().items()
        for error in errors
    }


@require_GET
def request_attachment(
    request: HttpRequest, pk: int, attachment_pk: int
) -> HttpResponse:
    """The stored (cleaned) PDF of one attachment, as a download."""
    attachment = _get_attachment(request, pk, attachment_pk)
    try:
        data = services.attachment_read(attachment=attachment)
    except services.AttachmentTampered as exc:
        audit_log(
            action="request-attachment.view",
            request=request,
            obj=attachment,
            detail=f"request={pk} refused sha256-mismatch",
        )
        messages.error(request, str(exc))
        return redirect(reverse("pa-request-detail", args=[pk]) + ANCHOR)
    audit_log(
        action="request-attachment.view",
        request=request,
        obj=attachment,
        detail=f"request={pk} n={attachment.position}",
    )
    response = HttpResponse(data, content_type="application/pdf")
    name = f"request-{int(pk)}-attachment-{int(attachment.position)}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
def request_attachment_remove(
    request: HttpRequest, pk: int, attachment_pk: int
) -> HttpResponse:
    attachment = _get_attachment(request, pk, attachment_pk)
    position = attachment.position
    try:
        services.attachment_remove(attachment=attachment, user=request.user)  # type: ignore[arg-type]
    except WorkflowError as exc:
        messages.error(request, f"The document was not removed: {exc}")
    else:
        audit_log(
            action="request-attachment.remove",
            request=request,
            object_type="attachment",
            object_id=attachment_pk,
            detail=f"request={pk} n={position}",
        )
        messages.success(request, f"Attachment {position} removed.")
    return redirect(reverse("pa-request-detail", args=[pk]) + ANCHOR)


def _get_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> m.Attachment:
    try:
        return services.attachment_for_user(
            user=request.user,  # type: ignore[arg-type]
            request_pk=pk,
            attachment_pk=attachment_pk,
        )
    except m.Attachment.DoesNotExist:
        raise Http404("No such document") from None
