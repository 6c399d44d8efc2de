"""Server-rendered SVG charts of scorecard rows (no JavaScript, no external files).

Both functions take a list of reports.scorecard.ScorecardRow (the dashboard
imports them too; keep the signatures) and return an <svg> string, safe to
output with |safe: every piece of text goes through django.utils.html.escape.

Row fields used:
  levels_chart:             number, name, level, target, verified_level
  status_by_section_chart:  section, status

Colours follow assessments.levels.Status and print legibly in grey scale.
`thai_digits` defaults to settings.REPORT_THAI_DIGITS.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.html import escape

from assessments.levels import STEPS, Status
from core import thai
from django.utils.translation import gettext as _

FONT = "Sarabun, 'TH Sarabun New', sans-serif"
STATUS_FILL = {
    Status.MET: "#2e7d32",
    Status.ON_TRACK: "#1565c0",
    Status.BEHIND: "#f9a825",
    Status.OVERDUE: "#c62828",
    Status.UNDEFINED: "#9e9e9e",
}
LEVEL_FILL = "#1f4e79"
VERIFIED_FILL = "#2e7d32"
TARGET_STROKE = "#c62828"


def _digits(value, thai_digits: bool | None) -> str:
    use_thai = settings.REPORT_THAI_DIGITS if thai_digits is None else thai_digits
    return thai.to_digits(value, thai_digits=use_thai)


def _width(text: str) -> int:
    """Letters that take horizontal space: Thai vowel and tone marks above/below do not."""
    return sum(1 for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch) != "Mn")


def _short(text: str, limit: int) -> str:
    """Cut to `limit` spacing letters (never between a letter and its marks)."""
    if _width(text) <= limit:
        return text
    out, n = [], 0
    for ch in text:
        spacing = unicodedata.category(ch) != "Mn"
        if spacing and n >= limit - 1:
            break
        out.append(ch)
        n += spacing
    return "".join(out).rstrip() + "…"


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}" font-family="{escape(FONT)}">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


@dataclass(frozen=True)
class _Bars:
    """Where levels_chart draws: the labels' column, the plot beside it, one row per indicator."""

    width: int
    fs: int
    rows: int

    @property
    def label_w(self) -> int:
        return int(self.width * 0.42)

    @property
    def top(self) -> int:
        return 2 * self.fs + 8

    @property
    def bar_h(self) -> int:
        return self.fs + 2

    @property
    def row_h(self) -> int:
        return self.bar_h + 5

    @property
    def plot_w(self) -> int:
        return self.width - self.label_w - 16

    @property
    def height(self) -> int:
        return self.top + self.row_h * max(self.rows, 1) + 28

    @property
    def unit(self) -> float:
        return self.plot_w / STEPS


def _levels_scale(g: _Bars, d) -> list[str]:
    """The grid and the scale 0..5 under it."""
    fs, body = g.fs, []
    for lv in range(STEPS + 1):
        x = g.label_w + lv * g.unit
        body.append(f'<line x1="{x:.1f}" y1="{g.top - 6}" x2="{x:.1f}" y2="{g.height - 24}" stroke="#d0d0d0" stroke-width="0.6"/>')
        body.append(f'<text x="{x:.1f}" y="{g.height - 8}" font-size="{fs}" text-anchor="middle" fill="#333">{escape(d(lv))}</text>')
    body.append(
        f'<text x="{g.label_w - 6}" y="{g.height - 8}" font-size="{fs}" text-anchor="end" fill="#333">{escape(_("ระดับ"))}</text>'
    )
    return body


def _levels_legend(g: _Bars) -> list[str]:
    fs, ly, x, body = g.fs, g.fs + 2, g.label_w, []
    for kind, text in (("level", _("ผลการประเมินตนเอง")), ("verified", _("ผลการตรวจสอบ")), ("target", _("ค่าเป้าหมาย"))):
        if kind == "level":
            body.append(f'<rect x="{x}" y="{ly - fs + 2}" width="{fs}" height="{fs - 2}" fill="{LEVEL_FILL}"/>')
        elif kind == "verified":
            body.append(f'<rect x="{x}" y="{ly - fs / 2}" width="{fs}" height="3" fill="{VERIFIED_FILL}"/>')
        else:
            body.append(
                f'<line x1="{x + fs / 2}" y1="{ly - fs + 1}" x2="{x + fs / 2}" y2="{ly + 2}" stroke="{TARGET_STROKE}" stroke-width="2.5"/>'
            )
        body.append(f'<text x="{x + fs + 4}" y="{ly}" font-size="{fs}" fill="#333">{escape(text)}</text>')
        x += fs + 4 + fs * 0.62 * _width(text) + 2 * fs
    return body


