"""The findings panel in plain words (issue 13 item 4): a headline per finding, the
payer's wording folded under Details, the policy cited, and each "Fix" link landing
on an input that exists on the request page and fixes it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from django.urls import reverse
from django.utils import timezone

from priorauth import models as m
from priorauth.rules import evaluate
from priorauth.web.requests.findings import field_anchor
from tests.rules_builders import TODAY, policy
from tests.test_rules_checks import CASES
from tests.test_views_request import make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_blocks(patient):  # type: ignore[no-untyped-def]
    """Two earlier diagnostic MBBs at L4-L5: the request is the third."""
    today = timezone.localdate()
    for days in (120, 60):
        m.PriorProcedure.objects.create(
            patient=patient,
            date=today - timedelta(days=days),
            procedure="mbb",
            intent="diagnostic",
            levels="L4-L5",
            side="left",
            relief_percent=85,
            relief_duration_hours=6,
            scale="NRS",
        )


def _rows(response):  # type: ignore[no-untyped-def]
    return [
        row
        for _s, levels in response.context["finding_groups"]
        for _l, rows in levels
        for row in rows
    ]


def test_the_panel_leads_with_a_headline_and_folds_the_details(
    client_billing, patient, provider, facility, two_blocks
):
    obj = make_request(
        client_billing,
        patient,
        provider,
        facility,
        rows={"levels": [{"level": "L4-L5", "side": "left", "prior_count": "2"}]},
    )
    response = client_billing.get(reverse("pa-request-detail", args=[obj.pk]))
    html = response.content.decode()
    dvt = next(r for r in _rows(response) if r["f"].code == "DVT-001")
    assert dvt["headline"].startswith(
        "This would be the 3rd diagnostic block at L4-L5 in 12 months"
    )
    item = re.search(
        r'<li class="finding[^"]*"[^>]*data-code="DVT-001".*?</li>', html, re.S
    )
    assert item, "DVT-001 is listed"
    text = item.group(0)
    assert "This would be the 3rd diagnostic block at L4-L5" in text
    # The payer's wording sits inside <details>, below the headline.
    details = re.search(r"<details.*?</details>", text, re.S)
    assert details and "A further block there is usually treated" in details.group(0)
    assert text.index("finding-headline") < text.index("<details")
    assert dvt["f"].citation.policy_id in text  # the policy cited
    # The fix is the intent, on the edit page.
    assert dvt["href"].endswith("#id_intent")


# Fixed by someone else, not by a field of the request page: the physician's signature.
NOTHING_TO_TYPE = {"PKT-004"}


def test_each_fix_link_lands_on_an_input_of_the_request_page(
    client_billing, patient, provider, facility
):
    obj = make_request(client_billing, patient, provider, facility)
    html = client_billing.get(
        reverse("pa-request-edit", args=[obj.pk])
    ).content.decode()
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    missing = {}
    for code, key, fires, _quiet in CASES:
        for finding in evaluate(fires, policy(key), today=TODAY).findings:
            if finding.code != code:
                continue
            anchor = field_anchor(finding.field)
            if code in NOTHING_TO_TYPE and not anchor:
                continue  # no link is shown
            if anchor not in ids:
                missing[code] = (finding.field, anchor)
    assert missing == {}


def test_the_packet_never_shows_headlines_or_coaching(
    client_billing, patient, provider, facility, two_blocks
):
    from priorauth.packet import pdf
    from priorauth.services.signing import PACKET_TEMPLATE, auth_request_packet_context

    obj = make_request(client_billing, patient, provider, facility)
    response = client_billing.get(reverse("pa-request-detail", args=[obj.pk]))
    headlines = [row["headline"] for row in _rows(response)]
    assert headlines
    html = pdf.render_html(PACKET_TEMPLATE, auth_request_packet_context(request=obj))
    for text in headlines:
        assert text not in html
    assert "What would justify it" not in html
