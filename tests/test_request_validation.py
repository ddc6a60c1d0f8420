"""One validation for every way in (issue 11, item 5).

Each bad input goes through the request form (POST through the test client), the web
JSON import, ``manage.py evaluate_request`` and ``manage.py render_request``: every
way refuses it at the same field with the same message, the commands exit with status
2 and write no PDF, and the import saves nothing. The valid side of each boundary goes
through too and is accepted everywhere.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from django.core.management import call_command
from django.urls import reverse

from priorauth import models as m
from tests.intake_data import page_data

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 23)  # every way in measures "future" and "ahead" from this day
BASE = json.loads(
    (ROOT / "examples" / "mbb-diagnostic-third-same-level-medicare.json").read_text()
)
BAD_NPI = "1234567890"  # 10 digits, wrong check digit (1234567893 is right)
KNOWN = (
    "aetna, bcbs, bcbs_ma, carelon, commercial, evicore, medicare, medicare_advantage"
)
TWO_REGIONS = (
    "Levels L4-L5, C5-C6 span two regions; one request covers one region,"
    " cervical/thoracic or lumbar/sacral. Make a second request for the other region."
)

COUNTED = (
    m.Patient,
    m.Provider,
    m.Facility,
    m.PriorProcedure,
    m.AuthRequest,
    m.RequestLevel,
    m.ConservativeCare,
    m.ImagingStudy,
    m.Diagnosis,
)


@dataclass(frozen=True)
class Case:
    """One input, given the JSON way (``json_set``) and the form way (``form_set``).

    ``path``: the JSON error path; ``target``: where the form shows it (a form field,
    ``<prefix>-<row>-<field>`` for a row, ``<prefix>`` above a row table). A case
    without ``target`` cannot be typed into the form.
    """

    id: str
    json_set: dict[str, Any]
    form_set: dict[str, Any] | None
    path: str = ""
    target: str = ""
    message: str = ""
    form_rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def _levels(*names: str) -> tuple[list[dict[str, str]], dict[str, list]]:
    rows = [{"level": n, "side": "bilateral"} for n in names]
    return rows, {"levels": rows}


REFUSED = [
    Case(
        "npi-check-digit",
        {"ordering.npi": BAD_NPI},
        {"ordering_provider": "BAD_PROVIDER"},
        "ordering.npi",
        "ordering_provider",
        f"NPI {BAD_NPI} fails its check digit; check it against the NPPES record.",
    ),
    Case(
        "levels-in-two-regions",
        {"levels": _levels("L4-L5", "C5-C6")[0]},
        {},
        "levels",
        "levels",
        TWO_REGIONS,
        form_rows=_levels("L4-L5", "C5-C6")[1],
    ),
    Case(
        "dos-before-onset",
        {
            "procedure.date_of_service": "2026-03-01",
            "clinical.onset_date": "2026-03-02",
        },
        {"date_of_service": "2026-03-01", "onset_date": "2026-03-02"},
        "procedure.date_of_service",
        "date_of_service",
        "The date of service 2026-03-01 is before the pain onset date 2026-03-02.",
    ),
    Case(
        "dos-a-day-over-12-months-ahead",
        {"procedure.date_of_service": "2027-11-24"},
        {"date_of_service": "2027-11-24"},
        "procedure.date_of_service",
        "date_of_service",
        "The date of service 2027-11-24 is more than 12 months ahead;"
        " the latest is 2027-11-23.",
    ),
    Case(
        "reversed-level",
        {"levels": _levels("L5-L4")[0]},
        {},
        "levels[0].level",
        "levels-0-level",
        "'L5-L4' is not a spinal level: it is reversed; name the upper segment first"
        " (L4-L5).",
        form_rows=_levels("L5-L4")[1],
    ),
    Case(
        "non-adjacent-level",
        {"levels": _levels("L3-L5")[0]},
        {},
        "levels[0].level",
        "levels-0-level",
        "'L3-L5' is not a spinal level: L3 and L5 are not adjacent segments;"
        " a level joins two neighbouring segments, e.g. L4-L5.",
        form_rows=_levels("L3-L5")[1],
    ),
    Case(
        "no-such-segment",
        {"levels": _levels("L4-L6")[0]},
        {},
        "levels[0].level",
        "levels-0-level",
        "'L4-L6' is not a spinal level: L6 is not a real spinal segment"
        " (C1-C7, T1-T12, L1-L5, S1).",
        form_rows=_levels("L4-L6")[1],
    ),
    Case(
        "unknown-payer-profile",
        {"payer_profile": "acme_health"},
        {"payer_profile": "acme_health"},
        "payer_profile",
        "payer_profile",
        f"Unknown payer profile 'acme_health'; known profiles: {KNOWN}.",
    ),
    Case(
        "onset-in-the-future",
        {"clinical.onset_date": "2026-11-24"},
        {"onset_date": "2026-11-24"},
        "clinical.onset_date",
        "onset_date",
        "2026-11-24 is in the future; this is a past event, enter the date it happened.",
    ),
    Case(
        "a-json-array",
        {"": "ARRAY"},
        None,
        "",
        "",
        "must be an object holding one request, not a list; send each request as its"
        " own file or paste",
    ),
]

ACCEPTED = [
    Case(
        "dos-exactly-12-months-ahead",
        {"procedure.date_of_service": "2027-11-23"},
        {"date_of_service": "2027-11-23"},
    ),
    Case(
        "dos-on-the-onset-date",
        {
            "procedure.date_of_service": "2026-03-02",
            "clinical.onset_date": "2026-03-02",
        },
        {"date_of_service": "2026-03-02", "onset_date": "2026-03-02"},
    ),
    Case(
        "adjacent-levels-in-one-region",
        {"levels": _levels("L4-L5", "L5-S1")[0]},
        {},
        form_rows=_levels("L4-L5", "L5-S1")[1],
    ),
    Case("valid-npi-and-onset-today", {"clinical.onset_date": "2026-11-23"}, {}),
]


# --------------------------------------------------------------------------- ways in


@pytest.fixture
def today(monkeypatch):  # type: ignore[no-untyped-def]
    """The web ways in read ``timezone.localdate()``; the commands get ``--today``."""
    from django.utils import timezone

    real = timezone.localdate

    def localdate(value=None, timezone=None):  # type: ignore[no-untyped-def]
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    return TODAY


def _json_body(case: Case) -> str:
    doc = copy.deepcopy(BASE)
    for path, value in case.json_set.items():
        if value == "ARRAY":
            return json.dumps([doc])
        node = doc
        *parents, last = path.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return json.dumps(doc)


def _command(name: str, tmp_path: Path, case: Case) -> tuple[int, Any, Path]:
    """Run a command on the case's JSON: (exit status, printed JSON, PDF path)."""
    source = tmp_path / f"{case.id}.json"
    source.write_text(_json_body(case))
    pdf = tmp_path / f"{case.id}.pdf"
    args = [str(source), "--today", TODAY.isoformat()]
    if name == "render_request":
        args += ["-o", str(pdf)]
    out = StringIO()
    try:
        call_command(name, *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), json.loads(out.getvalue()), pdf
    return 0, out.getvalue(), pdf


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def _import(client: Any, case: Case) -> Any:
    return client.post(reverse("pa-request-import"), {"text": _json_body(case)})


