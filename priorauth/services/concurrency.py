"""Optimistic concurrency for request edits: a stale form never overwrites newer data.

The edit page carries the ``lock_version`` it was rendered with. Saving claims
that version with one conditional UPDATE (``... WHERE lock_version = expected``);
if another user saved in between, no row matches and the save is refused.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from priorauth import models as m

logger = logging.getLogger(__name__)

STALE_MESSAGE = (
    "Someone else saved this request after you opened it. Your changes were not saved; "
    "reload the page to see the current version, then make your changes again."
)


class ConcurrentEditError(Exception):
    """The form was built from an older version of the request."""

    code = "stale_lock_version"

    def __init__(self, message: str = STALE_MESSAGE) -> None:
        super().__init__(message)
        self.message = message


def _as_version(value: object) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise ConcurrentEditError() from None


def auth_request_check_version(
    *, request: m.AuthRequest, expected_lock_version: object
) -> int:
    """Claim ``expected_lock_version`` for this save and return the new version.

    Atomically bumps the stored counter only when it still equals the expected
    value; raises ``ConcurrentEditError`` otherwise (including unparsable input).
    Call inside the same transaction as the save so a failed save releases the claim.
    """
    expected = _as_version(expected_lock_version)
    updated = m.AuthRequest.objects.filter(pk=request.pk, lock_version=expected).update(
        lock_version=F("lock_version") + 1
    )
    if updated != 1:
        raise ConcurrentEditError()
    request.lock_version = expected + 1
    return request.lock_version


def auth_request_save_checked(
    *,
    request: m.AuthRequest,
    formsets: Iterable[Any],
    user: m.User,
    expected_lock_version: object,
) -> m.AuthRequest:
    """``auth_request_save`` for an existing request, refused when the form is stale.

    ``expected_lock_version`` None means the page did not carry a version (an older
    page); the save then goes through unchecked but still bumps the version.
    One transaction, timed (``transaction_timed``): on SQLite it holds the
    database's single write lock from BEGIN IMMEDIATE to COMMIT.
    """
    with transaction_timed("request save"):
        return _save_checked(
            request=request,
            formsets=formsets,
            user=user,
            expected_lock_version=expected_lock_version,
        )


@contextmanager
def transaction_timed(name: str) -> Iterator[None]:
    """``transaction.atomic()``, logging its duration (waiting for the write lock
    included) as a warning when it reaches PRIORAUTH_SLOW_TRANSACTION_MS (quality.md
    P11: p95 at most 50 ms). The benchmark sets the threshold to 0 to log every one."""
    started = time.perf_counter()
    try:
        with transaction.atomic():
            yield
    finally:
        elapsed_ms = (time.perf_counter() - started) * 1000
        if elapsed_ms >= settings.PRIORAUTH_SLOW_TRANSACTION_MS:
            logger.warning("transaction %s took %.1f ms", name, elapsed_ms)


def _save_checked(
    *,
    request: m.AuthRequest,
    formsets: Iterable[Any],
    user: m.User,
    expected_lock_version: object,
) -> m.AuthRequest:
    from priorauth.services.intake import auth_request_save

    if request.pk is not None:
        if expected_lock_version is None:
            expected_lock_version = (
                m.AuthRequest.objects.filter(pk=request.pk)
                .values_list("lock_version", flat=True)
                .get()
            )
        auth_request_check_version(
            request=request, expected_lock_version=expected_lock_version
        )
    return auth_request_save(request=request, formsets=formsets, user=user)
