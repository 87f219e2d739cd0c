"""MediaPipe/TFLite write their log lines from native code straight to file descriptor 2; during
an extraction those stay off the terminal while MG Studio's own messages still show (issue 15)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import os, sys
from mgstudio.workflows.extract import quiet_native_logs
os.write(2, b"before: native line\\n")
with quiet_native_logs():
    os.write(2, b"W0000 00:00:1 inference_feedback_manager.cc:114] native spam\\n")  # as absl writes it
    print("MG Studio: extracting 1 video", file=sys.stderr)
os.write(2, b"after: native line\\n")
"""


def test_native_log_lines_are_silenced_and_our_own_messages_still_show() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    res = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "native spam" not in res.stderr
    assert "MG Studio: extracting 1 video" in res.stderr
    # stderr is whole again afterwards: a later error would not be lost
    assert "before: native line" in res.stderr and "after: native line" in res.stderr
