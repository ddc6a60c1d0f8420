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


def test_a_malformed_file_names_the_field_and_fails(tmp_path):
    bad = tmp_path / "bad.json"
    data = json.loads(
        open("examples/mbb-diagnostic-third-same-level-medicare.json").read()
    )
    data["levels"][0]["side"] = "sideways"
    bad.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=r"levels\[0\]\.side"):
        _run(str(bad))


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        _run(str(tmp_path / "nope.json"))


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
