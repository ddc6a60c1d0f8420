"""The daily path in a real browser, one screenshot per step (artifacts/browser/).

Billing staff enter a request for a returning patient (history fills the prior
counts), add and remove level rows, see the repeat-block flag (DVT-001), fix a
gap, render the draft, send it for signature; the physician reviews and signs;
billing records the submission and the approval; another practice sees nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from priorauth import models as m
from priorauth.packet import signing
from tests.conftest import PASSWORD

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = date.today()
DOS = TODAY + timedelta(days=14)


@pytest.fixture
def returning_patient(patient):  # type: ignore[no-untyped-def]
    """Two diagnostic MBBs at L4-L5 in the last 12 months."""
    for days_ago in (120, 60):
        m.PriorProcedure.objects.create(
            patient=patient,
            date=TODAY - timedelta(days=days_ago),
            procedure="mbb",
            intent="diagnostic",
            levels="L4-L5",
            side="bilateral",
            relief_percent=85,
            relief_duration_hours=4,
            scale="NRS",
        )
    return patient


@pytest.fixture
def practice_keys(settings, tmp_path, practice):  # type: ignore[no-untyped-def]
    settings.PRIORAUTH_KEY_DIR = tmp_path / "keys"
    signing.create_practice_ca(practice_id=practice.pk, practice_name=practice.name)


def logout(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")


def codes(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("#findings [data-code]").evaluate_all(
        "els => els.map(e => e.dataset.code)"
    )


def download(page, trigger, tmp_path: Path, name: str) -> bytes:  # type: ignore[no-untyped-def]
    with page.expect_download(timeout=60_000) as info:
        trigger.click()
    target = tmp_path / name
    info.value.save_as(target)
    return target.read_bytes()


def test_billing_physician_billing_and_an_outsider(  # noqa: PLR0915 - one story, told in order
    page,
    live_server,
    shoot,
    tmp_path,
    billing_user,
    physician_user,
    outsider_user,
    returning_patient,
    provider,
    facility,
    practice_keys,
):
    # 1. Billing logs in and starts a request from the worklist.
    login(page, live_server, billing_user.username, PASSWORD)
    shoot(page, "01-worklist-empty")
    page.get_by_role("link", name="New request", exact=True).click()
    page.wait_for_url("**/requests/new/")
    # The patient picker: a search (POSTed: the name stays out of the URL), then the patient's link.
    page.get_by_label("Patient name or member ID").fill("Synth")
    page.get_by_role("button", name="Find patient").click()
    assert "Synth" not in page.url
    shoot(page, "01b-patient-picker")
    page.get_by_role("link", name="Synthetic, Sam").click()
    page.wait_for_url(f"**/requests/new/?patient={returning_patient.pk}")
    page.wait_for_load_state("load")  # request_form.js is ready
    assert "Synthetic, Sam" in page.locator("#id_patient").inner_text()
    # The payer comes from the patient (by name: in a long run ids differ between processes' views).
    payer = page.locator("#id_payer_profile")
    assert payer.evaluate("el => el.options[el.selectedIndex].text").startswith(
        returning_patient.payer_profile.name
    ), (
        payer.input_value(),
        returning_patient.payer_profile_id,
        payer.evaluate("el => Array.from(el.options).map(o => o.value)"),
    )
    page.locator("#id_procedure_type").select_option("mbb")
    page.locator("#id_intent").select_option("diagnostic")
    page.locator("#id_date_of_service").fill(DOS.isoformat())
    page.locator("#id_state_of_service").select_option("AZ")
    page.locator("#id_ordering_provider").select_option(str(provider.pk))
    page.locator("#id_rendering_provider").select_option(str(provider.pk))
    page.locator("#id_facility").select_option(str(facility.pk))

    # 2. Level rows: the history fills the prior count; a second row is added, then removed.
    levels = page.locator('[data-formset-body="levels"] [data-formset-row]:visible')
    levels.nth(0).locator("[data-level]").fill("L4-L5")
    levels.nth(0).locator("select").select_option("bilateral")
    levels.nth(0).locator("[data-level]").dispatch_event("change")
    count = levels.nth(0).locator("[data-prior-count]")
    page.wait_for_function(
        "() => document.querySelector('[data-prior-count]').value === '2'"
    )
    assert count.get_attribute("title") == "Filled from the patient's recorded history"
    page.get_by_role("button", name="Add level").click()
    assert levels.count() == 2
    levels.nth(1).locator("[data-level]").fill("L5-S1")
    shoot(page, "02-two-level-rows")
    levels.nth(1).get_by_role("button", name="Remove").click()
    assert levels.count() == 1
    page.locator("#id_diagnoses-0-code").fill("M47.816")
    shoot(page, "03-form-filled")

    # 3. Save: the repeat-block flag appears in the findings panel.
    page.get_by_role("button", name="Save and check").click()
    page.wait_for_url("**/edit/#route-banner")
    found = codes(page)
    assert "DVT-001" in found and "FAC-001" in found
    dvt = page.locator('#findings [data-code="DVT-001"]')
    assert dvt.is_visible() and "L4-L5" in dvt.inner_text()
    request_id = int(page.url.split("#")[0].rstrip("/").split("/")[-2])
    assert m.RequestLevel.objects.get(request_id=request_id).prior_count == 2
    assert m.RequestLevel.objects.filter(request_id=request_id).count() == 1
    shoot(page, "04-saved-with-findings")

    # 4. Fix a gap from its finding: the link focuses the field; after saving it is gone.
    page.locator('#findings [data-code="FAC-001"] a.finding-fix').click()
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'id_onset_date'"
    )
    page.keyboard.type(f"{(TODAY - timedelta(days=200)):%m%d%Y}", delay=40)
    assert (
        page.locator("#id_onset_date").input_value()
        == (TODAY - timedelta(days=200)).isoformat()
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Save and check").click()
    assert "FAC-001" not in codes(page) and "DVT-001" in codes(page)
    shoot(page, "05-gap-fixed")

    # 5. Summary page: the draft PDF downloads.
    page.get_by_role("link", name="Back to summary").click()
    data = download(
        page, page.get_by_role("link", name="Draft PDF"), tmp_path, "draft.pdf"
    )
    assert data.startswith(b"%PDF")
    shoot(page, "06-summary")

    # 6. Blockers remain: send for signature with an override reason.
    assert page.locator("#findings [data-severity=blocker]").count() == 1
    page.get_by_label("Override reason").fill(
        "Conservative care notes are faxed separately."
    )
    page.get_by_role("button", name="Send with override").click()
    page.get_by_text("Sent for signature").wait_for()
    assert m.AuthRequest.objects.get(pk=request_id).status == "ready"
    shoot(page, "07-sent-for-signature")
    logout(page)

    # 7. The physician reviews the findings and signs with the password.
    login(page, live_server, physician_user.username, PASSWORD)
    # Physicians land on "Ready for signature"; the row opens the sign page.
    page.get_by_role("link", name=str(request_id), exact=True).click()
    page.get_by_role(
        "heading", name=f"Review and sign: request {request_id}"
    ).wait_for()
    assert page.get_by_text("DVT-001").first.is_visible()
    assert page.get_by_text(
        "Conservative care notes are faxed separately."
    ).is_visible()
    # Each criterion the request does not meet as written gets the physician's
    # clinical rationale (the letter prints it); signing refuses without one.
    answers = page.locator(".rationale textarea")
    assert answers.count() >= 1
    for i in range(answers.count()):
        answers.nth(i).fill("New pain pattern after a fall; see the office note.")
    page.get_by_role("button", name="Save rationale without signing").click()
    page.get_by_text("Your clinical rationale is saved").wait_for()
    assert page.locator("iframe.packet-frame").count() == 1  # the draft, in the page
    shoot(page, "08-physician-review")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("I have reviewed the packet").check()
    page.get_by_role("button", name="Sign", exact=True).click()
    page.get_by_text("Signed. The signed packet is stored").wait_for(timeout=60_000)
    assert m.AuthRequest.objects.get(pk=request_id).status == "signed"
    assert page.locator(".status-signed").inner_text() == "Signed"
    signed = download(
        page,
        page.get_by_role("link", name="Signed PDF, revision 1"),
        tmp_path,
        "signed.pdf",
    )
    assert signed.startswith(b"%PDF") and b"/ByteRange" in signed
    shoot(page, "09-signed")
    logout(page)

    # 8. Billing records the submission, then the approval.
    login(page, live_server, billing_user.username, PASSWORD)
    page.goto(f"{live_server.url}/requests/{request_id}/")
    page.get_by_role("link", name="Record submission").click()
    page.get_by_label("Sent by").select_option("portal")
    page.get_by_label("Payer reference").fill("CASE-4471")
    shoot(page, "10-record-submission")
    page.get_by_role("button", name="Record submission").click()
    page.get_by_text("Submission recorded").wait_for()
    page.get_by_role("link", name="Record decision").click()
    page.get_by_role("radio", name="Approved").check()
    page.get_by_label("Authorization number").fill("AUTH-99812")
    page.get_by_label("Valid from").fill(DOS.isoformat())
    page.get_by_label("Valid to").fill((DOS + timedelta(days=11)).isoformat())
    page.get_by_label("Approved units").fill("2")
    shoot(page, "11-record-decision")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("Decision recorded: approved").wait_for()
    saved = m.AuthRequest.objects.get(pk=request_id)
    assert (saved.status, saved.authorization_number, saved.approved_units) == (
        "approved",
        "AUTH-99812",
        2,
    )
    assert saved.valid_to == DOS + timedelta(days=11)
    shoot(page, "12-approved")
    page.get_by_role("link", name="Worklist").click()
    row = page.locator("table.worklist tbody tr", has_text="AUTH-99812")
    assert row.get_by_text("days left").is_visible()  # valid to is within 30 days
    assert row.locator(".expiry-30").count() == 1  # highlighted: within 30 days
    shoot(page, "13-worklist-with-authorization")
    logout(page)

    # 9. Another practice sees none of it.
    login(page, live_server, outsider_user.username, PASSWORD)
    assert "Synthetic" not in page.locator("main").inner_text()
    page.get_by_label("Patient name or member ID").fill(returning_patient.member_id)
    page.get_by_role("button", name="Find").click()
    assert page.locator("table.worklist tbody").inner_text().startswith("No requests")
    assert returning_patient.member_id not in page.url
    shoot(page, "14-outsider-worklist")
    for path in (
        f"/requests/{request_id}/",
        f"/requests/{request_id}/edit/",
        f"/requests/{request_id}/sign/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 404, path
    shoot(page, "15-outsider-404")
