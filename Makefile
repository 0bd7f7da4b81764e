# voiceops.cucm: developer and CI entry points. `make help` lists them;
# docs/development.md explains them. Needs only Python >= 3.11, make, bash and git.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
# The test targets share one synced copy of the collection; keep them in order.
.NOTPARALLEL:
MAKEFLAGS += --no-builtin-rules

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

# ---- knobs (override on the command line: make sanity SANITY_ARGS='--test pylint') ----
PYTHON ?= python3
# Python version ansible-test runs the tests with; must be the venv's.
TEST_PYTHON ?= 3.11
VENV ?= $(ROOT)/.venv
SHARED_DIR ?= $(ROOT)/../shared
SANITY_ARGS ?=
UNITS_ARGS ?=
PYTEST_ARGS ?=
LINT_ARGS ?=
# Integration tests run in 2 pytest-xdist workers (each with its own simulators).
INTEGRATION_ARGS ?= -n 2
SIM_ARGS ?=
# Where the simulator's own pytest suites live (those that exist are run by units-simulator).
SIMULATOR_TEST_DIRS ?= tests/unit/simulator tests/simulator tests/tools
# Other collection roots to search after ours (colon-separated), e.g. ~/.ansible/collections.
EXTRA_COLLECTIONS_PATH ?=

# What `make test` (and so .ci/run) runs, in order. Add integration, molecule, docs, ... here
# once those targets exist, or run `make test TEST_TARGETS='units lint'`.
TEST_TARGETS ?= units integration integration-cores molecule docs package sanity lint changelog-lint
# Last: docs/reliability.md again, with the results of the gates that run after the integration tests.
TEST_TARGETS += reliability-report

COLLECTION_NAMESPACE := voiceops
COLLECTION_NAME := cucm

# ---- the virtualenv ----
VENV_BIN := $(VENV)/bin
VENV_PY := $(VENV_BIN)/python
PIP := $(VENV_PY) -m pip --disable-pip-version-check
# Installed into the venv besides the requirement files, under constraints.txt.
VENV_EXTRA := cryptography PyYAML
VENV_INPUTS := requirements.txt requirements-dev.txt constraints.txt simulator/pyproject.toml
# The simulator package is installed editable once it exists.
SIM_MARKER := simulator/cucm_axl_sim/__init__.py
# The stamp is keyed on the content of everything that decides what the venv holds, so
# `make venv` is a no-op until one of those changes (and touching a file does not count).
VENV_KEY := $(shell cd '$(ROOT)' && { cat $(VENV_INPUTS); echo '$(VENV_EXTRA)'; \
	test -f $(SIM_MARKER) && echo simulator-present; } 2>/dev/null | \
	$(PYTHON) -c 'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest()[:16])')
VENV_STAMP := $(VENV)/.make-venv-$(VENV_KEY)

# Tools from the venv come first for every recipe (ansible-test looks up python3.11, pytest, ...
# on PATH, so this also makes it use the venv's interpreter).
export PATH := $(VENV_BIN):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# ---- how ansible sees the checkout as voiceops.cucm ----
BUILD_DIR := $(ROOT)/build
# Live view for ansible-playbook, ansible-doc, molecule, integration tests, the demo: a symlink
# to the checkout, so it always shows the working tree. Later targets just use
# ANSIBLE_COLLECTIONS_PATH, which every recipe inherits.
COLLECTIONS_ROOT := $(BUILD_DIR)/collections
COLLECTION_LINK := $(COLLECTIONS_ROOT)/ansible_collections/$(COLLECTION_NAMESPACE)/$(COLLECTION_NAME)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS_ROOT)$(if $(EXTRA_COLLECTIONS_PATH),:$(EXTRA_COLLECTIONS_PATH))
# ansible-test needs its working directory *inside* ansible_collections/<ns>/<name>, and
# os.getcwd() and pytest resolve symlinks, so it gets a real copy, re-synced before each run
# (.ci/sync_collection.py; incremental, well under a second).
ANSIBLE_TEST_ROOT := $(BUILD_DIR)/ansible-test
COLLECTION_COPY := $(ANSIBLE_TEST_ROOT)/ansible_collections/$(COLLECTION_NAMESPACE)/$(COLLECTION_NAME)
# ansible-test sets its own collection path; do not leak the live view into it.
ANSIBLE_TEST := cd '$(COLLECTION_COPY)' && env -u ANSIBLE_COLLECTIONS_PATH ansible-test

