# The two commands of the README's quick start. Each sets itself up on a fresh machine.
#   make lab   - create .venv if absent, install the course, open it in JupyterLab
#   make test  - the same set-up, then every test: ruff, unit tests, the browser test, and
#                every notebook under nbval in quick mode, on this CPU's native code paths and
#                again on two others (as another CPU would pick them; the instructor edition,
#                solutions and autograded tests included, runs on one of them)
#   make       - (make editions) the instructor, student and nbgrader editions, in build/
#   make teach - the tools for teaching a class: nbgrader, JupyterHub, nbgitpuller, the hub's proxy
#
# TORCH=cpu (e.g. `make lab TORCH=cpu` on a fresh clone) installs PyTorch's CPU-only wheels,
# a few hundred MB instead of the multi-GB CUDA build pip picks on Linux.

PYTHON ?= python3
TORCH  ?= default
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
TEACH_STAMP := $(VENV)/.teach-stamp
# JupyterHub's proxy, from npm, into build/hub (tests/test_hub.py is skipped without it)
PROXY := build/hub/node_modules/.bin/configurable-http-proxy
NBVAL  := --nbval-lax --nbval-current-env --nbval-cell-timeout=600
# Settings that make torch's CPU libraries take other code paths here, as another CPU would
# (each changes the bits of a few training steps on the course's machine: ATen's kernels,
# MKL's matrix products, oneDNN's convolutions). A comparison that is exact only on one CPU
# fails under one of them.
OTHER_CPUS := ATEN_CPU_CAPABILITY=default \
              MKL_CBWR=COMPATIBLE,DNNL_MAX_CPU_ISA=AVX2

.PHONY: lab test install browser lint unit notebooks notebooks-other-cpus teach editions instructor

.DEFAULT_GOAL := editions

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@if [ "$(TORCH)" = cpu ]; then \
		echo "installing PyTorch's CPU-only wheels from $(TORCH_CPU_INDEX)"; \
		$(PY) -m pip install --quiet --disable-pip-version-check --index-url $(TORCH_CPU_INDEX) \
			torch torchvision; fi
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[lab,test]'
	touch $(STAMP)

# The teach extra (nbgrader, JupyterHub, nbgitpuller; docs/teaching.md) and the hub's proxy.
# npm missing or offline only skips the hub test: it says so.
teach: $(TEACH_STAMP) $(PROXY)

$(TEACH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[lab,test,teach]'
	touch $(TEACH_STAMP)

$(PROXY):
	@if command -v npm >/dev/null; then \
		npm install --prefix build/hub --no-audit --no-fund --loglevel=error configurable-http-proxy@5 \
		|| echo "npm could not install configurable-http-proxy: the JupyterHub test will be skipped"; \
	else echo "no npm: the JupyterHub test will be skipped"; fi

# The instructor edition (solutions, autograded tests, teacher notes) and the nbgrader course in
# build/, and the student edition made back from it, which must equal notebooks/.
editions: $(STAMP)
	$(PY) -m teach.editions

# The instructor edition in quick mode: every check of every lesson must pass. It runs on the
# first of OTHER_CPUS' code paths (INSTRUCTOR_CPU), so each lesson's body runs once on each of
# the three paths without a fourth full pass (test time, measured: ~4 min a pass).
INSTRUCTOR_CPU := ATEN_CPU_CAPABILITY=default
instructor: editions
	env $(INSTRUCTOR_CPU) GAN_COURSE_QUICK=1 $(PY) -m pytest $(NBVAL) -q build/instructor

# JupyterLab refuses to start as root without --allow-root (containers, cloud notebooks).
# LABARGS passes more options, e.g. make lab LABARGS="--port=8899 --no-browser".
LABARGS ?=
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root) $(LABARGS)

# Debian's Chromium for the real-browser test (Playwright cannot download browsers offline).
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "make test: installing Debian's chromium with apt-get (running as root) for the browser test"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "no /usr/bin/chromium and no root apt-get: the browser test will be skipped"; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check gan_course tests benchmarks scripts teach notebooks

unit: $(STAMP) teach browser
	$(PY) -m pytest tests -q

notebooks: $(STAMP)
	GAN_COURSE_QUICK=1 $(PY) -m pytest $(NBVAL) -q notebooks

# The student notebooks on the other code paths but the instructor edition's (make instructor).
notebooks-other-cpus: $(STAMP)
	@for setting in $(filter-out $(INSTRUCTOR_CPU),$(OTHER_CPUS)); do \
		echo "notebooks with $$setting"; \
		env $$(echo $$setting | tr , ' ') GAN_COURSE_QUICK=1 $(PY) -m pytest $(NBVAL) -q notebooks || exit 1; \
	done

test: lint unit notebooks instructor notebooks-other-cpus
