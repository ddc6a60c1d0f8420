import json
from datetime import date

import pytest

from django.core.management import CommandError, call_command

from priorauth import models as m


def _run(*args):
    from io import StringIO

    out = StringIO()
    call_command("evaluate_request", *args, stdout=out)
    return json.loads(out.getvalue())


def test_it_prints_findings_codes_and_ledger_for_a_file_without_a_database():
    result = _run(
        "examples/mbb-diagnostic-third-same-level-medicare.json",
        "--today",
        "2026-11-23",
    )
    codes = {f["code"] for f in result["findings"]}
    assert "DVT-001" in codes
    assert result["code_lines"][0]["cpt"] == "64493"
    assert result["ledger"][0]["level"] == "L4-L5"
    assert all(f["citation"]["policy_id"] for f in result["findings"])


def _errors(*args):
    """The command's JSON error list; it must exit with status 2."""
    from io import StringIO

    out = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("evaluate_request", *args, stdout=out)
    assert exc.value.code == 2
    return json.loads(out.getvalue())["errors"]


def test_a_malformed_file_names_the_field_and_fails(tmp_path):
    bad = tmp_path / "bad.json"
    data = json.loads(
        open("examples/mbb-diagnostic-third-same-level-medicare.json").read()
    )
    data["levels"][0]["side"] = "sideways"
    bad.write_text(json.dumps(data))
    [error] = _errors(str(bad))
    assert error["path"] == "levels[0].side"
    assert "must be one of left, right, bilateral" in error["message"]


def test_a_missing_file_is_a_clear_error(tmp_path):
    [error] = _errors(str(tmp_path / "nope.json"))
    assert error["path"] == "" and error["message"].endswith("nope.json: no such file")


def test_an_unknown_payer_profile_in_the_database_is_refused(tmp_path, db):
    data = json.loads(open("examples/rfa-repeat-commercial.json").read())
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    # No profile is stored: with --db-profiles every key is unknown.
    [error] = _errors(str(bad), "--db-profiles", "--today", "2026-11-23")
    assert error == {
        "path": "payer_profile",
        "message": "Unknown payer profile 'commercial'; known profiles: none.",
    }


@pytest.fixture
def stored(patient, provider, facility, payer_profiles, billing_user):
    request = m.AuthRequest.objects.create(
        practice=patient.practice,
        patient=patient,
        payer_profile=payer_profiles["medicare"],
        state_of_service="AZ",
        ordering_provider=provider,
        rendering_provider=provider,
        facility=facility,
        procedure_type="mbb",
        intent="diagnostic",
        date_of_service=date(2027, 1, 10),
    )
    m.RequestLevel.objects.create(request=request, level="L4-L5", side="left")
    return request


def test_it_evaluates_a_stored_request_through_the_users_practice(stored, billing_user):
    result = _run("--request", str(stored.pk), "--user", billing_user.username)
    assert result["ledger"][0]["level"] == "L4-L5"


def test_another_practices_user_cannot_read_a_stored_request(stored, outsider_user):
    with pytest.raises(CommandError, match="no request"):
        _run("--request", str(stored.pk), "--user", outsider_user.username)
