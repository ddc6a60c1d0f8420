"""Supporting documents of a request: add, remove, read, and what the packet appends.

- ``attachment_add``: the upload's bytes are checked and cleaned (``packet.documents``:
  by content, encrypted PDFs refused, active content removed, images re-encoded),
  the request's page budget (150) is checked, the clean PDF is stored under the
  practice's folder in the ``attachments`` storage, and the request's
  ``lock_version`` is bumped: the request changed, so its draft (and any review
  token taken from it) changes too.
- ``attachment_remove``: the same, the other way; the file goes once the row is gone.
- ``attachment_read``: the stored bytes, refused when they no longer match the
  SHA-256 recorded at upload.
- ``auth_request_attachment_parts``: what ``packet.compose`` appends, in order.

Only an editable request (a draft, including one sent back to billing) takes or
loses attachments: from "ready for signature" on it is read-only, and a signed one
changes only through a new revision (which copies its attachments).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from priorauth import models as m
from priorauth.packet import documents
from priorauth.packet.compose import AttachmentPart
from priorauth.services.workflow import WorkflowError

__all__ = [
    "ATTACHMENT_ROLES",
    "MAX_REQUEST_PAGES",
    "AttachmentTampered",
    "attachment_add",
    "attachment_digests",
    "attachment_for_user",
    "attachment_read",
    "attachment_remove",
    "attachments_copy",
    "auth_request_attachment_parts",
]

logger = logging.getLogger(__name__)

MAX_REQUEST_PAGES = 150
ATTACHMENT_ROLES = frozenset(
    {m.User.Role.BILLING, m.User.Role.PHYSICIAN, m.User.Role.ADMIN}
)


class AttachmentTampered(WorkflowError):
    """A stored file no longer has the SHA-256 recorded when it was uploaded."""


def _storage() -> Storage:
    return storages["attachments"]


def _check_access(*, request: m.AuthRequest, user: m.User) -> None:
    if (
        not getattr(user, "is_authenticated", False)
        or user.practice_id is None
        or user.practice_id != request.practice_id
        or getattr(user, "role", None) not in ATTACHMENT_ROLES
    ):
        raise PermissionDenied("Only the practice's staff handle its documents.")


def _check_editable(request: m.AuthRequest) -> None:
    if request.status != m.AuthRequest.Status.DRAFT:
        raise WorkflowError(
            "Supporting documents can be added or removed only while the request is a"
            " draft. A request waiting for signature is read-only (the physician can"
            " send it back); a signed one needs a new revision."
        )


def _touch(request: m.AuthRequest) -> None:
    """The request changed: a new lock version and a new "last changed" time (the
    draft is dated by it), so an open edit form or review is stale."""
    now = timezone.now()
    m.AuthRequest.objects.filter(pk=request.pk).update(
        lock_version=F("lock_version") + 1, updated_at=now
    )
    request.refresh_from_db(fields=["lock_version", "updated_at"])


def _new_name(practice_id: int) -> str:
    return f"{int(practice_id)}/{secrets.token_hex(16)}.pdf"


def attachment_add(
    *,
    request: m.AuthRequest,
    user: m.User,
    data: bytes,
    filename: str,
    kind: str,
    document_date: date,
) -> m.Attachment:
    """Check, clean and store one upload as the request's last attachment.

    Raises ``ValidationError`` (field ``file``, with a code) for a file we do not
    accept, ``WorkflowError`` when the request is not editable. Nothing changes then.
    """
    _check_access(request=request, user=user)
    _check_editable(request)
    if kind not in m.AttachmentKind.values:
        raise ValidationError({"kind": "Choose what kind of document this is."})
    try:
        clean = documents.sanitize_upload(data)
    except documents.AttachmentRejected as exc:
        raise ValidationError(
            {"file": ValidationError(exc.message, code=exc.code)}
        ) from None
    digest = hashlib.sha256(clean.pdf).hexdigest()
    storage = _storage()
    name = storage.save(_new_name(request.practice_id), ContentFile(clean.pdf))
    try:
        with transaction.atomic():
            locked = m.AuthRequest.objects.select_for_update().get(pk=request.pk)
            _check_editable(locked)
            used = locked.attachments.aggregate(n=Sum("pages"))["n"] or 0
            if used + clean.pages > MAX_REQUEST_PAGES:
                raise ValidationError(
                    {
                        "file": ValidationError(
                            f"This file has {clean.pages} page"
                            f"{'s' if clean.pages != 1 else ''}; the request already"
                            f" has {used} and holds at most {MAX_REQUEST_PAGES}.",
                            code="too_many_pages",
                        )
                    }
                )
            last = locked.attachments.order_by("-position").first()
            attachment = m.Attachment(
                request=locked,
                position=(last.position + 1) if last else 1,
                kind=kind,
                document_date=document_date,
                original_name=_display_name(filename),
                source_type=clean.source_type,
                storage_name=name,
                pages=clean.pages,
                size=len(clean.pdf),
                sha256=digest,
                removed=", ".join(clean.removed)[:200],
                uploaded_by=user,
            )
            attachment.full_clean()
            attachment.save()
            _touch(request)
    except BaseException:
        storage.delete(name)
        raise
    return attachment


def _display_name(filename: str) -> str:
    """The file's name as shown to staff: its last path part, printable, 200 at most."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:200]


