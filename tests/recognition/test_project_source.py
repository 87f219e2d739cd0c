"""Training and evaluating on a project: skeleton items + accepted segments (real UTKinect streams)."""

from __future__ import annotations

import pytest

from mgstudio.core.errors import MGStudioError
from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Status
from mgstudio.formats.skeletons import load_skeletons
from mgstudio.recognition.config import apply_override
from mgstudio.recognition.data import load_clips
from mgstudio.recognition.evaluate import evaluate
from mgstudio.recognition.train import run_training
from tests.conftest import require_shared


@pytest.fixture(scope="module")
def utk_project(tmp_path_factory):
    """4 untrimmed UTKinect recordings; subject 2 held out (item attribute split=test)."""
    folder = require_shared("skeletons", "utkinect", "joints")
    path = tmp_path_factory.mktemp("proj") / "utk.mgproj"
    n_test = 0
    with Project.create(path, annotator="alice", taxonomy="movement") as proj:
        tier = proj.ensure_tier("alice")
        for name in ("s01_e01", "s01_e02", "s02_e01", "s02_e02"):
            (_, seq), = load_skeletons(folder / f"joints_{name}.txt")
            item = proj.add_skeleton_item(name, seq, attributes={"split": "test"} if name.startswith("s02") else {})
            segs, last_end = [], -1
            for label, start, end in seq.meta["actions"]:
                if start >= last_end and end > start:  # the label file has a few overlaps; keep the first
                    segs.append(Segment(item.id, tier.id, start, end, label))
                    last_end = end
            proj.add_segments(segs, "UTKinect labels")
            n_test += len(segs) if name.startswith("s02") else 0
        # a model proposal that nobody reviewed must not count as a label
        proj.add_segments([Segment(item.id, proj.proposals_tier.id, 0, 5, "walk", source="model",
                                   status=Status.PROPOSED)], "proposal")
    return path, n_test


def test_pretrain_linear_and_eval_on_a_project(utk_project, tiny_cfg, tmp_path):
    path, n_test = utk_project
    unl = load_clips(path, tiny_cfg, labelled=False, split="train")
    lab = load_clips(path, tiny_cfg, labelled=True, split="train")
    assert len(unl) > 50 and len(lab) >= 15 and "walk" in lab.classes
    assert set(lab.groups) == {"s01_e01", "s01_e02"}
    run_training("pretrain", tiny_cfg, path, tmp_path / "pre.pt", log=None, show_bar=False)
    res = run_training("linear", tiny_cfg, path, tmp_path / "lin.pt", encoder=tmp_path / "pre.pt", log=None,
                       show_bar=False)
    assert res.metrics["n"] == n_test
    lines: list[str] = []
    m = evaluate(tmp_path / "lin.pt", path, confusion_png=tmp_path / "cm.png", log=lines.append)
    assert m["n"] == n_test and (tmp_path / "cm.png").exists()
    s = m["spotting"]
    assert s["n_gt"] == n_test and 0.0 <= s["f1"] <= 1.0 and s["n_pred"] > 0
    assert "spotting (IoU > 0.3)" in lines[-1]


def test_an_empty_project_gets_a_clear_message(tmp_path, tiny_cfg, tiny_models):
    path = tmp_path / "empty.mgproj"
    Project.create(path, annotator="bob").close()
    with pytest.raises(MGStudioError, match="No skeleton windows"):
        run_training("pretrain", tiny_cfg, path, tmp_path / "x.pt", log=None)
    with pytest.raises(MGStudioError, match="No labelled clips"):
        run_training("linear", apply_override(tiny_cfg, "train.epochs=1"), path, tmp_path / "y.pt",
                     encoder=tiny_models["pretrain"], log=None)
