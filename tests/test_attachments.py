"""Supporting documents: upload checks and cleaning, storage and access, the packet
with its attachments (index, stamps, page count), signing over the whole file, and
revisions. Every file is synthetic (tests/attachment_files.py)."""

from __future__ import annotations

import io
import re
from datetime import date

import pikepdf
import pytest
from pypdf import PdfReader

from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from priorauth import models as m
from priorauth import services
from priorauth.packet import compose, documents, signing
from priorauth.services.workflow import WorkflowError
from tests import attachment_files as af
from tests.conftest import PASSWORD
from tests.packet_factory import make_request
from tests.signing_helpers import answer_open_criteria, review_of


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.PRIORAUTH_KEY_DIR = tmp_path / "keys"


@pytest.fixture
def draft(practice, patient, provider, facility, payer_profiles):  # type: ignore[no-untyped-def]
    return make_request(
        practice=practice,
        patient=patient,
        provider=provider,
        facility=facility,
        payer_profile=payer_profiles["medicare"],
        status="draft",
    )


def _add(request, user, data: bytes, *, name="doc.pdf", kind="office_note"):  # type: ignore[no-untyped-def]
    return services.attachment_add(
        request=request,
        user=user,
        data=data,
        filename=name,
        kind=kind,
        document_date=date(2026, 10, 1),
    )


def _upload(client, request, data: bytes, name: str, **fields):  # type: ignore[no-untyped-def]
    payload = {
        "file": SimpleUploadedFile(name, data, content_type="application/pdf"),
        "kind": "imaging_report",
        "document_date": "2026-10-01",
        **fields,
    }
    return client.post(reverse("pa-request-attachment-add", args=[request.pk]), payload)


def _state(request) -> tuple:  # type: ignore[no-untyped-def]
    request.refresh_from_db()
    return (
        request.lock_version,
        request.updated_at,
        list(request.attachments.values_list("pk", flat=True)),
    )


def _stored_files() -> list[str]:
    storage = storages["attachments"]
    return sorted(
        f"{folder}/{name}"
        for folder in storage.listdir("")[0]
        for name in storage.listdir(folder)[1]
    )


def _text(data: bytes) -> list[str]:
    return [
        re.sub(r"\s+", " ", page.extract_text() or "")
        for page in PdfReader(io.BytesIO(data)).pages
    ]


# --------------------------------------------------------------------------- uploads


@pytest.mark.parametrize(
    ("name", "data", "source", "pages"),
    [
        ("note.pdf", af.plain_pdf(2), "pdf", 2),
        ("diary.png", af.png_bytes(), "png", 1),
        ("diary-alpha.png", af.png_bytes(alpha=True), "png", 1),
        ("photo.jpg", af.jpeg_bytes(), "jpeg", 1),
        ("scan.tif", af.tiff_bytes(3), "tiff", 3),
    ],
    ids=["pdf", "png", "png-alpha", "jpeg", "tiff"],
)
def test_it_accepts_pdfs_and_images(
    client_billing, draft, billing_user, name, data, source, pages
):  # type: ignore[no-untyped-def]
    before = draft.lock_version
    response = _upload(client_billing, draft, data, name)
    assert response.status_code == 302, response.content[:500]
    attachment = draft.attachments.get()
    assert (attachment.source_type, attachment.pages, attachment.position) == (
        source,
        pages,
        1,
    )
    assert attachment.kind == "imaging_report"
    assert attachment.document_date == date(2026, 10, 1)
    stored = storages["attachments"].open(attachment.storage_name).read()
    assert stored.startswith(b"%PDF-")
    assert signing.sha256_hex(stored) == attachment.sha256
    assert attachment.storage_name.startswith(f"{draft.practice_id}/")
    assert name not in attachment.storage_name
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert len(pdf.pages) == pages
        assert "/Info" not in pdf.trailer
    draft.refresh_from_db()
    assert draft.lock_version == before + 1
    row = m.AuditEvent.objects.get(action="request-attachment.add")
    assert row.object_type == "attachment" and row.object_id == str(attachment.pk)
    assert f"pages={pages}" in row.detail and name not in row.detail


