"""JSON import (issue 5 "Bad and hostile input", issue 3 request format).

Every example imports through the page; a patient is reused and history never doubled;
another practice's import never touches practice A; every kind of bad input is listed
by field path with nothing written; a hypothesis fuzz over mutated examples never gives
a 500 and either saves one whole request or nothing.
"""

from __future__ import annotations

import copy
import json
import re
from html import unescape
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from priorauth import models as m
from priorauth.rules.io import RequestFormatError, loads_request
from priorauth.rules.ledger import normalize

LINKS = m.AuthRequest.builds_on.through.__name__

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.json"))
URL = "/requests/import/"
DOCS = {p.name: json.loads(p.read_text()) for p in EXAMPLES}
RFA = "rfa-repeat-commercial.json"

COUNTED = (
    m.Patient,
    m.Provider,
    m.Facility,
    m.PriorProcedure,
    m.AuthRequest,
    m.RequestLevel,
    m.AuthRequest.builds_on.through,  # the injections a request builds on
    m.ConservativeCare,
    m.ImagingStudy,
    m.Diagnosis,
)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def upload(client: Client, doc: Any, name: str = "request.json"):  # type: ignore[no-untyped-def]
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return client.post(
        URL, {"file": SimpleUploadedFile(name, body, content_type="application/json")}
    )


def paste(client: Client, text: str):  # type: ignore[no-untyped-def]
    return client.post(URL, {"text": text})


def doc(name: str = RFA) -> dict[str, Any]:
    return copy.deepcopy(DOCS[name])


def test_the_route_and_the_worklist_link(client_billing):
    assert reverse("pa-request-import") == URL
    page = client_billing.get(URL)
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content
    assert URL.encode() in client_billing.get(reverse("pa-worklist")).content


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --------------------------------------------------------------------------- success


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_imports_with_all_its_rows(
    client_billing, billing_user, payer_profiles, path
):
    facts = loads_request(path.read_bytes())
    before = counts()
    response = upload(client_billing, path.read_bytes(), path.name)
    assert response.status_code == 302, response.content.decode()[:2000]
    req = m.AuthRequest.objects.get()
    assert response["Location"] == reverse("pa-request-detail", args=[req.pk])
    assert (
        req.practice_id == billing_user.practice_id and req.created_by == billing_user
    )
    assert req.status == "draft" and req.procedure_type == facts.procedure.type.value
    assert req.payer_profile.key == facts.payer.profile_key
    assert req.patient.practice_id == billing_user.practice_id
    assert (
        req.patient.member_id == facts.patient.member_id
        and req.patient.dob == facts.patient.dob
    )
    assert [(lv.level, lv.side) for lv in req.levels.all()] == [
        (lv.level, lv.side.value) for lv in facts.levels
    ]
    # One record per injection: block responses are history rows the request builds on.
    ledger = normalize(facts).history
    assert req.patient.history.count() == len(ledger)
    assert req.builds_on.count() == sum(1 for h in ledger if h.builds_on)
    assert req.conservative_care.count() == len(facts.conservative_care)
    assert req.imaging.count() == len(facts.imaging)
    assert [d.code for d in req.diagnoses.all()] == list(facts.diagnoses)
    if facts.ordering.npi:
        assert req.ordering_provider.npi == facts.ordering.npi
    if facts.facility.npi:
        assert req.facility.npi == facts.facility.npi
    after = counts()
    assert (
        after["AuthRequest"] == before["AuthRequest"] + 1
        and after["Patient"] == before["Patient"] + 1
    )
    assert req.evaluated_at is not None  # evaluated
    event = m.AuditEvent.objects.get(action="request-import")
    assert (
        event.object_id == str(req.pk) and event.practice_id == billing_user.practice_id
    )
    for value in (facts.patient.name, facts.patient.member_id, str(facts.patient.dob)):
        assert value not in event.detail
    detail = client_billing.get(response["Location"])
    assert detail.status_code == 200
    assert b"Imported as draft request" in detail.content


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_an_imported_request_has_the_findings_of_its_file(
    billing_user, payer_profiles, path
):
    """Nothing is lost on the way into the database (the signature step aside: PKT-004)."""
    from priorauth import services
    from priorauth.rules import evaluate

    facts = loads_request(path.read_bytes())
    req = services.auth_request_import(facts=facts, user=billing_user)
    stored = services.auth_request_evaluate(
        request=services.auth_request_queryset_for_detail().get(pk=req.pk)
    )
    direct = evaluate(facts, services.payer_policy_build(profile=req.payer_profile))

    def key(ev):  # type: ignore[no-untyped-def]
        return sorted(
            (f.code, f.level or "", f.severity.value)
            for f in ev.findings
            if f.code != "PKT-004"
        )

    assert key(stored) == key(direct)