def _levels_row(g: _Bars, d, i: int, row) -> list[str]:
    """One indicator: its label, the level bar, the verified bar beneath, the target mark, the level's number."""
    fs, label_w, bar_h, unit = g.fs, g.label_w, g.bar_h, g.unit
    y = g.top + i * g.row_h
    label = f"{d(row.number)}. {_short(row.name, int(label_w / (fs * 0.62)))}"
    body = [
        f'<text x="{label_w - 6}" y="{y + bar_h - 3}" font-size="{fs}" text-anchor="end" fill="#222">'
        f"<title>{escape(row.name)}</title>{escape(label)}</text>",
        f'<rect x="{label_w}" y="{y}" width="{g.plot_w:.1f}" height="{bar_h}" fill="#f1f1f1"/>',
    ]
    if row.level:
        body.append(f'<rect x="{label_w}" y="{y}" width="{row.level * unit:.1f}" height="{bar_h}" fill="{LEVEL_FILL}"/>')
    if row.verified_level:
        body.append(
            f'<rect x="{label_w}" y="{y + bar_h + 1}" width="{row.verified_level * unit:.1f}" height="3" fill="{VERIFIED_FILL}"/>'
        )
    if row.target:
        x = label_w + row.target * unit
        body.append(f'<line x1="{x:.1f}" y1="{y - 2}" x2="{x:.1f}" y2="{y + bar_h + 2}" stroke="{TARGET_STROKE}" stroke-width="2.5"/>')
    if row.level >= STEPS:  # a full bar: the number goes inside it
        body.append(
            f'<text x="{label_w + g.plot_w - 4:.1f}" y="{y + bar_h - 3}" font-size="{fs - 1}" fill="#fff" '
            f'text-anchor="end">{escape(d(row.level))}</text>'
        )
    else:
        body.append(
            f'<text x="{label_w + row.level * unit + 4:.1f}" y="{y + bar_h - 3}" font-size="{fs - 1}" '
            f'fill="#222">{escape(d(row.level))}</text>'
        )
    return body


def levels_chart(rows, *, thai_digits: bool | None = None, width: int = 720, font_size: int = 12) -> str:
    """Horizontal bars: the level reached (self-assessed) per indicator, the target as a red mark,
    the verified level as a thin green bar beneath when there is one."""
    d = lambda v: _digits(v, thai_digits)  # noqa: E731
    g = _Bars(width, font_size, len(rows))
    body = _levels_scale(g, d) + _levels_legend(g)
    for i, row in enumerate(rows):
        body += _levels_row(g, d, i, row)
    return _svg(width, g.height, _("ระดับความสำเร็จเทียบค่าเป้าหมายรายตัวชี้วัด"), body)


