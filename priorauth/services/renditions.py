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

Building the HTML costs more than reading a file (loading the request with its
rows, the rules, the template). So a row also carries a ``state_fingerprint``: the
SHA-256 of every stored row the packet reads (the request, its rows, the patient and
their injection history, the payer profile, providers, facility, practice, read as
as loaded for the packet, no query of its own), today's date and ``code_version`` (the
source, templates and renderer). The draft view looks the fingerprint up first and
serves the file without building anything; only when it is unknown is the HTML built
and the digest decides. A fingerprint names at most one digest: the same rows, date
and code always build the same HTML.

Files live in the ``renditions`` storage (settings.STORAGES; a folder outside the
web root, one sub-folder per practice). After a render, the request's other
renditions are pruned: one file per request is kept. Signed PDFs are
``SignedDocument`` rows and never pass through here.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import IntegrityError, transaction
from django.utils import timezone

from priorauth import models as m
from priorauth.packet import pdf

logger = logging.getLogger(__name__)

__all__ = [
    "code_version",
    "instance_values",
    "rendition_for_fingerprint",
    "rendition_get_or_render",
    "rendition_render_ahead",
    "renditions_prune",
    "state_fingerprint",
]

POLL_SECONDS = 0.05
# Indirection for tests: the poll's sleep (they replace it to order two threads).
_sleep = time.sleep


PACKAGE_DIR = Path(__file__).resolve().parents[1]
TEMPLATE_DIR = PACKAGE_DIR.parent / "templates"
# Packages whose data shapes the packet's words (the ICD-10-CM descriptions).
DATA_PACKAGES = ("simple-icd-10-cm", "Django")


@functools.cache
def code_version() -> str:
    """SHA-256 over this process's code that shapes a packet: every Python file of
    priorauth, every template, the renderer (``pdf.renderer_version``) and the data
    packages. Computed once per process; a deploy changes it, so no PDF rendered by
    older code is served by a state fingerprint."""
    digest = hashlib.sha256(pdf.renderer_version().encode())
    files = sorted(PACKAGE_DIR.rglob("*.py")) + sorted(TEMPLATE_DIR.rglob("*"))
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(PACKAGE_DIR.parent)).encode() + b"\0")
            digest.update(path.read_bytes())
    for name in DATA_PACKAGES:
        digest.update(f"{name}={importlib.metadata.version(name)}".encode())
    return digest.hexdigest()


# The worklist's cached finding counts: written when a page evaluates the request,
# derived from the same rows, never read by the packet.
NOT_PACKET_INPUTS = frozenset({"blocker_count", "warning_count", "evaluated_at"})


def instance_values(obj: object | None) -> tuple[object, ...]:
    if obj is None:
        return ()
    return tuple(
        getattr(obj, f.attname)
        for f in obj._meta.concrete_fields  # type: ignore[attr-defined]
        if f.attname not in NOT_PACKET_INPUTS
    )


def state_fingerprint(
    *, request: m.AuthRequest, today: object, rows: Iterable[Iterable[object]]
) -> str:
    """SHA-256 of ``request`` and its loaded related rows (patient, payer profiles,
    providers, facility, practice), the ``rows`` lists (each a table's values) and
    ``today``, under ``code_version``."""
    patient = request.patient
    parts: list[object] = [
        code_version(),
        str(today),
        instance_values(request),
        instance_values(patient),
        instance_values(patient.payer_profile),
        instance_values(request.payer_profile),
        instance_values(request.ordering_provider),
        instance_values(request.rendering_provider),
        instance_values(request.facility),
        instance_values(request.practice),
        *(tuple(table) for table in rows),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def rendition_for_fingerprint(
    *, request: m.AuthRequest, fingerprint: str
) -> bytes | None:
    """The stored draft of this request state, found without building its HTML."""
    row = (
        m.DraftRendition.objects.filter(
            request_id=request.pk,
            revision=request.revision,
            lock_version=request.lock_version,
            state_fingerprint=fingerprint,
            state=m.DraftRendition.State.READY,
        )
        .order_by("-pk")
        .first()
    )
    return None if row is None else _read(row)


def _note_fingerprint(row: m.DraftRendition, fingerprint: str) -> None:
    if fingerprint and row.state_fingerprint != fingerprint:
        m.DraftRendition.objects.filter(pk=row.pk).update(state_fingerprint=fingerprint)
        row.state_fingerprint = fingerprint


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
    request: m.AuthRequest, inputs_digest: str, rendered_by: str, fingerprint: str = ""
) -> m.DraftRendition | None:
    """Insert the key's row as "rendering"; None when another renderer has it."""
    try:
        with transaction.atomic():
            return m.DraftRendition.objects.create(
                practice_id=request.practice_id,
                state=m.DraftRendition.State.RENDERING,
                claimed_at=timezone.now(),
                rendered_by=rendered_by,
                state_fingerprint=fingerprint,
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
    fingerprint: str = "",
    handoff: Callable[[], bool] | None = None,
) -> bytes:
    """The draft PDF for this key: stored, or being rendered (wait for it), or
    rendered now by ``render`` (which is called at most once, and only by the one
    caller holding the key's claim). ``fingerprint``, when given, is recorded on
    the key's row (``state_fingerprint``).

    ``handoff``, when given, is called once when nobody renders the key yet: it asks
    a worker to render it (services.tasks.draft_render_now) and says whether it
    could. The caller then waits for the worker's claim, and renders itself only
    when none has appeared after ``PRIORAUTH_RENDER_HANDOFF_MS`` (no worker, or one
    busy past that); so renders stay off the web process while a worker runs."""
    key = _key(request, inputs_digest)
    handoff_until: float | None = None
    while True:
        row = m.DraftRendition.objects.filter(**key).first()
        if row is None:
            if handoff is not None and handoff_until is None:
                handed = handoff()
                wait = settings.PRIORAUTH_RENDER_HANDOFF_MS / 1000 if handed else 0
                handoff_until = time.monotonic() + wait
                continue
            if handoff_until is not None and time.monotonic() < handoff_until:
                _sleep(POLL_SECONDS)
                continue
            mine = _claim(request, inputs_digest, rendered_by, fingerprint)
            if mine is not None:
                return _render_and_store(mine, render)
            continue
        if row.state == m.DraftRendition.State.READY:
            data = _read(row)
            if data is not None:
                _note_fingerprint(row, fingerprint)
                return data
            continue
        if _is_stale(row) and _take_over(row, rendered_by):
            return _render_and_store(row, render)
        _sleep(POLL_SECONDS)


def rendition_render_ahead(
    *,
    request: m.AuthRequest,
    inputs_digest: str,
    render: Callable[[], bytes],
    fingerprint: str = "",
) -> str:
    """Render and store the key's PDF unless it is stored or being rendered; says
    which ("rendered", "cached", "rendering elsewhere"). Never waits."""
    key = _key(request, inputs_digest)
    row = m.DraftRendition.objects.filter(**key).first()
    if row is not None and row.state == m.DraftRendition.State.READY:
        if _read(row) is not None:
            _note_fingerprint(row, fingerprint)
            return "cached"
        row = None
    if row is None:
        mine = _claim(request, inputs_digest, "task", fingerprint)
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
