# graphops.msgraph: `make test` and `make demo` work on a fresh clone with python3 and make.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# ansible-core 2.20+ needs Python 3.12: use it when present (pyenv here has it), else python3 with ansible-core 2.19.
# A pyenv shim may exist and still refuse to run, so each candidate must answer before it is chosen.
PYTHON ?= $(shell for p in $$(ls -1d $$HOME/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null) $$(command -v python3.12 2>/dev/null); do \
	"$$p" -c 'import venv' >/dev/null 2>&1 && { echo "$$p"; break; }; done)
ifeq ($(strip $(PYTHON)),)
PYTHON := python3
endif
VENV := .venv
VPY := $(VENV)/bin/python
# The oldest ansible-core the collection supports (tests/utils/requirements-oldest.txt), for ansible-test and ansible-doc.
VENV_OLDEST := .venv-2.16
VPY_OLDEST := $(VENV_OLDEST)/bin/python
# Ansible finds the collection through this symlink; ansible-test needs a real copy (tests/utils/run_sanity.sh).
COLLECTIONS := $(CURDIR)/.build/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/graphops/msgraph
EMULATOR_STATE := $(CURDIR)/.build/emulator
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
# The collection's tests import it as ansible_collections.graphops.msgraph; the emulator is installed in .venv.
export PYTHONPATH := $(COLLECTIONS)
export ANSIBLE_NOCOLOR := 1

.PHONY: help quick venv venv-demo venv-oldest nox collection-link chromium test test-pytest sanity units docs changelog changelog-check build lint emulator demo clean bench

help:
	@echo "make test      create .venv, run emulator, unit and integration tests, ansible-test sanity and units, the nox sessions, ansible-lint"
	@echo "make quick     the inner loop (about a minute): pep8 as ansible-test sanity sees it, then the unit and emulator tests"
	@echo "make demo      start the Graph emulator, run examples/demo.yml against it (check, apply, apply again), stop it"
	@echo "make emulator  run the Graph emulator in the foreground (prints URL, CA file and demo credentials)"
	@echo "make changelog write CHANGELOG.md for the version in galaxy.yml from changelogs/fragments (keeps the fragments)"
	@echo "make build     ansible-galaxy collection build into .build/dist"
	@echo "make nox       antsibull-nox's sessions (antsibull-nox.toml): lint, docs-check, license-check, extra-checks, build-import-check"
	@echo "make chromium  install headless Chromium (apt-get) for the HTML report tests, when it is missing"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-demo.txt requirements-dev.txt emulator/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# `make demo` and `make emulator`: only what they run (requirements-demo.txt), not the development tools, so that a
# newcomer's first command is quick. A .venv that `make test` installed has all of it already.
venv-demo: $(VENV)/.demo-installed

$(VENV)/.demo-installed: requirements.txt requirements-demo.txt emulator/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --disable-pip-version-check -r requirements-demo.txt
	touch $@

venv-oldest: $(VENV_OLDEST)/.installed

$(VENV_OLDEST)/.installed: tests/utils/requirements-oldest.txt
	$(PYTHON) -m venv $(VENV_OLDEST)
	$(VPY_OLDEST) -m pip install -q --disable-pip-version-check -r tests/utils/requirements-oldest.txt
	touch $@

collection-link:
	mkdir -p $(dir $(COLLECTION_LINK))
	ln -sfn $(CURDIR) $(COLLECTION_LINK)

# Headless Chromium renders the HTML audit report in tests/integration/test_report_html.py. Installed from Debian's
# packages when missing (CI and these machines run as root with the Debian mirror reachable; sudo otherwise).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }
	@command -v chromium >/dev/null 2>&1 || { echo "make chromium: chromium is still missing; install it (apt-get install chromium)" >&2; exit 1; }

test: venv collection-link test-pytest units sanity nox docs changelog-check lint
	@echo "make test: all checks passed"

# The inner loop: what most often turns CI red, in about a minute. pep8 with ansible-test's own ignore list (sanity's
# pep8 runs only in `make sanity`, minutes later), then the emulator and unit tests without the integration tests.
quick: venv collection-link
	$(VPY) -m pycodestyle --max-line-length 160 --ignore "$$(grep -v '^#' $$($(VPY) -c 'import ansible_test, os; \
		print(os.path.dirname(ansible_test.__file__))')/_util/controller/sanity/pep8/current-ignore.txt | paste -sd, -)" \
		plugins tests/unit tests/integration tests/utils benchmarks emulator examples
	$(VPY) -m pytest -q -p graph_emulator.pytest_plugin -n 2 --rootdir $(CURDIR) emulator/tests tests/unit

# Emulator tests, unit tests and integration tests (real ansible-playbook against the emulator) in one run.
# ANSIBLE_DOC_OLDEST: tests/integration/test_docs.py renders the docs with the oldest ansible-doc too.
# PYTEST_WORKERS pytest-xdist workers, each with its own emulator; the tests of one file stay on one worker (loadscope),
# so a file's module-scoped fixtures are made once. One at a time the suite keeps the 2 CPUs of the development machine
# two-thirds idle (its integration tests wait on ansible-playbook, the emulator's latency and retries): 952 s with 1
# worker, 403 s with 3, 416 s with 4. PYTEST_WORKERS=0 runs them in this process, one at a time.
PYTEST_WORKERS ?= 3
test-pytest: venv venv-oldest collection-link chromium
	ANSIBLE_DOC_OLDEST=$(abspath $(VENV_OLDEST))/bin/ansible-doc \
	$(VPY) -m pytest -p graph_emulator.pytest_plugin -n $(PYTEST_WORKERS) --dist loadscope --rootdir $(CURDIR) \
		emulator/tests tests/unit tests/integration

