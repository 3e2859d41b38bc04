# Электронный дневник — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app run
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages the project needs: Chromium for the browser tests, wrk for the benchmark,
# redis-server for the shared session / rate-limit tests, nginx and pgbouncer for `make cluster`.
APT_PACKAGES := chromium wrk redis-server nginx pgbouncer
SCALE ?= 1

.PHONY: install system-deps translations run test test-fast bench cluster init demo clean lock audit
PIP_COMPILE := $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links

# Every installed package is pinned with its hashes: requirements*.txt are lock files compiled by
# `make lock` from requirements*.in (pip-tools); pip refuses anything unpinned or altered.
$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes -r requirements-dev.txt
	touch $@

# Re-pin after changing requirements.in / requirements-dev.in.
lock: $(BIN)/.installed
	$(PIP_COMPILE) -o requirements.txt requirements.in
	$(PIP_COMPILE) -o requirements-dev.txt requirements-dev.in

# Known vulnerabilities in the pinned packages; fails (non-zero, says so) when the advisory database
# cannot be reached.
audit: $(BIN)/.installed
	sh scripts/audit.sh

# npm packages the browser tests load into pages (axe-core); package-lock.json pins them.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

install: $(BIN)/.installed translations node_modules/.installed

system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v wrk >/dev/null 2>&1 || ! command -v redis-server >/dev/null 2>&1 \
		|| ! test -x /usr/sbin/nginx || ! test -x /usr/sbin/pgbouncer; then \
		echo "Installing Debian packages: $(APT_PACKAGES)"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

translations: $(BIN)/.installed
	$(BIN)/pybabel compile --statistics -d app/translations

# make run's own development SECRET_KEY: made once in instance/dev-secret-key (scripts/devserver.py);
# an exported SECRET_KEY wins. Anywhere else the app refuses to start without a key.
DEV_KEY = SECRET_KEY="$${SECRET_KEY:-$$($(BIN)/python scripts/devserver.py --secret-key)}"

init: install
	$(DEV_KEY) $(FLASK) init

demo: init
	$(DEV_KEY) $(FLASK) demo

run: demo
	$(DEV_KEY) $(BIN)/python scripts/devserver.py

test: install system-deps
	$(BIN)/python -m pytest

# The quick part of `make test`, for the edit-test loop: no browser, nothing marked slow
# (markers: pytest.ini); PostgreSQL stays in.
test-fast: install system-deps
	$(BIN)/python -m pytest -m "not browser and not slow"

# Benchmarks print figures (ratios against a baseline measured in the same run); not part of make test.
# SCALE=1 is the whole city (make bench SCALE=0.05 for a quick look).
bench: install system-deps
	-$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/city_bench.py --scale $(SCALE)

# The service on real engines, on 127.0.0.1: nginx in front of two gunicorn instances, pgbouncer,
# a PostgreSQL primary and its streaming replica, redis-server, an outbox worker per instance
# (scripts/cluster.py; README «Кластер на одной машине»). Ctrl+C stops everything.
cluster: install system-deps
	$(BIN)/python scripts/cluster.py

clean:
	rm -rf $(VENV) instance .pytest_cache
