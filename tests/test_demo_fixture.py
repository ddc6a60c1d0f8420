"""fixtures/demo.json: generated from the factories, stable, synthetic, and what
each demo request is about (its findings) does not drift."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from django.core.management import call_command

from priorauth import models as m
from priorauth import services
from priorauth.demo.factories import SYNTHETIC_SURNAMES
from priorauth.demo.scenarios import DEMO_TODAY

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "demo.json"

# The findings of every demo request on DEMO_TODAY: (code, severity, level).
# Requests 1-9 as the hand-built demo had them before the factories replaced it;
# priorauth/demo/cases.py says what each case is about.
DEMO_FINDINGS = {
    1: [("PKT-004", "info", None), ("PKT-009", "info", None)],
    2: [
        ("DVT-001", "warning", "L3-L4"),
        ("PKT-004", "info", None),
        ("PKT-009", "info", None),
    ],
    3: [("PKT-004", "info", None)],
    4: [("PKT-004", "info", None)],
    5: [("ESI-003", "warning", None), ("PKT-004", "info", None)],
    6: [
        ("DVT-005", "blocker", None),
        ("PKT-004", "info", None),
        ("RTE-004", "info", None),
    ],
    7: [
        ("ESI-006", "warning", None),
        ("ESI-012", "warning", None),
        ("PKT-004", "info", None),
    ],
    8: [
        ("FAC-019", "blocker", None),
        ("PKT-004", "info", None),
        ("PKT-005", "warning", "C5-C6"),
    ],
    9: [("PKT-004", "info", None), ("PKT-009", "info", None)],
    10: [
        ("DVT-001", "warning", "L4-L5"),
        ("DVT-002", "warning", "L4-L5"),
        ("PKT-004", "info", None),
        ("PKT-009", "info", None),
    ],
    11: [("PKT-004", "info", None), ("PKT-009", "info", None)],
    12: [("PKT-004", "info", None), ("RTE-003", "info", None)],
    # 13-22: drafts here; load_demo takes them past the decision (no blocker and no
    # unmet criterion, so they are sent for signature and signed as they are; 13, 20
    # and 22 are at the hospital outpatient department: OPD prior authorization).
    13: [
        ("PKT-004", "info", None),
        ("PKT-010", "warning", None),
        ("RTE-002", "info", None),
    ],
    14: [("PKT-004", "info", None)],
    15: [("PKT-004", "info", None)],
    16: [("PKT-004", "info", None), ("RTE-003", "info", None)],
    17: [("PKT-004", "info", None)],
    18: [("PKT-004", "info", None), ("RTE-003", "info", None)],
    19: [("PKT-004", "info", None), ("RTE-004", "info", None)],
    20: [
        ("PKT-004", "info", None),
        ("PKT-010", "warning", None),
        ("RTE-002", "info", None),
    ],
    21: [("PKT-004", "info", None)],
    22: [
        ("PKT-004", "info", None),
        ("PKT-010", "warning", None),
        ("RTE-002", "info", None),
    ],
}


def _rows(model: str) -> list[dict]:
    return [
        row["fields"]
        for row in json.loads(FIXTURE.read_text())
        if row["model"] == f"priorauth.{model}"
    ]


def _generate(target: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.Popen(
        [sys.executable, "scripts/make_demo_fixture.py", "--output", str(target)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_it_regenerates_the_committed_fixture_byte_for_byte(tmp_path):
    """Two runs (each in a fresh process and database) write the same bytes, and
    those are the committed file's: regenerate it when the demo changes."""
    targets = [tmp_path / "first.json", tmp_path / "second.json"]
    runs = [_generate(target) for target in targets]
    for run in runs:
        output, _ = run.communicate(timeout=300)
        assert run.returncode == 0, output
    first, second = (target.read_bytes() for target in targets)
    assert first == second
    assert first == FIXTURE.read_bytes(), (
        "fixtures/demo.json is not what priorauth/demo builds: run "
        ".venv/bin/python scripts/make_demo_fixture.py and commit the file"
    )


def test_every_demo_patient_name_is_visibly_synthetic():
    patients = _rows("patient")
    assert len(patients) == 22
    assert {p["last_name"] for p in patients} <= set(SYNTHETIC_SURNAMES)
    assert all(p["mrn"].startswith("DEMO-") for p in patients)


def test_demo_practices_and_addresses_are_marked_as_demo():
    assert all(p["name"].endswith("(demo)") for p in _rows("practice"))
    assert all(u["email"].endswith("@example.invalid") for u in _rows("user"))


@pytest.fixture
def demo(db):  # type: ignore[no-untyped-def]
    call_command("loaddata", "fixtures/payer_profiles.json", verbosity=0)
    call_command("loaddata", "fixtures/demo.json", verbosity=0)


def test_each_demo_request_keeps_its_findings(demo):
    found = {
        request.pk: [
            (f.code, f.severity.value, f.level)
            for f in sorted(
                services.auth_request_evaluate(
                    request=request, today=DEMO_TODAY
                ).findings,
                key=lambda f: (f.code, f.level or ""),
            )
        ]
        for request in services.auth_request_queryset_for_detail()
    }
    assert found == DEMO_FINDINGS


def test_the_demo_covers_every_procedure_type_as_a_request(demo):
    requested = set(m.AuthRequest.objects.values_list("procedure_type", flat=True))
    assert requested == {value for value, _ in m.REQUESTABLE_PROCEDURE_CHOICES}


def test_the_demo_has_a_request_for_every_payer_profile(demo):
    profiles = set(m.PayerProfile.objects.values_list("key", flat=True))
    requested = set(m.AuthRequest.objects.values_list("payer_profile__key", flat=True))
    assert requested == profiles


def test_the_virginia_case_cites_the_lcd_of_its_county(demo):
    """Arlington County is Novitas' (JL), the rest of Virginia Palmetto's (JM)."""
    request = services.auth_request_queryset_for_detail().get(state_of_service="VA")
    assert request.county_of_service == "Arlington County"
    evaluation = services.auth_request_evaluate(request=request, today=DEMO_TODAY)
    assert {f.citation.policy_id for f in evaluation.findings} == {
        "LCD L34892 / A56670"
    }


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_app_does_not_import_the_demo_builder_or_its_libraries():
    """factory_boy and Faker are test dependencies: only priorauth/demo uses them."""
    package = ROOT / "priorauth"
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in _imports(path)
            if name.split(".")[0] in ("factory", "faker")
            or name.startswith("priorauth.demo")
        )
        for path in package.rglob("*.py")
        if package / "demo" not in path.parents
    }
    assert {path: names for path, names in offenders.items() if names} == {}
