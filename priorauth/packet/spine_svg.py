"""Draw a ``rules.spine.SpineLayout`` as an SVG document: the same markup on the screens
(inline in the page) and in the packet (inline in the HTML WeasyPrint converts).

Pure string building with ``xml.etree`` (escaping for free, attributes in a fixed
order, so the same facts give the same bytes and a signed packet re-renders to the
same hash). Black on white: an injection's kind is carried by a shape *and* its
letters (ESI circle, IA square, MBB triangle, RFA diamond), relief by the number
beside it, the requested level and side by a dashed box; nothing is told by colour
alone, so it reads on a fax. Each mark carries ``data-level``, ``data-side``,
``data-kind``, ``data-date`` and ``data-row`` for the tests.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from datetime import date

from priorauth.rules.levels import CAUDAL
from priorauth.rules.spine import (
    KIND_WORDS,
    LEFT,
    MIDLINE,
    RIGHT,
    SACRUM,
    SIDE_WORDS,
    Mark,
    Requested,
    Row,
    SpineLayout,
)
from priorauth.rules.wording import fmt_num

__all__ = ["spine_description", "spine_svg", "spine_table", "window_text"]

FONT = "'PA Sans', 'Liberation Sans', Arial, Helvetica, sans-serif"
MW = 64  # width of one mark
LINE_H = 34  # height of one line of marks
GAP_H = 18  # a folded run of levels
HEAD_H = 40
LABEL_W = 56
SPINE_W = 66
ANN_W = 196
LEGEND_H = 70
MIN_W = 540  # room for the legend
PER_LINE = {LEFT: 3, RIGHT: 3, MIDLINE: 1}
INK = "#000"
GREY = "#666"
REQUEST_INK = "#1f3f8f"  # dark blue: prints as black; the dash carries the meaning


def _fmt(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _date(d: date | None) -> str:
    return d.strftime("%m/%d/%Y") if d else ""


def _short_date(d: date) -> str:
    return d.strftime("%m/%d/%y")


def _relief(mark: Mark) -> str:
    """Whole percent, as the packet's tables print it (``rules.wording.fmt_num``)."""
    return f"{fmt_num(mark.relief)}%" if mark.relief is not None else "n/r"


def _el(parent: ET.Element, tag: str, /, **attrs: object) -> ET.Element:
    return ET.SubElement(
        parent,
        tag,
        {k.rstrip("_").replace("_", "-"): str(v) for k, v in attrs.items()},
    )


def _text(
    parent: ET.Element, x: float, y: float, content: str, **attrs: object
) -> ET.Element:
    node = _el(parent, "text", x=_fmt(x), y=_fmt(y), **attrs)
    node.text = content
    return node


# --------------------------------------------------------------------------- shapes


def _shape(parent: ET.Element, kind: str, cx: float, cy: float, r: float = 6.5) -> None:
    """The kind's symbol, white inside, black outline (a fax keeps the outline)."""
    style = {"fill": "#fff", "stroke": INK, "stroke_width": "1.6"}
    if kind == "ESI":
        _el(parent, "circle", cx=_fmt(cx), cy=_fmt(cy), r=_fmt(r), **style)
    elif kind == "IA":
        _el(
            parent,
            "rect",
            x=_fmt(cx - r),
            y=_fmt(cy - r),
            width=_fmt(2 * r),
            height=_fmt(2 * r),
            **style,
        )
    else:
        if kind == "MBB":
            pts = [(cx, cy - r - 1), (cx + r + 1, cy + r), (cx - r - 1, cy + r)]
        elif kind == "RFA":
            pts = [
                (cx, cy - r - 1.5),
                (cx + r + 1, cy),
                (cx, cy + r + 1.5),
                (cx - r - 1, cy),
            ]
        else:  # SI, TPI and anything else: a cross in a box
            pts = [
                (cx - r, cy - r),
                (cx + r, cy - r),
                (cx + r, cy + r),
                (cx - r, cy + r),
            ]
            _el(parent, "polygon", points=_points(pts), **style)
            _el(
                parent,
                "path",
                d=f"M{_fmt(cx - r)} {_fmt(cy - r)}L{_fmt(cx + r)} {_fmt(cy + r)}"
                f"M{_fmt(cx + r)} {_fmt(cy - r)}L{_fmt(cx - r)} {_fmt(cy + r)}",
                stroke=INK,
                stroke_width="1.2",
            )
            return
        _el(parent, "polygon", points=_points(pts), **style)