def test_pasted_json_imports_too(client_billing, payer_profiles):
    response = paste(client_billing, json.dumps(doc()))
    assert response.status_code == 302
    assert m.AuthRequest.objects.count() == 1


def test_a_second_import_reuses_the_patient_and_adds_only_new_history(
    client_billing, payer_profiles
):
    first = doc()
    assert upload(client_billing, first).status_code == 302
    after_first = counts()
    second = doc()
    second["history"].append(
        {
            "date": "2025-09-01",
            "procedure": "mbb",
            "intent": "diagnostic",
            "levels": ["L3-L4"],
            "side": "right",
        }
    )
    second["history"][0]["levels"] = list(
        reversed(second["history"][0]["levels"])
    )  # same row, other order
    assert upload(client_billing, second).status_code == 302
    after = counts()
    assert after["Patient"] == after_first["Patient"]
    assert (
        after["Provider"] == after_first["Provider"]
        and after["Facility"] == after_first["Facility"]
    )
    assert after["PriorProcedure"] == after_first["PriorProcedure"] + 1
    assert after["AuthRequest"] == after_first["AuthRequest"] + 1
    patients = {r.patient_id for r in m.AuthRequest.objects.all()}
    assert len(patients) == 1


def test_the_same_history_row_twice_in_one_file_is_added_once(
    client_billing, payer_profiles
):
    d = doc()
    d["history"].append(copy.deepcopy(d["history"][0]))
    assert upload(client_billing, d).status_code == 302
    assert m.PriorProcedure.objects.count() == len(DOCS[RFA]["history"])


def test_an_existing_patient_provider_and_facility_are_matched(
    client_billing, practice, payer_profiles, patient
):
    d = doc()
    d["patient"].update(
        member_id=patient.member_id,
        dob=patient.dob.isoformat(),
        name="Typed Differently",
    )
    provider = m.Provider.objects.create(
        practice=practice, name="On File", npi=d["ordering"]["npi"]
    )
    facility = m.Facility.objects.create(
        practice=practice,
        name="On File ASC",
        npi=d["facility"]["npi"],
        place_of_service="24",
    )
    before = counts()
    assert upload(client_billing, d).status_code == 302
    req = m.AuthRequest.objects.get()
    assert (
        req.patient == patient
        and req.ordering_provider == provider
        and req.facility == facility
    )
    assert counts()["Patient"] == before["Patient"]
    assert (
        m.Patient.objects.get(pk=patient.pk).last_name == "Synthetic"
    )  # never overwritten by an import


def test_another_practice_never_touches_practice_a(
    client_billing, billing_user, outsider_user, payer_profiles, practice
):
    assert upload(client_billing, doc()).status_code == 302
    a_patients = list(
        m.Patient.objects.filter(practice=practice).values_list(
            "pk", "first_name", "last_name"
        )
    )
    a_providers = list(
        m.Provider.objects.filter(practice=practice).values_list("pk", "name")
    )
    a_history = m.PriorProcedure.objects.filter(patient__practice=practice).count()
    a_request = m.AuthRequest.objects.get()

    outsider = Client()
    outsider.force_login(outsider_user)
    response = upload(outsider, doc())
    assert response.status_code == 302
    theirs = m.AuthRequest.objects.exclude(pk=a_request.pk).get()
    assert theirs.practice_id == outsider_user.practice_id
    assert (
        theirs.patient.practice_id == outsider_user.practice_id
        and theirs.patient_id != a_request.patient_id
    )
    assert theirs.ordering_provider.practice_id == outsider_user.practice_id
    assert theirs.facility.practice_id == outsider_user.practice_id
    assert (
        list(
            m.Patient.objects.filter(practice=practice).values_list(
                "pk", "first_name", "last_name"
            )
        )
        == a_patients
    )
    assert (
        list(m.Provider.objects.filter(practice=practice).values_list("pk", "name"))
        == a_providers
    )
    assert (
        m.PriorProcedure.objects.filter(patient__practice=practice).count() == a_history
    )
    # And the outsider cannot open practice A's imported request.
    assert (
        outsider.get(reverse("pa-request-detail", args=[a_request.pk])).status_code
        == 404
    )


def test_a_user_without_a_practice_cannot_import(client, db, payer_profiles):
    from priorauth.models import User

    loner = User.objects.create_user("loner", password="x-long-password-1")
    client.force_login(loner)
    assert client.get(URL).status_code == 403
    before = counts()
    assert upload(client, doc()).status_code == 403
    assert counts() == before


