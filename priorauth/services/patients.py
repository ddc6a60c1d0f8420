"""Finding a patient for a new request: a short search and the recently used ones.

Both stay small and indexed whatever the practice's size: the search resolves
through the (practice, last_name) and (practice, member_id) indexes and returns
at most ``limit`` rows; "recently used" reads the newest requests through the
(practice, -updated_at) index. Nothing here lists every patient of a practice.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from priorauth import models as m

__all__ = [
    "PATIENT_PICKER_LIMIT",
    "RECENT_PATIENTS_LIMIT",
    "PossibleDuplicatePatient",
    "patient_create",
    "patient_duplicates",
    "patient_search",
    "patients_matching",
    "patients_recently_used",
]

PATIENT_PICKER_LIMIT = 20
RECENT_PATIENTS_LIMIT = 10


def patients_matching(*, practice_id: int | None, search: str) -> QuerySet[m.Patient]:
    """Patients whose member ID is the search, or whose names start with its words.

    "synth", "Sam Synthetic" and "Synthetic, Sam" all find Sam Synthetic;
    a member ID must be typed in full (it is an identifier, not a name).
    An empty search matches nobody.
    """
    words = [w for w in re.split(r"[\s,]+", search.strip()) if w]
    if not words:
        return m.Patient.objects.none()
    by_name = Q()
    for word in words[:3]:
        by_name &= Q(last_name__istartswith=word) | Q(first_name__istartswith=word)
    return m.Patient.objects.filter(practice_id=practice_id).filter(
        by_name | Q(member_id__iexact=search.strip())
    )


def patient_search(
    *, practice_id: int | None, search: str, limit: int = PATIENT_PICKER_LIMIT
) -> tuple[list[m.Patient], bool]:
    """(up to ``limit`` matching patients by name, whether there were more)."""
    rows = list(
        patients_matching(practice_id=practice_id, search=search)
        .select_related("payer_profile")
        .order_by("last_name", "first_name", "pk")[: limit + 1]
    )
    return rows[:limit], len(rows) > limit


def patients_recently_used(
    *, practice_id: int | None, limit: int = RECENT_PATIENTS_LIMIT
) -> list[m.Patient]:
    """The patients of the practice's most recently changed requests, newest first (two queries)."""
    ids: list[int] = []
    recent = (
        m.AuthRequest.objects.filter(practice_id=practice_id)
        .order_by("-updated_at")
        .values_list("patient_id", flat=True)[: limit * 20]
    )
    for patient_id in recent:
        if patient_id not in ids:
            ids.append(patient_id)
            if len(ids) == limit:
                break
    if not ids:
        return []
    by_id = (
        m.Patient.objects.filter(practice_id=practice_id, pk__in=ids)
        .select_related("payer_profile")
        .in_bulk()
    )
    return [by_id[i] for i in ids if i in by_id]


# --------------------------------------------------------------------------- creating


class PossibleDuplicatePatient(Exception):
    """A patient of the practice has the same member ID and date of birth.

    Not refused: twins on a parent's plan share both. Staff open the existing
    record or confirm ("Create anyway"); nothing is saved until they do.
    """

    def __init__(self, matches: list[m.Patient]) -> None:
        super().__init__(f"{len(matches)} patient(s) with this member ID and DOB")
        self.matches = matches


def patient_duplicates(
    *, practice_id: int | None, member_id: str, dob: date | None
) -> list[m.Patient]:
    """The practice's patients with this member ID (any case, spaces trimmed) and
    date of birth, through the (practice, member_id) index."""
    member_id = (member_id or "").strip()
    if not member_id or dob is None:
        return []
    return list(
        m.Patient.objects.filter(
            practice_id=practice_id, member_id__iexact=member_id, dob=dob
        )
        .select_related("payer_profile")
        .order_by("pk")
    )


def patient_create(
    *,
    practice_id: int,
    fields: dict[str, Any],
    confirm_duplicate: bool = False,
) -> m.Patient:
    """A new patient of the practice from ``fields`` (the Patient form's cleaned data).

    Raises ``PossibleDuplicatePatient`` when the practice already has a patient
    with the same member ID and date of birth, unless ``confirm_duplicate``.
    """
    with transaction.atomic():
        if not confirm_duplicate:
            matches = patient_duplicates(
                practice_id=practice_id,
                member_id=fields.get("member_id", ""),
                dob=fields.get("dob"),
            )
            if matches:
                raise PossibleDuplicatePatient(matches)
        patient = m.Patient(practice_id=practice_id, **fields)
        patient.full_clean()
        patient.save()
    return patient
