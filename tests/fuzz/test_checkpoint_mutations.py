"""Structurally mutated recognizer checkpoints through ``load_encoder``: every field is validated
before a model is built (``weights_only=True`` stays), so each input ends as a working encoder
or one sentence naming the file, without tracebacks or terabyte allocations."""

from __future__ import annotations

import copy
import random
import shutil
import tempfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgstudio.core.errors import MGStudioError
from mgstudio.recognition.encoder import DEFAULT_MODEL, load_encoder
from tests.fuzz.check import check_input
from tests.fuzz.mutators import mutate_bytes, wrong_value
from tests.fuzz.registry import Target
from tests.fuzz.runner import examples, fixtures_of, run_paths

_SEED: dict | None = None


def seed_checkpoint() -> dict:
    global _SEED
    if _SEED is None:
        _SEED = torch.load(DEFAULT_MODEL, map_location="cpu", weights_only=True)
    return _SEED


def _tensor_mutation(t: torch.Tensor, rng: random.Random):
    op = rng.choice(["shape", "dtype", "nan", "empty", "scalar", "list"])
    if op == "shape":
        return torch.zeros(*[max(1, s + rng.choice([-1, 1, 3])) for s in t.shape] or [2])
    if op == "dtype":
        return t.to(rng.choice([torch.int64, torch.bool, torch.uint8]))
    if op == "nan":
        out = t.clone().float()
        out.view(-1)[0] = float("nan")
        return out
    if op == "empty":
        return torch.zeros(0)
    if op == "scalar":
        return torch.tensor(1.0)
    return t.tolist()[:3] if t.dim() else 1.0


def mutate_checkpoint(ck: dict, rng: random.Random) -> dict:
    ck = copy.copy(ck)
    ck["config"] = copy.deepcopy(ck["config"])
    ck["encoder"] = dict(ck["encoder"])
    for _ in range(rng.randint(1, 3)):
        op = rng.choice(["drop", "wrong", "model", "model", "layout", "tensor", "tensor", "head", "classes",
                         "version", "time_tokens"])
        if op == "drop":
            ck.pop(rng.choice(list(ck)), None)
        elif op == "wrong":
            ck[rng.choice(list(ck) or ["config"])] = wrong_value(rng)
        elif op == "model" and isinstance(ck.get("config"), dict) and isinstance(ck["config"].get("model"), dict):
            m = ck["config"]["model"]
            key = rng.choice(list(m) + ["new_setting"])
            m[key] = rng.choice([wrong_value(rng), -1, 0, 10**6, 10**12, [64] * 20, [0], "both", 3.5, True])
        elif op == "layout":
            ck["layout"] = rng.choice(["canonical", {"name": "canonical"}, {"name": "nope", "joints": []},
                                       {"name": "coco17", "joints": ck.get("layout", {}).get("joints", [])}
                                       if isinstance(ck.get("layout"), dict) else None, {"joints": "abc"}])
        elif op == "tensor" and isinstance(ck.get("encoder"), dict) and ck["encoder"]:
            k = rng.choice(list(ck["encoder"]))
            if rng.random() < 0.3:
                del ck["encoder"][k]
            else:
                ck["encoder"][k] = _tensor_mutation(ck["encoder"][k], rng)
        elif op == "head":
            n = rng.randint(1, 5)
            ck["classes"] = [f"c{i}" for i in range(n)] if rng.random() < 0.7 else None
            dim = rng.choice([480, 479, 96])
            ck["head"] = rng.choice([{"weight": torch.zeros(n, dim), "bias": torch.zeros(n)},
                                     {"weight": torch.zeros(n + 1, dim), "bias": torch.zeros(n)},
                                     {"weight": torch.zeros(dim, n)}, "head", {"bias": torch.zeros(n)}])
        elif op == "classes":
            ck["classes"] = rng.choice([["a", 1], "abc", {"a": 1}, [None], []])
        elif op == "version":
            ck["version"] = rng.choice([0, 2, "1", None, 1.0])
        elif op == "time_tokens" and isinstance(ck.get("config"), dict) and isinstance(ck["config"].get("model"), dict):
            ck["config"]["model"]["time_tokens"] = rng.choice([10**6, 10**4, 0, -3])
    return ck


def make_checkpoints(folder: Path, n: int, seed: int) -> list[Path]:
    base = seed_checkpoint()
    out = []
    for k in range(n):
        rng = random.Random(seed * 1_000_003 + k)
        p = folder / f"model{k:05d}.pt"
        try:
            torch.save(mutate_checkpoint(base, rng), p)
        except Exception:  # noqa: BLE001 - an unsaveable mutation: save the seed damaged instead
            torch.save(base, p)
        if rng.random() < 0.15:
            p.write_bytes(mutate_bytes(p.read_bytes(), rng))
        out.append(p)
    return out


TARGETS = [Target("recognizer checkpoint", "checkpoint", "mgstudio.recognition.encoder:load_encoder",
                  make_checkpoints, address_space_mb=16384, base_mb=200.0)]
(TARGET,) = TARGETS
FUZZ = settings(max_examples=examples(25), deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@FUZZ
@given(seed=st.integers(0, 2**32 - 1))
def test_mutated_checkpoint_loads_or_says_why(seed):
    with tempfile.TemporaryDirectory() as d:
        (p,) = make_checkpoints(Path(d), 1, seed)
        out = check_input(TARGET, p)
    assert out.kind in ("ok", "clean"), (out.kind, out.message[-600:])


@pytest.mark.parametrize("change, words", [
    (lambda ck: ck.pop("config"), "no model configuration"),
    (lambda ck: ck.update(layout="canonical"), "joint layout"),
    (lambda ck: ck["config"]["model"].update(time_tokens=10**6), "time_tokens"),
    (lambda ck: ck.update(classes=["a", "b"], head={"weight": torch.zeros(3, 480), "bias": torch.zeros(3)}),
     "classifier weight"),
    (lambda ck: ck["encoder"].update({"spatial.blocks.0.gcn.weight": torch.zeros(1)}), "has shape"),
])
def test_the_reported_structural_mutations_are_refused_in_one_sentence(tmp_path, change, words):
    ck = copy.deepcopy(seed_checkpoint())
    change(ck)
    p = tmp_path / "broken_model.pt"
    torch.save(ck, p)
    with pytest.raises(MGStudioError) as info:
        load_encoder(p)
    msg = str(info.value)
    assert words in msg and "broken_model.pt" in msg and len(msg) <= 300 and "\n" not in msg


def test_the_seed_checkpoint_still_loads(tmp_path):
    p = tmp_path / "m.pt"
    torch.save(seed_checkpoint(), p)
    assert load_encoder(p).dim == 480


def test_mutated_checkpoints_in_a_worker_process():
    with tempfile.TemporaryDirectory() as d:
        summary = run_paths(TARGET, make_checkpoints(Path(d), examples(12), seed=5))
    bad = summary.failures()
    assert not bad, [(o.path.name, o.kind, o.message[-300:]) for o in bad[:3]]


def test_replay_fixtures():
    for path in fixtures_of(TARGET):
        with tempfile.TemporaryDirectory() as d:
            copy_ = Path(d) / path.name
            shutil.copyfile(path, copy_)
            out = check_input(TARGET, copy_)
        assert out.kind in ("ok", "clean"), (path.name, out.kind, out.message[-400:])
