"""The request screen: keyboard-only entry, and a failed save keeps what was typed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from priorauth import models as m
from tests.conftest import PASSWORD

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused_id(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "() => document.activeElement ? document.activeElement.id : ''"
    )


def tab_to(page, element_id: str, limit: int = 120) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until ``element_id`` has the focus: proves it is in the tab order."""
    for _ in range(limit):
        if focused_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} not reachable with Tab")


def test_a_request_can_be_entered_and_saved_with_the_keyboard_only(
    page, live_server, shoot, billing_user, patient, provider
):
    login(page, live_server, billing_user.username, PASSWORD)
    # The patient picker with the keyboard: type a search, Enter, then follow the patient's link.
    page.goto(f"{live_server.url}/requests/new/")
    tab_to(page, "id_q")
    page.keyboard.type("Synth")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Synthetic, Sam").wait_for()
    for _ in range(30):
        if (
            page.evaluate("() => (document.activeElement.textContent || '').trim()")
            == "Synthetic, Sam"
        ):
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/requests/new/?patient={patient.pk}")
    page.wait_for_load_state("load")
    assert "Synthetic, Sam" in page.locator("#id_patient").inner_text()
    assert page.locator("#id_payer_profile").input_value() == str(
        patient.payer_profile_id
    )  # from the patient
    tab_to(page, "id_procedure_type")
    page.keyboard.type("Medial branch b")
    assert page.locator("#id_procedure_type").input_value() == "mbb"
    page.keyboard.press("Tab")
    page.keyboard.type("Diag")
    assert page.locator("#id_intent").input_value() == "diagnostic"
    tab_to(page, "id_date_of_service")
    dos = date.today() + timedelta(days=10)
    page.keyboard.type(f"{dos:%m%d%Y}", delay=40)
    tab_to(page, "id_other_causes_excluded")
    page.keyboard.press("Space")
    assert page.locator("#id_other_causes_excluded").is_checked()
    tab_to(page, "id_levels-0-level")
    page.keyboard.type("L4-L5")
    page.keyboard.press("Tab")
    page.keyboard.type("Bil")
    # Add a second level row with the keyboard: the new row gets the focus.
    add = page.locator('[data-formset-add="levels"]')
    for _ in range(10):
        if add.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    assert focused_id(page) == "id_levels-1-level"
    page.keyboard.type("L5-S1")
    page.keyboard.press("Tab")
    page.keyboard.type("Bil")
    tab_to(page, "id_diagnoses-0-code")
    page.keyboard.type("M47.816")
    shoot(page, "keyboard-filled")
    page.keyboard.press(
        "Enter"
    )  # implicit submission: the first submit button, "Save and check"
    page.wait_for_url("**/edit/#route-banner")
    shoot(page, "keyboard-saved")
    saved = m.AuthRequest.objects.get()
    assert (saved.procedure_type, saved.intent, saved.date_of_service) == (
        "mbb",
        "diagnostic",
        dos,
    )
    assert saved.other_causes_excluded is True
    assert [(lv.level, lv.side) for lv in saved.levels.all()] == [
        ("L4-L5", "bilateral"),
        ("L5-S1", "bilateral"),
    ]
    assert [d.code for d in saved.diagnoses.all()] == ["M47.816"]


def test_a_failed_save_keeps_everything_typed(
    page, live_server, shoot, billing_user, patient, provider
):
    login(page, live_server, billing_user.username, PASSWORD)
    page.goto(f"{live_server.url}/requests/new/?patient={patient.pk}")
    page.locator("#id_procedure_type").select_option("mbb")
    page.locator("#id_intent").select_option("diagnostic")
    page.locator("#id_date_of_service").fill("2026-12-20")
    page.locator("#id_rendering_provider").select_option(str(provider.pk))
    future = (date.today() + timedelta(days=30)).isoformat()
    page.locator("#id_onset_date").fill(future)  # invalid: onset in the future
    page.locator("#id_functional_impairment").fill(
        "Cannot stand more than 10 minutes; stopped gardening."
    )
    page.locator("#id_levels-0-level").fill("L4-L5")
    page.locator("#id_levels-0-side").select_option("left")
    page.get_by_role("button", name="Add level").click()
    page.locator("#id_levels-1-level").fill("L9-L7")  # invalid level
    page.get_by_role("button", name="Add an injection").click()
    page.locator("#id_history-0-date").fill("2026-10-01")
    page.locator("#id_history-0-procedure").select_option("mbb")
    page.locator("#id_history-0-levels").fill("L4-L5")
    page.locator("#id_history-0-agent").fill("lidocaine 2%")
    page.locator("#id_history-0-pre_score").fill("8")
    page.locator("#id_history-0-post_score").fill("2")
    assert page.locator("#id_history-0-relief_percent").input_value() == "75"
    page.get_by_role("button", name="Add conservative care").click()
    page.locator("#id_conservative_care-0-kind").select_option("physical_therapy")
    page.locator("#id_conservative_care-0-outcome").select_option("failed")
    page.locator("#id_conservative_care-0-note").fill("after 6 weeks")
    page.locator("#id_diagnoses-0-code").fill("M47.816")
    page.get_by_role("button", name="Save and check").click()
    page.get_by_text("The request was not saved").wait_for()
    shoot(page, "failed-save")
    assert m.AuthRequest.objects.count() == 0
    expected = {
        "input[name=patient]": str(patient.pk),
        "#id_procedure_type": "mbb",
        "#id_intent": "diagnostic",
        "#id_date_of_service": "2026-12-20",
        "#id_rendering_provider": str(provider.pk),
        "#id_onset_date": future,
        "#id_functional_impairment": "Cannot stand more than 10 minutes; stopped gardening.",
        "#id_levels-0-level": "L4-L5",
        "#id_levels-0-side": "left",
        "#id_levels-1-level": "L9-L7",
        "#id_history-0-date": "2026-10-01",
        "#id_history-0-procedure": "mbb",
        "#id_history-0-levels": "L4-L5",
        "#id_history-0-agent": "lidocaine 2%",
        "#id_history-0-pre_score": "8",
        "#id_history-0-post_score": "2",
        "#id_conservative_care-0-kind": "physical_therapy",
        "#id_conservative_care-0-outcome": "failed",
        "#id_conservative_care-0-note": "after 6 weeks",
        "#id_diagnoses-0-code": "M47.816",
    }
    for selector, value in expected.items():
        assert page.locator(selector).input_value() == value, selector
    assert page.locator("#id_history-0-builds_on").is_checked()
    assert (
        page.locator("#id_onset_date").get_attribute("aria-invalid") == "true"
        or page.locator("#id_onset_date.is-invalid").count() == 1
    )
    assert page.locator("#id_levels-1-level").get_attribute("aria-invalid") == "true"
    # Fixing the two errors saves it, with every row.
    page.locator("#id_onset_date").fill(
        (date.today() - timedelta(days=200)).isoformat()
    )
    page.locator("#id_levels-1-level").fill("L5-S1")
    page.locator("#id_levels-1-side").select_option("left")
    page.get_by_role("button", name="Save and check").click()
    page.wait_for_url("**/edit/#route-banner")
    saved = m.AuthRequest.objects.get()
    assert saved.levels.count() == 2 and saved.builds_on.get().relief_percent == 75
    assert saved.builds_on.get().patient == patient
    care = saved.conservative_care.get()
    assert (care.outcome, care.note) == ("failed", "after 6 weeks")