def test_images_lose_their_metadata(draft, billing_user):  # type: ignore[no-untyped-def]
    attachment = _add(draft, billing_user, af.jpeg_bytes(), name="photo.jpg")
    stored = storages["attachments"].open(attachment.storage_name).read()
    assert b"MARKER-COMMENT" not in stored


def test_the_same_upload_cleans_to_the_same_bytes():
    for data in (af.hostile_pdf(), af.png_bytes(), af.jpeg_bytes(), af.tiff_bytes()):
        assert (
            documents.sanitize_upload(data).pdf == documents.sanitize_upload(data).pdf
        )


@pytest.mark.parametrize(
    ("name", "data", "code", "words"),
    [
        ("locked.pdf", af.encrypted_pdf(), "encrypted", "password"),
        (
            "owner-only.pdf",
            af.encrypted_pdf(user_password=""),
            "encrypted",
            "encrypted",
        ),
        (
            "notes.pdf",
            b"Dear doctor,\nthis is plain text.\n",
            "unsupported_type",
            "not a PDF",
        ),
        (
            "broken.pdf",
            b"%PDF-1.7\n1 0 obj garbage",
            "unreadable_pdf",
            "could not be read",
        ),
        (
            "fake.png",
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 50,
            "unreadable_image",
            "could not be read",
        ),
    ],
    ids=["encrypted", "owner-password", "text-named-pdf", "broken-pdf", "broken-png"],
)
def test_it_refuses_what_it_cannot_trust(
    client_billing, draft, name, data, code, words
):  # type: ignore[no-untyped-def]
    before = _state(draft)
    response = _upload(client_billing, draft, data, name)
    assert response.status_code == 400
    html = response.content.decode()
    assert "The document was not added; the request is unchanged." in html
    assert "File:" in html and words in html
    assert _state(draft) == before
    assert _stored_files() == []
    row = m.AuditEvent.objects.get(action="request-attachment.add")
    assert f"file:{code}" in row.detail


def test_it_refuses_files_over_20_mb(client_billing, draft, monkeypatch):  # type: ignore[no-untyped-def]
    before = _state(draft)
    big = b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024)
    response = _upload(client_billing, draft, big, "big.pdf")
    assert response.status_code == 400
    assert "the limit is 20 MB a file" in response.content.decode()
    assert _state(draft) == before
    with pytest.raises(documents.AttachmentRejected) as exc:
        documents.sanitize_upload(big)
    assert exc.value.code == "too_large"


def test_a_request_holds_at_most_150_pages(client_billing, draft, billing_user):  # type: ignore[no-untyped-def]
    _add(draft, billing_user, af.plain_pdf(100))
    _add(draft, billing_user, af.tiff_bytes(49), name="scan.tif")
    before = _state(draft)
    response = _upload(client_billing, draft, af.plain_pdf(2), "two.pdf")
    assert response.status_code == 400
    assert "the request already has 149 and holds at most 150" in (
        response.content.decode()
    )
    assert _state(draft) == before
    _add(draft, billing_user, af.plain_pdf(1))  # exactly 150
    assert sum(draft.attachments.values_list("pages", flat=True)) == 150


