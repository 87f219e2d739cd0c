"""``mgstudio train`` / ``mgstudio eval`` from the command line, as a user runs them."""

from __future__ import annotations

import json

from mgstudio.cli import main
from mgstudio.recognition.checkpoint import load_checkpoint


def test_train_pretrain_linear_eval_from_the_command_line(msr_small, tmp_path, capsys):
    pre, lin = tmp_path / "pre.pt", tmp_path / "lin.pt"
    assert main(["train", "pretrain", str(msr_small), "--config", "tiny", "--out", str(pre), "--seed", "3",
                 "--no-progress", "--set", "contrast.temperature=0.1"]) == 0
    ck = load_checkpoint(pre)
    assert ck["config"]["train"]["seed"] == 3 and ck["config"]["contrast"]["temperature"] == 0.1
    assert main(["train", "linear", str(msr_small), "--config", "tiny", "--encoder", str(pre),
                 "--out", str(lin), "--no-progress"]) == 0
    png, js = tmp_path / "cm.png", tmp_path / "scores.json"
    assert main(["eval", str(msr_small), "--model", str(lin), "--confusion", str(png), "--json", str(js)]) == 0
    out = capsys.readouterr().out
    assert "top-1:" in out and "top-5:" in out and "per-class accuracy" in out and "high arm wave" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    scores = json.loads(js.read_text())
    assert scores["n"] == 10 and 0 <= scores["top1"] <= scores["top5"] <= 1


def test_cli_errors_are_one_sentence_and_exit_2(msr_small, tmp_path, capsys):
    pre = tmp_path / "pre.pt"
    assert main(["train", "pretrain", str(tmp_path / "nothing"), "--out", str(pre), "--no-progress"]) == 2
    assert main(["train", "pretrain", str(msr_small), "--config", "no_such_config", "--out", str(pre)]) == 2
    assert main(["train", "pretrain", str(msr_small), "--config", "tiny", "--out", str(pre), "--no-progress"]) == 0
    assert main(["eval", str(msr_small), "--model", str(pre)]) == 2  # an encoder without a classifier
    assert main(["train", "linear", str(msr_small), "--encoder", str(tmp_path / "none.pt"), "--out",
                 str(tmp_path / "l.pt")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "not found" in err and "no classifier" in err and "configuration not found" in err