def _form_data(case: Case, patient: Any, provider: Any, facility: Any) -> dict:
    """The request page's POST for the case (the base page: tests/intake_data.py)."""
    fields = dict(case.form_set or {})
    if fields.get("ordering_provider") == "BAD_PROVIDER":
        bad = m.Provider.objects.create(  # stored before the check existed
            practice=patient.practice, name="Old Record", npi=BAD_NPI
        )
        fields["ordering_provider"] = bad.pk
    rows = {"diagnoses": [{"code": "M47.816"}], **case.form_rows}
    return page_data(
        patient=patient, provider=provider, facility=facility, rows=rows, **fields
    )


def _post_form(client: Any, data: dict) -> Any:
    return client.post(reverse("pa-request-create"), data)


def _form_errors(response: Any) -> dict[str, list[str]]:
    """Messages the request page shows, keyed by field, row field or row table."""
    shown: dict[str, list[str]] = {}
    for name, errors in response.context["form"].errors.items():
        shown[name] = list(errors)
    for prefix, _title, _add, formset in response.context["formsets"]:
        if formset.non_form_errors():
            shown[prefix] = list(formset.non_form_errors())
        for i, row in enumerate(formset.forms):
            for name, errors in row.errors.items():
                shown[f"{prefix}-{i}-{name}"] = list(errors)
    return shown