def _points(pts: list[tuple[float, float]]) -> str:
    return " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in pts)


def _mark(parent: ET.Element, mark: Mark, x: float, y: float) -> None:
    g = _el(
        parent,
        "g",
        class_="mark",
        data_level=mark.level,
        data_side=mark.side,
        data_kind=mark.kind,
        data_date=mark.date.isoformat(),
        data_row=mark.row,
        transform=f"translate({_fmt(x)} {_fmt(y)})",
    )
    title = _el(g, "title")
    title.text = (
        f"{KIND_WORDS.get(mark.kind, mark.kind)}, {_date(mark.date)}, "
        f"{mark.level} {SIDE_WORDS[mark.side]}, relief {_relief(mark)}"
    )
    _el(
        g,
        "rect",
        x="1",
        y="2",
        width=_fmt(MW - 2),
        height=_fmt(LINE_H - 4),
        fill="#fff",
    )
    _shape(g, mark.kind, 8, 11, 5.5)
    _text(g, 16, 15, mark.kind, font_weight="bold", font_size="10")
    _text(
        g,
        16 + 7.0 * len(mark.kind) + 4,
        15,
        _relief(mark),
        font_size="9.5",
        class_="relief",
    )
    _text(g, 3, 27, _short_date(mark.date), font_size="8.5", fill=GREY)


# --------------------------------------------------------------------------- geometry


class _Geometry:
    """Column x positions and row y positions for one layout."""

    def __init__(self, layout: SpineLayout) -> None:
        self.layout = layout
        counts = {
            side: max(
                (
                    len(layout.marks_at(r.key, side))
                    for r in layout.rows
                    if not r.is_gap
                ),
                default=0,
            )
            for side in (LEFT, RIGHT)
        }
        self.left_w = max(2, min(PER_LINE[LEFT], counts[LEFT])) * MW
        self.right_w = max(2, min(PER_LINE[RIGHT], counts[RIGHT])) * MW
        self.x_left = LABEL_W
        self.x_spine = self.x_left + self.left_w + 6
        self.x_right = self.x_spine + SPINE_W + 6
        self.x_ann = self.x_right + self.right_w + 8
        self.has_request = bool(layout.requested)
        self.width = max(self.x_ann + (ANN_W if self.has_request else 0) + 4, MIN_W)
        self.rows: list[tuple[Row, float, float]] = []
        y = float(HEAD_H)
        for row in layout.rows:
            h = GAP_H if row.is_gap else self._lines(row) * LINE_H
            self.rows.append((row, y, h))
            y += h
        self.body_bottom = y
        self.height = y + 8 + LEGEND_H + (14 if layout.unplaced else 0)

    def _lines(self, row: Row) -> int:
        n = 1
        for side, per in PER_LINE.items():
            n = max(n, math.ceil(len(self.layout.marks_at(row.key, side)) / per))
        return n

    def mark_xy(self, side: str, i: int, count: int, y: float) -> tuple[float, float]:
        """Position of the ``i``-th mark (oldest first) of ``count`` in a lane."""
        per = PER_LINE[side]
        line, col = divmod(i, per)
        yy = y + line * LINE_H
        if side == LEFT:  # left lane fills towards the spine: time runs left to right
            in_line = min(per, count - line * per)
            x = self.x_spine - 6 - (in_line - col) * MW
        elif side == RIGHT:
            x = self.x_right + col * MW
        else:
            x = self.x_spine + (SPINE_W - MW) / 2
        return x, yy


# --------------------------------------------------------------------------- drawing


def spine_svg(
    layout: SpineLayout,
    *,
    id_prefix: str = "spine",
    title: str = "Injection history by spinal level",
) -> str:
    """The SVG markup (a string, ready to mark safe) for ``layout``."""
    geo = _Geometry(layout)
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "class": "spine-diagram",
            "role": "img",
            "aria-labelledby": f"{id_prefix}-title {id_prefix}-desc",
            "width": _fmt(geo.width),
            "height": _fmt(geo.height),
            "viewBox": f"0 0 {_fmt(geo.width)} {_fmt(geo.height)}",
            "font-family": FONT,
            "font-size": "10",
            "data-injections": str(layout.injection_count),
            "data-midline": _fmt(geo.x_spine + SPINE_W / 2),
        },
    )
    t = _el(svg, "title", id=f"{id_prefix}-title")
    t.text = title
    d = _el(svg, "desc", id=f"{id_prefix}-desc")
    d.text = spine_description(layout)
    _el(
        svg,
        "rect",
        x="0",
        y="0",
        width=_fmt(geo.width),
        height=_fmt(geo.height),
        fill="#fff",
    )
    _header(svg, geo)
    for n, (row, y, h) in enumerate(geo.rows):
        joined = (
            n > 0 and not geo.rows[n - 1][0].is_gap,
            n + 1 < len(geo.rows) and not geo.rows[n + 1][0].is_gap,
        )
        _row(svg, geo, row, y, h, joined)
    _legend(svg, geo)
    return ET.tostring(svg, encoding="unicode")


