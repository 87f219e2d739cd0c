"""Inline SVG charts for the report: timeline strip, counts per class, rate over time.

Plain SVG strings with every text escaped: the report stays one self-contained file.
"""

from __future__ import annotations

from html import escape

from mgstudio.reasoning.evidence import PROPOSAL, Evidence

PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939",
)
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def label_colors(ev: Evidence) -> dict[str, str]:
    """A colour per class: the taxonomy's where known, else a fixed palette."""
    out: dict[str, str] = {}
    for i, c in enumerate(ev.classes):
        out[c.label] = ev.label_colors.get(c.label) or PALETTE[i % len(PALETTE)]
    return out


def _ticks(duration: float, n: int = 6) -> list[float]:
    if duration <= 0:
        return [0.0]
    raw = duration / n
    step = next((s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600) if s >= raw), 3600)
    return [t * step for t in range(int(duration // step) + 1)]


def _fmt_t(t: float) -> str:
    return f"{int(t // 60)}:{int(t % 60):02d}" if t >= 60 else f"{t:.0f} s"


def _short(label: str, n: int = 34) -> str:
    return escape(label if len(label) <= n else label[: n - 1] + "…")


def timeline_svg(ev: Evidence, cited: set[str] | None = None, width: int = 900) -> str:
    """One row per class; each gesture a bar at its time. Proposals pale, cited ones outlined."""
    cited = cited or set()
    colors = label_colors(ev)
    rows = [c.label for c in ev.classes]
    left, right, row_h, top = 220, 10, 18, 6
    plot_w = width - left - right
    height = top + row_h * max(1, len(rows)) + 24
    dur = ev.duration_s or 1.0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Timeline of micro-gestures">'
    ]
    for i, label in enumerate(rows):
        y = top + i * row_h
        if i % 2 == 0:
            out.append(f'<rect x="{left}" y="{y}" width="{plot_w}" height="{row_h}" fill="#f4f4f4"/>')
        out.append(
            f'<text x="{left - 6}" y="{y + row_h - 5}" text-anchor="end" {FONT}>{_short(label)}</text>'
        )
    index = {label: i for i, label in enumerate(rows)}
    for s in ev.segments:
        y = top + index[s.label] * row_h + 2
        x = left + plot_w * s.start_s / dur
        w = max(1.5, plot_w * s.duration_s / dur)
        style = f'fill="{colors[s.label]}"'
        if s.origin == PROPOSAL:
            style += ' fill-opacity="0.4" stroke="#555" stroke-dasharray="2,2"'
        if s.sid in cited:
            style += ' stroke="#000" stroke-width="2"'
        tip = f"{s.sid} {s.label} {s.start_s:.1f}-{s.end_s:.1f} s ({s.origin})"
        out.append(
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h - 4}" {style}>'
            f"<title>{escape(tip)}</title></rect>"
        )
    axis_y = top + row_h * max(1, len(rows))
    out.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" stroke="#333"/>')
    for t in _ticks(dur):
        x = left + plot_w * t / dur
        out.append(f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 4}" stroke="#333"/>')
        out.append(f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" {FONT}>{_fmt_t(t)}</text>')
    out.append("</svg>")
    return "".join(out)


def counts_svg(ev: Evidence, width: int = 460) -> str:
    """Horizontal bars: number of gestures per class."""
    colors = label_colors(ev)
    left, row_h = 220, 20
    height = row_h * max(1, len(ev.classes)) + 8
    top_count = max((c.count for c in ev.classes), default=1)
    plot_w = width - left - 40
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Gestures per class">'
    ]
    for i, c in enumerate(ev.classes):
        y = 4 + i * row_h
        w = plot_w * c.count / top_count
        out.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" {FONT}>{_short(c.label)}</text>')
        out.append(f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{row_h - 6}" fill="{colors[c.label]}"/>')
        out.append(f'<text x="{left + w + 4:.1f}" y="{y + 13}" {FONT}>{c.count}</text>')
    out.append("</svg>")
    return "".join(out)


def rate_svg(ev: Evidence, width: int = 420, height: int = 160) -> str:
    """Bars: gestures per minute in consecutive time bins."""
    left, bottom, top = 36, 22, 8
    plot_w, plot_h = width - left - 8, height - top - bottom
    series = ev.rate_series
    peak = max((r for _, r in series), default=0.0) or 1.0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Gestures per minute over time">'
    ]
    n = max(1, len(series))
    bw = plot_w / n
    for i, (_, rate) in enumerate(series):
        h = plot_h * rate / peak
        out.append(
            f'<rect x="{left + i * bw + 1:.1f}" y="{top + plot_h - h:.1f}" width="{max(1.0, bw - 2):.1f}" '
            f'height="{h:.1f}" fill="#4c78a8"><title>{rate:.1f}/min</title></rect>'
        )
    base = top + plot_h
    out.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="#333"/>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="#333"/>')
    out.append(f'<text x="{left - 4}" y="{top + 9}" text-anchor="end" {FONT}>{peak:.0f}</text>')
    out.append(f'<text x="{left - 4}" y="{base}" text-anchor="end" {FONT}>0</text>')
    for i, (t0, _) in enumerate(series):
        if n <= 12 or i % max(1, n // 6) == 0:
            out.append(
                f'<text x="{left + i * bw + bw / 2:.1f}" y="{base + 14}" text-anchor="middle" {FONT}>'
                f"{_fmt_t(t0)}</text>"
            )
    out.append("</svg>")
    return "".join(out)
