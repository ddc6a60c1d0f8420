"""What the practice learns from its decisions: rates by payer, by procedure and by
the criterion denials cite; the turnaround from submission to decision; appeals filed
and won.

``practice_analytics`` runs a fixed number of aggregate queries (five), whatever the
number of requests: the database counts and groups; Python only divides and finds
the medians in the turnaround histogram (days -> count). A decided request is one
with a decision recorded (approved, denied or pended) in the period, by its
decision date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Q

from priorauth import models as m

__all__ = [
    "PERIODS",
    "AnalyticsReport",
    "RateRow",
    "median_from_histogram",
    "practice_analytics",
]

DECIDED = ("approved", "denied", "pended")
FILED = ("filed", "won", "partial", "upheld")
# (key, label, days back; None = everything)
PERIODS = (
    ("90d", "Last 90 days", 90),
    ("12m", "Last 12 months", 365),
    ("all", "All time", None),
)


@dataclass(frozen=True)
class RateRow:
    label: str
    decided: int
    approved: int
    denied: int
    pended: int

    def _rate(self, n: int) -> float | None:
        return round(100 * n / self.decided, 1) if self.decided else None

    @property
    def approval_rate(self) -> float | None:
        return self._rate(self.approved)

    @property
    def denial_rate(self) -> float | None:
        return self._rate(self.denied)

    @property
    def pend_rate(self) -> float | None:
        return self._rate(self.pended)


@dataclass(frozen=True)
class CriterionRow:
    criterion: str
    denials: int  # denied requests whose denial cites it
    share: float | None  # of all denied requests in the period, percent


@dataclass(frozen=True)
class TurnaroundRow:
    label: str
    decisions: int
    median_days: float | None


@dataclass(frozen=True)
class AppealSummary:
    started: int = 0
    filed: int = 0
    won: int = 0
    partial: int = 0
    upheld: int = 0
    pending: int = 0  # filed, no answer yet

    @property
    def win_rate(self) -> float | None:
        """Won (fully or in part) of the appeals the payer answered, percent."""
        answered = self.won + self.partial + self.upheld
        return (
            round(100 * (self.won + self.partial) / answered, 1) if answered else None
        )


@dataclass(frozen=True)
class AnalyticsReport:
    since: date | None
    totals: RateRow
    by_payer: list[RateRow]
    by_procedure: list[RateRow]
    by_criterion: list[CriterionRow]
    turnaround: TurnaroundRow
    turnaround_by_payer: list[TurnaroundRow]
    appeals: AppealSummary
    appeals_by_payer: list[tuple[str, AppealSummary]] = field(default_factory=list)


def median_from_histogram(histogram: Mapping[int, int]) -> float | None:
    """The median of values given as value -> count (the mean of the middle two)."""
    total = sum(histogram.values())
    if not total:
        return None
    lo_rank, hi_rank = (total - 1) // 2, total // 2
    seen, lo, hi = 0, None, None
    for value in sorted(histogram):
        count = histogram[value]
        if lo is None and lo_rank < seen + count:
            lo = value
        if hi_rank < seen + count:
            hi = value
            break
        seen += count
    return (lo + hi) / 2  # type: ignore[operator]


def _rate_rows(
    rows: Iterable[dict], key: str, labels: Mapping[str, str]
) -> list[RateRow]:
    out = [
        RateRow(
            label=labels.get(r[key], r[key]) if labels else r[key],
            decided=r["decided"],
            approved=r["approved"],
            denied=r["denied"],
            pended=r["pended"],
        )
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r.decided, r.label))


_COUNTS = {
    "decided": Count("id"),
    "approved": Count("id", filter=Q(status="approved")),
    "denied": Count("id", filter=Q(status="denied")),
    "pended": Count("id", filter=Q(status="pended")),
}


def practice_analytics(
    *, practice_id: int, since: date | None, today: date | None = None
) -> AnalyticsReport:
    """The practice's analytics for decisions dated ``since`` or later (None: all)."""
    decided = m.AuthRequest.objects.filter(practice_id=practice_id, status__in=DECIDED)
    if since is not None:
        decided = decided.filter(decided_on__gte=since)
    # 1. by payer (profile name; versions of one payer count together)
    by_payer = _rate_rows(
        decided.values(payer=F("payer_profile__name")).annotate(**_COUNTS).order_by(),
        "payer",
        {},
    )
    # 2. by procedure
    by_procedure = _rate_rows(
        decided.values("procedure_type").annotate(**_COUNTS).order_by(),
        "procedure_type",
        dict(m.PROCEDURE_CHOICES),
    )
    totals = RateRow(
        label="All payers",
        decided=sum(r.decided for r in by_payer),
        approved=sum(r.approved for r in by_payer),
        denied=sum(r.denied for r in by_payer),
        pended=sum(r.pended for r in by_payer),
    )
    # 3. criteria cited by the denials of denied requests in the period
    reasons = m.DenialReason.objects.filter(
        denial__request__practice_id=practice_id,
        denial__request__status="denied",
    )
    if since is not None:
        reasons = reasons.filter(denial__request__decided_on__gte=since)
    cited = (
        reasons.values("code")
        .annotate(
            denials=Count("denial__request_id", distinct=True), wording=Max("criterion")
        )
        .order_by()
    )
    by_criterion = sorted(
        (
            CriterionRow(
                criterion=r["wording"]
                if r["code"]
                else "Other reasons (payer's words)",
                denials=r["denials"],
                share=round(100 * r["denials"] / totals.denied, 1)
                if totals.denied
                else None,
            )
            for r in cited
        ),
        key=lambda r: (-r.denials, r.criterion),
    )
    # 4. turnaround: a histogram of days from submission to decision, per payer
    days = ExpressionWrapper(
        F("decided_on") - F("submitted_on"), output_field=DurationField()
    )
    histogram = (
        decided.filter(submitted_on__isnull=False, decided_on__isnull=False)
        .values(payer=F("payer_profile__name"))
        .annotate(days=days, n=Count("id"))
        .order_by()
    )
    per_payer: dict[str, dict[int, int]] = {}
    overall: dict[int, int] = {}
    for r in histogram:
        d = r["days"].days if isinstance(r["days"], timedelta) else int(r["days"] or 0)
        per_payer.setdefault(r["payer"], {})
        per_payer[r["payer"]][d] = per_payer[r["payer"]].get(d, 0) + r["n"]
        overall[d] = overall.get(d, 0) + r["n"]
    turnaround = TurnaroundRow(
        "All payers", sum(overall.values()), median_from_histogram(overall)
    )
    turnaround_by_payer = sorted(
        (
            TurnaroundRow(name, sum(h.values()), median_from_histogram(h))
            for name, h in per_payer.items()
        ),
        key=lambda r: (-r.decisions, r.label),
    )
    # 5. appeals started in the period, by payer and outcome
    appeals = m.Appeal.objects.filter(request__practice_id=practice_id)
    if since is not None:
        appeals = appeals.filter(created_at__date__gte=since)
    by_status: dict[str, dict[str, int]] = {}
    for r in (
        appeals.values("status", payer=F("request__payer_profile__name"))
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_status.setdefault(r["payer"], {})[r["status"]] = r["n"]

    def summary(counts: Mapping[str, int]) -> AppealSummary:
        return AppealSummary(
            started=sum(counts.values()),
            filed=sum(counts.get(s, 0) for s in FILED),
            won=counts.get("won", 0),
            partial=counts.get("partial", 0),
            upheld=counts.get("upheld", 0),
            pending=counts.get("filed", 0),
        )

    merged: dict[str, int] = {}
    for counts in by_status.values():
        for status, n in counts.items():
            merged[status] = merged.get(status, 0) + n
    return AnalyticsReport(
        since=since,
        totals=totals,
        by_payer=by_payer,
        by_procedure=by_procedure,
        by_criterion=by_criterion,
        turnaround=turnaround,
        turnaround_by_payer=turnaround_by_payer,
        appeals=summary(merged),
        appeals_by_payer=sorted(
            ((name, summary(c)) for name, c in by_status.items()),
            key=lambda x: (-x[1].started, x[0]),
        ),
    )
