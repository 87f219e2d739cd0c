"""Emotion report: time to report and tokens/s with the offline model (SmolLM2-135M, llama.cpp).

Run: ``.venv/bin/python -m benchmarks.bench_report``. Prints, for a 12-gesture, 5-minute
timeline (won/lost scenario, schema-constrained JSON, temperature 0):

- **baseline**: one bare ``llama_cpp.Llama.create_chat_completion`` on the same messages, no
  grammar, no streaming, same max_tokens (what a script calling llama.cpp directly would pay);
- the full report (evidence, prompt, constrained streaming generation, validation, HTML +
  Markdown + JSON written), cold (prompt not cached) and warm (same prompt again: llama.cpp
  reuses the cached prefix);
- generation tokens/s and time to first token, and the ratio report / baseline;
- the same report through a local ``llama_cpp.server`` over HTTP with streaming.
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import httpx

from mgstudio.core.segments import Segment
from mgstudio.reasoning import build_evidence, generate_report, write_report
from mgstudio.reasoning.backends import LlamaCppBackend, OpenAIBackend, default_model_path
from mgstudio.reasoning.prompts import SCENARIOS, build_messages

THREADS = int(os.environ.get("BENCH_THREADS", "1"))
MAX_TOKENS = 200
N_GESTURES = 12
REPEATS = 2


def _timeline() -> list[Segment]:
    rnd = random.Random(5)
    labels = ["touching face", "arms crossed", "scratching head", "folding hands", "head down", "shaking legs"]
    segs, t = [], 0
    for i in range(N_GESTURES):
        t += rnd.randint(100, 500)
        segs.append(Segment(1, 1, t, t + rnd.randint(15, 80), rnd.choice(labels), id=i + 1))
    return segs


def main() -> None:
    ev = build_evidence(_timeline(), fps=25, duration_s=300, context="post-match press conference")
    messages = build_messages(ev, SCENARIOS["won_lost"])
    model = default_model_path()
    print(f"model {model.name}, {THREADS} threads, max_tokens {MAX_TOKENS}, {len(ev.segments)} gestures")

    from llama_cpp import Llama

    bare = Llama(model_path=str(model), n_ctx=4096, n_threads=THREADS, verbose=False)
    base = []
    for _ in range(REPEATS):
        bare.reset()
        t0 = time.perf_counter()
        out = bare.create_chat_completion(messages=messages, max_tokens=MAX_TOKENS, temperature=0.0, seed=0)
        base.append((time.perf_counter() - t0, out["usage"]["completion_tokens"], out["usage"]["prompt_tokens"]))
    b_t = statistics.median(x[0] for x in base)
    print(f"baseline bare llama.cpp call (cold prompt): {b_t:.2f} s, {base[0][1]} tokens, "
          f"{base[0][2]} prompt tokens, {base[0][1] / b_t:.1f} tokens/s overall")
    del bare

    backend = LlamaCppBackend(model, n_ctx=4096, n_threads=THREADS)
    out_dir = tempfile.mkdtemp(prefix="bench_report_")
    cold, warm = [], []
    for _ in range(REPEATS):
        backend.llama().reset()  # forget the cached prompt: a cold report
        t0 = time.perf_counter()
        r = generate_report(ev, backend, "won_lost", temperature=0.0, max_tokens=MAX_TOKENS)
        write_report(r, out_dir)
        cold.append((time.perf_counter() - t0, r))
        t0 = time.perf_counter()
        r2 = generate_report(ev, backend, "won_lost", temperature=0.0, max_tokens=MAX_TOKENS)
        write_report(r2, out_dir)
        warm.append((time.perf_counter() - t0, r2))
    c_t = statistics.median(x[0] for x in cold)
    w_t = statistics.median(x[0] for x in warm)
    r = sorted(cold, key=lambda x: x[0])[len(cold) // 2][1]  # the median run's details
    a = r.attempts[-1]
    gen_s = a.elapsed_s - (a.first_token_s or 0)
    print(f"report, cold prompt: {c_t:.2f} s (status {r.status}, {len(r.attempts)} request(s)); "
          f"ratio report/baseline {c_t / b_t:.2f}")
    print(f"  time to first token {a.first_token_s:.2f} s; generation {a.completion_tokens} tokens in "
          f"{gen_s:.2f} s = {a.completion_tokens / max(gen_s, 1e-9):.1f} tokens/s")
    w_a = warm[0][1].attempts[-1]
    print(f"report, warm prompt (cached prefix): {w_t:.2f} s; time to first token {w_a.first_token_s:.2f} s")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "4096", "--n_threads", str(THREADS)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("llama_cpp.server did not start")
            time.sleep(0.3)
        http = OpenAIBackend(url)
        times = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            rh = generate_report(ev, http, "won_lost", temperature=0.0, max_tokens=MAX_TOKENS)
            times.append(time.perf_counter() - t0)
        ha = rh.attempts[-1]
        print(f"report over HTTP (streaming, first cold then cached): median {statistics.median(times):.2f} s "
              f"(runs {', '.join(f'{t:.2f}' for t in times)}); status {rh.status}; "
              f"time to first token {ha.first_token_s:.2f} s")
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