def _header(svg: ET.Element, geo: _Geometry) -> None:
    g = _el(svg, "g", class_="head", font_weight="bold", font_size="10.5")
    _text(g, geo.x_spine - 10, 16, "PATIENT'S LEFT", text_anchor="end")
    _text(g, geo.x_spine + SPINE_W / 2, 16, "Spine", text_anchor="middle")
    _text(g, geo.x_right + 4, 16, "PATIENT'S RIGHT")
    sub = _el(svg, "g", class_="head-note", font_size="8.5", fill=GREY)
    _text(sub, geo.x_spine + SPINE_W / 2, 29, "seen from behind", text_anchor="middle")
    lay = geo.layout
    if geo.has_request:
        _text(g, geo.x_ann + 2, 16, f"This request: {lay.request_kind}".strip())
        if lay.date_of_service:
            _text(
                sub, geo.x_ann + 2, 29, f"date of service {_date(lay.date_of_service)}"
            )
    elif lay.date_from or lay.date_to:
        span = f"{_date(lay.date_from) or 'start'} to {_date(lay.date_to) or 'today'}"
        _text(sub, geo.x_right + 4, 29, f"injections {span}")
    _el(
        svg,
        "line",
        x1="0",
        y1=_fmt(HEAD_H - 4),
        x2=_fmt(geo.width),
        y2=_fmt(HEAD_H - 4),
        stroke=GREY,
        stroke_width="0.6",
    )


def _row(
    svg: ET.Element,
    geo: _Geometry,
    row: Row,
    y: float,
    h: float,
    joined: tuple[bool, bool],
) -> None:
    lay = geo.layout
    if row.is_gap:
        g = _el(svg, "g", class_="gap", data_levels=" ".join(row.hidden))
        mid = y + h / 2
        cx = geo.x_spine + SPINE_W / 2
        _el(
            g,
            "path",
            d=f"M{_fmt(cx - 14)} {_fmt(mid - 3)}l7 6l7 -6l7 6l7 -6",
            fill="none",
            stroke=GREY,
            stroke_width="1.2",
        )
        _text(
            g,
            geo.x_spine - 10,
            mid + 3.5,
            f"{row.hidden[0]} to {row.hidden[-1]}: none",
            text_anchor="end",
            font_size="8.5",
            font_style="italic",
            fill=GREY,
        )
        return
    req = lay.requested_at(row.key)
    g = _el(
        svg, "g", class_="level", data_level=row.key, data_y=_fmt(y), data_h=_fmt(h)
    )
    _spine_piece(g, geo, row.key, y, h, joined)
    label = {SACRUM: "Sacrum", CAUDAL: "Caudal"}.get(row.key, row.key)
    _text(
        g,
        LABEL_W - 6,
        y + 15,
        label,
        text_anchor="end",
        font_weight="bold" if req else "normal",
        font_size="10.5",
    )
    if req:
        _text(
            g,
            LABEL_W - 6,
            y + 27,
            "requested",
            text_anchor="end",
            font_size="8",
            fill=GREY,
        )
    for side in (LEFT, MIDLINE, RIGHT):
        marks = lay.marks_at(row.key, side)
        for i, mark in enumerate(marks):
            x, yy = geo.mark_xy(side, i, len(marks), y)
            _mark(g, mark, x, yy)
    if req:
        _request(g, geo, req, y, h)


