"""The user guide's picture of a saved report: ``docs/images/report.png`` (1366×768).

Run from the repository root under a virtual screen:
``xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python docs/report_screenshot.py [CASE] [MODEL]``.
Writes the report of one of the benchmark's realistic timelines (``benchmarks/bench_report_models``,
default case 7: 12 gestures in 16.3 min, whose interpretation is joined from three readings) with the built-in model (or MODEL: a GGUF path or
``gemma3-270m``), opens the saved ``report.html`` in a real browser view (Qt WebEngine) and saves
what a reader sees first, then the same page scrolled to the overall interpretation
(``docs/images/report_interpretation.png``). The report's texts are whatever the model wrote
this time.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(case: int = 7, model: str | None = None, out: Path = ROOT / "docs" / "images" / "report.png") -> Path:
    from benchmarks.bench_report_models import FPS, timelines
    from mgstudio.reasoning import build_evidence, generate_report, write_report
    from mgstudio.reasoning.backends import LlamaCppBackend

    segs = timelines(case + 1)[case]
    ev = build_evidence(segs, fps=FPS, duration_s=max(s.end for s in segs) / FPS + 10)
    result = generate_report(ev, LlamaCppBackend(model, n_ctx=2048, n_threads=2))
    folder = Path(tempfile.mkdtemp(prefix="mgstudio-report-shot-"))
    html = write_report(result, folder, title="Micro-gesture emotion report: an interview")["html"]

    from PySide6.QtCore import QEventLoop, QTimer, QUrl
    from PySide6.QtWebEngineWidgets import QWebEngineView
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    view = QWebEngineView()
    view.resize(1366, 768)
    loop = QEventLoop()
    view.loadFinished.connect(lambda ok: QTimer.singleShot(800, loop.quit))
    view.load(QUrl.fromLocalFile(str(html)))
    view.show()
    loop.exec()
    out.parent.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(out))
    # The overall interpretation, scrolled to its heading (the second picture in the guide).
    view.page().runJavaScript(
        "document.getElementById('status').previousElementSibling.scrollIntoView()")
    QTimer.singleShot(600, loop.quit)
    loop.exec()
    second = out.with_name(out.stem + "_interpretation.png")
    view.grab().save(str(second))
    print(f"{out}, {second.name}: {result.narration.summary if result.narration else ''} {result.status_text}")
    app.processEvents()
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[0]) if args else 7, args[1] if len(args) > 1 else None)