def attachment_remove(*, attachment: m.Attachment, user: m.User) -> None:
    request = attachment.request
    _check_access(request=request, user=user)
    with transaction.atomic():
        locked = m.AuthRequest.objects.select_for_update().get(pk=request.pk)
        _check_editable(locked)
        name = attachment.storage_name
        attachment.delete()
        # Keep the numbers the packet prints contiguous: 1, 2, 3 ...
        for position, row in enumerate(
            locked.attachments.order_by("position", "id"), 1
        ):
            if row.position != position:
                m.Attachment.objects.filter(pk=row.pk).update(position=position)
        _touch(request)
        transaction.on_commit(lambda: _storage().delete(name))


def attachment_for_user(
    *, user: m.User, request_pk: int, attachment_pk: int
) -> m.Attachment:
    """One attachment, only through the user's practice and a practice role
    (``DoesNotExist`` otherwise: the view answers 404)."""
    if getattr(user, "role", None) not in ATTACHMENT_ROLES:
        raise m.Attachment.DoesNotExist
    return m.Attachment.objects.select_related("request").get(
        pk=attachment_pk,
        request_id=request_pk,
        request__practice_id=user.practice_id,
    )


def attachment_read(*, attachment: m.Attachment) -> bytes:
    with _storage().open(attachment.storage_name, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        logger.error(
            "attachment %s: stored file does not match its SHA-256", attachment.pk
        )
        raise AttachmentTampered(
            f"Supporting document {attachment.position} no longer matches what was"
            " uploaded; remove it and upload it again."
        )
    return data


def auth_request_attachment_parts(*, request: m.AuthRequest) -> list[AttachmentPart]:
    """The request's attachments as the packet appends them (bytes read and checked)."""
    return [
        AttachmentPart(
            number=number,
            kind=m.AttachmentKind(row.kind).label,
            document_date=row.document_date,
            pages=row.pages,
            pdf=attachment_read(attachment=row),
            sha256=row.sha256,
            kind_code=row.kind,
            source_type=row.source_type,
        )
        for number, row in enumerate(_rows(request), 1)
    ]


def _rows(request: m.AuthRequest) -> list[m.Attachment]:
    cache = getattr(request, "_prefetched_objects_cache", {})
    if "attachments" in cache:
        return sorted(cache["attachments"], key=lambda a: (a.position, a.pk))
    return list(m.Attachment.objects.filter(request=request).order_by("position", "id"))


def attachment_digests(*, request: m.AuthRequest) -> list[str]:
    """The SHA-256s of the request's attachments in packet order, as recorded: with
    the request's state they decide the packet's bytes (a rendition cache key)."""
    return [row.sha256 for row in _rows(request)]


def attachments_copy(
    *,
    source: m.AuthRequest,
    target: m.AuthRequest,
    rows: Iterable[m.Attachment] | None = None,
) -> None:
    """Give a new revision its own copies of the source's attachments (same bytes,
    new files: removing one from the draft never touches the signed revision's)."""
    storage = _storage()
    for row in rows if rows is not None else _rows(source):
        with storage.open(row.storage_name, "rb") as handle:
            data = handle.read()
        name = storage.save(_new_name(target.practice_id), ContentFile(data))
        m.Attachment.objects.create(
            request=target,
            position=row.position,
            kind=row.kind,
            document_date=row.document_date,
            original_name=row.original_name,
            source_type=row.source_type,
            storage_name=name,
            pages=row.pages,
            size=row.size,
            sha256=row.sha256,
            removed=row.removed,
            uploaded_by=row.uploaded_by,
        )