# --------------------------------------------------------------------------- bad input


def _set(path: list[Any], value: Any):  # type: ignore[no-untyped-def]
    def mutate(d: dict) -> dict:
        node = d
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return d

    return mutate


def _delete(path: list[Any]):  # type: ignore[no-untyped-def]
    def mutate(d: dict) -> dict:
        node = d
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
        return d

    return mutate


BAD_DOCS = [
    ("wrong-type-levels", _set(["levels"], "L4-L5"), "levels"),
    ("wrong-type-dob", _set(["patient", "dob"], 19680214), "patient.dob"),
    (
        "wrong-type-score",
        _set(["clinical", "baseline_pain_score"], "7"),
        "clinical.baseline_pain_score",
    ),
    ("unknown-key", _set(["surprise"], 1), "surprise"),
    ("unknown-nested-key", _set(["levels", 0, "sides"], "left"), "levels[0].sides"),
    ("missing-procedure", _delete(["procedure"]), "procedure"),
    ("bad-level", _set(["levels", 0, "level"], "L9-L9"), "levels[0].level"),
    ("mixed-regions", _set(["levels", 1, "level"], "C5-C6"), "levels"),
    ("icd10-category", _set(["diagnoses"], ["M47.816", "M54.5"]), "diagnoses[1]"),
    ("icd10-unknown", _set(["diagnoses"], ["Z99.999"]), "diagnoses[0]"),
    ("icd10-duplicate", _set(["diagnoses"], ["M47.816", "M47.816"]), "diagnoses[1]"),
    ("npi-check-digit", _set(["ordering", "npi"], "1234567890"), "ordering.npi"),
    ("facility-npi", _set(["facility", "npi"], "1999990018"), "facility.npi"),
    (
        "future-onset",
        _set(["clinical", "onset_date"], "2099-01-01"),
        "clinical.onset_date",
    ),
    ("future-history", _set(["history", 0, "date"], "2099-01-01"), "history[0].date"),
    ("future-imaging", _set(["imaging", 0, "date"], "2099-01-01"), "imaging[0].date"),
    (
        "care-ends-before-start",
        _set(["conservative_care", 0, "end"], "2024-01-01"),
        "conservative_care[0].end",
    ),
    ("unknown-payer", _set(["payer_profile"], "acme_health"), "payer_profile"),
    ("no-payer", _delete(["payer_profile"]), "payer_profile"),
    ("no-member-id", _delete(["patient", "member_id"]), "patient.member_id"),
    (
        "column-too-long",
        _set(["procedure", "injectate"], "x" * 301),
        "procedure.injectate",
    ),
    (
        "not-requestable",
        _set(["procedure"], {"type": "trigger_point"}),
        "procedure.type",
    ),
    (
        "nul-character",
        _set(["clinical", "functional_impairment"], "a\x00b"),
        "clinical.functional_impairment",
    ),
    (
        "lone-surrogate",
        _set(["imaging", 0, "findings"], "\ud800"),
        "imaging[0].findings",
    ),
    ("history-without-levels", _set(["history", 0, "levels"], []), "history[0].levels"),
]


@pytest.mark.parametrize("label,mutate,path", BAD_DOCS, ids=[b[0] for b in BAD_DOCS])
def test_bad_input_is_listed_by_field_path_and_nothing_is_written(
    client_billing, payer_profiles, label, mutate, path
):
    body = json.dumps(mutate(doc()))
    before = counts()
    response = paste(client_billing, body)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<code>{path}</code>" in html, html[html.find("import-problems") - 50 :][
        :1500
    ]
    assert "nothing was imported" in html
    assert counts() == before
    # The pasted text is kept (escaped in the page: compare what a browser shows).
    kept = [
        unescape(t) for t in re.findall(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)
    ]
    assert any(body in text for text in kept)


def test_every_import_problem_is_listed_at_once(client_billing, payer_profiles):
    d = doc()
    d["diagnoses"] = ["M54.5"]
    d["ordering"]["npi"] = "1234567890"
    d["clinical"]["onset_date"] = "2099-01-01"
    d["payer_profile"] = "nobody"
    before = counts()
    html = upload(client_billing, d).content.decode()
    for path in (
        "diagnoses[0]",
        "ordering.npi",
        "clinical.onset_date",
        "payer_profile",
    ):
        assert f"<code>{path}</code>" in html
    assert counts() == before