# Sanity tests that cannot run here. Everything else runs; there are no ignore files.
#   pslint: needs PowerShell (pwsh) and PSScriptAnalyzer, which are not on PyPI; this collection
#           ships no PowerShell, so the test would have nothing to check anyway.
SANITY_SKIP := --skip-test pslint

# ansible-test bootstraps pip in its venvs with get-pip.py from ci-files.testing.ansible.com,
# which CI cannot reach. ../shared/tools/get_pip_offline.py stands in for it (ensurepip, then
# pip from the index), cached under the name ansible-test looks for.
GET_PIP_OFFLINE := $(SHARED_DIR)/tools/get_pip_offline.py

.PHONY: bench demo conformance-fixture integration help venv collection collection-link collection-sync ansible-test-bootstrap \
	test sanity units units-collection units-simulator lint changelog-lint simulator clean distclean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-22s %s\n", $$1, $$2}'
	@echo "  make test runs: $(TEST_TARGETS)"

# ---- venv ----

venv: $(VENV_STAMP) ## Create/update .venv (requirements + dev tools + editable simulator)

$(VENV_STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 needed; run make PYTHON=python3.11 ...")'
	@echo '==> venv: $(VENV) (requirement files changed or first run)'
	test -x '$(VENV_PY)' || $(PYTHON) -m venv '$(VENV)'
	cd '$(ROOT)' && $(PIP) install -q -c constraints.txt -r requirements.txt -r requirements-dev.txt $(VENV_EXTRA)
	@cd '$(ROOT)' && if [ -f $(SIM_MARKER) ]; then \
		echo '$(PIP) install -q -c constraints.txt -e simulator'; \
		$(PIP) install -q -c constraints.txt -e simulator; \
	else \
		echo 'WARNING: $(SIM_MARKER) does not exist yet: simulator not installed (cucm-axl-sim missing)'; \
	fi
	rm -f '$(VENV)'/.make-venv-*
	touch '$@'

# ---- Java for ansible-rulebook (Event-Driven Ansible: its rule engine, Drools, runs in a JVM) ----
# ansible-rulebook (requirements-dev.txt) needs a Java 17 or later runtime. Installed with apt when missing
# (Debian's openjdk-17-jre-headless; as root, or with sudo); skipped when `java -version` says 17 or later.
JAVA_PACKAGE ?= openjdk-17-jre-headless
java-runtime: ## Java 17+ for ansible-rulebook (apt-get install $(JAVA_PACKAGE) when missing)
	@ver=$$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1); \
	if [ -n "$$ver" ] && [ "$$ver" -ge 17 ]; then \
		echo "java-runtime: Java $$ver found"; \
	else \
		echo "java-runtime: no Java 17 or later (found: '$${ver:-none}'); installing $(JAVA_PACKAGE) with apt-get"; \
		sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		if ! command -v apt-get >/dev/null; then \
			echo "java-runtime: apt-get is not available: install a Java 17 runtime for ansible-rulebook by hand" >&2; exit 1; \
		fi; \
		if ! { $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $(JAVA_PACKAGE); }; then \
			echo "java-runtime: installing $(JAVA_PACKAGE) failed: ansible-rulebook (docs/eda.md) cannot run without Java 17" >&2; exit 1; \
		fi; \
		java -version 2>&1 | head -1; \
	fi

.PHONY: java-runtime

# ---- collection path ----

collection: collection-link collection-sync ## Refresh both views of the checkout under build/

collection-link: ## build/collections/ansible_collections/voiceops/cucm -> checkout (symlink)
	@mkdir -p '$(dir $(COLLECTION_LINK))'
	@ln -sfn ../../../.. '$(COLLECTION_LINK)'
	@test -f '$(COLLECTION_LINK)/galaxy.yml'

