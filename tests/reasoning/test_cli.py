"""``mgstudio report`` on a real project store, with the real offline model."""

from __future__ import annotations

import json

import pytest

from mgstudio.cli import main
from mgstudio.cli.report import _safe
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.reasoning import build_evidence
from mgstudio.reasoning.prompts import SCENARIOS, build_messages

NAME_WIN = "Roger_Federer_press_2019"
NAME_LOSS = "Andy_Murray_press_2017"


@pytest.fixture(scope="module")
def project_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("proj") / "matches.mgproj"
    with Project.create(path, taxonomy="imigue", annotator="Dr Jane Roe") as p:
        human = p.ensure_tier("Dr Jane Roe").id
        props = p.proposals_tier.id
        labels = p.taxonomy.names
        for name, outcome, n in ((NAME_WIN, "win", 2), (NAME_LOSS, "lose", 4)):
            item = p.add_skeleton_item(name, SkeletonSequence.empty("mediapipe_holistic", 1500, 25.0),
                                       attributes={"outcome": outcome})
            segs = [Segment(item.id, human, 100 + 200 * k, 150 + 200 * k, labels[k], note=name)
                    for k in range(n)]
            segs.append(Segment(item.id, props, 1200, 1260, labels[5], source=Source.MODEL,
                                status=Status.PROPOSED, confidence=0.77))
            p.add_segments(segs, "test coding")
        p.add_skeleton_item("no_outcome", SkeletonSequence.empty("mediapipe_holistic", 100, 25.0))
    return path


def test_item_name_and_people_never_reach_the_prompt(project_path):
    with Project.open(project_path) as p:
        item = p.item_by_name(NAME_WIN)
        ev = build_evidence(p, item.id, include_proposals=True, context="press conference")
        assert ev.duration_s == 60.0 and len(ev.segments) == 3 and ev.n_proposals == 1
        assert ev.label_colors  # the taxonomy's colours are used in the charts
        text = json.dumps(build_messages(ev, SCENARIOS["won_lost"]))
    for secret in ("Roger", "Federer", "Jane", "matches.mgproj", str(project_path), "outcome"):
        assert secret not in text


def test_report_command_writes_three_files(project_path, tmp_path, capsys):
    out = tmp_path / "r"
    code = main(["report", str(project_path), NAME_LOSS, "--context", "post-match press conference",
                 "--temperature", "0", "--max-tokens", "160", "--out", str(out)])
    assert code == 0
    out = out / _safe(NAME_LOSS)  # one folder per recording, also for one
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["status"] in ("ok", "repaired", "failed")
    if verdict["status"] != "failed":  # the default scenario is now "what stands out"
        assert verdict["verdict"] in SCENARIOS["standout"].verdicts
    assert verdict["evidence"]["n_segments"] == 4 and verdict["evidence"]["n_proposals_excluded"] == 1
    md = (out / "report.md").read_text()
    sent = md.split("## What was sent", 1)[1]
    assert "post-match press conference" in sent and "Andy" not in sent and "Murray" not in sent
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert NAME_LOSS in capsys.readouterr().out


def test_report_command_errors_are_one_sentence(project_path, tmp_path, capsys):
    assert main(["report", str(project_path), "nobody", "--out", str(tmp_path)]) == 2
    assert "no item called 'nobody'" in capsys.readouterr().err
    assert main(["report", str(project_path), NAME_WIN]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["report", str(project_path), NAME_WIN, "--backend", "http", "--out", str(tmp_path)]) == 2
    assert "server's address" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing.mgproj"), "x", "--out", str(tmp_path)]) == 2


def test_batch_evaluation_with_and_without_evidence(project_path, embedded):
    from mgstudio.reasoning.batch import evaluate_project

    with Project.open(project_path) as p:
        result = evaluate_project(p, embedded, "outcome", "won_lost", temperature=0.0, max_tokens=160)
    data = result.to_dict()
    assert data["n"] == 2 and data["skipped"] == ["no_outcome"]
    assert {r["name"]: r["truth"] for r in data["rows"]} == {NAME_WIN: "won", NAME_LOSS: "lost"}
    hits = sum(r["with_mg"] == r["truth"] for r in data["rows"])
    assert data["accuracy_with_mg"] == hits / 2
    # one item per class: balanced accuracy equals accuracy here
    assert data["balanced_accuracy_without_mg"] == data["accuracy_without_mg"]
    text = result.summary()
    assert "2 items with a known outcome" in text and "without MG evidence: accuracy" in text


def test_batch_command_without_known_outcomes_is_a_clear_error(project_path, capsys):
    assert main(["report", str(project_path), "--batch", "--attribute", "diagnosis"]) == 2
    assert "No item has a known 'diagnosis' attribute" in capsys.readouterr().err
