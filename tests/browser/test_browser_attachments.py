"""Supporting documents in a real browser: upload from the request's summary page,
see it listed, get a clear message for a file that is not what its name says."""

import pytest

from priorauth import models as m
from tests import attachment_files as af
from tests.conftest import PASSWORD
from tests.packet_factory import make_request

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_billing_uploads_a_scan_and_a_bad_file_is_explained(
    page,
    live_server,
    billing_user,
    practice,
    patient,
    provider,
    facility,
    payer_profiles,
    tmp_path,
    shoot,
):
    req = make_request(
        practice=practice,
        patient=patient,
        provider=provider,
        facility=facility,
        payer_profile=payer_profiles["medicare"],
        status="draft",
    )
    scan = tmp_path / "mri-report.png"
    scan.write_bytes(af.png_bytes())
    fake = tmp_path / "office-note.pdf"
    fake.write_bytes(b"This is a text file with a PDF name.\n")
    login(page, live_server, billing_user.username, PASSWORD)
    page.goto(f"{live_server.url}/requests/{req.pk}/")
    section = page.locator("#attachments")
    section.get_by_label("File").set_input_files(str(scan))
    section.get_by_label("Kind of document").select_option("imaging_report")
    section.get_by_label("Date of the document").fill("2026-10-01")
    section.get_by_role("button", name="Add document").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Attachment 1 added (1 page).").is_visible()
    assert page.locator("table.attachments").get_by_text("mri-report.png").is_visible()

    section = page.locator("#attachments")
    section.get_by_label("File").set_input_files(str(fake))
    section.get_by_label("Kind of document").select_option("office_note")
    section.get_by_label("Date of the document").fill("2026-10-02")
    section.get_by_role("button", name="Add document").click()
    page.wait_for_load_state("networkidle")
    assert (
        page.locator(".invalid-feedback")
        .get_by_text("not a PDF, PNG, JPEG or TIFF")
        .is_visible()
    )
    shoot(page, "refused-upload")
    assert m.Attachment.objects.filter(request=req).count() == 1
