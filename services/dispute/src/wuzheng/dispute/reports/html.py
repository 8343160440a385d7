"""The processing report as one self-contained HTML page: inline CSS and inline SVG charts
drawn here (no JavaScript, no external resource), readable on screen and when printed."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from zoneinfo import ZoneInfo

from wuzheng.dispute.reports.schemas import DayCount, DepartmentFigures, ProcessingReport

BLUE, GREEN, RED, AMBER, GREY, VIOLET = (
    "#2563eb",
    "#16a34a",
    "#dc2626",
    "#d97706",
    "#9ca3af",
    "#7c3aed",
)
STATE_LABELS = {
    "submitted": ("待受理", AMBER),
    "accepted": ("已受理", VIOLET),
    "processing": ("处理中", BLUE),
    "resolved": ("已更正", GREEN),
    "rejected": ("不予支持", RED),
    "withdrawn": ("已撤回", GREY),
}
CHANNEL_LABELS = {"app": "爱山东 App", "hall": "窗口", "website": "网站", "hotline": "热线"}
KIND_LABELS = {"licence": "电子证照", "item": "事项", "licence_type": "证照类型"}

CSS = """
*{box-sizing:border-box}
body{margin:0;background:#f3f4f6;color:#111827;font:14px/1.5 "Noto Sans CJK SC","PingFang SC",
"Microsoft YaHei","Source Han Sans SC",system-ui,sans-serif}
main{max-width:1120px;margin:0 auto;padding:28px 24px 40px}
header h1{margin:0;font-size:26px;letter-spacing:.02em}
header p{margin:4px 0 0;color:#4b5563}
.tiles{display:grid;grid-template-columns:repeat(6,1fr);gap:12px;margin:20px 0}
.tile{background:#fff;border-radius:10px;padding:14px 16px;border:1px solid #e5e7eb}
.tile b{display:block;font-size:24px;line-height:1.2}
.tile span{color:#6b7280;font-size:12px}
section{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:16px 20px;margin:14px 0}
section h2{margin:0 0 10px;font-size:16px}
.row{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.row section{margin:0}
table{width:100%;border-collapse:collapse;font-size:12.5px}
th,td{padding:6px 8px;border-bottom:1px solid #f0f0f0;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal}
th{color:#374151;font-weight:600;background:#f9fafb}
.legend{display:flex;gap:14px;flex-wrap:wrap;font-size:12px;color:#374151;margin-top:6px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px}
.bad{color:#b91c1c;font-weight:600}
footer{color:#6b7280;font-size:12px;margin-top:18px}
svg text{font-family:inherit}
@media print{body{background:#fff}section,.tile{break-inside:avoid}}
"""


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _nice_max(value: int) -> int:
    """A round axis maximum at or above ``value`` with four whole-number ticks."""
    raw = max(1, value) / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return int(step * 4)


def daily_chart(days: Sequence[DayCount], width: int = 1060, height: int = 250) -> str:
    """Grouped bars per day: received (blue) and closed (green)."""
    left, right, top, bottom = 40, 10, 10, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max([1, *(max(d.received, d.closed) for d in days)]))
    slot = plot_w / max(1, len(days))
    bar = max(1.0, min(14.0, slot * 0.38))
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="每日收到与办结">'
    ]
    for tick in range(5):
        value = peak * tick / 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#e5e7eb"/><text x="{left - 6}" y="{y + 4:.1f}" font-size="11" '
            f'text-anchor="end" fill="#6b7280">{value:g}</text>'
        )
    label_every = max(1, round(len(days) / 15))
    for index, day in enumerate(days):
        x = left + slot * index + slot / 2
        for offset, value, colour in ((-bar, day.received, BLUE), (0.0, day.closed, GREEN)):
            h = plot_h * value / peak
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}" rx="1"><title>{day.day.isoformat()}: '
                f"{value}</title></rect>"
            )
        if index % label_every == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 14}" font-size="11" text-anchor="middle" '
                f'fill="#6b7280">{day.day.strftime("%m-%d")}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar(parts_in: Sequence[tuple[str, int, str]], width: int = 500) -> str:
    """One 100 % bar split by share, with a legend below."""
    total = sum(value for _, value, _ in parts_in)
    height = 34
    out = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="办理结果">']
    x = 0.0
    for label, value, colour in parts_in:
        if not value:
            continue
        w = width * value / total
        out.append(
            f'<rect x="{x:.1f}" y="4" width="{w:.1f}" height="26" fill="{colour}">'
            f"<title>{escape(label)}: {value}</title></rect>"
        )
        if w > 36:
            out.append(
                f'<text x="{x + w / 2:.1f}" y="22" font-size="12" fill="#fff" '
                f'text-anchor="middle">{value / total * 100:.0f}%</text>'
            )
        x += w
    if not total:
        out.append(f'<rect x="0" y="4" width="{width}" height="26" fill="#f3f4f6"/>')
    out.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{colour}"></i>{escape(label)} {value}</span>'
        for label, value, colour in parts_in
    )
    return "".join(out) + f'<div class="legend">{legend}</div>'


def hbars(
    rows: Sequence[tuple[str, int, str]],
    width: int = 500,
    colour: str = BLUE,
    note_w: int = 90,
) -> str:
    """Horizontal bars, one per row: label, value and a note at the end."""
    row_h, label_w = 24, 150
    height = row_h * max(1, len(rows)) + 4
    peak = max([1, *(value for _, value, _ in rows)])
    out = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img">']
    for index, (label, value, note) in enumerate(rows):
        y = index * row_h + 4
        w = (width - label_w - note_w) * value / peak
        short = label if len(label) <= 11 else label[:10] + "…"
        out.append(
            f'<text x="{label_w - 8}" y="{y + 15}" font-size="12" text-anchor="end" '
            f'fill="#374151">{escape(short)}<title>{escape(label)}</title></text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="16" rx="3" '
            f'fill="{colour}"/>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="12" fill="#111827">'
            f'{value}<tspan fill="#6b7280"> {escape(note)}</tspan></text>'
        )
    out.append("</svg>")
    return "".join(out)


def _department_rows(departments: Sequence[DepartmentFigures], totals: DepartmentFigures) -> str:
    def row(d: DepartmentFigures, label: str) -> str:
        overdue = f'<span class="bad">{d.overdue_now}</span>' if d.overdue_now else "0"
        return (
            f"<tr><td>{escape(label)}</td><td>{d.received}</td>"
            f"<td>{_pct(d.accepted_on_time_rate)}</td><td>{_pct(d.resolved_on_time_rate)}</td>"
            f"<td>{overdue}</td><td>{_num(d.median_working_hours_to_accept)}</td>"
            f"<td>{_num(d.median_working_hours_to_resolve)}</td>"
            f"<td>{_pct(d.rejection_rate)}</td><td>{_pct(d.correction_share)}</td></tr>"
        )

    body = "".join(row(d, d.name or d.department) for d in departments)
    return body + row(totals, "合计 All departments").replace(
        "<tr>", '<tr style="font-weight:600">'
    )


def render_html(report: ProcessingReport) -> str:
    zone = ZoneInfo(report.timezone)
    generated = report.generated_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    totals = report.totals
    tiles = [
        (str(report.received), "收到异议 received"),
        (str(report.closed_in_period), "本期办结 closed"),
        (_pct(totals.accepted_on_time_rate), "按时受理率 accepted on time"),
        (_pct(totals.resolved_on_time_rate), "按时办结率 decided on time"),
        (str(totals.overdue_now), "当前超期 overdue now"),
        (
            f"{report.corrections.propagated}",
            f"已更正并通知 corrected & told ({report.corrections.departments_told} 部门次)",
        ),
    ]
    states = [
        (STATE_LABELS[state][0], count, STATE_LABELS[state][1])
        for state, count in report.by_state.items()
    ]
    top_departments = report.departments[:12]
    department_bars = hbars(
        [
            (
                d.name or d.department,
                d.received,
                f"按时办结 {_pct(d.resolved_on_time_rate)}",
            )
            for d in top_departments
        ],
        width=1060,
        note_w=190,
    )
    channels = hbars(
        [
            (CHANNEL_LABELS.get(key, key), value, f"{value / max(1, report.received) * 100:.0f}%")
            for key, value in sorted(report.by_channel.items(), key=lambda kv: -kv[1])
        ],
        width=520,
        colour=VIOLET,
    )
    kinds = " · ".join(
        f"{escape(KIND_LABELS.get(key, key))} {value}" for key, value in report.by_kind.items()
    )
    fields = (
        "".join(
            f"<tr><td>{escape(f.subject_name or f.subject)}</td><td>{escape(f.field)}</td>"
            f"<td>{f.count}</td></tr>"
            for f in report.top_fields
        )
        or '<tr><td colspan="3">—</td></tr>'
    )
    tiles_html = "".join(
        f'<div class="tile"><b>{escape(value)}</b><span>{escape(text)}</span></div>'
        for value, text in tiles
    )
    c = report.corrections
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{escape(report.title)} {report.period_from} – {report.period_to}</title>
<style>{CSS}</style></head>
<body><main>
<header><h1>{escape(report.title)}</h1>
<p>统计期间 {report.period_from} 至 {report.period_to}（{escape(report.timezone)}）·
生成于 {generated} · 异议类型：{kinds or "—"}</p></header>
<div class="tiles">{tiles_html}</div>
<section><h2>每日收到与办结 Received and closed per day</h2>{daily_chart(report.daily)}
<div class="legend"><span><i style="background:{BLUE}"></i>收到 received</span>
<span><i style="background:{GREEN}"></i>办结 closed</span></div></section>
<div class="row">
<section><h2>办理状态 Where the period's disputes stand</h2>{stacked_bar(states)}</section>
<section><h2>受理渠道 Channels</h2>{channels}</section>
</div>
<section><h2>各部门收到的异议 Disputes per responsible department</h2>{department_bars}</section>
<section><h2>部门办理情况 Department figures</h2>
<table><thead><tr><th>部门 department</th><th>收到</th><th>按时受理</th><th>按时办结</th>
<th>当前超期</th><th>受理用时中位数 (工作小时)</th><th>办结用时中位数 (工作小时)</th>
<th>不予支持率</th><th>更正占比</th></tr></thead>
<tbody>{_department_rows(report.departments, totals)}</tbody></table></section>
<div class="row">
<section><h2>异议最多的字段 Most disputed fields</h2>
<table><thead><tr><th>证照或事项</th><th>字段</th><th>次数</th></tr></thead>
<tbody>{fields}</tbody></table></section>
<section><h2>更正闭环 Correction loop</h2>
<table><tbody>
<tr><td>证照更正决定 licence corrections decided</td><td>{c.licence_corrections}</td></tr>
<tr><td>待签发更正 awaiting the issuer</td><td>{c.pending + c.amended}</td></tr>
<tr><td>已更正并通知 amended and propagated</td><td>{c.propagated}</td></tr>
<tr><td>通知使用旧版本的部门（部门次）departments told</td><td>{c.departments_told}</td></tr>
<tr><td>其中事后补发 told late</td><td>{c.late_notifications}</td></tr>
<tr><td>本期超期升级 escalations in period</td><td>{report.escalations_in_period}</td></tr>
</tbody></table></section>
</div>
<footer>按时受理：在受理时限（默认 1 个工作日）内受理；按时办结：在办结时限（默认 5 个工作日）内
作出更正或不予支持的决定；工作日不含周末和法定节假日，含调休工作日，按北京时间计算。
用时中位数只计工作日时间。统计对象为本期间内收到的异议（“本期办结”除外）。</footer>
</main></body></html>
"""
