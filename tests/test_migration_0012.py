"""Migration 0012: block responses move into the injection history, care outcomes are read.

The migration's frozen copies of the keyword and level logic agree with the rules;
then the real migration runs from 0010 with rows on both sides of every branch
(matched and unmatched responses, conflicting values, an ESI request, an undated
response; exact, keyword, ambiguous and empty outcome text) on whichever database
the suite runs on (SQLite, or PostgreSQL with DATABASE_URL), and back again.
"""

from __future__ import annotations

import importlib
from datetime import date

import pytest

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from priorauth import models as m
from priorauth.rules.care import outcome_from_text
from priorauth.rules.levels import parse_level
from tests.conftest import _as_table_owner

MIGRATION = importlib.import_module(
    "priorauth.migrations.0012_move_block_responses_and_care_outcomes"
)
BEFORE = [("priorauth", "0010_request_returned_to_billing")]
AFTER = [("priorauth", "0013_drop_block_responses")]

OUTCOME_TEXTS = [
    "",
    "   ",
    "failed",
    "Failed.",
    "FAILED",
    "  no   relief ;",
    "failed after 6 weeks",
    "Failed after 6 weeks of PT",
    "failure to improve",
    "intolerant",
    "intolerance",
    "intolerant: gastritis",
    "NSAIDs stopped: GI intolerance",
    "not tolerated",
    "not_tolerated",
    "partial",
    "Partial relief",
    "partial relief, not enough",
    "partial relief, then failed",
    "partially effective but inadequate",
    "no relief",
    "ineffective",
    "not effective",
    "inadequate",
    "inadequate relief",
    "in progress",
    "ongoing",
    "improving",
    "improved",
    "resolved",
    "contraindicated",
    "helped a bit",
    "continuing",
    "pt 12 visits",
]


@pytest.mark.parametrize("text", OUTCOME_TEXTS)
def test_the_frozen_keyword_logic_agrees_with_the_rules(text):
    read = outcome_from_text(text)
    expected = (read.outcome.value if read.outcome else None, read.note, read.ambiguous)
    assert MIGRATION.outcome_from_text(text) == expected


@pytest.mark.parametrize(
    "text",
    ["L4-L5", "l4-5", "L5S1", "L5-S1", "c5-6", "C5-C6", "T12-L1", "L4 - L5", "l4/5"]
    + ["caudal", "Caudal", "L4–L5"],
)
def test_the_frozen_level_reading_agrees_with_the_rules(text):
    assert MIGRATION.canonical_level(text) == parse_level(text)


@pytest.mark.parametrize(
    ("outcome", "note", "text"),
    [
        ("failed", "", "failed"),
        ("not_tolerated", "", "intolerant"),
        ("failed", "Failed after 6 weeks of PT", "Failed after 6 weeks of PT"),
        ("failed", "16 visits, pain unchanged", "failed: 16 visits, pain unchanged"),
        ("", "helped a bit", "helped a bit"),
        ("", "", ""),
    ],
)
def test_the_reverse_text_reads_back_as_the_same_outcome(outcome, note, text):
    assert MIGRATION.care_text(outcome, note) == text
    assert MIGRATION.outcome_from_text(text)[0] == (outcome or None)


# --------------------------------------------------------------------------- the migration


