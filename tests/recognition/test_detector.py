"""The class-agnostic "MG vs no MG" head learnt from accepted AND rejected segments (real UTKinect
recordings in a project): it decides p(background), the label head shares the rest, and it
survives saving (weights-only loading)."""

from __future__ import annotations

import numpy as np

from mgstudio.core.project import Project
from mgstudio.core.segments import Segment, Source, Status
from mgstudio.formats.kinect import load_utkinect
from mgstudio.recognition.encoder import resolve_encoder
from mgstudio.recognition.examples import collect_examples
from mgstudio.recognition.fewshot import BACKGROUND, MG_ANY, Head
from mgstudio.recognition.learning import train_version
from tests.conftest import require_shared


def test_mg_detector_learns_from_accepted_and_rejected_segments(tmp_path):
    data = load_utkinect(require_shared("skeletons", "utkinect", "joints"))[:3]
    with Project.create(tmp_path / "det.mgproj", annotator="coder", taxonomy="utkinect") as proj:
        tier = proj.ensure_tier("coder")
        for name, seq, segs in data:
            it = proj.add_skeleton_item(name, seq)
            last, keep, gaps = 0, [], []
            for s in sorted(segs, key=lambda s: s.start):
                if s.start >= last:
                    keep.append(Segment(it.id, tier.id, s.start, s.end, s.label))
                    if s.start - last >= 40:
                        gaps.append((last + 5, s.start - 5))
                    last = s.end
            proj.add_segments(keep)
            # the coder rejected proposals between the actions: rejections are labels too
            props = proj.add_segments([Segment(it.id, proj.proposals_tier.id, a, b, "walk", source=Source.MODEL,
                                               status=Status.PROPOSED, confidence=0.5) for a, b in gaps])
            for p in props:
                proj.reject(p.id)
        plain = train_version(proj)
        gated = train_version(proj, detector=True)
        examples = collect_examples(proj, resolve_encoder(None))
    assert plain.path.exists() and gated.path.exists()
    h0, h1 = Head.load(plain.path), Head.load(gated.path)
    assert h0.detector is None and h1.detector is not None
    assert h1.detector.classes == [MG_ANY, BACKGROUND]
    assert any("class-agnostic" in n for n in gated.notes)
    emb, labels = examples.emb, np.array(examples.labels)
    p = h1.proba(emb)
    bg = h1.classes.index(BACKGROUND)
    assert np.allclose(p.sum(1), 1.0, atol=1e-5)
    assert np.allclose(p[:, bg], h1.detector.proba(emb)[:, 1], atol=1e-6)
    # on its own training examples the detector tells MG from no MG better than chance, both ways
    is_bg = labels == BACKGROUND
    said_bg = p[:, bg] > 0.5
    assert (said_bg[is_bg]).mean() > 0.6 and (~said_bg[~is_bg]).mean() > 0.6
    # the label head still ranks the classes among themselves as before
    q = h0.proba(emb)
    mg = [i for i in range(len(h1.classes)) if i != bg]
    assert (p[:, mg].argmax(1) == q[:, mg].argmax(1)).all()
