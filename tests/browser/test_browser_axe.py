"""Accessibility: axe-core (vendored, injected by the test only) on every main page.

No serious or critical violation is allowed. axe is injected into a context that
bypasses CSP (an injected script is inline); production pages never load it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from priorauth import models as m
from tests.conftest import PASSWORD

from .conftest import ARTIFACTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (
    Path(__file__).resolve().parents[2]
    / "priorauth"
    / "static"
    / "priorauth"
    / "vendor"
    / "axe"
    / "axe.min.js"
)
BLOCKING = {"serious", "critical"}


@pytest.fixture
def axe_page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def axe_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
        for v in result
        if v["impact"] in BLOCKING
    ]


@pytest.fixture
def request_with_findings(practice, patient, provider, facility, billing_user):  # type: ignore[no-untyped-def]
    from datetime import date, timedelta

    from priorauth import services

    block = m.PriorProcedure.objects.create(
        patient=patient,
        date=date.today() - timedelta(days=90),
        procedure="mbb",
        intent="diagnostic",
        levels="L4-L5",
        side="left",
        relief_percent=85,
        needs_review=True,
        review_note="The block response on request 1 said relief % 85, the history said"
        " 80; 85 is used now. Check which is right.",
    )
    req = m.AuthRequest.objects.create(
        practice=practice,
        patient=patient,
        payer_profile=patient.payer_profile,
        procedure_type="mbb",
        intent="diagnostic",
        date_of_service=date.today() + timedelta(days=10),
        rendering_provider=provider,
        ordering_provider=provider,
        facility=facility,
        created_by=billing_user,
    )
    m.RequestLevel.objects.create(request=req, level="L4-L5", side="left")
    m.Diagnosis.objects.create(request=req, code="M47.816")
    # What the December 2026 data move leaves for staff to check.
    req.builds_on.add(block)
    req.review_note = (
        "A block response without a date could not be placed (lidocaine 2%)."
    )
    req.save(update_fields=["review_note"])
    m.ConservativeCare.objects.create(
        request=req, kind="physical_therapy", note="helped a bit", needs_review=True
    )
    services.auth_request_fill_prior_counts(request=req)
    services.auth_request_evaluate(
        request=services.auth_request_queryset_for_detail().get(pk=req.pk)
    )
    return req


def test_the_login_page_has_no_serious_violations(axe_page, live_server, shoot):
    axe_page.goto(f"{live_server.url}/accounts/login/")
    shoot(axe_page, "login")
    assert axe_violations(axe_page) == []


def _more_history(patient) -> list[int]:  # type: ignore[no-untyped-def]
    """Injections at other levels and sides, so the spine picture has several kinds."""
    from datetime import date, timedelta

    today = date.today()
    made = []
    for days, procedure, levels, side, relief in (
        (400, "esi_caudal", "caudal", "", 50),
        (200, "mbb", "L4-L5", "right", 75),
        (150, "facet_ia", "L3-L4", "left", 40),
        (60, "esi_transforaminal", "L5-S1", "right", None),
    ):
        row = m.PriorProcedure.objects.create(
            patient=patient,
            date=today - timedelta(days=days),
            procedure=procedure,
            intent="diagnostic" if procedure == "mbb" else "",
            levels=levels,
            side=side,
            relief_percent=relief,
        )
        made.append(row.pk)
    return made


def test_billing_pages_have_no_serious_violations(
    axe_page, live_server, shoot, billing_user, request_with_findings, patient
):
    req = request_with_findings
    extra = _more_history(patient)
    home = f"/patients/{patient.pk}/"
    login(axe_page, live_server, billing_user.username, PASSWORD)
    pages = {
        "worklist": "/",
        "request-create-picker": "/requests/new/",
        "request-create": f"/requests/new/?patient={patient.pk}",
        "request-edit": f"/requests/{req.pk}/edit/",
        "request-detail": f"/requests/{req.pk}/",
        "patient-list": "/patients/",
        "patient-detail": f"/patients/{patient.pk}/",
        # The spine picture's date range, and a bad date (the message, fields marked).
        "patient-detail-dates": f"{home}?from=2020-01-01&to=2030-12-31",
        "patient-detail-bad-date": f"{home}?from=03/01/2026&to=",
    }
    problems = {}
    for name, path in pages.items():
        axe_page.goto(f"{live_server.url}{path}")
        if name in ("request-detail", "patient-detail", "patient-detail-bad-date"):
            shoot(axe_page, name)
            # The spine picture alone (docs/packet.md shows these).
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            axe_page.locator(".spine-svg svg").screenshot(
                path=str(ARTIFACTS / f"spine-{name}.png")
            )
        problems[name] = axe_violations(axe_page)
    # The edit steps below count on the fixture's one injection.
    m.PriorProcedure.objects.filter(pk__in=extra).delete()
    # The worklist after a search (buttons instead of links) and a failed save (error states).
    axe_page.goto(f"{live_server.url}/")
    axe_page.get_by_label("Patient name or member ID").fill("Synth")
    axe_page.get_by_role("button", name="Find").click()
    problems["worklist-search"] = axe_violations(axe_page)
    axe_page.goto(f"{live_server.url}/requests/new/")
    axe_page.get_by_label("Patient name or member ID").fill("Synth")
    axe_page.get_by_role("button", name="Find patient").click()
    axe_page.get_by_role("link", name="Synthetic, Sam").first.wait_for()
    problems["request-create-picker-search"] = axe_violations(axe_page)
    axe_page.goto(f"{live_server.url}/requests/{req.pk}/edit/")
    axe_page.locator("#section-history summary").first.click()  # open a saved injection
    shoot(axe_page, "request-edit-history-and-review")
    problems["request-edit-open-injection"] = axe_violations(axe_page)
    axe_page.locator("#id_levels-0-level").fill("L9-L7")
    axe_page.get_by_role("button", name="Add an injection").click()
    axe_page.locator("#id_history-1-pre_score").fill("2-8")
    axe_page.get_by_role("button", name="Save and check").click()
    axe_page.get_by_text("The request was not saved").wait_for()
    assert axe_page.locator("#id_history-1-pre_score").input_value() == "2-8"
    shoot(axe_page, "request-edit-errors")
    problems["request-edit-errors"] = axe_violations(axe_page)
    # "New request from this one", then the findings and banner re-checked as typed.
    axe_page.goto(f"{live_server.url}/requests/{req.pk}/")
    axe_page.get_by_role("button", name="New request from this one").click()
    axe_page.wait_for_url("**/edit/#id_date_of_service")
    problems["request-copy"] = axe_violations(axe_page)
    axe_page.locator("#id_date_of_service").fill("2027-01-05")
    axe_page.get_by_text("Checked as you type").wait_for()
    shoot(axe_page, "request-live-recheck")
    problems["request-live-recheck"] = axe_violations(axe_page)
    bad = [f"{page}: {v}" for page, found in problems.items() for v in found]
    assert not bad, "\n".join(bad)


def test_signing_and_payer_pages_have_no_serious_violations(
    axe_page, live_server, physician_user, request_with_findings
):
    req = request_with_findings
    m.AuthRequest.objects.filter(pk=req.pk).update(status="ready")
    login(axe_page, live_server, physician_user.username, PASSWORD)
    problems = {}
    axe_page.goto(f"{live_server.url}/requests/{req.pk}/sign/")
    problems["sign"] = axe_violations(axe_page)
    m.AuthRequest.objects.filter(pk=req.pk).update(status="signed")
    axe_page.goto(f"{live_server.url}/requests/{req.pk}/submission/")
    problems["submission"] = axe_violations(axe_page)
    m.AuthRequest.objects.filter(pk=req.pk).update(status="submitted")
    axe_page.goto(f"{live_server.url}/requests/{req.pk}/decision/")
    problems["decision"] = axe_violations(axe_page)
    axe_page.get_by_role(
        "button", name="Record decision"
    ).click()  # empty: field errors shown
    problems["decision-errors"] = axe_violations(axe_page)
    bad = [f"{page}: {v}" for page, found in problems.items() for v in found]
    assert not bad, "\n".join(bad)


def test_every_visible_form_field_has_a_label(
    axe_page, live_server, billing_user, request_with_findings
):
    login(axe_page, live_server, billing_user.username, PASSWORD)
    paths = (
        "/",
        "/requests/new/",
        f"/requests/new/?patient={request_with_findings.patient_id}",
        f"/requests/{request_with_findings.pk}/edit/",
        f"/requests/{request_with_findings.pk}/",
        f"/patients/{request_with_findings.patient_id}/",  # the spine's date range
    )
    for path in paths:
        axe_page.goto(f"{live_server.url}{path}")
        unlabeled = axe_page.evaluate(
            """() => Array.from(document.querySelectorAll("input, select, textarea"))
                .filter(el => el.type !== "hidden" && el.offsetParent !== null)
                .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                              && !el.getAttribute("aria-labelledby"))
                .map(el => el.id || el.name)"""
        )
        assert unlabeled == [], (path, unlabeled)


def test_issue_13_screens_have_no_serious_violations(
    axe_page,
    live_server,
    shoot,
    billing_user,
    physician_user,
    request_with_findings,
    practice,
    patient,
):
    """The worklist's expiry column and filter, the findings in plain words, the new
    patient page (with its duplicate question and its errors), and the physician's
    worklist and sign page with the draft beside the facts."""
    from datetime import timedelta

    from django.utils import timezone

    req = request_with_findings
    today = timezone.localdate()
    for number, days in (("AUTH-7", 5), ("AUTH-14", 12), ("AUTH-30", 25)):
        m.AuthRequest.objects.create(
            practice=practice,
            patient=patient,
            payer_profile=patient.payer_profile,
            procedure_type="mbb",
            status="approved",
            authorization_number=number,
            valid_to=today + timedelta(days=days),
        )
    problems = {}
    login(axe_page, live_server, billing_user.username, PASSWORD)
    axe_page.goto(f"{live_server.url}/")
    shoot(axe_page, "worklist-expiry")
    problems["worklist"] = axe_violations(axe_page)
    axe_page.get_by_role("link", name="Expiring soon").click()
    shoot(axe_page, "worklist-expiring-soon")
    problems["worklist-expiring"] = axe_violations(axe_page)
    axe_page.goto(f"{live_server.url}/requests/{req.pk}/")
    axe_page.locator(".finding-details summary").first.click()
    shoot(axe_page, "request-detail-headlines")
    problems["request-detail-headlines"] = axe_violations(axe_page)
    axe_page.goto(f"{live_server.url}/patients/new/")
    problems["patient-create"] = axe_violations(axe_page)
    axe_page.get_by_role("button", name="Save patient").click()
    axe_page.locator("#error-summary").wait_for()
    problems["patient-create-errors"] = axe_violations(axe_page)
    axe_page.get_by_label("First name").fill("Alex")
    axe_page.get_by_label("Last name").fill("Synthetic")
    axe_page.get_by_label("Date of birth").fill(patient.dob.isoformat())
    axe_page.get_by_label("Sex").select_option("M")
    axe_page.get_by_label("Member ID").fill(patient.member_id)
    axe_page.get_by_role("button", name="Save patient").click()
    axe_page.locator("#duplicate-check").wait_for()
    assert axe_page.get_by_label("First name").input_value() == "Alex"
    shoot(axe_page, "patient-create-duplicate")
    problems["patient-create-duplicate"] = axe_violations(axe_page)
    axe_page.context.clear_cookies()  # sign out: the physician signs in next

    m.AuthRequest.objects.filter(pk=req.pk).update(status="ready")
    login(axe_page, live_server, physician_user.username, PASSWORD)
    axe_page.goto(f"{live_server.url}/")
    assert axe_page.get_by_role("link", name="New request").count() == 0
    shoot(axe_page, "worklist-physician")
    problems["worklist-physician"] = axe_violations(axe_page)
    axe_page.goto(f"{live_server.url}/requests/{req.pk}/sign/")
    shoot(axe_page, "sign-beside")
    problems["sign"] = axe_violations(axe_page)
    bad = [f"{page}: {v}" for page, found in problems.items() for v in found]
    assert not bad, "\n".join(bad)
