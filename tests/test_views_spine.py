"""The spine picture on the request and patient pages (date range, bad dates)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from django.urls import reverse

from tests.test_views_request import make_request
from tests.test_views_request_history import injection

pytestmark = pytest.mark.django_db

SVG_RE = re.compile(r"<svg .*?</svg>", re.S)


def _svg(html: str, id_prefix: str) -> ET.Element:
    svg = next(s for s in SVG_RE.findall(html) if f'"{id_prefix}-title' in s)
    return ET.fromstring(svg)


def _marks(root: ET.Element) -> list[tuple[str, str, str]]:
    return [
        (g.get("data-level"), g.get("data-side"), g.get("data-kind"))
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("class") == "mark"
    ]


def test_the_request_page_draws_the_levels_against_the_ledger(
    client_billing, patient, provider, facility
):
    today = date.today()
    injection(patient, today - timedelta(days=60), side="left", relief_percent=85)
    injection(patient, today - timedelta(days=30), side="bilateral", relief_percent=80)
    obj = make_request(client_billing, patient, provider, facility)
    response = client_billing.get(reverse("pa-request-detail", args=[obj.pk]))
    html = response.content.decode()
    root = _svg(html, "spine-request")
    assert root.get("aria-labelledby") == "spine-request-title spine-request-desc"
    assert ("L4-L5", "left", "MBB") in _marks(root)
    assert ("L4-L5", "right", "MBB") in _marks(root)
    entry = next(e for e in response.context["evaluation"].ledger if e.level == "L4-L5")
    window = next(
        g
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("class") == "window"
    )
    assert int(window.get("data-used")) == entry.sessions_used_12m
    assert window.get("data-next") == entry.next_eligible_date.isoformat()
    # The same facts right after it, as a table.
    after = html[html.index("</svg>") :]
    assert "the diagram as a table" in after
    assert "MBB" in after.split("</table>")[0]


def test_the_patient_page_draws_the_whole_history_and_a_date_range(
    client_billing, patient
):
    injection(patient, date(2024, 5, 1), levels="C5-C6", side="right")
    injection(patient, date(2026, 3, 1), levels="L4-L5", side="left")
    url = reverse("pa-patient-detail", args=[patient.pk])
    html = client_billing.get(url).content.decode()
    assert _marks(_svg(html, "spine-patient")) == [
        ("C5-C6", "right", "MBB"),
        ("L4-L5", "left", "MBB"),
    ]
    html = client_billing.get(url, {"from": "2025-01-01", "to": ""}).content.decode()
    assert _marks(_svg(html, "spine-patient")) == [("L4-L5", "left", "MBB")]
    assert 'value="2025-01-01"' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "01/03/2026"}, "&#x27;From&#x27; is not a date."),
        ({"to": "2026-02-30"}, "&#x27;To&#x27; is not a date."),
        (
            {"from": "2026-05-01", "to": "2026-01-01"},
            "The &#x27;from&#x27; date is after the &#x27;to&#x27; date.",
        ),
    ],
)
def test_a_bad_date_says_so_and_shows_the_whole_history(
    client_billing, patient, query, message
):
    injection(patient, date(2024, 5, 1), side="right")
    response = client_billing.get(
        reverse("pa-patient-detail", args=[patient.pk]), query
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "The whole history is shown." in html
    assert 'aria-invalid="true"' in html
    assert _marks(_svg(html, "spine-patient")) == [("L4-L5", "right", "MBB")]


def test_an_outsider_gets_no_picture(client_outsider, patient):
    injection(patient, date(2024, 5, 1))
    url = reverse("pa-patient-detail", args=[patient.pk])
    assert client_outsider.get(url, {"from": "2024-01-01"}).status_code == 404
