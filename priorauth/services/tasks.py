"""Background tasks (django-tasks): the draft PDF rendered ahead of the click.

Every service that changes what a request's packet shows (a save, an import, a
workflow step, the physician's answers) calls ``draft_render_soon``: once its
transaction commits, ``draft_render_ahead`` is enqueued on the configured backend
(settings.TASKS: the database backend, run by ``manage.py db_worker``). The task
renders into the rendition cache (services.renditions), so the click finds the
file. A lost or failed task costs only speed: the click renders what is missing.
"""

from __future__ import annotations

import logging

from django_tasks import task

from django.db import transaction

logger = logging.getLogger(__name__)

__all__ = ["draft_render_ahead", "draft_render_soon"]


@task()
def draft_render_ahead(request_id: int) -> str:
    """Render the request's current draft into the rendition cache."""
    # Imported here: services.signing imports services.workflow, which calls
    # draft_render_soon (a module-level import would be circular).
    from priorauth.services.signing import auth_request_render_ahead

    outcome = auth_request_render_ahead(request_id=request_id)
    logger.info("pdf: render ahead of request %s: %s", request_id, outcome)
    return outcome


def _enqueue(request_id: int) -> None:
    draft_render_ahead.enqueue(request_id)


def draft_render_soon(*, request_id: int) -> None:
    """Enqueue ``draft_render_ahead`` once the current transaction commits (at once
    outside one). A failing enqueue is logged and never fails the caller's save."""
    transaction.on_commit(lambda: _enqueue(request_id), robust=True)
