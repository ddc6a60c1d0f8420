"""The request page's writes: which history rows it shows, saving the request with its
row sections (bulk queries, a fixed cost whatever the number of rows), the "builds on"
ticks, and prior counts filled from the patient's history.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from priorauth import models as m
from priorauth.rules import facts as rf
from priorauth.services.facts import (
    auth_request_builds_on_ids,
    enum_or_none,
    patient_history_facts,
)
from priorauth.services.requests import history_prior_counts
from priorauth.services.tasks import draft_render_soon
from priorauth.services.workflow import WorkflowError

__all__ = [
    "HISTORY_SHOWN",
    "auth_request_builds_on_set",
    "auth_request_fill_prior_counts",
    "auth_request_save",
    "patient_has_history",
    "request_history_rows",
]


def patient_has_history(*, patient: m.Patient) -> bool:
    return patient.history.exists()


# The newest history rows of the request's kind shown on the request page (plus
# every row it builds on); the patient page lists them all.
HISTORY_SHOWN = 10


def _history_kinds(procedure_type: str) -> frozenset[str]:
    """Procedure types of the history rows a request of this type is about."""
    kind = enum_or_none(rf.ProcedureType, procedure_type)
    if kind is None:
        return frozenset()  # not chosen yet: every kind
    if kind.is_facet_family:
        return frozenset(("facet_ia", "mbb", "rfa"))
    if kind.is_esi:
        return frozenset(t.value for t in rf.ProcedureType if t.is_esi)
    return frozenset((kind.value,))


def _row_regions(levels: Iterable[str]) -> set[rf.Region]:
    from priorauth.rules.ledger import safe_levels
    from priorauth.rules.levels import region_of

    return {region_of(level) for level in safe_levels(levels)}


def request_history_rows(
    *, request: m.AuthRequest, patient: m.Patient
) -> tuple[list[m.PriorProcedure], int, frozenset[int]]:
    """The history rows the request page shows, how many it leaves out, and the ids
    of the rows the request builds on.

    Shown: every row the request builds on, and the ``HISTORY_SHOWN`` newest rows
    of its kind (facet blocks and RFAs for a facet-family request, ESIs for an ESI,
    every kind before a procedure is chosen) in the region of its levels (rows
    whose levels cannot be read are kept); newest first. A returning patient with
    a long history keeps a short page; the patient page lists every row. Reads the
    patient's history once (none when prefetched).
    """
    rows = list(patient.history.all())
    ids = auth_request_builds_on_ids(request=request)
    kinds = _history_kinds(request.procedure_type)
    regions = (
        _row_regions(lv.level for lv in request.levels.all()) if request.pk else set()
    )

    def relevant(row: m.PriorProcedure) -> bool:
        if kinds and row.procedure not in kinds:
            return False
        touched = _row_regions(row.level_list)
        return not regions or not touched or bool(touched & regions)

    newest = [row.pk for row in rows if row.pk not in ids and relevant(row)]
    shown_ids = ids | set(newest[:HISTORY_SHOWN])
    shown = [row for row in rows if row.pk in shown_ids]
    return shown, len(rows) - len(shown), ids


def _loaded_foreign_keys(obj: m.AuthRequest) -> set[str]:
    """Foreign keys whose related row is already in hand (select_related, or a form's
    validated choice): checking that it exists would be one more query per key."""
    names = set()
    for field in obj._meta.concrete_fields:
        if field.many_to_one and field.is_cached(obj):
            related = field.get_cached_value(obj)
            if (
                related is not None
                and related.pk is not None
                and related.pk == getattr(obj, field.attname)
            ):
                names.add(field.name)
    return names


def _formset_save_rows(formset, *, request: m.AuthRequest) -> list:  # type: ignore[no-untyped-def,type-arg]
    """Save one validated row formset with bulk queries; return its kept rows in page order.

    New rows: one INSERT; changed rows: one UPDATE; deleted rows: one DELETE
    (instead of one query per row). Level rows get their page order as
    ``position`` and empty prior counts filled from history before they are
    written, so the fill costs no extra UPDATE.
    """
    if formset.prefix == "history":
        return _history_save_rows(formset, request=request)
    model = formset.model
    formset.instance = request
    rows = formset.save(commit=False)  # new and changed rows, not written yet
    kept = [form.instance for form in formset.kept_forms()]
    changed = [row for row in rows if row.pk is not None]
    touched: list = []  # type: ignore[type-arg]
    if formset.prefix == "levels":
        for position, row in enumerate(kept):
            if row.position != position:
                row.position = position
                touched.append(row)
        touched += _fill_prior_counts(request=request, levels=kept)
    changed += [row for row in touched if row.pk is not None and row not in changed]
    new = [row for row in rows if row.pk is None]
    for row in new:
        row.request = request
    deleted = [row.pk for row in formset.deleted_objects if row.pk is not None]
    if deleted:
        model.objects.filter(request=request, pk__in=deleted).delete()
    if new:
        model.objects.bulk_create(new)
    if changed:
        fields = set(formset.form._meta.fields) - {"request", "id"}
        fields |= set(getattr(formset.form, "extra_model_fields", ()))
        if formset.prefix == "levels":
            fields.add("position")
        model.objects.bulk_update(changed, sorted(fields))
    return kept


@transaction.atomic
def auth_request_save(
    *, request: m.AuthRequest, formsets: Iterable, user: m.User
) -> m.AuthRequest:  # type: ignore[type-arg]
    """Save a request and its row formsets (already validated), then fill derived values.

    - ``practice`` and ``created_by`` come from the user, never from the form.
    - Level rows get their page order as ``position``.
    - An empty prior count is filled from the patient's recorded history (when the
      patient has any); a typed count is kept as typed, even when lower (the
      engine reports that as a finding).

    Query cost is fixed, whatever the number of rows: the request UPDATE/INSERT,
    at most one INSERT, UPDATE and DELETE per formset, and the history read when
    a level has no prior count (none when the caller prefetched it).
    """
    is_new = request.pk is None
    if is_new:
        request.practice_id = user.practice_id
        request.created_by = user
    elif request.status == m.AuthRequest.Status.READY:
        raise WorkflowError(
            "This request is waiting for the physician's signature and is read-only."
            " The physician can send it back to billing with a comment."
        )
    elif request.is_locked:
        raise WorkflowError("This request is signed; editing it needs a new revision.")
    request.full_clean(
        exclude={"practice", "created_by"} | _loaded_foreign_keys(request)
    )
    request.save()
    if is_new:
        # A new request builds on nothing yet: no query to find out.
        request._prefetched_objects_cache = {"builds_on": []}
    # History first: prior counts left empty are filled from it, new rows included.
    for formset in sorted(formsets, key=lambda fs: fs.prefix != "history"):
        _formset_save_rows(formset, request=request)
    draft_render_soon(request_id=request.pk)
    return request


def _history_save_rows(formset, *, request: m.AuthRequest) -> list:  # type: ignore[no-untyped-def,type-arg]
    """Save the request page's injection history rows and "builds on" ticks.

    New rows: one INSERT; changed rows: one UPDATE; ticks: at most one DELETE and
    one INSERT of links. Every row must be the request's patient's (the formset
    only offers those; checked again here).
    """
    new, changed, ticks = [], [], []
    for form in formset.kept_forms():
        row = form.instance
        if row.pk is None:
            row.patient_id = request.patient_id
            new.append(row)
        elif form.model_changed:
            changed.append(row)
        ticks.append((row, bool(form.cleaned_data.get("builds_on"))))
    _check_same_patient(request=request, rows=changed)
    if new:
        m.PriorProcedure.objects.bulk_create(new)
    if changed:
        fields = set(formset.form._meta.fields) | set(formset.form.extra_model_fields)
        m.PriorProcedure.objects.bulk_update(changed, sorted(fields))
    auth_request_builds_on_set(request=request, rows=ticks)
    if new:
        _history_cache_add(patient=request.patient, rows=new)
    return [row for row, _ in ticks]


def _history_cache_add(*, patient: m.Patient, rows: list[m.PriorProcedure]) -> None:
    """Put rows just written into the patient's prefetched history (if loaded), so the
    prior-count fill that follows sees them without reading the history again.

    Changed rows need nothing: the page's rows are the prefetched objects themselves.
    """
    cached = getattr(patient, "_prefetched_objects_cache", {}).get("history")
    if cached is None:
        return
    merged = [*cached, *rows]
    merged.sort(key=lambda row: (-row.date.toordinal(), row.pk))  # Meta.ordering
    cached._result_cache = merged


def _check_same_patient(
    *, request: m.AuthRequest, rows: Iterable[m.PriorProcedure]
) -> None:
    if any(row.pk is None or row.patient_id != request.patient_id for row in rows):
        raise ValidationError(
            "A request builds only on its own patient's injections.",
            code="other_patient",
        )


@transaction.atomic
def auth_request_builds_on_set(
    *, request: m.AuthRequest, rows: Iterable[tuple[m.PriorProcedure, bool]]
) -> None:
    """Tick (True) or untick (False) the history rows ``request`` builds on.

    Rows not named keep their state. A row of another patient (so also of another
    practice) raises ``ValidationError`` (code ``other_patient``) and nothing changes.
    """
    rows = list(rows)
    _check_same_patient(request=request, rows=[row for row, _ in rows])
    current = auth_request_builds_on_ids(request=request)
    add = {row.pk for row, on in rows if on} - current
    remove = {row.pk for row, on in rows if not on} & current
    link = m.AuthRequest.builds_on.through
    if remove:
        link.objects.filter(
            authrequest_id=request.pk, priorprocedure_id__in=remove
        ).delete()
    if add:
        link.objects.bulk_create(
            [
                link(authrequest_id=request.pk, priorprocedure_id=pk)
                for pk in sorted(add)
            ]
        )
    if add or remove:
        getattr(request, "_prefetched_objects_cache", {}).pop("builds_on", None)


def _fill_prior_counts(
    *, request: m.AuthRequest, levels: Iterable[m.RequestLevel]
) -> list[m.RequestLevel]:
    """Set empty prior counts on ``levels`` from history (not saved); return the rows set."""
    empty = [row for row in levels if row.prior_count is None]
    if not empty:
        return []
    history = patient_history_facts(patient=request.patient)
    if not history:
        return []
    counts = history_prior_counts(
        patient=request.patient,
        procedure_type=request.procedure_type,
        levels=[row.level for row in empty],
        on=request.date_of_service,
        history=history,
    )
    for row in empty:
        row.prior_count = counts.get(row.level, 0)
    return empty


def auth_request_fill_prior_counts(*, request: m.AuthRequest) -> list[str]:
    """Fill empty prior counts from history; return the levels filled."""
    filled = _fill_prior_counts(
        request=request,
        levels=m.RequestLevel.objects.filter(request=request, prior_count__isnull=True),
    )
    if filled:
        m.RequestLevel.objects.bulk_update(filled, ["prior_count"])
    return [row.level for row in filled]
