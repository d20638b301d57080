# Two commands do everything: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test install install-test static migrate demo serve lint format check clean chromium

$(VENV)/.installed: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed tests/requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
	@touch $@

node_modules/.package-lock.json: package-lock.json
	CHROMEDRIVER_SKIP_DOWNLOAD=true PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

static: node_modules/.package-lock.json
	npm run --silent build

migrate: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py setup_site

demo: migrate
	$(BIN)/python manage.py load_demo_content

serve:
	@echo "Serving on http://127.0.0.1:$(PORT)/ (admin: http://127.0.0.1:$(PORT)/admin/)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## make run: install, build assets, migrate, load demo content, serve on $PORT (default 8000)
run: install static demo serve

# The browser tests drive the system Chromium (Playwright's own download does not work here).
# Installed with apt when missing and we are root; otherwise those tests skip and say why.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is not installed: the browser tests will be skipped"; fi; }

## make test: install test tools and run the whole suite, plus lint and Django's checks
test: install-test static chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_ENV=test $(BIN)/python manage.py check --fail-level WARNING
	DJANGO_ENV=test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules cop_site/static/dist static_collected
