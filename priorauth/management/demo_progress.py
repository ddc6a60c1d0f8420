"""The demo after the payer's decision: ``manage.py load_demo`` takes demo requests
13-22 (priorauth/demo/cases.py) from draft to where the worklist's later tabs, the
authorization checks, the denial and appeal pages and the analytics have something
to show, through the services a user's clicks call, dated from the real today.

Each request has a ``Plan``: when it was submitted and how, the payer's decision and
what came after it (a reschedule, a procedure performed, the denial's structure, an
appeal). ``advance`` runs the steps the request has not taken yet, each guarded by
the state it starts from, so a run that stopped half-way resumes and a second run
does nothing:

    draft -> ready (sent for signature) -> signed (drlee signs with the demo
    password: the first signing makes drlee's sealed key) -> submitted (``submitted``
    days ago) -> approved / denied / pended (``decided`` days ago) -> ``after``.

Dates are days before the real today (the services refuse future dates, and the
worklist compares with today); they are fixed by the run that takes the step, so a
demo database loaded weeks ago shows its authorizations as weeks older. For a fresh
demo, delete ``db.sqlite3`` and run ``make run`` again.

The signing time and the audit trail are those of the run (the services date a
signature by the clock, not by an argument): in the demo a packet is signed on the
day of the first ``load_demo`` and submitted days earlier.

Nothing here imports ``priorauth.demo`` (the app never does): a plan finds its
request by pk and checks the patient's MRN; a request that is not the demo's (or a
demo user that is gone) is left alone with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from priorauth import models as m
from priorauth import services

__all__ = ["PLANS", "Ctx", "Plan", "advance", "demo_users"]

DEMO_BILLING = "billing"
DEMO_PHYSICIAN = "drlee"
# Published in the README and the Makefile; the fixture holds its Argon2 hash.
DEMO_PHYSICIAN_PASSWORD = "demo-physician-pass"

Status = m.AuthRequest.Status
SENT_AT = time(9, 40)  # in the practice's zone (load_demo activates it)


@dataclass(frozen=True)
class Ctx:
    """Who does the steps, and the day they are counted from."""

    today: date
    billing: m.User
    physician: m.User
    password: str

    def ago(self, days: int) -> date:
        return self.today - timedelta(days=days)


@dataclass(frozen=True)
class Plan:
    """Where one demo request goes after the fixture, in days before today."""

    pk: int
    mrn: str  # the patient's, as a check that pk is still the demo's request
    what: str
    submitted: int  # days before today
    channel: str
    payer_reference: str
    decision: str = ""  # "" (still with the payer), "approved", "denied", "pended"
    decided: int = 0  # days before today
    # The decision's fields (auth_request_record_decision), given the day counter.
    decision_fields: Callable[[Ctx], dict[str, Any]] = field(
        default=lambda ctx: {}, repr=False
    )
    # What happens after the decision; each step checks whether it is done already.
    after: Callable[[m.AuthRequest, Ctx], None] | None = field(default=None, repr=False)


# --------------------------------------------------------------------------- after


def _schedule_inside(request: m.AuthRequest, ctx: Ctx) -> None:
    """Case 13: the procedure scheduled inside the window (no drift)."""
    if request.scheduled_on is None:
        services.auth_request_reschedule(
            request=request, user=ctx.billing, scheduled_on=ctx.ago(-4)
        )


def _reschedule_past_the_window(request: m.AuthRequest, ctx: Ctx) -> None:
    """Case 14: moved to a week after the authorization's last day (drift)."""
    if request.scheduled_on is None:
        services.auth_request_reschedule(
            request=request,
            user=ctx.billing,
            scheduled_on=request.valid_to + timedelta(days=8),
        )


def _performed_an_extra_level(request: m.AuthRequest, ctx: Ctx) -> None:
    """Case 15: authorized for L4-L5 (64493); L4-L5 and L5-S1 were done (drift)."""
    if not request.performed.exists():
        services.auth_request_record_performed(
            request=request,
            user=ctx.billing,
            performed_on=ctx.ago(5),
            lines=[{"cpt": "64493", "units": 1}, {"cpt": "64494", "units": 1}],
            levels="L4-L5, L5-S1",
        )


def _structure_denial(
    request: m.AuthRequest, ctx: Ctx, *, cited: list[str], **fields: Any
) -> None:
    """Staff add the criteria the notice cites (a new denial, the one in force)."""
    in_force = request.denials.order_by("-recorded_at", "-id").first()
    if in_force is not None and in_force.reasons.exclude(code="").exists():
        return
    services.denial_record(
        request=request,
        user=ctx.billing,
        decided_on=request.decided_on,
        cited=cited,
        **fields,
    )