collection-sync: ## Sync the real copy ansible-test runs in (build/ansible-test/...)
	@$(PYTHON) '$(ROOT)/.ci/sync_collection.py' '$(ROOT)' '$(COLLECTION_COPY)'

# ---- tests ----

test: venv $(TEST_TARGETS) ## venv + units + sanity + lint + changelog-lint (what CI runs)

ansible-test-bootstrap: venv
	@ver=$$($(VENV_PY) -c 'import ansible_test, os, re; \
		src = open(os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")).read(); \
		print(re.search(r"\bpip=.([0-9][0-9.]*)", src).group(1))'); \
	cache="$$HOME/.ansible/test/cache/get_pip_$${ver//./_}.py"; \
	if [ -f "$$cache" ]; then \
		echo "ansible-test pip $$ver bootstrap: $$cache"; \
	elif [ -f '$(GET_PIP_OFFLINE)' ]; then \
		mkdir -p "$${cache%/*}" && cp '$(GET_PIP_OFFLINE)' "$$cache"; \
		echo "ansible-test pip $$ver bootstrap: installed $(GET_PIP_OFFLINE) as $$cache"; \
	else \
		echo "ansible-test pip $$ver bootstrap: $(GET_PIP_OFFLINE) not found, ansible-test will download it"; \
	fi

sanity: venv collection-sync ansible-test-bootstrap ## ansible-test sanity (no ignore files)
	@$(call gate-start,sanity)
	$(ANSIBLE_TEST) sanity --python $(TEST_PYTHON) $(SANITY_SKIP) $(SANITY_ARGS)
	@$(call gate-pass,sanity,$(SANITY_ARGS))

units: units-collection units-simulator ## All unit tests

# ansible-test runs in the venv's interpreter (no --venv/--requirements): the venv is pinned by
# constraints.txt and already has pytest, pytest-xdist, PyYAML and the runtime requirements.
# tests/unit/simulator, if used, is left to plain pytest (units-simulator).
units-collection: venv collection-sync ## ansible-test units (tests/unit except tests/unit/simulator)
	@$(call gate-start,units-collection)
	@if [ -z "$$(cd '$(COLLECTION_COPY)' && find tests/unit -name 'test_*.py' -not -path 'tests/unit/simulator/*' 2>/dev/null)" ]; then \
		echo 'units-collection: no tests under tests/unit/plugins yet, nothing to run'; \
	else \
		exclude=$$([ ! -d '$(COLLECTION_COPY)/tests/unit/simulator' ] || echo --exclude tests/unit/simulator/); \
		set -x; $(ANSIBLE_TEST) units --python $(TEST_PYTHON) $$exclude $(UNITS_ARGS); \
	fi
	@$(call gate-pass,units-collection,$(UNITS_ARGS))

# The simulator's tests are plain pytest suites run with the venv's Python (the simulator is an
# ordinary package, not collection code), from whichever of these directories exist.
# pytest exits 5 when it collects no test; that is not a failure while a suite is still empty.
units-simulator: venv ## pytest on the simulator's tests (tests/simulator, tests/unit/simulator)
	@cd '$(ROOT)' && dirs=$$(for d in $(SIMULATOR_TEST_DIRS); do [ ! -d "$$d" ] || echo "$$d"; done); \
	if [ -z "$$dirs" ]; then \
		echo 'units-simulator: none of $(SIMULATOR_TEST_DIRS) exists yet, nothing to run'; \
	else \
		rc=0; (set -x && pytest -p no:cacheprovider $$dirs $(PYTEST_ARGS)) || rc=$$?; \
		if [ $$rc -eq 5 ]; then echo 'units-simulator: no simulator tests collected yet'; rc=0; fi; \
		exit $$rc; \
	fi

# --offline: no Galaxy, schema-store or version look-ups, and no install of the collection
# into a cache dir; ansible-lint resolves voiceops.cucm.* through ANSIBLE_COLLECTIONS_PATH (the
# live symlink) instead. A bare `ansible-lint` (no make) installs a copy under ./.ansible/.
lint: venv collection-link ## ansible-lint, production profile (config: .ansible-lint)
	@$(call gate-start,lint)
	cd '$(ROOT)' && ansible-lint --profile production --offline $(LINT_ARGS)
	@$(call gate-pass,lint,$(LINT_ARGS))

