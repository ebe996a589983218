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
	@# bytecode for planner itself, as pip writes it for an installed package (an editable install gets none, and
	@# with PYTHONDONTWRITEBYTECODE set every run would compile planner's modules again)
	$(PY) -m compileall -q planner
	touch $(STAMP)

setup: $(STAMP)

# Debian's chromium for the browser tests of the HTML page (issue 3), with emoji and CJK fonts so that screenshots
# show runners' names as typed. Needs root and apt; does nothing when all are there.
setup-browser:
	@pkgs="chromium fonts-noto-color-emoji fonts-wqy-zenhei"; \
	if ! command -v chromium >/dev/null 2>&1 || { command -v dpkg >/dev/null 2>&1 && ! dpkg -s $$pkgs >/dev/null 2>&1; }; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs >/dev/null) \
	  || echo "setup-browser: could not install $$pkgs; browser tests will be skipped without chromium"; \
	fi

# ical.js (Thunderbird's parser) from npm for the iCalendar tests (issue 4).
# Installs exactly what package-lock.json pins; does nothing when node_modules is already up to date with it.
setup-node:
	@if ! command -v npm >/dev/null 2>&1; then echo "setup-node: npm not found; ical.js tests will be skipped"; \
	  elif [ -d node_modules/ical.js ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then :; \
	  else npm ci --silent --no-audit --no-fund || echo "setup-node: npm ci failed; ical.js tests will be skipped"; fi

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
	$(PY) -m compileall -q planner
	$(PY) -m pytest -q tests/perf -p no:cacheprovider -s

clean:
	rm -rf out .pytest_cache build *.egg-info
