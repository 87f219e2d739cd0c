"""Agreement reports as files: ``agreement.csv``, ``disagreements.csv`` and an HTML page."""

from __future__ import annotations

import csv
import html
from pathlib import Path

from mgstudio.core.agreement import AgreementReport
from mgstudio.core.timebase import timecode
from mgstudio.formats.atomic import atomic_write


def write_agreement_csv(report: AgreementReport, folder: str | Path) -> list[Path]:
    """``agreement.csv`` (one row per pair and class) and ``disagreements.csv``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    a, d = folder / "agreement.csv", folder / "disagreements.csv"
    with atomic_write(a, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["tier_a", "tier_b", "measure", "class", "value"])
        for p in report.pairs:
            w.writerow([p.tier_a, p.tier_b, "cohen_kappa_frames", "", f"{p.kappa:.6f}"])
            for lab, k in p.per_class.items():
                w.writerow([p.tier_a, p.tier_b, "cohen_kappa_frames", lab, f"{k:.6f}"])
            for t, s in p.segment_scores.items():
                w.writerow([p.tier_a, p.tier_b, f"segment_f1_iou>{t:g}", "", f"{s.f1:.6f}"])
            ev = p.events
            if ev is not None:
                crit = f"overlap>={ev.min_overlap:g}"
                for name, k in (("events", ev.kappa), ("linked", ev.kappa_linked)):
                    w.writerow([p.tier_a, p.tier_b, f"modified_kappa_{name}_{crit}", "",
                                "NA" if k != k else f"{k:.6f}"])  # NA (R, SPSS): not defined
                w.writerow([p.tier_a, p.tier_b, "events_linked", "", ev.linked])
                w.writerow([p.tier_a, p.tier_b, "events_unmatched", p.tier_a, ev.only_a])
                w.writerow([p.tier_a, p.tier_b, "events_unmatched", p.tier_b, ev.only_b])
        if report.fleiss is not None:
            w.writerow(["(all)", "(all)", "fleiss_kappa_frames", "", f"{report.fleiss:.6f}"])
    with atomic_write(d, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["item", "tier_a", "label_a", "tier_b", "label_b", "start_frame", "end_frame", "start", "end"])
        for p in report.pairs:
            for x in p.disagreements:
                w.writerow([x.item, p.tier_a, x.label_a, p.tier_b, x.label_b, x.start, x.end,
                            timecode(x.start, x.fps), timecode(x.end, x.fps)])
    return [a, d]

def _matrix_html(tier_a: str, tier_b: str, labels: list, counts) -> str:
    """A counts table, coder A's labels down and coder B's across, shaded by count."""
    e = html.escape
    mx = max(1, int(counts.max()))
    rows = [f"<tr><th class=l>{e(tier_a)} ↓ / {e(tier_b)} →</th>" + "".join(
        f"<th>{e(str(lab))}</th>" for lab in labels) + "</tr>"]
    for i, lab in enumerate(labels):
        cells = "".join(
            f"<td style='background:rgba(0,114,178,{0.08 + 0.8 * v / mx:.2f})'>{v}</td>" if v else "<td></td>"
            for v in counts[i])
        rows.append(f"<tr><th class=l>{e(str(lab))}</th>{cells}</tr>")
    return "<table>" + "".join(rows) + "</table>"


def write_agreement_html(report: AgreementReport, path: str | Path) -> Path:
    """A report-contained HTML page with the figures, confusion matrices and disagreements."""
    e = html.escape
    parts = ["<!doctype html><meta charset='utf-8'><title>Inter-rater agreement</title>",
             "<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:70em}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 6px;"
             "text-align:right}th{background:#f3f3f3}td.l,th.l{text-align:left}</style>",
             "<h1>Inter-rater agreement</h1>",
             f"<p>Items: {e(', '.join(report.items))}<br>Tiers: {e(', '.join(report.tiers))}</p>",
             "<p>Cohen's kappa compares two annotators frame by frame (frames without a segment count "
             "as “(none)”); 1 is perfect agreement, 0 is what chance would give. Segment F1 counts "
             "segments of the same label whose overlap (IoU) exceeds the threshold. The modified "
             "kappa of Holle &amp; Rein (as in EasyDIAg and ELAN) compares gesture by gesture: two "
             "segments are linked when the frames both cover are at least the criterion's share of "
             "the frames either covers; a segment without a partner counts as “(unmatched)”.</p>"]
    if report.fleiss is not None:
        parts.append(f"<p><b>Fleiss' kappa</b> over all {len(report.tiers)} annotators: {report.fleiss:.3f}</p>")
    for p in report.pairs:
        parts.append(f"<h2>{e(p.tier_a)} vs {e(p.tier_b)}</h2>")
        parts.append(f"<p>Cohen's kappa: <b>{p.kappa:.3f}</b> over {p.n_frames} frames.</p>")
        parts.append("<table><tr><th class=l>Segment F1</th>" + "".join(
            f"<th>IoU&gt;{t:g}</th>" for t in p.segment_scores) + "</tr><tr><td class=l>F1</td>" + "".join(
            f"<td>{s.f1:.3f}</td>" for s in p.segment_scores.values()) + "</tr></table>")
        parts.append("<table><tr><th class=l>Class</th><th>kappa</th></tr>" + "".join(
            f"<tr><td class=l>{e(lab)}</td><td>{k:.3f}</td></tr>" for lab, k in p.per_class.items()) + "</table>")
        parts.append("<h3>Confusion (frames)</h3>" + _matrix_html(p.tier_a, p.tier_b, p.labels, p.confusion))
        ev = p.events
        if ev is not None:
            parts.append(f"<h3>Gesture by gesture</h3><p>{e(ev.summary())}.</p>"
                         + _matrix_html(p.tier_a, p.tier_b, ev.labels, ev.matrix))
        if p.disagreements:
            parts.append("<h3>Disagreements</h3><table><tr><th class=l>Item</th><th class=l>Where</th>"
                         f"<th class=l>{e(p.tier_a)}</th><th class=l>{e(p.tier_b)}</th></tr>" + "".join(
                             f"<tr><td class=l>{e(x.item)}</td><td class=l>{e(x.where)}</td>"
                             f"<td class=l>{e(x.label_a)}</td><td class=l>{e(x.label_b)}</td></tr>"
                             for x in p.disagreements[:500]) + "</table>")
    with atomic_write(path) as fh:
        fh.write("\n".join(parts))
    return Path(path)
