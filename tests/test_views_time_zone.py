"""Times in the practice's zone, in words (issue 13 item 5): Practice.time_zone,
the middleware that activates it for signed-in users, the ``when`` filter, and the
sign page that puts the draft packet beside the clinical facts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from priorauth import models as m
from priorauth.packet import signing
from priorauth.packet.words import date_words, time_words
from priorauth.security.timezones import practice_zone
from tests.packet_factory import make_request
from tests.signing_helpers import answer_open_criteria

MOMENT = datetime(2026, 12, 1, 2, 9, 20, tzinfo=UTC)  # the 2026-12-01T02:09:20Z


@pytest.mark.parametrize(
    ("zone", "words"),
    [
        ("America/Los_Angeles", "30 November 2026, 6:09 PM PST"),
        ("America/New_York", "30 November 2026, 9:09 PM EST"),
        ("UTC", "1 December 2026, 2:09 AM UTC"),
        ("Europe/Berlin", "1 December 2026, 3:09 AM CET"),
    ],
)
def test_a_time_in_words_in_a_zone(zone, words):
    assert time_words(MOMENT, zone) == words


def test_noon_midnight_and_summer_time():
    la = "America/Los_Angeles"
    assert time_words(datetime(2026, 7, 1, 19, 0, tzinfo=UTC), la) == (
        "1 July 2026, 12:00 PM PDT"
    )
    assert time_words(datetime(2026, 7, 1, 7, 5, tzinfo=UTC), la) == (
        "1 July 2026, 12:05 AM PDT"
    )
    assert date_words(date(2026, 12, 2)) == "2 December 2026"


def test_the_filter_uses_the_active_zone():
    template = Template("{{ t|when }} / {{ d|when }} / {{ n|when }}")
    with timezone.override("America/Los_Angeles"):
        out = template.render(Context({"t": MOMENT, "d": date(2026, 12, 2), "n": None}))
    assert out == "30 November 2026, 6:09 PM PST / 2 December 2026 / "


@pytest.mark.django_db
def test_a_practice_zone_is_an_iana_name(practice):
    assert m.Practice(name="New practice").time_zone == "America/Los_Angeles"
    practice.time_zone = "Pacific Standard Time"
    with pytest.raises(ValidationError) as caught:
        practice.full_clean()
    assert "time_zone" in caught.value.error_dict
    practice.time_zone = "America/Chicago"
    practice.full_clean()


@pytest.mark.django_db
def test_the_middleware_activates_the_practice_zone_for_signed_in_users(
    client_billing, practice, patient, payer_profiles
):
    m.Practice.objects.filter(pk=practice.pk).update(time_zone="America/New_York")
    req = m.AuthRequest.objects.create(
        practice=practice,
        patient=patient,
        payer_profile=payer_profiles["medicare"],
        procedure_type="mbb",
    )
    m.AuthRequest.objects.filter(pk=req.pk).update(updated_at=MOMENT)
    html = client_billing.get(
        reverse("pa-request-detail", args=[req.pk])
    ).content.decode()
    assert "updated 30 November 2026, 9:09 PM EST" in html
    # After the request the default zone is back.
    assert timezone.get_current_timezone_name() == "UTC"


@pytest.mark.django_db
def test_no_practice_or_a_bad_name_keeps_the_default(practice, billing_user):
    assert practice_zone(None) is None
    practice.time_zone = "Not/AZone"
    billing_user.practice = practice
    assert practice_zone(billing_user) is None


# ---- the sign page ---------------------------------------------------------------


@pytest.fixture
def ready(
    practice,
    patient,
    provider,
    facility,
    payer_profiles,
    physician_user,
    settings,
    tmp_path,
):  # type: ignore[no-untyped-def]
    settings.PRIORAUTH_KEY_DIR = tmp_path / "keys"
    signing.create_practice_ca(practice_id=practice.pk, practice_name=practice.name)
    req = make_request(
        practice=practice,
        patient=patient,
        provider=provider,
        facility=facility,
        payer_profile=payer_profiles["medicare"],
    )
    answer_open_criteria(req, physician_user)
    return req


@pytest.mark.django_db
def test_the_sign_page_shows_the_draft_beside_the_clinical_facts(ready, physician_user):
    doctor = Client()
    doctor.force_login(physician_user)
    response = doctor.get(reverse("pa-request-sign", args=[ready.pk]))
    html = response.content.decode()
    assert f'src="{reverse("pa-request-pdf", args=[ready.pk])}?inline=1"' in html
    facts = html[html.index('class="col-xl-6 review-facts"') :]
    for heading in (
        "Clinical facts",
        "Levels and prior injections",
        "Diagnoses",
        "Conservative care",
        "Imaging",
        "Findings",
    ):
        assert heading in facts, heading
    # The prior injection at L4-L5, with its date and relief.
    level = re.search(r'data-level="L4-L5".*?</table>', facts, re.S)
    assert level and "%" in level.group(0)
    assert 'class="sign-status' in html and 'role="status"' in html
    assert "(UTC)" not in html