def _migrate(target):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def _old_world(apps):  # type: ignore[no-untyped-def]
    """Rows as they were before 0012, built with the historical models."""
    Practice = apps.get_model("priorauth", "Practice")
    PayerProfile = apps.get_model("priorauth", "PayerProfile")
    Patient = apps.get_model("priorauth", "Patient")
    PriorProcedure = apps.get_model("priorauth", "PriorProcedure")
    AuthRequest = apps.get_model("priorauth", "AuthRequest")
    BlockResponse = apps.get_model("priorauth", "BlockResponse")
    ConservativeCare = apps.get_model("priorauth", "ConservativeCare")

    practice = Practice.objects.create(name="Migration practice")
    payer = PayerProfile.objects.create(
        key="mig", name="Mig", kind="medicare", effective_date=date(2026, 1, 1)
    )

    def patient(member):  # type: ignore[no-untyped-def]
        return Patient.objects.create(
            practice=practice,
            first_name="Mig",
            last_name=member,
            dob=date(1960, 1, 1),
            sex="F",
            member_id=member,
        )

    def request(who, procedure):  # type: ignore[no-untyped-def]
        return AuthRequest.objects.create(
            practice=practice,
            patient=who,
            payer_profile=payer,
            procedure_type=procedure,
        )

    def history(who, day, procedure, levels, **fields):  # type: ignore[no-untyped-def]
        return PriorProcedure.objects.create(
            patient=who, date=day, procedure=procedure, levels=levels, **fields
        ).pk

    def response(req, day, levels, **fields):  # type: ignore[no-untyped-def]
        BlockResponse.objects.create(request=req, date=day, levels=levels, **fields)

    p1, p2 = patient("P1"), patient("P2")
    ids = {
        "mbb_may": history(
            p1,
            date(2026, 5, 1),
            "mbb",
            "L4-L5, L5-S1",
            intent="diagnostic",
            relief_percent=80,
            agent="lidocaine 2%",
        ),
        "ia_june": history(p1, date(2026, 6, 1), "facet_ia", "L3-L4"),
        "esi_may": history(p1, date(2026, 5, 1), "esi_interlaminar", "L4-L5"),
        "mbb_july_neck": history(p1, date(2026, 7, 1), "mbb", "C5-C6"),
    }
    rfa = request(p1, "rfa")
    # Matches the May MBB (overlapping levels): fills scale, scores, hours; its
    # 75 % replaces the row's 80 % (noted); the same agent is no conflict.
    response(
        rfa,
        date(2026, 5, 1),
        "L4-L5",
        agent="lidocaine 2%",
        scale="NRS",
        pre_score=8,
        post_score=2,
        percent_relief=75,
        duration_hours=6,
    )
    # Same date as the neck MBB, other levels: a new MBB (an RFA builds on MBBs).
    response(rfa, date(2026, 7, 1), "L4-L5", percent_relief=85, duration_hours=5)
    # Typed levels, the IA row: completes its empty relief, nothing to review.
    response(rfa, date(2026, 6, 1), "l3-4", percent_relief=90)
    # No date: cannot be placed; kept as the request's note for staff.
    response(rfa, None, "L4-L5", agent="bupivacaine 0.5%", pre_score=7, post_score=1)
    ia = request(p1, "facet_ia")
    # The May MBB again (L5-S1 overlaps), same values: linked, not doubled.
    response(ia, date(2026, 5, 1), "L5-S1", percent_relief=75)
    # No row: a new IA block (an IA request builds on IA blocks).
    response(ia, date(2026, 8, 1), "L4-L5", percent_relief=82)
    esi = request(p2, "esi_transforaminal")
    # An ESI request cannot tell the block type: an MBB marked for review.
    response(esi, date(2026, 3, 3), "L5-S1", percent_relief=60)
    response(esi, date(2026, 3, 10), "", percent_relief=50)
    untouched = request(p2, "mbb")
    for text in (
        "failed",
        "Failed after 6 weeks of PT",
        "intolerant: gastritis",
        "partial relief, then failed",
        "helped a bit",
        "",
        "improved",
    ):
        ConservativeCare.objects.create(
            request=rfa, kind="physical_therapy", outcome=text
        )
    return {
        **ids,
        "p1": p1.pk,
        "p2": p2.pk,
        "rfa": rfa.pk,
        "ia": ia.pk,
        "esi": esi.pk,
        "untouched": untouched.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_block_responses_and_care_text_move_without_loss():
    from django.db import connection

    _as_table_owner(connection)  # migrating is a deploy step: the tables' owner runs it
    try:
        ids = _old_world(_migrate(BEFORE))
        _migrate(AFTER)

        history = {
            p: list(m.PriorProcedure.objects.filter(patient_id=ids[p]))
            for p in ("p1", "p2")
        }
        assert len(history["p1"]) == 6  # 4 rows + a July MBB + an August IA block
        mbb_may = m.PriorProcedure.objects.get(pk=ids["mbb_may"])
        assert (mbb_may.scale, mbb_may.pre_score, mbb_may.post_score) == ("NRS", 8, 2)
        assert (mbb_may.relief_percent, mbb_may.relief_duration_hours) == (75, 6)
        assert mbb_may.agent == "lidocaine 2%" and mbb_may.needs_review is True
        assert mbb_may.review_note == (
            f"The block response on request {ids['rfa']} said relief % 75, the history"
            " said 80; 75 is used now. Check which is right."
        )
        ia_june = m.PriorProcedure.objects.get(pk=ids["ia_june"])
        assert (ia_june.relief_percent, ia_june.needs_review) == (90, False)
        for untouched in ("esi_may", "mbb_july_neck"):
            row = m.PriorProcedure.objects.get(pk=ids[untouched])
            assert row.relief_percent is None and row.needs_review is False
        july = m.PriorProcedure.objects.get(
            patient_id=ids["p1"], date=date(2026, 7, 1), levels="L4-L5"
        )
        assert (july.procedure, july.intent, july.relief_percent) == (
            "mbb",
            "diagnostic",
            85,
        )
        assert july.relief_duration_hours == 5 and july.needs_review is False
        august = m.PriorProcedure.objects.get(
            patient_id=ids["p1"], date=date(2026, 8, 1)
        )
        assert (august.procedure, august.relief_percent) == ("facet_ia", 82)

        def built_on(key):  # type: ignore[no-untyped-def]
            # Through the link table: AuthRequest has columns added after 0013.
            links = m.AuthRequest.builds_on.through.objects.filter(
                authrequest_id=ids[key]
            )
            return set(links.values_list("priorprocedure_id", flat=True))

        assert built_on("rfa") == {ids["mbb_may"], july.pk, ids["ia_june"]}
        assert built_on("ia") == {ids["mbb_may"], august.pk}
        assert built_on("untouched") == set()

        # Only the columns of 0013: later migrations add others to the request.
        notes = m.AuthRequest.objects.only("id", "review_note")
        rfa = notes.get(pk=ids["rfa"])
        assert "without a date" in rfa.review_note
        assert "bupivacaine 0.5%" in rfa.review_note
        assert "pain 7 before, 1 after" in rfa.review_note
        assert notes.get(pk=ids["ia"]).review_note == ""

        esi_rows = sorted(history["p2"], key=lambda r: r.date)
        assert [(r.procedure, r.needs_review) for r in esi_rows] == [
            ("mbb", True),
            ("mbb", True),
        ]
        assert "block type was not recorded" in esi_rows[0].review_note
        assert "levels of this block were not recorded" in esi_rows[1].review_note
        assert built_on("esi") == {r.pk for r in esi_rows}

        care = [
            (c.outcome, c.note, c.needs_review)
            for c in m.ConservativeCare.objects.filter(request_id=ids["rfa"]).order_by(
                "id"
            )
        ]
        assert care == [
            ("failed", "", False),
            ("failed", "Failed after 6 weeks of PT", False),
            ("not_tolerated", "intolerant: gastritis", False),
            ("failed", "partial relief, then failed", True),
            ("", "helped a bit", True),
            ("", "", False),
            ("improved", "", False),
        ]
        assert "priorauth_blockresponse" not in connection.introspection.table_names()

        # Back to 0010: each request's injections are its block responses again,
        # and the care text reads as it did.
        old = _migrate(BEFORE)
        BlockResponse = old.get_model("priorauth", "BlockResponse")
        ConservativeCare = old.get_model("priorauth", "ConservativeCare")
        assert sorted(
            BlockResponse.objects.filter(request_id=ids["rfa"]).values_list(
                "date", "percent_relief"
            )
        ) == [(date(2026, 5, 1), 75), (date(2026, 6, 1), 90), (date(2026, 7, 1), 85)]
        assert list(
            ConservativeCare.objects.filter(request_id=ids["rfa"])
            .order_by("id")
            .values_list("outcome", flat=True)
        ) == [
            "failed",
            "Failed after 6 weeks of PT",
            "intolerant: gastritis",
            "partial relief, then failed",
            "helped a bit",
            "",
            "improved",
        ]
    finally:
        # Back to the latest migration (later ones, such as 0014, were unapplied too).
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("priorauth"))
