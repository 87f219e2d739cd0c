"""What a user reads when the embedded language runtime is missing or still being built."""

from __future__ import annotations

import subprocess
import sys
import time

from mgstudio.reasoning.runtime_status import marker_path, missing_runtime_message


def test_a_build_in_progress_says_so_with_its_age(tmp_path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        marker_path(tmp_path).write_text(f"{child.pid} {time.time() - 7 * 60}")
        msg = missing_runtime_message(tmp_path)
    finally:
        child.kill()
        child.wait()
    assert "still being installed" in msg and "7 min ago" in msg and "evidence report is complete" in msg
    assert len(msg) <= 300


def test_a_build_that_died_points_at_its_log(tmp_path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    marker_path(tmp_path).write_text(f"{child.pid} {time.time()}")
    (tmp_path / "llm-install.log").write_text("error: command 'cmake' failed\n")
    msg = missing_runtime_message(tmp_path)
    assert "could not be installed" in msg and "llm-install.log" in msg and "still" not in msg


def test_no_build_at_all_says_how_to_install(tmp_path) -> None:
    msg = missing_runtime_message(tmp_path)
    assert "not installed" in msg and 'pip install -e ".[llm]"' in msg and len(msg) <= 300


def test_a_garbled_marker_is_not_a_traceback(tmp_path) -> None:
    marker_path(tmp_path).write_text("\x00\x01 not a pid")
    assert "not installed" in missing_runtime_message(tmp_path)