def _appeal(request: m.AuthRequest, ctx: Ctx, statement: str) -> m.Appeal:
    """The request's appeal (started once), with the physician's statement."""
    appeal = request.appeals.order_by("-created_at", "-id").first()
    if appeal is None:
        appeal = services.appeal_start(request=request, user=ctx.billing)
    if appeal.status == m.Appeal.Status.PREPARING and not appeal.physician_statement:
        services.appeal_update(
            appeal=appeal,
            user=ctx.physician,
            physician_statement=statement,
            new_evidence="",
        )
    return appeal


def _denied_rfa_appeal_draft(request: m.AuthRequest, ctx: Ctx) -> None:
    """Case 16: the denial cites the diagnostic blocks; the appeal is a draft."""
    _structure_denial(
        request,
        ctx,
        channel="fax",
        reason_code="MN-204",
        reason_text="Medical necessity not established: the record does not show "
        "two diagnostic medial branch blocks with at least 80% relief.",
        payer_reference="DEN-2026-004417",
        cited=["FAC-009|"],
        cited_text=["Relief after the first block not documented on a pain scale"],
    )
    _appeal(
        request,
        ctx,
        "Both diagnostic blocks at L4-L5 were done under fluoroscopy with the "
        "patient recording pain scores before and after: 8 to 1 after each, more "
        "than 80% relief for the expected duration of the anesthetic.",
    )


def _denied_esi_appeal_won(request: m.AuthRequest, ctx: Ctx) -> None:
    """Case 17: the denial cites conservative care; the appeal was signed, filed
    and won."""
    _structure_denial(
        request,
        ctx,
        channel="fax",
        reason_code="CC-112",
        reason_text="Conservative care of at least 4 weeks not documented.",
        payer_reference="CRL-7730512",
        cited=["ESI-003|"],
    )
    appeal = _appeal(
        request,
        ctx,
        "Eight weeks of physical therapy, with the discharge summary, and daily "
        "NSAIDs for sixteen weeks failed to relieve the right C7 radicular pain.",
    )
    if appeal.status == m.Appeal.Status.PREPARING:
        reviewed = services.appeal_review(request=request, user=ctx.physician)
        services.appeal_sign(
            request=request,
            user=ctx.physician,
            password=ctx.password,
            reviewed=reviewed,
        )
        appeal.refresh_from_db()
    if appeal.status == m.Appeal.Status.SIGNED:
        services.appeal_record_filing(
            appeal=appeal, user=ctx.billing, filed_on=ctx.ago(50), channel="fax"
        )
    if appeal.status == m.Appeal.Status.FILED:
        services.appeal_record_outcome(
            appeal=appeal,
            user=ctx.billing,
            outcome=m.Appeal.Status.WON,
            decided_on=ctx.ago(20),
            note="Overturned on reconsideration: the therapy notes met the criterion.",
        )


def _denied_facet_criterion(request: m.AuthRequest, ctx: Ctx) -> None:
    """Case 22: the non-affirmation cites conservative care; no appeal yet."""
    _structure_denial(
        request,
        ctx,
        channel="fax",
        reason_code="5F024",
        reason_text="Non-affirmed: the record does not document failure of "
        "conservative management.",
        payer_reference="OPD-AZ-2611-0107",
        cited=["FAC-002|"],
    )


# --------------------------------------------------------------------------- plans


def _approval(
    number: str, valid: tuple[int, int], cpt: str, levels: str
) -> Callable[[Ctx], dict[str, Any]]:
    first, last = valid
    return lambda ctx: {
        "authorization_number": number,
        "valid_from": ctx.ago(first),
        "valid_to": ctx.ago(last),
        "approved_units": 1,
        "authorized_lines": [{"cpt": cpt, "units": 1}],
        "authorized_levels": levels,
    }


