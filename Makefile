# Two commands set up a machine from nothing: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
PG_HOST ?= 127.0.0.1
PG_PORT ?= 5432

# Django 6 needs Python 3.12+: take the first interpreter that really runs.
PYTHON ?= $(shell for c in python3.12 python3.13 python3.14 \
	  $$(ls -d $$HOME/.pyenv/versions/3.1[234]*/bin/python3 2>/dev/null) python3; do \
	  if $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo $$c; break; fi; done)

# PostgreSQL everywhere (the job queue, COPY and row locks need it). Without DATABASE_URL: the
# local server, started first if it is installed but down (as root, Debian's pg_ctlcluster).
PG_UP := $(shell pg_isready -q -h $(PG_HOST) -p $(PG_PORT) >/dev/null 2>&1 && echo yes || \
	{ [ "$$(id -u)" = 0 ] && command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1 && \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | tail -1) main start >/dev/null 2>&1 && \
	  for i in $$(seq 1 20); do pg_isready -q -h $(PG_HOST) -p $(PG_PORT) && echo yes && break; sleep 1; done; })
ifeq ($(origin DATABASE_URL), undefined)
  ifeq ($(PG_UP),yes)
    export DATABASE_URL := postgres://postgres@$(PG_HOST):$(PG_PORT)/mutualaid
  endif
endif

SYSTEM_PACKAGES := fonts-noto-cjk libharfbuzz-subset0 gettext chromium poppler-utils libpq5 postgresql-client

.PHONY: help run test test-fast lint check venv system-deps db messages clean

help:
	@echo "make run   - install everything, load the demo, serve http://127.0.0.1:$(PORT)"
	@echo "make test  - install test dependencies and run the whole suite on PostgreSQL"
	@echo "make test-fast - the edit loop: lint and the suite without the slow and browser tests"

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@if [ -z "$(PYTHON)" ]; then \
	  echo "需要 Python 3.12 或更高版本 / Python >= 3.12 is required: apt-get install python3.12 (or pyenv install 3.12)"; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(BIN)/.installed

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  elif command -v sudo >/dev/null; then sudo apt-get update -qq && sudo apt-get install -y -qq $$missing; \
	  else echo "please install:$$missing (PDF fonts)"; fi; fi

db: venv
	@$(BIN)/python scripts/ensure_db.py

messages: venv
	@$(BIN)/python manage.py compilemessages --ignore=.venv -v0

run: export DJANGO_DEBUG ?= 1
run: venv system-deps db messages
	@if [ -z "$$DATABASE_URL" ]; then echo "make run 需要 PostgreSQL：请安装并启动它（apt-get install postgresql），或设置 DATABASE_URL。"; exit 1; fi
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py seed_demo
	@echo "后台任务：启动一个 worker（随 make run 一起退出）"
	$(BIN)/python manage.py procrastinate worker & worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: export DJANGO_DEBUG ?= 0
test: export DJANGO_SECRET_KEY ?= test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz
test: export DJANGO_ALLOWED_HOSTS ?= testserver,localhost
test: export DJANGO_SECURE_SSL_REDIRECT ?= 0
test: venv system-deps db messages
	@if [ -z "$$DATABASE_URL" ]; then echo "make test needs PostgreSQL: start it or set DATABASE_URL"; exit 1; fi
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/djlint templates --lint
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	@# One worker per core; a module stays on one worker, so the crawl is made once (tests/test_crawl.py).
	$(BIN)/python -m pytest -n auto --dist loadscope $(PYTEST_ARGS)

test-fast: PYTEST_ARGS += -m "not slow and not browser"
test-fast: test

lint: venv
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .hypothesis .mypy_cache