@pytest.mark.parametrize(
    "body,needle",
    [
        (b'{"format_version": 1,', "not valid JSON"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
        (b"[1, 2, 3]", "must be an object"),
        (b'{"format_version": 1, "format_version": 1}', "duplicate key"),
        (b'{"format_version": NaN}', "NaN"),
        (b"[" * 100_000 + b"]" * 100_000, "(request)"),
    ],
    ids=[
        "truncated",
        "not-utf8",
        "not-an-object",
        "duplicate-key",
        "nan",
        "deep-nesting",
    ],
)
def test_malformed_files_are_refused(client_billing, payer_profiles, body, needle):
    before = counts()
    response = upload(client_billing, body)
    assert response.status_code == 200
    assert needle in response.content.decode()
    assert counts() == before


def test_an_upload_over_1_mb_is_a_400(client_billing, payer_profiles):
    d = doc()
    d["clinical"]["functional_impairment"] = "x" * (1024 * 1024)
    before = counts()
    response = upload(client_billing, d)
    assert response.status_code == 400
    assert b"larger than 1 MB" in response.content
    assert counts() == before


def test_pasted_text_over_1_mb_is_a_400(client_billing, payer_profiles):
    before = counts()
    response = paste(client_billing, json.dumps(doc()) + " " * (1024 * 1024))
    assert response.status_code == 400
    assert counts() == before


@pytest.mark.parametrize(
    "data,needle",
    [({}, "choose a JSON file"), ({"text": "   "}, "choose a JSON file")],
    ids=["nothing", "blank"],
)
def test_an_empty_post_says_what_to_send(client_billing, data, needle):
    response = client_billing.post(URL, data)
    assert response.status_code == 200 and needle in response.content.decode()


def test_a_file_that_is_not_json_by_name_is_refused(client_billing, payer_profiles):
    before = counts()
    response = upload(client_billing, doc(), name="request.exe")
    assert response.status_code == 200 and b"<code>file</code>" in response.content
    assert counts() == before


def test_xss_in_a_text_field_is_escaped_on_the_error_page(
    client_billing, payer_profiles
):
    d = doc()
    d["levels"][0]["level"] = "<script>alert(1)</script>"
    response = paste(client_billing, json.dumps(d))
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;" in response.content


# --------------------------------------------------------------------------- fuzz

_leaf = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "",
            "L4-L5",
            "l4-5",
            "C5-C6",
            "caudal",
            "M47.816",
            "M54.5",
            "2025-01-01",
            "2099-12-31",
            "1999990017",
            "1234567890",
            "medicare",
            "bilateral",
            "mbb",
            "rfa",
            "diagnostic",
            "\x00",
            "\ud800",
        ]
    )
)
_json = st.recursive(
    _leaf,
    lambda ch: st.lists(ch, max_size=4)
    | st.dictionaries(st.text(max_size=8), ch, max_size=4),
    max_leaves=12,
)


def _mutate(d: Any, data: st.DataObject) -> Any:
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        parent: Any = None
        key: Any = None
        node = d
        while (
            isinstance(node, dict | list) and node and data.draw(st.integers(0, 3)) > 0
        ):
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            parent, key = node, data.draw(st.sampled_from(keys))
            node = node[key]
        op = data.draw(
            st.sampled_from(["delete", "replace", "huge", "nest", "add", "duplicate"]),
            label="op",
        )
        if parent is None:
            if op == "replace":
                d = data.draw(_json)
            elif isinstance(d, dict) and op == "add":
                d[data.draw(st.text(max_size=10))] = data.draw(_json)
            continue
        if op == "delete":
            del parent[key]
        elif op == "replace":
            parent[key] = data.draw(_json)
        elif op == "huge":
            parent[key] = data.draw(
                st.sampled_from(["x", "é", "L4-L5, ", "\u202e"])
            ) * data.draw(st.sampled_from([201, 5001, 70_000]))
        elif op == "nest":
            value = node
            for _ in range(data.draw(st.integers(1, 60))):
                value = [value] if data.draw(st.booleans()) else {"k": value}
            parent[key] = value
        elif op == "add" and isinstance(node, dict):
            node[data.draw(st.text(max_size=10))] = data.draw(_json)
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(node))
    return d


