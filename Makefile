# Two commands do all set-up on a fresh machine:
#   make run   - install into .venv, migrate, load demo data, serve on 127.0.0.1:8000
#   make test  - install into .venv (plus system packages the tests need), run every test
# and one runs the production server:
#   make serve - gunicorn with PRIORAUTH_DEBUG=0, WhiteNoise static files (HOST, PORT)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
SYSTEM_PACKAGES := chromium poppler-utils fonts-dejavu-core
# What WeasyPrint needs to render fast: Pango, HarfBuzz's subsetter (without it,
# fontTools subsets the fonts: ~1.5-2x slower per packet) and the fallback fonts.
RENDERER_PACKAGES := libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core

.PHONY: run serve test venv system-deps renderer-deps migrate demo-data demo-fixture keys sample-pdfs bench lint schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# Debian packages the browser tests and PDF checks use (installed only when missing).
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Please install:$$missing (sudo apt-get install$$missing)"; exit 1; fi; \
	fi

# The PDF renderer's libraries, for `make run` and `make serve`: installed when missing
# (as root); otherwise the command is printed and the server starts anyway (the
# system check priorauth.W001 warns while HarfBuzz subsetting is unavailable).
renderer-deps:
	@missing=""; for p in $(RENDERER_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "PDF renderer: please install$$missing (sudo apt-get install$$missing); PDFs render slower without them"; fi; \
	fi

migrate: venv
	$(PY) manage.py migrate --noinput

demo-data: migrate
	$(PY) manage.py load_demo

# fixtures/demo.json from priorauth/demo (factories on a fixed seed): same bytes every run.
demo-fixture: venv
	$(PY) scripts/make_demo_fixture.py

# runserver with the background-task worker beside it (priorauth/ops/worker.py: draft
# PDFs rendered ahead after each save); Ctrl-C stops both.
run: renderer-deps demo-data
	@echo ""
	@echo "priorauth demo: http://127.0.0.1:8000/"
	@echo "  billing staff : billing / demo-billing-pass"
	@echo "  physician     : drlee / demo-physician-pass"
	@echo "  practice admin: practiceadmin / demo-admin-pass"
	@echo "  other practice: otherbilling / demo-other-pass"
	@echo ""
	$(PY) -m priorauth.ops.worker -- $(PY) manage.py runserver 127.0.0.1:8000

# Secret key from PRIORAUTH_SECRET_KEY(_FILE), else generated once into var/secret_key;
# then migrate, collectstatic, gunicorn with the task worker beside it (priorauth/ops/serve.py,
# priorauth/ops/gunicorn_conf.py, priorauth/ops/worker.py).
serve: renderer-deps venv
	$(PY) -m priorauth.ops.serve --bind $(HOST):$(PORT)

test: venv system-deps
	$(PY) -m pytest

sample-pdfs: demo-data
	$(PY) manage.py render_sample_pdfs --out artifacts/sample-pdfs

bench: venv
	$(VENV)/bin/pip install -q -e '.[test,bench]'
	$(PY) -m priorauth.bench $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check priorauth tests scripts

# The request format's JSON Schema, generated from its pydantic models.
schema: venv
	$(PY) -m priorauth.rules.request_format.schema > docs/request.schema.json

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm artifacts staticfiles
