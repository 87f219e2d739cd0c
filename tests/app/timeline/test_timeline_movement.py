"""A class-agnostic movement event (a cold-start proposal with no MG label yet) does not look like a
labelled segment on the timeline, and the timeline's legend says what each look means."""

from __future__ import annotations

from PySide6.QtGui import QColor

from mgstudio.app.timeline import TimelineDock
from mgstudio.app.timeline.legend import ENTRIES, TimelineLegend
from mgstudio.app.timeline.style import MOVEMENT_TEXT
from mgstudio.app.timeline.menu import segment_tooltip
from mgstudio.core.segments import Segment, Source, Status

from tests.app.timeline.test_timeline import (item, make_timeline, pixel, project, showing, x_of,  # noqa: F401 - fixtures
                                              y_of)


def colourful(c: QColor) -> bool:
    return c.saturation() > 60 and c.alpha() > 0


def test_a_movement_event_is_hollow_and_says_movement_not_a_label(qtbot, project, item):  # noqa: F811
    lab = project.taxonomy.labels[0]
    prop = project.proposals_tier.id
    project.add_segments([
        Segment(item.id, prop, 100, 260, lab.name, source=Source.MODEL, status=Status.PROPOSED, confidence=0.9),
        Segment(item.id, prop, 400, 560, "movement event", source=Source.MODEL, status=Status.PROPOSED,
                confidence=0.31),
        Segment(item.id, prop, 600, 700, "movement event", source=Source.MODEL, status=Status.REJECTED),
    ])
    tl = make_timeline(qtbot, project, item.id)
    segs = {s.start: s for s in project.segments(item.id)}
    assert [tl.look_of(segs[f]) for f in (100, 400, 600)] == ["proposed", "movement", "rejected"]
    img = tl.grab().toImage()
    y = y_of(tl, "proposals")
    labelled = [pixel(img, x_of(f), y) for f in range(150, 200)]
    movement = [pixel(img, x_of(f), y) for f in range(402, 558)]
    empty = pixel(img, x_of(750), y)
    assert sum(colourful(c) for c in labelled) > 25  # the label's colour fills a proposal
    assert not any(colourful(c) for c in movement)  # no label's colour inside a movement event
    after_text = movement[-30:]  # "movement?" is written at its start; the rest is hollow
    assert all(abs(c.lightness() - empty.lightness()) < 25 for c in after_text)
    assert any(abs(c.lightness() - empty.lightness()) > 60 for c in movement[:70])  # the text is there
    top = next(r for r in tl.rows if r.kind == "tier" and r.tier.name == "proposals").top + 3
    edge = {pixel(img, x_of(f), top).rgb() for f in range(420, 440)}
    assert len(edge) >= 2  # a dotted outline, not a solid bar
    tip = segment_tooltip(segs[400], 25.0, movement=True)
    assert MOVEMENT_TEXT in tip and "no micro-gesture named yet" in tip and "31%" not in tip


def test_an_accepted_movement_event_has_its_label_and_its_colour(qtbot, project, item):  # noqa: F811
    lab = project.taxonomy.labels[0]
    prop = project.proposals_tier.id
    project.add_segments([Segment(item.id, prop, 400, 560, "movement event", source=Source.MODEL,
                                  status=Status.PROPOSED, confidence=0.31)])
    seg = project.segments(item.id)[0]
    project.update_segment(seg.id, label=lab.name)  # Accept as… a label of the project
    tl = make_timeline(qtbot, project, item.id)
    assert tl.look_of(project.segment(seg.id)) == "reviewed"
    img = tl.grab().toImage()
    assert sum(colourful(pixel(img, x_of(f), y_of(tl, "proposals"))) for f in range(450, 500)) > 40


def test_the_legend_names_every_look_and_drops_whole_entries_when_narrow(qtbot, project, item):  # noqa: F811
    dock = TimelineDock(showing(project, item.id))
    qtbot.addWidget(dock)
    dock.resize(1300, 260)
    dock.show()
    qtbot.waitExposed(dock)
    legend = dock.findChild(TimelineLegend)
    assert legend is not None and legend.shown() == [look for look, _t, _tip in ENTRIES]
    assert {"proposed", "reviewed", "movement", "rejected"} == {look for look, _t, _tip in ENTRIES}
    assert MOVEMENT_TEXT in legend.toolTip()
    legend.resize(legend.sizeHint().width() // 2, legend.height())
    assert 0 < len(legend.shown()) < len(ENTRIES)
