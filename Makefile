# Two commands matter: `make run` and `make test`. Everything they need is
# installed from here, so a fresh machine and CI behave the same.

SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
FLASK := .venv/bin/flask
STAMPS := .make-stamps
PG_URL ?= postgresql://127.0.0.1:5432/test
export FLASK_APP := eqia

.PHONY: run test lock install install-test system-deps browser pdf-tools postgres migrate demo serve bench clean

run: install migrate demo serve

install: $(STAMPS)/python $(STAMPS)/assets system-deps

install-test: install $(STAMPS)/python-test browser pdf-tools

$(STAMPS):
	mkdir -p $(STAMPS)

# Every Python package, direct and transitive, comes from the lock files in
# requirements/ at an exact version and hash; `make lock` refreshes them.
.venv/bin/python:
	python3 -m venv .venv
	$(PIP) install --quiet --require-hashes -r requirements/build.txt

$(STAMPS)/python: requirements/build.txt requirements/service.txt setup.cfg pyproject.toml .venv/bin/python | $(STAMPS)
	$(PIP) install --quiet --require-hashes -r requirements/build.txt
	$(PIP) install --quiet --require-hashes -r requirements/service.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(STAMPS)/python-test: requirements/test.txt $(STAMPS)/python | $(STAMPS)
	$(PIP) install --quiet --require-hashes -r requirements/test.txt
	touch $@

# Re-resolve the lock files from the ranges in setup.cfg (needs the package
# registry). The test lock is constrained by the service lock, so the two agree.
UV_VERSION := 0.13.9
lock: .venv/bin/python
	$(PIP) install --quiet uv==$(UV_VERSION)
	.venv/bin/uv pip compile --quiet --upgrade --generate-hashes --python-version 3.11 \
	  requirements/build.in -o requirements/build.txt
	.venv/bin/uv pip compile --quiet --upgrade --generate-hashes --python-version 3.11 \
	  setup.cfg -o requirements/service.txt
	.venv/bin/uv pip compile --quiet --upgrade --generate-hashes --python-version 3.11 \
	  setup.cfg --extra test -c requirements/service.txt -o requirements/test.txt

# GOV.UK Frontend (and axe-core for the accessibility tests) from the npm
# registry, at the exact versions in package-lock.json.
$(STAMPS)/assets: package.json package-lock.json | $(STAMPS)
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# WeasyPrint needs Pango from the operating system.
system-deps:
	@if ! ldconfig -p | grep -q 'libpango-1.0.so.0' || ! ldconfig -p | grep -q 'libpangoft2-1.0.so.0'; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0; \
	  else \
	    echo "WeasyPrint needs Pango. Install it, then run make again:"; \
	    echo "    sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0"; \
	    exit 1; \
	  fi; \
	fi

# The browser tests drive Debian's Chromium (never a downloaded browser build).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "The browser tests need Debian's Chromium at /usr/bin/chromium:"; \
	    echo "    sudo apt-get install chromium"; \
	    exit 1; \
	  fi; \
	fi

# The PDF tests read text back and render pages to PNG with Poppler.
pdf-tools:
	@if ! command -v pdftotext >/dev/null || ! command -v pdftoppm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils; \
	  else \
	    echo "The PDF tests need Poppler's pdftotext and pdftoppm:"; \
	    echo "    sudo apt-get install poppler-utils"; \
	    exit 1; \
	  fi; \
	fi

postgres:
	@if ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  echo "Starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi
	@pg_isready -h 127.0.0.1 -p 5432

migrate: install
	EQIA_ENV=development $(FLASK) db upgrade

demo: migrate
	EQIA_ENV=development $(FLASK) eqia load-demo

# The web server and, beside it, a worker for the task queue (eqia/tasks: by default
# instance/queue.sqlite), which also runs the sweep every ten minutes (review dates
# that have come; notifications to try again). Ctrl-C reaches both: the worker finishes the tasks under way,
# then stops; the trap stops it too when the web server exits on its own. A job started
# with & ignores SIGINT, so a Ctrl-C before the worker has set its own handler would be
# lost (and the trap's `wait` would never end): env gives it the default handling back.
serve:
	EQIA_ENV=development env --default-signal=INT $(FLASK) eqia worker & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; wait $$worker' EXIT; \
	EQIA_ENV=development $(FLASK) run --host 127.0.0.1 --port 5000

# The whole suite on SQLite, then on PostgreSQL, each spread over the cores
# (pytest-xdist). The second pass leaves out the tests that do not depend on the
# database (tests/conftest.py says which): they ran in the first. A run that
# collects no tests (pytest's exit 5) is a failure too: nothing was checked.
# Three workers on the project's two cores: a third of the time a test waits (on Chromium, a PDF
# worker, PostgreSQL, a mail server), and the SQLite pass ran 7% faster a test with three than two.
TEST_WORKERS ?= 3
test: install-test postgres
	@status=0; second=0; \
	for db in sqlite postgres; do \
	  echo "== test suite on $$db"; \
	  EQIA_TEST_DB=$$db EQIA_TEST_PG_URL=$(PG_URL) EQIA_TEST_SECOND_PASS=$$second \
	    $(PY) -m pytest -p no:cacheprovider -n $(TEST_WORKERS) $(PYTEST_ARGS); rc=$$?; second=1; \
	  if [ $$rc -eq 5 ]; then echo "No tests were collected on $$db"; rc=1; fi; \
	  if [ $$rc -ne 0 ]; then status=1; fi; \
	done; \
	exit $$status

clean:
	rm -rf $(STAMPS) .venv node_modules instance

# Benchmarks: each compares our path with a baseline measured beside it in the
# same run, and writes docs/performance.md. Never part of the test suite.
bench: install-test
	$(PY) bench/queue_derivation.py
	$(PY) bench/pdf_render.py
	$(PY) bench/dashboards.py
