"""Who is coding: asked on first start and remembered, File ▸ Switch coder…, the label set chosen
at New project, and the welcome page (New / Open / demo) while nothing is open."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from tests.app.shell.test_main_window import demo_source, env  # noqa: F401 - fixtures

pytestmark = pytest.mark.gl  # the window holds the OpenGL 3D view

if not os.environ.get("DISPLAY") and not os.environ.get("CI"):
    pytest.skip("the main window's 3D view needs a display: run under xvfb-run (make test does)",
                allow_module_level=True)


def new_window(qtbot):
    from mgstudio.app.shell.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    return w


def answer_coder(qtbot, name: str, seen: list) -> None:
    """Type ``name`` in the "Who is coding?" dialog once it shows, and press Enter."""
    from mgstudio.app.shell.start_dialogs import CoderDialog

    def fill() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, CoderDialog):
            QTimer.singleShot(50, fill)
            return
        seen.append(dlg.windowTitle())
        dlg.combo.lineEdit().selectAll()
        qtbot.keyClicks(dlg.combo.lineEdit(), name)
        qtbot.keyClick(dlg.combo.lineEdit(), Qt.Key.Key_Return)

    QTimer.singleShot(50, fill)


def tier_headers(w) -> dict[str, str]:
    tl = w.review.timeline_dock.timeline
    return {r.tier.name: tl.header_text(r) for r in tl.rows if r.kind == "tier"}


def test_first_start_asks_who_is_coding_and_remembers_it(qtbot, env) -> None:
    from mgstudio.app.shell.settings import Settings

    tmp, project = env
    w = new_window(qtbot)
    assert Settings().coder == ""
    seen: list = []
    answer_coder(qtbot, "Anna K.", seen)
    assert w.ask_coder(first_run=True) == "Anna K."
    assert seen == ["Who is coding?"]
    assert Settings().coder == "Anna K."  # remembered for the next start
    assert "Anna K." in w.coder_label.text() and "Anna K." in w.welcome.coder_label.text()
    w.open_project(project)
    assert w.project.annotator == "Anna K."
    w.close()
    w2 = new_window(qtbot)  # next start: no question, the same coder
    w2.open_project(project)
    assert w2.project.annotator == "Anna K." and w2.coder_label.text() == "Coder: Anna K."
    w2.close()


def test_switch_coder_puts_new_work_on_the_new_coders_tier(qtbot, env) -> None:
    from mgstudio.app.shell.settings import Settings

    tmp, project = env
    Settings().coder = "anna"
    w = new_window(qtbot)
    w.open_project(project)
    item_id = w.state.item_id
    w.state.set_frame(40)
    ctl = w.review
    ctl.deselect()
    ctl.mark_in()
    w.state.set_frame(50)
    anna_seg = ctl.mark_out()
    assert w.project.tier(anna_seg.tier_id).annotator == "anna"
    headers = tier_headers(w)
    assert headers["anna"] == "anna (you)"

    seen: list = []
    answer_coder(qtbot, "ben", seen)
    assert w.switch_coder()
    assert w.project.annotator == "ben" and Settings().coder == "ben"
    assert w.state.item_id == item_id and w.state.frame == 50  # still where they were
    assert "Now coding as ben" in w.status_label.text() and w.coder_label.text() == "Coder: ben"
    ctl.deselect()
    w.state.set_frame(60)
    ctl.mark_in()
    w.state.set_frame(70)
    ben_seg = ctl.mark_out()
    assert w.project.tier(ben_seg.tier_id).annotator == "ben"
    headers = tier_headers(w)
    assert headers["ben"] == "ben (you)" and headers["anna"] == "anna"  # only the current coder is "(you)"
    ctl.undo()  # ben's undo takes back ben's segment, never anna's
    ids = {s.id for s in w.project.segments(item_id)}
    assert ben_seg.id not in ids and anna_seg.id in ids
    w.close()


def test_welcome_page_while_nothing_is_open(qtbot, env) -> None:
    from mgstudio.app.shell.settings import Settings

    tmp, project = env
    Settings().coder = "anna"
    w = new_window(qtbot)
    assert w.center.currentWidget() is w.welcome and w.welcome.isVisible()
    assert w.welcome.demo_button.isVisible() and w.welcome.new_button.isVisible()
    assert not w.welcome.recent.isVisible()  # nothing opened yet
    qtbot.mouseClick(w.welcome.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.project is not None, timeout=60_000)
    assert w.center.currentWidget() is w.player and not w.welcome.isVisible()
    w.close_project()
    assert w.center.currentWidget() is w.welcome
    assert w.welcome.recent.count() == 1 and w.welcome.recent.isVisible()
    w.open_project(project)
    w.close_project()
    first = w.welcome.recent.item(0)
    assert first.text().startswith("demo")
    w.welcome.recent.itemClicked.emit(first)  # a click on a recent project opens it
    assert w.project is not None and w.project.path.resolve() == project.resolve()
    w.close()


def test_new_project_codes_with_the_chosen_label_set_and_coder(qtbot, env) -> None:
    from mgstudio.app.shell.start_dialogs import NewProjectDialog

    tmp, _ = env
    w = new_window(qtbot)
    titles: list[str] = []

    def fill() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, NewProjectDialog):
            QTimer.singleShot(50, fill)
            return
        titles.extend(dlg.tax_combo.itemText(i) for i in range(dlg.tax_combo.count()))
        dlg.buttons.button(dlg.buttons.StandardButton.Ok).click()  # nothing filled in: refused with a reason
        assert dlg.isVisible() and dlg.problem.text() == "Give the project a name."
        qtbot.keyClicks(dlg.name_edit, "Phase study")
        dlg.folder_edit.setText(str(tmp))
        dlg.tax_combo.setCurrentIndex(dlg.tax_combo.findData("gesture_phases"))
        assert "Kendon" in dlg.tax_about.text() and "stroke" in dlg.tax_about.text()
        qtbot.keyClicks(dlg.coder_edit, "Bea")
        dlg.buttons.button(dlg.buttons.StandardButton.Ok).click()

    QTimer.singleShot(50, fill)
    assert w.new_project()
    assert titles[0] == "iMiGUE micro-gestures (33 labels)" and "Movement events only (1 label)" in titles
    p = w.project
    assert p.path == tmp / "Phase study.mgproj"
    assert p.taxonomy.name == "gesture_phases" and p.annotator == "Bea"
    palette = w.review.palette_dock.list
    assert palette.count() == len(p.taxonomy.labels) == 5
    assert "Coder: Bea" == w.coder_label.text()
    w.close()


def test_a_worse_label_model_offers_keeping_the_current_one_first(qtbot, env) -> None:
    """The learn result shows both accuracies in the text (not behind Show Details); when the new
    model is worse, "Keep the current model" comes first and is the default (Enter keeps it)."""
    from mgstudio.app.shell.learn_choice import LearnOutcome

    w = new_window(qtbot)
    worse = LearnOutcome(3, "Label model v3 …\nCross-validated accuracy (5 folds by item): 37%", 0.37, 5, 2, 0.54)
    box, use = w.learn_box(worse)
    box.show()
    qtbot.waitExposed(box)
    assert "37%" in box.text() and "v2, got 54%" in box.text() and "20%" in box.text()
    assert "worse than the one in use" in box.informativeText()
    keep = box.defaultButton()
    assert keep.text() == "Keep the current model (v2)" and use.text() == "Use v3 anyway"
    assert keep.mapToGlobal(keep.rect().topLeft()).x() < use.mapToGlobal(use.rect().topLeft()).x()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert box.clickedButton() is keep
    better = LearnOutcome(4, "…", 0.71, 5, 2, 0.54)
    box2, use2 = w.learn_box(better)
    assert box2.defaultButton() is use2 and use2.text() == "Use this model (v4)"
    first = LearnOutcome(1, "…", 0.2, 5)  # no model in use yet and no better than chance
    box3, use3 = w.learn_box(first)
    assert box3.defaultButton().text() == "Keep the movement events" and "no better than guessing" in box3.informativeText()
    for b in (box, box2, box3):
        b.close()
    w.close()


def test_dock_tabs_and_status_messages_keep_their_whole_text(qtbot, env) -> None:
    """Tabbed panels' titles are never cut, also with five panels in one narrow column (arrows
    scroll the tabs) and after View ▸ Reset layout, when Qt makes the tab bars again; the whole
    title is the tooltip; a status message's tooltip is the whole sentence."""
    from PySide6.QtWidgets import QTabBar

    from mgstudio.app.shell.theme import apply_theme

    app = QApplication.instance()
    saved = (app.palette(), app.styleSheet())
    apply_theme(app, "dark")  # as `mgstudio gui` does
    w = new_window(qtbot)

    def bars() -> list:
        return [b for b in w.findChildren(QTabBar) if b.parent() is w and b.count()]

    for step in range(2):
        qtbot.waitUntil(lambda: len(bars()) >= 2)
        texts = {b.tabText(i): b.tabToolTip(i) for b in bars() for i in range(b.count())}
        assert texts.get("Emotion report") == "Emotion report" and texts.get("Proposals") == "Proposals"
        assert all(b.elideMode() == Qt.TextElideMode.ElideNone and b.usesScrollButtons() for b in bars())
        w.reset_layout()
    # A coder's own arrangement: every panel tabbed into the narrow right column.
    right = [d for d in (*w.review_docks, *w.panel_docks)
             if w.dockWidgetArea(d) == Qt.DockWidgetArea.RightDockWidgetArea]
    for dock in w.panel_docks:
        w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        w.tabifyDockWidget(right[0], dock)
    qtbot.waitUntil(lambda: any(b.count() >= 5 for b in bars()))
    bar = next(b for b in bars() if b.count() >= 5)
    titles = [bar.tabText(i) for i in range(bar.count())]
    assert "Similar moments" in titles and "Segment" in titles
    assert bar.elideMode() == Qt.TextElideMode.ElideNone and bar.usesScrollButtons()
    long = "Not accepted: “movement event” is not one of this project's labels, " * 4
    w.show_message(long)
    assert w.status_label.toolTip() == long
    w.close()
    app.setPalette(saved[0])
    app.setStyleSheet(saved[1])