# --------------------------------------------------------------------------- refused


@pytest.mark.parametrize("case", REFUSED, ids=[c.id for c in REFUSED])
def test_every_way_in_refuses_it_at_the_same_field_with_the_same_words(
    case, today, tmp_path, client_billing, payer_profiles, patient, provider, facility
):
    expected = {"path": case.path, "message": case.message}

    for command in ("evaluate_request", "render_request"):
        status, printed, pdf = _command(command, tmp_path, case)
        assert status == 2, (command, printed)
        assert expected in printed["errors"], (command, printed)
        assert not pdf.exists()

    before = _counts()
    response = _import(client_billing, case)
    assert response.status_code == 200
    assert (case.path, case.message) in response.context["problems"]
    assert _counts() == before

    if case.form_set is None:
        return  # the form has no way to type it (a JSON array)
    data = _form_data(case, patient, provider, facility)
    before = _counts()
    response = _post_form(client_billing, data)
    assert response.status_code == 200
    shown = _form_errors(response)
    assert case.message in shown.get(case.target, []), shown
    assert _counts() == before


# --------------------------------------------------------------------------- accepted


@pytest.mark.parametrize("case", ACCEPTED, ids=[c.id for c in ACCEPTED])
def test_the_valid_side_of_each_boundary_is_accepted_everywhere(
    case, today, tmp_path, client_billing, payer_profiles, patient, provider, facility
):
    status, printed, _ = _command("evaluate_request", tmp_path, case)
    assert status == 0, printed
    assert "findings" in json.loads(printed)

    response = _import(client_billing, case)
    assert response.status_code == 302, response.context["problems"]

    response = _post_form(client_billing, _form_data(case, patient, provider, facility))
    assert response.status_code == 302, _form_errors(response)


def test_the_form_shows_each_shared_message_once(
    today, client_billing, payer_profiles, patient, provider, facility
):
    """A future onset is refused by the field itself; the shared check does not
    repeat it, and a date of service before that onset is not reported on top."""
    case = Case("x", {}, {"onset_date": "2026-11-24", "date_of_service": "2026-11-20"})
    response = _post_form(client_billing, _form_data(case, patient, provider, facility))
    shown = _form_errors(response)
    assert shown == {
        "onset_date": [
            "2026-11-24 is in the future; this is a past event, enter the date it"
            " happened."
        ]
    }


def test_the_form_puts_a_row_problem_on_its_row_and_marks_it(
    today, monkeypatch, practice, payer_profiles, patient, provider, facility
):
    """Row paths count the rows that stay (an untouched or deleted row is skipped)."""
    from priorauth.rules.validation import Problem
    from priorauth.web.requests import checks as form_checks
    from priorauth.web.requests import forms as pa_forms

    problem = Problem("conservative_care[0].end", "Shared words.", "shared_code")
    monkeypatch.setattr(form_checks, "validate_request", lambda *a, **k: [problem])
    rows = {
        "levels": [{"level": "L4-L5", "side": "left"}],
        "conservative_care": [
            {"kind": "nsaids", "start": "2026-01-05", "DELETE": "on"},
            {"kind": "nsaids", "start": "2026-02-01", "end": "2026-03-01"},
        ],
    }
    data = page_data(patient=patient, provider=provider, facility=facility, rows=rows)
    form = pa_forms.AuthRequestForm(data, practice=practice, patient=patient)
    formsets = pa_forms.request_formsets(data=data)
    assert form_checks.request_page_is_valid(form, formsets) is False
    kept = formsets["conservative_care"].forms[1]
    assert [(e.code, e.message) for e in kept.errors.as_data()["end"]] == [
        ("shared_code", "Shared words.")
    ]
    assert kept.fields["end"].widget.attrs["aria-invalid"] == "true"
    assert not formsets["conservative_care"].forms[0].errors
