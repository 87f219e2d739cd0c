"""``report --batch`` over a study that is only a coding file (label-only recordings): the
statistics-only evaluation, and a model run that is cancelled and then resumed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mgstudio.cli import main
from mgstudio.core.project import Project
from mgstudio.reasoning.batch import NOT_ASKED, evaluate_cases, project_cases
from tests.workflows.test_coding import write_imigue

ROOT = Path(__file__).resolve().parents[2]


def study_file(path: Path, n: int = 40, seed: int = 3) -> Path:
    """``n`` 3-minute recordings of n/4 subjects; losers fold their arms (class 17) 4x as often."""
    rnd = random.Random(seed)
    videos = {}
    for k in range(n):
        outcome = "lose" if k % 2 else "win"
        rows = []
        for cls, rate in ((17, 4.0 if outcome == "lose" else 1.0), (1, rnd.uniform(0.5, 2.0)), (5, 1.0)):
            for _ in range(max(1, round(rate * 3 + rnd.uniform(-1, 1)))):
                s = rnd.randrange(0, 25 * 175)
                rows.append((s, s + rnd.randint(20, 80), cls))
        rows.append((25 * 179, 25 * 180 - 1, 5))  # every recording runs to 3:00
        videos[f"{k:04d}"] = (f"P{k // 4:02d}", outcome, sorted(rows))
    return write_imigue(path, videos)


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("study")
    proj = root / "study.mgproj"
    Project.create(proj, taxonomy="imigue", annotator="ana").close()
    assert main(["import", str(proj), str(study_file(root / "labels.csv"))]) == 0
    return proj


def test_statistics_only_batch_over_label_only_recordings(study, tmp_path, capsys):
    code = main(["report", str(study), "--batch", "--no-model", "--scenario", "won_lost", "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "40 items with a known outcome" in out and "model: not asked" in out
    assert "cross-validation by subject (10 subjects)" in out
    assert "confusion, statistics only" in out
    d = json.loads((tmp_path / "batch.json").read_text())
    assert d["n"] == 40 and d["n_asked"] == 0
    assert d["balanced_accuracy_statistics_only"] >= 0.75  # a real rate difference is found
    assert sum(sum(row.values()) for row in d["confusion"]["statistics only"].values()) == 40


def test_a_cancelled_model_batch_keeps_what_it_finished_and_resumes(study, embedded, tmp_path):
    with Project.open(study, read_only=True) as p:
        cases, _ = project_cases(p, "outcome", "won_lost")
    results = tmp_path / "items"
    cancel = threading.Event()

    def stop_after_first(done: int, total: int) -> None:
        if list(results.glob("*.json")):
            cancel.set()

    gen = {"max_tokens": 40, "seed": 0, "temperature": 0.2}
    with pytest.raises(Exception, match="cancelled"):
        evaluate_cases(cases, embedded, "won_lost", progress=stop_after_first, cancel=cancel,
                       results_dir=results, sample=2, **gen)
    saved = sorted(results.glob("*.json"))
    assert len(saved) == 1
    stamp = saved[0].stat().st_mtime_ns

    result = evaluate_cases(cases, embedded, "won_lost", results_dir=results, sample=2, **gen)
    assert result.resumed == 1 and len(result.asked) == 2
    assert saved[0].stat().st_mtime_ns == stamp  # the finished item was not asked again
    assert len(list(results.glob("*.json"))) == 2
    assert all(r.status_with == NOT_ASKED for r in result.rows if not r.asked)
    assert sorted({r.truth for r in result.asked}) == ["lost", "won"]  # stratified by outcome
    summary = result.summary()
    assert "asked about 2 of the 40 items" in summary and "on the same 2 items as the model" in summary

    # Other settings: nothing is taken from the earlier run.
    from mgstudio.reasoning.batch import _load_row, get_scenario, run_key
    ev_hash = json.loads(saved[0].read_text())["evidence"]
    other = run_key(embedded, get_scenario("won_lost"), None, {**gen, "max_tokens": 61})
    assert _load_row(saved[0], run_key(embedded, get_scenario("won_lost"), None, gen), ev_hash) is not None
    assert _load_row(saved[0], other, ev_hash) is None


def test_stratified_sample_is_exact_and_keeps_every_class():
    from mgstudio.reasoning.batch import BatchCase, stratified_sample

    cases = [BatchCase(str(k), None, "won" if k % 3 else "lost") for k in range(30)]  # type: ignore[arg-type]
    for n in (1, 2, 3, 7, 29):
        got = stratified_sample(cases, n)
        assert len(got) == n
        if n >= 2:
            assert {cases[i].truth for i in got} == {"won", "lost"}


def test_ctrl_c_stops_the_command_with_one_sentence_and_the_rerun_continues(study, smol_path, tmp_path):
    out = tmp_path / "eval"
    cmd = [sys.executable, "-m", "mgstudio", "report", str(study), "--batch", "--scenario", "won_lost",
           "--sample", "2", "--max-tokens", "40", "--out", str(out)]
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 400

    def finished() -> int:
        return len(list((out / "items").glob("*.json"))) if (out / "items").is_dir() else 0

    while finished() == 0:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no item finished in time"
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    kept = finished()
    if proc.returncode == 0:
        pytest.skip("the run finished before Ctrl+C arrived")
    assert proc.returncode == 2 and "Traceback" not in err
    assert f"Stopped; {kept} finished item result(s) are kept" in err and "run the same command again" in err
    assert not (out / "batch.json").exists()

    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert f"{kept} item(s) taken from the earlier run" in done.stderr
    assert "asked about 2 of the 40 items" in done.stdout
    assert json.loads((out / "batch.json").read_text())["n_asked"] == 2