# ansible-test on the newest (.venv) and the oldest (.venv-2.16) ansible-core, each in its own --venv; the sanity
# tests compile and import the collection on the other module-side Pythons each one supports (tests/config.yml: 3.9+).
sanity: venv venv-oldest
	TARGET_PYTHONS="3.9 3.10 3.11 3.13" tests/utils/run_ansible_test.sh $(abspath $(VPY)) sanity
	TARGET_PYTHONS="3.9 3.10 3.11" tests/utils/run_ansible_test.sh $(abspath $(VPY_OLDEST)) sanity

units: venv venv-oldest
	tests/utils/run_ansible_test.sh $(abspath $(VPY)) units --requirements
	tests/utils/run_ansible_test.sh $(abspath $(VPY_OLDEST)) units --requirements

# The collection's docsite, built as the Ansible docsite is built (tests/utils/build_docsite.sh: antsibull-docs writes
# the pages, Sphinx renders them with the Ansible theme, every warning an error, inline markup that did not render
# too) into .build/docsite/build/html: about 6 s here. The lint of the plugin and role docs and of the guides' references
# is `make nox`'s docs-check; ansible-doc rendering: tests/integration/test_docs.py.
docs: venv collection-link
	tests/utils/build_docsite.sh $(abspath $(VENV))/bin $(CURDIR)/.build/docsite

# CHANGELOG.md from the fragments, through a release in a throw-away copy (tests/utils/changelog.sh says why).
changelog: venv
	tests/utils/changelog.sh $(abspath $(VENV))/bin write

changelog-check: venv
	tests/utils/changelog.sh $(abspath $(VENV))/bin check

build: venv
	$(VENV)/bin/ansible-galaxy collection build --force --output-path .build/dist

# antsibull-nox's sessions that run without containers (antsibull-nox.toml; README.md, "Checks"): lint (flake8,
# yamllint, the config's own lint), docs-check, license-check (reuse lint), extra-checks and build-import-check (the
# artifact built, then galaxy-importer with Automation Hub's settings). Each session installs its pinned tools
# (tests/utils/nox-constraints/) into a virtualenv of its own under .nox/, kept between runs (--reuse-venv). galaxy-importer only logs what it finds (the
# session shows its log), so any WARNING or ERROR line it logs fails the target, as an upload to Automation Hub would.
NOX_SESSIONS ?= lint docs-check license-check extra-checks build-import-check
NOX_FLAGS ?= --reuse-venv yes
nox: venv
	mkdir -p .build
	$(VENV)/bin/nox $(NOX_FLAGS) --no-color -s $(NOX_SESSIONS) 2>&1 | tee .build/nox.log
	@if grep -E '^(WARNING|ERROR):' .build/nox.log; then \
		echo "galaxy-importer: the artifact has findings (above; the whole run in .build/nox.log)" >&2; exit 1; fi

lint: venv collection-link
	$(VENV)/bin/ansible-lint --offline

emulator: venv-demo
	mkdir -p $(EMULATOR_STATE)
	$(VPY) -m graph_emulator --state-dir $(EMULATOR_STATE)

demo: venv-demo collection-link
	$(VPY) examples/run_demo.py

clean:
	rm -rf $(VENV) $(VENV_OLDEST) .nox .build tests/output

# graph_profile_photo_sync against the emulator (20 ms latency, throttling on) at 100, 1,000 and 10,000 principals,
# and a loop of graph_profile_photo for comparison; then the CPU of preparing one photo for upload, and what crop: face
# adds to it (a few seconds);
# then the soak: 5,000 principals (BENCH_SOAK) under 429s, 503s, resets and three token revocations per run; then the
# own cost of one-principal tasks over ansible.builtin.ping, import by import and request by request.
# Opt-in: `make bench BENCH_LARGE_SIZES=50000` adds the tenant-scale case (one task of 50,000 and 10 shards; about
# 15 minutes on 2 CPUs). Not part of `make test`; figures in docs/docsite/rst/performance.rst.
bench: venv collection-link
	$(VPY) benchmarks/run_benchmark.py $(if $(BENCH_LARGE_SIZES),--large-sizes $(BENCH_LARGE_SIZES))
	$(VPY) benchmarks/prepare_cpu.py --rounds 3 --photos 10
	$(VPY) benchmarks/prepare_cpu.py --case faces --rounds 3
	$(VPY) benchmarks/run_benchmark.py --only-soak
	$(VPY) benchmarks/run_benchmark.py --only-budgets $(if $(BENCH_BUDGET_USERS),--budget-users $(BENCH_BUDGET_USERS))
	$(VPY) benchmarks/task_cost.py
