"""'Learn from my labels' with fine-tuning on request: a tiny real fine-tune on UTKinect streams
saves a version with its own encoder, reports held-out per-class accuracy, re-proposes with it,
and refuses too few labels."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from mgstudio.core.errors import CancelledError, MGStudioError
from mgstudio.core.project import Project
from mgstudio.formats.kinect import load_utkinect
from mgstudio.recognition.encoder import load_encoder
from mgstudio.recognition.learning import (activate_version, active_encoder, list_versions, repropose_project,
                                           train_version)
from tests.conftest import require_shared
from tests.recognition.test_learning import _add


@pytest.fixture(scope="module")
def utk():
    return load_utkinect(require_shared("skeletons", "utkinect", "joints"))


def test_finetune_version_saves_its_encoder_and_reproposes(tmp_path, utk):
    torch.set_num_threads(1)
    enc = load_encoder()
    by_subject = {}
    for name, seq, segs in utk:
        by_subject.setdefault(int(name[1:3]), []).append((name, seq, segs))
    with Project.create(tmp_path / "ft.mgproj", annotator="alice", taxonomy="utkinect") as proj:
        for s in (1, 2, 3):
            name, seq, segs = by_subject[s][0]
            _add(proj, name, seq, segs, labelled=True)
        name, seq, segs = by_subject[4][0]
        _add(proj, name, seq, segs, labelled=False)
        t0 = time.perf_counter()
        lin = train_version(proj, enc, kind="linear")
        t1 = time.perf_counter()
        mv = train_version(proj, enc, kind="finetune", epochs=1)
        t2 = time.perf_counter()
        print(f"\nlinear v{lin.version}: CV {lin.cv_accuracy:.0%} ({t1 - t0:.1f}s); finetune v{mv.version}: "
              f"held-out {mv.cv_accuracy:.0%} ({t2 - t1:.1f}s)\n{mv.summary}")
        assert mv.kind == "finetune"
        enc_file = proj.models_dir / mv.encoder
        assert enc_file.exists() and enc_file.name.startswith("encoder_v")
        assert not list(proj.models_dir.glob("*.tmp"))
        assert "finetune head" in mv.summary and "Held-out accuracy" in mv.summary
        mg = [c for c in mv.classes if not c.startswith("__")]
        assert len(mg) >= 5 and any(mv.cv_per_class.get(c) is not None for c in mg)
        ft = load_encoder(enc_file)  # weights_only loader
        base = enc.model.state_dict()
        assert any(not torch.equal(v, ft.model.state_dict()[k]) for k, v in base.items() if v.is_floating_point())
        assert [v.version for v in list_versions(proj)] == [lin.version, mv.version]
        activate_version(proj, mv)
        assert active_encoder(proj, enc).checkpoint is not enc.checkpoint
        assert repropose_project(proj, enc) > 0


def test_finetune_cancel_saves_nothing(tmp_path, utk):
    torch.set_num_threads(1)
    stop = threading.Event()
    with Project.create(tmp_path / "c.mgproj", annotator="alice", taxonomy="utkinect") as proj:
        for name, seq, segs in utk[:2]:
            _add(proj, name, seq, segs, labelled=True)
        with pytest.raises(CancelledError):
            train_version(proj, kind="finetune", epochs=2, progress=lambda d, t: stop.set(), cancel=stop)
        assert list_versions(proj) == [] and not list(proj.models_dir.glob("*"))


def test_finetune_refuses_too_few_labels(tmp_path, utk):
    name, seq, segs = utk[0]
    one = [s for s in segs if s.label == segs[0].label][:1]
    with Project.create(tmp_path / "few.mgproj", annotator="alice", taxonomy="utkinect") as proj:
        _add(proj, name, seq, one + [s for s in segs if s.label != one[0].label][:1], labelled=True)
        with pytest.raises(MGStudioError, match="prototype or linear head"):
            train_version(proj, kind="finetune", epochs=1)
        assert list_versions(proj) == []