changelog-lint: venv ## antsibull-changelog lint (fragments and changelogs/changelog.yaml)
	cd '$(ROOT)' && antsibull-changelog lint
	cd '$(ROOT)' && antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml

# Real ansible-playbook runs of the collection against cucm-axl-sim (strict mode when ../shared
# has Cisco's schema), for CUCM 12.5, 14.0 and 15.0 (CUCM_TEST_VERSIONS=14.0 narrows it).
integration: venv collection-link java-runtime ## Integration playbooks against the simulator (tests/integration)
	cd '$(ROOT)' && pytest -p no:cacheprovider $(INTEGRATION_ARGS) tests/integration $(PYTEST_ARGS)

# ---- the ansible-core matrix: the tests marked `cores` (roles, playbooks, AWX-style extra vars) again
# on the oldest ansible-core the collection supports (AAP 2.5 execution environments) and the newest on the
# package index, each in a venv of its own (.venv-cores/<version>: ansible-core, lxml, PyYAML); the
# simulator and pytest stay the project venv's. ansible-core 2.20+ needs Python 3.12+: NEWEST_PYTHON is
# the newest Python 3.12+ found on PATH or in pyenv's versions. Without one, only the oldest is run.
CORE_OLDEST ?= 2.16.19
CORE_NEWEST ?= 2.21.5
CORES_DIR := $(ROOT)/.venv-cores
NEWEST_PYTHON ?= $(shell for c in python3.14 python3.13 python3.12 \
	$$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	"$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v "$$c"; break; }; done)
CORES_ARGS ?= -n 2
# one venv: $(call core-venv,<ansible-core version>,<python>)
core-venv = test -f '$(CORES_DIR)/$(1)/.ready' || { rm -rf '$(CORES_DIR)/$(1)' && \
	'$(2)' -m venv '$(CORES_DIR)/$(1)' && \
	'$(CORES_DIR)/$(1)/bin/python' -m pip -q --disable-pip-version-check install 'ansible-core==$(1)' \
	"$$(grep -E '^lxml==' constraints.txt)" "$$(grep -E '^PyYAML==' constraints.txt)" && \
	touch '$(CORES_DIR)/$(1)/.ready'; }
core-run = echo '==> the tests marked cores on ansible-core $(1)' && \
	VOICEOPS_ANSIBLE_VENV='$(CORES_DIR)/$(1)' CUCM_TEST_VERSIONS=14.0 \
	pytest -p no:cacheprovider $(CORES_ARGS) -m cores tests/integration $(PYTEST_ARGS)

integration-cores: venv collection-link ## The tests marked cores on ansible-core $(CORE_OLDEST) and $(CORE_NEWEST)
	@$(call gate-start,integration-cores)
	cd '$(ROOT)' && $(call core-venv,$(CORE_OLDEST),$(PYTHON))
	cd '$(ROOT)' && $(call core-run,$(CORE_OLDEST))
	@cd '$(ROOT)' && if [ -z '$(NEWEST_PYTHON)' ]; then \
		echo 'WARNING: ansible-core $(CORE_NEWEST) needs Python 3.12 or later and none was found (set NEWEST_PYTHON): not run'; \
	else \
		$(call core-venv,$(CORE_NEWEST),$(NEWEST_PYTHON)) && $(call core-run,$(CORE_NEWEST)); \
	fi
	@if [ -n '$(NEWEST_PYTHON)' ]; then $(call gate-pass,integration-cores,$(PYTEST_ARGS)); fi

.PHONY: integration-cores

# ---- run ----

simulator: venv ## Run the AXL simulator in the foreground: make simulator SIM_ARGS='...'
	'$(VENV_BIN)/cucm-axl-sim' $(SIM_ARGS)

# ---- housekeeping ----

clean: ## Remove build/, test output and caches (keeps .venv)
	rm -rf '$(BUILD_DIR)' '$(ROOT)/tests/output' '$(ROOT)/.pytest_cache'
	find '$(ROOT)' -path '$(VENV)' -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean ## clean, and remove .venv too
	rm -rf '$(VENV)'

# ---- benchmarks (never part of `make test`: times are measured, not asserted) ----

BENCH_ARGS ?=
bench: venv collection-link ## Benchmarks: the collection vs the alternatives (docs/performance.md), then the simulator
	'$(VENV_PY)' '$(ROOT)/tests/bench/bench_collection.py' $(BENCH_ARGS)
	'$(VENV_PY)' '$(ROOT)/tests/bench/bench_simulator.py'
	'$(VENV_PY)' '$(ROOT)/tests/bench/bench_number_pool.py'

# ---- demo ----

demo: venv collection-link ## Start the simulator, run the example playbooks, show the result, stop it
	'$(VENV_PY)' '$(ROOT)/tools/demo.py'

conformance-fixture: venv ## Regenerate the conformance kit's simulator transcript (tests/simulator/conformance_transcripts)
	'$(VENV_PY)' '$(ROOT)/tools/conformance_fixture.py' $(CONFORMANCE_RELEASES)

# ---- workflows: molecule, docsite, packaging gate (part of `make test`) ----

# molecule: the identity role converged, re-run for idempotence and verified through the _info
# modules, against a simulator the scenario starts (create.yml) and stops (destroy.yml).
molecule: venv collection-link ## molecule test of the identity role (extensions/molecule/default, own simulator)
	cd '$(ROOT)' && molecule test -s default

# The guides are written in docs/*.md; tools/docsite.py converts them to docs/docsite/ (commit the
# result), antsibull-docs lints the collection's docs, and Sphinx builds the module, role and guide
# pages offline with every warning an error.
DOCS_BUILD_DIR := $(BUILD_DIR)/docs
docs: venv collection-link ## Docsite: guides -> docs/docsite, antsibull-docs lint, Sphinx build with -W (build/docs)
	'$(VENV_PY)' '$(ROOT)/tools/docsite.py' guides
	cd '$(ROOT)' && antsibull-docs lint-collection-docs --plugin-docs .
	'$(VENV_PY)' '$(ROOT)/tools/docsite.py' build '$(DOCS_BUILD_DIR)'

# The Galaxy packaging gate: build the tarball, check what it holds (build_ignore), install it and
# run playbooks from the INSTALLED copy against the simulator from the installed simulator/.
PACKAGE_DIR := $(BUILD_DIR)/package
package: venv ## ansible-galaxy collection build + install + smoke run of the installed copy (build/package)
	@$(call gate-start,package)
	rm -rf '$(PACKAGE_DIR)' && mkdir -p '$(PACKAGE_DIR)'
	cd '$(ROOT)' && ansible-galaxy collection build --output-path '$(PACKAGE_DIR)' .
	env -u ANSIBLE_COLLECTIONS_PATH ansible-galaxy collection install --offline --no-deps --force -p '$(PACKAGE_DIR)/collections' '$(PACKAGE_DIR)'/voiceops-cucm-*.tar.gz
	'$(VENV_PY)' '$(ROOT)/tools/package_smoke.py' '$(PACKAGE_DIR)'
	@$(call gate-pass,package)

.PHONY: molecule docs package

# ---- the reliability report (docs/reliability.md, issue 9) ----

# The gates the report shows record their result: a gate target removes build/gates/<target>.json
# when it starts and writes it when it has passed, with the arguments it ran with (a run with
# arguments is not the whole gate). tests/integration/reliability_report.py reads them.
GATES_DIR := $(BUILD_DIR)/gates
gate-start = mkdir -p '$(GATES_DIR)' && rm -f '$(GATES_DIR)/$(1).json'
gate-pass = printf '{"gate": "%s", "rc": 0, "args": "%s"}\n' '$(1)' '$(strip $(subst ',,$(subst ",,$(2))))' \
	> '$(GATES_DIR)/$(1).json'

reliability-report: venv ## docs/reliability.md from the last integration run + the gates' results; fails on a failing row
	'$(VENV_PY)' '$(ROOT)/tests/integration/reliability_report.py'

.PHONY: reliability-report
