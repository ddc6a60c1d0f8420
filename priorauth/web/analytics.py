"""The practice's analytics, for practice admins: approval, denial and pend rates by
payer, by procedure and by the criterion denials cite; turnaround; appeals.

Every chart is an SVG drawn on the server by pygal, shown as an image (``data:``
URL: no request of its own, no script, no CDN; the page's CSP allows ``img-src
data:``), with the same numbers as a table under it and as a CSV download. pygal's
own script tags are left out (``js=[]``, and the inline config script is dropped):
an SVG shown as an image runs none anyway. Other roles get 403; the numbers are
the signed-in admin's practice only.
"""

from __future__ import annotations

import base64
import csv
import functools
import math
import re
from datetime import timedelta

import pygal
from pygal.style import Style

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from priorauth import services
from priorauth.security.audit import audit_log
from priorauth.services.analytics import PERIODS, AnalyticsReport

CHART_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    font_family="system-ui, sans-serif",
    colors=("#2f7d32", "#c62828", "#f9a825", "#1565c0", "#6a1b9a"),
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=11,
    title_font_size=14,
    value_font_size=10,
)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
CHARTS = ("payer", "procedure", "criterion", "turnaround", "appeals")


def _require_admin(request: HttpRequest) -> int:
    user = request.user
    if not getattr(user, "is_practice_admin", False) or user.practice_id is None:
        raise PermissionDenied("Only practice admins see the practice's analytics.")
    return int(user.practice_id)


def _period(request: HttpRequest) -> tuple[str, str, object]:
    key = request.GET.get("period", "12m")
    for k, label, days in PERIODS:
        if k == key:
            since = timezone.localdate() - timedelta(days=days) if days else None
            return k, label, since
    return _period_default()


def _period_default() -> tuple[str, str, object]:
    k, label, days = PERIODS[1]
    return k, label, timezone.localdate() - timedelta(days=days)  # type: ignore[operator]


# --------------------------------------------------------------------------- tables


def chart_table(report: AnalyticsReport, name: str) -> tuple[list[str], list[list]]:
    """(header, rows) of one chart: its table view and its CSV."""
    if name in ("payer", "procedure"):
        rows = report.by_payer if name == "payer" else report.by_procedure
        header = [
            "Payer" if name == "payer" else "Procedure",
            "Decided",
            "Approved",
            "Denied",
            "Pended",
            "Approval %",
            "Denial %",
            "Pend %",
        ]
        return header, [
            [
                r.label,
                r.decided,
                r.approved,
                r.denied,
                r.pended,
                r.approval_rate,
                r.denial_rate,
                r.pend_rate,
            ]
            for r in rows
        ]
    if name == "criterion":
        return ["Criterion cited", "Denied requests citing it", "% of denials"], [
            [r.criterion, r.denials, r.share] for r in report.by_criterion
        ]
    if name == "turnaround":
        rows = [report.turnaround, *report.turnaround_by_payer]
        return ["Payer", "Decisions", "Median days (submitted to decided)"], [
            [r.label, r.decisions, r.median_days] for r in rows
        ]
    if name == "appeals":
        rows = [("All payers", report.appeals), *report.appeals_by_payer]
        return [
            "Payer",
            "Started",
            "Filed",
            "Won",
            "Partly won",
            "Upheld",
            "Awaiting answer",
            "Win % of answered",
        ], [
            [n, a.started, a.filed, a.won, a.partial, a.upheld, a.pending, a.win_rate]
            for n, a in rows
        ]
    raise Http404("No such chart")


# --------------------------------------------------------------------------- charts


# pygal leaves the labels of a horizontal chart whole (``truncate_label`` does not
# reach them): a long criterion's wording would take the plot's width. The table
# under the chart keeps the whole text.
LABEL_MAX = 48


def _label(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1].rstrip() + "…"


def _svg(chart: pygal.graph.graph.Graph) -> str:
    svg = chart.render(is_unicode=True)
    return "data:image/svg+xml;base64," + base64.b64encode(
        _SCRIPT.sub("", svg).encode()
    ).decode("ascii")


def _config(title: str, rows: int) -> dict:
    return {
        "js": [],
        "title": title,
        "width": 760,
        "height": max(220, 90 + 34 * rows),
        "style": CHART_STYLE,
        "disable_xml_declaration": True,
        "legend_at_bottom": True,
        "print_values": False,
        "show_y_guides": False,
        "truncate_label": 40,
        "truncate_legend": 40,
    }


