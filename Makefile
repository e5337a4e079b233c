# The two commands of the README's quick start. Each sets itself up on a fresh machine.
#   make lab   - create .venv if absent, install the course, open it in JupyterLab
#   make test  - the same set-up, then every test: ruff, unit tests, the browser test, and
#                every notebook under nbval in quick mode

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
NBVAL  := --nbval-lax --nbval-current-env --nbval-cell-timeout=600

.PHONY: lab test install browser lint unit notebooks

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

# Debian's Chromium for the real-browser test (Playwright cannot download browsers offline).
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "no /usr/bin/chromium and no root apt-get: the browser test will be skipped"; fi

lint: $(STAMP)
	$(VENV)/bin/ruff check gan_course tests benchmarks scripts notebooks

unit: $(STAMP) browser
	$(PY) -m pytest tests -q

notebooks: $(STAMP)
	GAN_COURSE_QUICK=1 $(PY) -m pytest $(NBVAL) -q notebooks

test: lint unit notebooks