PLANS: tuple[Plan, ...] = (
    Plan(
        13,
        "DEMO-0013",
        "approved, the authorization ends in 9 days",
        submitted=14,
        channel="portal",
        payer_reference="OPD-AZ-2611-0413",
        decision="approved",
        decided=10,
        decision_fields=_approval("UTN 26AZ41290337", (10, -9), "64635", "L5-S1"),
        after=_schedule_inside,
    ),
    Plan(
        14,
        "DEMO-0014",
        "approved, rescheduled after the authorization ends",
        submitted=30,
        channel="fax",
        payer_reference="AET-8830271",
        decision="approved",
        decided=25,
        decision_fields=_approval("AET-PA-771042", (25, -12), "64483", "L4-L5"),
        after=_reschedule_past_the_window,
    ),
    Plan(
        15,
        "DEMO-0015",
        "approved, a level more performed than authorized",
        submitted=50,
        channel="portal",
        payer_reference="EVC-31277804",
        decision="approved",
        decided=42,
        decision_fields=_approval("EVC-A-55109321", (42, -48), "64493", "L4-L5"),
        after=_performed_an_extra_level,
    ),
    Plan(
        16,
        "DEMO-0016",
        "denied, appeal in draft",
        submitted=52,
        channel="portal",
        payer_reference="DEN-2026-004417",
        decision="denied",
        decided=45,
        decision_fields=lambda ctx: {
            "denial_reason": "Medical necessity not established.",
            "denial_reason_code": "MN-204",
            "denial_channel": "fax",
        },
        after=_denied_rfa_appeal_draft,
    ),
    Plan(
        17,
        "DEMO-0017",
        "denied, appeal won",
        submitted=75,
        channel="fax",
        payer_reference="CRL-7730512",
        decision="denied",
        decided=60,
        decision_fields=lambda ctx: {
            "denial_reason": "Conservative care not documented.",
            "denial_reason_code": "CC-112",
            "denial_channel": "fax",
        },
        after=_denied_esi_appeal_won,
    ),
    Plan(
        18,
        "DEMO-0018",
        "submitted, decision overdue",
        submitted=11,
        channel="portal",
        payer_reference="MA-PA-26-118834",
    ),
    Plan(
        19,
        "DEMO-0019",
        "pended",
        submitted=9,
        channel="portal",
        payer_reference="BCB-PA-4410297",
        decision="pended",
        decided=3,
        decision_fields=lambda ctx: {
            "pend_reason": "Send the office notes of the last two visits and the "
            "physical therapy discharge summary.",
        },
    ),
    # 20-22: more decisions for the analytics (rates, turnaround by payer).
    Plan(
        20,
        "DEMO-0020",
        "approved (provisional affirmation)",
        submitted=40,
        channel="portal",
        payer_reference="OPD-AZ-2610-0288",
        decision="approved",
        decided=35,
        decision_fields=_approval("UTN 26AZ40881250", (35, -85), "64493", "L4-L5"),
    ),
    Plan(
        21,
        "DEMO-0021",
        "approved",
        submitted=24,
        channel="portal",
        payer_reference="AET-8841906",
        decision="approved",
        decided=21,
        decision_fields=_approval("AET-PA-779315", (21, -69), "64493", "L5-S1"),
    ),
    Plan(
        22,
        "DEMO-0022",
        "denied (non-affirmed), no appeal yet",
        submitted=20,
        channel="fax",
        payer_reference="OPD-AZ-2611-0107",
        decision="denied",
        decided=14,
        decision_fields=lambda ctx: {
            "denial_reason": "Non-affirmed: conservative care not documented.",
            "denial_reason_code": "5F024",
            "denial_channel": "fax",
        },
        after=_denied_facet_criterion,
    ),
)


# --------------------------------------------------------------------------- steps


def demo_users() -> tuple[m.User, m.User] | None:
    """(billing, drlee), or None when either is missing."""
    users = {
        u.username: u
        for u in m.User.objects.filter(username__in=(DEMO_BILLING, DEMO_PHYSICIAN))
    }
    if len(users) != 2:
        return None
    return users[DEMO_BILLING], users[DEMO_PHYSICIAN]


def advance(plan: Plan, ctx: Ctx) -> str:
    """Take the plan's request through the steps it has not taken; says where it is."""
    request = (
        m.AuthRequest.objects.select_related("patient")
        .filter(pk=plan.pk, practice_id=ctx.billing.practice_id)
        .first()
    )
    if request is None or request.patient.mrn != plan.mrn:
        raise LookupError(
            f"request {plan.pk} is not the demo's ({plan.mrn}): left alone"
        )
    if request.status == Status.DRAFT:
        services.auth_request_send_for_signature(request=request)
    if request.status == Status.READY:
        reviewed = services.auth_request_review(request=request, user=ctx.physician)
        services.auth_request_sign(
            request=request,
            user=ctx.physician,
            password=ctx.password,
            reviewed=reviewed,
        )
    if request.status == Status.SIGNED:
        services.auth_request_record_submission(
            request=request,
            user=ctx.billing,
            submitted_on=ctx.ago(plan.submitted),
            # The time staff type beside the date (else the start of the day).
            submitted_at=timezone.make_aware(
                datetime.combine(ctx.ago(plan.submitted), SENT_AT)
            ),
            channel=plan.channel,
            payer_reference=plan.payer_reference,
        )
    if plan.decision and request.status == Status.SUBMITTED:
        services.auth_request_record_decision(
            request=request,
            user=ctx.billing,
            decision=plan.decision,
            decided_on=ctx.ago(plan.decided),
            **plan.decision_fields(ctx),
        )
    if plan.after is not None and request.status == plan.decision:
        plan.after(request, ctx)
    return request.get_status_display().lower()
