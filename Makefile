# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint lint-env chromium poppler bench package soak clean

# Python caches compiled modules (__pycache__, ignored by git). A shell profile that sets PYTHONDONTWRITEBYTECODE
# turns that off, and then every process compiles every module it imports, every time: on a fresh clone the
# tests' many processes (workers, child stacks, linters, benchmarks) spent about a minute of `make test` on it.
unexport PYTHONDONTWRITEBYTECODE

# uv (requirements-bootstrap.txt) installs the pinned requirements; .venv keeps pip, which `chalice package` runs.
UV := $(BIN)/uv
$(STAMP): requirements.txt requirements-dev.txt requirements-bootstrap.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-bootstrap.txt
	$(UV) pip install --quiet --python $(BIN)/python -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# The template linters live in their own virtualenv: aws-sam-translator and checkov pin older pydantic and boto3.
LINT_VENV := .venv-lint
LINT_STAMP := $(LINT_VENV)/.installed
$(LINT_STAMP): requirements-lint.txt $(STAMP)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(LINT_VENV)
	$(UV) pip install --quiet --python $(LINT_VENV)/bin/python -r requirements-lint.txt
	touch $(LINT_STAMP)

lint-env: $(LINT_STAMP)

lint: install
	$(BIN)/ruff check .

# The console's browser tests drive Debian's Chromium: installed here when missing and we are root.
CHROMIUM := /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM) || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } \
		|| { echo "The browser tests need Debian's Chromium at $(CHROMIUM). Install it with" \
		"'sudo apt-get install chromium' (or run make test as root), then run make test again." >&2; exit 1; }
	@test -x $(CHROMIUM) || { echo "apt-get did not install $(CHROMIUM)" >&2; exit 1; }

# The report tests read PDFs with poppler's pdftotext (and docs' page images come from its pdftoppm).
PDFTOTEXT := /usr/bin/pdftotext
poppler:
	@test -x $(PDFTOTEXT) || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils; } \
		|| { echo "The report tests need poppler-utils ($(PDFTOTEXT)). Install it with" \
		"'sudo apt-get install poppler-utils' (or run make test as root), then run make test again." >&2; exit 1; }
	@test -x $(PDFTOTEXT) || { echo "apt-get did not install $(PDFTOTEXT)" >&2; exit 1; }

# Both tiers on every core (TEST_WORKERS): the unit tier alone and under the no-moto check, then the rest.
TEST_WORKERS ?= auto
test: install lint lint-env chromium poppler
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) -p tests.support.no_moto tests/unit
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --durations=10 tests/scenario tests/browser

# The local stack: moto's server, the resources, a demo tenant and the API (PORT, MOTO_PORT, OPERATOR_TOKEN).
run: install
	$(BIN)/python -m local.stack

# dist/: deployment.zip (with compiled bytecode: deploy/bytecode.py) and sam.json (Chalice's template merged
# with .chalice/resources.json, then each function's, queue's and table's alarms, log group, alias and backup
# derived by deploy/template.py).
package: install
	rm -rf dist
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} \
		$(BIN)/chalice package --stage prod --merge-template .chalice/resources.json dist/
	$(BIN)/python -m deploy.template dist/sam.json
	$(BIN)/python -m deploy.bytecode dist/deployment.zip dist/sam.json

# The packaged template's properties, then the SAM transform linted by cfn-lint and checkov (zero findings beyond
# .chalice/lint-allowlist.yaml); part of make test.
.PHONY: lint-template
lint-template: install lint-env
	$(BIN)/python -m pytest -q tests/scenario/test_template.py

bench: install package
	@ldconfig -p | grep -q libpangoft2 || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0; } \
		|| echo "WeasyPrint needs Pango: apt-get install libpango-1.0-0 libpangoft2-1.0-0"
	$(UV) pip install --quiet --python $(BIN)/python -r requirements-bench.txt
	$(BIN)/python bench/report.py
	$(BIN)/python bench/notifications.py
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/triggers.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/scale.py --results bench/scale-before.json --json bench/scale-after.json --chart bench/scale.png

soak: install
	$(BIN)/python -m tests.support.soak $${SOAK_EVENTS:-1000}

# API fuzzing, longer than make test's run and with new cases each time (FUZZ_EXAMPLES per operation).
.PHONY: fuzz
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(BIN)/python -m pytest -q tests/scenario/test_fuzz.py

clean:
	rm -rf $(VENV) dist .pytest_cache .ruff_cache