def status_by_section_chart(rows, *, thai_digits: bool | None = None, width: int = 720, font_size: int = 12) -> str:
    """One stacked horizontal bar per section (ฝ่าย): how many indicators in each status."""
    d = lambda v: _digits(v, thai_digits)  # noqa: E731
    sections: dict[str, dict[str, int]] = {}
    for row in rows:
        counts = sections.setdefault(row.section, {s: 0 for s in Status.ORDER})
        counts[row.status] += 1
    fs = font_size
    label_w, right_pad, top, bar_h, gap = int(width * 0.34), 30, 2 * fs + 8, fs + 5, 6
    plot_w = width - label_w - right_pad
    height = top + (bar_h + gap) * max(len(sections), 1) + 8
    most = max((sum(c.values()) for c in sections.values()), default=1) or 1
    body = []
    # legend
    x = 8
    for s in Status.ORDER:
        body.append(f'<rect x="{x}" y="8" width="{fs}" height="{fs - 2}" fill="{STATUS_FILL[s]}"/>')
        label = Status.LABELS[s] if s != Status.UNDEFINED else _("ยังไม่กำหนดเกณฑ์")
        body.append(f'<text x="{x + fs + 4}" y="{fs + 5}" font-size="{fs}" fill="#333">{escape(label)}</text>')
        x += fs + 4 + fs * 0.62 * _width(label) + 18
    for i, (name, counts) in enumerate(sections.items()):
        y = top + i * (bar_h + gap)
        body.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 6}" font-size="{fs}" text-anchor="end" fill="#222">'
            f"<title>{escape(name)}</title>{escape(_short(name, int(label_w / (fs * 0.62))))}</text>"
        )
        x = float(label_w)
        for s in Status.ORDER:
            n = counts[s]
            if not n:
                continue
            w = plot_w * n / most
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{STATUS_FILL[s]}">'
                f"<title>{escape(Status.LABELS[s])}: {escape(d(n))}</title></rect>"
            )
            if w >= 12:
                colour = "#222" if s == Status.BEHIND else "#fff"
                body.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + bar_h - 6}" font-size="{fs}" text-anchor="middle" fill="{colour}">{escape(d(n))}</text>'
                )
            x += w
        total = sum(counts.values())
        body.append(f'<text x="{x + 4:.1f}" y="{y + bar_h - 6}" font-size="{fs}" fill="#222">{escape(d(total))}</text>')
    return _svg(width, height, _("จำนวนตัวชี้วัดตามสถานะ แยกตามฝ่าย"), body)


# --- trends over time (the dashboard) ------------------------------------------------

def _x_of(day, starts_on, ends_on, x0: float, w: float) -> float:
    span = max((ends_on - starts_on).days, 1)
    return x0 + w * min(max((day - starts_on).days, 0), span) / span


def _month_ticks(starts_on, ends_on):
    """The first day of each month in [starts_on, ends_on]."""
    import datetime as dt

    day = starts_on.replace(day=1)
    if day < starts_on:
        day = (day + dt.timedelta(days=32)).replace(day=1)
    while day <= ends_on:
        yield day
        day = (day + dt.timedelta(days=32)).replace(day=1)