def test_image_bombs_are_refused(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(documents, "MAX_IMAGE_PIXELS", 100_000)
    with pytest.raises(documents.AttachmentRejected) as exc:
        documents.sanitize_upload(af.png_bytes())  # 850 x 1100 pixels
    assert exc.value.code == "too_many_pixels"


def test_active_content_is_removed_from_pdfs(draft, billing_user):  # type: ignore[no-untyped-def]
    attachment = _add(draft, billing_user, af.hostile_pdf())
    assert set(attachment.removed.split(", ")) >= {
        "JavaScript",
        "embedded files",
        "form fields",
        "links",
        "open action",
    }
    stored = storages["attachments"].open(attachment.storage_name).read()
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert set(pdf.Root.keys()) == {"/Type", "/Pages"}
        for page in pdf.pages:
            assert "/Annots" not in page.obj and "/AA" not in page.obj
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                keys = set(obj.keys())
                assert not keys & {"/JS", "/URI", "/EF", "/AcroForm", "/OpenAction"}
                assert obj.get("/S") not in (
                    pikepdf.Name.JavaScript,
                    pikepdf.Name.Launch,
                    pikepdf.Name.GoToR,
                    pikepdf.Name.URI,
                )
        uncompressed = io.BytesIO()
        pdf.save(uncompressed, qdf=True, compress_streams=False)
    raw = uncompressed.getvalue()
    for marker in (af.MARKER.encode(), b"app.alert", b"calc.exe", b"example.invalid"):
        assert marker not in raw
    # What was typed into the form stays visible (flattened into the page).
    assert "typed into the form" in _text(stored)[0]
    assert "Synthetic imaging report" in _text(stored)[0]


# --------------------------------------------------------------------------- access


def test_the_file_is_served_no_store_and_every_read_is_audited(
    client_billing, draft, billing_user
):  # type: ignore[no-untyped-def]
    attachment = _add(draft, billing_user, af.plain_pdf(1))
    url = reverse("pa-request-attachment", args=[draft.pk, attachment.pk])
    for _ in range(2):
        response = client_billing.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store, private"
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"] == (
            f'attachment; filename="request-{draft.pk}-attachment-1.pdf"'
        )
        assert signing.sha256_hex(response.content) == attachment.sha256
    rows = m.AuditEvent.objects.filter(action="request-attachment.view")
    assert rows.count() == 2
    assert {(r.object_type, r.object_id, r.user_id) for r in rows} == {
        ("attachment", str(attachment.pk), billing_user.pk)
    }


def test_another_practice_gets_404_and_nothing_changes(
    client_outsider, draft, billing_user
):  # type: ignore[no-untyped-def]
    attachment = _add(draft, billing_user, af.plain_pdf(1))
    before = _state(draft)
    view = reverse("pa-request-attachment", args=[draft.pk, attachment.pk])
    remove = reverse("pa-request-attachment-remove", args=[draft.pk, attachment.pk])
    assert client_outsider.get(view).status_code == 404
    assert client_outsider.post(remove).status_code == 404
    assert _upload(client_outsider, draft, af.plain_pdf(1), "x.pdf").status_code == 404
    assert _state(draft) == before
    assert m.AuditEvent.objects.filter(detail__contains="denied").count() == 3


def test_a_user_without_a_practice_role_gets_nothing(draft, billing_user):  # type: ignore[no-untyped-def]
    attachment = _add(draft, billing_user, af.plain_pdf(1))
    billing_user.role = "auditor"
    with pytest.raises(m.Attachment.DoesNotExist):
        services.attachment_for_user(
            user=billing_user, request_pk=draft.pk, attachment_pk=attachment.pk
        )


def test_a_tampered_file_is_not_served_or_composed(client_billing, draft, billing_user):  # type: ignore[no-untyped-def]
    attachment = _add(draft, billing_user, af.plain_pdf(1))
    storage = storages["attachments"]
    path = storage.path(attachment.storage_name)
    with open(path, "ab") as handle:
        handle.write(b"%tampered\n")
    url = reverse("pa-request-attachment", args=[draft.pk, attachment.pk])
    assert client_billing.get(url).status_code == 302
    with pytest.raises(services.AttachmentTampered):
        services.auth_request_packet_pdf(request=draft)
    draft_pdf = client_billing.get(reverse("pa-request-pdf", args=[draft.pk]))
    assert draft_pdf.status_code == 302