@functools.lru_cache(maxsize=512)
def _rates_chart(title: str, rows: tuple) -> str:
    chart = pygal.HorizontalStackedBar(**_config(title, len(rows)), range=(0, 100))
    chart.x_labels = [_label(r[0]) for r in rows]
    for i, series in enumerate(("Approved %", "Denied %", "Pended %"), start=5):
        chart.add(series, [r[i] or 0 for r in rows])
    return _svg(chart)


def _whole_number_ticks(top: float) -> list[int]:
    """Axis labels for counts and days: whole numbers, about five of them (pygal
    would label a count axis 0.1, 0.2, ... when the counts are small)."""
    top = max(1, math.ceil(top))
    step = max(1, math.ceil(top / 5))
    return list(range(0, top + step, step))


@functools.lru_cache(maxsize=512)
def _bars_chart(title: str, rows: tuple, series: str) -> str:
    values = [r[1] or 0 for r in rows]
    chart = pygal.HorizontalBar(
        **_config(title, len(rows)),
        show_legend=False,
        y_labels=_whole_number_ticks(max(values, default=0)),
    )
    chart.x_labels = [_label(r[0]) for r in rows]
    chart.add(series, values)
    return _svg(chart)


@functools.lru_cache(maxsize=512)
def _appeals_chart(title: str, rows: tuple) -> str:
    outcomes = (("Won", 3), ("Partly won", 4), ("Upheld", 5), ("Awaiting", 6))
    top = max((sum(r[i] or 0 for _s, i in outcomes) for r in rows), default=0)
    chart = pygal.HorizontalStackedBar(
        **_config(title, len(rows)), y_labels=_whole_number_ticks(top)
    )
    chart.x_labels = [_label(r[0]) for r in rows]
    for series, i in outcomes:
        chart.add(series, [r[i] for r in rows])
    return _svg(chart)


def chart_image(report: AnalyticsReport, name: str) -> str:
    """The chart as a ``data:`` URL (drawn once per distinct set of numbers)."""
    header, rows = chart_table(report, name)
    data = tuple(tuple(r) for r in rows)
    if not data:
        return ""
    if name == "payer":
        return _rates_chart("Decisions by payer (%)", data)
    if name == "procedure":
        return _rates_chart("Decisions by procedure (%)", data)
    if name == "criterion":
        return _bars_chart("Criteria cited in denials", data[:12], "Denied requests")
    if name == "turnaround":
        return _bars_chart(
            "Median days from submission to decision",
            tuple((r[0], r[2]) for r in data),
            "Median days",
        )
    return _appeals_chart("Appeals by outcome", data)


# --------------------------------------------------------------------------- views


@require_GET
def analytics(request: HttpRequest) -> HttpResponse:
    practice_id = _require_admin(request)
    key, label, since = _period(request)
    report = services.practice_analytics(practice_id=practice_id, since=since)  # type: ignore[arg-type]
    charts = []
    for name, title in (
        ("payer", "Approval, denial and pend rates by payer"),
        ("procedure", "By procedure"),
        ("criterion", "Criteria cited in denials"),
        ("turnaround", "Turnaround"),
        ("appeals", "Appeals filed and won"),
    ):
        header, rows = chart_table(report, name)
        charts.append(
            {
                "name": name,
                "title": title,
                "image": chart_image(report, name),
                "header": header,
                "rows": rows,
            }
        )
    return render(
        request,
        "priorauth/analytics.html",
        {
            "report": report,
            "charts": charts,
            "period": key,
            "period_label": label,
            "periods": [(k, lbl) for k, lbl, _ in PERIODS],
        },
    )


def _cell(value: object) -> object:
    """A CSV cell; text a spreadsheet would read as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@require_GET
def analytics_csv(request: HttpRequest) -> HttpResponse:
    """One chart's numbers as CSV: ``?chart=payer&period=12m``."""
    practice_id = _require_admin(request)
    chart = request.GET.get("chart", "")
    if chart not in CHARTS:
        raise Http404("No such chart")
    key, _label, since = _period(request)
    report = services.practice_analytics(practice_id=practice_id, since=since)  # type: ignore[arg-type]
    header, rows = chart_table(report, chart)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="analytics-{chart}-{key}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([_cell(v) for v in row] for row in rows)
    audit_log(
        action="analytics.export", request=request, detail=f"chart={chart} period={key}"
    )
    return response