def _spine_piece(
    g: ET.Element,
    geo: _Geometry,
    key: str,
    y: float,
    h: float,
    joined: tuple[bool, bool],
) -> None:
    """The disc of the level level with its label and marks, the vertebral bodies
    above and below it (into the next row when that is a level too), the sacrum, the
    caudal entry. ``joined``: whether the rows above and below are levels."""
    cx = geo.x_spine + SPINE_W / 2
    spine = _el(g, "g", class_="bone", fill="#f2f2f2", stroke=GREY, stroke_width="1")
    if key == SACRUM:
        top, bottom = y + 2, y + h - 2
        # The sacrum, its tip notched by the sacral hiatus (the caudal entry).
        _el(
            spine,
            "path",
            d=f"M{_fmt(cx - 22)} {_fmt(top)}H{_fmt(cx + 22)}"
            f"L{_fmt(cx + 7)} {_fmt(bottom)}H{_fmt(cx + 3)}"
            f"L{_fmt(cx)} {_fmt(bottom - 5)}L{_fmt(cx - 3)} {_fmt(bottom)}"
            f"H{_fmt(cx - 7)}Z",
        )
        _text(
            spine,
            cx,
            top + 12,
            "S",
            text_anchor="middle",
            font_size="8.5",
            fill=GREY,
            stroke="none",
        )
        return
    if key == CAUDAL:  # the marks sit at the hiatus, just under the sacrum's tip
        return
    upper, lower = key.split("-")
    above, below = joined
    if not above:  # the body above starts in this row
        _body(spine, cx, y + 1, y + 8, "")
    if lower != "S1":  # S1 is the sacrum, drawn in its own row
        end = y + h + 8 if below else y + h - 3
        _body(spine, cx, y + 16, end, lower)
    _el(
        spine,
        "rect",
        class_="disc",
        x=_fmt(cx - 17),
        y=_fmt(y + 10),
        width="34",
        height="4",
        rx="2",
        fill="#999",
    )


def _body(spine: ET.Element, cx: float, top: float, bottom: float, name: str) -> None:
    body = _el(
        spine,
        "rect",
        x=_fmt(cx - 20),
        y=_fmt(top),
        width="40",
        height=_fmt(max(bottom - top, 2)),
        rx="4",
    )
    if name:
        body.set("data-segment", name)
        _text(
            spine,
            cx,
            top + 11,
            name,
            text_anchor="middle",
            font_size="8.5",
            fill=GREY,
            stroke="none",
        )


def _request(g: ET.Element, geo: _Geometry, req: Requested, y: float, h: float) -> None:
    boxes = {
        LEFT: (geo.x_left - 2, geo.x_spine - 2),
        MIDLINE: (geo.x_spine - 2, geo.x_spine + SPINE_W + 2),
        RIGHT: (geo.x_right - 2, geo.x_right + geo.right_w + 2),
    }
    for side in req.sides:
        x0, x1 = boxes[side]
        _el(
            g,
            "rect",
            class_="requested",
            data_level=req.level,
            data_side=side,
            x=_fmt(x0),
            y=_fmt(y + 0.5),
            width=_fmt(x1 - x0),
            height=_fmt(h - 1),
            fill="none",
            stroke=REQUEST_INK,
            stroke_width="2.2",
            stroke_dasharray="6 3",
        )
    e = req.entry
    ann = _el(
        g,
        "g",
        class_="window",
        data_level=req.level,
        data_prior=e.prior_count if e else "",
        data_used=e.sessions_used_12m if e else "",
        data_limit=e.session_limit if e and e.session_limit is not None else "",
        data_next=e.next_eligible_date.isoformat()
        if e and e.next_eligible_date
        else "",
    )
    x = geo.x_ann + 2
    for n, line in enumerate(window_text(req, geo.layout.date_of_service)):
        _text(
            ann,
            x,
            y + 10 + 10.5 * n,
            line,
            font_size="9.5",
            font_weight="bold" if n == 0 else "normal",
        )


def window_text(req: Requested, dos: date | None = None) -> list[str]:
    """The lines beside a requested level: window count, limit, next date, prior."""
    e = req.entry
    if e is None:
        return ["no ledger entry"]
    limit = f" of {e.session_limit}" if e.session_limit is not None else " (no limit)"
    counted = "/".join(req.counted_kinds) or req.kind
    nxt = e.next_eligible_date
    if nxt is None:
        when = "next eligible: none within limits"
    elif dos is not None and nxt <= dos:
        when = f"eligible on the date of service {_date(nxt)}"
    else:
        when = f"next eligible {_date(nxt)}"
    prior = f"{e.history_count} prior {counted} here"
    if e.typed_count is not None and e.typed_count != e.history_count:
        prior += f" ({e.typed_count} typed)"
    return [f"{e.sessions_used_12m}{limit} sessions in 12 months", when, prior]


