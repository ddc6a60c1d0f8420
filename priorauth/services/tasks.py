"""Background tasks (django-tasks): the draft PDF rendered off the request path.

Every service that changes what a request's packet shows (a save, an import, a
workflow step, the physician's answers) calls ``draft_render_soon``: once its
transaction commits, ``draft_render_ahead`` is enqueued on the configured backend
(settings.TASKS: the database backend, run by ``manage.py db_worker``). The task
renders into the rendition cache (services.renditions), so the click finds the
file. A lost or failed task costs only speed: the click renders what is missing.

A click that finds no file while a worker runs beside the server
(``PRIORAUTH_RENDER_ON_WORKER``) hands its render to the worker too, through
``draft_render_now``: the same task at ``CLICK_PRIORITY``, ahead of every render
ahead in the queue. The web process then only waits (no CPU, no GIL) and renders
itself only when no worker takes the task (services.renditions).

A render ahead that waited in the queue longer than
``PRIORAUTH_RENDER_AHEAD_MAX_AGE_SECONDS`` is dropped: on a machine that saves
faster than it renders, the queue stays bounded and a fresh save is not rendered
behind minutes of older ones (a click on a dropped one is rendered at click
priority).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django_tasks import task

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

__all__ = [
    "CLICK_PRIORITY",
    "RENDER_AHEAD_PRIORITY",
    "draft_render_ahead",
    "draft_render_now",
    "draft_render_soon",
    "renders_ahead_paused",
]

# django-tasks priorities run from -100 to 100, higher first (the database
# backend orders its queue by priority, then by age).
RENDER_AHEAD_PRIORITY = 0
CLICK_PRIORITY = 50


@task()
def draft_render_ahead(
    request_id: int, for_click: bool = False, enqueued_at: str | None = None
) -> str:
    """Render the request's current draft into the rendition cache; says what
    happened ("rendered", "cached", "locked", "expired", ...). ``enqueued_at``
    (ISO 8601, set by ``draft_render_soon``) lets a render ahead that waited too
    long in the queue be dropped; a click's render never is."""
    # Imported here: services.signing imports services.workflow, which calls
    # draft_render_soon (a module-level import would be circular).
    from priorauth.services.signing import auth_request_render_ahead

    if not for_click and _expired(enqueued_at):
        outcome = "expired"
    else:
        outcome = auth_request_render_ahead(request_id=request_id, for_click=for_click)
    logger.info(
        "pdf: %s of request %s: %s",
        "render for a click" if for_click else "render ahead",
        request_id,
        outcome,
    )
    return outcome


def _expired(enqueued_at: str | None) -> bool:
    if not enqueued_at:
        return False
    try:
        when = datetime.fromisoformat(enqueued_at)
    except ValueError:
        return False
    max_age = timedelta(seconds=settings.PRIORAUTH_RENDER_AHEAD_MAX_AGE_SECONDS)
    return timezone.now() - when > max_age


def _enqueue(request_id: int) -> None:
    draft_render_ahead.using(priority=RENDER_AHEAD_PRIORITY).enqueue(
        request_id, enqueued_at=timezone.now().isoformat()
    )
    _keep_newest_renders_ahead(settings.PRIORAUTH_RENDER_AHEAD_QUEUE)


def _keep_newest_renders_ahead(keep: int) -> int:
    """On the database backend, drop the waiting renders ahead but the ``keep``
    newest; returns how many went.

    The backend runs its queue oldest first. When saves come faster than the
    worker renders, every render ahead would wait behind all the older ones and
    finish after its user has clicked (who then waits for a click render as
    well). Keeping only the newest few makes the queue newest-first where it
    matters: a fresh save is rendered within ``keep`` renders, and a click on a
    dropped one is rendered at click priority. Clicks' renders are never dropped.
    """
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend != "django_tasks_db.DatabaseBackend" or keep < 1:
        return 0
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        status="READY",
        task_path=draft_render_ahead.module_path,
        priority=RENDER_AHEAD_PRIORITY,
    )
    older = list(
        waiting.order_by("-enqueued_at").values_list("pk", flat=True)[keep : keep + 500]
    )
    if not older:
        return 0
    dropped, _ = waiting.filter(pk__in=older).delete()
    if dropped:
        # An operator's signal that renders come faster than the worker(s) render.
        logger.warning(
            "pdf: the render worker is behind: dropped %d older render(s) ahead "
            "(more than PRIORAUTH_RENDER_AHEAD_QUEUE=%d waiting)",
            dropped,
            keep,
        )
    return dropped


_paused: ContextVar[bool] = ContextVar("renders_ahead_paused", default=False)


@contextmanager
def renders_ahead_paused() -> Iterator[None]:
    """No render ahead for the saves inside (a bulk job such as ``load_demo``: its
    drafts render on their first click, and a burst of renders ahead would only
    fill the queue before any worker runs)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def draft_render_soon(*, request_id: int) -> None:
    """Enqueue ``draft_render_ahead`` once the current transaction commits (at once
    outside one). A failing enqueue is logged and never fails the caller's save."""
    if _paused.get():
        return
    transaction.on_commit(lambda: _enqueue(request_id), robust=True)


def draft_render_now(*, request_id: int) -> bool:
    """Hand a click's render to the worker (at ``CLICK_PRIORITY``); False when
    the task could not be enqueued (the click then renders itself)."""
    try:
        draft_render_ahead.using(priority=CLICK_PRIORITY).enqueue(
            request_id, for_click=True
        )
    except Exception:  # a queue that is down must not fail the download
        logger.exception("pdf: could not hand request %s to the worker", request_id)
        return False
    return True