def test_the_injection_history_on_the_request_page(
    page, live_server, shoot, billing_user, patient, provider
):
    """A returning patient's injections are listed with a "builds on" tick each; one is
    ticked, a new one is added without leaving the page (relief worked out from the
    scores), a second new one is added then removed; saving keeps all of it."""
    today = date.today()
    earlier = [
        m.PriorProcedure.objects.create(
            patient=patient,
            date=today - timedelta(days=days),
            procedure="mbb",
            intent="diagnostic",
            levels="L4-L5",
            side="bilateral",
            agent="lidocaine 2%",
            scale="NRS",
            pre_score=8,
            post_score=1,
            relief_percent=87.5,
            relief_duration_hours=6,
        )
        for days in (90, 60)
    ]
    login(page, live_server, billing_user.username, PASSWORD)
    page.goto(f"{live_server.url}/requests/new/?patient={patient.pk}")
    page.wait_for_load_state("load")
    section = page.locator("#section-history")
    assert section.locator("[data-history-id]").count() == 2
    assert "87.5 % relief for 6 hours" in section.inner_text()
    page.locator("#id_procedure_type").select_option("rfa")
    page.locator("#id_intent").select_option("first")
    page.locator("#id_date_of_service").fill((today + timedelta(days=20)).isoformat())
    page.locator("#id_rendering_provider").select_option(str(provider.pk))
    page.locator("#id_levels-0-level").fill("L4-L5")
    page.locator("#id_levels-0-side").select_option("bilateral")
    page.locator("#id_diagnoses-0-code").fill("M47.816")
    page.get_by_label("This request builds on it").first.check()  # the newest
    page.get_by_role("button", name="Add an injection").click()
    page.locator("#id_history-2-date").fill((today - timedelta(days=30)).isoformat())
    page.locator("#id_history-2-procedure").select_option("mbb")
    page.locator("#id_history-2-intent").select_option("diagnostic")
    page.locator("#id_history-2-levels").fill("l4-5")
    page.locator("#id_history-2-side").select_option("bilateral")
    page.locator("#id_history-2-agent").fill("bupivacaine 0.5%")
    page.locator("#id_history-2-scale").fill("NRS")
    page.locator("#id_history-2-pre_score").fill("8")
    page.locator("#id_history-2-post_score").fill("1")
    page.locator("#id_history-2-relief_duration_hours").fill("8")
    assert page.locator("#id_history-2-relief_percent").input_value() == "87.5"
    assert page.locator("#id_history-2-builds_on").is_checked()
    page.get_by_role("button", name="Add an injection").click()
    page.locator("#id_history-3-agent").fill("typed by mistake")
    page.locator("#section-history [data-formset-row]").nth(3).get_by_role(
        "button", name="Remove"
    ).click()
    shoot(page, "injection-history-filled")
    page.get_by_role("button", name="Save and check").click()
    page.wait_for_url("**/edit/#route-banner")
    saved = m.AuthRequest.objects.get()
    added = patient.history.get(agent="bupivacaine 0.5%")
    assert (added.levels, added.relief_percent) == ("L4-L5", 87.5)
    assert set(saved.builds_on.all()) == {earlier[1], added}
    assert patient.history.count() == 3  # the removed row was not saved
    # The count shown before saving was a preview: the save counts the added MBB too.
    assert saved.levels.get().prior_count == 3
    assert "LED-001" not in page.locator("#findings").inner_text()
    shoot(page, "injection-history-saved")
    assert page.locator("#section-history [data-history-id]").count() == 3
    assert page.locator("#id_history-0-builds_on").is_checked()  # newest: the added one
    assert not page.locator("#id_history-2-builds_on").is_checked()  # the oldest
