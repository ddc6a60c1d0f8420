"""Test helper: answer every open criterion of a request, as its physician would."""

from __future__ import annotations

from priorauth import models as m
from priorauth import services


def answer_open_criteria(request: m.AuthRequest, user: m.User) -> int:
    """Store a clinical rationale for each open criterion; returns how many."""
    evaluation = services.auth_request_evaluate(request=request)
    rows = services.criteria_to_answer(evaluation=evaluation)
    request.rationales = [
        {
            "code": o.code,
            "level": o.level or "",
            "text": f"Clinical reason for {o.code}.",
            "author_id": user.pk,
        }
        for o in rows
    ]
    m.AuthRequest.objects.filter(pk=request.pk).update(rationales=request.rationales)
    return len(rows)


def review_of(request: m.AuthRequest):  # type: ignore[no-untyped-def]
    """What the sign page would carry for ``request`` now (revision, draft SHA-256)."""
    from priorauth.packet import signing
    from priorauth.services.signing import Review

    fresh = services.auth_request_queryset_for_detail(signed_documents=False).get(
        pk=request.pk
    )
    data = services.auth_request_packet_pdf(request=fresh)
    return Review(revision=fresh.revision, sha256=signing.sha256_hex(data))


def sign_data(request: m.AuthRequest, password: str, **extra: str) -> dict[str, object]:
    """The sign page's POST for ``request`` (password, confirmation, review token)."""
    review = review_of(request)
    return {
        "password": password,
        "confirm": "on",
        "action": "sign",
        "reviewed_revision": review.revision,
        "reviewed_sha256": review.sha256,
        **extra,
    }
