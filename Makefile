# planner: `make demo` sets everything up and plans the example profiles into out/; `make test` runs the tests.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: setup setup-browser setup-node demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dask]'
	touch $(STAMP)

setup: $(STAMP)

# Debian's chromium for the browser tests of the HTML page (issue 3). Needs root and apt; skipped where chromium exists.
setup-browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "setup-browser: could not install chromium; browser tests will be skipped"; }

# ical.js (Thunderbird's parser) from npm for the iCalendar tests (issue 4).
setup-node:
	@if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund 2>/dev/null || npm install --silent --no-audit --no-fund; \
	  else echo "setup-node: npm not found; ical.js tests will be skipped"; fi

demo: $(STAMP)
	@for f in profiles/*.yaml profiles/*.yml profiles/*.toml profiles/*.json; do \
	  [ -e "$$f" ] || continue; \
	  name=$$(basename "$${f%.*}"); \
	  $(VENV)/bin/planner generate "$$f" -o "out/$$name" --generated-at 2026-11-25T10:00:00Z || exit $$?; \
	done
	@echo "Plans written under out/: open out/<profile>/plan.html"

test: $(STAMP) setup-browser setup-node
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m pytest -q tests/perf -p no:cacheprovider -s

clean:
	rm -rf out .pytest_cache build *.egg-info
