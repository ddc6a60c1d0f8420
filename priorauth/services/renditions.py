"""The rendition cache: a draft PDF is rendered once per packet state and served again.

Key: the request, its revision and ``lock_version``, and ``inputs_digest``
(``packet.pdf.packet_inputs_digest``: the SHA-256 of the packet's HTML, the template,
the renderer version and any extra input such as attachments). The HTML is built on
every download (a few ms) and is what decides: an edit of the request, of the
patient's history, of an answer, a new day that changes a finding, a new WeasyPrint
or print.css all make another digest, so a stale PDF cannot be served. The same
HTML always renders the same bytes, so the cached draft is byte-identical to a
fresh render and the review token's SHA-256 (services.signing) does not change.

One render per key, across threads, processes and the background worker: the
renderer first claims the key by inserting its row (state ``rendering``; the unique
constraint lets one insert win, on SQLite and PostgreSQL alike). Everyone else
polls that row until it is ready. A claim older than
``PRIORAUTH_RENDER_STALE_SECONDS`` is a dead renderer's (a killed worker): the next
caller takes it over with a conditional UPDATE (one winner) and renders itself. A
renderer that fails deletes its claim, so waiting clicks take over at once.

Files live in the ``renditions`` storage (settings.STORAGES; a folder outside the
web root, one sub-folder per practice). After a render, the request's other
renditions are pruned: one file per request is kept. Signed PDFs are
``SignedDocument`` rows and never pass through here.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import IntegrityError, transaction
from django.utils import timezone

from priorauth import models as m

logger = logging.getLogger(__name__)

__all__ = ["rendition_get_or_render", "rendition_render_ahead", "renditions_prune"]

POLL_SECONDS = 0.05
# Indirection for tests: the poll's sleep (they replace it to order two threads).
_sleep = time.sleep


def _storage() -> Storage:
    return storages["renditions"]


def _key(request: m.AuthRequest, inputs_digest: str) -> dict[str, object]:
    return {
        "request_id": request.pk,
        "revision": request.revision,
        "lock_version": request.lock_version,
        "inputs_digest": inputs_digest,
    }


def _claim(
    request: m.AuthRequest, inputs_digest: str, rendered_by: str
) -> m.DraftRendition | None:
    """Insert the key's row as "rendering"; None when another renderer has it."""
    try:
        with transaction.atomic():
            return m.DraftRendition.objects.create(
                practice_id=request.practice_id,
                state=m.DraftRendition.State.RENDERING,
                claimed_at=timezone.now(),
                rendered_by=rendered_by,
                **_key(request, inputs_digest),
            )
    except IntegrityError:
        return None


def _take_over(row: m.DraftRendition, rendered_by: str) -> bool:
    """Claim a dead renderer's row (one caller wins)."""
    now = timezone.now()
    won = m.DraftRendition.objects.filter(
        pk=row.pk, state=m.DraftRendition.State.RENDERING, claimed_at=row.claimed_at
    ).update(claimed_at=now, rendered_by=rendered_by)
    if won:
        logger.warning(
            "pdf: took over a stale draft render (request %s, claimed %s)",
            row.request_id,
            row.claimed_at.isoformat(),
        )
        row.claimed_at, row.rendered_by = now, rendered_by
    return bool(won)


def _file_name(row: m.DraftRendition) -> str:
    return (
        f"practice-{int(row.practice_id)}/request-{int(row.request_id)}/"
        f"rev{int(row.revision)}-v{int(row.lock_version)}-{row.inputs_digest}.pdf"
    )


def _render_and_store(row: m.DraftRendition, render: Callable[[], bytes]) -> bytes:
    started = time.perf_counter()
    try:
        data = render()
    except BaseException:
        # Waiting callers see the claim vanish and render themselves.
        m.DraftRendition.objects.filter(
            pk=row.pk, state=m.DraftRendition.State.RENDERING
        ).delete()
        raise
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    storage = _storage()
    name = storage.save(_file_name(row), ContentFile(data))
    stored = m.DraftRendition.objects.filter(
        pk=row.pk, state=m.DraftRendition.State.RENDERING
    ).update(
        state=m.DraftRendition.State.READY,
        path=name,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        rendered_at=timezone.now(),
        render_ms=elapsed_ms,
        rendered_by=row.rendered_by,
    )
    if stored:
        renditions_prune(request_id=row.request_id, keep_pk=row.pk)
    else:  # pruned meanwhile, or a stale claim that another caller finished
        storage.delete(name)
    return data


def _read(row: m.DraftRendition) -> bytes | None:
    """The stored file, or None when it is gone or not what the row says."""
    try:
        with _storage().open(row.path, "rb") as fh:
            data = fh.read()
    except OSError:
        data = None
    if data is None or hashlib.sha256(data).hexdigest() != row.sha256:
        logger.warning(
            "pdf: stored draft missing or changed (request %s)", row.request_id
        )
        m.DraftRendition.objects.filter(pk=row.pk, path=row.path).delete()
        return None
    return data


def _is_stale(row: m.DraftRendition) -> bool:
    stale = timedelta(seconds=settings.PRIORAUTH_RENDER_STALE_SECONDS)
    return row.claimed_at <= timezone.now() - stale


def rendition_get_or_render(
    *,
    request: m.AuthRequest,
    inputs_digest: str,
    render: Callable[[], bytes],
    rendered_by: str = "click",
) -> bytes:
    """The draft PDF for this key: stored, or being rendered (wait for it), or
    rendered now by ``render`` (which is called at most once, and only by the one
    caller holding the key's claim)."""
    key = _key(request, inputs_digest)
    while True:
        row = m.DraftRendition.objects.filter(**key).first()
        if row is None:
            mine = _claim(request, inputs_digest, rendered_by)
            if mine is not None:
                return _render_and_store(mine, render)
            continue
        if row.state == m.DraftRendition.State.READY:
            data = _read(row)
            if data is not None:
                return data
            continue
        if _is_stale(row) and _take_over(row, rendered_by):
            return _render_and_store(row, render)
        _sleep(POLL_SECONDS)


def rendition_render_ahead(
    *, request: m.AuthRequest, inputs_digest: str, render: Callable[[], bytes]
) -> str:
    """Render and store the key's PDF unless it is stored or being rendered; says
    which ("rendered", "cached", "rendering elsewhere"). Never waits."""
    key = _key(request, inputs_digest)
    row = m.DraftRendition.objects.filter(**key).first()
    if row is not None and row.state == m.DraftRendition.State.READY:
        if _read(row) is not None:
            return "cached"
        row = None
    if row is None:
        mine = _claim(request, inputs_digest, "task")
        if mine is None:
            return "rendering elsewhere"
        _render_and_store(mine, render)
        return "rendered"
    if _is_stale(row) and _take_over(row, "task"):
        _render_and_store(row, render)
        return "rendered"
    return "rendering elsewhere"


def renditions_prune(*, request_id: int, keep_pk: int | None = None) -> int:
    """Delete the request's stored drafts but ``keep_pk`` (and their files); claims
    still being rendered are left to their renderer. Returns how many went."""
    old = list(
        m.DraftRendition.objects.filter(
            request_id=request_id, state=m.DraftRendition.State.READY
        )
        .exclude(pk=keep_pk)
        .only("pk", "path")
    )
    if not old:
        return 0
    m.DraftRendition.objects.filter(pk__in=[row.pk for row in old]).delete()
    storage = _storage()
    for row in old:
        if row.path:
            storage.delete(row.path)
    return len(old)
