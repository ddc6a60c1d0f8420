"""The fixtures still load after migrations, and the demo data is what the README
says."""

import pytest

from django.core.management import call_command

from priorauth import models as m


@pytest.fixture
def demo(db):
    call_command("loaddata", "fixtures/payer_profiles.json", verbosity=0)
    call_command("loaddata", "fixtures/demo.json", verbosity=0)


def test_it_loads_every_payer_profile(db):
    call_command("loaddata", "fixtures/payer_profiles.json", verbosity=0)
    kinds = set(m.PayerProfile.objects.values_list("kind", flat=True))
    assert {
        "medicare",
        "medicare_advantage",
        "aetna",
        "evicore",
        "carelon",
        "bcbs",
        "bcbs_ma",
        "commercial",
    } <= kinds


def test_it_loads_the_demo_practice_with_each_procedure_type(demo):
    assert m.Practice.objects.count() == 2
    kinds = set(m.PriorProcedure.objects.values_list("procedure", flat=True))
    kinds |= set(m.AuthRequest.objects.values_list("procedure_type", flat=True))
    assert {
        "esi_interlaminar",
        "esi_transforaminal",
        "esi_caudal",
        "facet_ia",
        "mbb",
        "rfa",
    } <= kinds


@pytest.mark.parametrize(
    ("username", "password", "role"),
    [
        ("billing", "demo-billing-pass", "billing"),
        ("drlee", "demo-physician-pass", "physician"),
        ("practiceadmin", "demo-admin-pass", "admin"),
        ("otherbilling", "demo-other-pass", "billing"),
    ],
)
def test_the_readme_demo_logins_work(demo, settings, username, password, role):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = m.User.objects.get(username=username)
    assert user.role == role
    assert user.check_password(password) is True


# load_demo itself (idempotent, every request evaluated, requests 13-22 past the
# decision): tests/test_demo_after_decision.py.


def test_demo_headline_case_has_two_prior_blocks_at_the_level(demo):
    request = m.AuthRequest.objects.get(pk=2)
    assert request.intent == "diagnostic"
    assert (
        request.patient.history.filter(
            procedure="mbb", levels__contains="L3-L4"
        ).count()
        == 2
    )


def test_demo_first_rfa_builds_on_two_mbbs_with_their_responses(demo):
    """One record per injection: the two earlier MBBs (85 % and 90 %) are history rows
    with their responses, and the first-RFA request builds on both."""
    request = m.AuthRequest.objects.get(pk=1)
    assert (request.procedure_type, request.intent) == ("rfa", "first")
    rows = request.builds_on.order_by("date")
    assert [
        (r.procedure, r.relief_percent, r.pre_score, r.post_score, r.agent)
        for r in rows
    ] == [
        ("mbb", 85, 8, 1, "lidocaine 2%"),
        ("mbb", 90, 8, 1, "bupivacaine 0.5%"),
    ]
    assert all(r.patient_id == request.patient_id for r in rows)
    assert not m.PriorProcedure.objects.filter(needs_review=True).exists()
    assert not m.ConservativeCare.objects.filter(needs_review=True).exists()