def test_only_a_draft_takes_or_loses_attachments(client_billing, draft, billing_user):  # type: ignore[no-untyped-def]
    attachment = _add(draft, billing_user, af.plain_pdf(1))
    m.AuthRequest.objects.filter(pk=draft.pk).update(status="ready")
    draft.refresh_from_db()
    before = _state(draft)
    response = _upload(client_billing, draft, af.plain_pdf(1), "x.pdf")
    assert response.status_code == 302
    remove = reverse("pa-request-attachment-remove", args=[draft.pk, attachment.pk])
    assert client_billing.post(remove).status_code == 302
    assert _state(draft) == before
    with pytest.raises(WorkflowError):
        _add(draft, billing_user, af.plain_pdf(1))
    page = client_billing.get(reverse("pa-request-detail", args=[draft.pk]))
    assert b"Read-only while the request waits" in page.content
    assert b"pa-request-attachment-add" not in page.content


def test_removing_renumbers_and_deletes_the_file(
    client_billing, draft, billing_user, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    first = _add(draft, billing_user, af.plain_pdf(1))
    second = _add(draft, billing_user, af.png_bytes(), name="p.png")
    version = _state(draft)[0]
    remove = reverse("pa-request-attachment-remove", args=[draft.pk, first.pk])
    with pytest.raises(ValidationError):  # unknown kind
        _add(draft, billing_user, af.plain_pdf(1), kind="selfie")
    assert _state(draft)[0] == version
    with django_capture_on_commit_callbacks(execute=True):
        client_billing.post(remove)
    second.refresh_from_db()
    assert second.position == 1
    assert not storages["attachments"].exists(first.storage_name)
    assert _state(draft)[0] == version + 1
    assert m.AuditEvent.objects.filter(action="request-attachment.remove").count() == 1


def test_the_request_page_lists_the_documents(client_billing, draft, billing_user):  # type: ignore[no-untyped-def]
    _add(
        draft,
        billing_user,
        af.plain_pdf(2),
        name="mri-report.pdf",
        kind="imaging_report",
    )
    html = client_billing.get(reverse("pa-request-detail", args=[draft.pk])).content
    text = html.decode()
    assert "Supporting documents" in text and "Imaging report" in text
    assert "mri-report.pdf" in text and "10/01/2026" in text
    edit = client_billing.get(reverse("pa-request-edit", args=[draft.pk])).content
    assert b"Add, open or remove them on the request" in edit


# --------------------------------------------------------------------------- packet


@pytest.mark.pdf
def test_the_packet_appends_indexes_and_stamps_the_attachments(
    draft, billing_user, tmp_path
):  # type: ignore[no-untyped-def]
    own = services.auth_request_packet_pdf(request=draft)
    own_pages = len(PdfReader(io.BytesIO(own)).pages)
    _add(draft, billing_user, af.hostile_pdf(), kind="imaging_report")
    _add(draft, billing_user, af.tiff_bytes(2), name="diary.tif", kind="procedure_note")
    draft = m.AuthRequest.objects.get(pk=draft.pk)
    data = services.auth_request_packet_pdf(request=draft)
    assert data == services.auth_request_packet_pdf(request=draft)  # deterministic
    pages = _text(data)
    assert len(pages) == own_pages + 3

    cover = pages[0]
    assert "SUPPORTING DOCUMENTS ATTACHED" in cover.upper()
    assert "8. Supporting documents (attachments 1–2)" in cover
    assert re.search(rf"1 Imaging report 10/01/2026 1 {own_pages + 1}\b", cover), cover
    assert re.search(
        rf"2 Procedure note or pain diary 10/01/2026 2 {own_pages + 2}\b", cover
    ), cover

    stamped = pages[own_pages:]
    expected = [
        "Attachment 1, page 1 of 1 · Imaging report, 10/01/2026",
        "Attachment 2, page 1 of 2 · Procedure note or pain diary, 10/01/2026",
        "Attachment 2, page 2 of 2 · Procedure note or pain diary, 10/01/2026",
    ]
    for text, stamp in zip(stamped, expected, strict=True):
        assert stamp in text, text
        assert "Sam Synthetic, DOB 03/14/1958" in text
        assert "DRAFT" in text
    assert "Synthetic imaging report" in stamped[0]
    assert f"Page {own_pages + 3} of {own_pages + 3}" in stamped[2]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages[own_pages:]:
            for annot in page.obj.get("/Annots", []):
                assert annot.get("/A", {}).get("/S") != pikepdf.Name.URI
        assert "/AcroForm" not in pdf.Root and "/OpenAction" not in pdf.Root
        names = pdf.Root.get("/Names", {})
        assert "/JavaScript" not in names and "/EmbeddedFiles" not in names
    (tmp_path / "packet.pdf").write_bytes(data)


@pytest.mark.pdf
def test_rotated_landscape_and_offset_pages_fit_their_slot():
    from priorauth.packet import pdf

    source = pikepdf.new()
    for size, rotate, label in (
        ((612, 792), 90, "rotated"),
        ((842, 595), 0, "landscape"),
        ((300, 200), 0, "small"),
    ):
        af._text_page(source, f"Synthetic {label}", size=size)
        source.pages[-1].obj.Rotate = rotate
    source.pages[0].obj.MediaBox = pikepdf.Array([0, 50, 612, 842])
    out = io.BytesIO()
    source.save(out)
    clean = documents.sanitize_upload(out.getvalue())
    html = "<html><head><title>t</title></head><body><p>own</p>" + "".join(
        '<div class="attachment-page">'
        f'<div class="attachment-stamp">Slot {n}</div></div>'
        for n in (1, 2, 3)
    )
    part = compose.AttachmentPart(
        number=1,
        kind="Other",
        document_date=date(2026, 1, 1),
        pages=3,
        pdf=clean.pdf,
        sha256="",
    )
    data = compose.compose_packet(pdf.html_to_pdf(html + "</body></html>"), [part])
    pages = _text(data)
    assert len(pages) == 4
    for n, label in enumerate(("rotated", "landscape", "small"), 1):
        assert f"Slot {n}" in pages[n] and f"Synthetic {label}" in pages[n]
    with pikepdf.open(io.BytesIO(data)) as composed:
        for page in composed.pages[1:]:
            assert [float(v) for v in page.mediabox] == [0, 0, 612, 792]


def test_composition_checks_the_packet_has_the_slots():
    part = compose.AttachmentPart(
        number=1,
        kind="Other",
        document_date=date(2026, 1, 1),
        pages=3,
        pdf=af.plain_pdf(3),
        sha256="0" * 64,
    )
    with pytest.raises(compose.CompositionError):
        compose.compose_packet(af.plain_pdf(2), [part])
    assert compose.compose_packet(b"%PDF-as-is", []) == b"%PDF-as-is"


# --------------------------------------------------------------------------- signing


def _ready(draft, physician_user):  # type: ignore[no-untyped-def]
    signing.create_practice_ca(
        practice_id=draft.practice_id, practice_name="Test Spine Practice"
    )
    m.AuthRequest.objects.filter(pk=draft.pk).update(status="ready")
    draft.refresh_from_db()
    answer_open_criteria(draft, physician_user)
    return draft


@pytest.mark.pdf
def test_the_signature_covers_the_attachments_and_records_their_hashes(
    draft, billing_user, physician_user
):  # type: ignore[no-untyped-def]
    first = _add(draft, billing_user, af.plain_pdf(2), kind="office_note")
    second = _add(draft, billing_user, af.jpeg_bytes(), name="x.jpg", kind="other")
    own_pages = len(
        PdfReader(
            io.BytesIO(services.auth_request_packet_pdf(request=draft, attachments=[]))
        ).pages
    )
    _ready(draft, physician_user)
    doc = services.auth_request_sign(
        request=draft,
        user=physician_user,
        password=PASSWORD,
        reviewed=review_of(draft),
    )
    data = bytes(doc.pdf)
    check = signing.validate_signed_pdf(data, signing.ca_certificate(draft.practice_id))
    assert check.ok and check.entire_file, check.summary

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    sig = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    status = validate_pdf_signature(
        sig,
        ValidationContext(
            trust_roots=[signing.ca_certificate(draft.practice_id)],
            allow_fetching=False,
        ),
    )
    assert status.bottom_line is True
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE

    pages = _text(data)
    assert len(pages) == own_pages + 3
    assert "Attachment 2, page 1 of 1 · Other, 10/01/2026" in pages[-1]
    assert "DRAFT" not in " ".join(pages)
    recorded = list(
        doc.attachments.order_by("number").values_list(
            "number", "kind", "pages", "sha256", "source_type"
        )
    )
    assert recorded == [
        (1, "office_note", 2, first.sha256, "pdf"),
        (2, "other", 1, second.sha256, "jpeg"),
    ]
    doctor = Client()
    doctor.force_login(physician_user)
    page = doctor.get(
        reverse("pa-request-signed-check", args=[draft.pk, doc.pk])
    ).content.decode()
    assert "Supporting documents signed with it" in page
    assert first.sha256 in page and second.sha256 in page
    row = doc.attachments.first()
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()


@pytest.mark.pdf
def test_adding_or_removing_an_attachment_makes_an_old_review_stale(
    draft, billing_user, physician_user
):  # type: ignore[no-untyped-def]
    _ready(draft, physician_user)
    reviewed = review_of(draft)
    # The physician sends it back; billing adds a document and sends it again.
    m.AuthRequest.objects.filter(pk=draft.pk).update(status="draft")
    draft.refresh_from_db()
    version = draft.lock_version
    added = _add(draft, billing_user, af.plain_pdf(1))
    assert draft.lock_version == version + 1
    m.AuthRequest.objects.filter(pk=draft.pk).update(status="ready")
    draft.refresh_from_db()
    with pytest.raises(services.StaleReview):
        services.auth_request_sign(
            request=draft, user=physician_user, password=PASSWORD, reviewed=reviewed
        )
    with_attachment = review_of(draft)
    assert with_attachment.sha256 != reviewed.sha256
    # ... and removing it again is a change too.
    m.AuthRequest.objects.filter(pk=draft.pk).update(status="draft")
    draft.refresh_from_db()
    services.attachment_remove(attachment=added, user=billing_user)
    m.AuthRequest.objects.filter(pk=draft.pk).update(status="ready")
    draft.refresh_from_db()
    with pytest.raises(services.StaleReview):
        services.auth_request_sign(
            request=draft,
            user=physician_user,
            password=PASSWORD,
            reviewed=with_attachment,
        )
    assert not m.SignedDocument.objects.exists()


@pytest.mark.pdf
def test_a_new_revision_gets_its_own_copies(draft, billing_user, physician_user):  # type: ignore[no-untyped-def]
    original = _add(draft, billing_user, af.plain_pdf(1))
    _ready(draft, physician_user)
    doc = services.auth_request_sign(
        request=draft, user=physician_user, password=PASSWORD, reviewed=review_of(draft)
    )
    new = services.auth_request_new_revision(request=draft, user=billing_user)
    copy = new.attachments.get()
    assert copy.sha256 == original.sha256 and copy.storage_name != original.storage_name
    services.attachment_remove(attachment=copy, user=billing_user)
    assert storages["attachments"].exists(original.storage_name)
    assert doc.attachments.get().sha256 == original.sha256


def test_cross_practice_client_cannot_reach_by_guessing(draft, billing_user):  # type: ignore[no-untyped-def]
    attachment = _add(draft, billing_user, af.plain_pdf(1))
    other = Client()
    response = other.get(
        reverse("pa-request-attachment", args=[draft.pk, attachment.pk])
    )
    assert response.status_code == 302 and "login" in response["Location"]