def _legend(svg: ET.Element, geo: _Geometry) -> None:
    y = geo.body_bottom + 8
    g = _el(svg, "g", class_="legend", font_size="9")
    _el(
        g,
        "line",
        x1="0",
        y1=_fmt(y),
        x2=_fmt(geo.width),
        y2=_fmt(y),
        stroke=GREY,
        stroke_width="0.6",
    )
    col = geo.width / 2
    for n, kind in enumerate(("ESI", "IA", "MBB", "RFA")):
        x = 6 + (n % 2) * col
        yy = y + 14 + (n // 2) * 14
        _shape(g, kind, x + 6, yy, 5)
        _text(g, x + 16, yy + 3.5, kind, font_weight="bold")
        _text(g, x + 16 + 7 * len(kind) + 2, yy + 3.5, KIND_WORDS[kind])
    yy = y + 42
    key = "beside a mark: % relief (n/r: not recorded), under it: date mm/dd/yy"
    if geo.has_request:
        _el(
            g,
            "rect",
            x="6",
            y=_fmt(yy - 6),
            width="18",
            height="11",
            fill="none",
            stroke=REQUEST_INK,
            stroke_width="2",
            stroke_dasharray="5 2",
        )
        _text(g, 30, yy + 3.5, f"requested level and side · {key}")
    else:
        _text(g, 6, yy + 3.5, key[0].upper() + key[1:])
    note = (
        "Sessions: of the requested kind in the region, in the payer's rolling"
        " 12 months, this one included."
        if geo.has_request
        else "One mark per injection and side; both sides for a bilateral one."
    )
    _text(g, 6, yy + 17, note, fill=GREY, font_size="8.5")
    if geo.layout.unplaced:
        n = len(geo.layout.unplaced)
        _text(
            g,
            6,
            yy + 30,
            f"{n} injection{'s' if n != 1 else ''} without a valid level: listed"
            " in the table, not drawn.",
            fill=GREY,
            font_size="8.5",
        )


# --------------------------------------------------------------------------- words


def spine_description(layout: SpineLayout) -> str:
    """One paragraph saying what the picture shows (the SVG's ``desc``)."""
    parts = ["Spine from C2-C3 to the caudal entry, seen from behind."]
    if not layout.marks:
        parts.append("No injection is drawn.")
    for row in layout.rows:
        if row.is_gap:
            continue
        marks = layout.marks_at(row.key)
        if marks:
            parts.append(
                f"{row.key}: "
                + "; ".join(
                    f"{m.kind} {SIDE_WORDS[m.side]} {_date(m.date)} relief {_relief(m)}"
                    for m in marks
                )
                + "."
            )
    for req in layout.requested:
        sides = " and ".join(SIDE_WORDS[s] for s in req.sides)
        parts.append(
            f"Requested {req.kind} at {req.level} {sides}: "
            + ", ".join(window_text(req, layout.date_of_service))
            + "."
        )
    return " ".join(parts)


def spine_table(layout: SpineLayout) -> list[dict[str, object]]:
    """The picture's facts as table rows, one per drawn level (for the HTML table)."""
    out: list[dict[str, object]] = []
    for row in layout.rows:
        if row.is_gap:
            continue
        req = layout.requested_at(row.key)
        cells = {
            side: "; ".join(
                f"{m.kind} {_date(m.date)}, relief {_relief(m)}"
                for m in layout.marks_at(row.key, side)
            )
            for side in (LEFT, MIDLINE, RIGHT)
        }
        if not any(cells.values()) and req is None:
            continue
        out.append(
            {
                "level": {SACRUM: "Sacrum", CAUDAL: "Caudal"}.get(row.key, row.key),
                "left": cells[LEFT],
                "midline": cells[MIDLINE],
                "right": cells[RIGHT],
                "requested": (
                    f"{req.kind}, {' and '.join(SIDE_WORDS[s] for s in req.sides)}: "
                    + "; ".join(window_text(req, layout.date_of_service))
                )
                if req
                else "",
            }
        )
    for u in layout.unplaced:
        out.append(
            {
                "level": "no valid level"
                + (f" ({', '.join(u.levels)})" if u.levels else ""),
                "left": "",
                "midline": f"{u.kind} {_date(u.date)}",
                "right": "",
                "requested": "",
            }
        )
    return out
