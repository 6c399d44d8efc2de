# Two commands: `make run` and `make test`. Everything else is optional.
PY      := .venv/bin/python
PIP     := .venv/bin/pip
STAMP   := .venv/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: run install migrate seed test test-fast test-browser bench attack messages clean node

# The tests' node tools (pdf.js, axe-core, html-validate), pinned in package-lock.json.
NODE_STAMP := node_modules/.package-lock.json

$(STAMP): requirements.txt
	python3 -m venv .venv
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund

node: $(NODE_STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

# Loads the FY 2565 plan and the demo accounts, then records the demo year (steps, rounds,
# reviews, 5G KPI values: see README "Demo data"); safe to run again. DEMO=0 leaves the
# year without progress: make run DEMO=0
DEMO    ?= 1
seed: migrate
	$(PY) manage.py load_plan
	$(PY) manage.py create_demo_accounts
ifneq ($(DEMO),0)
	$(PY) manage.py record_demo_year
endif

run: seed
	$(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite. The browser tests need Debian's chromium, the PDF engine tests
# mupdf-tools, poppler-utils and Node.js (pdf.js), the Excel date test libreoffice-calc,
# the page checks node (axe-core, html-validate); .ci/run installs them all, and each
# test fails, never skips, without them.
test: install node
	$(PY) -m pytest -q

test-browser: install node
	$(PY) -m pytest -q -m browser

# Everything but the browser tests, on every core (pytest-xdist): about 100 s on 2 cores.
test-fast: install node
	$(PY) -m pytest -q -m "not browser" -n auto

# In-process timings, then gunicorn (2 workers) on PostgreSQL (127.0.0.1:5432, database
# kpi_bench, recreated and dropped) under 50 simulated users; figures in bench/RESULTS.md.
# From Debian's packages when missing: wrk (the load generator) and HarfBuzz's subsetter, which
# WeasyPrint uses for the PDFs' fonts when it is there (else the much slower fontTools).
bench: install
	@command -v wrk >/dev/null 2>&1 && ldconfig -p | grep -q libharfbuzz-subset \
	  || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk libharfbuzz-subset0 >/dev/null; }
	$(PY) bench/run.py --save var/bench-inprocess.txt
	$(PY) bench/load.py --inprocess var/bench-inprocess.txt

# The attack run of issue 13, kept: gunicorn (2 workers) in production mode behind a
# simulated proxy, on PostgreSQL (127.0.0.1:5432, database kpi_attack, recreated and
# dropped); lockout, CSRF, headers, uploads, the 400 page, KPI dates, backup tampering,
# concurrent PDFs. Non-zero exit on any failed case; about 2 minutes.
attack: install
	$(PY) attack/run.py

# After changing interface text: refresh the English catalogue, translate the
# new entries in locale/en/LC_MESSAGES/django.po, then compile (needs gettext).
messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=node_modules --ignore="var/*" --ignore="fixtures/*" --ignore="bench/*" --no-location --no-obsolete --no-wrap
	$(PY) manage.py compilemessages -l en --ignore=.venv

clean:
	rm -rf var/ .venv/
