"""Import skeleton files of any supported format: one entry point that recognises the format.

``load_skeletons(path)`` takes a file or a folder and returns ``[(name, SkeletonSequence)]``:

| what | recognised by | layout |
|---|---|---|
| OpenPose JSON folder (one video) | ``*.json`` files with a ``people`` list | ``openpose_body25`` / ``openpose_137`` |
| MSR Action3D | ``aAA_sSS_eEE_skeleton3D.txt`` | ``kinect_v1`` |
| UTKinect-Action3D | ``joints_sXX_eXX.txt`` (+ ``actionLabel.txt``) | ``kinect_v1`` |
| NTU RGB+D / Kinect v2 | ``*.skeleton`` | ``kinect_v2`` |
| JHMDB / DD-Net pose pickle | ``*.pkl`` / ``*.pickle`` (restricted unpickler) | ``jhmdb15`` (or by joint count) |
| UCI gesture phase | CSV with ``lhx,...,timestamp,phase`` header | ``gesture_phase6`` |

A folder may hold many files of these kinds (e.g. the whole MSR folder), or sub-folders that are
OpenPose JSON folders (one per video, as iMiGUE ships them). Names and ``meta`` come from the
file names where they say something (subject, action, take). Everything that is not readable
raises :class:`~mgstudio.core.errors.FormatError` with one clear sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mgstudio.core.errors import FormatError
from mgstudio.core.skeleton import SkeletonSequence
from mgstudio.formats import kinect
from mgstudio.formats.readfile import read_regular


def _mod(name: str):
    """Import a format module on first use (keeps start-up light)."""
    import importlib

    return importlib.import_module(f"mgstudio.formats.{name}")

Loaded = list[tuple[str, SkeletonSequence]]


def _msr(p: Path) -> Loaded:
    return [(p.name.replace("_skeleton3D.txt", ""), kinect.read_msr(p))]


def _utk(p: Path) -> Loaded:
    seq = kinect.read_utkinect(p)
    labels = kinect.find_utkinect_labels(p.parent)
    name = seq.meta.get("recording", p.stem)
    if labels is not None:
        try:
            segs = kinect.read_utkinect_labels(labels).get(name, [])
            seq.meta["actions"] = [tuple(s) for s in kinect.frames_to_samples(seq, segs)]
        except FormatError as exc:
            seq.meta["warning"] = f"action labels not read: {exc}"
    return [(name, seq)]


def _ntu(p: Path) -> Loaded:
    return [(p.stem, seq) for seq in [_mod('ntu').read_skeleton(p)]]


def _pickle(p: Path) -> Loaded:
    return _mod('pose_pickle').load_pose_pickle(p)


def _gesture(p: Path) -> Loaded:
    seq, _ = _mod('gesture_phase').read_gesture_phase(p)
    return [(p.stem.replace("_raw", ""), seq)]


def _file_loader(p: Path) -> Callable[[Path], Loaded] | None:
    """Which loader reads this file (by name, then by a look at its first bytes)."""
    name = p.name
    lower = name.lower()
    if kinect.MSR_NAME.match(name):
        return _msr
    if kinect.UTK_NAME.match(name):
        return _utk
    if lower.endswith(".skeleton"):
        return _ntu
    if lower.endswith((".pkl", ".pickle")):
        return _pickle
    if lower.endswith(".csv") and _mod('gesture_phase').looks_like(p):
        return _gesture
    return None


def _load_file(p: Path) -> Loaded:
    loader = _file_loader(p)
    if loader is not None:
        return loader(p)
    if p.suffix.lower() == ".json":
        raise FormatError(f"{p.name} is a single JSON file: choose the folder that holds the video's "
                          f"OpenPose JSON files (one per frame).")
    # Unknown name: a text file of 80-number frames is MSR-like, 61 numbers a line UTKinect-like.
    if p.suffix.lower() == ".txt":
        head = read_regular(p, 200 * 1024 * 1024, "skeleton text file")[:4096].decode("ascii", errors="replace").splitlines()
        first = head[0].split() if head else []
        if len(first) == 61:
            return _utk(p)
        if len(first) == 4:
            return [(p.stem, kinect.read_msr(p))]
    raise FormatError(f"{p.name} is not a skeleton file MG Studio can read.",
                      "known: OpenPose JSON folders, MSR Action3D / UTKinect .txt, NTU .skeleton, "
                      "pose pickles (.pkl), UCI gesture-phase .csv")


def _has_json(folder: Path) -> bool:
    return any(p.suffix.lower() == ".json" for p in folder.iterdir())


def load_skeletons(path: str | Path) -> Loaded:
    """Load every skeleton sequence in a file or folder, as ``(name, sequence)`` pairs."""
    path = Path(path)
    if not path.exists():
        raise FormatError(f"Skeleton file or folder not found: {path}")
    if not path.is_dir():  # a file, or a FIFO / device the loaders refuse without blocking
        return _load_file(path)
    if _has_json(path) and _mod('openpose').is_openpose_folder(path):
        return [(path.name, _mod('openpose').read_openpose_folder(path))]
    files = sorted(p for p in path.iterdir() if p.is_file() and _file_loader(p) is not None)
    out: Loaded = []
    for f in files:
        out.extend(_load_file(f))
    if not files:  # one level down: a folder per video (OpenPose) or a data set's sub-folder
        for sub in sorted(p for p in path.iterdir() if p.is_dir()):
            if _has_json(sub) and _mod('openpose').is_openpose_folder(sub):
                out.append((sub.name, _mod('openpose').read_openpose_folder(sub)))
            else:
                for f in sorted(p for p in sub.iterdir() if p.is_file() and _file_loader(p) is not None):
                    out.extend(_load_file(f))
    if not out:
        raise FormatError(f"No skeleton files MG Studio can read in {path.name}.",
                          "known: OpenPose JSON folders, MSR Action3D / UTKinect .txt, NTU .skeleton, "
                          "pose pickles (.pkl), UCI gesture-phase .csv")
    return out


def load_labelled_clips(path: str | Path) -> list[tuple[SkeletonSequence, str, int | None]]:
    """Labelled clips for training and evaluation: ``(sequence, label, subject or None)``.

    - an MSR Action3D folder: the 557 clean clips, label = action name, subject 1-10;
    - a JHMDB / DD-Net pickle: label = the class, subject None;
    - a UTKinect folder: each labelled action cut out of its recording (subject 1-10).
    """
    path = Path(path)
    if path.is_file():
        if path.suffix.lower() in (".pkl", ".pickle"):
            return [(seq, str(seq.meta.get("label", "")), None)
                    for _, seq in _mod('pose_pickle').load_pose_pickle(path)]
        raise FormatError(f"{path.name} holds no labelled clips MG Studio knows of.")
    if any(kinect.MSR_NAME.match(p.name) for p in path.iterdir()):
        return [(seq, seq.meta.get("action_name", str(a)), s) for seq, a, s in kinect.load_msr_clips(path)]
    if any(kinect.UTK_NAME.match(p.name) for p in path.iterdir()):
        out = []
        for _, seq, segs in kinect.load_utkinect(path):
            for seg in segs:
                clip = seq.slice(seg.start, seg.end)
                clip.meta.pop("actions", None)
                clip.meta["label"] = seg.label
                out.append((clip, seg.label, seq.meta.get("subject")))
        return out
    raise FormatError(f"{path.name} holds no labelled clips MG Studio knows of.")
