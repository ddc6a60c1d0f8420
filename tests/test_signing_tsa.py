"""RFC 3161 timestamps on signatures (PAdES B-T) when PRIORAUTH_TSA_URL is set.

Against a local timestamp authority (tests/tsa_server.py) started by the test.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import socket
import subprocess
import sys

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from priorauth import models as m
from priorauth import services
from priorauth.packet import signing
from tests.conftest import PASSWORD, ROOT
from tests.packet_factory import make_request
from tests.signing_helpers import review_of
from tests.tsa_server import LocalTSA

pytestmark = pytest.mark.pdf


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.PRIORAUTH_KEY_DIR = tmp_path / "keys"
    settings.PRIORAUTH_TSA_URL = ""
    settings.PRIORAUTH_TSA_ROOTS = ""


@pytest.fixture
def ready_request(practice, patient, provider, facility, payer_profiles):  # type: ignore[no-untyped-def]
    return make_request(
        practice=practice,
        patient=patient,
        provider=provider,
        facility=facility,
        payer_profile=payer_profiles["medicare"],
    )


@pytest.fixture
def ca(practice):  # type: ignore[no-untyped-def]
    signing.create_practice_ca(practice_id=practice.pk, practice_name=practice.name)
    return signing.ca_certificate(practice.pk)


@pytest.fixture
def tsa(tmp_path):  # type: ignore[no-untyped-def]
    server = LocalTSA(tmp_path)
    yield server
    server.close()


def _sign(request, user) -> bytes:  # type: ignore[no-untyped-def]
    doc = services.auth_request_sign(
        request=request, user=user, password=PASSWORD, reviewed=review_of(request)
    )
    return bytes(doc.pdf)


def _has_timestamp_token(data: bytes) -> bool:
    """The CMS signer info carries a signature-time-stamp token (RFC 3161)."""
    sig = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    attrs = sig.signer_info["unsigned_attrs"]
    kinds = {a["type"].native for a in attrs} if attrs.native else set()
    return "signature_time_stamp_token" in kinds


def test_a_configured_tsa_timestamps_the_signature(
    ready_request, physician_user, ca, tsa, settings
):
    settings.PRIORAUTH_TSA_URL = tsa.url
    settings.PRIORAUTH_TSA_ROOTS = str(tsa.root_pem)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    data = _sign(ready_request, physician_user)
    after = dt.datetime.now(dt.UTC)
    assert tsa.requests >= 1
    assert _has_timestamp_token(data)
    check = signing.validate_signed_pdf(data, ca)
    assert check.ok and check.entire_file, check.summary
    assert check.timestamp is not None and check.timestamp_trusted is True
    assert before <= check.timestamp <= after


def test_without_a_tsa_there_is_no_timestamp(ready_request, physician_user, ca, tsa):
    data = _sign(ready_request, physician_user)
    assert tsa.requests == 0 and not _has_timestamp_token(data)
    check = signing.validate_signed_pdf(data, ca)
    assert check.ok and check.timestamp is None and check.timestamp_trusted is False


def test_a_timestamp_from_an_untrusted_authority_is_reported_not_vouched_for(
    ready_request, physician_user, ca, tsa, settings
):
    settings.PRIORAUTH_TSA_URL = tsa.url  # but its root is not configured
    check = signing.validate_signed_pdf(_sign(ready_request, physician_user), ca)
    assert check.timestamp is not None and check.timestamp_trusted is False
    assert check.intact and check.trusted  # the physician's signature itself
    assert check.ok is False


def test_a_tsa_that_does_not_answer_stops_the_signing(
    ready_request, physician_user, ca, settings
):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.PRIORAUTH_TSA_URL = f"http://127.0.0.1:{port}/"
    with pytest.raises(signing.SigningUnavailable, match="timestamp authority"):
        services.auth_request_sign(
            request=ready_request,
            user=physician_user,
            password=PASSWORD,
            reviewed=review_of(ready_request),
        )
    ready_request.refresh_from_db()
    assert ready_request.status == "ready" and not m.SignedDocument.objects.exists()


def test_changing_the_document_after_timestamping_fails_validation(
    ready_request, physician_user, ca, tsa, settings
):
    settings.PRIORAUTH_TSA_URL = tsa.url
    settings.PRIORAUTH_TSA_ROOTS = str(tsa.root_pem)
    data = bytearray(_sign(ready_request, physician_user))
    data[data.index(b"stream") + 40] ^= 0x01
    assert not signing.validate_signed_pdf(bytes(data), ca).ok


@pytest.mark.parametrize("url", ["tsa.example.com", "ftp://tsa.example.com/"])
def test_a_tsa_url_that_is_not_http_stops_start_up(url):
    result = subprocess.run(
        [sys.executable, "-c", "import priorauth.settings"],
        cwd=ROOT,
        env={**os.environ, "PRIORAUTH_TSA_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "PRIORAUTH_TSA_URL" in result.stderr