def _body(d: Any, data: st.DataObject) -> bytes:
    kind = data.draw(
        st.sampled_from(["json", "json", "json", "truncated", "bytes"]), label="body"
    )
    if kind == "bytes":
        return data.draw(st.binary(max_size=200))
    text = json.dumps(d, ensure_ascii=data.draw(st.booleans()))
    if kind == "truncated":
        text = text[: data.draw(st.integers(0, max(0, len(text) - 1)))]
    return text.encode("utf-8", "surrogatepass")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_fuzz_never_500_and_never_a_partial_save(client_billing, payer_profiles, data):
    name = data.draw(st.sampled_from(sorted(DOCS)), label="example")
    d = _mutate(doc(name), data)
    body = _body(d, data)
    before = counts()
    as_file = data.draw(st.booleans(), label="as_file")
    if as_file:
        response = upload(client_billing, body)
    else:
        response = paste(client_billing, body.decode("utf-8", "replace"))
    assert response.status_code in (200, 302, 400), response.status_code
    event(f"status={response.status_code}")
    after = counts()
    if response.status_code != 302:
        assert after == before
        return
    # One whole request: every row of the file is there.
    req = m.AuthRequest.objects.order_by("-pk").first()
    raw = body if as_file else body.decode("utf-8", "replace")
    facts = loads_request(raw)
    assert after["AuthRequest"] == before["AuthRequest"] + 1
    assert after["Patient"] - before["Patient"] in (0, 1)
    assert (
        after["RequestLevel"] - before["RequestLevel"]
        == len(facts.levels)
        == req.levels.count()
    )
    ledger = normalize(facts).history
    assert (
        after[LINKS] - before[LINKS]
        == req.builds_on.count()
        <= sum(1 for h in ledger if h.builds_on)
    )
    assert after["ConservativeCare"] - before["ConservativeCare"] == len(
        facts.conservative_care
    )
    assert after["ImagingStudy"] - before["ImagingStudy"] == len(facts.imaging)
    assert after["Diagnosis"] - before["Diagnosis"] == len(facts.diagnoses)
    assert 0 <= after["PriorProcedure"] - before["PriorProcedure"] <= len(ledger)
    assert {(h.date, h.procedure.value) for h in ledger} <= {
        (h.date, h.procedure) for h in req.patient.history.all()
    }
    assert req.evaluated_at is not None


# --------------------------------------------------------------------------- CLI


def test_cli_imports_a_file_for_the_users_practice(billing_user, payer_profiles):
    out = StringIO()
    call_command(
        "import_request",
        str(ROOT / "examples" / RFA),
        "--user",
        billing_user.username,
        stdout=out,
    )
    req = m.AuthRequest.objects.get()
    assert (
        req.practice_id == billing_user.practice_id and req.created_by == billing_user
    )
    assert f"Imported request {req.pk}" in out.getvalue()
    assert DOCS[RFA]["patient"]["name"] not in out.getvalue()  # ids and counts only


def test_cli_bad_file_lists_the_problems_and_fails(
    billing_user, payer_profiles, tmp_path
):
    d = doc()
    d["ordering"]["npi"] = "1234567890"
    d["diagnoses"] = ["M54.5"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(d))
    before = counts()
    with pytest.raises(CommandError) as exc:
        call_command("import_request", str(path), "--user", billing_user.username)
    assert "ordering.npi" in str(exc.value) and "diagnoses[0]" in str(exc.value)
    assert counts() == before

    path.write_text('{"format_version": 1, "procedure": {"type": "mbb"}, "levels": 3}')
    with pytest.raises(CommandError, match=r"levels: must be a list"):
        call_command("import_request", str(path), "--user", billing_user.username)
    with pytest.raises(CommandError, match="no such file"):
        call_command(
            "import_request",
            str(tmp_path / "missing.json"),
            "--user",
            billing_user.username,
        )
    with pytest.raises(CommandError, match="no active user"):
        call_command("import_request", str(path), "--user", "nobody")
    assert counts() == before


def test_cli_exits_non_zero(billing_user, payer_profiles, tmp_path):
    # call_command, not execute_from_command_line: the latter closes every DB
    # connection on exit (the test's own, on PostgreSQL). A CommandError is what
    # run_from_argv turns into exit status 1.
    from django.core.management import CommandError, call_command

    path = tmp_path / "bad.json"
    path.write_text("{not json")
    before = counts()
    with pytest.raises(CommandError, match="not valid JSON") as exc:
        call_command("import_request", str(path), "--user", billing_user.username)
    assert exc.value.returncode != 0
    assert counts() == before


def test_service_raises_import_problem_before_writing(billing_user, payer_profiles):
    from priorauth import services

    facts = loads_request(json.dumps({**doc(), "payer_profile": "nobody"}))
    before = counts()
    with pytest.raises(services.ImportProblem) as exc:
        services.auth_request_import(facts=facts, user=billing_user)
    assert isinstance(exc.value, RequestFormatError)
    assert exc.value.paths == ["payer_profile"]
    assert counts() == before
