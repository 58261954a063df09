"""Static HTML for a Grafana dashboard: panels placed by gridPos, SVG charts and stat values.

Follows Grafana's layout (24 columns, 30 px grid rows, 8 px gaps) and dark theme closely
enough for a screenshot; it is not Grafana.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from typing import Any

from panel_data import PanelData, SeriesData

COLUMNS, ROW_PX, GAP_PX, PAD_PX, HEADER_PX = 24, 30, 8, 16, 56
LEGEND_LINE_PX, MAX_LEGEND_LINES = 15, 3
PALETTE = (
    "#73BF69", "#F2CC0C", "#8AB8FF", "#FF780A", "#F2495C",
    "#5794F2", "#B877D9", "#FADE2A", "#37872D", "#CA95E5",
)  # fmt: skip
NAMED_COLORS = {
    "green": "#73BF69",
    "orange": "#FF9830",
    "red": "#F2495C",
    "blue": "#5794F2",
    "yellow": "#FADE2A",
    "purple": "#B877D9",
}
CSS = """
body { margin: 0; background: #111217; color: #ccccdc; font: 13px/1.3 Inter, 'DejaVu Sans',
  Helvetica, Arial, sans-serif; }
header { height: 40px; padding: 8px 16px 0; display: flex; align-items: baseline; gap: 16px; }
header h1 { font-size: 18px; font-weight: 500; margin: 0; color: #fff; }
header span { color: #8e8e9e; font-size: 12px; }
.panel { position: absolute; box-sizing: border-box; background: #181b1f;
  border: 1px solid #2a2d33; border-radius: 2px; overflow: hidden; }
.panel h2 { margin: 0; padding: 6px 8px 0; font-size: 13px; font-weight: 500; color: #ccccdc;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.row { position: absolute; font-size: 15px; font-weight: 500; color: #fff;
  border-bottom: 1px solid #2a2d33; box-sizing: border-box; padding-top: 6px; }
.legend { position: absolute; left: 8px; right: 8px; bottom: 4px; font-size: 11px;
  display: flex; flex-wrap: wrap; gap: 1px 12px; max-height: 45px; overflow: hidden;
  line-height: 14px; }
.legend i { display: inline-block; width: 14px; height: 4px; margin-right: 4px;
  vertical-align: middle; border-radius: 2px; }
.stat { position: absolute; left: 0; right: 0; top: 26px; bottom: 0; display: flex;
  align-items: center; justify-content: space-around; }
.stat div { text-align: center; z-index: 1; font-weight: 500; }
.stat small { display: block; font-size: 11px; color: #8e8e9e; font-weight: 400; }
.nodata { color: #8e8e9e; }
svg text { fill: #8e8e9e; font-size: 10px; }
"""


def format_value(value: float, unit: str, decimals: int | None = None) -> str:
    if not math.isfinite(value):
        return "No data" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
    if unit == "s":
        if abs(value) < 1:
            return f"{value * 1000:.{0 if decimals is None else decimals}f} ms"
        if abs(value) >= 60:
            return f"{value / 60:.1f} min"
        if decimals is None:
            decimals = 2 if abs(value) < 10 else 1
        return f"{value:.{decimals}f} s"
    if unit == "percentunit":
        return f"{value * 100:.{1 if decimals is None else decimals}f}%"
    suffix = " req/s" if unit == "reqps" else ""
    for scale, mark in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.1f}{mark}{suffix}"
    if decimals is None:
        decimals = 0 if value == int(value) else (2 if abs(value) < 10 else 1)
    return f"{value:.{decimals}f}{suffix}"


def threshold_color(value: float, defaults: dict[str, Any]) -> str:
    color = "#ccccdc"
    for step in defaults.get("thresholds", {}).get("steps", []):
        if step.get("value") is None or (math.isfinite(value) and value >= step["value"]):
            color = NAMED_COLORS.get(step["color"], step["color"])
    return color


def nice_step(span: float) -> float:
    raw = span / 4 if span > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def stacked(series: list[SeriesData]) -> list[SeriesData]:
    totals: dict[float, float] = {}
    out = []
    for s in series:
        points = []
        for t, v in s.points:
            if math.isfinite(v):
                totals[t] = totals.get(t, 0.0) + v
                points.append((t, totals[t]))
            else:
                points.append((t, math.nan))
        out.append(SeriesData(s.name, points))
    return out


def chart_svg(series: list[SeriesData], width: int, height: int, unit: str) -> str:
    """Lines over time with a y axis from zero and a few time ticks (UTC)."""
    values = [v for s in series for _, v in s.points if math.isfinite(v)]
    times = [t for s in series for t, _ in s.points]
    if not values or not times:
        return f'<svg width="{width}" height="{height}"></svg>'
    left, right, top, bottom = 58, 8, 6, 18
    plot_w, plot_h = width - left - right, height - top - bottom
    low, high = min(0.0, min(values)), max(values)
    step = nice_step(high - low)
    high = math.ceil(high / step) * step if high > low else low + step
    t0, t1 = min(times), max(times)
    t_span = (t1 - t0) or 1.0

    def x(t: float) -> float:
        return left + (t - t0) / t_span * plot_w

    def y(v: float) -> float:
        return top + plot_h - (v - low) / (high - low) * plot_h

    parts = [f'<svg width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">']
    tick = low
    while tick <= high + step / 1000:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#2a2d33"/>'
            f'<text x="{left - 4}" y="{y(tick) + 3:.1f}" text-anchor="end">'
            f"{html.escape(format_value(tick, unit))}</text>"
        )
        tick += step
    for i in range(5):
        t = t0 + t_span * i / 4
        label = dt.datetime.fromtimestamp(t, dt.UTC).strftime("%H:%M:%S")
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        parts.append(f'<text x="{x(t):.1f}" y="{height - 4}" text-anchor="{anchor}">{label}</text>')
    for index, s in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        segments: list[list[str]] = [[]]
        for t, v in s.points:
            if math.isfinite(v):
                segments[-1].append(f"{x(t):.1f},{y(v):.1f}")
            elif segments[-1]:
                segments.append([])
        for seg in segments:
            if len(seg) == 1:
                px, py = seg[0].split(",")
                parts.append(f'<circle cx="{px}" cy="{py}" r="2" fill="{color}"/>')
            elif seg:
                points = " ".join(seg)
                area = f"{seg[0].split(',')[0]},{y(low):.1f} {points} {seg[-1].split(',')[0]},"
                area += f"{y(low):.1f}"
                parts.append(f'<polygon points="{area}" fill="{color}" fill-opacity="0.08"/>')
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>'
                )
    parts.append("</svg>")
    return "".join(parts)


def legend_lines(series: list[SeriesData], width: int) -> int:
    """How many lines the legend wraps to (11 px text is about 6.2 px a character)."""
    lines, used = 1, 0.0
    for s in series:
        item = 18 + 6.2 * len(s.name)
        if used and used + 12 + item > width:
            lines, used = lines + 1, item
        else:
            used += (12 if used else 0) + item
    return min(lines, MAX_LEGEND_LINES)


def legend_html(series: list[SeriesData]) -> str:
    items = [
        f'<span><i style="background:{PALETTE[i % len(PALETTE)]}"></i>{html.escape(s.name)}</span>'
        for i, s in enumerate(series)
    ]
    return f'<div class="legend">{"".join(items)}</div>'


def timeseries_html(data: PanelData, width: int, height: int) -> str:
    defaults = data.panel.get("fieldConfig", {}).get("defaults", {})
    series = data.series
    if defaults.get("custom", {}).get("stacking", {}).get("mode") == "normal":
        series = stacked(series)
    chart_h = height - 26 - 8 - LEGEND_LINE_PX * legend_lines(data.series, width - 16)
    if not data.has_values:
        return '<div class="stat"><div class="nodata">No data</div></div>'
    chart = chart_svg(series, width - 8, chart_h, defaults.get("unit", ""))
    return f'<div style="padding:4px 4px 0">{chart}</div>{legend_html(data.series)}'


def stat_html(data: PanelData, width: int, height: int) -> str:
    defaults = data.panel.get("fieldConfig", {}).get("defaults", {})
    unit, decimals = defaults.get("unit", ""), defaults.get("decimals")
    shown = data.series or [SeriesData("", [])]
    size = max(18, min(44, (height - 40) // 2, width // (6 * len(shown))))
    cells = []
    for s in shown:
        value = s.last()
        color = threshold_color(value, defaults) if math.isfinite(value) else "#8e8e9e"
        text = html.escape(format_value(value, unit, decimals))
        caption = f"<small>{html.escape(s.name)}</small>" if len(shown) > 1 else ""
        cells.append(f'<div style="color:{color};font-size:{size}px">{text}{caption}</div>')
    spark = ""
    if data.has_values and data.panel.get("options", {}).get("graphMode") == "area":
        spark = (
            '<div style="position:absolute;left:0;right:0;bottom:0;opacity:0.5">'
            + sparkline_svg(
                shown[0],
                width - 2,
                max(20, height // 3),
                threshold_color(shown[0].last(), defaults),
            )
            + "</div>"
        )
    return f'{spark}<div class="stat">{"".join(cells)}</div>'


def sparkline_svg(series: SeriesData, width: int, height: int, color: str) -> str:
    points = [(t, v) for t, v in series.points if math.isfinite(v)]
    if len(points) < 2:
        return ""
    t0, t1 = points[0][0], points[-1][0]
    low, high = min(v for _, v in points), max(v for _, v in points)
    span = (high - low) or 1.0
    coords = " ".join(
        f"{(t - t0) / ((t1 - t0) or 1) * width:.1f},{height - (v - low) / span * (height - 2):.1f}"
        for t, v in points
    )
    return (
        f'<svg width="{width}" height="{height}"><polygon points="0,{height} {coords} '
        f'{width},{height}" fill="{color}" fill-opacity="0.25"/></svg>'
    )


def page_size(panels: list[dict[str, Any]], width: int) -> tuple[int, int]:
    rows = max((p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels), default=0)
    return width, HEADER_PX + rows * (ROW_PX + GAP_PX) + PAD_PX


def render_html(dashboard: dict[str, Any], panels: list[PanelData], note: str, width: int) -> str:
    col = (width - 2 * PAD_PX - (COLUMNS - 1) * GAP_PX) / COLUMNS
    _, height = page_size(dashboard["panels"], width)
    body = []
    for data in panels:
        pos = data.panel["gridPos"]
        left = PAD_PX + pos["x"] * (col + GAP_PX)
        top = HEADER_PX + pos["y"] * (ROW_PX + GAP_PX)
        w = round(pos["w"] * col + (pos["w"] - 1) * GAP_PX)
        h = pos["h"] * ROW_PX + (pos["h"] - 1) * GAP_PX
        title = html.escape(data.panel.get("title", ""))
        style = f"left:{left:.0f}px;top:{top}px;width:{w}px;height:{h}px"
        if data.panel["type"] == "row":
            body.append(f'<div class="row" style="{style}">{title}</div>')
            continue
        inner = (stat_html if data.panel["type"] == "stat" else timeseries_html)(data, w, h)
        pid = data.panel["id"]
        body.append(
            f'<div class="panel" data-panel-id="{pid}" style="{style}"><h2>{title}</h2>'
            f"{inner}</div>"
        )
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(dashboard["title"])}'
        f"</title><style>{CSS}</style></head>"
        f'<body style="position:relative;width:{width}px;height:{height}px">'
        f"<header><h1>{html.escape(dashboard['title'])}</h1><span>{html.escape(note)}</span>"
        f"</header>{''.join(body)}</body></html>\n"
    )