def level_trend_chart(rows, *, starts_on, ends_on, as_of, thai_digits: bool | None = None,
                      width: int = 1000, font_size: int = 12) -> str:
    """One strip per indicator across the year: the level reached over time (a step area, 0-5),
    from the dated completions (row.level_history), the target as a red tick at the round's
    close, today's as-of date as a dashed line. Rows: number, name, level_history, target."""
    d = lambda v: _digits(v, thai_digits)  # noqa: E731
    fs = font_size
    label_w, right_pad, top, strip_h, gap = int(width * 0.30), 34, fs + 10, 14, 4
    plot_w = width - label_w - right_pad
    height = top + (strip_h + gap) * max(len(rows), 1) + fs + 10
    x_of = lambda day: _x_of(day, starts_on, ends_on, label_w, plot_w)  # noqa: E731
    body = []
    for day in _month_ticks(starts_on, ends_on):
        x = x_of(day)
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - fs - 6}" stroke="#e0e0e0" stroke-width="0.6"/>')
        body.append(
            f'<text x="{x + 2:.1f}" y="{height - 4}" font-size="{fs - 1}" fill="#333">'
            f"{escape(thai.format_date(day, thai_digits=False).split()[1])}</text>"
        )
    xa = x_of(as_of)
    body.append(f'<line x1="{xa:.1f}" y1="{top - 6}" x2="{xa:.1f}" y2="{height - fs - 6}" stroke="#333" stroke-dasharray="3,3"/>')
    as_of_label = f'{_("ข้อมูล ณ วันที่")} {d(thai.format_date(as_of))}'
    # Centred on its line, but kept inside the chart near either end (the year's last day is at the right edge).
    half = _width(as_of_label) * (fs - 1) * 0.31  # spacing letters (Thai marks take no room), about 0.62 em each
    anchor = "end" if xa + half > width else "start" if xa - half < 0 else "middle"
    body.append(f'<text x="{xa:.1f}" y="{fs}" font-size="{fs - 1}" text-anchor="{anchor}" fill="#333">'
                f'{escape(as_of_label)}</text>')
    name_chars = int(label_w / (fs * 0.62)) - 4
    for i, row in enumerate(rows):
        y = top + i * (strip_h + gap)
        body.append(
            f'<text x="{label_w - 6}" y="{y + strip_h - 3}" font-size="{fs}" text-anchor="end" fill="#222">'
            f"<title>{escape(row.name)}</title>{escape(d(row.number))}. {escape(_short(row.name, name_chars))}</text>"
        )
        body.append(f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{strip_h}" fill="#f4f4f4"/>')
        points = [(label_w, y + strip_h)]
        level = 0
        for day, new_level in row.level_history:
            x = x_of(day)
            points += [(x, y + strip_h - strip_h * level / STEPS), (x, y + strip_h - strip_h * new_level / STEPS)]
            level = new_level
        points += [(xa, y + strip_h - strip_h * level / STEPS), (xa, y + strip_h)]
        if level or row.level_history:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            body.append(f'<polygon points="{path}" fill="{LEVEL_FILL}" fill-opacity="0.75"/>')
        if row.target:
            yt = y + strip_h - strip_h * row.target / STEPS
            body.append(f'<line x1="{label_w + plot_w - 6}" y1="{yt:.1f}" x2="{label_w + plot_w}" y2="{yt:.1f}" '
                        f'stroke="{TARGET_STROKE}" stroke-width="2"/>')
        body.append(f'<text x="{label_w + plot_w + 4}" y="{y + strip_h - 3}" font-size="{fs}" fill="#222">'
                    f"{escape(d(level))}/{escape(d(STEPS))}</text>")
    return _svg(width, height, _("ระดับที่ได้ตลอดปีรายตัวชี้วัด (จากวันที่ดำเนินการแต่ละขั้นตอน)"), body)


def kpi_trend_chart(kpi, *, starts_on, ends_on, thai_digits: bool | None = None,
                    width: int = 320, height: int = 110, font_size: int = 11) -> str:
    """A 5G KPI's recorded values over the year (line and dots), its target as a dashed red line.
    kpi: reports.rows.KPIRow (history, target_value, target_unit, name)."""
    d = lambda v: _digits(v, thai_digits)  # noqa: E731
    fs = font_size
    left, right, top, bottom = 8, 8, 8, fs + 8
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [float(v) for _day, v, _src in kpi.history] + [float(kpi.target_value)]
    low, high = min(values + [0.0]), max(values)
    high = high + (high - low) * 0.1 or 1.0
    y_of = lambda v: top + plot_h - plot_h * (float(v) - low) / ((high - low) or 1)  # noqa: E731
    x_of = lambda day: _x_of(day, starts_on, ends_on, left, plot_w)  # noqa: E731
    body = [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#f7f7f7"/>']
    for day in list(_month_ticks(starts_on, ends_on))[::3]:
        x = x_of(day)
        body.append(f'<text x="{x:.1f}" y="{height - 3}" font-size="{fs}" fill="#333">'
                    f"{escape(thai.format_date(day, thai_digits=False).split()[1])}</text>")
    yt = y_of(kpi.target_value)
    body.append(f'<line x1="{left}" y1="{yt:.1f}" x2="{left + plot_w}" y2="{yt:.1f}" stroke="{TARGET_STROKE}" '
                f'stroke-dasharray="4,3" stroke-width="1.5"/>')
    pts = [(x_of(day), y_of(v), day, v) for day, v, _src in kpi.history]
    if len(pts) > 1:
        body.append('<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>'.format(
            LEVEL_FILL, " ".join(f"{x:.1f},{y:.1f}" for x, y, _d, _v in pts)))
    for x, y, day, v in pts:
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{LEVEL_FILL}">'
                    f"<title>{escape(d(thai.format_date(day)))}: {escape(d(_plain(v)))}</title></circle>")
    title = _("ผลการดำเนินงานตามช่วงเวลา: {name} (ค่าเป้าหมาย {target})").format(
        name=kpi.name, target=d(_plain(kpi.target_value)))
    return _svg(width, height, title, body)


def _plain(value) -> str:
    text = f"{value:f}" if not isinstance(value, str) else value
    return text.rstrip("0").rstrip(".") if "." in text else text
