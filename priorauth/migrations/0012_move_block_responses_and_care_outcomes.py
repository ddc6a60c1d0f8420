"""Move block responses into the injection history; read care outcomes (issue 11).

Forward, block responses (patient by patient, oldest request first, as
``rules.ledger.normalize`` reads a request's responses):

- The history row of the request's patient that the response describes (same date,
  a facet block (IA or MBB), overlapping levels, or any levels when the response
  names none: the matching of ``rules.ledger._matches``) is completed: empty fields
  are filled from the response. Where both have a value and they differ, the
  response wins (as in ``normalize``) and the replaced value is written into the
  row's review note, with ``needs_review`` set.
- Without such a row, a new diagnostic history row is made, of the block type the
  request implies (``rules.ledger.inferred_block_type``: MBB for an MBB or RFA
  request, facet IA for an IA request). When the request cannot tell (an ESI
  request) the row is recorded as an MBB, ``needs_review``, with a note saying the
  type was not recorded. A response without levels gives a row marked the same way.
- Either way the request builds on the row (``AuthRequest.builds_on``).
- A response without a date cannot be placed in the history (a history row has a
  date): its values are written into the request's note for staff (``review_note``),
  shown on the request pages, so nothing is lost.

Conservative care: the free-text outcome is read with the keyword logic of
``rules.care.outcome_from_text``: the outcome choice, the text kept as the note
when it says more than the choice, ``needs_review`` when the text names no outcome
or several (never silently changed).

The logic is frozen here (copied, not imported) so that later changes to the app
cannot change what this migration does; ``tests/test_migration_0012.py`` checks
that the copy agrees with ``rules.care.outcome_from_text``.

Reverse (development, and the migration test that starts from 0007): every history
row a request builds on becomes one of its block responses again, and outcome plus
note become text again (the original text for rows this migration read). History
rows completed or added on the way forward keep their values, and notes for staff
about undated responses go with the column (0008 reversed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.db import migrations

# ----------------------------------------------------------------- frozen: rules.care

OUTCOME_WORDS = {
    "failed": "failed",
    "partial": "partial relief, not enough",
    "not_tolerated": "not tolerated",
    "contraindicated": "contraindicated",
    "ongoing": "ongoing",
    "improved": "improved",
}
EXACT = {
    **{value: value for value in OUTCOME_WORDS},
    **{word: value for value, word in OUTCOME_WORDS.items()},
    "intolerant": "not_tolerated",
    "intolerance": "not_tolerated",
    "not tolerated": "not_tolerated",
    "partial": "partial",
    "partial relief": "partial",
    "no relief": "failed",
    "ineffective": "failed",
    "not effective": "failed",
    "inadequate": "failed",
    "inadequate relief": "failed",
    "in progress": "ongoing",
    "improving": "improved",
    "resolved": "improved",
}
KEYWORDS = (
    ("fail", "failed"),
    ("no relief", "failed"),
    ("not effective", "failed"),
    ("ineffective", "failed"),
    ("inadequate", "failed"),
    ("intoler", "not_tolerated"),
    ("partial", "partial"),
)


def outcome_from_text(text: str) -> tuple[str | None, str, bool]:
    """(outcome, note, ambiguous): ``rules.care.outcome_from_text`` of December 2026."""
    raw = (text or "").strip()
    key = re.sub(r"\s+", " ", raw.lower()).strip(" .;")
    if not key:
        return None, "", False
    if key in EXACT:
        return EXACT[key], "", False
    named = list(dict.fromkeys(outcome for word, outcome in KEYWORDS if word in key))
    if len(named) == 1:
        return named[0], raw, False
    if named:
        return named[0], raw, True
    return None, raw, True


# Words the pre-December-2026 keyword logic reads back as the same outcome (reverse).
OLD_TEXT = {
    "failed": "failed",
    "partial": "partial",
    "not_tolerated": "intolerant",
    "contraindicated": "contraindicated",
    "ongoing": "ongoing",
    "improved": "improved",
}


def care_text(outcome: str, note: str) -> str:
    """Outcome and note as one free text again (reverse)."""
    if not outcome:
        return note
    if not note:
        return OLD_TEXT[outcome]
    if outcome_from_text(note)[0] == outcome:
        return note  # the note is the text the outcome was read from
    return f"{OLD_TEXT[outcome]}: {note}"


# --------------------------------------------------------------- frozen: rules.ledger

FACET_BLOCKS = ("facet_ia", "mbb")
_LEVEL = re.compile(r"([CTLS])(\d{1,2})[-/\u2013]?([CTLS])?(\d{1,2})")


def canonical_level(text: str) -> str | None:
    """``l4-5`` -> ``L4-L5`` (the common forms of ``rules.levels.parse_level``)."""
    raw = text.strip()
    if raw.lower() == "caudal":
        return "caudal"
    match = _LEVEL.fullmatch(raw.upper().replace(" ", ""))
    if match is None:
        return None
    upper, n1, lower, n2 = match.groups()
    return f"{upper}{int(n1)}-{lower or upper}{int(n2)}"


def level_set(levels: str) -> set[str]:
    """Canonical levels of a comma-separated list; unreadable ones dropped."""
    found = (canonical_level(part) for part in (levels or "").split(","))
    return {level for level in found if level}


def matches(row: Any, response: Any) -> bool:
    """``rules.ledger._matches`` for a response that names no block type."""
    if response.date is None or row.date != response.date:
        return False
    if row.procedure not in FACET_BLOCKS:
        return False
    wanted = level_set(response.levels)
    return not wanted or bool(wanted & level_set(row.levels))


def inferred_block_type(procedure_type: str) -> str | None:
    """``rules.ledger.inferred_block_type``: the block an MBB, RFA or IA request builds on."""
    if procedure_type in ("mbb", "rfa"):
        return "mbb"
    if procedure_type == "facet_ia":
        return "facet_ia"
    return None


# ------------------------------------------------------------------------ forward

# (response field, history field, words for the review note)
MERGED = (
    ("agent", "agent", "agent"),
    ("scale", "scale", "pain scale"),
    ("pre_score", "pre_score", "pre score"),
    ("post_score", "post_score", "post score"),
    ("percent_relief", "relief_percent", "relief %"),
    ("duration_hours", "relief_duration_hours", "relief hours"),
)
PROCEDURE_WORDS = {
    "esi_interlaminar": "an interlaminar epidural steroid injection",
    "esi_transforaminal": "a transforaminal epidural steroid injection",
    "esi_caudal": "a caudal epidural steroid injection",
}


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, str) and isinstance(new, str):
        return old.strip() == new.strip()
    return float(old) == float(new)


def _add_note(row: Any, text: str) -> None:
    row.needs_review = True
    row.review_note = f"{row.review_note}\n{text}".strip()


def complete(row: Any, response: Any, request_pk: int) -> bool:
    """Fill the row from the response (the response wins); True when it changed."""
    changed = False
    for src, dst, words in MERGED:
        new, old = getattr(response, src), getattr(row, dst)
        if _empty(new) or (not _empty(old) and _same(old, new)):
            continue
        if not _empty(old):
            _add_note(
                row,
                f"The block response on request {request_pk} said {words} "
                f"{_shown(new)}, the history said {_shown(old)}; {_shown(new)} is "
                f"used now. Check which is right.",
            )
        setattr(row, dst, new)
        changed = True
    return changed


def new_row(PriorProcedure: Any, request: Any, response: Any) -> Any:
    kind = inferred_block_type(request.procedure_type)
    row = PriorProcedure(
        patient_id=request.patient_id,
        date=response.date,
        procedure=kind or "mbb",
        intent="diagnostic",
        levels=response.levels,
        agent=response.agent,
        scale=response.scale,
        pre_score=response.pre_score,
        post_score=response.post_score,
        relief_percent=response.percent_relief,
        relief_duration_hours=response.duration_hours,
    )
    if kind is None:
        asked = PROCEDURE_WORDS.get(request.procedure_type, request.procedure_type)
        _add_note(
            row,
            f"The block type was not recorded (request {request.pk} asks for "
            f"{asked}); entered as a medial branch block. Check the type.",
        )
    if not level_set(response.levels):
        _add_note(row, "The levels of this block were not recorded; enter them.")
    return row


def describe(response: Any) -> str:
    parts = []
    if response.levels.strip():
        parts.append(f"levels {response.levels.strip()}")
    for value in (response.agent, response.scale):
        if value.strip():
            parts.append(value.strip())
    if response.pre_score is not None or response.post_score is not None:
        pre = "?" if response.pre_score is None else _shown(response.pre_score)
        post = "?" if response.post_score is None else _shown(response.post_score)
        parts.append(f"pain {pre} before, {post} after")
    if response.percent_relief is not None:
        parts.append(f"{_shown(response.percent_relief)} % relief")
    if response.duration_hours is not None:
        parts.append(f"relief lasted {_shown(response.duration_hours)} hours")
    return "; ".join(parts)


def undated_note(response: Any) -> str:
    return (
        f"A block response without a date could not be placed in the injection "
        f"history ({describe(response)}). Add the injection with its date, and tick "
        f"that this request builds on it."
    )


def _by_patient(BlockResponse: Any) -> Iterator[tuple[int, list[Any]]]:
    responses = (
        BlockResponse.objects.select_related("request")
        .order_by("request__patient_id", "request_id", "date", "id")
        .iterator(chunk_size=2000)
    )
    patient_id, batch = None, []
    for response in responses:
        if response.request.patient_id != patient_id and batch:
            yield patient_id, batch
            batch = []
        patient_id = response.request.patient_id
        batch.append(response)
    if batch:
        yield patient_id, batch


def move_block_responses(apps: Any, schema_editor: Any) -> None:
    BlockResponse = apps.get_model("priorauth", "BlockResponse")
    PriorProcedure = apps.get_model("priorauth", "PriorProcedure")
    AuthRequest = apps.get_model("priorauth", "AuthRequest")
    Link = AuthRequest.builds_on.through
    for patient_id, responses in _by_patient(BlockResponse):
        history = list(
            PriorProcedure.objects.filter(patient_id=patient_id).order_by("-date", "id")
        )
        changed: dict[int, Any] = {}
        links: dict[tuple[int, int], None] = {}
        notes: dict[int, list[str]] = {}
        for response in responses:
            request = response.request
            if response.date is None:
                if describe(response):
                    notes.setdefault(request.pk, []).append(undated_note(response))
                continue
            row = next((r for r in history if matches(r, response)), None)
            if row is None:
                row = new_row(PriorProcedure, request, response)
                row.save()
                history.append(row)
            elif complete(row, response, request.pk):
                changed[row.pk] = row
            links[(request.pk, row.pk)] = None
        for row in changed.values():
            row.save()
        Link.objects.bulk_create(
            [Link(authrequest_id=a, priorprocedure_id=b) for a, b in links],
            ignore_conflicts=True,
        )
        for request_pk, texts in notes.items():
            request = AuthRequest.objects.get(pk=request_pk)
            request.review_note = "\n".join(
                [request.review_note, *texts] if request.review_note else texts
            )
            request.save(update_fields=["review_note"])


def read_care_outcomes(apps: Any, schema_editor: Any) -> None:
    ConservativeCare = apps.get_model("priorauth", "ConservativeCare")
    rows = []
    for care in ConservativeCare.objects.exclude(outcome="").iterator(chunk_size=2000):
        outcome, note, ambiguous = outcome_from_text(care.outcome)
        care.outcome, care.note, care.needs_review = outcome or "", note, ambiguous
        rows.append(care)
        if len(rows) >= 2000:
            ConservativeCare.objects.bulk_update(
                rows, ["outcome", "note", "needs_review"]
            )
            rows = []
    ConservativeCare.objects.bulk_update(rows, ["outcome", "note", "needs_review"])


def forward(apps: Any, schema_editor: Any) -> None:
    move_block_responses(apps, schema_editor)
    read_care_outcomes(apps, schema_editor)


# ------------------------------------------------------------------------ reverse


def backward(apps: Any, schema_editor: Any) -> None:
    BlockResponse = apps.get_model("priorauth", "BlockResponse")
    AuthRequest = apps.get_model("priorauth", "AuthRequest")
    ConservativeCare = apps.get_model("priorauth", "ConservativeCare")
    Link = AuthRequest.builds_on.through
    responses = [
        BlockResponse(
            request_id=link.authrequest_id,
            date=row.date,
            agent=row.agent,
            scale=row.scale,
            pre_score=row.pre_score,
            post_score=row.post_score,
            percent_relief=row.relief_percent,
            duration_hours=row.relief_duration_hours,
            levels=row.levels,
        )
        for link in Link.objects.select_related("priorprocedure").order_by(
            "authrequest_id", "priorprocedure__date", "id"
        )
        for row in (link.priorprocedure,)
    ]
    BlockResponse.objects.bulk_create(responses, batch_size=2000)
    Link.objects.all().delete()
    rows = []
    for care in ConservativeCare.objects.exclude(outcome="", note=""):
        care.outcome = care_text(care.outcome, care.note)[:300]
        care.note, care.needs_review = "", False
        rows.append(care)
    ConservativeCare.objects.bulk_update(
        rows, ["outcome", "note", "needs_review"], batch_size=2000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("priorauth", "0011_injection_history_fields"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
