# Two commands do everything: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT

.PHONY: run test install install-test static migrate demo serve lint format check clean chromium \
	test-sqlite test-postgres services serve-production messages messages-update

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

# Cymraeg: the interface's Welsh (locale/cy/LC_MESSAGES/django.po) compiled for Django to read;
# the .mo files are build output (gitignored). msgfmt is Debian's gettext, installed with apt when
# missing and we are root, as Chromium is below.
messages: install
	@command -v msgfmt >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing gettext (msgfmt) to compile the translations"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; \
	  else echo "Install gettext (msgfmt) to compile the translations"; exit 1; fi; }
	@if find locale -name '*.po' 2>/dev/null | grep -q .; then \
	  $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules \
	    --ignore=static_collected --ignore=var; \
	else echo "No translations in locale/ yet: nothing to compile"; fi

# After changing interface strings: gather them into the Welsh catalogue (new ones arrive empty,
# changed ones fuzzy) for translating; tests/cop_site/test_i18n.py fails until none is left.
MAKEMESSAGES_IGNORE = --ignore=.venv --ignore=node_modules --ignore=static_collected --ignore=var \
	--ignore=tests --ignore=bench --ignore=test-artifacts
messages-update: install
	$(BIN)/python manage.py makemessages -l cy --no-obsolete $(MAKEMESSAGES_IGNORE)
	msgfmt --statistics -o /dev/null locale/cy/LC_MESSAGES/django.po

## make run: install, build assets, compile translations, migrate, load demo content, serve on $PORT
run: install static messages demo serve

# The browser tests drive the system Chromium (Playwright's own download does not work here).
# Installed with apt when missing and we are root; otherwise those tests skip and say why.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is not installed: the browser tests will be skipped"; fi; }

# A throwaway production environment for `check --deploy` (the key is never used for anything).
DEPLOY_CHECK_ENV = DJANGO_ENV=production DJANGO_ALLOWED_HOSTS=exchange.example \
	DJANGO_SECRET_KEY=deploy-check-$$(date +%s%N)-not-a-real-key-0123456789abcdefghijklmnop \
	DJANGO_VAR_DIR=var/deploy-check

# The suite twice: on the embedded engines (SQLite, local-memory cache; DATABASE_URL and REDIS_URL
# ignored even if set), then on PostgreSQL and Redis, which scripts/services.sh installs (as root,
# from Debian's packages) and starts. Two processes each (pytest-xdist), for 2-core machines.
PYTEST_SQLITE = env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m pytest -n 2
PYTEST_POSTGRES = eval "$$(scripts/services.sh --env)" && $(BIN)/python -m pytest -n 2

## make test: install test tools; lint; Django's checks (and the production --deploy check);
## the whole suite on SQLite, then again on PostgreSQL with Redis
test: install-test static chromium messages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r cop_site learning projects communities search
	DJANGO_ENV=test $(BIN)/python manage.py check --fail-level WARNING
	DJANGO_ENV=test $(BIN)/python manage.py makemigrations --check --dry-run
	$(DEPLOY_CHECK_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING
	@echo "== Test suite on SQLite =="
	$(PYTEST_SQLITE)
	@echo "== Test suite on PostgreSQL and Redis =="
	$(PYTEST_POSTGRES)

## make test-sqlite / make test-postgres: one of the two runs
test-sqlite: install-test static chromium messages
	$(PYTEST_SQLITE)

test-postgres: install-test static chromium messages
	$(PYTEST_POSTGRES)

## make services: install (as root, from Debian) and start PostgreSQL and Redis; prints their URLs
services:
	scripts/services.sh

## make serve-production: the production set-up on $PORT: collected static files (hashed names),
## gunicorn, JSON logs. Needs DJANGO_SECRET_KEY; without TLS in front, add
## DJANGO_SECURE_SSL_REDIRECT=0 (and expect no sign-in: cookies are HTTPS-only). See README.
serve-production: install static messages
	@test -n "$$DJANGO_SECRET_KEY" || { echo "Set DJANGO_SECRET_KEY (see README, Production)"; exit 1; }
	DJANGO_ENV=production $(BIN)/python manage.py migrate --no-input
	DJANGO_ENV=production $(BIN)/python manage.py collectstatic --no-input
	DJANGO_ENV=production $(BIN)/gunicorn cop_site.wsgi --workers 2 \
	  --bind 127.0.0.1:$(PORT) --timeout 30 --graceful-timeout 30 --error-logfile -

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit -q -c pyproject.toml -r cop_site learning projects communities search

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules cop_site/static/dist static_collected
	@scripts/services.sh --stop
