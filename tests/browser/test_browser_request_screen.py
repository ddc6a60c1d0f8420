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
    page.wait_for_url("**/edit/")
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
    page.get_by_role("button", name="Add block response").click()
    page.locator("#id_block_responses-0-agent").fill("lidocaine 2%")
    page.locator("#id_block_responses-0-pre_score").fill("8")
    page.locator("#id_block_responses-0-post_score").fill("2")
    page.get_by_role("button", name="Add conservative care").click()
    page.locator("#id_conservative_care-0-kind").select_option("physical_therapy")
    page.locator("#id_conservative_care-0-outcome").fill("failed after 6 weeks")
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
        "#id_block_responses-0-agent": "lidocaine 2%",
        "#id_block_responses-0-pre_score": "8",
        "#id_block_responses-0-post_score": "2",
        "#id_conservative_care-0-kind": "physical_therapy",
        "#id_conservative_care-0-outcome": "failed after 6 weeks",
        "#id_diagnoses-0-code": "M47.816",
    }
    for selector, value in expected.items():
        assert page.locator(selector).input_value() == value, selector
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
    page.wait_for_url("**/edit/")
    saved = m.AuthRequest.objects.get()
    assert (
        saved.levels.count() == 2 and saved.block_responses.get().percent_relief == 75
    )
    assert saved.conservative_care.get().outcome == "failed after 6 weeks"
