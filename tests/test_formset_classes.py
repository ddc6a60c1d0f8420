"""The request page's formsets leave their row forms' classes alone (a 500 under
load: two threads building the page at once raced on a shared ``Meta.fields`` list
that Django's inline formsets append the foreign key to)."""

from __future__ import annotations

import threading

import pytest

from priorauth import models as m
from priorauth.web.requests import history
from priorauth.web.requests.forms import FORMSET_SPECS, request_formsets

ROW_FORMS = [form for _prefix, _title, _model, form, _base in FORMSET_SPECS] + [
    history.HistoryRowForm
]


def _fields() -> dict[str, tuple[str, ...]]:
    return {form.__name__: form._meta.fields for form in ROW_FORMS}


@pytest.mark.django_db
def test_building_the_formsets_does_not_change_the_row_forms(patient):
    before = _fields()
    assert all(isinstance(f, tuple) for f in before.values())
    for _ in range(2):
        request_formsets(instance=m.AuthRequest(), patient=patient)
    assert _fields() == before
    assert not any("request" in f or "patient" in f for f in before.values())


def test_threads_building_the_formsets_at_once_do_not_fail():
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def build() -> None:
        try:
            start.wait(timeout=30)
            for _ in range(20):
                request_formsets(instance=m.AuthRequest())
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=build) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
